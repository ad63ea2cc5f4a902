//! The real ECE adapter driven through `EceEmulator`: the vendor's documented
//! behaviour end to end, and every fault knob.
#![cfg(all(feature = "testing", feature = "ece"))]

use std::time::Duration;

use serde_json::{json, Value};
use user_provisioner::providers::ece::{
    CreateUser, EceClient, EceError, EceErrorCode, EceRole, UpdateUser,
};
use user_provisioner::testing::{EceEmulator, Fault, FaultRule};
use user_provisioner::{
    ClientOptions, CreateLookup, CreateOutcome, DeleteOutcome, Error, ListUsers, NewUser, Patch,
    RequestOptions, RetryPolicy, UpdateOutcome, UserId, UserProvisioner, UserUpdate,
};

const USERS: &str = "/api/v1/users";

fn fast() -> ClientOptions {
    ClientOptions::new().with_retry_policy(
        RetryPolicy::new()
            .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
            .with_jitter_seed(7),
    )
}

async fn setup() -> (EceEmulator, EceClient) {
    let ece = EceEmulator::start().await.unwrap();
    let client = ece.builder().with_client_options(fast()).build().unwrap();
    (ece, client)
}

fn options() -> RequestOptions {
    RequestOptions::new()
}

fn person(name: &str) -> NewUser {
    NewUser::new(name)
        .with_email(format!("{name}@example.com"))
        .with_display_name("Jane Doe")
        .with_password("Str0ng-Passw0rd!")
        .with_role("ece_deployment_viewer")
}

/// A portable create that must succeed at once.
async fn create(client: &EceClient, user: NewUser) {
    let outcome = client.create_user_opts(&user, &options()).await.unwrap();
    assert!(matches!(outcome, CreateOutcome::Created(_)), "{outcome:?}");
}

fn detail(err: &Error) -> &EceError {
    EceError::of(err).unwrap_or_else(|| panic!("no ECE detail in {err:?}"))
}

