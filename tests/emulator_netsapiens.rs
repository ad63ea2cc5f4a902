//! The real NetSapiens adapter against `NetSapiensEmulator`: the vendor's behaviour
//! (auth, 200 vs 202, the visibility delay, 409s, 400s, domains) and every fault knob.
#![cfg(all(feature = "testing", feature = "netsapiens"))]

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use user_provisioner::providers::netsapiens::{
    AccountStatus, CreateResult, CreateUser, ListQuery, NetSapiensBuilder, NetSapiensClient,
    UpdateUser, VisibilityWait, YesNo,
};
use user_provisioner::testing::{Fault, FaultRule, NetSapiensEmulator};
use user_provisioner::{
    ClientOptions, CreateOutcome, DeleteOutcome, Error, ListUsers, NewUser, RequestOptions,
    RetryPolicy, UpdateOutcome, UserId, UserProvisioner, UserUpdate,
};

const USERS: &str = "/ns-api/v2/domains/~/users";

fn fast_options() -> ClientOptions {
    ClientOptions::new().with_retry_policy(
        RetryPolicy::new()
            .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
            .with_jitter_seed(1),
    )
}

fn builder(emulator: &NetSapiensEmulator) -> NetSapiensBuilder {
    emulator.builder().with_client_options(fast_options())
}

async fn setup() -> (NetSapiensEmulator, NetSapiensClient) {
    let emulator = NetSapiensEmulator::start().await.unwrap();
    let client = builder(&emulator).build().unwrap();
    (emulator, client)
}

fn options() -> RequestOptions {
    RequestOptions::new()
}

fn request(extension: &str, synchronous: bool) -> CreateUser {
    let mut request = CreateUser::new(
        extension,
        "Jane",
        format!("Doe{extension}"),
        format!("jdoe{extension}@example.com"),
    );
    request.synchronous = Some(YesNo::from(synchronous));
    request
}

fn person(n: u32) -> NewUser {
    NewUser::new(format!("person{n}"))
        .with_email(format!("person{n}@example.com"))
        .with_names("Ada", format!("Lovelace{n}"))
        .with_attribute("netsapiens.extension", format!("{}", 3000 + n))
}

fn created(result: CreateResult) -> user_provisioner::providers::netsapiens::NetSapiensUser {
    match result {
        CreateResult::Created(user) => *user,
        CreateResult::Accepted(ack) => panic!("expected 200, got 202 {ack:?}"),
    }
}

/// Sends raw JSON, bypassing the adapter's own checks, to see what the server says.
async fn raw(
    emulator: &NetSapiensEmulator,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}{path}", emulator.base_url());
    let mut call = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(token);
    if let Some(body) = body {
        call = call.json(&body);
    }
    let response = call.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn a_synchronous_create_is_200_with_the_full_user_and_read_only_fields() {
    let (emulator, client) = setup().await;
    let mut full = request("1001", true);
    full.login_username = Some("jane@acme".into());
    full.settings.area_code = Some(212);
    full.settings.department = Some("Sales".into());
    let user = created(client.create(&full, &options()).await.unwrap());
    assert_eq!(user.user, "1001");
    assert_eq!(user.domain.as_deref(), Some(emulator.domain()));
    assert_eq!(user.login_username.as_deref(), Some("jane@acme"));
    assert_eq!(user.email, ["jdoe1001@example.com"]);
    assert_eq!(user.settings.area_code, Some(212));
    assert_eq!(user.settings.voicemail_enabled, Some(YesNo::Yes), "default");
    assert_eq!(user.settings.privacy, Some(YesNo::No), "default");
    assert_eq!(user.account_status, Some(AccountStatus::New));
    let stamp = user.created_datetime.clone().unwrap();
    assert_eq!(stamp.len(), "2023-07-28 19:56:11".len(), "{stamp}");
    assert!(user.last_modified_datetime.is_some());
    // Readable at once, in get, list and count.
    assert_eq!(client.get("1001", &options()).await.unwrap(), user);
    let listed = client
        .list(&client.first_page(10), &options())
        .await
        .unwrap();
    assert_eq!(listed, [user]);
    assert_eq!(client.count(&options()).await.unwrap(), 1);
    assert_eq!(emulator.user_count(), 1);
}

