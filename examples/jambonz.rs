//! Creates a user on a real jambonz server, reads it back, lists users and deletes it.
//!
//! ```text
//! JAMBONZ_BASE_URL=https://api.jambonz.cloud/v1 JAMBONZ_API_KEY=... \
//!     cargo run --example jambonz
//! ```
//!
//! Optional: `JAMBONZ_EXAMPLE_EMAIL_DOMAIN` (default `example.com`) for the throwaway
//! user's email address.

use std::process::ExitCode;

use user_provisioner::providers::jambonz::{self, JambonzBuilder};
use user_provisioner::{
    CreateOutcome, DeleteOutcome, Error, ListUsers, NewUser, RequestOptions, UserProvisioner,
};

#[tokio::main]
async fn main() -> ExitCode {
    let client = match JambonzBuilder::from_env().build() {
        Ok(client) => client,
        Err(Error::Config { field, reason }) => {
            eprintln!("jambonz is not configured: {field}: {reason}");
            eprintln!(
                "set {} (such as https://api.jambonz.cloud/v1) and {} to run this example",
                jambonz::ENV_BASE_URL,
                jambonz::ENV_API_KEY
            );
            return ExitCode::from(2);
        }
        Err(other) => {
            eprintln!("could not build the jambonz client: {other}");
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

async fn run(client: &dyn UserProvisioner) -> Result<(), Error> {
    let options = RequestOptions::new();
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let domain =
        std::env::var("JAMBONZ_EXAMPLE_EMAIL_DOMAIN").unwrap_or_else(|_| "example.com".into());
    let username = format!("up-example-{}", &suffix[..8]);
    let person = NewUser::new(&username)
        .with_email(format!("{username}@{domain}"))
        .with_password(format!("Ex{}!", &suffix[..10]));

    let id = match client.create_user_opts(&person, &options).await? {
        CreateOutcome::Created(user) => {
            println!("created  {} ({})", user.id, username);
            user.id
        }
        CreateOutcome::Accepted(accepted) => {
            println!("accepted {accepted:?}; jambonz normally creates at once");
            return Ok(());
        }
        other => {
            println!("create   {other:?}");
            return Ok(());
        }
    };
    let user = client.get_user_opts(&id, &options).await?;
    println!(
        "read     {} email={:?} enabled={:?}",
        user.id, user.email, user.enabled
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
