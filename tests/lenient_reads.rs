//! Issue 11, item 1: a read never fails because of a read-only or informational field
//! the caller did not ask for.
//!
//! Each property takes a spec-shaped answer of one provider, puts ANY JSON value into
//! ANY of its read-only fields (nested ones included), and proves that the native decode
//! succeeds, keeps the identity, and keeps the value (typed when it fits, otherwise as
//! sent in the `other` map of its object); and that the portable get of that answer,
//! through a loopback wiremock server, succeeds with the same id.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use user_provisioner::providers::{connect, ece, jambonz, netsapiens};
use user_provisioner::{ClientOptions, RequestOptions, RetryPolicy, UserId, UserProvisioner};

const SID: &str = "a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d";

// ---------------------------------------------------------------------------------------
// Spec-shaped answers and their read-only fields (paths of object keys; a number is an
// array index).

fn jambonz_user() -> Value {
    json!({
        "user_sid": SID, "name": "jdoe", "email": "jdoe@example.com",
        "pending_email": null, "phone": null, "account_sid": null,
        "service_provider_sid": null, "force_change": 1, "scope": "admin",
        "email_validated": 0, "phone_validated": 0, "is_active": 1, "is_view_only": 0,
        "provider": "local"
    })
}

const JAMBONZ_USER_READ_ONLY: &[&str] = &[
    "pending_email",
    "phone",
    "scope",
    "email_validated",
    "phone_validated",
    "provider",
];

fn jambonz_summary() -> Value {
    json!({
        "user_sid": SID, "name": "jdoe", "email": "jdoe@example.com", "scope": "account",
        "force_change": 0, "is_active": 1, "account_sid": SID, "account_name": "Acme",
        "service_provider_sid": SID, "service_provider_name": "SP"
    })
}

const JAMBONZ_SUMMARY_READ_ONLY: &[&str] = &["scope", "account_name", "service_provider_name"];

fn netsapiens_user() -> Value {
    json!({
        "domain": "acme", "user": "1001", "name-first-name": "Jane",
        "name-last-name": "Doe", "login-username": "jdoe@acme",
        "email-address": "jdoe@example.com", "user-scope": "Basic User",
        "voicemail-enabled": "yes", "area-code": 858,
        "user-presence-status": "available", "active-calls-total-current": 0,
        "account-status": "standard",
        "created-datetime": "2024-03-01T10:00:00Z",
        "last-modified-datetime": "2023-07-28 19:56:12"
    })
}

const NETSAPIENS_USER_READ_ONLY: &[&str] = &[
    "domain",
    "user-presence-status",
    "active-calls-total-current",
    "account-status",
    "created-datetime",
    "last-modified-datetime",
];

fn netsapiens_ack() -> Value {
    json!({ "code": 202, "message": "Accepted" })
}

const NETSAPIENS_ACK_READ_ONLY: &[&str] = &["code", "message"];

fn connect_user() -> Value {
    json!({
        "userId": "usr_1", "name": "John Doe", "email": "john@example.com",
        "msisdn": "+46701234567", "identity": "197001011234",
        "customerIds": ["c1"], "customers": [{ "customerId": "c1", "name": "Acme" }],
        "createdAt": "2023-11-07T05:31:56Z", "updatedAt": "2023-11-07T05:31:56Z",
        "metadata": { "team": "a" }
    })
}

const CONNECT_USER_READ_ONLY: &[&str] = &[
    "customerIds",
    "customers",
    "customers.0",
    "customers.0.customerId",
    "customers.0.name",
    "createdAt",
    "updatedAt",
];

fn connect_list() -> Value {
    json!({
        "items": [connect_user()],
        "pagination": { "total": 1, "limit": 50, "offset": 0 }
    })
}

const CONNECT_LIST_READ_ONLY: &[&str] = &[
    "pagination",
    "pagination.total",
    "pagination.limit",
    "pagination.offset",
    "items.0.createdAt",
    "items.0.customers.0.customerId",
];

fn ece_user() -> Value {
    json!({
        "user_name": "jdoe", "full_name": "Jane Doe", "email": "jdoe@example.com",
        "builtin": false,
        "security": {
            "roles": ["ece_platform_viewer"], "permissions": ["get-users"], "enabled": true,
            "elevated_permissions": { "enabled": false, "expires_at": "2025-05-04T09:42:00Z" },
            "security_realm": { "type": "native", "id": "native" }
        },
        "metadata": {
            "created_by": "admin", "created_at": "2025-05-04T09:42:00Z",
            "updated_by": "admin", "updated_at": "2025-05-04T09:42:00Z",
            "first_login_at": "2025-05-04T09:42:00Z", "last_login_at": "2025-05-04T09:42:00Z"
        }
    })
}

