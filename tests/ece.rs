//! The Elastic Cloud Enterprise adapter against a wiremock server that answers as the
//! vendor's API reference documents.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use user_provisioner::providers::ece::{
    self, CreateUser, EceBuilder, EceClient, EceError, EceErrorCode, EceRole, RealmType, UpdateUser,
};
use user_provisioner::{
    ClientOptions, CreateOutcome, DeleteOutcome, Error, Field, IdempotencyKey, ListUsers, NewUser,
    PageCursor, PasswordChange, Patch, RequestOptions, RetryPolicy, UpdateOutcome, UserId,
    UserProvisioner, UserUpdate,
};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "ece-api-key-7c1e93aa";
const ADMIN: &str = "ops-admin";
const ADMIN_PASSWORD: &str = "ece-basic-pw-41d0";
const PASSWORD: &str = "Str0ng-Passw0rd!";

fn fast_options() -> ClientOptions {
    ClientOptions::new().with_retry_policy(
        RetryPolicy::new()
            .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
            .with_jitter_seed(1),
    )
}

fn base(server: &MockServer) -> String {
    format!("{}/api/v1", server.uri())
}

async fn setup() -> (MockServer, EceClient) {
    let server = MockServer::start().await;
    let client = EceBuilder::new()
        .with_base_url(base(&server))
        .with_api_key(KEY)
        .with_client_options(fast_options())
        .build()
        .unwrap();
    (server, client)
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

fn options() -> RequestOptions {
    RequestOptions::new()
}

fn user_json(name: &str) -> serde_json::Value {
    json!({
        "user_name": name,
        "full_name": "Jane Doe",
        "email": "jdoe@example.com",
        "builtin": false,
        "security": {
            "roles": ["ece_deployment_viewer"],
            "permissions": ["get-users", "get-deployments"],
            "enabled": true,
            "security_realm": { "type": "native", "id": "native" }
        },
        "metadata": {
            "created_by": "admin",
            "created_at": "2025-05-04T09:42:00Z",
            "updated_by": "admin",
            "updated_at": "2025-05-05T10:00:00Z"
        }
    })
}

fn person() -> NewUser {
    NewUser::new("jdoe")
        .with_email("jdoe@example.com")
        .with_display_name("Jane Doe")
        .with_password(PASSWORD)
        .with_role("ece_deployment_viewer")
        .with_enabled(true)
}

fn ece_detail(err: &Error) -> &EceError {
    EceError::of(err).unwrap_or_else(|| panic!("no ECE detail in {err:?}"))
}

// ---- create and auth ----------------------------------------------------------------

#[tokio::test]
async fn create_sends_the_documented_body_with_api_key_auth() {
    let (server, client) = setup().await;
    let mut answer = user_json("jdoe");
    // A server that echoes the password must not hand it on.
    answer["security"]["password"] = json!(PASSWORD);
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .and(header("authorization", format!("ApiKey {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(json!({
            "user_name": "jdoe",
            "full_name": "Jane Doe",
            "email": "jdoe@example.com",
            "security": {
                "roles": ["ece_deployment_viewer"],
                "password": PASSWORD,
                "enabled": true
            }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(&server)
        .await;

    // The display name is ECE's one full_name, also where the names differ from it.
    let outcome = client
        .create_user_opts(
            &person().with_names("Janet", "Doe"),
            &options().with_raw_json(true),
        )
        .await
        .unwrap();
    let CreateOutcome::Created(user) = outcome else {
        panic!("ECE creates synchronously: {outcome:?}");
    };
    assert_eq!(user.id.as_str(), "jdoe");
    assert_eq!(user.username.as_deref(), Some("jdoe"));
    assert_eq!(user.display_name.as_deref(), Some("Jane Doe"));
    assert_eq!(user.email.as_deref(), Some("jdoe@example.com"));
    assert_eq!(user.roles, vec!["ece_deployment_viewer".to_owned()]);
    assert_eq!(user.enabled, Some(true));
    assert_eq!(
        user.created_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2025-05-04T09:42:00+00:00")
    );
    assert!(user.updated_at.is_some());
    assert_eq!(user.raw["security"]["permissions"][0], "get-users");
    assert!(
        user.raw["security"].get("password").is_none(),
        "{}",
        user.raw
    );
}

#[tokio::test]
async fn basic_auth_sends_the_encoded_user_and_password() {
    let server = MockServer::start().await;
    let client = EceBuilder::new()
        .with_base_url(base(&server))
        .with_basic_auth(ADMIN, ADMIN_PASSWORD)
        .with_client_options(fast_options())
        .build()
        .unwrap();
    // base64("ops-admin:ece-basic-pw-41d0")
    Mock::given(method("GET"))
        .and(path("/api/v1/users/jdoe"))
        .and(header(
            "authorization",
            "Basic b3BzLWFkbWluOmVjZS1iYXNpYy1wdy00MWQw",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("jdoe")))
        .expect(1)
        .mount(&server)
        .await;
    let user = client.get("jdoe", &options()).await.unwrap();
    assert_eq!(user.user_name, "jdoe");
    assert_eq!(
        user.security
            .security_realm
            .as_ref()
            .map(|r| r.realm_type.clone()),
        Some(RealmType::Native)
    );
}

#[tokio::test]
async fn the_last_credential_set_wins() {
    let server = MockServer::start().await;
    let client = EceBuilder::new()
        .with_base_url(base(&server))
        .with_basic_auth(ADMIN, ADMIN_PASSWORD)
        .with_api_key(KEY)
        .build()
        .unwrap();
    Mock::given(method("GET"))
        .and(path("/api/v1/users/jdoe"))
        .and(header("authorization", format!("ApiKey {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("jdoe")))
        .expect(1)
        .mount(&server)
        .await;
    client.get("jdoe", &options()).await.unwrap();
}

#[tokio::test]
async fn native_create_sends_only_writable_fields_and_is_never_re_sent() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .and(body_json(json!({
            "user_name": "svc.bot",
            "security": { "roles": ["ece_platform_admin"] }
        })))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream unavailable"))
        .mount(&server)
        .await;
    let request = CreateUser::new("svc.bot", vec![EceRole::PlatformAdmin]);
    let err = client.create(&request, &options()).await.unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(requests(&server).await.len(), 1, "a create is sent once");
}

#[tokio::test]
async fn a_create_with_an_idempotency_key_is_refused_before_sending() {
    let (server, client) = setup().await;
    let options = RequestOptions::new().with_idempotency_key(IdempotencyKey::new("k-1").unwrap());
    let err = client
        .create_user_opts(&person(), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unsupported { ref field, .. } if field == "idempotency_key"),
        "{err:?}"
    );
    assert!(!client.capabilities().idempotent_create);
    assert!(requests(&server).await.is_empty());
}

// ---- error codes --------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Op {
    Create,
    Get,
    Update,
    Delete,
}

async fn run(client: &EceClient, op: Op) -> Error {
    let o = options();
    match op {
        Op::Create => client
            .create(&CreateUser::new("jdoe", vec![EceRole::PlatformViewer]), &o)
            .await
            .map(drop),
        Op::Get => client.get("jdoe", &o).await.map(drop),
        Op::Update => {
            let mut change = UpdateUser::new();
            change.full_name = Patch::Set("J".into());
            client.update("jdoe", &change, &o).await.map(drop)
        }
        Op::Delete => client.delete("jdoe", &o).await,
    }
    .expect_err("the server answered an error")
}

fn mock_for(op: Op) -> wiremock::MockBuilder {
    match op {
        Op::Create => Mock::given(method("POST")).and(path("/api/v1/users")),
        Op::Get => Mock::given(method("GET")).and(path("/api/v1/users/jdoe")),
        Op::Update => Mock::given(method("PATCH")).and(path("/api/v1/users/jdoe")),
        Op::Delete => Mock::given(method("DELETE")).and(path("/api/v1/users/jdoe")),
    }
}

/// Every documented code, with the status and an operation that documents it, and the
/// crate error it must become.
type Expect = fn(&Error) -> bool;

fn documented_cases() -> Vec<(EceErrorCode, u16, Op, Expect)> {
    use EceErrorCode::*;
    vec![
        (UserNameInvalid, 400, Op::Create, |e| {
            matches!(e, Error::Api(_))
        }),
        (RolesInvalid, 400, Op::Create, |e| {
            matches!(e, Error::Api(_))
        }),
        (RolesForbidden, 400, Op::Update, |e| {
            matches!(e, Error::Api(_))
        }),
        (RestrictedField, 400, Op::Create, |e| {
            matches!(e, Error::Api(_))
        }),
        (UserNameConflict, 409, Op::Create, |e| e.is_conflict()),
        (NotFound, 404, Op::Get, |e| e.is_not_found()),
        (CannotModify, 400, Op::Update, |e| {
            matches!(e, Error::Api(_))
        }),
        (CannotModifyExternal, 400, Op::Delete, |e| {
            matches!(e, Error::Api(_))
        }),
        (RestrictedDeletion, 400, Op::Delete, |e| {
            matches!(e, Error::Api(_))
        }),
        (ElevatedPermissionsRequired, 449, Op::Create, |e| {
            matches!(e, Error::PermissionDenied(_))
        }),
    ]
}

#[tokio::test]
async fn the_cases_cover_every_documented_code() {
    let covered: Vec<EceErrorCode> = documented_cases().into_iter().map(|c| c.0).collect();
    assert_eq!(covered, EceErrorCode::DOCUMENTED.to_vec());
    for code in EceErrorCode::DOCUMENTED {
        assert_eq!(EceErrorCode::from(code.as_str()), code);
    }
}

#[tokio::test]
async fn each_documented_code_is_typed_from_the_body() {
    for (code, status, op, expected) in documented_cases() {
        let (server, client) = setup().await;
        mock_for(op)
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "errors": [{ "code": code.as_str(), "message": format!("about {code}"),
                             "fields": ["user_name"] }]
            })))
            .mount(&server)
            .await;
        let err = run(&client, op).await;
        assert!(expected(&err), "{code}: {err:?}");
        assert_eq!(err.status(), Some(status), "{code}");
        assert_eq!(err.provider_code(), Some(code.as_str()), "{code}");
        assert_eq!(err.api_error().unwrap().message, format!("about {code}"));
        let detail = ece_detail(&err);
        assert_eq!(detail.errors.len(), 1);
        assert_eq!(detail.errors[0].code, code);
        assert_eq!(detail.errors[0].fields, vec!["user_name".to_owned()]);
        assert!(detail.header_codes.is_empty());
        assert_eq!(detail.code(), Some(&code));
        assert_eq!(
            detail.is_elevated_permissions_required(),
            code == EceErrorCode::ElevatedPermissionsRequired
        );
        assert_eq!(requests(&server).await.len(), 1, "{code}: not retried");
    }
}

