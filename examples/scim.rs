//! Provisions a user into a SCIM 2.0 service provider: reads what the server announces,
//! creates a user (with an attribute of the enterprise extension), finds it by
//! `userName`, deactivates it (PATCH or PUT, as announced), and deletes it.
//!
//! ```text
//! SCIM_BASE_URL=https://api.example.com/scim/v2 SCIM_TOKEN=... \
//!     cargo run --features scim-client --example scim
//! ```
//!
//! Against the loopback test server: `eval "$(.ci/scim-server.sh start)"`, then
//! `SCIM_BASE_URL=$USER_PROVISIONER_TEST_SCIM_URL SCIM_TOKEN=$USER_PROVISIONER_TEST_SCIM_TOKEN`.

use std::process::ExitCode;

use user_provisioner::providers::scim::{self, ScimBuilder, ScimClient};
use user_provisioner::{
    CreateOutcome, Error, NewUser, RequestOptions, UserKey, UserProvisioner, UserUpdate,
};

#[tokio::main]
async fn main() -> ExitCode {
    let client = match ScimBuilder::from_env().build() {
        Ok(client) => client,
        Err(Error::Config { field, reason }) => {
            eprintln!("the SCIM server is not configured: {field}: {reason}");
            eprintln!(
                "set {} (such as https://api.example.com/scim/v2) and {} to run this example",
                scim::ENV_BASE_URL,
                scim::ENV_TOKEN
            );
            return ExitCode::from(2);
        }
        Err(other) => {
            eprintln!("could not build the SCIM client: {other}");
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

async fn run(client: &ScimClient) -> Result<(), Error> {
    let config = client.discover(&RequestOptions::new()).await?;
    println!(
        "server   PATCH {}, ETags {}, filters {}, password changes {}",
        config.patch.supported,
        config.etag.supported,
        config.filter.supported,
        config.change_password.supported
    );
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let username = format!("up-example-{}", &suffix[..8]);
    let person = NewUser::new(&username)
        .with_email(format!("{username}@example.com"))
        .with_names("Ada", "Lovelace")
        .with_attribute("scim.enterprise.department", "Engineering");
    let id = match client.create_user(&person).await? {
        CreateOutcome::Created(user) => user.id,
        other => {
            println!("create   {other:?}");
            return Ok(());
        }
    };
    println!("created  {id} ({username})");
    let found = client.find_user(&UserKey::username(&username)).await?;
    println!("found    {:?}", found.map(|user| user.id));
    let outcome = client
        .update_user(&id, &UserUpdate::new().with_enabled(false))
        .await?;
    println!("disabled {outcome:?}");
    let native = client.get(id.as_str(), &RequestOptions::new()).await?;
    println!(
        "read     active={:?} department={:?} version={:?}",
        native.active,
        native.enterprise.and_then(|e| e.department),
        native.meta.and_then(|m| m.version)
    );
    let deleted = client.delete_user(&id).await?;
    println!("deleted  {id}: {deleted:?}");
    Ok(())
}
