//! The real Connect adapter driven through `ConnectEmulator`: the documented create and
//! its idempotency, the calls modelled on the customers resource, and every fault knob.
#![cfg(all(feature = "testing", feature = "connect"))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use user_provisioner::providers::connect::{
    ConnectClient, ConnectErrorBody, CreateUser, ListUsersQuery, UpdateUser,
};
use user_provisioner::testing::{ConnectEmulator, Fault, FaultRule};
use user_provisioner::{
    ClientOptions, CreateOutcome, DeleteOutcome, Error, IdempotencyKey, ListUsers, NewUser, Patch,
    RequestOptions, Resend, RetryPolicy, UpdateOutcome, UserId, UserProvisioner, UserUpdate,
};

const USERS: &str = "/api/v1/users";

fn retrying() -> RetryPolicy {
    RetryPolicy::new()
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .with_jitter_seed(7)
}

async fn start() -> (ConnectEmulator, ConnectClient) {
    let emulator = ConnectEmulator::start().await.unwrap();
    let client = emulator
        .builder()
        .with_client_options(ClientOptions::new().with_retry_policy(retrying()))
        .build()
        .unwrap();
    (emulator, client)
}

fn no_retries(emulator: &ConnectEmulator) -> ConnectClient {
    emulator
        .builder()
        .with_client_options(ClientOptions::new().with_retry_policy(RetryPolicy::never()))
        .build()
        .unwrap()
}

fn john() -> CreateUser {
    let mut request = CreateUser::new("John Doe");
    request.email = Some("john.doe@example.com".into());
    request.msisdn = Some("+15551234567".into());
    request.identity = Some("195001011234".into());
    request.metadata = Some(json!({ "crm": "4711" }).as_object().unwrap().clone());
    request
}

fn keyed(key: &str) -> RequestOptions {
    RequestOptions::new().with_idempotency_key(IdempotencyKey::new(key).unwrap())
}

fn options() -> RequestOptions {
    RequestOptions::new()
}

fn sent_keys(emulator: &ConnectEmulator) -> Vec<String> {
    emulator
        .server()
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.header("x-idempotency-key").unwrap_or_default().to_owned())
        .collect()
}

