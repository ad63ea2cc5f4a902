//! Creates one person on all four providers through `Arc<dyn UserProvisioner>`, reads
//! each back and deletes it, then prints a short report.
//!
//! ```text
//! cargo run --features testing --example quickstart
//! ```
//!
//! With no environment set, every provider is a local emulator (no account, no
//! network). A provider whose variables are set (the adapters' `from_env` names, such as
//! `JAMBONZ_BASE_URL` and `JAMBONZ_API_KEY`) is used for real instead: the example then
//! creates and deletes a real user there.

use std::process::ExitCode;
use std::sync::Arc;

use user_provisioner::providers::{connect, ece, jambonz, netsapiens};
use user_provisioner::testing::Emulators;
use user_provisioner::{CreateOutcome, DeleteOutcome, Error, NewUser, UserId, UserProvisioner};

struct Backend {
    source: &'static str,
    provisioner: Arc<dyn UserProvisioner>,
}

/// The real provider when its variables are set, the emulator otherwise.
fn pick(
    configured: bool,
    real: impl FnOnce() -> Result<Arc<dyn UserProvisioner>, Error>,
    emulated: impl FnOnce() -> Result<Arc<dyn UserProvisioner>, Error>,
) -> Result<Backend, Error> {
    Ok(if configured {
        Backend {
            source: "real",
            provisioner: real()?,
        }
    } else {
        Backend {
            source: "emulator",
            provisioner: emulated()?,
        }
    })
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

fn backends(emulators: &Emulators) -> Result<Vec<Backend>, Error> {
    Ok(vec![
        pick(
            env_set(jambonz::ENV_BASE_URL),
            || Ok(Arc::new(jambonz::JambonzBuilder::from_env().build()?)),
            || Ok(Arc::new(emulators.jambonz.client()?)),
        )?,
        pick(
            env_set(netsapiens::ENV_BASE_URL),
            || {
                Ok(Arc::new(
                    netsapiens::NetSapiensBuilder::from_env()
                        .with_extension_range(7000..=7999)
                        .build()?,
                ))
            },
            || {
                Ok(Arc::new(
                    emulators
                        .netsapiens
                        .builder()
                        .with_extension_range(7000..=7999)
                        .build()?,
                ))
            },
        )?,
        pick(
            env_set(connect::ENV_BASE_URL),
            || Ok(Arc::new(connect::ConnectBuilder::from_env().build()?)),
            || Ok(Arc::new(emulators.connect.client()?)),
        )?,
        pick(
            env_set(ece::ENV_BASE_URL),
            || Ok(Arc::new(ece::EceBuilder::from_env().build()?)),
            || Ok(Arc::new(emulators.ece.client()?)),
        )?,
    ])
}

/// One person for every provider; each adapter keeps the fields its provider stores.
fn sample_person() -> NewUser {
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..6];
    NewUser::new(format!("ada.lovelace.{suffix}"))
        .with_email(format!("ada.{suffix}@example.com"))
        .with_names("Ada", "Lovelace")
        .with_display_name("Ada Lovelace")
        .with_password(format!("Analyt1cal-{suffix}"))
        .with_phone("+15551234567")
        .with_metadata("source", "quickstart")
        .ignoring_unsupported_fields()
}

async fn exercise(backend: &Backend, person: &NewUser) -> Result<[String; 3], Error> {
    let p = backend.provisioner.as_ref();
    // Created is readable now; Accepted (NetSapiens' 202) becomes readable a moment later.
    let (created, user) = match p.create_user(person).await? {
        CreateOutcome::Created(user) => (format!("Created {}", user.id), user),
        CreateOutcome::Accepted(accepted) => {
            let user = p.wait_until_visible(&accepted).await?;
            (format!("Accepted {}", user.id), user)
        }
        other => {
            let id = other.id().cloned().unwrap_or_else(|| UserId::new("?"));
            (format!("{other:?}"), p.get_user(&id).await?)
        }
    };
    let read = format!(
        "{} <{}>",
        user.username.as_deref().unwrap_or("-"),
        user.email.as_deref().unwrap_or("-")
    );
    let deleted = match p.delete_user(&user.id).await? {
        DeleteOutcome::Deleted => "Deleted".to_owned(),
        DeleteOutcome::Accepted(_) => "Accepted".to_owned(),
        other => format!("{other:?}"),
    };
    Ok([created, read, deleted])
}

#[tokio::main]
async fn main() -> ExitCode {
    let emulators = match Emulators::start().await {
        Ok(emulators) => emulators,
        Err(err) => {
            eprintln!("could not start the emulators on 127.0.0.1: {err}");
            return ExitCode::FAILURE;
        }
    };
    let backends = match backends(&emulators) {
        Ok(backends) => backends,
        Err(err) => {
            eprintln!("could not configure a provider: {err}");
            return ExitCode::FAILURE;
        }
    };
    let person = sample_person();
    println!(
        "Provisioning {} on {} providers\n",
        person.username,
        backends.len()
    );
    println!(
        "{:<26} {:<9} {:<46} {:<50} delete",
        "provider", "source", "create", "read back"
    );
    let mut failures = 0;
    for backend in &backends {
        let name = backend.provisioner.provider().to_string();
        match exercise(backend, &person).await {
            Ok([created, read, deleted]) => println!(
                "{name:<26} {:<9} {created:<46} {read:<50} {deleted}",
                backend.source
            ),
            Err(err) => {
                failures += 1;
                println!("{name:<26} {:<9} failed: {err}", backend.source);
            }
        }
    }
    if failures == 0 {
        println!("\nEvery provider created and returned the user, then deleted it (or accepted the deletion).");
        ExitCode::SUCCESS
    } else {
        println!("\n{failures} provider(s) failed.");
        ExitCode::FAILURE
    }
}
