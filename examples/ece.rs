//! Creates a user on a real Elastic Cloud Enterprise installation, reads it back,
//! disables it with a merge patch, lists users and deletes it.
//!
//! ```text
//! ECE_BASE_URL=https://coordinator.example.com:12443/api/v1 ECE_API_KEY=... \
//!     cargo run --example ece
//! # or ECE_USERNAME=admin ECE_PASSWORD=... instead of ECE_API_KEY
//! ```
//!
//! Optional: `ECE_CA_CERT=/path/to/ca.pem` to trust a coordinator's self-signed CA.
//! (The example never turns certificate verification off.)

use std::process::ExitCode;

use user_provisioner::providers::ece::{self, EceBuilder, EceError};
use user_provisioner::{
    ClientOptions, CreateOutcome, DeleteOutcome, Error, ListUsers, NewUser, RequestOptions,
    UpdateOutcome, UserProvisioner, UserUpdate,
};

#[tokio::main]
async fn main() -> ExitCode {
    let mut options = ClientOptions::new();
    if let Ok(path) = std::env::var("ECE_CA_CERT") {
        let pem = match std::fs::read(&path) {
            Ok(pem) => pem,
            Err(err) => {
                eprintln!("cannot read ECE_CA_CERT {path}: {err}");
                return ExitCode::from(2);
            }
        };
        options = match options.with_root_certificate_pem(&pem) {
            Ok(options) => options,
            Err(err) => {
                eprintln!("ECE_CA_CERT {path}: {err}");
                return ExitCode::from(2);
            }
        };
    }
    let client = match EceBuilder::from_env().with_client_options(options).build() {
        Ok(client) => client,
        Err(Error::Config { field, reason }) => {
            eprintln!("Elastic Cloud Enterprise is not configured: {field}: {reason}");
            eprintln!(
                "set {} (such as https://coordinator.example.com:12443/api/v1) and {}, or {} \
                 and {}, to run this example",
                ece::ENV_BASE_URL,
                ece::ENV_API_KEY,
                ece::ENV_USERNAME,
                ece::ENV_PASSWORD
            );
            return ExitCode::from(2);
        }
        Err(other) => {
            eprintln!("could not build the ECE client: {other}");
            return ExitCode::FAILURE;
        }
    };
    match run(&client).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            match EceError::of(&err) {
                Some(ece) if ece.is_elevated_permissions_required() => {
                    eprintln!("failed: the API user must elevate its permissions first: {err}")
                }
                _ => eprintln!("failed: {err}"),
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(client: &dyn UserProvisioner) -> Result<(), Error> {
    let options = RequestOptions::new();
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let username = format!("up-example-{}", &suffix[..8]);
    let person = NewUser::new(&username)
        .with_display_name("user-provisioner example")
        .with_email(format!("{username}@example.com"))
        .with_password(format!("Ex-{}!", &suffix[..16]))
        .with_role("ece_platform_viewer");

    let id = match client.create_user_opts(&person, &options).await? {
        CreateOutcome::Created(user) => {
            println!("created  {} roles={:?}", user.id, user.roles);
            user.id
        }
        CreateOutcome::Accepted(accepted) => {
            println!("accepted {accepted:?}; ECE normally creates at once");
            return Ok(());
        }
        other => {
            println!("create   {other:?}");
            return Ok(());
        }
    };
    let user = client.get_user_opts(&id, &options).await?;
    println!(
        "read     {} name={:?} enabled={:?} created_at={:?}",
        user.id, user.display_name, user.enabled, user.created_at
    );
    match client
        .update_user_opts(&id, &UserUpdate::new().with_enabled(false), &options)
        .await?
    {
        UpdateOutcome::Updated(user) => println!("disabled {} enabled={:?}", user.id, user.enabled),
        other => println!("updated  {other:?}"),
    }
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