/// A request sent without the adapter, to see the wire answer as it is.
async fn raw(
    emulator: &ConnectEmulator,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String) {
    let url = format!("{}{path}", emulator.server().origin());
    let mut request = reqwest::Client::new().request(method.parse().unwrap(), url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

// ---- success paths ------------------------------------------------------------------

#[tokio::test]
async fn create_answers_201_with_the_documented_user() {
    let emulator = ConnectEmulator::start().await.unwrap();
    let body = r#"{"name":"John Doe","email":"john.doe@example.com","msisdn":"+15551234567","metadata":{"crm":"4711"}}"#;
    let (status, text) = raw(
        &emulator,
        "POST",
        USERS,
        &[("x-api-key", emulator.api_key())],
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{text}");
    let user: Value = serde_json::from_str(&text).unwrap();
    assert!(user["userId"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(user["name"], "John Doe");
    assert_eq!(user["email"], "john.doe@example.com");
    assert_eq!(user["msisdn"], "+15551234567");
    assert_eq!(user["customerIds"], json!([]));
    assert_eq!(user["customers"], json!([]));
    assert_eq!(user["metadata"], json!({ "crm": "4711" }));
    for stamp in ["createdAt", "updatedAt"] {
        let stamp = user[stamp].as_str().unwrap();
        chrono::DateTime::parse_from_rfc3339(stamp).unwrap();
    }
    assert_eq!(emulator.user_count(), 1);
}

#[tokio::test]
async fn native_create_get_update_list_delete() {
    let (emulator, client) = start().await;
    let created = client.create(&john(), &options()).await.unwrap();
    let user = created.user;
    assert_eq!(user.name, "John Doe");
    assert_eq!(user.identity.as_deref(), Some("195001011234"));
    assert!(user.created_at.is_some() && user.updated_at.is_some());
    assert_eq!(sent_keys(&emulator), [created.idempotency_key.as_str()]);

    assert_eq!(client.get(&user.user_id, &options()).await.unwrap(), user);

    let mut change = UpdateUser::new();
    change.email = Patch::Set("jd@example.com".into());
    change.identity = Patch::Clear;
    let updated = client
        .update(&user.user_id, &change, &options())
        .await
        .unwrap()
        .expect("the updated user");
    assert_eq!(updated.email.as_deref(), Some("jd@example.com"));
    assert_eq!(updated.identity, None);
    assert_eq!(updated.msisdn.as_deref(), Some("+15551234567"));
    assert_eq!(updated.created_at, user.created_at);
    assert!(updated.updated_at >= user.updated_at);
    assert_eq!(
        client.get(&user.user_id, &options()).await.unwrap(),
        updated
    );

    let page = client
        .list(&ListUsersQuery::new(), &options())
        .await
        .unwrap();
    assert_eq!(page.items, [updated]);
    assert_eq!(page.pagination.total, Some(1));
    assert_eq!(page.pagination.offset, Some(0));
    assert_eq!(page.pagination.limit, Some(20));

    client.delete(&user.user_id, &options()).await.unwrap();
    assert_eq!(emulator.user_count(), 0);
    let err = client.get(&user.user_id, &options()).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.provider_code(), Some("NOT_FOUND"));
}

#[tokio::test]
async fn portable_create_get_update_list_delete() {
    let (emulator, client) = start().await;
    let person = NewUser::new("jdoe")
        .with_display_name("John Doe")
        .with_email("john.doe@example.com")
        .with_phone("+15551234567")
        .with_metadata("crm", "4711");
    let CreateOutcome::Created(user) = client
        .create_user_opts(&person, &options().with_raw_json(true))
        .await
        .unwrap()
    else {
        panic!("Connect answers a created user")
    };
    assert_eq!(user.display_name.as_deref(), Some("John Doe"));
    assert_eq!(user.phone.as_deref(), Some("+15551234567"));
    assert_eq!(user.raw["metadata"], json!({ "crm": "4711" }));

    let read = client.get_user_opts(&user.id, &options()).await.unwrap();
    assert_eq!(read.id, user.id);

    let update = UserUpdate::new()
        .with_email("new@example.com")
        .with_metadata("tier", "gold");
    let UpdateOutcome::Updated(updated) = client
        .update_user_opts(&user.id, &update, &options().with_raw_json(true))
        .await
        .unwrap()
    else {
        panic!("the emulator answers the updated user")
    };
    assert_eq!(updated.email.as_deref(), Some("new@example.com"));
    assert_eq!(
        updated.raw["metadata"],
        json!({ "tier": "gold" }),
        "replaced"
    );

    let all = client.list_all_users_opts(&options()).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        client.delete_user_opts(&user.id, &options()).await.unwrap(),
        DeleteOutcome::Deleted
    );
    assert_eq!(emulator.user_count(), 0);
}

#[tokio::test]
async fn list_pages_by_limit_and_offset_in_creation_order() {
    let (emulator, client) = start().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let created = client
            .create(&CreateUser::new(format!("user {n}")), &options())
            .await
            .unwrap();
        ids.push(created.user.user_id);
    }
    let page = client
        .list(
            &ListUsersQuery::new().with_limit(2).with_offset(2),
            &options(),
        )
        .await
        .unwrap();
    let seen: Vec<_> = page.items.iter().map(|u| u.user_id.clone()).collect();
    assert_eq!(seen, ids[2..4]);
    assert_eq!(page.pagination.total, Some(5));
    assert_eq!(page.pagination.limit, Some(2));
    assert_eq!(page.pagination.offset, Some(2));

    let mut portable = Vec::new();
    let mut request = ListUsers::new().with_page_size(2);
    loop {
        let page = client.list_users_opts(&request, &options()).await.unwrap();
        portable.extend(page.users.into_iter().map(|u| u.id.as_str().to_owned()));
        match page.next {
            Some(cursor) => request = request.with_cursor(cursor),
            None => break,
        }
    }
    assert_eq!(portable, ids);
    assert_eq!(emulator.server().count("GET", USERS), 4);

    let err = client
        .list(&ListUsersQuery::new().with_limit(0), &options())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err:?}");
    assert_eq!(err.provider_code(), Some("VALIDATION_ERROR"));
}

// ---- uniqueness: none documented ------------------------------------------------------

#[tokio::test]
async fn the_same_person_under_two_keys_is_two_users() {
    let (emulator, client) = start().await;
    let first = client.create(&john(), &options()).await.unwrap();
    let second = client.create(&john(), &options()).await.unwrap();
    assert_ne!(first.idempotency_key, second.idempotency_key);
    assert_ne!(first.user.user_id, second.user.user_id);
    assert_eq!(first.user.email, second.user.email);
    assert_eq!(emulator.user_count(), 2);
}

// ---- idempotency --------------------------------------------------------------------

#[tokio::test]
async fn the_same_key_and_body_replays_the_first_answer_and_stores_nothing() {
    let (emulator, client) = start().await;
    let first = client.create(&john(), &keyed("order-1")).await.unwrap();
    let again = client.create(&john(), &keyed("order-1")).await.unwrap();
    assert_eq!(again.user, first.user, "same user, same timestamps");
    assert_eq!(emulator.user_count(), 1);
    assert_eq!(emulator.server().count("POST", USERS), 2);

    // Byte for byte, and still the first answer after the user changed and was deleted.
    let headers = [
        ("x-api-key", emulator.api_key()),
        ("x-idempotency-key", "raw-1"),
    ];
    let body = r#"{"name":"Ada","email":"ada@example.com"}"#;
    let reordered = r#"{ "email": "ada@example.com", "name": "Ada" }"#;
    let (status, text) = raw(&emulator, "POST", USERS, &headers, Some(body)).await;
    assert_eq!(status, 201);
    let id = serde_json::from_str::<Value>(&text).unwrap()["userId"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut change = UpdateUser::new();
    change.name = Some("Ada L.".into());
    client.update(&id, &change, &options()).await.unwrap();
    assert_eq!(
        raw(&emulator, "POST", USERS, &headers, Some(reordered)).await,
        (201, text.clone())
    );
    client.delete(&id, &options()).await.unwrap();
    assert_eq!(
        raw(&emulator, "POST", USERS, &headers, Some(body)).await,
        (201, text)
    );
    assert_eq!(emulator.user_count(), 1, "only John is left");
}

#[tokio::test]
async fn the_same_key_with_another_body_is_409_and_not_retried() {
    let (emulator, client) = start().await;
    client.create(&john(), &keyed("order-2")).await.unwrap();
    let mut changed = john();
    changed.name = "Jane Doe".into();
    let err = client
        .create(&changed, &keyed("order-2"))
        .await
        .unwrap_err();
    let Error::IdempotencyKeyReused(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 409);
    assert_eq!(api.code.as_deref(), Some("IDEMPOTENCY_KEY_REUSED"));
    assert!(api.message.to_lowercase().contains("idempotency"));
    let Some(body) = api.detail.downcast_ref::<ConnectErrorBody>() else {
        panic!("{:?}", api.detail)
    };
    assert!(body.hint.is_some());
    assert!(!err.is_conflict() && !err.is_retryable());
    assert_eq!(emulator.server().count("POST", USERS), 2);
    assert_eq!(emulator.user_count(), 1);
}

#[tokio::test]
async fn keys_longer_than_256_characters_are_refused() {
    let emulator = ConnectEmulator::start().await.unwrap();
    let long = "k".repeat(257);
    let (status, text) = raw(
        &emulator,
        "POST",
        USERS,
        &[
            ("x-api-key", emulator.api_key()),
            ("x-idempotency-key", long.as_str()),
        ],
        Some(r#"{"name":"Ada"}"#),
    )
    .await;
    assert_eq!(status, 400);
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["code"], "VALIDATION_ERROR");
    assert_eq!(body["details"][0]["property"], "X-Idempotency-Key");
    assert_eq!(emulator.user_count(), 0);

    // The longest the vendor allows goes through the adapter.
    let client = emulator.client().unwrap();
    let longest = "k".repeat(256);
    client.create(&john(), &keyed(&longest)).await.unwrap();
    assert_eq!(emulator.user_count(), 1);
}

#[tokio::test]
async fn keys_are_forgotten_after_24_hours() {
    let (emulator, client) = start().await;
    let first = client.create(&john(), &keyed("daily")).await.unwrap();
    emulator.advance_clock(Duration::from_secs(24 * 3600 - 60));
    let replayed = client.create(&john(), &keyed("daily")).await.unwrap();
    assert_eq!(replayed.user.user_id, first.user.user_id);
    assert_eq!(emulator.user_count(), 1);

    emulator.advance_clock(Duration::from_secs(60));
    let mut changed = john();
    changed.name = "Jane Doe".into();
    let fresh = client.create(&changed, &keyed("daily")).await.unwrap();
    assert_ne!(fresh.user.user_id, first.user.user_id);
    assert_eq!(fresh.user.name, "Jane Doe");
    assert!(fresh.user.created_at > first.user.created_at);
    assert_eq!(emulator.user_count(), 2);
}

#[tokio::test]
async fn a_refused_create_does_not_use_up_its_key() {
    let emulator = ConnectEmulator::start().await.unwrap();
    let headers = [
        ("x-api-key", emulator.api_key()),
        ("x-idempotency-key", "fix-me"),
    ];
    let (status, text) = raw(
        &emulator,
        "POST",
        USERS,
        &headers,
        Some(r#"{"email":"ada@","msisdn":"0701234567","metadata":[]}"#),
    )
    .await;
    assert_eq!(status, 400);
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["code"], "VALIDATION_ERROR");
    let properties: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["property"].as_str().unwrap())
        .collect();
    assert_eq!(properties, ["name", "email", "msisdn", "metadata"]);
    for detail in body["details"].as_array().unwrap() {
        assert!(detail["message"].is_string() && detail["code"].is_string());
        assert!(detail["suggestion"].is_string());
    }
    let (status, _) = raw(
        &emulator,
        "POST",
        USERS,
        &headers,
        Some(r#"{"name":"Ada"}"#),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(emulator.user_count(), 1);
}

// ---- auth and errors ----------------------------------------------------------------

#[tokio::test]
async fn a_wrong_or_missing_key_is_401_in_the_connect_shape() {
    let emulator = ConnectEmulator::start().await.unwrap();
    let client = emulator.builder().with_api_key("ck_wrong").build().unwrap();
    let err = client.create(&john(), &options()).await.unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    assert_eq!(err.provider_code(), Some("UNAUTHORIZED"));
    let err = client.get("anyone", &options()).await.unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    let (status, text) = raw(&emulator, "GET", USERS, &[], None).await;
    assert_eq!(status, 401);
    let body: Value = serde_json::from_str(&text).unwrap();
    let mut fields: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["code", "details", "hint", "message"]);
    assert_eq!(emulator.user_count(), 0);
}

#[tokio::test]
async fn unknown_users_are_404_for_get_update_and_delete() {
    let (_emulator, client) = start().await;
    let id = UserId::new("7d1c0d6e-0000-4000-8000-000000000000");
    let get = client.get_user_opts(&id, &options()).await.unwrap_err();
    let update = client
        .update_user_opts(
            &id,
            &UserUpdate::new().with_email("x@example.com"),
            &options(),
        )
        .await
        .unwrap_err();
    let delete = client.delete_user_opts(&id, &options()).await.unwrap_err();
    for err in [get, update, delete] {
        assert!(err.is_not_found(), "{err:?}");
    }
}

// ---- faults -------------------------------------------------------------------------

#[tokio::test]
async fn a_503_without_acting_is_retried_under_the_same_key() {
    let (emulator, client) = start().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::status(503)).on("POST", USERS));
    client.create(&john(), &options()).await.unwrap();
    assert_eq!(emulator.server().count("POST", USERS), 2);
    assert_eq!(emulator.user_count(), 1);
    let keys = sent_keys(&emulator);
    assert_eq!(keys[0], keys[1]);

    let once = no_retries(&emulator);
    emulator
        .server()
        .inject(FaultRule::new(Fault::status(503)).on("POST", USERS));
    let err = once.create(&john(), &options()).await.unwrap_err();
    // Retries used up on a 5xx: the outcome is unknown, and re-sending under the key
    // the error carries is safe.
    let Error::OutcomeUnknown { cause, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(
        matches!(**cause, Error::Server(ref api) if api.status == 503),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(503));
    let key = err.idempotency_key().cloned().unwrap();
    assert_eq!(err.resend(), Some(Resend::WithKey(key.clone())));
    assert_eq!(sent_keys(&emulator).last().unwrap(), key.as_str());
    assert_eq!(emulator.user_count(), 1, "nothing stored by the refusal");
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_succeeds() {
    let (emulator, client) = start().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::rate_limited(1)).on("POST", USERS));
    let started = Instant::now();
    client.create(&john(), &options()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(emulator.server().count("POST", USERS), 2);
    assert_eq!(emulator.user_count(), 1);
}

#[tokio::test]
async fn an_html_502_is_a_server_error() {
    let emulator = ConnectEmulator::start().await.unwrap();
    let client = no_retries(&emulator);
    emulator
        .server()
        .inject(FaultRule::new(Fault::html_bad_gateway()).on("GET", USERS));
    let err = client
        .list(&ListUsersQuery::new(), &options())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Server(ref api) if api.status == 502),
        "{err:?}"
    );
}

