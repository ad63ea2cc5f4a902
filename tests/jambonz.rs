//! The jambonz adapter against a wiremock server that answers as the vendor's reference
//! and the open-source jambonz-api-server do.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use user_provisioner::providers::jambonz::{
    CreateUser, JambonzBuilder, JambonzClient, JambonzErrorBody, PasswordPolicy, UpdateUser,
};
use user_provisioner::{
    ClientOptions, CreateLookup, CreateOutcome, DeleteOutcome, Error, IdempotencyKey, ListUsers,
    NewUser, PasswordChange, Patch, RequestOptions, RetryPolicy, UpdateOutcome, UserId,
    UserProvisioner, UserUpdate,
};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "jbz-test-key-5f2a9c";
const SID: &str = "a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d";
const SID2: &str = "0b7e4f8a-4b7e-4f8a-9c3d-2e5f7b8a9c1d";
const SID3: &str = "f0000000-4b7e-4f8a-9c3d-2e5f7b8a9c1d";

fn fast_options() -> ClientOptions {
    ClientOptions::new().with_retry_policy(
        RetryPolicy::new()
            .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
            .with_jitter_seed(1),
    )
}

async fn setup() -> (MockServer, JambonzClient) {
    let server = MockServer::start().await;
    let client = JambonzBuilder::new()
        .with_base_url(format!("{}/v1", server.uri()))
        .with_api_key(KEY)
        .with_client_options(fast_options())
        .build()
        .unwrap();
    (server, client)
}

fn person() -> NewUser {
    NewUser::new("jdoe")
        .with_email("jdoe@example.com")
        .with_password("Str0ngP@ssw0rd!")
}

fn row() -> serde_json::Value {
    json!({
        "user_sid": SID, "name": "jdoe", "email": "jdoe@example.com", "pending_email": null,
        "phone": null, "account_sid": null, "service_provider_sid": null,
        "force_change": 1, "scope": "admin", "email_validated": 0, "is_active": 1,
        "is_view_only": false, "provider": "local"
    })
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

fn options() -> RequestOptions {
    RequestOptions::new()
}

// ---- create -------------------------------------------------------------------------

#[tokio::test]
async fn create_sends_the_documented_body_with_bearer_auth() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v1/Users"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(header(
            "user-agent",
            concat!("user-provisioner/", env!("CARGO_PKG_VERSION")),
        ))
        .and(body_json(json!({
            "name": "jdoe",
            "email": "jdoe@example.com",
            "is_active": true,
            "force_change": true,
            "initial_password": "Str0ngP@ssw0rd!",
            "is_view_only": false
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "user_sid": SID })))
        .expect(1)
        .mount(&server)
        .await;

    let outcome = client
        .create_user_opts(&person(), &options().with_raw_json(true))
        .await
        .unwrap();
    let CreateOutcome::Created(user) = outcome else {
        panic!("jambonz creates synchronously: {outcome:?}");
    };
    assert_eq!(user.id.as_str(), SID);
    assert_eq!(user.username.as_deref(), Some("jdoe"));
    assert_eq!(user.email.as_deref(), Some("jdoe@example.com"));
    assert_eq!(user.raw, json!({ "user_sid": SID }));
}

#[tokio::test]
async fn create_maps_attributes_and_accepts_200_as_the_reference_says() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v1/Users"))
        .and(body_json(json!({
            "name": "jdoe",
            "email": "jdoe@example.com",
            "is_active": false,
            "force_change": false,
            "initial_password": "Str0ngP@ssw0rd!",
            "is_view_only": true,
            "account_sid": SID2,
            "service_provider_sid": SID3
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "user_sid": SID })))
        .expect(1)
        .mount(&server)
        .await;
    let user = person()
        .with_enabled(false)
        .with_attribute("jambonz.account_sid", SID2)
        .with_attribute("jambonz.service_provider_sid", SID3)
        .with_attribute("jambonz.is_view_only", true)
        .with_attribute("jambonz.force_change", false);
    let outcome = client.create_user_opts(&user, &options()).await.unwrap();
    assert_eq!(outcome.id().map(UserId::as_str), Some(SID));
}

