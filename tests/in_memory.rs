//! `MemoryProvisioner` playing a provider: its identity and capabilities, `Accepted`
//! writes readable later, unsupported fields refused; and `Faulty` around it (or around
//! an emulator's client): failures for one operation, lost answers, latency, counts.
#![cfg(all(feature = "testing", feature = "netsapiens", feature = "connect"))]

use std::time::{Duration, Instant};

use user_provisioner::providers::connect::{ConnectBuilder, ConnectClient};
use user_provisioner::providers::memory::{MemoryProvisioner, Visibility};
use user_provisioner::providers::netsapiens::{NetSapiensBuilder, NetSapiensClient};
use user_provisioner::testing::{ConnectEmulator, Faulty};
use user_provisioner::{
    Capabilities, CreateOutcome, DeleteOutcome, Error, Field, FieldSupport, IdempotencyKey,
    NewUser, Operation, Provider, ProviderInfo, RequestOptions, UpdateOutcome, UserKey,
    UserProvisioner, UserUpdate, VisibilityWait,
};

/// A NetSapiens client in its default configuration, to be played: building sends
/// nothing, and nothing is ever sent to it.
fn netsapiens_client() -> NetSapiensClient {
    NetSapiensBuilder::new()
        .with_base_url("https://netsapiens.example.com/ns-api/v2")
        .with_token("unused")
        .build()
        .unwrap()
}

/// A Connect client to be played, as [`netsapiens_client`].
fn connect_client() -> ConnectClient {
    ConnectBuilder::new()
        .with_base_url("https://connect.example.com")
        .with_api_key("unused")
        .build()
        .unwrap()
}

fn playing_netsapiens() -> Faulty<MemoryProvisioner> {
    Faulty::new(MemoryProvisioner::playing(&netsapiens_client()))
}

fn playing_connect() -> Faulty<MemoryProvisioner> {
    Faulty::new(MemoryProvisioner::playing(&connect_client()))
}

fn netsapiens_person(n: u32) -> NewUser {
    NewUser::new(format!("user{n}"))
        .with_email(format!("user{n}@example.com"))
        .with_names("User", format!("Number{n}"))
        .with_attribute("netsapiens.extension", 1000 + n)
}

#[tokio::test]
async fn playing_takes_the_providers_identity_and_capabilities() {
    let netsapiens = playing_netsapiens();
    assert_eq!(netsapiens.provider(), Provider::NETSAPIENS);
    let caps = netsapiens.capabilities();
    assert_eq!(caps.field(Field::GivenName), FieldSupport::Required);
    assert_eq!(caps.field(Field::Password), FieldSupport::NotStored);
    assert_eq!(caps.required_attributes(), ["netsapiens.extension"]);
    assert!(caps.accepted_creates);

    let connect = playing_connect();
    assert_eq!(connect.provider(), Provider::CONNECT);
    assert!(connect.capabilities().idempotent_create);
    assert!(!connect.capabilities().accepted_creates);

    // Errors carry the provider played.
    connect.fail_next(1, 503);
    let err = connect.list_all_users().await.unwrap_err();
    assert_eq!(err.api_error().unwrap().provider, Provider::CONNECT);
}

#[tokio::test]
async fn an_accepted_create_is_readable_after_the_configured_reads() {
    let memory = MemoryProvisioner::new().with_visibility(Visibility::AfterReads(2));
    assert!(memory.capabilities().accepted_creates);
    let CreateOutcome::Accepted(accepted) = memory
        .create_user(&NewUser::new("ada").with_email("ada@example.com"))
        .await
        .unwrap()
    else {
        panic!("not accepted")
    };
    let id = accepted.id.clone().unwrap();
    assert!(accepted.request_id.is_some());
    assert!(memory.list_all_users().await.unwrap().is_empty());
    assert!(memory.get_user(&id).await.unwrap_err().is_not_found());
    assert!(memory.get_user(&id).await.unwrap_err().is_not_found());
    assert_eq!(
        memory.get_user(&id).await.unwrap().username.as_deref(),
        Some("ada")
    );
    assert_eq!(memory.list_all_users().await.unwrap().len(), 1);
    // A pending user still counts for uniqueness.
    let again = memory.create_user(&NewUser::new("ada")).await.unwrap_err();
    assert!(again.is_conflict());
}