#[tokio::test]
async fn act_then_503_on_a_keyed_create_is_answered_by_the_replay() {
    let (emulator, client) = start().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::ActThenRespond(503)).on("POST", USERS));
    let created = client.create(&john(), &keyed("ambiguous-1")).await.unwrap();
    assert_eq!(emulator.server().count("POST", USERS), 2);
    assert_eq!(emulator.user_count(), 1, "never two users for one create");
    assert_eq!(sent_keys(&emulator), ["ambiguous-1", "ambiguous-1"]);
    // The retry got the user stored by the first attempt.
    let stored = client.get(&created.user.user_id, &options()).await.unwrap();
    assert_eq!(stored, created.user);

    // The same through the portable call with a generated key.
    emulator.server().clear_requests();
    emulator
        .server()
        .inject(FaultRule::new(Fault::ActThenRespond(503)).on("POST", USERS));
    let person = NewUser::new("ada").with_email("ada@example.com");
    let CreateOutcome::Created(user) = client.create_user_opts(&person, &options()).await.unwrap()
    else {
        panic!("Connect answers a created user")
    };
    assert_eq!(emulator.server().count("POST", USERS), 2);
    assert_eq!(emulator.user_count(), 2);
    let keys = sent_keys(&emulator);
    assert_eq!(keys[0], keys[1]);
    client.get_user_opts(&user.id, &options()).await.unwrap();
}