#[tokio::test]
async fn each_documented_code_is_typed_from_the_header_alone() {
    for (code, status, op, expected) in documented_cases() {
        for body in ["", "<html><body>Bad Request</body></html>"] {
            let (server, client) = setup().await;
            mock_for(op)
                .respond_with(
                    ResponseTemplate::new(status)
                        .insert_header("x-cloud-error-codes", code.as_str())
                        .set_body_string(body),
                )
                .mount(&server)
                .await;
            let err = run(&client, op).await;
            assert!(expected(&err), "{code} {body:?}: {err:?}");
            assert_eq!(err.provider_code(), Some(code.as_str()), "{code}");
            let detail = ece_detail(&err);
            assert!(detail.errors.is_empty());
            assert_eq!(detail.header_codes, vec![code.clone()]);
            assert_eq!(detail.codes(), vec![&code]);
            assert!(detail.has(&code));
        }
    }
}

#[tokio::test]
async fn several_errors_in_one_body_are_all_kept() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header(
                    "x-cloud-error-codes",
                    "user.roles.invalid, user.restricted_field",
                )
                .insert_header("x-cloud-request-id", "req-ece-1")
                .set_body_json(json!({ "errors": [
                    { "code": "user.roles.invalid", "message": "Some roles are invalid",
                      "fields": ["security.roles"] },
                    { "code": "user.restricted_field", "message": "Restricted field",
                      "fields": ["metadata", "builtin"], "extra": 1 },
                    { "code": "user.brand_new_code", "message": "Something new" },
                    { "message": "an entry without a code is left out" }
                ]})),
        )
        .mount(&server)
        .await;
    let err = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.request_id(), Some("req-ece-1"));
    assert_eq!(err.provider_code(), Some("user.roles.invalid"));
    let detail = ece_detail(&err);
    let codes: Vec<&EceErrorCode> = detail.codes();
    assert_eq!(
        codes,
        vec![
            &EceErrorCode::RolesInvalid,
            &EceErrorCode::RestrictedField,
            &EceErrorCode::Other("user.brand_new_code".into())
        ]
    );
    assert_eq!(detail.errors[1].fields, vec!["metadata", "builtin"]);
    assert_eq!(detail.errors[1].other["extra"], 1);
    assert_eq!(
        detail.header_codes,
        vec![EceErrorCode::RolesInvalid, EceErrorCode::RestrictedField]
    );
    assert!(detail.has(&EceErrorCode::RestrictedField));
    assert!(!detail.has(&EceErrorCode::NotFound));
    assert_eq!(
        err.to_string(),
        "Elastic Cloud Enterprise answered HTTP 400 [user.roles.invalid]: Some roles are \
         invalid; Restricted field; Something new (request id req-ece-1)"
    );
    let typed = err.api_error().unwrap().detail.downcast_ref::<EceError>();
    assert_eq!(typed, Some(detail));
}

