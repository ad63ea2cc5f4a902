//! The portable contract (`user_provisioner::testing::conformance`) run against every
//! backend of the crate: `MemoryProvisioner`, each adapter through its emulator, and the real
//! jambonz server (ignored unless run with `--ignored`, see README). Each backend is a
//! module: `netsapiens::delete_removes_the_user`.
#![cfg(all(
    feature = "testing",
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::JambonzTarget;
use user_provisioner::conformance_suite;
use user_provisioner::providers::memory::MemoryProvisioner;
use user_provisioner::testing::conformance::Subject;
use user_provisioner::testing::{ConnectEmulator, EceEmulator, NetSapiensEmulator};
use user_provisioner::NewUser;

// The conformance table: one line per backend.
conformance_suite!(in_memory, crate::in_memory);
conformance_suite!(jambonz_emulator, crate::jambonz_emulator);
conformance_suite!(netsapiens, crate::netsapiens);
conformance_suite!(connect, crate::connect);
conformance_suite!(ece, crate::ece);
conformance_suite!(
    #[ignore = "needs the real jambonz server: see README"]
    jambonz_real_server,
    crate::jambonz_real_server
);
#[cfg(feature = "scim-client")]
conformance_suite!(
    #[ignore = "needs the real SCIM server: see README"]
    scim_real_server,
    crate::scim_real_server
);
#[cfg(feature = "scim-client")]
conformance_suite!(
    #[ignore = "needs the real SCIM server: see README"]
    scim_put_only_server,
    crate::scim_put_only_server
);

fn person_with_password(n: u32) -> NewUser {
    NewUser::new(format!("user{n}"))
        .with_email(format!("user{n}@example.com"))
        .with_password(format!("Str0ngP@ss{n}"))
}

async fn in_memory() -> Subject {
    // The in-memory backend stores no attribute of its own, so it refuses none.
    Subject::new(
        "in-memory",
        Arc::new(MemoryProvisioner::new()),
        person_with_password,
        "mem-999999",
    )
    .accepting_any_attribute()
}

/// jambonz through the same target description as `tests/jambonz_server.rs`: people
/// are created in the seeded account, names carry the run's prefix.
fn jambonz_subject(name: &'static str, target: JambonzTarget) -> Subject {
    let target = Arc::new(target);
    let people = Arc::clone(&target);
    let wire = Arc::clone(&target);
    Subject::new(
        name,
        Arc::new(target.client()),
        move |n| people.person(n),
        "0b7e4f8a-4b7e-4f8a-9c3d-2e5f7b8a9c1d",
    )
    .with_requests(move || wire.seen().into_iter().map(|s| s.method).collect())
    .keeping(target)
}

async fn jambonz_emulator() -> Subject {
    jambonz_subject("jambonz emulator", JambonzTarget::emulator().await)
}

async fn jambonz_real_server() -> Subject {
    jambonz_subject("jambonz real server", JambonzTarget::real().await)
}

fn methods(server: &user_provisioner::testing::EmulatorServer) -> Vec<String> {
    server.requests().into_iter().map(|r| r.method).collect()
}

/// Connect has no password field: the sample person carries none.
fn person_without_password(n: u32) -> NewUser {
    NewUser::new(format!("user{n}")).with_email(format!("user{n}@example.com"))
}

async fn connect() -> Subject {
    let emulator = ConnectEmulator::start().await.expect("connect emulator");
    let provisioner = Arc::new(emulator.client().expect("connect client"));
    let emulator = Arc::new(emulator);
    let log = Arc::clone(&emulator);
    Subject::new(
        "connect",
        provisioner,
        person_without_password,
        "0b7e4f8a-4b7e-4f8a-9c3d-2e5f7b8a9c1d",
    )
    .with_requests(move || methods(log.server()))
    // The `POST /users` reference names no unique field; its only 409 is key reuse.
    .without_unique_keys()
    .keeping(emulator)
}

async fn ece() -> Subject {
    let emulator = EceEmulator::start().await.expect("ECE emulator");
    let provisioner = Arc::new(emulator.client().expect("ECE client"));
    let emulator = Arc::new(emulator);
    let log = Arc::clone(&emulator);
    Subject::new("ece", provisioner, person_with_password, "nobody-here")
        .with_requests(move || methods(log.server()))
        .keeping(emulator)
}

/// NetSapiens: first and last names and an extension are required, passwords are not
/// stored. Creates are asked asynchronous, so every create, update and delete is a 202
/// Accepted that becomes readable after the emulator's visibility delay.
fn netsapiens_person(n: u32) -> NewUser {
    NewUser::new(format!("user{n}"))
        .with_email(format!("user{n}@example.com"))
        .with_names("User", format!("Number{n}"))
        .with_attribute("netsapiens.extension", 1000 + n)
}

async fn netsapiens() -> Subject {
    let emulator = NetSapiensEmulator::start()
        .await
        .expect("netsapiens emulator")
        .with_visibility_delay(Duration::from_millis(40));
    let client = emulator
        .builder()
        .with_synchronous_creates(false)
        .build()
        .expect("netsapiens client");
    let emulator = Arc::new(emulator);
    let log = Arc::clone(&emulator);
    Subject::new("netsapiens", Arc::new(client), netsapiens_person, "9999")
        .with_requests(move || methods(log.server()))
        .keeping(emulator)
}

/// The real SCIM server (`scim2-server`, see `tests/support/scim_server.rs`), in either
/// configuration: the same cases, through PATCH with ETags or through PUT.
#[cfg(feature = "scim-client")]
async fn scim_subject(name: &'static str, flavour: support::scim_server::Flavour) -> Subject {
    let target = Arc::new(support::scim_server::ScimTarget::real(flavour).await);
    let people = Arc::clone(&target);
    let wire = Arc::clone(&target);
    Subject::new(
        name,
        Arc::new(target.client()),
        move |n| people.person(n),
        "0b7e4f8a4b7e4f8a9c3d2e5f7b8a9c1d",
    )
    .with_requests(move || wire.seen().into_iter().map(|s| s.method).collect())
    .keeping(target)
}

#[cfg(feature = "scim-client")]
async fn scim_real_server() -> Subject {
    scim_subject("SCIM server", support::scim_server::Flavour::Full).await
}

#[cfg(feature = "scim-client")]
async fn scim_put_only_server() -> Subject {
    scim_subject(
        "SCIM server (PUT only)",
        support::scim_server::Flavour::PutOnly,
    )
    .await
}
