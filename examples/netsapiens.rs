//! Creates a user on a real NetSapiens v2 server, waits until it can be read, counts and
//! lists the domain's users, and deletes it again.
//!
//! ```text
//! NETSAPIENS_BASE_URL=https://pbx.example.com/ns-api/v2 NETSAPIENS_TOKEN=nss_... \
//! NETSAPIENS_DOMAIN=acme.example.com cargo run --example netsapiens
//! ```
//!
//! `NETSAPIENS_DOMAIN` is optional (default `~`, the token's own domain). Optional:
//! `NETSAPIENS_EXAMPLE_EXTENSION` (default `9990`), the extension of the throwaway user,
//! and `NETSAPIENS_EXAMPLE_EMAIL_DOMAIN` (default `example.com`).

use std::process::ExitCode;
use std::time::Duration;

use user_provisioner::providers::netsapiens::{
    self, NetSapiensBuilder, NetSapiensClient, VisibilityWait,
};
use user_provisioner::{
    CreateOutcome, DeleteOutcome, Error, ListUsers, NewUser, RequestOptions, UserProvisioner,
};

#[tokio::main]
async fn main() -> ExitCode {
    let client = match NetSapiensBuilder::from_env().build() {
        Ok(client) => client,
        Err(Error::Config { field, reason }) => {
            eprintln!("NetSapiens is not configured: {field}: {reason}");
            eprintln!(
                "set {} (such as https://pbx.example.com/ns-api/v2) and {} to run this \
                 example; {} is optional (default ~)",
                netsapiens::ENV_BASE_URL,
                netsapiens::ENV_TOKEN,
                netsapiens::ENV_DOMAIN
            );
            return ExitCode::from(2);
        }
        Err(other) => {
            eprintln!("could not build the NetSapiens client: {other}");
            return ExitCode::FAILURE;
        }
    };
    match run(&client).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("failed: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(client: &NetSapiensClient) -> Result<(), Error> {
    let options = RequestOptions::new();
    let extension = std::env::var("NETSAPIENS_EXAMPLE_EXTENSION").unwrap_or_else(|_| "9990".into());
    let email_domain =
        std::env::var("NETSAPIENS_EXAMPLE_EMAIL_DOMAIN").unwrap_or_else(|_| "example.com".into());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let login = format!("up-example-{}", &suffix[..8]);
    let person = NewUser::new(&login)
        .with_email(format!("{login}@{email_domain}"))
        .with_names("Example", "User")
        .with_attribute("netsapiens.extension", extension.as_str());

    let id = match client.create_user_opts(&person, &options).await? {
        CreateOutcome::Created(user) => {
            println!(
                "created  {} ({login}) in domain {}",
                user.id,
                client.domain()
            );
            user.id
        }
        CreateOutcome::Accepted(accepted) => {
            println!("accepted {accepted:?}; waiting until it can be read");
            let wait = VisibilityWait::new().with_deadline(Duration::from_secs(20));
            let user = client
                .wait_until_visible(&extension, &wait, &options)
                .await?;
            user.user.into()
        }
        other => {
            println!("create   {other:?}");
            return Ok(());
        }
    };
    let user = client.get_user_opts(&id, &options).await?;
    println!(
        "read     {} login={:?} email={:?} scope={:?}",
        user.id, user.username, user.email, user.roles
    );
    println!(
        "counted  {} users in the domain",
        client.count(&options).await?
    );
    let page = client
        .list_users_opts(&ListUsers::new().with_page_size(10), &options)
        .await?;
    println!(
        "listed   {} users on the first page{}",
        page.users.len(),
        if page.next.is_some() {
            ", more follow"
        } else {
            ""
        }
    );
    match client.delete_user_opts(&id, &options).await? {
        DeleteOutcome::Deleted => println!("deleted  {id}"),
        DeleteOutcome::Accepted(_) => println!("deletion of {id} accepted"),
        other => println!("delete   {other:?}"),
    }
    Ok(())
}