/// A raw request with the emulator's API key, for what the adapter refuses to send.
async fn raw(ece: &EceEmulator, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let http = reqwest::Client::new();
    let mut request = http
        .request(
            method.parse().unwrap(),
            format!("{}{path}", ece.server().origin()),
        )
        .header("authorization", format!("ApiKey {}", ece.api_key()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let header = response
        .headers()
        .get("x-cloud-error-codes")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status >= 400 {
        // Every error repeats its code in the header.
        assert_eq!(
            header.as_deref(),
            body["errors"][0]["code"].as_str(),
            "{body}"
        );
    }
    (status, body)
}

// ---- success paths ------------------------------------------------------------------

#[tokio::test]
async fn create_get_update_list_delete_through_the_portable_api() {
    let (ece, client) = setup().await;
    let outcome = client
        .create_user_opts(&person("jdoe"), &options().with_raw_json(true))
        .await
        .unwrap();
    let CreateOutcome::Created(created) = outcome else {
        panic!("ECE creates synchronously: {outcome:?}");
    };
    assert_eq!(created.id.as_str(), "jdoe");
    assert_eq!(created.display_name.as_deref(), Some("Jane Doe"));
    assert_eq!(created.roles, vec!["ece_deployment_viewer"]);
    assert_eq!(created.enabled, Some(true));
    assert!(created.created_at.is_some() && created.updated_at.is_some());
    assert_eq!(created.raw["security"]["security_realm"]["type"], "native");
    assert!(created.raw["security"].get("password").is_none());
    assert_eq!(ece.user_count(), 1);

    let read = client.get_user_opts(&created.id, &options()).await.unwrap();
    assert_eq!(read.email.as_deref(), Some("jdoe@example.com"));

    tokio::time::sleep(Duration::from_millis(5)).await;
    let update = UserUpdate::new()
        .with_email("jane@example.com")
        .with_enabled(false);
    let UpdateOutcome::Updated(updated) = client
        .update_user_opts(&created.id, &update, &options())
        .await
        .unwrap()
    else {
        panic!("ECE answers the updated user");
    };
    assert_eq!(updated.email.as_deref(), Some("jane@example.com"));
    assert_eq!(updated.enabled, Some(false));
    assert_eq!(updated.display_name.as_deref(), Some("Jane Doe"));
    assert_eq!(updated.created_at, created.created_at);
    assert!(updated.updated_at > created.updated_at);

    // The portable list includes disabled users and the built-in ones.
    let page = client
        .list_users_opts(&ListUsers::new(), &options())
        .await
        .unwrap();
    let names: Vec<&str> = page.users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(names, vec!["admin", "jdoe", "readonly"]);

    let deleted = client
        .delete_user_opts(&created.id, &options())
        .await
        .unwrap();
    assert_eq!(deleted, DeleteOutcome::Deleted);
    assert_eq!(ece.user_count(), 0);
    let err = client
        .get_user_opts(&created.id, &options())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.provider_code(), Some("user.not_found"));
    let err = client
        .delete_user_opts(&created.id, &options())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn basic_auth_and_the_api_key_are_both_accepted() {
    let ece = EceEmulator::start().await.unwrap();
    let basic = ece.basic_auth_builder().build().unwrap();
    let created = basic
        .create(&CreateUser::new("viaBasic", vec![]), &options())
        .await
        .unwrap();
    assert_eq!(
        created.metadata.unwrap().created_by.as_deref(),
        Some("admin")
    );
    let key = ece.client().unwrap();
    assert_eq!(
        key.get("viaBasic", &options()).await.unwrap().user_name,
        "viaBasic"
    );
    let auth: Vec<String> = ece
        .server()
        .requests()
        .iter()
        .map(|r| {
            r.header("authorization")
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(auth, vec!["Basic", "ApiKey"]);
}

#[tokio::test]
async fn wrong_credentials_are_unauthenticated_with_the_ece_error_body() {
    let ece = EceEmulator::start().await.unwrap();
    let wrong_key = ece.builder().with_api_key("not-the-key").build().unwrap();
    let err = wrong_key.get("admin", &options()).await.unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    assert_eq!(err.status(), Some(401));
    assert_eq!(
        detail(&err).code(),
        Some(&EceErrorCode::Other("root.unauthenticated".into()))
    );
    let wrong_password = ece
        .basic_auth_builder()
        .with_basic_auth("admin", "wrong")
        .build()
        .unwrap();
    let err = wrong_password
        .create_user_opts(&person("nope"), &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    // No credentials at all.
    let response = reqwest::get(format!("{}/users", ece.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(
        response.headers()["x-cloud-error-codes"],
        "root.unauthenticated"
    );
    assert_eq!(ece.user_count(), 0);
}

// ---- uniqueness and validation --------------------------------------------------------

#[tokio::test]
async fn a_user_name_in_use_is_a_conflict_including_built_in_users() {
    let (ece, client) = setup().await;
    create(&client, person("jdoe")).await;
    for name in ["jdoe", "admin", "readonly"] {
        let err = client
            .create_user_opts(&person(name), &options())
            .await
            .unwrap_err();
        assert!(err.is_conflict(), "{name}: {err:?}");
        let ece_err = detail(&err);
        assert!(ece_err.has(&EceErrorCode::UserNameConflict));
        assert_eq!(ece_err.header_codes, vec![EceErrorCode::UserNameConflict]);
        assert_eq!(ece_err.errors[0].fields, vec!["user_name"]);
    }
    assert_eq!(ece.user_count(), 1);
}

#[tokio::test]
async fn the_server_checks_user_names_roles_and_restricted_fields() {
    let (ece, client) = setup().await;
    // An unknown role passes the adapter's checks and is refused by the server.
    let err = client
        .create_user_opts(&person("custom").with_role("custom_role"), &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.provider_code(), Some("user.roles.invalid"));

    let cases = [
        (
            json!({"user_name": "a b", "security": {"roles": []}}),
            "user.user_name.invalid",
        ),
        (
            json!({"user_name": "", "security": {"roles": []}}),
            "user.user_name.invalid",
        ),
        (
            json!({"user_name": "x", "security": {"roles": ["ece_platform_admin", "ece_platform_viewer"]}}),
            "user.roles.forbidden",
        ),
        (
            json!({"user_name": "x", "security": {"roles": ["ece_deployment_manager", "ece_deployment_viewer"]}}),
            "user.roles.forbidden",
        ),
        (
            json!({"user_name": "x", "security": {"roles": [], "permissions": ["delete-user"]}}),
            "user.restricted_field",
        ),
        (
            json!({"user_name": "x", "builtin": true, "security": {}}),
            "user.restricted_field",
        ),
        (
            json!({"user_name": "x", "metadata": {"created_by": "me"}, "security": {}}),
            "user.restricted_field",
        ),
        (json!({"user_name": "x"}), "root.invalid_json_request"),
        (
            json!({"user_name": "x", "security": {"enabled": "yes"}}),
            "root.invalid_json_request",
        ),
    ];
    for (body, code) in cases {
        let (status, answer) = raw(&ece, "POST", USERS, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["errors"][0]["code"], code, "{body}: {answer}");
    }
    assert_eq!(ece.user_count(), 0);
}

#[tokio::test]
async fn a_user_never_carries_its_password() {
    let (ece, client) = setup().await;
    let body = json!({"user_name": "pw", "security": {"roles": [], "password": "S3cret-pw!"}});
    let (status, created) = raw(&ece, "POST", USERS, Some(body)).await;
    assert_eq!(status, 200);
    let (_, read) = raw(&ece, "GET", &format!("{USERS}/pw"), None).await;
    let (_, list) = raw(&ece, "GET", USERS, None).await;
    for answer in [created, read, list] {
        assert!(!answer.to_string().contains("S3cret-pw!"), "{answer}");
    }
    let user = client.get("pw", &options()).await.unwrap();
    assert!(user.security.password.is_none());
}

// ---- special semantics ----------------------------------------------------------------

#[tokio::test]
async fn patch_is_a_json_merge_patch() {
    let (ece, client) = setup().await;
    let mut request = CreateUser::new("jdoe", vec![EceRole::DeploymentViewer]);
    request.full_name = Some("Jane Doe".into());
    request.email = Some("jdoe@example.com".into());
    client.create(&request, &options()).await.unwrap();

    // Only `security.enabled` is sent: roles (in the same nested object), name and email stay.
    let mut change = UpdateUser::new();
    change.security.enabled = Patch::Set(false);
    let user = client.update("jdoe", &change, &options()).await.unwrap();
    assert_eq!(user.security.enabled, Some(false));
    assert_eq!(user.security.roles, vec![EceRole::DeploymentViewer]);
    assert_eq!(user.full_name.as_deref(), Some("Jane Doe"));
    assert_eq!(user.email.as_deref(), Some("jdoe@example.com"));

    // `null` removes a field without a default and reverts the others to their default.
    let mut change = UpdateUser::new();
    change.email = Patch::Clear;
    change.security.roles = Patch::Clear;
    change.security.enabled = Patch::Clear;
    let user = client.update("jdoe", &change, &options()).await.unwrap();
    assert_eq!(user.email, None);
    assert!(user.security.roles.is_empty());
    assert_eq!(user.security.enabled, Some(true));
    assert_eq!(user.full_name.as_deref(), Some("Jane Doe"));
    assert_eq!(client.get("jdoe", &options()).await.unwrap(), user);

    // The role rules hold after the merge; unknown fields are ignored.
    let (status, answer) = raw(
        &ece,
        "PATCH",
        &format!("{USERS}/jdoe"),
        Some(json!({"security": {"roles": ["ece_platform_admin", "ece_deployment_viewer"]}})),
    )
    .await;
    assert_eq!(
        (status, answer["errors"][0]["code"].as_str()),
        (400, Some("user.roles.forbidden"))
    );
    let (status, answer) = raw(
        &ece,
        "PATCH",
        &format!("{USERS}/jdoe"),
        Some(json!({"future": 1})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.get("future").is_none());
}

#[tokio::test]
async fn patch_refuses_restricted_fields_built_in_and_unknown_users() {
    let (ece, client) = setup().await;
    client
        .create(&CreateUser::new("jdoe", vec![]), &options())
        .await
        .unwrap();
    for patch in [
        json!({"security": {"permissions": ["delete-user"]}}),
        json!({"builtin": true}),
        json!({"metadata": {"created_by": "me"}}),
        json!({"user_name": "renamed"}),
    ] {
        let (status, answer) =
            raw(&ece, "PATCH", &format!("{USERS}/jdoe"), Some(patch.clone())).await;
        assert_eq!(status, 400, "{patch}");
        assert_eq!(
            answer["errors"][0]["code"], "user.restricted_field",
            "{patch}"
        );
    }
    let mut change = UpdateUser::new();
    change.full_name = Patch::Set("Boss".into());
    let err = client
        .update("admin", &change, &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert!(detail(&err).has(&EceErrorCode::CannotModify));
    let err = client.delete("readonly", &options()).await.unwrap_err();
    assert!(detail(&err).has(&EceErrorCode::CannotModify), "{err:?}");
    let err = client
        .update("ghost", &change, &options())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn disabled_users_are_listed_only_on_request() {
    let (ece, client) = setup().await;
    create(&client, person("on")).await;
    create(&client, person("off").with_enabled(false)).await;
    let names = |users: Vec<user_provisioner::providers::ece::EceUser>| -> Vec<String> {
        users.into_iter().map(|u| u.user_name).collect()
    };
    assert_eq!(
        names(client.list(false, &options()).await.unwrap()),
        vec!["admin", "on", "readonly"]
    );
    assert_eq!(
        names(client.list(true, &options()).await.unwrap()),
        vec!["admin", "off", "on", "readonly"]
    );
    // The server's default leaves them out.
    let (_, list) = raw(&ece, "GET", USERS, None).await;
    assert_eq!(list["users"].as_array().unwrap().len(), 3);
    let (_, list) = raw(&ece, "GET", &format!("{USERS}?include_disabled=true"), None).await;
    assert_eq!(list["users"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn elevated_permissions_required_is_a_permission_error() {
    let (ece, client) = setup().await;
    ece.server().inject(
        FaultRule::new(EceEmulator::elevated_permissions_required())
            .on("POST", USERS)
            .times(2),
    );
    for _ in 0..2 {
        let err = client
            .create_user_opts(&person("jdoe"), &options())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::PermissionDenied(_)), "{err:?}");
        assert_eq!(err.status(), Some(449));
        assert!(detail(&err).is_elevated_permissions_required());
        assert_eq!(
            detail(&err).header_codes,
            vec![EceErrorCode::ElevatedPermissionsRequired]
        );
    }
    assert_eq!(ece.server().count("POST", USERS), 2);
    assert_eq!(ece.user_count(), 0);
    create(&client, person("jdoe")).await;
    assert_eq!(ece.user_count(), 1);
}

// ---- faults -----------------------------------------------------------------------------

#[tokio::test]
async fn a_503_on_create_is_not_resent_and_nothing_is_stored() {
    let (ece, client) = setup().await;
    ece.server()
        .inject(FaultRule::new(Fault::status(503)).on("POST", USERS));
    let err = client
        .create_user_opts(&person("jdoe"), &options())
        .await
        .unwrap_err();
    // Not re-sent; the user name is looked up instead, and is not there.
    assert!(
        matches!(&err, Error::OutcomeUnknown { cause, lookup: CreateLookup::NotFound, .. }
            if matches!(**cause, Error::Server(_))),
        "{err:?}"
    );
    assert!(err.is_outcome_unknown());
    assert_eq!(ece.server().count("POST", USERS), 1);
    assert_eq!(ece.user_count(), 0);
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_then_succeeds() {
    let (ece, client) = setup().await;
    ece.server()
        .inject(FaultRule::new(Fault::rate_limited(1)).on("POST", USERS));
    let started = std::time::Instant::now();
    create(&client, person("jdoe")).await;
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(ece.server().count("POST", USERS), 2);
    assert_eq!(ece.user_count(), 1);
}

#[tokio::test]
async fn act_then_503_on_create_stores_one_user_and_reports_an_unknown_outcome() {
    let (ece, client) = setup().await;
    ece.server()
        .inject(FaultRule::new(Fault::ActThenRespond(503)).on("POST", USERS));
    let err = client
        .create_user_opts(&person("jdoe"), &options())
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(ece.server().count("POST", USERS), 1);
    assert_eq!(ece.user_count(), 1);
    // The caller's own retry learns that the first attempt happened.
    let again = client
        .create_user_opts(&person("jdoe"), &options())
        .await
        .unwrap_err();
    assert!(again.is_conflict(), "{again:?}");
    assert_eq!(ece.user_count(), 1);
}

#[tokio::test]
async fn act_then_drop_on_create_stores_one_user_and_reports_an_unknown_outcome() {
    let (ece, client) = setup().await;
    ece.server()
        .inject(FaultRule::new(Fault::ActThenDrop).on("POST", USERS));
    let err = client
        .create_user_opts(&person("jdoe"), &options())
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(ece.server().count("POST", USERS), 1);
    assert_eq!(ece.user_count(), 1);
}

#[tokio::test]
async fn a_reset_before_the_response_stores_nothing_and_a_read_is_retried() {
    let (ece, client) = setup().await;
    ece.server()
        .inject(FaultRule::new(Fault::ResetBeforeResponse).on("POST", USERS));
    let err = client
        .create_user_opts(&person("jdoe"), &options())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::OutcomeUnknown { cause, lookup: CreateLookup::NotFound, .. }
            if matches!(**cause, Error::Transport { .. })),
        "{err:?}"
    );
    assert_eq!(ece.server().count("POST", USERS), 1);
    assert_eq!(ece.server().count("GET", USERS), 1, "the lookup");
    assert_eq!(ece.user_count(), 0);

    ece.server().clear_requests();
    ece.server()
        .inject(FaultRule::new(Fault::ResetBeforeResponse).on("GET", USERS));
    let user = client.get("admin", &options()).await.unwrap();
    assert_eq!(user.builtin, Some(true));
    assert_eq!(ece.server().count("GET", USERS), 2);
}

#[tokio::test]
async fn half_a_body_on_create_is_an_unknown_outcome_with_one_user() {
    let (ece, client) = setup().await;
    ece.server()
        .inject(FaultRule::new(Fault::ActThenHalfBody).on("POST", USERS));
    let err = client
        .create_user_opts(&person("jdoe"), &options())
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(ece.server().count("POST", USERS), 1);
    assert_eq!(ece.user_count(), 1);
}

#[tokio::test]
async fn an_oversized_body_is_response_too_large() {
    let (ece, client) = setup().await;
    ece.server()
        .inject(FaultRule::new(Fault::OversizedBody(10 * 1024 * 1024)).on("GET", USERS));
    let err = client.get("admin", &options()).await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { status: 200, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_truncated_create_answer_is_settled_by_reading_the_user_back() {
    let (ece, client) = setup().await;
    ece.server()
        .inject(FaultRule::new(Fault::ActThenTruncatedJson).on("POST", USERS));
    // The 200 said "created" but its body is cut: the portable create reads it back.
    let outcome = client
        .create_user_opts(&person("jdoe"), &options())
        .await
        .unwrap();
    assert_eq!(outcome.id().map(UserId::as_str), Some("jdoe"));
    assert_eq!(ece.server().count("POST", USERS), 1);
    assert_eq!(ece.user_count(), 1);

    // The native create reads the user back too.
    ece.server()
        .inject(FaultRule::new(Fault::ActThenTruncatedJson).on("POST", USERS));
    let created = client
        .create(&CreateUser::new("jdoe2", vec![]), &options())
        .await
        .unwrap();
    assert_eq!(created.user_name, "jdoe2");
    assert_eq!(ece.user_count(), 2);

    // Without the read-back (recovery off) the error says the user was created, by name.
    let blind = ece
        .builder()
        .with_client_options(ClientOptions::new().with_create_recovery(false))
        .build()
        .unwrap();
    ece.server()
        .inject(FaultRule::new(Fault::ActThenOversizedBody(10 * 1024 * 1024)).on("POST", USERS));
    let err = blind
        .create(&CreateUser::new("jdoe3", vec![]), &options())
        .await
        .unwrap_err();
    let Error::CreatedUnreadable { id, cause, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(id.as_ref().map(UserId::as_str), Some("jdoe3"));
    assert!(
        matches!(**cause, Error::ResponseTooLarge { status: 200, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("created the user jdoe3"), "{err}");
    assert!(err.is_outcome_unknown());
    assert_eq!(err.resend(), Some(user_provisioner::Resend::LookUpFirst));
    assert_eq!(ece.user_count(), 3);
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let (ece, client) = setup().await;
    let elsewhere = EceEmulator::start().await.unwrap();
    let target = format!("{}/users", elsewhere.base_url());
    ece.server()
        .inject(FaultRule::new(Fault::RedirectTo(target.clone())).on("POST", USERS));
    let err = client
        .create_user_opts(&person("jdoe"), &options())
        .await
        .unwrap_err();
    match &err {
        Error::Redirect {
            status, location, ..
        } => {
            assert_eq!(*status, 307);
            assert_eq!(location.as_deref(), Some(target.as_str()));
        }
        other => panic!("{other:?}"),
    }
    assert!(elsewhere.server().requests().is_empty());
    assert_eq!((ece.user_count(), elsewhere.user_count()), (0, 0));
}

#[tokio::test]
async fn a_slow_create_times_out_and_may_still_happen() {
    let ece = EceEmulator::start().await.unwrap();
    let client = ece
        .builder()
        .with_client_options(fast().with_timeout(Duration::from_millis(200)))
        .build()
        .unwrap();
    ece.server()
        .inject(FaultRule::new(Fault::Delay(Duration::from_millis(600))).on("POST", USERS));
    let err = client
        .create_user_opts(&person("jdoe"), &options())
        .await
        .unwrap_err();
    // The lookup ran while the server was still working on the create: "not found"
    // then is not final, which is why the error still says the outcome is unknown.
    assert!(
        matches!(&err, Error::OutcomeUnknown { cause, lookup: CreateLookup::NotFound, .. }
            if matches!(**cause, Error::Timeout { .. })),
        "{err:?}"
    );
    assert!(err.is_outcome_unknown());
    assert_eq!(ece.server().count("POST", USERS), 1);
    // The server carries on after the client gave up.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(ece.user_count(), 1);
}

#[tokio::test]
async fn a_merge_patch_is_retried_through_a_503() {
    let (ece, client) = setup().await;
    create(&client, person("jdoe")).await;
    let update = UserUpdate::new().with_email("new@example.com");
    let id = UserId::new("jdoe");

    // Refused without acting, then applied.
    ece.server()
        .inject(FaultRule::new(Fault::status(503)).on("PATCH", USERS));
    let outcome = client
        .update_user_opts(&id, &update, &options())
        .await
        .unwrap();
    assert!(
        matches!(outcome, UpdateOutcome::Updated(ref u) if u.email.as_deref() == Some("new@example.com"))
    );
    assert_eq!(ece.server().count("PATCH", USERS), 2);

    // Applied, answered 503, applied again: the same state, since a merge patch is
    // idempotent.
    let update = UserUpdate::new().with_display_name("Jane Q. Doe");
    ece.server()
        .inject(FaultRule::new(Fault::ActThenRespond(503)).on("PATCH", USERS));
    let outcome = client
        .update_user_opts(&id, &update, &options())
        .await
        .unwrap();
    assert!(matches!(outcome, UpdateOutcome::Updated(_)), "{outcome:?}");
    assert_eq!(ece.server().count("PATCH", USERS), 4);
    let read = client.get_user_opts(&id, &options()).await.unwrap();
    assert_eq!(read.display_name.as_deref(), Some("Jane Q. Doe"));
    assert_eq!(read.email.as_deref(), Some("new@example.com"));
    assert_eq!(read.roles, vec!["ece_deployment_viewer"]);
    assert_eq!(ece.user_count(), 1);
}
