//! The Connect adapter against a wiremock server that answers as the vendor's reference
//! documents (create) and as the customers resource suggests (the other user calls).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use user_provisioner::providers::connect::{
    ConnectBuilder, ConnectClient, ConnectErrorBody, CreateUser, ListUsersQuery, UpdateUser,
};
use user_provisioner::{
    ClientOptions, CreateOutcome, DeleteOutcome, Error, Field, IdempotencyKey, ListUsers, NewUser,
    PageCursor, Patch, RequestOptions, RetryPolicy, UpdateOutcome, UserId, UserProvisioner,
    UserUpdate,
};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "ck-test-key-7d3e1a";
const TOKEN: &str = "eyJhbGciOi.user-jwt.9f8e7d";
const UID: &str = "usr_01HF7Z8K2M";

fn fast_options() -> ClientOptions {
    ClientOptions::new().with_retry_policy(
        RetryPolicy::new()
            .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
            .with_jitter_seed(1),
    )
}

fn builder(server: &MockServer) -> ConnectBuilder {
    ConnectBuilder::new()
        .with_base_url(format!("{}/api/v1", server.uri()))
        .with_api_key(KEY)
        .with_client_options(fast_options())
}

async fn setup() -> (MockServer, ConnectClient) {
    let server = MockServer::start().await;
    let client = builder(&server).build().unwrap();
    (server, client)
}

/// A generator handing out `key-1`, `key-2`, ... so tests can name the keys.
fn counting_keys() -> (Arc<AtomicUsize>, ConnectBuilder) {
    let counter = Arc::new(AtomicUsize::new(0));
    let shared = counter.clone();
    let builder = ConnectBuilder::new().with_idempotency_key_generator(Arc::new(move || {
        let n = shared.fetch_add(1, Ordering::SeqCst) + 1;
        IdempotencyKey::new(format!("key-{n}")).unwrap()
    }));
    (counter, builder)
}

fn user_json() -> serde_json::Value {
    json!({
        "userId": UID,
        "name": "John Doe",
        "email": "john.doe@example.com",
        "msisdn": "+15551234567",
        "identity": "195001011234",
        "customerIds": ["cus_1"],
        "customers": [{ "customerId": "cus_1", "name": "Acme" }],
        "createdAt": "2023-11-07T05:31:56Z",
        "updatedAt": "2023-11-07T06:31:56.250+01:00",
        "metadata": { "crm": "4711" }
    })
}

fn person() -> NewUser {
    NewUser::new("jdoe")
        .with_display_name("John Doe")
        .with_email("john.doe@example.com")
        .with_phone("+15551234567")
        .with_metadata("crm", "4711")
        .with_attribute("connect.identity", "195001011234")
}

fn create_body() -> serde_json::Value {
    json!({
        "name": "John Doe",
        "email": "john.doe@example.com",
        "msisdn": "+15551234567",
        "identity": "195001011234",
        "metadata": { "crm": "4711" }
    })
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

fn header_of(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn options() -> RequestOptions {
    RequestOptions::new()
}

// ---- create -------------------------------------------------------------------------

#[tokio::test]
async fn create_sends_api_key_idempotency_key_and_the_documented_body() {
    let server = MockServer::start().await;
    let (_, keys) = counting_keys();
    let client = keys
        .with_base_url(format!("{}/api/v1", server.uri()))
        .with_api_key(KEY)
        .with_client_options(fast_options())
        .build()
        .unwrap();
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .and(header("x-api-key", KEY))
        .and(header("x-idempotency-key", "key-1"))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(header(
            "user-agent",
            concat!("user-provisioner/", env!("CARGO_PKG_VERSION")),
        ))
        .and(body_json(create_body()))
        .respond_with(ResponseTemplate::new(201).set_body_json(user_json()))
        .expect(1)
        .mount(&server)
        .await;

    let mut request = CreateUser::new("John Doe");
    request.email = Some("john.doe@example.com".into());
    request.msisdn = Some("+15551234567".into());
    request.identity = Some("195001011234".into());
    request.metadata = Some(json!({ "crm": "4711" }).as_object().unwrap().clone());
    let created = client.create(&request, &options()).await.unwrap();
    assert_eq!(created.idempotency_key.as_str(), "key-1");
    assert_eq!(created.user.user_id, UID);
    assert_eq!(created.user.customer_ids, vec!["cus_1".to_owned()]);
    assert_eq!(created.user.customers[0].name.as_deref(), Some("Acme"));
    assert_eq!(
        created.user.created_at.unwrap().to_rfc3339(),
        "2023-11-07T05:31:56+00:00"
    );
    assert_eq!(
        created.user.updated_at.unwrap().to_rfc3339(),
        "2023-11-07T05:31:56.250+00:00"
    );
    let sent = &requests(&server).await[0];
    assert_eq!(
        header_of(sent, "authorization"),
        None,
        "no token configured"
    );
}

#[tokio::test]
async fn portable_create_maps_the_person_and_accepts_200() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .and(body_json(create_body()))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json()))
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client
        .create_user_opts(&person(), &options().with_raw_json(true))
        .await
        .unwrap();
    let CreateOutcome::Created(user) = outcome else {
        panic!("Connect creates synchronously: {outcome:?}");
    };
    assert_eq!(user.id.as_str(), UID);
    assert_eq!(user.display_name.as_deref(), Some("John Doe"));
    assert_eq!(user.username, None);
    assert_eq!(user.email.as_deref(), Some("john.doe@example.com"));
    assert_eq!(user.phone.as_deref(), Some("+15551234567"));
    assert_eq!(
        user.created_at.unwrap().to_rfc3339(),
        "2023-11-07T05:31:56+00:00"
    );
    assert_eq!(user.raw["customers"][0]["customerId"], "cus_1");
}