#[tokio::test]
async fn duplicate_name_or_email_is_a_conflict_and_keeps_the_answer() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v1/Users"))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_json(json!({ "msg": "invalid username or email" }))
                .insert_header("x-request-id", "req-42"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert_eq!(err.status(), Some(422));
    assert_eq!(err.request_id(), Some("req-42"));
    let api = err.api_error().unwrap();
    assert_eq!(api.message, "invalid username or email");
    let body = api
        .detail
        .downcast_ref::<JambonzErrorBody>()
        .expect("a jambonz body");
    assert_eq!(body.msg, "invalid username or email");
    assert_eq!(
        err.to_string(),
        "conflict: jambonz answered HTTP 422: invalid username or email (request id req-42)"
    );
}

#[tokio::test]
async fn every_documented_error_status_maps_to_its_variant() {
    type Case = (u16, ResponseTemplate, fn(&Error) -> bool);
    let cases: Vec<Case> = vec![
        (
            400,
            ResponseTemplate::new(400).set_body_json(json!({ "msg": "missing field name" })),
            |e| matches!(e, Error::Api(api) if api.message == "missing field name"),
        ),
        (
            401,
            ResponseTemplate::new(401)
                .set_body_string("Unauthorized")
                .insert_header("www-authenticate", "Bearer realm=\"jambonz\""),
            |e| matches!(e, Error::Unauthenticated(api) if api.message == "Unauthorized"),
        ),
        (
            403,
            ResponseTemplate::new(403).set_body_string("Forbidden"),
            |e| matches!(e, Error::PermissionDenied(api) if api.message == "Forbidden"),
        ),
        (
            500,
            ResponseTemplate::new(500)
                .set_body_json(json!({ "msg": "Unknown column 'foo' in 'field list'" })),
            // A 500 may follow an insert: the outcome is unknown and looked up.
            |e| {
                matches!(e, Error::OutcomeUnknown { cause, .. }
                if matches!(&**cause, Error::Server(api) if api.message.starts_with("Unknown column")))
            },
        ),
    ];
    for (status, response, expected) in cases {
        let (server, client) = setup().await;
        Mock::given(method("POST"))
            .and(path("/v1/Users"))
            .respond_with(response)
            .mount(&server)
            .await;
        let err = client
            .create_user_opts(&person(), &options())
            .await
            .unwrap_err();
        assert!(expected(&err), "{status}: {err:?}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(posts(&server).await, 1, "{status}: a create is sent once");
    }
}

#[tokio::test]
async fn a_create_is_never_re_sent_after_it_may_have_reached_the_server() {
    for status in [500u16, 502, 503, 504] {
        let (server, client) = setup().await;
        Mock::given(method("POST"))
            .and(path("/v1/Users"))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1/Users"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&server)
            .await;
        let err = client
            .create_user_opts(&person(), &options())
            .await
            .unwrap_err();
        assert_eq!(posts(&server).await, 1, "{status}: a create is sent once");
        // Every 5xx, 500 included (a SQL error may follow the insert), is unknown.
        match &err {
            Error::OutcomeUnknown { cause, lookup, .. } => {
                assert!(matches!(**cause, Error::Server(_)), "{status}: {err:?}");
                assert!(
                    matches!(lookup, CreateLookup::NotFound),
                    "{status}: {err:?}"
                );
            }
            other => panic!("{status}: {other:?}"),
        }
        assert_eq!(err.status(), Some(status));
        assert!(!err.is_retryable(), "{status}");
    }
}

async fn posts(server: &MockServer) -> usize {
    requests(server)
        .await
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count()
}

#[tokio::test]
async fn a_create_that_times_out_is_reported_as_unknown_with_what_a_lookup_found() {
    let server = MockServer::start().await;
    let client = JambonzBuilder::new()
        .with_base_url(format!("{}/v1", server.uri()))
        .with_api_key(KEY)
        .with_client_options(fast_options().with_timeout(Duration::from_millis(200)))
        .build()
        .unwrap();
    Mock::given(method("POST"))
        .and(path("/v1/Users"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({ "user_sid": SID }))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/Users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!(
                    [summary(SID2, "someone-else"), summary(SID, "jdoe"),]
                )),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown());
    match &err {
        Error::OutcomeUnknown { cause, lookup, .. } => {
            assert!(matches!(**cause, Error::Timeout { .. }), "{err:?}");
            match lookup {
                CreateLookup::Found(user) => assert_eq!(user.id.as_str(), SID),
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains(&format!("a lookup found user {SID}")),
        "{err}"
    );
    assert_eq!(posts(&server).await, 1);
}

#[tokio::test]
async fn create_recovery_can_be_switched_off() {
    let server = MockServer::start().await;
    let client = JambonzBuilder::new()
        .with_base_url(format!("{}/v1", server.uri()))
        .with_api_key(KEY)
        .with_client_options(fast_options().with_create_recovery(false))
        .build()
        .unwrap();
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::OutcomeUnknown {
                lookup: CreateLookup::Skipped,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(requests(&server).await.len(), 1, "no lookup was sent");
}

#[tokio::test]
async fn a_rate_limited_create_is_retried_because_the_server_did_not_act() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v1/Users"))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_json(json!({ "msg": "Too many requests" }))
                .insert_header("ratelimit-reset", "0"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/Users"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "user_sid": SID })))
        .mount(&server)
        .await;
    let outcome = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap();
    assert!(matches!(outcome, CreateOutcome::Created(_)));
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn rate_limit_advice_past_the_deadline_is_returned_at_once() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Users/{SID}")))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let err = UserProvisioner::get_user_opts(
        &client,
        &UserId::new(SID),
        &options().with_timeout(Duration::from_secs(5)),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::RateLimited(_)), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(requests(&server).await.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let (server, client) = setup().await;
    let cases: Vec<(NewUser, RequestOptions, &str)> = vec![
        (
            NewUser::new("  ")
                .with_email("a@b.co")
                .with_password("Str0ngP@ss"),
            options(),
            "username",
        ),
        (person().with_email("not-an-email"), options(), "email"),
        (person().with_password("short"), options(), "password"),
        (
            person().with_password("x".repeat(21)),
            options(),
            "password",
        ),
        (
            NewUser::new("jdoe").with_email("a@b.co"),
            options(),
            "password",
        ),
        (
            NewUser::new("jdoe").with_password("Str0ngP@ss"),
            options(),
            "email",
        ),
        (person().with_names("Jane", "Doe"), options(), "given_name"),
        (person().with_phone("+15551234567"), options(), "phone"),
        (person().with_role("admin"), options(), "roles"),
        (
            person().with_metadata("team", "blue"),
            options(),
            "metadata",
        ),
        (
            person().with_attribute("jambonz.account_sid", "not-a-uuid"),
            options(),
            "attributes[\"jambonz.account_sid\"]",
        ),
        (
            person().with_attribute("jambonz.acount_sid", SID),
            options(),
            "attributes[\"jambonz.acount_sid\"]",
        ),
        (
            person(),
            options().with_idempotency_key(IdempotencyKey::random()),
            "idempotency_key",
        ),
    ];
    for (user, call_options, field) in cases {
        let err = client
            .create_user_opts(&user, &call_options)
            .await
            .unwrap_err();
        // A create with several problems names them all; the first is the one meant.
        let named = match err.problems().first() {
            Some(problem) => problem.field.clone(),
            None => panic!("{field}: {err:?}"),
        };
        assert_eq!(named, field, "{err}");
    }
    for id in ["not-a-uuid", "../Users", ""] {
        let err = client
            .get_user_opts(&UserId::new(id), &options())
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { ref field, .. } if field == "id"),
            "{err:?}"
        );
    }
    assert!(requests(&server).await.is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn unsupported_fields_can_be_ignored_explicitly() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v1/Users"))
        .and(body_json(json!({
            "name": "jdoe", "email": "jdoe@example.com", "is_active": true,
            "force_change": true, "initial_password": "Str0ngP@ssw0rd!", "is_view_only": false
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "user_sid": SID })))
        .expect(1)
        .mount(&server)
        .await;
    let user = person()
        .with_names("Jane", "Doe")
        .with_phone("+15551234567")
        .with_attribute("netsapiens.extension", "1001")
        .ignoring_unsupported_fields();
    let _ = client.create_user_opts(&user, &options()).await.unwrap();
}

#[tokio::test]
async fn malformed_success_bodies_are_created_unreadable_naming_the_field() {
    let cases = [
        (
            ResponseTemplate::new(201).set_body_json(json!({ "user_sid": "nope" })),
            "user_sid",
        ),
        (
            ResponseTemplate::new(201).set_body_json(json!({ "sid": SID })),
            ".",
        ),
        (
            ResponseTemplate::new(201).set_body_string("{\"user_sid\": \"a3f1"),
            "user_sid",
        ),
        (
            ResponseTemplate::new(201).set_body_raw("<html>Bad gateway</html>", "text/html"),
            ".",
        ),
        (ResponseTemplate::new(201), "."),
    ];
    for (response, expected_path) in cases {
        let (server, client) = setup().await;
        Mock::given(method("POST"))
            .and(path("/v1/Users"))
            .respond_with(response)
            .mount(&server)
            .await;
        let err = client
            .create_user_opts(&person(), &options())
            .await
            .unwrap_err();
        // The 201 created the user; the read-back found nothing here, so the error
        // says it was created.
        let Error::CreatedUnreadable { cause, .. } = &err else {
            panic!("{err:?}");
        };
        match cause.as_ref() {
            Error::Decode { path, status, .. } => {
                assert_eq!(path, expected_path, "{err}");
                assert_eq!(*status, 201);
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("created the user"), "{err}");
    }
}

// ---- get ----------------------------------------------------------------------------

#[tokio::test]
async fn get_decodes_integer_and_boolean_flags() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Users/{SID}")))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(row()))
        .expect(2)
        .mount(&server)
        .await;
    let user = client
        .get_user_opts(&UserId::new(SID), &options().with_raw_json(true))
        .await
        .unwrap();
    assert_eq!(user.username.as_deref(), Some("jdoe"));
    assert_eq!(user.enabled, Some(true));
    assert_eq!(user.raw, row());

    let native = client.get(&SID.parse().unwrap(), &options()).await.unwrap();
    assert_eq!(native.force_change, Some(true));
    assert_eq!(native.email_validated, Some(false));
    assert_eq!(native.is_view_only, Some(false));
    assert_eq!(native.scope.as_deref(), Some("admin"));
}

#[tokio::test]
async fn get_of_an_unknown_sid_is_not_found_keeping_the_servers_500() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Users/{SID}")))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(json!({ "msg": "failure retrieving user" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .get_user_opts(&UserId::new(SID), &options())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.status(), Some(500));
}

#[tokio::test]
async fn a_read_is_retried_through_a_503() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Users/{SID}")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Users/{SID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(row()))
        .mount(&server)
        .await;
    client
        .get_user_opts(&UserId::new(SID), &options())
        .await
        .unwrap();
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_read_gives_up_after_the_configured_attempts() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(502).set_body_raw("<html><h1>502</h1></html>", "text/html"),
        )
        .mount(&server)
        .await;
    let err = client
        .get_user_opts(&UserId::new(SID), &options())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Server(ref api) if api.message.contains("non-JSON text/html")),
        "{err:?}"
    );
    assert_eq!(requests(&server).await.len(), 3);
}