#[tokio::test]
async fn the_default_login_is_user_at_domain() {
    let (emulator, client) = setup().await;
    let user = created(
        client
            .create(&request("1002", true), &options())
            .await
            .unwrap(),
    );
    assert_eq!(
        user.login_username,
        Some(format!("1002@{}", emulator.domain()))
    );
}

#[tokio::test]
async fn an_accepted_create_is_readable_only_after_the_delay() {
    let delay = Duration::from_millis(300);
    let emulator = NetSapiensEmulator::start()
        .await
        .unwrap()
        .with_visibility_delay(delay);
    let client = builder(&emulator).build().unwrap();
    let started = Instant::now();
    let result = client
        .create(&request("1003", false), &options())
        .await
        .unwrap();
    let CreateResult::Accepted(ack) = result else {
        panic!("expected 202, got {result:?}");
    };
    assert_eq!(ack.code, Some(202));
    assert_eq!(ack.message.as_deref(), Some("Accepted"));
    // Stored (a second create is a conflict) but not readable yet.
    assert_eq!(emulator.user_count(), 1);
    assert!(client
        .get("1003", &options())
        .await
        .unwrap_err()
        .is_not_found());
    assert_eq!(client.count(&options()).await.unwrap(), 0);
    let err = client
        .create(&request("1003", true), &options())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");

    let gets_before = emulator
        .server()
        .count("GET", "/ns-api/v2/domains/~/users/1003");
    let wait = VisibilityWait::new()
        .with_backoff(Duration::from_millis(20), Duration::from_millis(80))
        .with_deadline(Duration::from_secs(5));
    let user = client
        .wait_until_visible("1003", &wait, &options())
        .await
        .unwrap();
    assert_eq!(user.user, "1003");
    assert!(started.elapsed() >= delay);
    let polls = emulator
        .server()
        .count("GET", "/ns-api/v2/domains/~/users/1003")
        - gets_before;
    assert!(polls > 1, "the first read came too early: {polls} polls");
    assert_eq!(client.count(&options()).await.unwrap(), 1);
}

#[tokio::test]
async fn waiting_less_than_the_delay_is_not_yet_visible() {
    let emulator = NetSapiensEmulator::start()
        .await
        .unwrap()
        .with_visibility_delay(Duration::from_secs(5));
    let client = builder(&emulator).build().unwrap();
    let _ = client
        .create(&request("1004", false), &options())
        .await
        .unwrap();
    let wait = VisibilityWait::new()
        .with_backoff(Duration::from_millis(10), Duration::from_millis(20))
        .with_deadline(Duration::from_millis(150));
    let err = client
        .wait_until_visible("1004", &wait, &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotYetVisible { .. }), "{err:?}");
}