#[tokio::test]
async fn portable_name_falls_back_to_person_names_then_username() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(body_json(json!({ "name": "Jane Doe" })))
        .respond_with(ResponseTemplate::new(201).set_body_json(user_json()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_json(json!({ "name": "jdoe" })))
        .respond_with(ResponseTemplate::new(201).set_body_json(user_json()))
        .expect(1)
        .mount(&server)
        .await;
    let named = NewUser::new("jdoe").with_names("Jane", "Doe");
    let _ = client.create_user_opts(&named, &options()).await.unwrap();
    let _ = client
        .create_user_opts(&NewUser::new("jdoe"), &options())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_user_token_is_sent_as_bearer_next_to_the_api_key() {
    let server = MockServer::start().await;
    let client = builder(&server).with_user_token(TOKEN).build().unwrap();
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/users/{UID}")))
        .and(header("x-api-key", KEY))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json()))
        .expect(1)
        .mount(&server)
        .await;
    client.get(UID, &options()).await.unwrap();
}

#[tokio::test]
async fn unknown_response_fields_are_kept_and_nulls_tolerated() {
    let (server, client) = setup().await;
    let mut body = user_json();
    body["customerIds"] = json!(null);
    body["email"] = json!(null);
    body["tier"] = json!("gold");
    body["customers"][0]["role"] = json!("owner");
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(body))
        .mount(&server)
        .await;
    let created = client
        .create(&CreateUser::new("John Doe"), &options())
        .await
        .unwrap();
    assert!(created.user.customer_ids.is_empty());
    assert_eq!(created.user.email, None);
    assert_eq!(created.user.other["tier"], "gold");
    assert_eq!(created.user.customers[0].other["role"], "owner");
}

// ---- idempotency --------------------------------------------------------------------

#[tokio::test]
async fn a_create_answered_503_then_201_is_sent_twice_with_the_same_key() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .respond_with(ResponseTemplate::new(201).set_body_json(user_json()))
        .mount(&server)
        .await;
    let outcome = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap();
    assert_eq!(outcome.id().map(UserId::as_str), Some(UID));

    let sent = requests(&server).await;
    assert_eq!(
        sent.len(),
        2,
        "the 503 is retried because the key makes it safe"
    );
    let first = header_of(&sent[0], "x-idempotency-key").unwrap();
    let second = header_of(&sent[1], "x-idempotency-key").unwrap();
    assert_eq!(first, second, "one logical call, one key");
    let uuid = uuid::Uuid::parse_str(&first).unwrap();
    assert_eq!(uuid.get_version_num(), 4, "{first}");
    assert_eq!(
        sent[0].body, sent[1].body,
        "the same body under the same key"
    );
}