#[tokio::test]
async fn conflict_display_names_the_code() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .respond_with(
            ResponseTemplate::new(409)
                .insert_header("x-cloud-error-codes", "user.user_name.conflict")
                .set_body_json(json!({ "errors": [
                    { "code": "user.user_name.conflict", "message": "The username is already in use." }
                ]})),
        )
        .mount(&server)
        .await;
    let err = client
        .create_user_opts(&person(), &options())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "conflict: Elastic Cloud Enterprise answered HTTP 409 [user.user_name.conflict]: \
         The username is already in use."
    );
}

#[tokio::test]
async fn elevated_permissions_on_update_and_delete_are_permission_denied_and_not_retried() {
    for op in [Op::Update, Op::Delete, Op::Get] {
        let (server, client) = setup().await;
        mock_for(op)
            .respond_with(
                ResponseTemplate::new(449)
                    .insert_header(
                        "x-cloud-error-codes",
                        "root.unauthorized.rbac.elevated_permissions_required",
                    )
                    .set_body_json(json!({ "errors": [{
                        "code": "root.unauthorized.rbac.elevated_permissions_required",
                        "message": "Elevated permissions are required."
                    }]})),
            )
            .mount(&server)
            .await;
        let err = run(&client, op).await;
        assert!(matches!(err, Error::PermissionDenied(_)), "{op:?}: {err:?}");
        assert_eq!(err.status(), Some(449));
        assert!(ece_detail(&err).is_elevated_permissions_required());
        assert!(!err.is_retryable());
        assert_eq!(requests(&server).await.len(), 1, "{op:?}");
    }
}