#[tokio::test]
async fn updates_and_deletes_are_202_and_readable_after_the_delay() {
    let delay = Duration::from_millis(200);
    let emulator = NetSapiensEmulator::start()
        .await
        .unwrap()
        .with_visibility_delay(delay);
    let client = builder(&emulator).build().unwrap();
    created(
        client
            .create(&request("1005", true), &options())
            .await
            .unwrap(),
    );

    let mut change = UpdateUser::new();
    change.first_name = Some("Janet".into());
    let ack = client.update("1005", &change, &options()).await.unwrap();
    assert_eq!(ack.code, Some(202));
    let read = client.get("1005", &options()).await.unwrap();
    assert_eq!(read.first_name.as_deref(), Some("Jane"), "not visible yet");
    tokio::time::sleep(delay + Duration::from_millis(50)).await;
    let read = client.get("1005", &options()).await.unwrap();
    assert_eq!(read.first_name.as_deref(), Some("Janet"));
    assert_eq!(
        read.last_name.as_deref(),
        Some("Doe1005"),
        "fields left out are kept"
    );

    client.delete("1005", &options()).await.unwrap();
    assert!(
        client.get("1005", &options()).await.is_ok(),
        "still readable"
    );
    assert_eq!(emulator.user_count(), 0, "but gone from the system");
    tokio::time::sleep(delay + Duration::from_millis(50)).await;
    assert!(client
        .get("1005", &options())
        .await
        .unwrap_err()
        .is_not_found());

    // Unknown users.
    let err = client
        .update("7777", &change, &options())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let err = client.delete("7777", &options()).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn native_list_pages_are_1_based_and_ordered_by_extension() {
    let (emulator, client) = setup().await;
    for extension in ["1010", "200", "1009", "30"] {
        created(
            client
                .create(&request(extension, true), &options())
                .await
                .unwrap(),
        );
    }
    let mut seen = Vec::new();
    let mut page = Some(ListQuery::new(1, 3));
    while let Some(query) = page {
        let users = client.list(&query, &options()).await.unwrap();
        seen.extend(users.iter().map(|u| u.user.clone()));
        page = query.next(users.len());
    }
    assert_eq!(seen, ["30", "200", "1009", "1010"]);
    let (status, body) = raw(
        &emulator,
        reqwest::Method::GET,
        "/domains/~/users?start=1&limit=1001",
        emulator.token(),
        None,
    )
    .await;
    assert_eq!((status, body["code"].clone()), (400, json!(400)), "{body}");
}

#[tokio::test]
async fn portable_crud_through_the_provisioner() {
    let (_emulator, client) = setup().await;
    let p: &dyn UserProvisioner = &client;
    let CreateOutcome::Created(user) = p.create_user_opts(&person(1), &options()).await.unwrap()
    else {
        panic!("a synchronous create is Created");
    };
    assert_eq!(user.id, UserId::new("3001"));
    assert_eq!(user.username.as_deref(), Some("person1"));
    let read = p.get_user_opts(&user.id, &options()).await.unwrap();
    assert_eq!(read.email.as_deref(), Some("person1@example.com"));
    assert_eq!(read.roles, ["Basic User"]);

    let update = UserUpdate::new().with_email("new1@example.com");
    let outcome = p
        .update_user_opts(&user.id, &update, &options())
        .await
        .unwrap();
    assert!(matches!(outcome, UpdateOutcome::Accepted(_)), "{outcome:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let read = p.get_user_opts(&user.id, &options()).await.unwrap();
    assert_eq!(read.email.as_deref(), Some("new1@example.com"));

    let page = p
        .list_users_opts(&ListUsers::new().with_page_size(10), &options())
        .await
        .unwrap();
    assert_eq!(page.users.len(), 1);
    assert!(page.next.is_none());

    let outcome = p.delete_user_opts(&user.id, &options()).await.unwrap();
    assert!(matches!(outcome, DeleteOutcome::Accepted(_)), "{outcome:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(p
        .get_user_opts(&user.id, &options())
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn a_login_is_unique_across_the_whole_system() {
    let emulator = NetSapiensEmulator::start()
        .await
        .unwrap()
        .with_domain("other.example");
    let client = builder(&emulator).build().unwrap();
    let other = client.for_domain("other.example").unwrap();
    let mut first = request("1001", true);
    first.login_username = Some("shared@login".into());
    created(client.create(&first, &options()).await.unwrap());

    // Same login in another domain: 409.
    let mut second = request("1001", true);
    second.login_username = Some("shared@login".into());
    let err = other.create(&second, &options()).await.unwrap_err();
    let Error::Conflict(api) = &err else {
        panic!("expected a conflict, got {err:?}");
    };
    assert_eq!(api.status, 409);
    assert_eq!(api.code.as_deref(), Some("409"));
    // The same extension in another domain is another user.
    created(
        other
            .create(&request("1001", true), &options())
            .await
            .unwrap(),
    );
    assert_eq!(emulator.user_count(), 2);

    // A default login (`user@domain`) collides with an explicit one.
    let mut explicit = request("1002", true);
    explicit.login_username = Some(format!("1003@{}", emulator.domain()));
    created(client.create(&explicit, &options()).await.unwrap());
    let err = client
        .create(&request("1003", true), &options())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");

    // An update to a taken login: 409.
    let mut change = UpdateUser::new();
    change.login_username = user_provisioner::Patch::Set("shared@login".into());
    let err = client
        .update("1002", &change, &options())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
}

#[tokio::test]
async fn a_taken_extension_is_409_uid_already_exists() {
    let (emulator, client) = setup().await;
    created(
        client
            .create(&request("1001", true), &options())
            .await
            .unwrap(),
    );
    let mut again = request("1001", true);
    again.login_username = Some("someone-else@acme".into());
    let err = client.create(&again, &options()).await.unwrap_err();
    let Error::Conflict(api) = &err else {
        panic!("expected a conflict, got {err:?}");
    };
    assert_eq!(api.message, "UID already exists.");
    assert_eq!(emulator.user_count(), 1);
}

#[tokio::test]
async fn allocation_moves_past_a_taken_extension_the_list_did_not_show() {
    let emulator = NetSapiensEmulator::start().await.unwrap();
    let client = builder(&emulator)
        .with_extension_range(2000..=2005)
        .build()
        .unwrap();
    // 2000 is listed; 2001 was accepted by another writer and is not listed yet.
    created(
        client
            .create(&request("2000", true), &options())
            .await
            .unwrap(),
    );
    emulator.set_visibility_delay(Duration::from_secs(60));
    let _ = client
        .create(&request("2001", false), &options())
        .await
        .unwrap();

    emulator.server().clear_requests();
    let person = NewUser::new("allocated")
        .with_email("allocated@example.com")
        .with_names("Alan", "Turing");
    let outcome = client.create_user_opts(&person, &options()).await.unwrap();
    let CreateOutcome::Created(user) = outcome else {
        panic!("expected Created, got {outcome:?}");
    };
    assert_eq!(user.id, UserId::new("2002"));
    assert_eq!(emulator.server().count("GET", USERS), 1, "one list");
    let posts: Vec<Value> = emulator
        .server()
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.json().unwrap()["user"].clone())
        .collect();
    assert_eq!(
        posts,
        [json!("2001"), json!("2002")],
        "409 on 2001, then 2002"
    );
    assert_eq!(emulator.user_count(), 3);
}

#[tokio::test]
async fn the_server_refuses_missing_and_out_of_range_fields_with_code_and_message() {
    let (emulator, _client) = setup().await;
    let valid = json!({
        "synchronous": "yes", "user": "1001", "name-first-name": "Jane",
        "name-last-name": "Doe", "email-address": "jane@example.com", "user-scope": "Basic User"
    });
    for field in [
        "user",
        "name-first-name",
        "name-last-name",
        "email-address",
        "user-scope",
    ] {
        let mut body = valid.clone();
        body.as_object_mut().unwrap().remove(field);
        let (status, answer) = raw(
            &emulator,
            reqwest::Method::POST,
            "/domains/~/users",
            emulator.token(),
            Some(body),
        )
        .await;
        assert_eq!(status, 400, "{field}");
        assert_eq!(answer["code"], 400);
        assert!(
            answer["message"].as_str().unwrap().contains(field),
            "{answer}"
        );
    }
    for (field, value) in [
        ("area-code", json!(99)),
        ("directory-name-number-dtmf-mapping", json!(1000)),
        ("ring-no-answer-timeout-seconds", json!(3601)),
        (
            "directory-override-order-duplicate-dtmf-mapping",
            json!(101),
        ),
        ("limits-max-data-storage-kilobytes", json!(-1)),
        ("voicemail-enabled", json!("maybe")),
        ("user-scope", json!("Galactic Overlord")),
        ("recording-configuration", json!("always")),
        ("synchronous", json!("sometimes")),
        ("user", json!("12345678901234567")),
        ("email-address", json!("not-an-email")),
    ] {
        let mut body = valid.clone();
        body[field] = value;
        let (status, answer) = raw(
            &emulator,
            reqwest::Method::POST,
            "/domains/~/users",
            emulator.token(),
            Some(body),
        )
        .await;
        assert_eq!(status, 400, "{field}: {answer}");
        assert_eq!(answer["code"], 400);
    }
    assert_eq!(emulator.user_count(), 0);
}

#[tokio::test]
async fn both_spellings_of_the_disputed_names_are_accepted() {
    let (emulator, client) = setup().await;
    let body = json!({
        "synchronous": "yes", "user": "1001", "name-first-name": "Jane",
        "name-last-name": "Doe", "email": "jane@example.com;j@example.org",
        "user-scope": "Office Manager", "directory-announce-in-dial-by-name-enabled": "no"
    });
    let (status, answer) = raw(
        &emulator,
        reqwest::Method::POST,
        "/domains/~/users",
        emulator.token(),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["email-address"], "jane@example.com;j@example.org");
    let user = client.get("1001", &options()).await.unwrap();
    assert_eq!(user.email, ["jane@example.com", "j@example.org"]);
    assert_eq!(
        user.settings.directory_announce_in_dial_by_name_enabled,
        Some(YesNo::No)
    );
}

#[tokio::test]
async fn a_wrong_token_is_401_unauthenticated() {
    let emulator = NetSapiensEmulator::start().await.unwrap();
    let client = builder(&emulator).with_token("nss_wrong").build().unwrap();
    let err = client.get("1001", &options()).await.unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    let (status, body) = raw(
        &emulator,
        reqwest::Method::GET,
        "/domains/~/users",
        "nss_wrong",
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], 401);
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn another_domain_is_403_and_the_own_domain_by_name_is_the_same_as_tilde() {
    let (emulator, client) = setup().await;
    created(
        client
            .create(&request("1001", true), &options())
            .await
            .unwrap(),
    );
    let named = client.for_domain(emulator.domain()).unwrap();
    assert_eq!(named.count(&options()).await.unwrap(), 1);
    let stranger = client.for_domain("stranger.example").unwrap();
    let err = stranger.count(&options()).await.unwrap_err();
    let Error::PermissionDenied(api) = &err else {
        panic!("expected 403, got {err:?}");
    };
    assert_eq!(api.message, "Domain not found or access denied");
}

// ---- Fault knobs ----

#[tokio::test]
async fn a_503_without_acting_stores_nothing() {
    let (emulator, client) = setup().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::status(503)).on("POST", USERS));
    let err = client
        .create(&request("1001", true), &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert_eq!(emulator.server().count("POST", USERS), 1, "never re-sent");
    assert_eq!(emulator.user_count(), 0);
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_succeeds() {
    let (emulator, client) = setup().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::rate_limited(1)).on("POST", USERS));
    let started = Instant::now();
    created(
        client
            .create(&request("1001", true), &options())
            .await
            .unwrap(),
    );
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(emulator.server().count("POST", USERS), 2);
    assert_eq!(emulator.user_count(), 1);
}

#[tokio::test]
async fn an_html_502_page_is_a_server_error() {
    let (emulator, client) = setup().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::html_bad_gateway()).on("POST", USERS));
    let err = client
        .create(&request("1001", true), &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert_eq!(emulator.user_count(), 0);
}

