//! Provisions a CSV of people on every configured provider, with a progress bar, a
//! summary, and a CSV of the failures that can be fed back in.
//!
//! ```sh
//! cargo run --example bulk --features testing -- examples/people.csv
//! cargo run --example bulk --features testing -- --generate 10000 --concurrency 32
//! cargo run --release --example bulk --features testing -- --generate 100000 --in-memory
//! ```
//!
//! With no provider configured it runs on the crate's local emulators (NetSapiens only
//! when `netsapiens.extension` can be numbered, so it is left out of the emulator run).
//! A provider whose `from_env` variables are set (`JAMBONZ_BASE_URL` and
//! `JAMBONZ_API_KEY`, `ECE_BASE_URL`, `CONNECT_BASE_URL`, ...) is used instead. Columns:
//! `username,email,given_name,family_name,phone,password` (only `username` is required;
//! an empty password gets a generated one). Failures go to `failures.csv` (or
//! `--failures PATH`) with the same columns, so that file is the next run's input;
//! running again is safe, since every user is ensured (nobody is created twice).

use std::error::Error as StdError;
use std::sync::Arc;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::Deserialize;
use user_provisioner::futures::{stream, StreamExt};
use user_provisioner::orchestration::{Bulk, Ensured, Limits};
use user_provisioner::providers::connect::ConnectBuilder;
use user_provisioner::providers::ece::EceBuilder;
use user_provisioner::providers::jambonz::JambonzBuilder;
use user_provisioner::providers::memory::MemoryProvisioner;
use user_provisioner::testing::Emulators;
use user_provisioner::{NewUser, UserProvisioner};

#[derive(Debug, Deserialize, serde::Serialize, Clone)]
struct Person {
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
}

impl Person {
    fn generated(n: usize) -> Self {
        Person {
            username: format!("person{n}"),
            email: format!("person{n}@example.com"),
            given_name: "Person".into(),
            family_name: format!("Number{n}"),
            phone: String::new(),
            password: String::new(),
        }
    }

    fn to_new_user(&self, jambonz_account: Option<&str>) -> NewUser {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let mut user = NewUser::new(&self.username).ignoring_unsupported_fields();
        user.email = some(&self.email);
        user.given_name = some(&self.given_name);
        user.family_name = some(&self.family_name);
        user.phone = some(&self.phone);
        let password = some(&self.password)
            .unwrap_or_else(|| format!("Pw{}!x", &uuid::Uuid::new_v4().simple().to_string()[..12]));
        user = user.with_password(password);
        if let Some(account) = jambonz_account {
            user = user.with_attribute("jambonz.account_sid", account);
        }
        user
    }
}

struct Args {
    input: Option<String>,
    generate: usize,
    concurrency: usize,
    failures: String,
    in_memory: bool,
}