#[tokio::test]
async fn a_create_that_timed_out_is_retried_under_the_same_key() {
    let server = MockServer::start().await;
    let client = builder(&server)
        .with_client_options(fast_options().with_timeout(Duration::from_millis(200)))
        .build()
        .unwrap();
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(user_json())
                .set_delay(Duration::from_secs(2)),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(user_json()))
        .mount(&server)
        .await;
    let created = client
        .create(&CreateUser::new("John Doe"), &options())
        .await
        .unwrap();
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 2);
    for request in &sent {
        assert_eq!(
            header_of(request, "x-idempotency-key").as_deref(),
            Some(created.idempotency_key.as_str())
        );
    }
}

#[tokio::test]
async fn two_logical_creates_use_different_keys() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(user_json()))
        .expect(2)
        .mount(&server)
        .await;
    let first = client
        .create(&CreateUser::new("John Doe"), &options())
        .await
        .unwrap();
    let second = client
        .create(&CreateUser::new("John Doe"), &options())
        .await
        .unwrap();
    assert_ne!(first.idempotency_key, second.idempotency_key);
    let sent = requests(&server).await;
    assert_eq!(
        header_of(&sent[0], "x-idempotency-key").as_deref(),
        Some(first.idempotency_key.as_str())
    );
    assert_eq!(
        header_of(&sent[1], "x-idempotency-key").as_deref(),
        Some(second.idempotency_key.as_str())
    );
}

#[tokio::test]
async fn the_injected_generator_is_called_once_per_logical_call() {
    let server = MockServer::start().await;
    let (counter, keys) = counting_keys();
    let client = keys
        .with_base_url(server.uri())
        .with_api_key(KEY)
        .with_client_options(fast_options())
        .build()
        .unwrap();
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(user_json()))
        .mount(&server)
        .await;
    let created = client
        .create(&CreateUser::new("John Doe"), &options())
        .await
        .unwrap();
    assert_eq!(created.idempotency_key.as_str(), "key-1");
    assert_eq!(counter.load(Ordering::SeqCst), 1, "three attempts, one key");
    let keys: Vec<_> = requests(&server)
        .await
        .iter()
        .map(|r| header_of(r, "x-idempotency-key").unwrap())
        .collect();
    assert_eq!(keys, ["key-1", "key-1", "key-1"]);

    let _ = client
        .create_user_opts(&NewUser::new("jdoe"), &options())
        .await
        .unwrap();
    assert_eq!(counter.load(Ordering::SeqCst), 2);
    let last = requests(&server).await.pop().unwrap();
    assert_eq!(
        header_of(&last, "x-idempotency-key").as_deref(),
        Some("key-2")
    );
}

#[tokio::test]
async fn a_caller_key_is_sent_verbatim_and_returned() {
    let server = MockServer::start().await;
    let (counter, keys) = counting_keys();
    let client = keys
        .with_base_url(server.uri())
        .with_api_key(KEY)
        .with_client_options(fast_options())
        .build()
        .unwrap();
    let chosen = "onboarding/4711:Ab-~!";
    Mock::given(method("POST"))
        .and(header("x-idempotency-key", chosen))
        .respond_with(ResponseTemplate::new(201).set_body_json(user_json()))
        .expect(2)
        .mount(&server)
        .await;
    let call = options().with_idempotency_key(IdempotencyKey::new(chosen).unwrap());
    let created = client
        .create(&CreateUser::new("John Doe"), &call)
        .await
        .unwrap();
    assert_eq!(created.idempotency_key.as_str(), chosen);
    let _ = client.create_user_opts(&person(), &call).await.unwrap();
    assert_eq!(counter.load(Ordering::SeqCst), 0, "no key generated");

    let longest = "k".repeat(256);
    Mock::given(method("POST"))
        .and(header("x-idempotency-key", longest.as_str()))
        .respond_with(ResponseTemplate::new(201).set_body_json(user_json()))
        .expect(1)
        .mount(&server)
        .await;
    let call = options().with_idempotency_key(IdempotencyKey::new(longest).unwrap());
    client
        .create(&CreateUser::new("John Doe"), &call)
        .await
        .unwrap();
}