#[tokio::test]
async fn accepted_updates_and_deletes_show_after_a_delay() {
    let memory =
        MemoryProvisioner::new().with_visibility(Visibility::AfterDelay(Duration::from_millis(60)));
    let CreateOutcome::Accepted(accepted) = memory.create_user(&NewUser::new("ada")).await.unwrap()
    else {
        panic!("not accepted")
    };
    let user = memory
        .wait_until_visible_opts(
            &accepted,
            &VisibilityWait::new().with_deadline(Duration::from_secs(2)),
            &RequestOptions::new(),
        )
        .await
        .unwrap();

    let update = UserUpdate::new().with_email("new@example.com");
    let outcome = memory.update_user(&user.id, &update).await.unwrap();
    assert!(matches!(outcome, UpdateOutcome::Accepted(_)), "{outcome:?}");
    assert_eq!(memory.get_user(&user.id).await.unwrap().email, None);
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert_eq!(
        memory.get_user(&user.id).await.unwrap().email.as_deref(),
        Some("new@example.com")
    );

    let outcome = memory.delete_user(&user.id).await.unwrap();
    assert!(matches!(outcome, DeleteOutcome::Accepted(_)), "{outcome:?}");
    assert!(
        memory.get_user(&user.id).await.is_ok(),
        "still there at first"
    );
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(memory.get_user(&user.id).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn playing_netsapiens_answers_accepted_and_the_portable_wait_reads_it() {
    let netsapiens = playing_netsapiens();
    let CreateOutcome::Accepted(accepted) =
        netsapiens.create_user(&netsapiens_person(1)).await.unwrap()
    else {
        panic!("NetSapiens accepts first")
    };
    assert_eq!(accepted.provider, Provider::NETSAPIENS);
    let before = netsapiens.calls_to(Operation::Get);
    let user = netsapiens.wait_until_visible(&accepted).await.unwrap();
    assert_eq!(user.given_name.as_deref(), Some("User"));
    assert_eq!(
        netsapiens.calls_to(Operation::Get) - before,
        2,
        "one not-yet read first"
    );
}

#[tokio::test]
async fn failures_for_one_operation_leave_the_others_alone() {
    let memory = Faulty::new(MemoryProvisioner::new());
    memory.fail_next_op(Operation::Create, 2, 503);
    assert!(memory.list_all_users().await.is_ok());
    for _ in 0..2 {
        let err = memory.create_user(&NewUser::new("ada")).await.unwrap_err();
        assert!(matches!(err, Error::Server(_)), "{err:?}");
    }
    let created = memory.create_user(&NewUser::new("ada")).await.unwrap();
    let id = created.id().unwrap().clone();

    memory.fail_next_op_with(Operation::Delete, 1, || {
        Error::from_problems(
            Provider::IN_MEMORY,
            vec![user_provisioner::InputProblem::invalid("id", "injected")],
        )
        .unwrap()
    });
    assert!(memory.get_user(&id).await.is_ok());
    assert!(matches!(
        memory.delete_user(&id).await,
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(memory.calls_to(Operation::Create), 3);
    assert_eq!(memory.calls_to(Operation::Delete), 1);
    assert!(memory.delete_user(&id).await.is_ok());

    // The failures of any operation still work, and come after the operation's own.
    memory.fail_next(1, 429);
    memory.fail_next_op(Operation::Get, 1, 500);
    assert!(matches!(memory.get_user(&id).await, Err(Error::Server(_))));
    assert!(matches!(
        memory.get_user(&id).await,
        Err(Error::RateLimited(_))
    ));
    assert!(memory.get_user(&id).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn playing_connect_keeps_no_username_and_refuses_what_connect_cannot_store() {
    let connect = playing_connect();
    let person = NewUser::new("jdoe")
        .with_email("jdoe@example.com")
        .with_names("Jane", "Doe");
    let CreateOutcome::Created(user) = connect.create_user(&person).await.unwrap() else {
        panic!("Connect creates at once")
    };
    assert_eq!(user.username, None);
    assert_eq!(user.given_name, None);
    assert_eq!(user.display_name.as_deref(), Some("Jane Doe"));
    let err = connect
        .find_user(&UserKey::username("jdoe"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unsupported { ref field, .. } if field == "username"),
        "{err:?}"
    );
    let found = connect
        .find_user(&UserKey::email("JDOE@example.com"))
        .await
        .unwrap();
    assert_eq!(found.map(|u| u.id), Some(user.id.clone()));

    let creates = connect.calls_to(Operation::Create);
    let refused = NewUser::new("x")
        .with_password("Str0ngP@ss!")
        .with_role("admin")
        .with_enabled(true);
    let err = connect.create_user(&refused).await.unwrap_err();
    let fields: Vec<String> = err.problems().into_iter().map(|p| p.field).collect();
    assert_eq!(fields, ["password", "roles", "enabled"]);
    assert_eq!(
        connect.calls_to(Operation::Create),
        creates,
        "nothing reached the store"
    );
    // Leaving them out works, and they are not stored.
    let CreateOutcome::Created(kept) = connect
        .create_user(&refused.ignoring_unsupported_fields())
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(kept.roles.is_empty() && kept.enabled.is_none());

    let err = connect
        .update_user(&user.id, &UserUpdate::new().with_roles(["admin"]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { ref field, .. } if field == "roles"));
}

#[tokio::test]
async fn an_idempotency_key_is_refused_where_the_capabilities_have_none() {
    let netsapiens = playing_netsapiens();
    let options = RequestOptions::new().with_idempotency_key(IdempotencyKey::new("k1").unwrap());
    let err = netsapiens
        .create_user_opts(&netsapiens_person(2), &options)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { ref field, .. } if field == "idempotency_key"));
    let connect = playing_connect();
    let person = NewUser::new("a");
    let first = connect.create_user_opts(&person, &options).await.unwrap();
    assert_eq!(
        connect.create_user_opts(&person, &options).await.unwrap(),
        first
    );
}

#[tokio::test]
async fn capabilities_and_provider_can_be_set_for_a_backend_of_ones_own() {
    const LDAP: Provider = Provider::new(&ProviderInfo::new("ldap", "LDAP directory"));
    const CAPS: Capabilities = Capabilities::new()
        .with_field(Field::Email, FieldSupport::Required)
        .with_required_attributes(&["scim.tenant"]);
    let memory = MemoryProvisioner::new()
        .with_provider(LDAP)
        .with_capabilities(CAPS);
    assert_eq!(memory.capabilities(), CAPS);
    let err = memory
        .create_user(&NewUser::new("a").with_phone("+15551234567"))
        .await
        .unwrap_err();
    let Error::Refused { provider, problems } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*provider, LDAP);
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["email", "phone", "attributes[\"scim.tenant\"]"]);
    let ok = NewUser::new("a")
        .with_email("a@example.com")
        .with_attribute("scim.tenant", "t1");
    let CreateOutcome::Created(user) = memory.create_user(&ok).await.unwrap() else {
        panic!()
    };
    assert_eq!(user.provider, LDAP);
}

#[tokio::test]
async fn a_refused_header_fails_the_call_as_on_the_wire() {
    let memory = user_provisioner::providers::memory::MemoryProvisioner::new();
    let options = user_provisioner::RequestOptions::new().with_header("authorization", "x");
    let person = user_provisioner::NewUser::new("ada").with_email("ada@example.com");
    let err = user_provisioner::UserProvisioner::create_user_opts(&memory, &person, &options)
        .await
        .unwrap_err();
    assert!(
        matches!(err, user_provisioner::Error::InvalidInput { ref field, .. } if field == "headers"),
        "{err:?}"
    );
    assert_eq!(memory.len(), 0);
}

#[tokio::test]
async fn a_lost_answer_leaves_the_write_done_and_the_caller_unsure() {
    let memory = Faulty::new(MemoryProvisioner::new());
    memory.lose_next_answers(Operation::Create, 1);
    let person = NewUser::new("ada").with_email("ada@example.com");
    let err = memory.create_user(&person).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(memory.inner().len(), 1, "the backend acted");
    let found = memory.find_user(&UserKey::username("ada")).await.unwrap();
    let id = found.expect("the lost create took effect").id;

    memory.lose_next_answers(Operation::Delete, 1);
    let err = memory.delete_user(&id).await.unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert!(memory.inner().is_empty(), "the backend acted");
    assert_eq!(memory.calls_to(Operation::Delete), 1);
}

#[tokio::test]
async fn latency_delays_one_operation_only() {
    let memory = Faulty::new(MemoryProvisioner::new());
    memory.set_latency(Operation::List, Duration::from_millis(150));
    let started = Instant::now();
    let _ = memory.create_user(&NewUser::new("ada")).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(150));
    let started = Instant::now();
    memory.list_all_users().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150));
    memory.set_latency(Operation::List, Duration::ZERO);
    let started = Instant::now();
    memory.list_all_users().await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(150));
}