#[tokio::test]
async fn act_then_503_stores_one_user_and_reports_an_unknown_outcome() {
    let (emulator, client) = setup().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::ActThenRespond(503)).on("POST", USERS));
    let err = client
        .create(&request("1001", true), &options())
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(emulator.server().count("POST", USERS), 1);
    assert_eq!(emulator.user_count(), 1);
    assert!(client.get("1001", &options()).await.is_ok());
}

#[tokio::test]
async fn act_then_drop_stores_one_user_and_is_never_re_sent() {
    let (emulator, client) = setup().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::ActThenDrop).on("POST", USERS));
    let p: &dyn UserProvisioner = &client;
    let err = p
        .create_user_opts(&person(2), &options())
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(emulator.server().count("POST", USERS), 1);
    assert_eq!(emulator.user_count(), 1);
}

#[tokio::test]
async fn a_reset_before_any_response_stores_nothing() {
    let (emulator, client) = setup().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::ResetBeforeResponse).on("POST", USERS));
    let err = client
        .create(&request("1001", true), &options())
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(emulator.server().count("POST", USERS), 1);
    assert_eq!(emulator.user_count(), 0);
}

#[tokio::test]
async fn half_a_body_after_acting_is_an_unknown_outcome() {
    let (emulator, client) = setup().await;
    emulator
        .server()
        .inject(FaultRule::new(Fault::ActThenHalfBody).on("POST", USERS));
    let err = client
        .create(&request("1001", true), &options())
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(emulator.server().count("POST", USERS), 1);
    assert_eq!(emulator.user_count(), 1);
}