fn args() -> Result<Args, Box<dyn StdError>> {
    let mut args = Args {
        input: None,
        generate: 0,
        concurrency: 16,
        failures: "failures.csv".into(),
        in_memory: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--generate" => args.generate = it.next().ok_or("--generate N")?.parse()?,
            "--concurrency" => args.concurrency = it.next().ok_or("--concurrency N")?.parse()?,
            "--failures" => args.failures = it.next().ok_or("--failures PATH")?,
            "--in-memory" => args.in_memory = true,
            other => args.input = Some(other.to_owned()),
        }
    }
    if args.input.is_none() && args.generate == 0 {
        args.generate = 200;
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn StdError>> {
    let args = args()?;
    // Kept alive for the whole run when used.
    let emulators;
    let mut backends: Vec<Arc<dyn UserProvisioner>> = Vec::new();
    let mut jambonz_account = std::env::var("JAMBONZ_ACCOUNT_SID").ok();
    if args.in_memory {
        backends.push(Arc::new(MemoryProvisioner::new()));
    } else {
        if std::env::var("JAMBONZ_BASE_URL").is_ok() {
            backends.push(Arc::new(JambonzBuilder::from_env().build()?));
        }
        if std::env::var("ECE_BASE_URL").is_ok() {
            backends.push(Arc::new(EceBuilder::from_env().build()?));
        }
        if std::env::var("CONNECT_BASE_URL").is_ok() {
            backends.push(Arc::new(ConnectBuilder::from_env().build()?));
        }
        if backends.is_empty() {
            emulators = Emulators::start().await?;
            jambonz_account = Some(emulators.jambonz.account_sid().to_string());
            backends.push(Arc::new(emulators.jambonz.client()?));
            backends.push(Arc::new(emulators.ece.client()?));
            backends.push(Arc::new(emulators.connect.client()?));
        }
    }

    // People are read lazily, one row at a time, so a file of millions stays flat.
    let people: Box<dyn Iterator<Item = Person> + Send> = match &args.input {
        Some(path) => {
            let reader = csv::Reader::from_path(path)?;
            Box::new(
                reader
                    .into_deserialize::<Person>()
                    .filter_map(|row| match row {
                        Ok(person) => Some(person),
                        Err(err) => {
                            eprintln!("skipped a row: {err}");
                            None
                        }
                    }),
            )
        }
        None => Box::new((0..args.generate).map(Person::generated)),
    };
    let total = args.input.as_ref().map_or(args.generate as u64, |_| 0);

    let bars = MultiProgress::new();
    let style = ProgressStyle::with_template("{prefix:>24} [{bar:30}] {pos}/{len} {msg}")?
        .progress_chars("=> ");
    let lanes: Vec<ProgressBar> = backends
        .iter()
        .map(|b| {
            let bar = bars.add(ProgressBar::new(total));
            bar.set_style(style.clone());
            bar.set_prefix(b.provider().to_string());
            bar
        })
        .collect();
    let hook_lanes = lanes.clone();
    let mut bulk = Bulk::new().with_progress(move |progress| {
        for (bar, p) in hook_lanes.iter().zip(&progress.backends) {
            bar.set_position(p.done + p.failed);
            bar.set_message(format!(
                "failed {} · in flight {} · 429s {}",
                p.failed, p.in_flight, p.rate_limited
            ));
        }
    });
    for backend in &backends {
        bulk = bulk.with_backend(
            Arc::clone(backend),
            Limits::new().with_concurrency(args.concurrency),
        );
    }

    let account = jambonz_account.clone();
    let users = stream::iter(people).map(move |p| p.to_new_user(account.as_deref()));
    let started = std::time::Instant::now();
    let mut results = bulk.create(users);
    let mut failures = csv::Writer::from_path(&args.failures)?;
    let (mut created, mut accepted, mut existed, mut failed) = (0u64, 0u64, 0u64, 0u64);
    let mut failed_indexes = std::collections::HashSet::new();
    while let Some(result) = results.next().await {
        match &result.result {
            Ok(Ensured::Created(_)) => created += 1,
            Ok(Ensured::Accepted(_)) => accepted += 1,
            Ok(Ensured::AlreadyExisted(_)) => existed += 1,
            Ok(_) => {}
            Err(err) => {
                failed += 1;
                bars.println(format!(
                    "{} on {}: {err}",
                    result.user.username, result.provider
                ))?;
                // One row per person, even if several backends failed them.
                if failed_indexes.insert(result.index) {
                    let user = &result.user;
                    let text = |v: &Option<String>| v.clone().unwrap_or_default();
                    failures.serialize(Person {
                        username: user.username.clone(),
                        email: text(&user.email),
                        given_name: text(&user.given_name),
                        family_name: text(&user.family_name),
                        phone: text(&user.phone),
                        password: String::new(),
                    })?;
                }
            }
        }
    }
    failures.flush()?;
    for bar in &lanes {
        bar.finish();
    }
    println!(
        "{} backends, concurrency {} each, {:.2?}: created {created}, accepted {accepted}, \
         already existed {existed}, failed {failed} ({} people in {})",
        backends.len(),
        args.concurrency,
        started.elapsed(),
        failed_indexes.len(),
        args.failures
    );
    Ok(())
}
