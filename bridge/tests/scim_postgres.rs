//! The SCIM bridge's state in a real PostgreSQL server, shared by two bridge instances
//! as it is behind a load balancer: one user however many instances are sent it, a
//! backlog drained by two workers with each user created once, leases that hold until
//! they end, migrations run by every instance that opens the store.
//!
//! Every test is ignored in a plain `cargo test`: it needs a server. `.ci/run` starts
//! one (`.ci/postgres.sh`) and runs them with `--ignored`; by hand, see README
//! "Running the PostgreSQL tests". Each test works in a database of its own, made for
//! it through the URL's role (which may create databases) and dropped at its end.
#![cfg(feature = "postgres")]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::{Connection, Executor, PgConnection, Row};
use support::scim::{listener, okta_user, serve_built, ServedBridge, StallAt, Stalling, TOKEN};
use user_provisioner::providers::memory::MemoryProvisioner;
use user_provisioner::testing::Faulty;
use user_provisioner::Operation;
use user_provisioner::{UserKey, UserProvisioner};
use user_provisioner_bridge::{BridgeStatus, BridgeStore, ScimBridge, SyncSettings};

/// The variable that names the server: `postgres://user:password@host:port/db`, a role
/// that may create databases.
const URL_VARIABLE: &str = "USER_PROVISIONER_TEST_POSTGRES_URL";
const BACKEND: &str = "directory";

/// The server's URL; a test run with `--ignored` but without one fails here, saying
/// what to do, rather than passing having tested nothing.
fn server_url() -> String {
    match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "{URL_VARIABLE} is not set: these tests need a PostgreSQL server. Start one with \
             `.ci/postgres.sh start`, then `export {URL_VARIABLE}=\"$(.ci/postgres.sh url)\"` \
             (README: \"Running the PostgreSQL tests\"); `.ci/postgres.sh stop` removes it."
        ),
    }
}

/// A database of the test's own on the server, so that tests never see each other's
/// rows and every one starts from an empty, unmigrated schema.
struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    async fn create(test: &str) -> Self {
        let admin_url = server_url();
        let name = format!(
            "scim_{test}_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| panic!("cannot connect to {URL_VARIABLE}'s server: {error}"));
        admin
            .execute(format!("CREATE DATABASE \"{name}\"").as_str())
            .await
            .unwrap_or_else(|error| {
                panic!("cannot create a test database (does the role have CREATEDB?): {error}")
            });
        admin.close().await.unwrap();
        let mut url = url::Url::parse(&admin_url).unwrap();
        url.set_path(&name);
        Self {
            admin_url,
            name,
            url: url.to_string(),
        }
    }

    async fn open(&self) -> BridgeStore {
        BridgeStore::open(&self.url).await.unwrap()
    }

    async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.unwrap()
    }

    /// Drops the database, closing what is still connected to it. A failed test leaves
    /// its database behind; `.ci/postgres.sh stop` removes the whole cluster.
    async fn drop_database(self) {
        let mut admin = PgConnection::connect(&self.admin_url).await.unwrap();
        admin
            .execute(format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name).as_str())
            .await
            .unwrap();
        admin.close().await.unwrap();
    }
}

/// Retries at once and often; many attempts, so that no row gives up under the
/// injected failures.
fn settings() -> SyncSettings {
    SyncSettings::new()
        .with_retry_delays(Duration::from_millis(10), Duration::from_millis(100))
        .with_max_attempts(60)
        .with_poll_interval(Duration::from_millis(20))
}

/// One bridge instance on its own loopback port over `store`.
async fn instance(
    store: BridgeStore,
    backend: Arc<dyn UserProvisioner>,
    settings: SyncSettings,
) -> ServedBridge {
    let (socket, base) = listener().await;
    let bridge = ScimBridge::builder(base.clone())
        .bearer_token(TOKEN)
        .backend(BACKEND, backend)
        .store(store)
        .sync_settings(settings)
        .build()
        .await
        .unwrap();
    serve_built(bridge, socket, base)
}