#[tokio::test]
async fn an_oversized_body_is_response_too_large() {
    let (emulator, client) = setup().await;
    emulator.server().inject(
        FaultRule::new(Fault::OversizedBody(10 * 1024 * 1024)).on("GET", "/ns-api/v2/domains"),
    );
    let err = client.get("1001", &options()).await.unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let (emulator, client) = setup().await;
    created(
        client
            .create(&request("1001", true), &options())
            .await
            .unwrap(),
    );
    emulator
        .server()
        .inject(FaultRule::new(Fault::ActThenTruncatedJson).on("GET", USERS));
    let err = client.get("1001", &options()).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn a_redirect_is_refused_and_the_target_receives_nothing() {
    let (emulator, client) = setup().await;
    let elsewhere = NetSapiensEmulator::start().await.unwrap();
    let target = format!("{}/domains/~/users", elsewhere.base_url());
    emulator
        .server()
        .inject(FaultRule::new(Fault::RedirectTo(target.clone())).on("POST", USERS));
    let err = client
        .create(&request("1001", true), &options())
        .await
        .unwrap_err();
    let Error::Redirect {
        status, location, ..
    } = &err
    else {
        panic!("expected a redirect error, got {err:?}");
    };
    assert_eq!(*status, 307);
    assert_eq!(location.as_deref(), Some(target.as_str()));
    assert!(elsewhere.server().requests().is_empty());
    assert_eq!(emulator.user_count() + elsewhere.user_count(), 0);
}

#[tokio::test]
async fn a_delay_past_the_timeout_is_a_timeout_and_the_create_still_lands() {
    let emulator = NetSapiensEmulator::start().await.unwrap();
    let client = emulator
        .builder()
        .with_client_options(fast_options().with_timeout(Duration::from_millis(200)))
        .build()
        .unwrap();
    emulator
        .server()
        .inject(FaultRule::new(Fault::Delay(Duration::from_millis(600))).on("POST", USERS));
    let err = client
        .create(&request("1001", true), &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_outcome_unknown());
    assert_eq!(emulator.server().count("POST", USERS), 1, "never re-sent");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        emulator.user_count(),
        1,
        "the server acted after the client gave up"
    );
}