// ---- update -------------------------------------------------------------------------

#[tokio::test]
async fn update_sends_what_was_asked_and_keeps_is_view_only() {
    let (server, client) = setup().await;
    let mut current = row();
    current["is_view_only"] = json!(true);
    Mock::given(method("GET"))
        .and(path(format!("/v1/Users/{SID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(current))
        .expect(1)
        .mount(&server)
        .await;
    // Unchanged values are sent too: the server answers them 204.
    Mock::given(method("PUT"))
        .and(path(format!("/v1/Users/{SID}")))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_json(json!({
            "name": "jdoe", "email": "new@example.com", "is_active": false,
            "force_change": false, "is_view_only": true
        })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let update = UserUpdate::new()
        .with_username("jdoe")
        .with_email("new@example.com")
        .with_enabled(false)
        .with_attribute("jambonz.force_change", false);
    let outcome = client
        .update_user_opts(&UserId::new(SID), &update, &options())
        .await
        .unwrap();
    assert_eq!(outcome, UpdateOutcome::Applied);
}

#[tokio::test]
async fn a_chosen_view_only_is_sent_without_reading_the_user() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path(format!("/v1/Users/{SID}")))
        .and(body_json(json!({ "is_view_only": true })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let update = UserUpdate::new().with_attribute("jambonz.is_view_only", true);
    let outcome = client
        .update_user_opts(&UserId::new(SID), &update, &options())
        .await
        .unwrap();
    assert_eq!(outcome, UpdateOutcome::Applied);
    assert_eq!(requests(&server).await.len(), 1, "no GET first");
}

#[tokio::test]
async fn a_500_put_is_retried_at_once_despite_the_rate_window_headers() {
    let (server, client) = setup().await;
    // jambonz sends its rate window on every answer; a 500 is no rate advice.
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("ratelimit-reset", "290")
                .set_body_json(json!({ "msg": "boom" })),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(204).insert_header("ratelimit-reset", "290"))
        .mount(&server)
        .await;
    let mut change = UpdateUser::new(false);
    change.email = Some("new@example.com".into());
    let started = std::time::Instant::now();
    client
        .update(&SID.parse().unwrap(), &change, &options())
        .await
        .unwrap();
    assert_eq!(requests(&server).await.len(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "slept the window"
    );
}

#[tokio::test]
async fn a_password_change_is_sent_once() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let mut change = UpdateUser::new(false);
    change.old_password = Some("0ldP@ssw0rd".into());
    change.new_password = Some("N3wP@ssw0rd!".into());
    let err = client
        .update(&SID.parse().unwrap(), &change, &options())
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(
        requests(&server).await.len(),
        1,
        "a repeat would be refused 403"
    );
}

#[tokio::test]
async fn update_changes_the_password_with_old_and_new() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Users/{SID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(row()))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("/v1/Users/{SID}")))
        .and(body_json(json!({
            "old_password": "Str0ngP@ssw0rd!", "new_password": "N3wP@ssw0rd!", "is_view_only": false
        })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let update = UserUpdate::new()
        .with_password(PasswordChange::new("N3wP@ssw0rd!").with_current("Str0ngP@ssw0rd!"));
    let _ = client
        .update_user_opts(&UserId::new(SID), &update, &options())
        .await
        .unwrap();
}

#[tokio::test]
async fn an_empty_update_is_refused_before_any_request() {
    let (server, client) = setup().await;
    let err = client
        .update_user_opts(&UserId::new(SID), &UserUpdate::new(), &options())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "update"),
        "{err:?}"
    );
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn update_input_the_server_would_refuse_sends_nothing() {
    let (server, client) = setup().await;
    let cases: Vec<(UserUpdate, &str)> = vec![
        (
            UserUpdate::new().with_password(PasswordChange::new("N3wP@ssw0rd!")),
            "password.current",
        ),
        (
            UserUpdate::new()
                .with_username("other")
                .with_password(PasswordChange::new("N3wP@ssw0rd!").with_current("0ldP@ssw0rd")),
            "username",
        ),
        (UserUpdate::new().with_email("bad@"), "email"),
        (
            UserUpdate::new()
                .with_password(PasswordChange::new("0ldP@ssw0rd").with_current("0ldP@ssw0rd")),
            "new_password",
        ),
        (UserUpdate::new().with_display_name("Jane"), "display_name"),
        (
            UserUpdate::new()
                .with_password(PasswordChange::new("short").with_current("0ldP@ssw0rd")),
            "new_password",
        ),
    ];
    for (update, field) in cases {
        let err = client
            .update_user_opts(&UserId::new(SID), &update, &options())
            .await
            .unwrap_err();
        // A create with several problems names them all; the first is the one meant.
        let named = match err.problems().first() {
            Some(problem) => problem.field.clone(),
            None => panic!("{field}: {err:?}"),
        };
        assert_eq!(named, field, "{err}");
    }

    let sid = SID.parse().unwrap();
    let mut promote = UpdateUser::new(false);
    promote.account_sid = Patch::Clear;
    let err = client.update(&sid, &promote, &options()).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "account_sid"),
        "{err:?}"
    );
    let mut half_password = UpdateUser::new(false);
    half_password.old_password = Some("0ldP@ssw0rd".into());
    let err = client
        .update(&sid, &half_password, &options())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "new_password"),
        "{err:?}"
    );

    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn native_update_maps_unknown_sid_and_wrong_password() {
    let (server, client) = setup().await;
    let sid = SID.parse().unwrap();
    Mock::given(method("PUT"))
        .and(path(format!("/v1/Users/{SID}")))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({ "msg": "Invalid request: user_sid does not exist" })),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("/v1/Users/{SID}")))
        .respond_with(ResponseTemplate::new(403).set_body_string("Forbidden"))
        .mount(&server)
        .await;
    let mut change = UpdateUser::new(false);
    change.name = Some("renamed".into());
    let err = client.update(&sid, &change, &options()).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.status(), Some(400));

    let mut change = UpdateUser::new(false);
    change.old_password = Some("Wr0ngP@ssw0rd".into());
    change.new_password = Some("N3wP@ssw0rd!".into());
    let err = client.update(&sid, &change, &options()).await.unwrap_err();
    assert!(matches!(err, Error::PermissionDenied(_)), "{err:?}");
}