#[tokio::test]
async fn other_statuses_keep_their_crate_kinds() {
    let cases: Vec<(u16, Expect)> = vec![
        (401, |e| matches!(e, Error::Unauthenticated(_))),
        (403, |e| matches!(e, Error::PermissionDenied(_))),
        (500, |e| matches!(e, Error::Server(_))),
    ];
    for (status, expected) in cases {
        let (server, client) = setup().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/users/jdoe"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("x-cloud-error-codes", "root.unauthorized")
                    .set_body_json(json!({ "errors": [
                        { "code": "root.unauthorized", "message": "nope" }
                    ]})),
            )
            .mount(&server)
            .await;
        let err = client.get("jdoe", &options()).await.unwrap_err();
        assert!(expected(&err), "{status}: {err:?}");
        assert_eq!(
            ece_detail(&err).code(),
            Some(&EceErrorCode::Other("root.unauthorized".into()))
        );
    }
}

// ---- update (JSON Merge Patch) ------------------------------------------------------

#[tokio::test]
async fn merge_patch_distinguishes_set_clear_and_unchanged() {
    let (server, client) = setup().await;
    Mock::given(method("PATCH"))
        .and(path("/api/v1/users/jdoe"))
        .and(header("authorization", format!("ApiKey {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "full_name": "Jane Q. Doe",
            "email": null,
            "security": { "roles": ["ece_platform_viewer", "ece_deployment_manager"],
                          "enabled": null }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("jdoe")))
        .expect(1)
        .mount(&server)
        .await;
    let mut change = UpdateUser::new();
    change.full_name = Patch::Set("Jane Q. Doe".into());
    change.email = Patch::Clear;
    change.security.roles = Patch::Set(vec![EceRole::PlatformViewer, EceRole::DeploymentManager]);
    change.security.enabled = Patch::Clear;
    // security.password stays unchanged: not sent.
    let user = client.update("jdoe", &change, &options()).await.unwrap();
    assert_eq!(user.user_name, "jdoe");
}

#[tokio::test]
async fn an_empty_native_patch_is_sent_as_an_empty_object() {
    let (server, client) = setup().await;
    Mock::given(method("PATCH"))
        .and(path("/api/v1/users/jdoe"))
        .and(body_json(json!({})))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("jdoe")))
        .expect(1)
        .mount(&server)
        .await;
    client
        .update("jdoe", &UpdateUser::new(), &options())
        .await
        .unwrap();
}