#[tokio::test]
async fn too_long_empty_or_unprintable_keys_are_refused_with_zero_requests() {
    let (server, client) = setup().await;
    for bad in [
        String::new(),
        "k".repeat(257),
        "two words".into(),
        "clé".into(),
    ] {
        // The only way to a key is through the check, so a bad key never reaches a
        // request: the caller's `?` returns before create is called.
        let attempt = async {
            let key = IdempotencyKey::new(bad.clone())?;
            client
                .create(
                    &CreateUser::new("John Doe"),
                    &options().with_idempotency_key(key),
                )
                .await
        };
        match attempt.await {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "idempotency_key"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn a_409_for_a_reused_key_is_its_own_error_and_not_retried() {
    let bodies = [
        json!({ "message": "Idempotency key already used with a different request body",
                "code": "CONFLICT" }),
        json!({ "message": "Conflict", "code": "IDEMPOTENCY_KEY_REUSED" }),
        json!({}),
    ];
    for body in bodies {
        let (server, client) = setup().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(409).set_body_json(body.clone()))
            .mount(&server)
            .await;
        let call = options().with_idempotency_key(IdempotencyKey::new("order-1").unwrap());
        let err = client.create_user_opts(&person(), &call).await.unwrap_err();
        assert!(
            matches!(err, Error::IdempotencyKeyReused(ref api) if api.status == 409),
            "{body}: {err:?}"
        );
        assert!(!err.is_conflict() && !err.is_retryable(), "{err:?}");
        assert_eq!(requests(&server).await.len(), 1, "{body}");
    }
    // No body at all: the only documented 409 of this endpoint.
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(409))
        .mount(&server)
        .await;
    let err = client
        .create(&CreateUser::new("John Doe"), &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::IdempotencyKeyReused(_)), "{err:?}");
    assert!(err
        .to_string()
        .starts_with("idempotency key reused for a different request: Connect answered HTTP 409"));
}

#[tokio::test]
async fn a_409_naming_another_reason_stays_a_conflict() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "message": "A user with this email already exists",
            "code": "USER_ALREADY_EXISTS"
        })))
        .mount(&server)
        .await;
    let err = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert_eq!(err.provider_code(), Some("USER_ALREADY_EXISTS"));
}

// ---- errors -------------------------------------------------------------------------

#[tokio::test]
async fn a_429_carries_retry_after_and_is_returned_when_past_the_deadline() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "120")
                .set_body_json(json!({
                    "message": "Too many requests",
                    "code": "RATE_LIMIT_EXCEEDED"
                })),
        )
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let err = client
        .create_user_opts(&person(), &options().with_timeout(Duration::from_secs(5)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited(_)), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(err.provider_code(), Some("RATE_LIMIT_EXCEEDED"));
    assert_eq!(requests(&server).await.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn a_429_with_a_short_retry_after_is_retried_under_the_same_key() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(user_json()))
        .mount(&server)
        .await;
    let _ = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap();
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(
        header_of(&sent[0], "x-idempotency-key"),
        header_of(&sent[1], "x-idempotency-key")
    );
}

#[tokio::test]
async fn the_error_body_is_decoded_into_its_typed_form() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-request-id", "req-7")
                .set_body_json(json!({
                    "message": "Validation failed",
                    "code": "VALIDATION_ERROR",
                    "details": [{
                        "message": "must be a valid phone number",
                        "code": "INVALID_FORMAT",
                        "property": "msisdn",
                        "suggestion": "use E.164"
                    }],
                    "hint": "check the request body",
                    "traceId": "t-1"
                })),
        )
        .mount(&server)
        .await;
    let err = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 400);
    assert_eq!(api.code.as_deref(), Some("VALIDATION_ERROR"));
    assert_eq!(api.message, "Validation failed");
    assert_eq!(api.request_id.as_deref(), Some("req-7"));
    let Some(body) = api.detail.downcast_ref::<ConnectErrorBody>() else {
        panic!("{:?}", api.detail)
    };
    assert_eq!(body.details[0].property.as_deref(), Some("msisdn"));
    assert_eq!(body.details[0].suggestion.as_deref(), Some("use E.164"));
    assert_eq!(body.hint.as_deref(), Some("check the request body"));
    assert_eq!(body.other["traceId"], "t-1");
    assert_eq!(requests(&server).await.len(), 1, "a 400 is not retried");
}

