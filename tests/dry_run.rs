//! `RequestOptions::with_dry_run`: reads are sent, the first write is not; it comes back
//! as `Error::DryRun` exactly as it would have been sent, with its secrets masked.
#![cfg(all(
    feature = "testing",
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]

use serde_json::json;
use user_provisioner::providers::jambonz::{JambonzBuilder, JambonzClient};
use user_provisioner::testing::{ConnectEmulator, EceEmulator, NetSapiensEmulator};
use user_provisioner::{
    DryRunRequest, Error, NewUser, PasswordChange, RequestOptions, Secret, UserId, UserProvisioner,
    UserUpdate,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "jbz-test-key-5f2a9c";
const SID: &str = "a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d";
const PASSWORD: &str = "Str0ngP@ssw0rd!";

fn dry() -> RequestOptions {
    RequestOptions::new().with_dry_run(true)
}

async fn jambonz() -> (MockServer, JambonzClient) {
    let server = MockServer::start().await;
    let client = JambonzBuilder::new()
        .with_base_url(format!("{}/v1", server.uri()))
        .with_api_key(KEY)
        .build()
        .unwrap();
    (server, client)
}

fn person() -> NewUser {
    NewUser::new("jdoe")
        .with_email("jdoe@example.com")
        .with_password(PASSWORD)
}

fn dry_run(result: Result<impl std::fmt::Debug, Error>) -> DryRunRequest {
    match result {
        Err(Error::DryRun(request)) => *request,
        other => panic!("expected a dry run: {other:?}"),
    }
}

fn row() -> serde_json::Value {
    json!({
        "user_sid": SID, "name": "jdoe", "email": "jdoe@example.com", "pending_email": null,
        "phone": null, "account_sid": null, "service_provider_sid": null,
        "force_change": 1, "scope": "admin", "email_validated": 0, "is_active": 1,
        "is_view_only": true, "provider": "local"
    })
}

#[tokio::test]
async fn a_dry_run_create_sends_nothing_and_shows_the_exact_request_masked() {
    let (server, client) = jambonz().await;
    let request = dry_run(client.create_user_opts(&person(), &dry()).await);
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "a dry run sent a request"
    );

    // What a real create sends, byte for byte, for comparison.
    Mock::given(method("POST"))
        .and(path("/v1/Users"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "user_sid": SID })))
        .expect(1)
        .mount(&server)
        .await;
    let _ = client.create_user(&person()).await.unwrap();
    let sent = server.received_requests().await.unwrap().remove(0);
    let sent_body = String::from_utf8(sent.body.clone()).unwrap();
    assert!(sent_body.contains(PASSWORD));

    assert_eq!(request.method, "POST");
    assert_eq!(request.url, format!("{}/v1/Users", server.uri()));
    assert_eq!(
        request.body.as_deref(),
        Some(sent_body.replace(PASSWORD, Secret::REDACTED).as_str())
    );
    assert_eq!(
        request.body_json().unwrap()["initial_password"],
        json!("<redacted>")
    );
    assert_eq!(request.header("Authorization"), Some("Bearer ***"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    // Every header the client set, with the same value, except the credential.
    for (name, value) in &request.headers {
        let real = sent.headers.get(name.as_str()).unwrap().to_str().unwrap();
        if name == "authorization" {
            assert_eq!(real, format!("Bearer {KEY}"));
        } else {
            assert_eq!(value, real, "{name}");
        }
    }
    let shown = format!(
        "{request} {request:?} {}",
        Error::DryRun(Box::new(request.clone()))
    );
    assert!(!shown.contains(PASSWORD) && !shown.contains(KEY), "{shown}");
    assert!(shown.contains("dry run: POST"), "{shown}");
    let serialized = serde_json::to_string(&request).unwrap();
    assert!(!serialized.contains(PASSWORD) && !serialized.contains(KEY));
}

#[tokio::test]
async fn a_dry_run_update_on_jambonz_sends_its_read_but_not_its_put() {
    let (server, client) = jambonz().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Users/{SID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(row()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    let update = UserUpdate::new()
        .with_email("new@example.com")
        .with_password(PasswordChange::new("N3wP@ssw0rd!").with_current(PASSWORD));
    let request = dry_run(
        client
            .update_user_opts(&UserId::new(SID), &update, &dry())
            .await,
    );
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].method.as_str(), "GET");

    assert_eq!(request.method, "PUT");
    assert_eq!(request.url, format!("{}/v1/Users/{SID}", server.uri()));
    let body = request.body_json().unwrap();
    assert_eq!(body["email"], json!("new@example.com"));
    assert_eq!(body["old_password"], json!("<redacted>"));
    assert_eq!(body["new_password"], json!("<redacted>"));
    // The read's stored view-only flag is in the PUT, as the real update would send it.
    assert_eq!(body["is_view_only"], json!(true));
    let text = request.to_string();
    assert!(!text.contains(PASSWORD) && !text.contains("N3wP@ssw0rd!") && !text.contains(KEY));
}

#[tokio::test]
async fn refused_input_is_refused_before_a_dry_run_and_reads_are_unaffected() {
    let (server, client) = jambonz().await;
    let bad = NewUser::new("jdoe")
        .with_email("not-an-email")
        .with_password(PASSWORD);
    let err = client.create_user_opts(&bad, &dry()).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { .. } | Error::Refused { .. }),
        "{err:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());

    Mock::given(method("GET"))
        .and(path(format!("/v1/Users/{SID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(row()))
        .expect(1)
        .mount(&server)
        .await;
    let user = client
        .get_user_opts(&UserId::new(SID), &dry())
        .await
        .unwrap();
    assert_eq!(user.username.as_deref(), Some("jdoe"));
}

#[tokio::test]
async fn a_dry_run_delete_on_jambonz_reads_the_user_and_stops_at_the_delete() {
    let (server, client) = jambonz().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Users/{SID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(row()))
        .expect(1)
        .mount(&server)
        .await;
    let request = dry_run(client.delete_user_opts(&UserId::new(SID), &dry()).await);
    assert_eq!(request.method, "DELETE");
    assert_eq!(request.body, None);
    assert!(request.header("content-type").is_none());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn ece_basic_auth_and_the_password_are_masked() {
    let ece = EceEmulator::start().await.unwrap();
    let client = ece.basic_auth_builder().build().unwrap();
    let request = dry_run(client.create_user_opts(&person(), &dry()).await);
    assert!(ece.server().requests().is_empty());
    assert_eq!(ece.user_count(), 0);
    assert_eq!(request.header("authorization"), Some("Basic ***"));
    let body = request.body_json().unwrap();
    assert_eq!(body["user_name"], json!("jdoe"));
    assert_eq!(body["security"]["password"], json!("<redacted>"));
    let text = request.to_string();
    assert!(
        !text.contains(PASSWORD) && !text.contains(ece.password()),
        "{text}"
    );

    let keyed = ece.client().unwrap();
    let request = dry_run(keyed.create_user_opts(&person(), &dry()).await);
    assert_eq!(request.header("authorization"), Some("ApiKey ***"));
}

#[tokio::test]
async fn connect_shows_its_masked_key_and_the_idempotency_key_it_would_send() {
    let connect = ConnectEmulator::start().await.unwrap();
    let client = connect.client().unwrap();
    let person = NewUser::new("ada")
        .with_email("ada@example.com")
        .with_display_name("Ada Lovelace");
    let request = dry_run(client.create_user_opts(&person, &dry()).await);
    assert!(connect.server().requests().is_empty());
    assert_eq!(connect.user_count(), 0);
    assert_eq!(request.header("x-api-key"), Some("***"));
    assert!(request
        .header("x-idempotency-key")
        .is_some_and(|key| !key.is_empty()));
    assert!(!request.to_string().contains(connect.api_key()));
}

#[tokio::test]
async fn netsapiens_allocates_by_reading_and_stops_at_the_create() {
    let netsapiens = NetSapiensEmulator::start().await.unwrap();
    let client = netsapiens
        .builder()
        .with_extension_range(7000..=7999)
        .build()
        .unwrap();
    let person = NewUser::new("ada")
        .with_email("ada@example.com")
        .with_names("Ada", "Lovelace");
    let request = dry_run(client.create_user_opts(&person, &dry()).await);
    let requests = netsapiens.server().requests();
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| r.method == "GET"),
        "a write was sent"
    );
    assert_eq!(netsapiens.user_count(), 0);
    assert_eq!(request.method, "POST");
    assert_eq!(request.body_json().unwrap()["user"], json!("7000"));
    assert_eq!(request.header("authorization"), Some("Bearer ***"));
}