// ---- delete -------------------------------------------------------------------------

#[tokio::test]
async fn delete_reads_first_then_deletes() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Users/{SID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(row()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/v1/Users/{SID}")))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client
        .delete_user_opts(&UserId::new(SID), &options())
        .await
        .unwrap();
    assert_eq!(outcome, DeleteOutcome::Deleted);
    let delete = &requests(&server).await[1];
    assert!(delete.body.is_empty());
}

#[tokio::test]
async fn delete_of_an_unknown_user_is_not_found_and_sends_no_delete() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(json!({ "msg": "failure retrieving user" })),
        )
        .mount(&server)
        .await;
    let err = client
        .delete_user_opts(&UserId::new(SID), &options())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(requests(&server)
        .await
        .iter()
        .all(|r| r.method.as_str() == "GET"));
}

// ---- list ---------------------------------------------------------------------------

fn summary(sid: &str, name: &str) -> serde_json::Value {
    json!({ "user_sid": sid, "name": name, "email": format!("{name}@example.com"),
            "scope": "account", "force_change": 0, "is_active": true,
            "account_sid": SID2, "account_name": "Acme" })
}

#[tokio::test]
async fn list_pages_in_sid_order_whatever_order_the_server_uses() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v1/Users"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            summary(SID3, "c"),
            summary(SID, "b"),
            summary(SID2, "a"),
        ])))
        .mount(&server)
        .await;
    let first = client
        .list_users_opts(&ListUsers::new().with_page_size(2), &options())
        .await
        .unwrap();
    let ids: Vec<&str> = first.users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, [SID2, SID]);
    let cursor = first.next.clone().expect("a second page");
    let second = UserProvisioner::list_users_opts(
        &client,
        &ListUsers::new().with_page_size(2).with_cursor(cursor),
        &options(),
    )
    .await
    .unwrap();
    assert_eq!(second.users.len(), 1);
    assert_eq!(second.users[0].id.as_str(), SID3);
    assert!(second.next.is_none());

    let all = client.list_all_users_opts(&options()).await.unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn list_with_no_users_is_empty_not_an_error() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v1/Users"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({ "msg": "failure retrieving users list" })),
        )
        .mount(&server)
        .await;
    let page = client
        .list_users_opts(&ListUsers::new(), &options())
        .await
        .unwrap();
    assert!(page.users.is_empty() && page.next.is_none());
}