/// Waits until the backend holds `users` synced users with nothing left to do.
async fn converged(bridge: &ScimBridge, users: i64, within: Duration) -> BridgeStatus {
    let deadline = Instant::now() + within;
    loop {
        let status = bridge.status().await.unwrap();
        if status.count(BACKEND, "synced") == users && status.unsynced_len() == 0 {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "not converged within {within:?}: {:#}",
            status.to_json()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: see README"]
async fn the_same_user_sent_to_two_instances_at_once_is_one_user_and_one_409() {
    let database = TestDatabase::create("same_user").await;
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let a = instance(database.open().await, backend.clone(), settings()).await;
    let b = instance(database.open().await, backend.clone(), settings()).await;

    // Several rounds, so that the race is run more than once: each time both
    // instances insert the same userName and both try to sync it.
    const ROUNDS: usize = 12;
    let mut ids = BTreeSet::new();
    for round in 0..ROUNDS {
        let body = okta_user(&format!("twin{round}@example.com"), "Twin", "Round");
        let (first, second) = tokio::join!(a.post("/Users", body.clone()), b.post("/Users", body));
        // One instance creates it; the other finds the userName taken: a 409
        // `uniqueness` (RFC 7644 §3.3), never a second user.
        let (created, refused) = if first.status == 201 {
            (first, second)
        } else {
            (second, first)
        };
        assert_eq!(created.status, 201, "{:#}", created.body);
        assert_eq!(refused.status, 409, "{:#}", refused.body);
        assert_eq!(refused.body["scimType"], "uniqueness", "{:#}", refused.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        // Either instance reads the user the other stored.
        for instance in [&a, &b] {
            let read = instance.get(&format!("/Users/{id}")).await;
            assert_eq!(read.status, 200, "{:#}", read.body);
            assert_eq!(read.body["userName"], format!("twin{round}@example.com"));
        }
        ids.insert(id);
    }
    assert_eq!(ids.len(), ROUNDS);

    converged(&a.bridge, ROUNDS as i64, Duration::from_secs(30)).await;
    let status = b.bridge.status().await.unwrap();
    assert_eq!(status.count(BACKEND, "synced"), ROUNDS as i64);
    assert_eq!(
        backend.inner().len(),
        ROUNDS,
        "each user once on the backend"
    );
    assert_eq!(
        backend.calls_to(Operation::Create),
        ROUNDS,
        "one create per user: the instance that did not get the lease sent none"
    );
    for round in 0..ROUNDS {
        let user = backend
            .find_user(&UserKey::username(format!("twin{round}@example.com")))
            .await
            .unwrap();
        assert!(user.is_some(), "twin{round} is on the backend");
    }

    let mut connection = database.connect().await;
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM scim_users")
        .fetch_one(&mut connection)
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, ROUNDS as i64, "one stored user per userName");
    connection.close().await.unwrap();
    drop((a, b));
    database.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: see README"]
async fn two_workers_drain_a_backlog_and_create_every_user_once() {
    const USERS: usize = 40;
    const FAILURES: usize = 25;
    let database = TestDatabase::create("backlog").await;
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    backend.fail_next_op(Operation::Create, FAILURES, 503);
    // Requests answer at once and leave the work to the queue.
    let queued = settings()
        .with_inline_wait(Duration::ZERO)
        .with_concurrency(4);
    let (tap_a, tap_b) = (
        Stalling::counting(backend.clone()),
        Stalling::counting(backend.clone()),
    );
    let a = instance(database.open().await, tap_a.clone(), queued.clone()).await;
    let b = instance(database.open().await, tap_b.clone(), queued).await;

    let started = Instant::now();
    let posts = (0..USERS).map(|n| {
        let target = if n % 2 == 0 { &a } else { &b };
        let body = okta_user(&format!("backlog{n:02}@example.com"), "Back", "Log");
        async move { target.post("/Users", body).await }
    });
    let answers = futures::future::join_all(posts).await;
    let ids: Vec<String> = answers
        .iter()
        .map(|answer| {
            assert_eq!(answer.status, 201, "{:#}", answer.body);
            answer.body["id"].as_str().unwrap().to_owned()
        })
        .collect();

    let workers = (a.bridge.spawn_worker(), b.bridge.spawn_worker());
    converged(&a.bridge, USERS as i64, Duration::from_secs(90)).await;
    let took = started.elapsed();
    drop(workers);

    assert_eq!(
        backend.inner().len(),
        USERS,
        "every user on the backend, once"
    );
    assert_eq!(
        backend.calls_to(Operation::Create),
        USERS + FAILURES,
        "one create per user beyond the injected failures: none sent twice"
    );
    assert_eq!(tap_a.creates() + tap_b.creates(), USERS + FAILURES);
    for state in ["pending", "failed", "gaveUp"] {
        assert_eq!(a.bridge.status().await.unwrap().count(BACKEND, state), 0);
        assert_eq!(b.bridge.status().await.unwrap().count(BACKEND, state), 0);
    }
    let mut backend_ids = BTreeSet::new();
    for (n, id) in ids.iter().enumerate() {
        // Each read through the instance that did not take the POST.
        let other = if n % 2 == 0 { &b } else { &a };
        let read = other.get(&format!("/Users/{id}")).await;
        assert_eq!(read.status, 200, "{:#}", read.body);
        let state = read.backend(BACKEND);
        assert_eq!(state["state"], "synced", "{state:#}");
        backend_ids.insert(state["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(backend_ids.len(), USERS, "a backend id of its own per user");
    eprintln!(
        "backlog of {USERS} users with {FAILURES} failed creates drained by two instances \
         in {took:?}: {} create calls through the first, {} through the second",
        tap_a.creates(),
        tap_b.creates()
    );
    drop((a, b));
    database.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: see README"]
async fn a_change_on_one_instance_is_seen_and_deleted_on_the_other() {
    let database = TestDatabase::create("put_delete").await;
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let a = instance(database.open().await, backend.clone(), settings()).await;
    let b = instance(database.open().await, backend.clone(), settings()).await;

    let created = a
        .post("/Users", okta_user("ada@example.com", "Ada", "Lovelace"))
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let other = a
        .post("/Users", okta_user("grace@example.com", "Grace", "Hopper"))
        .await;
    assert_eq!(other.status, 201, "{:#}", other.body);

    let mut replacement = okta_user("ada@example.com", "Ada", "Lovelace");
    replacement.as_object_mut().unwrap().remove("password");
    replacement["emails"] = json!([{ "value": "ada@analytical.example", "primary": true }]);
    let replaced = b
        .send_with(
            reqwest::Method::PUT,
            &format!("/Users/{id}"),
            Some(replacement.clone()),
            &[
                ("authorization", &format!("Bearer {TOKEN}")),
                ("if-match", "W/\"1\""),
            ],
        )
        .await;
    assert_eq!(replaced.status, 200, "{:#}", replaced.body);
    assert_eq!(replaced.headers["etag"], "W/\"2\"");
    assert_eq!(replaced.backend(BACKEND)["state"], "synced");

    // The first instance reads the new version, and a change based on the old one is
    // refused there.
    let read = a.get(&format!("/Users/{id}")).await;
    assert_eq!(read.headers["etag"], "W/\"2\"");
    assert_eq!(read.body["emails"][0]["value"], "ada@analytical.example");
    a.send_with(
        reqwest::Method::PUT,
        &format!("/Users/{id}"),
        Some(replacement.clone()),
        &[
            ("authorization", &format!("Bearer {TOKEN}")),
            ("if-match", "W/\"1\""),
        ],
    )
    .await
    .assert_error(412, None);
    // A userName another user holds is refused by PostgreSQL's unique index.
    let mut taken = replacement;
    taken["userName"] = json!("GRACE@example.com");
    a.put(&format!("/Users/{id}"), taken)
        .await
        .assert_error(409, Some("uniqueness"));
    let user = backend
        .find_user(&UserKey::username("ada@example.com"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.email.as_deref(), Some("ada@analytical.example"));

    let deleted = b.delete(&format!("/Users/{id}")).await;
    assert_eq!(deleted.status, 204);
    a.get(&format!("/Users/{id}")).await.assert_error(404, None);
    assert_eq!(
        backend.inner().len(),
        1,
        "only Grace is left on the backend"
    );
    let status = a.bridge.status().await.unwrap();
    assert_eq!(status.count(BACKEND, "synced"), 1, "{:#}", status.to_json());
    assert_eq!(
        status.count(BACKEND, "removed"),
        0,
        "the deleted user's rows are gone"
    );
    drop((a, b));
    database.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: see README"]
async fn migrations_run_by_every_instance_that_opens_the_store() {
    let database = TestDatabase::create("migrations").await;
    // Two instances starting together on an empty database, then a third later.
    let (first, second) = tokio::join!(
        BridgeStore::open(&database.url),
        BridgeStore::open(&database.url)
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    // The other spelling of the scheme is the same database.
    let third = BridgeStore::open(&database.url.replacen("postgres://", "postgresql://", 1))
        .await
        .unwrap();

    let mut connection = database.connect().await;
    let applied: i64 = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut connection)
        .await
        .unwrap()
        .get(0);
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    assert_eq!(
        applied as usize, migrations,
        "every migration, each applied once"
    );
    let tables: i64 = sqlx::query(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_name IN ('scim_users', 'scim_user_values', 'backend_sync')",
    )
    .fetch_one(&mut connection)
    .await
    .unwrap()
    .get(0);
    assert_eq!(tables, 3);
    connection.close().await.unwrap();

    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let writer = instance(first, backend.clone(), settings()).await;
    let created = writer
        .post("/Users", okta_user("alan@example.com", "Alan", "Turing"))
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.body["id"].as_str().unwrap();
    for store in [second, third] {
        let reader = instance(store, backend.clone(), settings()).await;
        let read = reader.get(&format!("/Users/{id}")).await;
        assert_eq!(read.status, 200, "{:#}", read.body);
        assert_eq!(read.backend(BACKEND)["state"], "synced");
    }
    drop(writer);
    database.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: see README"]
async fn a_lease_held_by_a_dead_instance_is_taken_only_once_it_ends() {
    const LEASE: Duration = Duration::from_secs(6);
    let database = TestDatabase::create("lease").await;
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let leased = settings()
        .with_lease(LEASE)
        .with_inline_wait(Duration::from_millis(300));

    // The first instance runs on a runtime of its own, so that it can die as a process
    // does: its backend hangs in the create, and the runtime is dropped with the
    // attempt still in flight and its lease in the database.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (die_tx, die_rx) = tokio::sync::oneshot::channel::<()>();
    // Every create it receives hangs.
    let hung = Stalling::stalling_next(backend.clone(), StallAt::BeforeSending, usize::MAX);
    let dying = {
        let url = database.url.clone();
        let tap = hung.clone();
        let settings = leased.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let store = BridgeStore::open(&url).await.unwrap();
                let served = instance(store, tap.clone(), settings).await;
                ready_tx.send(served.base.clone()).unwrap();
                let _ = die_rx.await;
                drop(served);
            });
            runtime.shutdown_background();
            tap.creates()
        })
    };
    let base_a = tokio::task::spawn_blocking(move || ready_rx.recv().unwrap())
        .await
        .unwrap();

    let claimed_after = Instant::now();
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{base_a}/Users"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/scim+json")
        .body(okta_user("ida@example.com", "Ida", "Rhodes").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: serde_json::Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let entry = created[support::scim::BRIDGE]["backends"][0].clone();
    assert_eq!(entry["state"], "pending", "{created:#}");
    // It dies once inside the create, which it entered holding the lease.
    let deadline = Instant::now() + Duration::from_secs(10);
    while hung.creates() == 0 {
        assert!(
            Instant::now() < deadline,
            "the first instance never tried the create"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    die_tx.send(()).unwrap();
    let dead_creates = tokio::task::spawn_blocking(move || dying.join().unwrap())
        .await
        .unwrap();
    assert_eq!(dead_creates, 1, "the dead instance was inside its create");
    assert!(
        backend.inner().is_empty(),
        "the hung create reached nothing"
    );

    let b = instance(database.open().await, backend.clone(), leased).await;
    // While the dead instance's lease lasts, the row is due but not the other's to take.
    let mut checks = 0;
    while claimed_after.elapsed() + Duration::from_millis(500) < LEASE {
        assert_eq!(
            b.bridge.sync_due().await.unwrap(),
            0,
            "a live lease was taken after {:?}",
            claimed_after.elapsed()
        );
        checks += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        checks >= 3,
        "the machine was too slow to check the lease while it lasted ({checks} checks)"
    );
    assert_eq!(
        b.get(&format!("/Users/{id}")).await.backend(BACKEND)["state"],
        "pending"
    );
    assert_eq!(backend.calls_to(Operation::Create), 0);

    // Once it ends, the other instance takes the row and creates the user, once.
    let deadline = Instant::now() + LEASE + Duration::from_secs(10);
    loop {
        if b.bridge.sync_due().await.unwrap() > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the expired lease was never taken"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        claimed_after.elapsed() >= LEASE,
        "taken after {:?}, before the {LEASE:?} lease ended",
        claimed_after.elapsed()
    );
    let read = b.get(&format!("/Users/{id}")).await;
    assert_eq!(read.backend(BACKEND)["state"], "synced", "{:#}", read.body);
    assert_eq!(backend.inner().len(), 1);
    assert_eq!(backend.calls_to(Operation::Create), 1);
    drop(b);
    database.drop_database().await;
}