#[tokio::test]
async fn act_then_drop_on_a_create_never_makes_two_users() {
    let (emulator, client) = start().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::ActThenDrop).on("POST", USERS));
    let created = client.create(&john(), &options()).await.unwrap();
    assert_eq!(emulator.server().count("POST", USERS), 2);
    assert_eq!(emulator.user_count(), 1);
    let keys = sent_keys(&emulator);
    assert_eq!(keys, [created.idempotency_key.as_str(); 2]);

    // Without retries the caller learns nothing; re-sending under the same key is safe.
    let once = no_retries(&emulator);
    emulator
        .server()
        .inject(FaultRule::new(Fault::ActThenDrop).on("POST", USERS));
    let mut ada = CreateUser::new("Ada");
    ada.email = Some("ada@example.com".into());
    let err = once.create(&ada, &keyed("ada-1")).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(emulator.user_count(), 2);
    let resent = once.create(&ada, &keyed("ada-1")).await.unwrap();
    assert_eq!(emulator.user_count(), 2);
    once.get(&resent.user.user_id, &options()).await.unwrap();
}

#[tokio::test]
async fn a_reset_before_any_response_stores_nothing() {
    let (emulator, _) = start().await;
    let once = no_retries(&emulator);
    emulator
        .server()
        .inject(FaultRule::new(Fault::ResetBeforeResponse).on("POST", USERS));
    let err = once.create(&john(), &options()).await.unwrap_err();
    // A reset after sending may have followed an act: unknown, settled by the key.
    let Error::OutcomeUnknown { cause, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(matches!(**cause, Error::Transport { .. }), "{err:?}");
    assert_eq!(emulator.server().count("POST", USERS), 1);
    assert_eq!(emulator.user_count(), 0);
    let Some(Resend::WithKey(key)) = err.resend() else {
        panic!("{err:?}");
    };
    let again = RequestOptions::new().with_idempotency_key(key.clone());
    let created = once.create(&john(), &again).await.unwrap();
    assert_eq!(created.idempotency_key, key);
    assert_eq!(emulator.user_count(), 1);
}

#[tokio::test]
async fn every_create_error_after_sending_carries_the_key() {
    let (emulator, client) = start().await;
    let p: &dyn UserProvisioner = &client;
    // A 4xx answer keeps the key in its ApiError.
    emulator.server().inject(
        FaultRule::new(Fault::Respond {
            status: 400,
            headers: vec![("content-type".into(), "application/json".into())],
            body: r#"{"message":"bad","code":"E400"}"#.into(),
        })
        .on("POST", USERS),
    );
    let err = p
        .create_user_opts(&NewUser::new("ada"), &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    let key = err.idempotency_key().unwrap();
    assert_eq!(err.api_error().unwrap().idempotency_key.as_ref(), Some(key));
    assert_eq!(sent_keys(&emulator), [key.as_str()]);
    assert_eq!(err.resend(), None, "a 400 is a known outcome");

    // Retries used up on timeouts: OutcomeUnknown with the key of every attempt.
    emulator.server().clear_requests();
    let slow = emulator
        .builder()
        .with_client_options(
            ClientOptions::new()
                .with_timeout(Duration::from_millis(100))
                .with_retry_policy(retrying().with_max_attempts(2)),
        )
        .build()
        .unwrap();
    emulator.server().inject(
        FaultRule::new(Fault::Delay(Duration::from_millis(300)))
            .on("POST", USERS)
            .times(2),
    );
    let p: &dyn UserProvisioner = &slow;
    let err = p
        .create_user_opts(&NewUser::new("bob"), &keyed("bob-1"))
        .await
        .unwrap_err();
    let Error::OutcomeUnknown { cause, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(matches!(**cause, Error::Timeout { .. }), "{err:?}");
    assert_eq!(
        err.idempotency_key().map(IdempotencyKey::as_str),
        Some("bob-1")
    );
    assert!(err.to_string().contains("bob-1"), "{err}");
    assert_eq!(sent_keys(&emulator), ["bob-1", "bob-1"]);

    // A successful portable create exposes its key too.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let outcome = p
        .create_user_opts(&NewUser::new("bob"), &keyed("bob-1"))
        .await
        .unwrap();
    assert_eq!(
        outcome.idempotency_key().map(IdempotencyKey::as_str),
        Some("bob-1")
    );
    assert_eq!(
        emulator.user_count(),
        1,
        "one bob for three sends under one key"
    );
    let generated = p
        .create_user_opts(&NewUser::new("cy"), &options())
        .await
        .unwrap();
    let key = generated.idempotency_key().unwrap();
    assert_eq!(sent_keys(&emulator).last().unwrap(), key.as_str());
}

#[tokio::test]
async fn a_half_body_after_acting_is_survived_by_the_key() {
    let (emulator, client) = start().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::ActThenHalfBody).on("POST", USERS));
    let created = client.create(&john(), &options()).await.unwrap();
    assert_eq!(emulator.server().count("POST", USERS), 2);
    assert_eq!(emulator.user_count(), 1);
    client.get(&created.user.user_id, &options()).await.unwrap();
}

#[tokio::test]
async fn a_truncated_201_is_replayed_under_the_same_key() {
    let (emulator, client) = start().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::ActThenTruncatedJson).on("POST", USERS));
    let created = client.create(&john(), &options()).await.unwrap();
    assert_eq!(emulator.server().count("POST", USERS), 2);
    assert_eq!(emulator.user_count(), 1);
    let keys = sent_keys(&emulator);
    assert_eq!(keys, [created.idempotency_key.as_str(); 2]);
    client.get(&created.user.user_id, &options()).await.unwrap();

    // An oversized 2xx after acting is replayed the same way.
    emulator.server().clear_requests();
    emulator
        .server()
        .inject(FaultRule::new(Fault::ActThenOversizedBody(10 * 1024 * 1024)).on("POST", USERS));
    let mut ada = CreateUser::new("Ada");
    ada.email = Some("ada@example.com".into());
    let created = client.create(&ada, &options()).await.unwrap();
    assert_eq!(created.user.name, "Ada");
    assert_eq!(emulator.server().count("POST", USERS), 2);
    assert_eq!(emulator.user_count(), 2);
}

