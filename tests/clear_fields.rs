//! Keep, set and clear through the portable `UserUpdate`, per adapter, on the crate's
//! emulators: what goes on the wire (the recorded request body) and what the provider
//! holds afterwards; and every clear a provider cannot apply refused before any request,
//! naming the field.
#![cfg(all(
    feature = "testing",
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]

use serde_json::{json, Value};
use user_provisioner::testing::{
    ConnectEmulator, EceEmulator, EmulatorServer, JambonzEmulator, NetSapiensEmulator,
};
use user_provisioner::{
    CreateOutcome, Error, NewUser, PasswordChange, Patch, User, UserId, UserProvisioner, UserUpdate,
};

/// An update with one field changed by hand (for the fields without a `clear_*`).
fn cleared(change: impl FnOnce(&mut UserUpdate)) -> UserUpdate {
    let mut update = UserUpdate::new();
    change(&mut update);
    update
}

fn created(outcome: CreateOutcome) -> User {
    match outcome {
        CreateOutcome::Created(user) => user,
        other => panic!("{other:?}"),
    }
}

/// The body of the last request with `method`.
fn last_body(server: &EmulatorServer, method: &str) -> Value {
    server
        .requests()
        .into_iter()
        .rev()
        .find(|request| request.method == method)
        .and_then(|request| request.json())
        .unwrap_or_else(|| panic!("no {method} request with a JSON body"))
}

/// Every update is refused as unsupported, naming its field, and sends nothing.
async fn refused_before_any_request(
    backend: &dyn UserProvisioner,
    server: &EmulatorServer,
    id: &UserId,
    cases: Vec<(UserUpdate, &str)>,
) {
    for (update, field) in cases {
        server.clear_requests();
        let err = backend.update_user(id, &update).await.unwrap_err();
        assert!(
            matches!(err, Error::Unsupported { field: ref named, ref reason, .. }
                if named == field && !reason.is_empty()),
            "{field}: {err:?}"
        );
        assert!(server.requests().is_empty(), "{field}: a request was sent");
    }
}

#[tokio::test]
async fn ece_sets_keeps_and_clears_with_merge_patch_nulls() {
    let emulator = EceEmulator::start().await.unwrap();
    let client = emulator.client().unwrap();
    let person = NewUser::new("jdoe")
        .with_email("jdoe@example.com")
        .with_display_name("Jane Doe")
        .with_role("ece_platform_viewer")
        .with_password("Str0ngP@ssw0rd!");
    let user = created(client.create_user(&person).await.unwrap());

    // Set one field, keep the others: only the set one is sent.
    // Applied, updated or accepted: each adapter's own success.
    let _ = client
        .update_user(&user.id, &UserUpdate::new().with_email("new@example.com"))
        .await
        .unwrap();
    assert_eq!(
        last_body(emulator.server(), "PATCH"),
        json!({"email": "new@example.com"})
    );
    let read = client.get_user(&user.id).await.unwrap();
    assert_eq!(read.email.as_deref(), Some("new@example.com"));
    assert_eq!(read.display_name.as_deref(), Some("Jane Doe"), "kept");

    // Clear: `null` on the wire, and the field is gone.
    let _ = client
        .update_user(
            &user.id,
            &UserUpdate::new().clear_email().clear_display_name(),
        )
        .await
        .unwrap();
    assert_eq!(
        last_body(emulator.server(), "PATCH"),
        json!({"email": null, "full_name": null})
    );
    let read = client.get_user(&user.id).await.unwrap();
    assert_eq!(read.email, None);
    assert_eq!(read.display_name, None);
    assert_eq!(read.roles, vec!["ece_platform_viewer"], "kept");

    refused_before_any_request(
        &client,
        emulator.server(),
        &user.id,
        vec![
            (UserUpdate::new().clear_username(), "username"),
            (cleared(|u| u.password = Patch::Clear), "password"),
            (cleared(|u| u.given_name = Patch::Clear), "given_name"),
            (UserUpdate::new().clear_phone(), "phone"),
        ],
    )
    .await;
}