/// Issue 11, item 2: the emulator's PUT is a full replacement, as the v2 export's schema
/// makes it (a partial body is 400, a missing writable field is cleared), and both the
/// native and the portable update keep every field the change does not name.
#[tokio::test]
async fn put_is_a_full_replacement_and_updates_keep_unnamed_fields() {
    // No visibility delay: each read sees the write before it.
    let emulator = NetSapiensEmulator::start()
        .await
        .unwrap()
        .with_visibility_delay(Duration::ZERO);
    let client = builder(&emulator).build().unwrap();
    let mut full = request("1020", true);
    full.settings.department = Some("Sales".into());
    full.settings.area_code = Some(212);
    created(client.create(&full, &options()).await.unwrap());
    let path = "/domains/~/users/1020";

    let (status, body) = raw(
        &emulator,
        reqwest::Method::PUT,
        path,
        emulator.token(),
        Some(json!({ "name-first-name": "Janet" })),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("name-last-name"),
        "{body}"
    );

    // The native update: read, apply, send everything.
    let mut change = UpdateUser::new();
    change.first_name = Some("Janet".into());
    client.update("1020", &change, &options()).await.unwrap();
    let read = client.get("1020", &options()).await.unwrap();
    assert_eq!(read.first_name.as_deref(), Some("Janet"));
    assert_eq!(read.last_name.as_deref(), Some("Doe1020"));
    assert_eq!(read.settings.department.as_deref(), Some("Sales"));
    assert_eq!(read.settings.area_code, Some(212));

    // The portable update too.
    let update = UserUpdate::new().with_attribute("netsapiens.site", "Branch");
    let outcome = client
        .update_user_opts(&UserId::new("1020"), &update, &options())
        .await
        .unwrap();
    assert!(matches!(outcome, UpdateOutcome::Accepted(_)), "{outcome:?}");
    let read = client.get("1020", &options()).await.unwrap();
    assert_eq!(read.settings.site.as_deref(), Some("Branch"));
    assert_eq!(read.first_name.as_deref(), Some("Janet"));
    assert_eq!(read.settings.department.as_deref(), Some("Sales"));
    assert_eq!(read.email, ["jdoe1020@example.com"]);

    // A raw replacement that leaves `department` out clears it: the emulator replaces.
    let (status, _) = raw(
        &emulator,
        reqwest::Method::PUT,
        path,
        emulator.token(),
        Some(json!({ "name-first-name": "J", "name-last-name": "D",
                     "email-address": "j@example.com", "user-scope": "Basic User" })),
    )
    .await;
    assert_eq!(status, 202);
    let read = client.get("1020", &options()).await.unwrap();
    assert_eq!(read.settings.department, None);
    assert_eq!(read.settings.area_code, None);
    assert_eq!(read.user, "1020");
}