#[tokio::test]
async fn every_documented_status_maps_to_its_variant() {
    type Case = (u16, fn(&Error) -> bool, usize);
    let cases: Vec<Case> = vec![
        (401, |e| matches!(e, Error::Unauthenticated(_)), 1),
        (403, |e| matches!(e, Error::PermissionDenied(_)), 1),
        (404, |e| matches!(e, Error::NotFound(_)), 1),
        (409, |e| matches!(e, Error::Conflict(_)), 1),
        (500, |e| matches!(e, Error::Server(_)), 3),
    ];
    for (status, expected, attempts) in cases {
        let (server, client) = setup().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "message": format!("status {status}"),
                "code": "SOMETHING"
            })))
            .mount(&server)
            .await;
        let err = client.get(UID, &options()).await.unwrap_err();
        assert!(expected(&err), "{status}: {err:?}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.api_error().unwrap().message, format!("status {status}"));
        assert_eq!(requests(&server).await.len(), attempts, "{status}");
    }
    // A proxy's HTML page still gives a readable error.
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_raw("<html>denied</html>", "text/html"))
        .mount(&server)
        .await;
    let err = client.get(UID, &options()).await.unwrap_err();
    assert!(matches!(err, Error::PermissionDenied(ref api)
        if api.message.contains("non-JSON") && api.detail.is_none()));
}