#[tokio::test]
async fn connect_sets_keeps_and_clears_with_patch_nulls() {
    let emulator = ConnectEmulator::start().await.unwrap();
    let client = emulator.client().unwrap();
    let person = NewUser::new("jdoe")
        .with_display_name("Jane Doe")
        .with_email("jdoe@example.com")
        .with_phone("+46701234567")
        .with_metadata("crm", "4711");
    let user = created(client.create_user(&person).await.unwrap());

    let _ = client
        .update_user(&user.id, &UserUpdate::new().with_phone("+46701234568"))
        .await
        .unwrap();
    assert_eq!(
        last_body(emulator.server(), "PATCH"),
        json!({"msisdn": "+46701234568"})
    );
    let read = client.get_user(&user.id).await.unwrap();
    assert_eq!(read.phone.as_deref(), Some("+46701234568"));
    assert_eq!(read.email.as_deref(), Some("jdoe@example.com"), "kept");

    let _ = client
        .update_user(
            &user.id,
            &UserUpdate::new()
                .clear_email()
                .clear_phone()
                .clear_metadata(),
        )
        .await
        .unwrap();
    assert_eq!(
        last_body(emulator.server(), "PATCH"),
        json!({"email": null, "msisdn": null, "metadata": null})
    );
    let read = client.get_user(&user.id).await.unwrap();
    assert_eq!(read.email, None);
    assert_eq!(read.phone, None);
    assert_eq!(read.display_name.as_deref(), Some("Jane Doe"), "kept");

    refused_before_any_request(
        &client,
        emulator.server(),
        &user.id,
        vec![
            (UserUpdate::new().clear_display_name(), "display_name"),
            (UserUpdate::new().clear_names(), "given_name"),
            (UserUpdate::new().clear_username(), "username"),
            (UserUpdate::new().clear_roles(), "roles"),
        ],
    )
    .await;
}

#[tokio::test]
async fn netsapiens_clears_the_login_by_leaving_it_out_of_the_replacement() {
    // Updates become readable at once, so the second replacement reads the first.
    let emulator = NetSapiensEmulator::start()
        .await
        .unwrap()
        .with_visibility_delay(std::time::Duration::ZERO);
    let client = emulator.client().unwrap();
    let person = NewUser::new("jane@login")
        .with_email("jdoe@example.com")
        .with_names("Jane", "Doe")
        .with_attribute("netsapiens.extension", "1001")
        .with_attribute("netsapiens.synchronous", true);
    let user = created(client.create_user(&person).await.unwrap());
    assert_eq!(user.username.as_deref(), Some("jane@login"));

    // Set one field: the replacement carries it and keeps the rest as read.
    let _ = client
        .update_user(&user.id, &UserUpdate::new().with_given_name("Janet"))
        .await
        .unwrap();
    let body = last_body(emulator.server(), "PUT");
    assert_eq!(body["name-first-name"], "Janet");
    assert_eq!(body["name-last-name"], "Doe", "kept");
    assert_eq!(body["login-username"], "jane@login", "kept");

    // Clear the login: the replacement leaves it out; the server's default applies.
    let _ = client
        .update_user(&user.id, &UserUpdate::new().clear_username())
        .await
        .unwrap();
    let body = last_body(emulator.server(), "PUT");
    assert!(body.get("login-username").is_none(), "{body}");
    assert_eq!(body["name-first-name"], "Janet", "kept");
    let read = client.get_user(&user.id).await.unwrap();
    assert_eq!(
        read.username,
        Some(format!("1001@{}", emulator.domain())),
        "the server's default login"
    );

    refused_before_any_request(
        &client,
        emulator.server(),
        &user.id,
        vec![
            (UserUpdate::new().clear_email(), "email"),
            (UserUpdate::new().clear_names(), "given_name"),
            (UserUpdate::new().clear_roles(), "roles"),
            (UserUpdate::new().clear_phone(), "phone"),
        ],
    )
    .await;
}

#[tokio::test]
async fn jambonz_sets_and_keeps_and_refuses_every_clear() {
    let emulator = JambonzEmulator::start().await.unwrap();
    let client = emulator.client().unwrap();
    let person = NewUser::new("jdoe")
        .with_email("jdoe@example.com")
        .with_password("Str0ngP@ss1!");
    let user = created(client.create_user(&person).await.unwrap());

    let _ = client
        .update_user(&user.id, &UserUpdate::new().with_email("new@example.com"))
        .await
        .unwrap();
    let body = last_body(emulator.server(), "PUT");
    assert_eq!(body["email"], "new@example.com");
    assert!(
        body.get("name").is_none(),
        "kept fields are not sent: {body}"
    );
    let read = client.get_user(&user.id).await.unwrap();
    assert_eq!(read.email.as_deref(), Some("new@example.com"));
    assert_eq!(read.username.as_deref(), Some("jdoe"), "kept");

    refused_before_any_request(
        &client,
        emulator.server(),
        &user.id,
        vec![
            (UserUpdate::new().clear_email(), "email"),
            (UserUpdate::new().clear_username(), "username"),
            (cleared(|u| u.enabled = Patch::Clear), "enabled"),
            (cleared(|u| u.password = Patch::Clear), "password"),
            (UserUpdate::new().clear_phone(), "phone"),
        ],
    )
    .await;
    // A password change is still a set, not a clear.
    let change = UserUpdate::new()
        .with_password(PasswordChange::new("N3wP@ss1!").with_current("Str0ngP@ss1!"));
    let _ = client.update_user(&user.id, &change).await.unwrap();
}
