//! Counts calls and latencies per provider with a hook, over the four local emulators:
//! `cargo run --features testing --example hooks`.
//!
//! A hook sees every call of any backend (`Hooked` wraps an `Arc<dyn UserProvisioner>`),
//! so the same few lines give metrics for jambonz, NetSapiens, Connect and ECE alike.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use user_provisioner::hooks::{Call, Hook, Hooked, Operation};
use user_provisioner::testing::Emulators;
use user_provisioner::{CreateOutcome, Error, NewUser, UserProvisioner, UserUpdate};

/// Calls, failures and total latency.
type Row = (u32, u32, Duration);

/// A [`Row`] per provider and operation.
#[derive(Debug, Default)]
struct Metrics(Mutex<BTreeMap<(String, Operation), Row>>);

impl Hook for Metrics {
    fn after(&self, call: &Call<'_>, result: Result<(), &Error>, took: Duration) {
        let mut table = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let row = table
            .entry((call.provider.to_string(), call.operation))
            .or_default();
        row.0 += 1;
        row.1 += u32::from(result.is_err());
        row.2 += took;
    }
}

async fn onboard(backend: &dyn UserProvisioner, person: &NewUser) -> Result<(), Error> {
    let user = match backend.create_user(person).await? {
        CreateOutcome::Created(user) => user,
        CreateOutcome::Accepted(accepted) => backend.wait_until_visible(&accepted).await?,
        other => {
            return Err(Error::Config {
                field: "outcome".into(),
                reason: format!("unexpected {other:?}"),
            })
        }
    };
    // A second create of the same person: a conflict (or, on Connect, a new user).
    let _ = backend.create_user(person).await;
    let _ = backend
        .update_user(&user.id, &UserUpdate::new().with_enabled(false))
        .await;
    let _ = backend.delete_user(&user.id).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let emulators = match Emulators::start().await {
        Ok(emulators) => emulators,
        Err(err) => {
            eprintln!("could not start the emulators: {err}");
            return ExitCode::FAILURE;
        }
    };
    let metrics = Arc::new(Metrics::default());
    let clients: Vec<Result<Arc<dyn UserProvisioner>, Error>> = vec![
        emulators.jambonz.client().map(|c| Arc::new(c) as _),
        emulators
            .netsapiens
            .builder()
            .with_extension_range(7000..=7099)
            .build()
            .map(|c| Arc::new(c) as _),
        emulators.connect.client().map(|c| Arc::new(c) as _),
        emulators.ece.client().map(|c| Arc::new(c) as _),
    ];
    let person = NewUser::new("grace.hopper")
        .with_email("grace@example.com")
        .with_names("Grace", "Hopper")
        .with_password("C0bol-1959!")
        .ignoring_unsupported_fields();
    for client in clients {
        let backend = match client {
            Ok(client) => Hooked::new(client).with_hook(Arc::clone(&metrics)),
            Err(err) => {
                eprintln!("client: {err}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(err) = onboard(&backend, &person).await {
            eprintln!("{}: {err}", backend.provider());
        }
    }
    println!(
        "{:<26} {:<20} {:>5} {:>7} {:>10}",
        "provider", "operation", "calls", "failed", "mean"
    );
    let table = metrics
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for ((provider, operation), (calls, failed, total)) in table.iter() {
        let mean = *total / (*calls).max(1);
        println!("{provider:<26} {operation:<20} {calls:>5} {failed:>7} {mean:>10.2?}");
    }
    ExitCode::SUCCESS
}