/// Issue 11: read-only fields (`createdAt`, `customers[].customerId`) never fail a read;
/// a value that does not fit is kept as sent.
#[tokio::test]
async fn read_only_misfits_do_not_fail_a_create_or_a_get() {
    let body = json!({ "userId": UID, "name": "J", "createdAt": "yesterday",
                       "customers": [{ "name": "no id" }, { "customerId": 7 }],
                       "customerIds": "c1" });
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(body.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let created = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap();
    assert!(matches!(created, CreateOutcome::Created(_)), "{created:?}");
    let user = client.get(UID, &options()).await.unwrap();
    assert_eq!(user.created_at, None);
    assert_eq!(user.other["createdAt"], "yesterday");
    assert_eq!(user.other["customerIds"], "c1");
    assert_eq!(user.customers[0].customer_id, None);
    assert_eq!(user.customers[0].name.as_deref(), Some("no id"));
    assert_eq!(user.customers[1].other["customerId"], 7);
}

#[tokio::test]
async fn malformed_success_bodies_are_created_unreadable_naming_the_field() {
    let cases = [
        (
            ResponseTemplate::new(201).set_body_json(json!({ "name": "John" })),
            ".",
        ),
        (
            ResponseTemplate::new(201).set_body_string("{\"userId\": \"usr_1"),
            "userId",
        ),
        (
            ResponseTemplate::new(201).set_body_raw("<html>ok</html>", "text/html"),
            ".",
        ),
        (ResponseTemplate::new(201), "."),
    ];
    for (response, expected_path) in cases {
        let (server, client) = setup().await;
        Mock::given(method("POST"))
            .respond_with(response)
            .mount(&server)
            .await;
        let err = client
            .create_user_opts(&person(), &options())
            .await
            .unwrap_err();
        // The 201 created the user: the create is re-sent once under its key (Connect
        // replays the stored answer); an unreadable replay leaves an error that says
        // the user was created and carries the key.
        let Error::CreatedUnreadable {
            cause,
            idempotency_key: Some(key),
            ..
        } = &err
        else {
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
        assert!(err.is_outcome_unknown());
        assert_eq!(err.idempotency_key(), Some(key));
        let posts = server.received_requests().await.unwrap();
        assert_eq!(posts.len(), 2, "sent once more under the same key");
        for post in &posts {
            assert_eq!(
                post.headers
                    .get("x-idempotency-key")
                    .unwrap()
                    .to_str()
                    .unwrap(),
                key.as_str()
            );
        }
    }
}

// ---- input checks -------------------------------------------------------------------

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let (server, client) = setup().await;
    let creates: Vec<(NewUser, &str)> = vec![
        (NewUser::new("  "), "username"),
        (NewUser::new("jdoe").with_email("not-an-email"), "email"),
        (NewUser::new("jdoe").with_phone("0701234567"), "phone"),
        (NewUser::new("jdoe").with_phone("+46 70 123 45 67"), "phone"),
        (
            NewUser::new("jdoe").with_phone("+1234567890123456"),
            "phone",
        ),
        (
            NewUser::new("jdoe").with_attribute("connect.identity", ""),
            "attributes[\"connect.identity\"]",
        ),
        (
            NewUser::new("jdoe").with_attribute("connect.identity", 42),
            "attributes[\"connect.identity\"]",
        ),
        (
            NewUser::new("jdoe").with_attribute("connect.identiy", "x"),
            "attributes[\"connect.identiy\"]",
        ),
        (NewUser::new("a\u{0}b"), "username"),
    ];
    for (user, field) in creates {
        match client.create_user_opts(&user, &options()).await {
            Err(Error::InvalidInput { field: got, .. }) => assert_eq!(got, field, "{user:?}"),
            other => panic!("{user:?}: {other:?}"),
        }
    }
    for (user, field) in [
        (
            NewUser::new("jdoe").with_password("S3cret!pass"),
            "password",
        ),
        (NewUser::new("jdoe").with_role("admin"), "roles"),
        (NewUser::new("jdoe").with_enabled(false), "enabled"),
    ] {
        match client.create_user_opts(&user, &options()).await {
            Err(Error::Unsupported { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{user:?}: {other:?}"),
        }
    }
    let updates: Vec<(UserUpdate, &str)> = vec![
        (UserUpdate::new(), "update"),
        (UserUpdate::new().with_phone("555-1234"), "phone"),
        (UserUpdate::new().with_email("a@b"), "email"),
        (UserUpdate::new().with_display_name(" "), "name"),
    ];
    for (update, field) in updates {
        match client
            .update_user_opts(&UserId::new(UID), &update, &options())
            .await
        {
            Err(Error::InvalidInput { field: got, .. }) => assert_eq!(got, field, "{update:?}"),
            other => panic!("{update:?}: {other:?}"),
        }
    }
    let err = client
        .update_user_opts(
            &UserId::new(UID),
            &UserUpdate::new().with_enabled(true),
            &options(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { ref field, .. } if field == "enabled"));
    for id in ["", "  "] {
        let err = client.get_user_opts(&UserId::new(id), &options()).await;
        assert!(matches!(err, Err(Error::InvalidInput { .. })), "{err:?}");
        let err = client.delete_user_opts(&UserId::new(id), &options()).await;
        assert!(matches!(err, Err(Error::InvalidInput { .. })), "{err:?}");
    }
    let err = client
        .list_users_opts(
            &ListUsers::new().with_cursor(PageCursor::from_stored("abc")),
            &options(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "cursor"));
    let err = client
        .update(UID, &UpdateUser::new(), &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "update"));
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn unsupported_fields_can_be_ignored_explicitly() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(body_json(json!({ "name": "jdoe" })))
        .respond_with(ResponseTemplate::new(201).set_body_json(user_json()))
        .expect(1)
        .mount(&server)
        .await;
    let user = NewUser::new("jdoe")
        .with_password("S3cret!pass")
        .with_role("admin")
        .with_enabled(true)
        .with_attribute("jambonz.account_sid", "not ours")
        .ignoring_unsupported_fields();
    let _ = client.create_user_opts(&user, &options()).await.unwrap();
}

// ---- get, update, delete, list ------------------------------------------------------

#[tokio::test]
async fn get_reads_the_user_and_keeps_the_raw_answer() {
    let (server, client) = setup().await;
    let mut body = user_json();
    body["status"] = json!("active");
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/users/{UID}")))
        .and(header("x-api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(body.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let user = client
        .get_user_opts(&UserId::new(UID), &options().with_raw_json(true))
        .await
        .unwrap();
    assert_eq!(user.raw, body);
    assert_eq!(user.display_name.as_deref(), Some("John Doe"));
    assert!(user.updated_at.is_some());
}

#[tokio::test]
async fn ids_are_percent_encoded_into_one_segment() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/a%2Fb%3Fc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json()))
        .expect(1)
        .mount(&server)
        .await;
    client.get("a/b?c", &options()).await.unwrap();
}

#[tokio::test]
async fn update_sends_a_merge_patch_and_returns_the_user() {
    let (server, client) = setup().await;
    Mock::given(method("PATCH"))
        .and(path(format!("/api/v1/users/{UID}")))
        .and(header("x-api-key", KEY))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "name": "Jane Roe",
            "email": "jane@example.com",
            "msisdn": "+46701234567",
            "identity": null,
            "metadata": { "crm": "1" }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json()))
        .expect(1)
        .mount(&server)
        .await;
    let mut metadata = serde_json::Map::new();
    metadata.insert("crm".into(), json!("1"));
    let update = UserUpdate::new()
        .with_names("Jane", "Roe")
        .with_email("jane@example.com")
        .with_phone("+46701234567")
        .with_metadata_map(metadata)
        .with_attribute("connect.identity", serde_json::Value::Null);
    let outcome = client
        .update_user_opts(&UserId::new(UID), &update, &options())
        .await
        .unwrap();
    assert!(matches!(outcome, UpdateOutcome::Updated(ref user) if user.id.as_str() == UID));
}