#[tokio::test]
async fn list_refuses_a_foreign_cursor_and_reports_bad_rows() {
    let (server, client) = setup().await;
    let err = UserProvisioner::list_users_opts(
        &client,
        &ListUsers::new().with_cursor(user_provisioner::PageCursor::from_stored("page-2")),
        &options(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "cursor"));
    assert!(requests(&server).await.is_empty());

    Mock::given(method("GET"))
        .and(path("/v1/Users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            summary(SID, "a"),
            { "user_sid": SID2, "name": "b", "is_active": "maybe" }
        ])))
        .mount(&server)
        .await;
    let err = client.list(&options()).await.unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref path, .. } if path == "[1].is_active"),
        "{err:?}"
    );
}

// ---- transport and configuration ----------------------------------------------------

#[tokio::test]
async fn a_base_url_with_a_trailing_slash_keeps_its_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/Users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let client = JambonzBuilder::new()
        .with_base_url(format!("{}/api/v1/", server.uri()))
        .with_api_key(KEY)
        .build()
        .unwrap();
    assert!(client.list(&options()).await.unwrap().is_empty());
}

#[tokio::test]
async fn redirects_are_not_followed_so_credentials_stay_home() {
    let (server, client) = setup().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/v1/Users", elsewhere.uri()).as_str()),
        )
        .mount(&server)
        .await;
    let err = client.list(&options()).await.unwrap_err();
    assert!(
        matches!(err, Error::Redirect { status: 307, .. }),
        "{err:?}"
    );
    assert!(requests(&elsewhere).await.is_empty());
}