#[tokio::test]
async fn an_oversized_body_is_response_too_large() {
    let (emulator, client) = start().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::OversizedBody(10 * 1024 * 1024)).on("GET", USERS));
    let err = client
        .list(&ListUsersQuery::new(), &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn a_redirect_is_refused_and_its_target_receives_nothing() {
    let (emulator, client) = start().await;
    let elsewhere = ConnectEmulator::start().await.unwrap();
    let target = format!("{}/users", elsewhere.base_url());
    emulator
        .server()
        .inject(FaultRule::new(Fault::RedirectTo(target.clone())).on("POST", USERS));
    let err = client.create(&john(), &options()).await.unwrap_err();
    match &err {
        Error::Redirect {
            status, location, ..
        } => {
            assert_eq!(*status, 307);
            assert_eq!(location.as_deref(), Some(target.as_str()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emulator.server().count("POST", USERS), 1);
    assert!(elsewhere.server().requests().is_empty());
    assert_eq!(emulator.user_count() + elsewhere.user_count(), 0);
}

#[tokio::test]
async fn a_delay_beyond_the_timeout_is_a_timeout() {
    let emulator = ConnectEmulator::start().await.unwrap();
    let client = emulator
        .builder()
        .with_client_options(
            ClientOptions::new()
                .with_timeout(Duration::from_millis(200))
                .with_retry_policy(RetryPolicy::never()),
        )
        .build()
        .unwrap();
    emulator
        .server()
        .inject(FaultRule::new(Fault::Delay(Duration::from_millis(600))).on("GET", USERS));
    let err = client
        .list(&ListUsersQuery::new(), &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn a_slow_create_retried_after_its_timeout_makes_one_user() {
    let emulator = ConnectEmulator::start().await.unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let client = emulator
        .builder()
        .with_client_options(
            ClientOptions::new()
                .with_timeout(Duration::from_millis(200))
                .with_retry_policy(retrying()),
        )
        .with_idempotency_key_generator(Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            IdempotencyKey::new("slow-1").unwrap()
        }))
        .build()
        .unwrap();
    emulator
        .server()
        .inject(FaultRule::new(Fault::Delay(Duration::from_millis(500))).on("POST", USERS));
    let created = client.create(&john(), &options()).await.unwrap();
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "one key per logical create"
    );
    // Let the first, abandoned attempt finish on the server: it replays, stores nothing.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(emulator.server().count("POST", USERS), 2);
    assert_eq!(emulator.user_count(), 1);
    client.get(&created.user.user_id, &options()).await.unwrap();
}
