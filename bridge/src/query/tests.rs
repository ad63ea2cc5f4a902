//! The filter property test (issue 24): over generated users (hostile strings, Unicode
//! case folding, empty and missing values, several emails) and generated filters, the
//! store's SQL answer is exactly the set of users the SDK's in-memory evaluator selects
//! from the same users as rendered. On SQLite in every `cargo test`; on PostgreSQL with
//! `--ignored` and `USER_PROVISIONER_TEST_POSTGRES_URL` (as `tests/scim_postgres.rs`).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Map, Value};
use user_provisioner::scim::attributes::get_ci;
use user_provisioner::scim::filter::{
    parse, parse_path, resolve_key, AttrPath, AttributeType, CompValue, Comparable, Compare,
    CompareOp, Expr, Key, Plan,
};
use user_provisioner::scim::schema::ENTERPRISE_USER;

use super::{SortBy, UserTypes};
use crate::resource::render_user;
use crate::store::{BridgeStore, Inserted, UserQuery, UserRecord};

/// Texts that have broken SQL, LIKE, case folding or JSON somewhere. Few, so that
/// filters often meet the values users hold (equality and its edges).
const WORDS: &[&str] = &[
    "",
    "a",
    "A",
    "ab",
    "ß",
    "SS",
    "ss",
    "İ",
    "i\u{307}",
    "'; DROP TABLE scim_users; --",
    "%",
    "_",
    "a%b",
    "o\"brien\\x",
    "Zoë",
    "ZOË",
    "a@x.example",
    "😀",
    "\u{10FFFF}",
];

/// Pieces of the generated words.
const PIECES: &[&str] = &["a", "A", "ß", "İ", "%", "_", "\\", "\"", "é", "@"];

const DATES: &[&str] = &[
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:10.500Z",
    "2026-01-01T01:00:20+01:00",
    "2025-12-31T23:59:59.999Z",
    "2026-01-01T00:00:30Z",
];

/// Creation and change offsets in milliseconds, several equal to a date of [`DATES`].
const OFFSETS: &[i64] = &[0, 10_000, 10_500, 20_000, 25_000];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(WORDS).prop_map(str::to_owned),
        1 => prop::collection::vec(prop::sample::select(PIECES), 0..3).prop_map(|p| p.concat()),
    ]
}

fn maybe<T: std::fmt::Debug + Clone>(
    strategy: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop::option::weighted(0.7, strategy)
}

/// One generated user document (what `read_user` stores: canonical names, emails with
/// a value) and its creation and change offsets in milliseconds.
fn user() -> impl Strategy<Value = (Map<String, Value>, i64, i64)> {
    let email = (
        word(),
        maybe(prop::sample::select(&["work", "home", "WORK", "other"][..])),
        maybe(any::<bool>()),
    )
        .prop_map(|(value, kind, primary)| {
            let mut email = Map::new();
            email.insert("value".into(), value.into());
            if let Some(kind) = kind {
                email.insert("type".into(), kind.into());
            }
            if let Some(primary) = primary {
                email.insert("primary".into(), primary.into());
            }
            Value::Object(email)
        });
    (
        word(),
        (maybe(word()), maybe(word()), maybe(word()), maybe(word())),
        (maybe(word()), maybe(word())),
        any::<bool>(),
        prop::collection::vec(email, 0..5),
        (maybe(word()), maybe(word())),
        (prop::sample::select(OFFSETS), prop::sample::select(OFFSETS)),
    )
        .prop_map(
            |(
                user_name,
                (display, title, external, nick),
                (given, family),
                active,
                emails,
                (employee, department),
                (created, changed),
            )| {
                let mut document = Map::new();
                // A userName is required and unique without case; a suffix keeps it so.
                document.insert("userName".into(), user_name.into());
                for (key, value) in [
                    ("displayName", display),
                    ("title", title),
                    ("externalId", external),
                    ("nickName", nick),
                ] {
                    if let Some(value) = value {
                        document.insert(key.into(), value.into());
                    }
                }
                let mut name = Map::new();
                if let Some(given) = given {
                    name.insert("givenName".into(), given.into());
                }
                if let Some(family) = family {
                    name.insert("familyName".into(), family.into());
                }
                if !name.is_empty() {
                    document.insert("name".into(), name.into());
                }
                document.insert("active".into(), active.into());
                if !emails.is_empty() {
                    document.insert("emails".into(), emails.into());
                }
                let mut enterprise = Map::new();
                if let Some(employee) = employee {
                    enterprise.insert("employeeNumber".into(), employee.into());
                }
                if let Some(department) = department {
                    enterprise.insert("department".into(), department.into());
                }
                if !enterprise.is_empty() {
                    document.insert(ENTERPRISE_USER.into(), enterprise.into());
                }
                (document, created, changed)
            },
        )
}