#[tokio::test]
async fn an_update_answered_204_is_applied() {
    let (server, client) = setup().await;
    Mock::given(method("PATCH"))
        .and(body_json(json!({ "msisdn": "+46701234567" })))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    let outcome = client
        .update_user_opts(
            &UserId::new(UID),
            &UserUpdate::new().with_phone("+46701234567"),
            &options(),
        )
        .await
        .unwrap();
    assert_eq!(outcome, UpdateOutcome::Applied);
    let mut change = UpdateUser::new();
    change.msisdn = Patch::Set("+46701234567".into());
    assert_eq!(client.update(UID, &change, &options()).await.unwrap(), None);
}

#[tokio::test]
async fn delete_sends_delete_and_maps_404() {
    let (server, client) = setup().await;
    Mock::given(method("DELETE"))
        .and(path(format!("/api/v1/users/{UID}")))
        .and(header("x-api-key", KEY))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/users/usr_gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "User not found", "code": "NOT_FOUND"
        })))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client
            .delete_user_opts(&UserId::new(UID), &options())
            .await
            .unwrap(),
        DeleteOutcome::Deleted
    );
    let err = client
        .delete_user_opts(&UserId::new("usr_gone"), &options())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

fn listed(id: &str) -> serde_json::Value {
    json!({ "userId": id, "name": format!("user {id}") })
}

#[tokio::test]
async fn list_pages_by_offset_until_the_total() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param("limit", "2"))
        .and(|request: &Request| !request.url.query().unwrap_or("").contains("offset"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [listed("u1"), listed("u2")],
            "pagination": { "total": 3, "limit": 2, "offset": 0 }
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param("limit", "2"))
        .and(query_param("offset", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [listed("u3")],
            "pagination": { "total": 3, "limit": 2, "offset": 2 }
        })))
        .expect(1)
        .mount(&server)
        .await;
    let first = client
        .list_users_opts(&ListUsers::new().with_page_size(2), &options())
        .await
        .unwrap();
    assert_eq!(first.users.len(), 2);
    let next = first.next.clone().unwrap();
    assert_eq!(next.as_str(), "2");
    let second = client
        .list_users_opts(
            &ListUsers::new().with_page_size(2).with_cursor(next),
            &options(),
        )
        .await
        .unwrap();
    assert_eq!(second.users[0].id.as_str(), "u3");
    assert_eq!(second.next, None);
}

#[tokio::test]
async fn list_all_users_follows_the_server_pages() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(|request: &Request| request.url.query().is_none())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [listed("u1"), listed("u2")],
            "pagination": { "total": 3, "limit": 2, "offset": 0 }
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("offset", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [listed("u3")],
            "pagination": { "total": 3, "limit": 2, "offset": 2 }
        })))
        .expect(1)
        .mount(&server)
        .await;
    let users = client.list_all_users_opts(&options()).await.unwrap();
    let ids: Vec<_> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["u1", "u2", "u3"]);
}

#[tokio::test]
async fn native_list_sends_the_query_and_accepts_a_bare_array() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(query_param("limit", "10"))
        .and(query_param("offset", "20"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([listed("u9")])))
        .expect(1)
        .mount(&server)
        .await;
    let page = client
        .list(
            &ListUsersQuery::new().with_limit(10).with_offset(20),
            &options(),
        )
        .await
        .unwrap();
    assert_eq!(page.items[0].user_id, "u9");
    assert_eq!(page.pagination.total, None);
}

#[tokio::test]
async fn a_bad_list_row_names_its_path() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [listed("u1"), { "name": "no id" }],
            "pagination": { "total": 2, "limit": 50, "offset": 0 }
        })))
        .mount(&server)
        .await;
    let err = client
        .list_users_opts(&ListUsers::new(), &options())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref path, .. } if path == "items[1]"),
        "{err:?}"
    );
}