const ECE_USER_READ_ONLY: &[&str] = &[
    "builtin",
    "metadata",
    "metadata.created_by",
    "metadata.created_at",
    "metadata.updated_by",
    "metadata.updated_at",
    "metadata.first_login_at",
    "metadata.last_login_at",
    "security.permissions",
    "security.elevated_permissions",
    "security.elevated_permissions.enabled",
    "security.elevated_permissions.expires_at",
    "security.security_realm",
    "security.security_realm.type",
    "security.security_realm.id",
];

// ---------------------------------------------------------------------------------------
// Putting a value at a path, and finding it again.

fn slot<'a>(value: &'a mut Value, path: &str) -> &'a mut Value {
    path.split('.')
        .fold(value, |node, key| match key.parse::<usize>() {
            Ok(index) => &mut node[index],
            Err(_) => &mut node[key],
        })
}

fn find<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(value, |node, key| match key.parse::<usize>() {
            Ok(index) => node.get(index),
            Err(_) => node.get(key),
        })
}

/// A value a typed field may read as "unset" and so not write back.
fn reads_as_unset(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// Decodes `answer` with `path` set to `injected`, and checks what the model kept.
fn decodes_and_keeps<T: DeserializeOwned + Serialize>(
    mut answer: Value,
    path: &str,
    injected: Value,
    identity: &str,
) -> Result<(), TestCaseError> {
    *slot(&mut answer, path) = injected.clone();
    let model: T = serde_json::from_value(answer.clone())
        .map_err(|err| TestCaseError::fail(format!("{path} = {injected}: {err}")))?;
    let back = serde_json::to_value(&model).unwrap();
    prop_assert_eq!(find(&back, identity), find(&answer, identity), "identity");
    if !reads_as_unset(&injected) {
        // A nested field whose object did not decode is kept with that object; either
        // way the value is still in the answer the model writes back.
        let kept = find(&back, path);
        prop_assert!(
            kept.is_some_and(|kept| !kept.is_null()),
            "{} = {} was dropped: {}",
            path,
            injected,
            back
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Any JSON value.

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        any::<String>().prop_map(Value::String),
        prop::sample::select(
            &[
                "1001",
                "-5",
                "yes",
                "",
                "2025-05-04T09:42:00Z",
                "standard",
                SID
            ][..]
        )
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{1,8}", inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn read_only(fields: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(fields)
}

// ---------------------------------------------------------------------------------------
// The portable get, through a loopback wiremock server answering the shared body.

struct Harness {
    runtime: tokio::runtime::Runtime,
    answer: Arc<Mutex<Value>>,
    _server: MockServer,
    jambonz: jambonz::JambonzClient,
    netsapiens: netsapiens::NetSapiensClient,
    connect: connect::ConnectClient,
    ece: ece::EceClient,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let answer = Arc::new(Mutex::new(Value::Null));
        let canned = Arc::clone(&answer);
        let server = runtime.block_on(async {
            let server = MockServer::start().await;
            Mock::given(wiremock::matchers::method("GET"))
                .respond_with(move |_: &Request| {
                    ResponseTemplate::new(200).set_body_json(canned.lock().unwrap().clone())
                })
                .mount(&server)
                .await;
            server
        });
        let base = server.uri();
        let options = || {
            ClientOptions::new()
                .with_retry_policy(RetryPolicy::never())
                .with_timeout(Duration::from_secs(5))
        };
        Harness {
            jambonz: jambonz::JambonzBuilder::new()
                .with_base_url(format!("{base}/v1"))
                .with_api_key("jambonz-key")
                .with_client_options(options())
                .build()
                .unwrap(),
            netsapiens: netsapiens::NetSapiensBuilder::new()
                .with_base_url(format!("{base}/ns-api/v2"))
                .with_token("ns-token")
                .with_domain("acme")
                .with_client_options(options())
                .build()
                .unwrap(),
            connect: connect::ConnectBuilder::new()
                .with_base_url(format!("{base}/v1"))
                .with_api_key("connect-key")
                .with_user_token("connect-token")
                .with_client_options(options())
                .build()
                .unwrap(),
            ece: ece::EceBuilder::new()
                .with_base_url(format!("{base}/api/v1"))
                .with_api_key("ece-key")
                .with_client_options(options())
                .build()
                .unwrap(),
            runtime,
            answer,
            _server: server,
        }
    })
}

/// The portable get of `answer` (with `path` set to `injected`) returns the user `id`.
fn portable_get_succeeds(
    provisioner: fn(&Harness) -> &dyn UserProvisioner,
    mut answer: Value,
    path: &str,
    injected: Value,
    id: &str,
) -> Result<(), TestCaseError> {
    *slot(&mut answer, path) = injected.clone();
    let h = harness();
    // The properties run in parallel and share the server: one answer at a time.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *h.answer.lock().unwrap() = answer;
    let got = h.runtime.block_on(
        provisioner(h).get_user_opts(&UserId::new(id.to_owned()), &RequestOptions::new()),
    );
    match got {
        Ok(user) => prop_assert_eq!(user.id.as_str(), id),
        Err(err) => return Err(TestCaseError::fail(format!("{path} = {injected}: {err}"))),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn jambonz_reads_survive_any_read_only_value(
        user_field in read_only(JAMBONZ_USER_READ_ONLY),
        summary_field in read_only(JAMBONZ_SUMMARY_READ_ONLY),
        value in json_value(),
    ) {
        decodes_and_keeps::<jambonz::JambonzUser>(jambonz_user(), user_field, value.clone(), "user_sid")?;
        decodes_and_keeps::<jambonz::UserSummary>(jambonz_summary(), summary_field, value.clone(), "user_sid")?;
        portable_get_succeeds(|h| &h.jambonz, jambonz_user(), user_field, value, SID)?;
    }

    #[test]
    fn netsapiens_reads_survive_any_read_only_value(
        user_field in read_only(NETSAPIENS_USER_READ_ONLY),
        ack_field in read_only(NETSAPIENS_ACK_READ_ONLY),
        value in json_value(),
    ) {
        decodes_and_keeps::<netsapiens::NetSapiensUser>(netsapiens_user(), user_field, value.clone(), "user")?;
        decodes_and_keeps::<netsapiens::Acknowledgement>(netsapiens_ack(), ack_field, value.clone(), "none")?;
        let mut count = json!({ "total": 3 });
        count[user_field] = value.clone();
        let decoded: netsapiens::UserCount = serde_json::from_value(count).unwrap();
        prop_assert_eq!(decoded.total, 3);
        portable_get_succeeds(|h| &h.netsapiens, netsapiens_user(), user_field, value, "1001")?;
    }

    #[test]
    fn connect_reads_survive_any_read_only_value(
        user_field in read_only(CONNECT_USER_READ_ONLY),
        list_field in read_only(CONNECT_LIST_READ_ONLY),
        value in json_value(),
    ) {
        decodes_and_keeps::<connect::ConnectUser>(connect_user(), user_field, value.clone(), "userId")?;
        decodes_and_keeps::<connect::UserList>(connect_list(), list_field, value.clone(), "items.0.userId")?;
        portable_get_succeeds(|h| &h.connect, connect_user(), user_field, value, "usr_1")?;
    }

    #[test]
    fn ece_reads_survive_any_read_only_value(
        field in read_only(ECE_USER_READ_ONLY),
        value in json_value(),
    ) {
        decodes_and_keeps::<ece::EceUser>(ece_user(), field, value.clone(), "user_name")?;
        let list = json!({ "users": [ece_user()] });
        decodes_and_keeps::<ece::UserList>(list, &format!("users.0.{field}"), value.clone(), "users.0.user_name")?;
        portable_get_succeeds(|h| &h.ece, ece_user(), field, value, "jdoe")?;
    }
}

/// The observed cases of issue 11, as plain examples.
#[test]
fn the_observed_answers_decode() {
    let mut user = netsapiens_user();
    user["active-calls-total-current"] = json!(-87769879);
    let user: netsapiens::NetSapiensUser = serde_json::from_value(user).unwrap();
    assert_eq!(user.active_calls_total_current, Some(-87769879));
    let count: netsapiens::UserCount = serde_json::from_value(json!({ "total": -5 })).unwrap();
    assert_eq!(count.total, -5);
    let mut user = connect_user();
    user["customers"] = json!([{ "name": "no id" }]);
    let user: connect::ConnectUser = serde_json::from_value(user).unwrap();
    assert_eq!(user.customers[0].customer_id, None);
}
