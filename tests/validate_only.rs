//! `validate_new_user` and `validate_update` check what a create or an update would
//! check, with the same error, and send nothing.
#![cfg(all(
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]

use std::sync::Arc;

use user_provisioner::providers::connect::ConnectBuilder;
use user_provisioner::providers::ece::EceBuilder;
use user_provisioner::providers::jambonz::JambonzBuilder;
use user_provisioner::providers::netsapiens::NetSapiensBuilder;
use user_provisioner::{Error, NewUser, PasswordChange, UserId, UserProvisioner, UserUpdate};
use wiremock::MockServer;

async fn backends(server: &MockServer) -> Vec<Arc<dyn UserProvisioner>> {
    vec![
        Arc::new(
            JambonzBuilder::new()
                .with_base_url(format!("{}/v1", server.uri()))
                .with_api_key("jambonz-key")
                .build()
                .unwrap(),
        ),
        Arc::new(
            NetSapiensBuilder::new()
                .with_base_url(format!("{}/ns-api/v2", server.uri()))
                .with_token("netsapiens-token")
                .with_domain("acme")
                .build()
                .unwrap(),
        ),
        Arc::new(
            ConnectBuilder::new()
                .with_base_url(format!("{}/api/v1", server.uri()))
                .with_api_key("connect-key")
                .build()
                .unwrap(),
        ),
        Arc::new(
            EceBuilder::new()
                .with_base_url(server.uri())
                .with_api_key("ece-key")
                .build()
                .unwrap(),
        ),
    ]
}

#[tokio::test]
async fn a_create_check_is_the_create_s_own_check_and_sends_nothing() {
    let server = MockServer::start().await;
    // Blank email, no password, no names: each provider refuses what it requires.
    let bad = NewUser::new("jdoe").with_email("not an email");
    for backend in backends(&server).await {
        let checked = backend.validate_new_user(&bad).unwrap_err();
        let created = backend.create_user(&bad).await.unwrap_err();
        assert_eq!(
            checked.to_string(),
            created.to_string(),
            "{}: the same refusal",
            backend.provider()
        );
        assert!(
            matches!(
                checked,
                Error::InvalidInput { .. } | Error::Refused { .. } | Error::Unsupported { .. }
            ),
            "{}: a refusal before sending, not {checked:?}",
            backend.provider()
        );
    }
    let good = NewUser::new("jdoe")
        .with_email("jdoe@example.com")
        .with_names("Jane", "Doe")
        .with_password("Str0ng-pass!")
        .with_attribute("netsapiens.extension", "1001")
        .ignoring_unsupported_fields();
    for backend in backends(&server).await {
        backend
            .validate_new_user(&good)
            .unwrap_or_else(|error| panic!("{}: {error}", backend.provider()));
    }
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing sent"
    );
}

#[tokio::test]
async fn an_update_check_refuses_what_the_update_would_and_sends_nothing() {
    let server = MockServer::start().await;
    let backends = backends(&server).await;
    let [jambonz, netsapiens, connect, ece] = backends.as_slice() else {
        unreachable!()
    };
    let sid = UserId::new("0b0a4d38-0f3f-4a47-8d3a-2e5cbe4bbd4c");
    let password = UserUpdate::new().with_password(PasswordChange::new("N3w-password!"));
    let refused = jambonz.validate_update(&sid, &password).unwrap_err();
    assert!(
        refused.to_string().contains("current password"),
        "{refused}"
    );
    assert!(jambonz
        .validate_update(&sid, &UserUpdate::new().with_enabled(false))
        .is_ok());
    assert!(netsapiens
        .validate_update(
            &UserId::new("1001"),
            &UserUpdate::new().with_attribute("netsapiens.extension", "1002")
        )
        .is_err());
    assert!(netsapiens
        .validate_update(&UserId::new("1001"), &UserUpdate::new().clear_email())
        .is_err());
    assert!(connect
        .validate_update(&UserId::new("u-1"), &UserUpdate::new().with_enabled(false))
        .is_err());
    assert!(ece
        .validate_update(
            &UserId::new("jdoe"),
            &UserUpdate::new().with_username("other")
        )
        .is_err());
    assert!(ece.validate_update(&UserId::new("jdoe"), &password).is_ok());
    for backend in &backends {
        assert!(
            backend.validate_update(&sid, &UserUpdate::new()).is_err(),
            "names no change"
        );
    }
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing sent"
    );
}