#[tokio::test]
async fn portable_update_maps_to_a_merge_patch_and_returns_the_user() {
    let (server, client) = setup().await;
    Mock::given(method("PATCH"))
        .and(path("/api/v1/users/jdoe"))
        .and(body_json(json!({
            "full_name": "Jane Doe",
            "email": "new@example.com",
            "security": { "roles": ["ece_platform_admin"], "password": "N3w-Passw0rd!",
                          "enabled": false }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("jdoe")))
        .expect(1)
        .mount(&server)
        .await;
    let update = UserUpdate::new()
        .with_names("Jane", "Doe")
        .with_email("new@example.com")
        .with_password(PasswordChange::new("N3w-Passw0rd!").with_current("old-one"))
        .with_enabled(false)
        .with_roles(["ece_platform_admin"])
        .with_username("jdoe");
    let outcome = client
        .update_user_opts(&UserId::new("jdoe"), &update, &options())
        .await
        .unwrap();
    let UpdateOutcome::Updated(user) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(user.id.as_str(), "jdoe");
}

#[tokio::test]
async fn a_portable_update_with_nothing_for_ece_is_refused_before_sending() {
    let (server, client) = setup().await;
    // Another provider's attribute only: nothing ECE could apply, so no success.
    let update = UserUpdate::new().with_attribute("jambonz.is_view_only", true);
    let err = client
        .update_user_opts(&UserId::new("jdoe"), &update, &options())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "update"),
        "{err:?}"
    );
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn a_merge_patch_is_retried_through_a_503() {
    let (server, client) = setup().await;
    Mock::given(method("PATCH"))
        .and(path("/api/v1/users/jdoe"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/api/v1/users/jdoe"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("jdoe")))
        .mount(&server)
        .await;
    let mut change = UpdateUser::new();
    change.security.enabled = Patch::Set(true);
    client.update("jdoe", &change, &options()).await.unwrap();
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn user_names_are_percent_encoded_in_the_path() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/CN=Jane%20Doe%2Fext"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("CN=Jane Doe/ext")))
        .expect(1)
        .mount(&server)
        .await;
    let user = client.get("CN=Jane Doe/ext", &options()).await.unwrap();
    assert_eq!(user.user_name, "CN=Jane Doe/ext");
}

// ---- local checks: nothing is sent ----------------------------------------------------

#[tokio::test]
async fn role_rules_and_bad_input_are_refused_with_zero_requests() {
    let (server, client) = setup().await;
    let o = options();
    let invalid = |err: Error, expected_field: &str| match err {
        Error::InvalidInput { field, reason } => {
            assert_eq!(field, expected_field, "{reason}")
        }
        other => panic!("{expected_field}: {other:?}"),
    };

    // Role rules, portable and native, create and update.
    let admin_plus = person().with_role("ece_platform_admin");
    invalid(
        client.create_user_opts(&admin_plus, &o).await.unwrap_err(),
        "roles",
    );
    let manager_and_viewer = person().with_role("ece_deployment_manager");
    invalid(
        client
            .create_user_opts(&manager_and_viewer, &o)
            .await
            .unwrap_err(),
        "roles",
    );
    let native = CreateUser::new(
        "jdoe",
        vec![EceRole::PlatformAdmin, EceRole::DeploymentViewer],
    );
    invalid(
        client.create(&native, &o).await.unwrap_err(),
        "security.roles",
    );
    let twice = CreateUser::new(
        "jdoe",
        vec![EceRole::PlatformViewer, EceRole::PlatformViewer],
    );
    invalid(
        client.create(&twice, &o).await.unwrap_err(),
        "security.roles[1]",
    );
    let mut change = UpdateUser::new();
    change.security.roles = Patch::Set(vec![EceRole::DeploymentManager, EceRole::DeploymentViewer]);
    invalid(
        client.update("jdoe", &change, &o).await.unwrap_err(),
        "security.roles",
    );
    let update = UserUpdate::new().with_roles(["ece_platform_admin", "ece_platform_viewer"]);
    invalid(
        client
            .update_user_opts(&UserId::new("jdoe"), &update, &o)
            .await
            .unwrap_err(),
        "security.roles",
    );

    // User names.
    for bad in ["", "j doe", "jdoe!", "j/doe", "jöe"] {
        let mut user = person();
        user.username = bad.to_owned();
        invalid(
            client.create_user_opts(&user, &o).await.unwrap_err(),
            "username",
        );
    }
    invalid(client.get("", &o).await.unwrap_err(), "user_name");
    invalid(client.delete("", &o).await.unwrap_err(), "user_name");
    invalid(
        client
            .get_user_opts(&UserId::new(""), &o)
            .await
            .unwrap_err(),
        "user_name",
    );
    invalid(
        client
            .delete_user_opts(&UserId::new(""), &o)
            .await
            .unwrap_err(),
        "user_name",
    );
    invalid(
        client
            .update_user_opts(
                &UserId::new(""),
                &UserUpdate::new().with_email("a@b.co"),
                &o,
            )
            .await
            .unwrap_err(),
        "id",
    );

    // Email, password.
    invalid(
        client
            .create_user_opts(&person().with_email("not-an-email"), &o)
            .await
            .unwrap_err(),
        "email",
    );
    invalid(
        client
            .create_user_opts(&person().with_password(""), &o)
            .await
            .unwrap_err(),
        "password",
    );

    // Fields ECE cannot store, attributes it does not have, a user-name change.
    for user in [
        person().with_phone("+15551234567"),
        person().with_metadata("team", "blue"),
    ] {
        assert!(matches!(
            client.create_user_opts(&user, &o).await.unwrap_err(),
            Error::Unsupported { .. }
        ));
    }
    assert!(matches!(
        client
            .create_user_opts(&person().with_attribute("ece.realm", "x"), &o)
            .await
            .unwrap_err(),
        Error::InvalidInput { .. }
    ));
    assert!(matches!(
        client
            .update_user_opts(&UserId::new("jdoe"), &UserUpdate::new().with_username("jane"), &o)
            .await
            .unwrap_err(),
        Error::Unsupported { ref field, .. } if field == "username"
    ));

    assert!(requests(&server).await.is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn unsupported_fields_can_be_ignored_explicitly() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .and(body_json(json!({
            "user_name": "jdoe",
            "full_name": "Jane Doe",
            "security": { "roles": [] }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("jdoe")))
        .expect(1)
        .mount(&server)
        .await;
    let user = NewUser::new("jdoe")
        .with_names("Jane", "Doe")
        .with_phone("+15551234567")
        .with_metadata("team", "blue")
        .ignoring_unsupported_fields();
    let outcome = client.create_user_opts(&user, &options()).await.unwrap();
    assert_eq!(outcome.id().map(UserId::as_str), Some("jdoe"));
}

// ---- get, list, delete ----------------------------------------------------------------

#[tokio::test]
async fn get_of_an_unknown_user_is_not_found() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/ghost"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-cloud-error-codes", "user.not_found")
                .set_body_json(json!({ "errors": [
                    { "code": "user.not_found", "message": "User not found." }
                ]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .get_user_opts(&UserId::new("ghost"), &options())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(ece_detail(&err).has(&EceErrorCode::NotFound));
}

#[tokio::test]
async fn native_list_sends_include_disabled() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param("include_disabled", "false"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "users": [user_json("a"), user_json("b")] })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let users = client.list(false, &options()).await.unwrap();
    let names: Vec<&str> = users.iter().map(|u| u.user_name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[tokio::test]
async fn portable_list_includes_disabled_users_and_pages_by_user_name() {
    let (server, client) = setup().await;
    let mut disabled = user_json("carol");
    disabled["security"]["enabled"] = json!(false);
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param("include_disabled", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "users": [
            user_json("dave"), disabled, user_json("alice"), user_json("bob")
        ]})))
        .mount(&server)
        .await;
    let first = client
        .list_users_opts(&ListUsers::new().with_page_size(3), &options())
        .await
        .unwrap();
    let names: Vec<&str> = first.users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(names, ["alice", "bob", "carol"]);
    assert_eq!(first.users[2].enabled, Some(false));
    let next = first.next.clone().expect("a second page");
    assert_eq!(next.as_str(), "carol");
    let second = client
        .list_users_opts(
            &ListUsers::new()
                .with_page_size(3)
                .with_cursor(PageCursor::from_stored(next.as_str())),
            &options(),
        )
        .await
        .unwrap();
    assert_eq!(second.users.len(), 1);
    assert_eq!(second.users[0].id.as_str(), "dave");
    assert!(second.next.is_none());
    let all = client.list_all_users_opts(&options()).await.unwrap();
    assert_eq!(all.len(), 4);
}

#[tokio::test]
async fn delete_answers_200_and_unknown_users_are_not_found() {
    let (server, client) = setup().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/users/jdoe"))
        .and(header("authorization", format!("ApiKey {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/users/ghost"))
        .respond_with(
            ResponseTemplate::new(404).insert_header("x-cloud-error-codes", "user.not_found"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client
        .delete_user_opts(&UserId::new("jdoe"), &options())
        .await
        .unwrap();
    assert_eq!(outcome, DeleteOutcome::Deleted);
    let err = client
        .delete_user_opts(&UserId::new("ghost"), &options())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.provider_code(), Some("user.not_found"));
}

// ---- hostile responses ----------------------------------------------------------------

/// Issue 11: read-only fields never fail a read; a value that does not fit is kept, as
/// sent, in the `other` map of its object.
#[tokio::test]
async fn read_only_misfits_do_not_fail_a_get() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/jdoe"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "user_name": "jdoe", "builtin": "no",
            "security": { "roles": ["ece_platform_viewer"], "permissions": 3,
                "elevated_permissions": { "enabled": true, "expires_at": -1 },
                "security_realm": { "type": 1 } },
            "metadata": { "created_at": "yesterday", "created_by": "admin" }
        })))
        .mount(&server)
        .await;
    let user = client.get("jdoe", &options()).await.unwrap();
    assert_eq!(user.builtin, None);
    assert_eq!(user.other["builtin"], "no");
    assert_eq!(user.security.roles, [EceRole::PlatformViewer]);
    assert!(user.security.permissions.is_empty());
    assert_eq!(user.security.other["permissions"], 3);
    assert_eq!(user.security.other["security_realm"], json!({ "type": 1 }));
    let elevated = user.security.elevated_permissions.as_ref().unwrap();
    assert!(elevated.enabled);
    assert_eq!(elevated.other["expires_at"], -1);
    let metadata = user.metadata.as_ref().unwrap();
    assert_eq!(metadata.created_at, None);
    assert_eq!(metadata.created_by.as_deref(), Some("admin"));
    assert_eq!(metadata.other["created_at"], "yesterday");
}

#[tokio::test]
async fn malformed_success_bodies_are_decode_errors_naming_the_path() {
    let cases: Vec<(&str, &str, ResponseTemplate, &str)> = vec![
        (
            "GET",
            "/api/v1/users/jdoe",
            ResponseTemplate::new(200).set_body_json(json!({
                "user_name": "jdoe", "security": { "enabled": "yes" }
            })),
            "security.enabled",
        ),
        (
            "GET",
            "/api/v1/users/jdoe",
            // A writable field stays strict; read-only ones (`metadata`) are lenient, see
            // `read_only_misfits_do_not_fail_a_get`.
            ResponseTemplate::new(200).set_body_json(json!({
                "user_name": "jdoe", "security": { "roles": [5] },
                "metadata": { "created_at": "yesterday" }
            })),
            "security.roles[0]",
        ),
        (
            "GET",
            "/api/v1/users/jdoe",
            ResponseTemplate::new(200).set_body_raw(
                r#"{"user_name":"jdoe","security":{"roles":["ece_pl"#,
                "application/json",
            ),
            "security.roles[0]",
        ),
        (
            "GET",
            "/api/v1/users/jdoe",
            ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html"),
            ".",
        ),
        (
            "GET",
            "/api/v1/users",
            ResponseTemplate::new(200).set_body_json(json!({
                "users": [user_json("a"), { "security": {} }]
            })),
            "users[1]",
        ),
    ];
    for (verb, route, response, expected_path) in cases {
        let (server, client) = setup().await;
        Mock::given(method(verb))
            .and(path(route))
            .respond_with(response)
            .mount(&server)
            .await;
        let err = if route.ends_with("jdoe") {
            client.get("jdoe", &options()).await.map(drop).unwrap_err()
        } else {
            client.list(true, &options()).await.map(drop).unwrap_err()
        };
        match err {
            Error::Decode {
                path,
                status,
                reason,
                ..
            } => {
                assert_eq!(status, 200);
                assert_eq!(path, expected_path, "{reason}");
            }
            other => panic!("{expected_path}: {other:?}"),
        }
    }
}

// ---- configuration and secrets ------------------------------------------------------

#[test]
fn configuration_errors_name_the_setting() {
    let field_of = |result: Result<EceClient, Error>| match result {
        Err(Error::Config { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    let url = "https://ece.example.com:12443/api/v1";
    assert_eq!(
        field_of(EceBuilder::new().with_api_key(KEY).build()),
        "base_url"
    );
    assert_eq!(
        field_of(EceBuilder::new().with_base_url(url).build()),
        "credentials"
    );
    assert_eq!(
        field_of(
            EceBuilder::new()
                .with_base_url(url)
                .with_basic_auth(ADMIN, "")
                .build()
        ),
        "password"
    );
    assert_eq!(
        field_of(
            EceBuilder::new()
                .with_base_url(url)
                .with_basic_auth("a:b", ADMIN_PASSWORD)
                .build()
        ),
        "username"
    );
    assert_eq!(
        field_of(
            EceBuilder::new()
                .with_base_url(url)
                .with_api_key(" ")
                .build()
        ),
        "api_key"
    );
    assert_eq!(
        field_of(
            EceBuilder::new()
                .with_base_url("http://ece.example.com:12400/api/v1")
                .with_api_key(KEY)
                .build()
        ),
        "base_url"
    );
}

/// The only test that touches the environment (tests in this file run in parallel).
#[test]
fn from_env_reads_the_api_key_or_the_user_and_password() {
    let url = "https://ece.example.com:12443/api/v1";
    let vars = [
        ece::ENV_BASE_URL,
        ece::ENV_API_KEY,
        ece::ENV_USERNAME,
        ece::ENV_PASSWORD,
    ];
    for var in vars {
        std::env::remove_var(var);
    }
    let missing = EceBuilder::from_env().build().unwrap_err();
    assert!(missing.to_string().contains("ECE_BASE_URL"), "{missing}");

    std::env::set_var(ece::ENV_BASE_URL, url);
    let missing = EceBuilder::from_env().build().unwrap_err();
    assert!(
        missing.to_string().contains("ECE_API_KEY") && missing.to_string().contains("ECE_USERNAME"),
        "{missing}"
    );

    std::env::set_var(ece::ENV_USERNAME, ADMIN);
    let missing = EceBuilder::from_env().build().unwrap_err();
    assert!(missing.to_string().contains("ECE_PASSWORD"), "{missing}");

    std::env::set_var(ece::ENV_PASSWORD, ADMIN_PASSWORD);
    let basic = EceBuilder::from_env().build().unwrap();
    assert_eq!(basic.base_url().as_str(), format!("{url}/"));
    let shown = format!("{basic:?}");
    assert!(shown.contains("Basic(***)"), "{shown}");
    assert!(!shown.contains(ADMIN_PASSWORD), "{shown}");

    std::env::set_var(ece::ENV_API_KEY, KEY);
    let keyed = EceBuilder::from_env().build().unwrap();
    let shown = format!("{keyed:?}");
    assert!(shown.contains("ApiKey(***)"), "{shown}");
    assert!(!shown.contains(KEY), "{shown}");

    for var in vars {
        std::env::remove_var(var);
    }
}

#[tokio::test]
async fn no_debug_or_display_carries_the_key_or_a_password() {
    let server = MockServer::start().await;
    // A server that echoes the credentials in an error body.
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({ "errors": [{
                "code": "user.restricted_field",
                "message": format!("bad key {KEY} / {ADMIN_PASSWORD}"),
                "fields": [KEY]
            }]})),
        )
        .mount(&server)
        .await;
    let keyed_builder = EceBuilder::new()
        .with_base_url(base(&server))
        .with_api_key(KEY)
        .with_client_options(fast_options());
    let basic_builder = EceBuilder::new()
        .with_base_url(base(&server))
        .with_basic_auth(ADMIN, ADMIN_PASSWORD)
        .with_client_options(fast_options());
    let keyed = keyed_builder.clone().build().unwrap();
    let basic = basic_builder.clone().build().unwrap();

    let mut request = CreateUser::new("jdoe", vec![EceRole::PlatformViewer]);
    request.security.password = Some(PASSWORD.into());
    let mut change = UpdateUser::new();
    change.security.password = Some(PASSWORD.into());
    let keyed_error = keyed.create(&request, &options()).await.unwrap_err();
    let basic_error = basic
        .create_user_opts(&person(), &options())
        .await
        .unwrap_err();

    let keyed_texts = [
        format!("{keyed_builder:?}"),
        format!("{keyed:?}"),
        format!("{keyed_error:?}"),
        keyed_error.to_string(),
    ];
    let basic_texts = [
        format!("{basic_builder:?}"),
        format!("{basic:?}"),
        format!("{basic_error:?}"),
        basic_error.to_string(),
    ];
    let shared_texts = [
        format!("{request:?}"),
        format!("{change:?}"),
        format!("{:?}", person()),
    ];
    // Each client scrubs its own credential from what the server echoes.
    for text in keyed_texts.iter().chain(&shared_texts) {
        assert!(!text.contains(KEY), "key leaked: {text}");
    }
    for text in basic_texts.iter().chain(&shared_texts) {
        assert!(
            !text.contains(ADMIN_PASSWORD),
            "basic password leaked: {text}"
        );
    }
    for text in keyed_texts.iter().chain(&basic_texts).chain(&shared_texts) {
        assert!(!text.contains(PASSWORD), "user password leaked: {text}");
    }
    assert!(
        keyed_error.to_string().contains("bad key *** /"),
        "{keyed_error}"
    );
    assert!(basic_error.to_string().contains("/ ***"), "{basic_error}");
    assert_eq!(ece_detail(&keyed_error).errors[0].fields, vec!["***"]);
}

#[test]
fn clients_are_object_safe_behind_arc() {
    let client = EceBuilder::new()
        .with_base_url("https://ece.example.com:12443/api/v1")
        .with_api_key(KEY)
        .build()
        .unwrap();
    let shared: Arc<dyn UserProvisioner> = Arc::new(client);
    assert_eq!(shared.provider(), user_provisioner::Provider::ECE);
    let caps = shared.capabilities();
    assert!(
        caps.stores(Field::Roles)
            && caps.stores(Field::Password)
            && caps.stores(Field::DisplayName)
    );
    assert!(!caps.stores(Field::Phone) && !caps.stores(Field::Metadata) && !caps.idempotent_create);
}

#[tokio::test]
async fn a_listed_user_carries_its_own_json_only_when_asked() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "users": [echoing_password("alice"), user_json("bob")] })),
        )
        .expect(2)
        .mount(&server)
        .await;
    let plain = client
        .list_users_opts(&ListUsers::new(), &options())
        .await
        .unwrap();
    assert_eq!(plain.users.len(), 2, "every user, with or without raw JSON");
    assert!(plain.users.iter().all(|user| user.raw.is_null()));
    let kept = client
        .list_users_opts(&ListUsers::new(), &options().with_raw_json(true))
        .await
        .unwrap();
    let names: Vec<_> = kept
        .users
        .iter()
        .map(|user| user.raw["user_name"].clone())
        .collect();
    assert_eq!(names, [json!("alice"), json!("bob")]);
    assert!(kept
        .users
        .iter()
        .all(|user| user.raw["security"].get("password").is_none()));
}

/// A user row whose server echoes a password, which no `raw` may hand on.
fn echoing_password(name: &str) -> serde_json::Value {
    let mut row = user_json(name);
    row["security"]["password"] = json!("echoed-Passw0rd");
    row
}