#[tokio::test]
async fn an_oversized_body_is_refused_without_reading_it_all() {
    let server = MockServer::start().await;
    let client = JambonzBuilder::new()
        .with_base_url(format!("{}/v1", server.uri()))
        .with_api_key(KEY)
        .with_client_options(fast_options().with_max_response_bytes(64 * 1024))
        .build()
        .unwrap();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[".repeat(2 * 1024 * 1024)))
        .mount(&server)
        .await;
    let err = client.list(&options()).await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 65536, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn per_call_headers_are_sent() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(header("x-tenant", "blue"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let call = RequestOptions::new().with_header("x-tenant", "blue");
    client.list(&call).await.unwrap();
}

#[tokio::test]
async fn a_refused_header_fails_the_call_before_any_request() {
    let (server, client) = setup().await;
    let call = RequestOptions::new()
        .with_header("authorization", "Bearer other")
        .with_timeout(std::time::Duration::from_secs(5));
    let err = client.list(&call).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, ref reason }
            if field == "headers" && reason.contains("authorization")),
        "{err:?}"
    );
    let err = client
        .list_users_opts(&ListUsers::new(), &call)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn configuration_errors_name_the_setting() {
    let missing_key = JambonzBuilder::new()
        .with_base_url("https://h/v1")
        .build()
        .unwrap_err();
    assert!(matches!(missing_key, Error::Config { ref field, .. } if field == "api_key"));
    let missing_url = JambonzBuilder::new().with_api_key(KEY).build().unwrap_err();
    assert!(matches!(missing_url, Error::Config { ref field, .. } if field == "base_url"));
    let cleartext = JambonzBuilder::new()
        .with_base_url("http://jambonz.example.com:3000/v1")
        .with_api_key(KEY)
        .build()
        .unwrap_err();
    assert!(matches!(cleartext, Error::Config { ref field, .. } if field == "base_url"));
    assert!(JambonzBuilder::new()
        .with_base_url("http://jambonz.example.com:3000/v1")
        .with_api_key(KEY)
        .with_client_options(ClientOptions::new().with_allow_http(true))
        .build()
        .is_ok());
}

#[test]
fn a_stricter_password_policy_is_enforced_locally() {
    let client = JambonzBuilder::new()
        .with_base_url("https://h/v1")
        .with_api_key(KEY)
        .with_password_policy(PasswordPolicy::new().with_digit_required(true))
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = runtime
        .block_on(client.create(
            &CreateUser::new("jdoe", "jdoe@example.com", "no-digits-here"),
            &options(),
        ))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "initial_password"));
}