// ---- configuration and secrets ------------------------------------------------------

#[test]
fn configuration_errors_name_the_setting() {
    let missing_key = ConnectBuilder::new()
        .with_base_url("https://connect.example.com/api/v1")
        .build()
        .unwrap_err();
    assert!(matches!(missing_key, Error::Config { ref field, .. } if field == "api_key"));
    let missing_url = ConnectBuilder::new().with_api_key(KEY).build().unwrap_err();
    assert!(matches!(missing_url, Error::Config { ref field, .. } if field == "base_url"));
    let blank_token = ConnectBuilder::new()
        .with_base_url("https://connect.example.com/api/v1")
        .with_api_key(KEY)
        .with_user_token(" ")
        .build()
        .unwrap_err();
    assert!(matches!(blank_token, Error::Config { ref field, .. } if field == "user_token"));
    let cleartext = ConnectBuilder::new()
        .with_base_url("http://connect.example.com/api/v1")
        .with_api_key(KEY)
        .build()
        .unwrap_err();
    assert!(matches!(cleartext, Error::Config { ref field, .. } if field == "base_url"));
}

#[test]
fn from_env_reads_the_documented_variables() {
    use user_provisioner::providers::connect::{ENV_API_KEY, ENV_BASE_URL};
    assert_eq!(
        (ENV_BASE_URL, ENV_API_KEY),
        ("CONNECT_BASE_URL", "CONNECT_API_KEY")
    );
    // Only this test touches these variables.
    std::env::remove_var(ENV_BASE_URL);
    std::env::remove_var(ENV_API_KEY);
    let err = ConnectBuilder::from_env().build().unwrap_err();
    assert!(err.to_string().contains("CONNECT_BASE_URL"), "{err}");
    std::env::set_var(ENV_BASE_URL, "https://connect.example.com/api/v1");
    std::env::set_var(ENV_API_KEY, KEY);
    let client = ConnectBuilder::from_env().build().unwrap();
    std::env::remove_var(ENV_BASE_URL);
    std::env::remove_var(ENV_API_KEY);
    assert_eq!(
        client.base_url().as_str(),
        "https://connect.example.com/api/v1/"
    );
}

#[tokio::test]
async fn no_debug_or_display_carries_the_key_or_the_token() {
    let server = MockServer::start().await;
    let builder = builder(&server).with_user_token(TOKEN);
    let client = builder.clone().build().unwrap();
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": format!("invalid key {KEY} for token {TOKEN}"),
            "code": "UNAUTHORIZED",
            "details": [{ "message": format!("X-API-Key: {KEY}") }]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_string(format!("Bearer {TOKEN}")))
        .mount(&server)
        .await;
    let create_error = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap_err();
    let get_error = client.get(UID, &options()).await.unwrap_err();
    let shown = [
        format!("{client:?}"),
        format!("{builder:?}"),
        format!("{create_error:?} {create_error}"),
        format!("{get_error:?} {get_error}"),
        format!("{:?}", create_error.api_error()),
    ];
    for text in shown {
        assert!(!text.contains(KEY), "key leaked: {text}");
        assert!(!text.contains(TOKEN), "token leaked: {text}");
    }
    assert!(
        create_error
            .to_string()
            .contains("invalid key *** for token ***"),
        "{create_error}"
    );
    assert!(format!("{client:?}").contains("ApiKeyHeader(***) + Bearer(***)"));
}

#[test]
fn clients_are_object_safe_and_declare_idempotent_creates() {
    let client = ConnectBuilder::new()
        .with_base_url("https://connect.example.com/api/v1")
        .with_api_key(KEY)
        .build()
        .unwrap();
    let shared: Arc<dyn UserProvisioner> = Arc::new(client);
    assert_eq!(shared.provider(), user_provisioner::Provider::CONNECT);
    let capabilities = shared.capabilities();
    assert!(capabilities.idempotent_create);
    assert!(capabilities.server_side_paging);
    assert!(
        capabilities.stores(Field::Phone)
            && capabilities.stores(Field::Metadata)
            && capabilities.stores(Field::DisplayName)
    );
    assert!(!capabilities.stores(Field::Password) && !capabilities.stores(Field::Roles));
}