const STRING_PATHS: &[&str] = &[
    "userName",
    "userName",
    "userName",
    "emails",
    "emails.value",
    "name.familyName",
    "displayName",
    "title",
    "externalId",
    "nickName",
    "name.givenName",
    "name.familyName",
    "emails",
    "emails.value",
    "emails.type",
    "id",
    "meta.resourceType",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "profileUrl",
    "urn:example:unknown:1.0:User:thing",
];

fn path(text: &str) -> AttrPath {
    user_provisioner::scim::filter::parse_path(text).unwrap()
}

fn compare(path: AttrPath, op: CompareOp, value: CompValue) -> Expr {
    Expr::Compare(Compare { path, op, value })
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(&CompareOp::ALL[..])
}

/// A comparison or `pr` on the top-level attributes.
fn leaf() -> impl Strategy<Value = Expr> {
    let strings = (prop::sample::select(STRING_PATHS), op(), word())
        .prop_map(|(p, op, value)| compare(path(p), op, CompValue::Str(value)));
    let booleans = (
        prop::sample::select(&["active", "emails.primary"][..]),
        prop::sample::select(&[CompareOp::Eq, CompareOp::Ne][..]),
        prop_oneof![
            any::<bool>().prop_map(CompValue::Bool),
            Just(CompValue::Str("TRUE".into())),
            Just(CompValue::Null),
        ],
    )
        .prop_map(|(p, op, value)| compare(path(p), op, value));
    let dates = (
        prop::sample::select(&["meta.created", "meta.lastModified"][..]),
        prop::sample::select(
            &[
                CompareOp::Eq,
                CompareOp::Ne,
                CompareOp::Gt,
                CompareOp::Ge,
                CompareOp::Lt,
                CompareOp::Le,
            ][..],
        ),
        prop::sample::select(DATES),
    )
        .prop_map(|(p, op, value)| compare(path(p), op, CompValue::Str(value.into())));
    let mismatched = (
        prop::sample::select(STRING_PATHS),
        prop::sample::select(&[CompareOp::Eq, CompareOp::Ne][..]),
        prop_oneof![
            (-5i32..5).prop_map(|n| CompValue::Number(f64::from(n))),
            any::<bool>().prop_map(CompValue::Bool),
            Just(CompValue::Null),
        ],
    )
        .prop_map(|(p, op, value)| compare(path(p), op, value));
    let present = prop::sample::select(
        &[
            "title",
            "name",
            "name.givenName",
            "emails",
            "emails.type",
            "emails.primary",
            "externalId",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "urn:example:unknown:1.0:User:thing",
        ][..],
    )
    .prop_map(|p| Expr::Present(path(p)));
    prop_oneof![4 => strings, 1 => booleans, 1 => dates, 1 => mismatched, 1 => present]
}

/// A condition on one email, for a value path: types from the users' own, so that
/// conditions on two sub-attributes often hold on different emails of one user.
fn email_leaf() -> impl Strategy<Value = Expr> {
    let emails = AttrPath::core("emails", None);
    let kind = (
        prop::sample::select(&[CompareOp::Eq, CompareOp::Ne, CompareOp::Sw][..]),
        prop::sample::select(&["work", "home", "WORK", "other", "w"][..]),
    )
        .prop_map({
            let emails = emails.clone();
            move |(op, kind)| compare(emails.with_sub("type"), op, CompValue::Str(kind.into()))
        });
    let text = (
        prop::sample::select(&["value", "display"][..]),
        op(),
        word(),
    )
        .prop_map({
            let emails = emails.clone();
            move |(sub, op, value)| compare(emails.with_sub(sub), op, CompValue::Str(value))
        });
    let primary = any::<bool>().prop_map({
        let emails = emails.clone();
        move |flag| {
            compare(
                emails.with_sub("primary"),
                CompareOp::Eq,
                CompValue::Bool(flag),
            )
        }
    });
    let present = prop::sample::select(&["value", "type", "primary"][..])
        .prop_map(move |sub| Expr::Present(emails.with_sub(sub)));
    prop_oneof![3 => kind, 3 => text, 2 => primary, 1 => present]
}