// ---- secrets ------------------------------------------------------------------------

#[tokio::test]
async fn no_debug_or_display_carries_the_key_or_a_password() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_string(format!("invalid token {KEY}")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({ "msg": format!("db down for Bearer {KEY}") })),
        )
        .mount(&server)
        .await;
    let password = "Str0ngP@ssw0rd!";
    let builder = JambonzBuilder::new()
        .with_base_url(server.uri())
        .with_api_key(KEY);
    let create_error = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap_err();
    let get_error = client.list(&options()).await.unwrap_err();
    let native = CreateUser::new("jdoe", "jdoe@example.com", password);
    let mut native_update = UpdateUser::new(false);
    native_update.old_password = Some(password.into());
    native_update.new_password = Some(password.into());
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let unreachable = JambonzBuilder::new()
        .with_base_url(format!("http://127.0.0.1:{closed_port}/v1"))
        .with_api_key(KEY)
        .with_client_options(fast_options())
        .build()
        .unwrap();
    let transport_error = unreachable.list(&options()).await.unwrap_err();
    assert!(
        matches!(
            transport_error,
            Error::Transport {
                may_have_reached_server: false,
                ..
            }
        ),
        "{transport_error:?}"
    );
    let config_error = JambonzBuilder::new()
        .with_base_url(format!("https://user:{KEY}@h/v1"))
        .with_api_key(KEY)
        .build()
        .unwrap_err();
    let call_options = RequestOptions::new()
        .with_idempotency_key(IdempotencyKey::random())
        .with_header("x-tenant", "blue");
    let shown = [
        format!("{native_update:?}"),
        format!("{call_options:?}"),
        format!("{transport_error:?} {transport_error}"),
        format!("{config_error:?} {config_error}"),
        format!("{client:?}"),
        format!("{builder:?}"),
        format!("{:?}", fast_options()),
        format!("{:?}", person()),
        format!("{native:?}"),
        format!("{create_error:?} {create_error}"),
        format!("{get_error:?} {get_error}"),
        format!("{:?}", create_error.api_error()),
    ];
    for text in shown {
        assert!(!text.contains(KEY), "key leaked: {text}");
        assert!(!text.contains(password), "password leaked: {text}");
    }
    assert!(
        create_error.to_string().contains("invalid token ***"),
        "{create_error}"
    );
}

#[test]
fn clients_are_object_safe_behind_arc() {
    let client = JambonzBuilder::new()
        .with_base_url("https://h/v1")
        .with_api_key(KEY)
        .build()
        .unwrap();
    let shared: Arc<dyn UserProvisioner> = Arc::new(client);
    assert_eq!(shared.provider(), user_provisioner::Provider::JAMBONZ);
    assert!(!shared.capabilities().idempotent_create);
    let nested: Box<dyn UserProvisioner> = Box::new(shared.clone());
    assert_eq!(nested.provider().to_string(), "jambonz");
}

#[tokio::test]
async fn a_201_whose_body_is_cut_is_settled_by_reading_the_user_back() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v1/Users"))
        .respond_with(ResponseTemplate::new(201).set_body_string("{\"user_sid\": \"a3f1"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/Users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([summary(SID, "jdoe")])))
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap();
    match outcome {
        CreateOutcome::Created(user) => {
            assert_eq!(user.id.as_str(), SID);
            assert_eq!(user.username.as_deref(), Some("jdoe"));
        }
        other => panic!("{other:?}"),
    }
}
