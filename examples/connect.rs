//! Creates a user on a real Connect API under an idempotency key, reads it back, lists
//! users and deletes it.
//!
//! ```text
//! CONNECT_BASE_URL=https://connect.example.com/api/v1 CONNECT_API_KEY=... \
//!     cargo run --example connect
//! ```
//!
//! Optional: `CONNECT_EXAMPLE_EMAIL_DOMAIN` (default `example.com`) for the throwaway
//! user's email address.

use std::process::ExitCode;

use user_provisioner::providers::connect::{self, ConnectBuilder, ConnectClient, CreateUser};
use user_provisioner::{
    DeleteOutcome, Error, IdempotencyKey, ListUsers, RequestOptions, UserId, UserProvisioner,
};

#[tokio::main]
async fn main() -> ExitCode {
    let client = match ConnectBuilder::from_env().build() {
        Ok(client) => client,
        Err(Error::Config { field, reason }) => {
            eprintln!("Connect is not configured: {field}: {reason}");
            eprintln!(
                "set {} (the base URL from onboarding, such as https://connect.example.com/api/v1) \
                 and {} to run this example",
                connect::ENV_BASE_URL,
                connect::ENV_API_KEY
            );
            return ExitCode::from(2);
        }
        Err(other) => {
            eprintln!("could not build the Connect client: {other}");
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

async fn run(client: &ConnectClient) -> Result<(), Error> {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let domain =
        std::env::var("CONNECT_EXAMPLE_EMAIL_DOMAIN").unwrap_or_else(|_| "example.com".into());
    let mut request = CreateUser::new(format!("Example User {}", &suffix[..8]));
    request.email = Some(format!("up-example-{}@{domain}", &suffix[..8]));

    // Choose the key before the call and keep it: if this process dies mid-create, the
    // same request under the same key (within 24 h) returns the same user.
    let key = IdempotencyKey::random();
    println!("creating under idempotency key {key}");
    let options = RequestOptions::new().with_idempotency_key(key);
    let created = client.create(&request, &options).await?;
    let id = UserId::new(created.user.user_id.clone());
    println!(
        "created  {} ({}) with key {}",
        id, created.user.name, created.idempotency_key
    );

    let options = RequestOptions::new();
    let user = client.get_user_opts(&id, &options).await?;
    println!(
        "read     {} email={:?} created_at={:?}",
        user.id, user.email, user.created_at
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