fn logic(leaf: BoxedStrategy<Expr>) -> impl Strategy<Value = Expr> {
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            inner.prop_map(|expr| Expr::Not(Box::new(expr))),
        ]
    })
}

fn filter() -> impl Strategy<Value = Expr> {
    let value_path = logic(email_leaf().boxed()).prop_map(|inner| Expr::ValuePath {
        attribute: AttrPath::core("emails", None),
        filter: Box::new(inner),
    });
    logic(prop_oneof![2 => leaf(), 1 => value_path].boxed())
}

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// Empties the store between cases (the PostgreSQL one lives across them).
/// A stored user of version 1 created at [`base_time`], its `userName` and
/// `externalId` read from the document.
fn record(id: impl Into<String>, document: Map<String, Value>) -> UserRecord {
    let text = |name: &str| {
        document
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    UserRecord {
        id: id.into(),
        user_name: text("userName").unwrap_or_default(),
        external_id: text("externalId"),
        document,
        version: 1,
        password_version: 0,
        deleted: false,
        created: base_time(),
        updated: base_time(),
    }
}

async fn clear(store: &BridgeStore) {
    for table in ["scim_user_values", "backend_sync", "scim_users"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(store.pool())
            .await
            .unwrap();
    }
}

/// How many filters were compared, and how many of them selected some users but not
/// all: a property that only ever saw empty or full answers would prove little.
#[derive(Debug, Default)]
struct Tally {
    compared: usize,
    discriminating: usize,
}

async fn check(
    store: &BridgeStore,
    users: Vec<(Map<String, Value>, i64, i64)>,
    filters: Vec<Expr>,
    sort: (&'static str, bool),
    tally: &std::cell::RefCell<Tally>,
) -> Result<(), TestCaseError> {
    clear(store).await;
    let mut stored = Vec::new();
    for (index, (document, created, changed)) in users.into_iter().enumerate() {
        let created = base_time() + Duration::milliseconds(created);
        let record = UserRecord {
            created,
            updated: created + Duration::milliseconds(changed),
            ..record(format!("user-{index}"), document)
        };
        if store.insert_user(&record, &[]).await.unwrap() == Inserted::Inserted {
            stored.push(store.user(&record.id).await.unwrap().unwrap());
        }
    }
    check_sort(store, &stored, sort).await?;
    for expr in filters {
        // Through the text, as a client sends it.
        let text = expr.to_string();
        let read = parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&read, &expr, "{} does not read back", text);
        let Ok(plan) = read.plan(&UserTypes) else {
            continue;
        };
        let expected: BTreeSet<String> = stored
            .iter()
            .filter(|user| plan.matches(&render_user("https://bridge", user, &[]), &UserTypes))
            .map(|user| user.id.clone())
            .collect();
        let (total, found) = store
            .list_users(
                &UserQuery {
                    filter: Some(&plan),
                    sort: None,
                },
                0,
                1000,
            )
            .await
            .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let found: BTreeSet<String> = found.into_iter().map(|user| user.id).collect();
        {
            let mut tally = tally.borrow_mut();
            tally.compared += 1;
            if !expected.is_empty() && expected.len() < stored.len() {
                tally.discriminating += 1;
            }
        }
        prop_assert_eq!(total as usize, found.len());
        prop_assert_eq!(
            &found,
            &expected,
            "filter {} over {}",
            text,
            Value::Array(
                stored
                    .iter()
                    .map(|user| Value::Object(render_user("", user, &[])))
                    .collect()
            )
        );
    }
    Ok(())
}

const SORT_PATHS: &[&str] = &[
    "userName",
    "displayName",
    "name.familyName",
    "emails",
    "emails.type",
    "meta.lastModified",
    "title",
    "nickName",
];

/// The value RFC 7644 §3.4.2.3 sorts a rendered user by, computed from the JSON: of a
/// multi-valued attribute the primary value, else the first present one.
fn sort_value(user: &Map<String, Value>, key: &Key, kind: &AttributeType) -> Option<Comparable> {
    let attribute = get_ci(user, &key.attribute)?;
    let elements: Vec<&Value> = match attribute {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut present = elements.into_iter().filter_map(|element| {
        let value = match &key.sub {
            Some(sub) => get_ci(element.as_object()?, sub)?,
            None => element,
        };
        let primary = element
            .as_object()
            .and_then(|object| object.get("primary"))
            .and_then(Value::as_bool)
            == Some(true);
        Some((primary, kind.comparable(value)?))
    });
    let all: Vec<(bool, Comparable)> = present.by_ref().collect();
    all.iter()
        .find(|(primary, _)| *primary)
        .or_else(|| all.first())
        .map(|(_, value)| value.clone())
}

fn compare_values(a: &Comparable, b: &Comparable) -> std::cmp::Ordering {
    match (a, b) {
        (Comparable::Text(a), Comparable::Text(b)) => a.cmp(b),
        (Comparable::Number(a), Comparable::Number(b)) => a.total_cmp(b),
        _ => std::cmp::Ordering::Equal,
    }
}

/// The store's sorted listing is the order the RFC's rules give over the rendered users:
/// missing values last ascending and first descending, ties by creation, then id.
async fn check_sort(
    store: &BridgeStore,
    stored: &[UserRecord],
    (path, descending): (&str, bool),
) -> Result<(), TestCaseError> {
    let Some((key, kind)) = resolve_key(&parse_path(path).unwrap(), &UserTypes) else {
        return Ok(());
    };
    let mut expected: Vec<(Option<Comparable>, &UserRecord)> = stored
        .iter()
        .map(|user| (sort_value(&render_user("", user, &[]), &key, &kind), user))
        .collect();
    expected.sort_by(|(a, first), (b, second)| {
        let by_value = match (a, b) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
            (Some(a), Some(b)) => compare_values(a, b),
        };
        let by_value = if descending {
            by_value.reverse()
        } else {
            by_value
        };
        by_value
            .then(first.created.cmp(&second.created))
            .then(first.id.cmp(&second.id))
    });
    let expected: Vec<&str> = expected.iter().map(|(_, user)| user.id.as_str()).collect();
    let sort = SortBy {
        key,
        kind,
        descending,
    };
    let query = UserQuery {
        filter: None,
        sort: Some(&sort),
    };
    let (_, found) = store
        .list_users(&query, 0, 1000)
        .await
        .map_err(|e| TestCaseError::fail(format!("sortBy {path}: {e}")))?;
    let found: Vec<&str> = found.iter().map(|user| user.id.as_str()).collect();
    prop_assert_eq!(found, expected, "sortBy {} descending {}", path, descending);
    Ok(())
}

/// Runs the property over `store`.
fn property(store: &BridgeStore, runtime: &tokio::runtime::Runtime) {
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        prop::collection::vec(user(), 2..8),
        prop::collection::vec(filter(), 8..9),
        (prop::sample::select(SORT_PATHS), any::<bool>()),
    );
    let tally = std::cell::RefCell::new(Tally::default());
    let outcome = runner.run(&strategy, |(users, filters, sort)| {
        runtime.block_on(check(store, users, filters, sort, &tally))
    });
    if let Err(error) = outcome {
        panic!("{error}");
    }
    let tally = tally.into_inner();
    assert!(
        tally.compared >= 256 && tally.discriminating * 5 >= tally.compared,
        "too few filters told users apart: {tally:?}"
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn sqlite_answers_every_filter_as_the_in_memory_evaluator() {
    let runtime = runtime();
    let store = runtime.block_on(async { BridgeStore::open("sqlite::memory:").await.unwrap() });
    property(&store, &runtime);
}

#[cfg(feature = "postgres")]
#[test]
#[ignore = "needs PostgreSQL: see README"]
fn postgres_answers_every_filter_as_the_in_memory_evaluator() {
    use sqlx::Connection;
    const URL_VARIABLE: &str = "USER_PROVISIONER_TEST_POSTGRES_URL";
    let admin_url = match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "{URL_VARIABLE} is not set: this test needs a PostgreSQL server \
             (README: \"Running the PostgreSQL tests\")"
        ),
    };
    let runtime = runtime();
    let name = format!(
        "scim_filter_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    sqlx::any::install_default_drivers();
    let url = runtime.block_on(async {
        let mut admin = sqlx::AnyConnection::connect(&admin_url).await.unwrap();
        // A locale-aware collation (ICU's en-US, where "a" < "B"), as a real server's
        // default often is, so that the answer depends on the COLLATE "C" the bridge
        // writes; a server without ICU (before PostgreSQL 15) takes its default.
        let icu = sqlx::query(&format!(
            "CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu \
             ICU_LOCALE 'en-US'"
        ))
        .execute(&mut admin)
        .await;
        if icu.is_err() {
            sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                .execute(&mut admin)
                .await
                .unwrap();
        }
        admin.close().await.unwrap();
        let mut url = url::Url::parse(&admin_url).unwrap();
        url.set_path(&name);
        url.to_string()
    });
    let store = runtime.block_on(async { BridgeStore::open(&url).await.unwrap() });
    property(&store, &runtime);
    runtime.block_on(async {
        store.close().await;
        let mut admin = sqlx::AnyConnection::connect(&admin_url).await.unwrap();
        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
    });
}

/// A database from before the index (or indexed by another version of it) is indexed
/// when the bridge opens it.
#[tokio::test]
async fn a_store_opened_reindexes_users_without_the_current_index() {
    let dir = std::env::temp_dir().join(format!("scim-filter-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("state.db").display());
    let store = BridgeStore::open(&url).await.unwrap();
    let mut document = Map::new();
    document.insert("userName".into(), "Straße".into());
    document.insert("title".into(), "Engineer".into());
    let record = record("u1", document);
    store.insert_user(&record, &[]).await.unwrap();
    let plan = |filter: &str| parse(filter).unwrap().plan(&UserTypes).unwrap();
    let found = |store: BridgeStore, plan: Plan| async move {
        let query = UserQuery {
            filter: Some(&plan),
            sort: None,
        };
        store.list_users(&query, 0, 10).await.unwrap().0
    };
    assert_eq!(
        found(store.clone(), plan(r#"title eq "ENGINEER""#)).await,
        1
    );
    // As a database of the previous release, or indexed by an older flattening.
    sqlx::query("DELETE FROM scim_user_values")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE scim_users SET index_version = 0")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(
        found(store.clone(), plan(r#"title eq "ENGINEER""#)).await,
        0
    );
    store.close().await;
    let reopened = BridgeStore::open(&url).await.unwrap();
    assert_eq!(
        found(reopened.clone(), plan(r#"title eq "ENGINEER""#)).await,
        1
    );
    assert_eq!(
        found(reopened.clone(), plan(r#"userName sw "STRA""#)).await,
        1
    );
    let version: i64 = sqlx::Row::get(
        &sqlx::query("SELECT index_version FROM scim_users")
            .fetch_one(reopened.pool())
            .await
            .unwrap(),
        0,
    );
    assert_eq!(version, super::INDEX_VERSION);
    reopened.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flattening_indexes_what_filters_name() {
    let resource = json!({
        "id": "Id",
        "userName": "ẞ",
        "emails": [{"value": "A@X", "type": "work", "primary": true}, {"value": ""}],
        "meta": {"created": "2026-01-01T01:00:00+01:00", "location": "https://x"},
        ENTERPRISE_USER: {"employeeNumber": "7"},
        "urn:user-provisioner:params:scim:schemas:extension:bridge:2.0:User": {"backends": []},
        "title": "",
    });
    let rows = super::flatten(resource.as_object().unwrap());
    let mut found: Vec<(String, i64, Option<String>)> = rows
        .into_iter()
        .map(|row| (row.path, row.element, row.key))
        .collect();
    found.sort();
    let mut expected: Vec<(String, i64, Option<String>)> = vec![
        ("id".into(), 0, Some("Id".into())),
        ("username".into(), 0, Some("ß".into())),
        ("emails.value".into(), 0, Some("a@x".into())),
        ("emails.type".into(), 0, Some("work".into())),
        ("emails.primary".into(), 0, Some("true".into())),
        (
            "meta.created".into(),
            0,
            Some("2026-01-01T00:00:00.000000000Z".into()),
        ),
        // meta.location is case-exact (RFC 7643 §3.1: the service provider's URI).
        ("meta.location".into(), 0, Some("https://x".into())),
        (
            format!("{}:employeenumber", ENTERPRISE_USER.to_ascii_lowercase()),
            0,
            Some("7".into()),
        ),
    ];
    expected.sort();
    assert_eq!(found, expected);
}

/// The cases a value path exists for, on the SQL side as well as in memory: conditions
/// that hold on different emails of one user do not select it.
#[tokio::test]
async fn a_value_path_holds_on_one_element() {
    let store = BridgeStore::open("sqlite::memory:").await.unwrap();
    let document = json!({
        "userName": "split",
        "emails": [
            {"value": "a@work.example", "type": "work", "primary": false},
            {"value": "b@home.example", "type": "home", "primary": true}
        ]
    });
    let record = record("u1", document.as_object().unwrap().clone());
    store.insert_user(&record, &[]).await.unwrap();
    let rendered = render_user("", &record, &[]);
    for (filter, selects) in [
        (r#"emails[type eq "work" and primary eq true]"#, false),
        (r#"emails[type eq "home" and primary eq true]"#, true),
        (r#"emails[type eq "work" and value co "home"]"#, false),
        (r#"emails[not (type eq "work") and value sw "B@"]"#, true),
        (r#"emails[not (type eq "work") and value sw "a@"]"#, false),
        (r#"emails.type eq "work" and emails.primary eq true"#, true),
    ] {
        let plan = parse(filter).unwrap().plan(&UserTypes).unwrap();
        assert_eq!(plan.matches(&rendered, &UserTypes), selects, "{filter}");
        let query = UserQuery {
            filter: Some(&plan),
            sort: None,
        };
        let (total, _) = store.list_users(&query, 0, 10).await.unwrap();
        assert_eq!(total, i64::from(selects), "{filter}");
    }
}

/// Each user's conditions are looked up by that user through an index (SQLite's plan
/// says `user_id=?`), never by scanning every user's values of a path: a scan made
/// `not (active eq true)` over 5,000 users take seconds where a lookup takes
/// milliseconds.
#[tokio::test]
async fn every_condition_is_one_lookup_per_user() {
    let store = BridgeStore::open("sqlite::memory:").await.unwrap();
    for n in 0..50 {
        let document = json!({
            "userName": format!("user{n}@example.com"),
            "name": {"familyName": format!("Family{n}")},
            "active": n % 2 == 0,
            "emails": [{"value": format!("user{n}@example.com"), "type": "work"}],
        });
        let record = record(format!("id-{n:02}"), document.as_object().unwrap().clone());
        store.insert_user(&record, &[]).await.unwrap();
    }
    for filter in [
        r#"userName eq "USER42@example.com""#,
        r#"name.familyName sw "family4" or not (active eq true)"#,
        r#"emails[type eq "work" and value co "42"]"#,
        r#"meta.lastModified gt "2011-05-13T04:42:34Z" and title pr"#,
    ] {
        let plan = parse(filter).unwrap().plan(&UserTypes).unwrap();
        let mut sql = super::Sql::new(crate::store::DatabaseKind::Sqlite);
        let predicate = sql.predicate(&plan);
        let text = format!(
            "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM scim_users u \
             WHERE u.deleted = 0 AND ({predicate})"
        );
        let mut query = sqlx::query(&text);
        for bind in &sql.binds {
            query = match bind {
                super::Bind::Text(text) => query.bind(text.clone()),
                super::Bind::Number(number) => query.bind(*number),
            };
        }
        for row in query.fetch_all(store.pool()).await.unwrap() {
            let detail: String = sqlx::Row::get(&row, 3);
            if detail.contains(" v") {
                assert!(
                    detail.starts_with("SEARCH") && detail.contains("user_id=?"),
                    "{filter}: {detail}"
                );
            }
        }
    }
}

/// An instance reindexing at start-up with a version read before another instance
/// changed the user leaves the newer version's index alone.
#[tokio::test]
async fn a_reindex_of_an_older_version_leaves_the_newer_index() {
    let store = BridgeStore::open("sqlite::memory:").await.unwrap();
    let mut document = Map::new();
    document.insert("userName".into(), "ada".into());
    document.insert("title".into(), "Old".into());
    let first = record("u1", document);
    store.insert_user(&first, &[]).await.unwrap();
    let mut second = first.clone();
    second.version = 2;
    second
        .document
        .insert("title".into(), Value::String("New".into()));
    store.replace_user(&second, 1).await.unwrap();
    assert!(!store.index_as_at_start(&first).await.unwrap());
    let count = |filter: &'static str| {
        let store = store.clone();
        async move {
            let plan = parse(filter).unwrap().plan(&UserTypes).unwrap();
            let query = UserQuery {
                filter: Some(&plan),
                sort: None,
            };
            store.list_users(&query, 0, 10).await.unwrap().0
        }
    };
    assert_eq!(count(r#"title eq "new""#).await, 1);
    assert_eq!(count(r#"title eq "old""#).await, 0);
    assert!(store.index_as_at_start(&second).await.unwrap());
}