#[tokio::test]
async fn faults_wrap_an_emulators_client_too() {
    let emulator = ConnectEmulator::start().await.unwrap();
    let connect = Faulty::new(emulator.client().unwrap());
    connect.fail_next_op(Operation::Create, 1, 503);
    let person = NewUser::new("ada").with_email("ada@example.com");
    let err = connect.create_user(&person).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.api_error().unwrap().provider, Provider::CONNECT);
    assert_eq!(
        emulator.server().count("POST", "/api/v1/users"),
        0,
        "an injected failure sends nothing"
    );
    let _ = connect.create_user(&person).await.unwrap();
    assert_eq!(connect.calls_to(Operation::Create), 2);
    // A refused input reaches nothing, and takes no fault.
    connect.fail_next(1, 503);
    let err = connect
        .create_user(&NewUser::new("x").with_role("admin"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unsupported { .. } | Error::Refused { .. }),
        "{err:?}"
    );
    assert_eq!(connect.calls_to(Operation::Create), 2);
    assert!(connect.list_all_users().await.unwrap_err().is_retryable());
}

/// Wrapping changes nothing but the faults: a backend's own lookup (ECE reads
/// `GET /users/{name}`, no listing) stays its own, counted and failed as `Find`.
#[cfg(feature = "ece")]
#[tokio::test]
async fn a_wrapped_backends_own_lookup_stays_its_own() {
    let emulator = user_provisioner::testing::EceEmulator::start()
        .await
        .unwrap();
    let ece = Faulty::new(emulator.client().unwrap());
    let person = NewUser::new("hopper")
        .with_email("hopper@example.com")
        .with_password("Str0ngP@ss!1");
    let _ = ece.create_user(&person).await.unwrap();
    let lists_before = emulator.server().count("GET", "/api/v1/users");

    let found = ece.find_user(&UserKey::username("hopper")).await.unwrap();
    assert_eq!(found.unwrap().username.as_deref(), Some("hopper"));
    assert_eq!(
        emulator.server().count("GET", "/api/v1/users/hopper"),
        1,
        "ECE's own lookup of one user"
    );
    assert_eq!(
        emulator.server().count("GET", "/api/v1/users"),
        lists_before + 1,
        "one request in all: no listing"
    );
    assert_eq!(
        (ece.calls_to(Operation::Find), ece.calls_to(Operation::List)),
        (1, 0)
    );

    ece.fail_next_op(Operation::Find, 1, 503);
    let err = ece
        .find_user(&UserKey::username("hopper"))
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(
        emulator.server().count("GET", "/api/v1/users/hopper"),
        1,
        "an injected failure sends nothing"
    );
}
