//! The orchestration module against the emulators and `MemoryProvisioner`: ensure,
//! fan-out with rollback, and bulk at the rate limit.
#![cfg(all(
    feature = "orchestration",
    feature = "testing",
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use user_provisioner::futures::{stream, StreamExt};
use user_provisioner::orchestration::{
    ensure_user, ensure_user_opts, Bulk, EnsureOptions, Ensured, FanOut, FoundBy, Identity, Limits,
    LookFirst, RollbackAction, Targeted,
};
use user_provisioner::providers::memory::MemoryProvisioner;
use user_provisioner::testing::{
    ConnectEmulator, EceEmulator, Fault, FaultRule, Faulty, JambonzEmulator, NetSapiensEmulator,
};
use user_provisioner::{
    async_trait, ApiError, Capabilities, CreateOutcome, DeleteOutcome, Error, ListUsers, NewUser,
    Provider, RequestOptions, UpdateOutcome, User, UserId, UserPage, UserProvisioner, UserUpdate,
};

fn jambonz_person(emulator: &JambonzEmulator, name: &str) -> NewUser {
    NewUser::new(name)
        .with_email(format!("{name}@example.com"))
        .with_password("Str0ngP@ss1")
        .with_attribute("jambonz.account_sid", emulator.account_sid().to_string())
}

fn ece_person(name: &str) -> NewUser {
    NewUser::new(name)
        .with_email(format!("{name}@example.com"))
        .with_password("Str0ngP@ss1")
}

fn netsapiens_person(name: &str, extension: u32) -> NewUser {
    NewUser::new(name)
        .with_email(format!("{name}@example.com"))
        .with_names("Ada", "Lovelace")
        .with_attribute("netsapiens.extension", extension)
}

// ---- ensure -------------------------------------------------------------------------

#[tokio::test]
async fn ensure_on_jambonz_reports_an_existing_user_and_what_differs() {
    let jambonz = JambonzEmulator::start().await.unwrap();
    let client = jambonz.client().unwrap();
    let ada = jambonz_person(&jambonz, "ada");
    assert!(matches!(
        ensure_user(&client, &ada).await.unwrap(),
        Ensured::Created(_)
    ));
    let other_email = ada.clone().with_email("ada@elsewhere.example");
    let Ensured::AlreadyExisted(existing) = ensure_user(&client, &other_email).await.unwrap()
    else {
        panic!("ada exists");
    };
    assert_eq!(existing.found, FoundBy::Conflict);
    assert_eq!(existing.differences.len(), 1, "{:?}", existing.differences);
    assert_eq!(existing.differences[0].field, "email");
    assert_eq!(existing.differences[0].found, "ada@example.com");
    assert_eq!(jambonz.server().count("POST", "/v1/Users"), 2);
    assert_eq!(jambonz.user_count(), 2); // the seeded admin and ada
}

#[tokio::test]
async fn ensure_after_an_unknown_outcome_finds_the_user_and_never_creates_twice() {
    let jambonz = JambonzEmulator::start().await.unwrap();
    let client = jambonz.client().unwrap();
    jambonz
        .server()
        .inject(FaultRule::new(Fault::ActThenDrop).on("POST", "/v1/Users"));
    let ada = jambonz_person(&jambonz, "ada");
    let Ensured::AlreadyExisted(existing) = ensure_user(&client, &ada).await.unwrap() else {
        panic!("the lookup finds ada");
    };
    assert_eq!(existing.found, FoundBy::LookupAfterUnknownOutcome);
    assert!(existing.differences.is_empty());
    assert_eq!(jambonz.server().count("POST", "/v1/Users"), 1);
    assert_eq!(jambonz.user_count(), 2);
}

#[tokio::test]
async fn ensure_on_ece_reports_the_conflict_as_already_existed() {
    let ece = EceEmulator::start().await.unwrap();
    let client = ece.client().unwrap();
    let grace = ece_person("grace");
    let _ = client.create_user(&grace).await.unwrap();
    let Ensured::AlreadyExisted(existing) = ensure_user(&client, &grace).await.unwrap() else {
        panic!("grace exists");
    };
    assert_eq!(existing.found, FoundBy::Conflict);
    assert_eq!(existing.user.username.as_deref(), Some("grace"));
    assert_eq!(ece.user_count(), 1);
}

#[tokio::test]
async fn ensure_on_netsapiens_waits_for_an_accepted_user_it_conflicts_with() {
    let netsapiens = NetSapiensEmulator::start()
        .await
        .unwrap()
        .with_visibility_delay(Duration::from_millis(300));
    let client = netsapiens
        .builder()
        .with_synchronous_creates(false)
        .build()
        .unwrap();
    let ada = netsapiens_person("ada", 1001);
    let first = ensure_user(&client, &ada).await.unwrap();
    assert!(matches!(first, Ensured::Accepted(_)), "{first:?}");
    // Not readable yet: the second create is a conflict, and the lookup waits for it.
    let Ensured::AlreadyExisted(existing) = ensure_user(&client, &ada).await.unwrap() else {
        panic!("ada was accepted");
    };
    assert_eq!(existing.found, FoundBy::Conflict);
    assert_eq!(netsapiens.user_count(), 1);
}

#[tokio::test]
async fn ensure_on_connect_looks_first_because_connect_cannot_tell_a_duplicate() {
    let connect = ConnectEmulator::start().await.unwrap();
    let client = connect.client().unwrap();
    let ada = NewUser::new("ada").with_email("ada@example.com");
    assert!(matches!(
        ensure_user(&client, &ada).await.unwrap(),
        Ensured::Created(_)
    ));
    let Ensured::AlreadyExisted(existing) = ensure_user(&client, &ada).await.unwrap() else {
        panic!("ada exists");
    };
    assert_eq!(existing.found, FoundBy::LookupBeforeCreate);
    assert_eq!(connect.server().count("POST", "/"), 1);
    assert_eq!(connect.user_count(), 1);

    // Without the lookup, Connect makes a second user: what Auto guards against.
    let blind = EnsureOptions::new().with_look_first(LookFirst::Never);
    let _ = ensure_user_opts(&client, &ada, &blind).await.unwrap();
    assert_eq!(connect.user_count(), 2);
}

// ---- fan-out ------------------------------------------------------------------------

#[tokio::test]
async fn fan_out_rolls_back_what_it_created_and_leaves_what_existed() {
    let jambonz = JambonzEmulator::start().await.unwrap();
    let ece = EceEmulator::start().await.unwrap();
    let failing = Faulty::new(MemoryProvisioner::new());
    let ada = jambonz_person(&jambonz, "ada");
    // ada already has an ECE login: the rollback must not take it away.
    let _ = ece.client().unwrap().create_user(&ada).await.unwrap();
    failing.fail_next(1, 400);

    let fan_out = FanOut::new([
        Arc::new(jambonz.client().unwrap()) as Arc<dyn UserProvisioner>,
        Arc::new(ece.client().unwrap()),
        Arc::new(failing.clone()),
    ])
    .with_rollback(true);
    let report = fan_out.create(&ada).await;

    assert!(matches!(report.results[0].result, Ok(Ensured::Created(_))));
    assert!(matches!(
        report.results[1].result,
        Ok(Ensured::AlreadyExisted(_))
    ));
    assert!(matches!(report.results[2].result, Err(Error::Api(_))));
    assert_eq!(report.failures().count(), 1);
    assert_eq!(report.rollback.len(), 1, "{:?}", report.rollback);
    assert_eq!(report.rollback[0].provider, Provider::JAMBONZ);
    assert!(matches!(
        report.rollback[0].action,
        RollbackAction::Delete(_)
    ));
    assert!(report.rolled_back());
    assert_eq!(jambonz.user_count(), 1); // only the seeded admin
    assert_eq!(ece.user_count(), 1); // ada's earlier login stays
}

#[tokio::test]
async fn a_rollback_that_fails_is_reported() {
    let jambonz = JambonzEmulator::start().await.unwrap();
    let failing = Faulty::new(MemoryProvisioner::new());
    failing.fail_next(1, 503);
    jambonz.server().inject(
        FaultRule::new(Fault::status(500))
            .on("DELETE", "/v1/Users")
            .times(20),
    );
    let fan_out = FanOut::new([
        Arc::new(jambonz.client().unwrap()) as Arc<dyn UserProvisioner>,
        Arc::new(failing),
    ])
    .with_rollback(true);
    let report = fan_out.create(&jambonz_person(&jambonz, "ada")).await;
    assert!(!report.is_success());
    assert_eq!(report.rollback.len(), 1);
    let step = &report.rollback[0];
    assert!(matches!(step.result, Err(Error::Server(_))), "{step:?}");
    assert!(!report.rolled_back());
    assert_eq!(jambonz.user_count(), 2); // ada is still there, and the report says so
}

#[tokio::test]
async fn offboarding_disables_everywhere_and_a_failure_enables_again() {
    let (a, b, c) = (
        MemoryProvisioner::new(),
        Faulty::new(MemoryProvisioner::new()),
        MemoryProvisioner::new(),
    );
    let ada = NewUser::new("ada").with_email("ada@example.com");
    let _ = a.create_user(&ada).await.unwrap();
    let _ = b.create_user(&ada).await.unwrap();
    let fan_out = FanOut::new([
        Arc::new(a.clone()) as Arc<dyn UserProvisioner>,
        Arc::new(b.clone()),
        Arc::new(c.clone()),
    ])
    .with_rollback(true);
    let who = Identity::of(&ada);
    // c has no ada: NotFound is no failure, so both are disabled.
    let report = fan_out.disable(&who).await;
    assert!(report.is_success());
    assert!(matches!(report.results[2].result, Ok(Targeted::NotFound)));
    let id = UserId::new("mem-1");
    assert_eq!(a.get_user(&id).await.unwrap().enabled, Some(false));

    // Enabled again on a; b fails: a is enabled back, b was never changed.
    let _ = a
        .update_user(&id, &UserUpdate::new().with_enabled(true))
        .await
        .unwrap();
    b.fail_next(1, 503);
    let report = fan_out.disable(&who).await;
    assert!(!report.is_success());
    assert_eq!(report.rollback.len(), 1);
    assert!(matches!(
        report.rollback[0].action,
        RollbackAction::Enable(_)
    ));
    assert!(report.rolled_back());
    assert_eq!(a.get_user(&id).await.unwrap().enabled, Some(true));

    let report = fan_out.delete(&who).await;
    assert!(report.is_success());
    assert!(a.is_empty() && b.inner().is_empty());
}

// ---- bulk ---------------------------------------------------------------------------

/// A backend over `MemoryProvisioner` that fails given users in set ways, so that a
/// bulk's results can be checked one by one.
#[derive(Debug)]
struct FailsSomeUsers {
    inner: MemoryProvisioner,
    rate_limited_once: Mutex<HashSet<String>>,
}

fn fault_of(username: &str) -> Option<u32> {
    let n: u32 = username.trim_start_matches("user").parse().ok()?;
    [97, 101, 103]
        .into_iter()
        .find(|m| n.is_multiple_of(*m) && n > 0)
}

#[async_trait]
impl UserProvisioner for FailsSomeUsers {
    fn provider(&self) -> Provider {
        self.inner.provider()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn create_user_opts(
        &self,
        user: &NewUser,
        o: &RequestOptions,
    ) -> Result<CreateOutcome, Error> {
        let injected = |status| ApiError::new(Provider::IN_MEMORY, status, "injected");
        match fault_of(&user.username) {
            // Acts, then the answer is lost: the outcome is unknown.
            Some(97) => {
                let _ = self.inner.create_user_opts(user, o).await?;
                Err(injected(503).into_error())
            }
            // Refused once with a 429, without acting.
            Some(101)
                if self
                    .rate_limited_once
                    .lock()
                    .unwrap()
                    .insert(user.username.clone()) =>
            {
                Err(injected(429)
                    .with_retry_after(Duration::from_millis(5))
                    .into_error())
            }
            // Refused for good, without acting.
            Some(103) => Err(injected(400).into_error()),
            _ => self.inner.create_user_opts(user, o).await,
        }
    }
    async fn get_user_opts(&self, id: &UserId, o: &RequestOptions) -> Result<User, Error> {
        self.inner.get_user_opts(id, o).await
    }
    async fn update_user_opts(
        &self,
        id: &UserId,
        u: &UserUpdate,
        o: &RequestOptions,
    ) -> Result<UpdateOutcome, Error> {
        self.inner.update_user_opts(id, u, o).await
    }
    async fn delete_user_opts(
        &self,
        id: &UserId,
        o: &RequestOptions,
    ) -> Result<DeleteOutcome, Error> {
        self.inner.delete_user_opts(id, o).await
    }
    async fn list_users_opts(&self, r: &ListUsers, o: &RequestOptions) -> Result<UserPage, Error> {
        self.inner.list_users_opts(r, o).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_of_ten_thousand_gives_every_input_one_result_and_creates_nobody_twice() {
    const USERS: usize = 10_000;
    let store = MemoryProvisioner::new();
    let backend = Arc::new(FailsSomeUsers {
        inner: store.clone(),
        rate_limited_once: Mutex::new(HashSet::new()),
    });
    let max_in_flight = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&max_in_flight);
    // MemoryProvisioner deduplicates by idempotency key, so Auto would look every
    // user up first; it refuses duplicates itself, so the lookup is not needed.
    let bulk = Bulk::new()
        .with_backend(backend, Limits::new().with_concurrency(32))
        .with_ensure_options(EnsureOptions::new().with_look_first(LookFirst::Never))
        .with_progress(move |progress| {
            seen.fetch_max(progress.backends[0].in_flight, Ordering::Relaxed);
        });
    let users = stream::iter((0..USERS).map(|n| NewUser::new(format!("user{n}"))));
    let started = Instant::now();
    let mut results = bulk.create(users);
    let mut indexes = vec![0u32; USERS];
    let (mut created, mut existed, mut failed, mut waits) = (0, 0, 0, 0);
    while let Some(result) = results.next().await {
        indexes[result.index] += 1;
        assert_eq!(result.user.username, format!("user{}", result.index));
        waits += result.rate_limit_waits;
        match (&result.result, fault_of(&result.user.username)) {
            (Ok(Ensured::Created(_)), None | Some(101)) => created += 1,
            (Ok(Ensured::AlreadyExisted(e)), Some(97)) => {
                assert_eq!(e.found, FoundBy::LookupAfterUnknownOutcome);
                existed += 1
            }
            (Err(Error::Api(_)), Some(103)) => failed += 1,
            other => panic!("user {}: {other:?}", result.index),
        }
    }
    let elapsed = started.elapsed();
    assert!(
        indexes.iter().all(|count| *count == 1),
        "one result per input"
    );
    let faults = |m: usize| (1..USERS).filter(|n| n.is_multiple_of(m)).count();
    assert_eq!(existed, faults(97));
    assert_eq!(
        failed,
        faults(103)
            - (1..USERS)
                .filter(|n| n.is_multiple_of(103) && n.is_multiple_of(97))
                .count()
    );
    assert_eq!(
        waits as usize,
        faults(101)
            - (1..USERS)
                .filter(|n| n.is_multiple_of(101) && n.is_multiple_of(97))
                .count()
    );
    assert_eq!(
        store.len(),
        created + existed,
        "every stored user came from one result"
    );
    assert!(max_in_flight.load(Ordering::Relaxed) <= 32);
    eprintln!("bulk of {USERS} in memory at concurrency 32: {elapsed:?}");
}

#[tokio::test]
async fn bulk_against_the_jambonz_emulator_with_faults_creates_nobody_twice() {
    const USERS: usize = 300;
    let jambonz = JambonzEmulator::start().await.unwrap();
    let server = jambonz.server();
    server.inject(
        FaultRule::new(Fault::ActThenDrop)
            .on("POST", "/v1/Users")
            .times(5),
    );
    server.inject(
        FaultRule::new(Fault::status(503))
            .on("POST", "/v1/Users")
            .times(5),
    );
    server.inject(
        FaultRule::new(Fault::rate_limited(0))
            .on("POST", "/v1/Users")
            .times(5),
    );
    let bulk = Bulk::new().with_backend(
        Arc::new(jambonz.client().unwrap()),
        Limits::new().with_concurrency(32),
    );
    let people: Vec<NewUser> = (0..USERS)
        .map(|n| jambonz_person(&jambonz, &format!("user{n}")))
        .collect();
    let results: Vec<_> = bulk.create(stream::iter(people)).collect().await;
    let mut indexes: Vec<usize> = results.iter().map(|r| r.index).collect();
    indexes.sort();
    assert_eq!(indexes, (0..USERS).collect::<Vec<_>>());
    let ok = results.iter().filter(|r| r.result.is_ok()).count();
    let existed = results
        .iter()
        .filter(|r| matches!(r.result, Ok(Ensured::AlreadyExisted(_))))
        .count();
    let failed: Vec<_> = results
        .iter()
        .filter_map(|r| r.result.as_ref().err())
        .collect();
    assert_eq!(existed, 5, "the five dropped answers are found by lookup");
    // A 503 on a create jambonz cannot deduplicate: the lookup finds nobody, so the
    // outcome stays unknown and the user is reported, never re-sent.
    assert_eq!(failed.len(), 5, "{failed:?}");
    assert!(failed.iter().all(|e| e.is_outcome_unknown()));
    assert_eq!(jambonz.user_count(), 1 + ok);
    assert!(results
        .iter()
        .all(|r| !matches!(r.result, Err(Error::RateLimited(_)))));
    // Every POST is one user's create, or one re-sent after a 429.
    assert_eq!(server.count("POST", "/v1/Users"), USERS + 5);
}

#[tokio::test]
async fn one_429_holds_the_whole_backend_for_the_advised_delay() {
    const USERS: usize = 60;
    let jambonz = JambonzEmulator::start().await.unwrap();
    let server = jambonz.server();
    let bulk = Bulk::new().with_backend(
        Arc::new(jambonz.client().unwrap()),
        Limits::new().with_concurrency(8),
    );
    let people: Vec<NewUser> = (0..USERS)
        .map(|n| jambonz_person(&jambonz, &format!("user{n}")))
        .collect();
    // The 11th create is refused with `Retry-After: 1`.
    server.inject(
        FaultRule::new(Fault::Delay(Duration::ZERO))
            .on("POST", "/v1/Users")
            .times(10),
    );
    server.inject(FaultRule::new(Fault::rate_limited(1)).on("POST", "/v1/Users"));
    let results: Vec<_> = bulk.create(stream::iter(people)).collect().await;
    assert_eq!(results.len(), USERS);
    assert!(results.iter().all(|r| r.result.is_ok()), "no failures");
    assert_eq!(results.iter().map(|r| r.rate_limit_waits).sum::<u32>(), 1);

    let posts: Vec<Instant> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.received_at)
        .collect();
    assert_eq!(posts.len(), USERS + 1);
    let refused = posts[10];
    // Requests already sent when the 429 came back may still arrive just after it;
    // none starts until the advised second has passed.
    let early = posts
        .iter()
        .filter(|at| **at > refused + Duration::from_millis(100))
        .filter(|at| **at < refused + Duration::from_millis(950))
        .count();
    assert_eq!(early, 0, "a request started during the pause");
    let after = posts
        .iter()
        .filter(|at| **at >= refused + Duration::from_millis(950))
        .count();
    assert!(after >= USERS - 18, "the rest ran after the pause: {after}");
}

#[tokio::test]
async fn a_bulk_against_the_jambonz_rate_limit_finishes_with_no_429_failures() {
    const USERS: usize = 90;
    let jambonz = JambonzEmulator::start()
        .await
        .unwrap()
        .with_rate_limit(40, Duration::from_secs(1));
    let limited = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&limited);
    let bulk = Bulk::new()
        .with_backend(
            Arc::new(jambonz.client().unwrap()),
            Limits::new().with_concurrency(16),
        )
        .with_progress(move |progress| {
            seen.store(progress.backends[0].rate_limited, Ordering::Relaxed);
        });
    let people: Vec<NewUser> = (0..USERS)
        .map(|n| jambonz_person(&jambonz, &format!("user{n}")))
        .collect();
    let results: Vec<_> = bulk.create(stream::iter(people)).collect().await;
    assert_eq!(results.len(), USERS);
    let failures: Vec<_> = results
        .iter()
        .filter_map(|r| r.result.as_ref().err())
        .collect();
    assert!(failures.is_empty(), "{failures:?}");
    assert!(limited.load(Ordering::Relaxed) > 0, "the limit was reached");
    assert_eq!(jambonz.user_count(), 1 + USERS);
}

#[tokio::test]
async fn a_bulk_on_several_backends_reports_each_and_paces_requests() {
    let (a, b) = (MemoryProvisioner::new(), MemoryProvisioner::new());
    let bulk = Bulk::new()
        .with_backend(Arc::new(a.clone()), Limits::new().with_concurrency(2))
        .with_backend(
            Arc::new(b.clone()),
            Limits::new().with_requests_per_second(100.0),
        )
        .with_ensure_options(EnsureOptions::new().with_look_first(LookFirst::Never));
    let started = Instant::now();
    let results: Vec<_> = bulk
        .create(stream::iter((0..20).map(|n| NewUser::new(format!("u{n}")))))
        .collect()
        .await;
    assert!(
        started.elapsed() >= Duration::from_millis(180),
        "100 per second"
    );
    assert_eq!(results.len(), 40);
    assert_eq!(results.iter().filter(|r| r.backend == 1).count(), 20);
    assert_eq!((a.len(), b.len()), (20, 20));
}

// ---- the real jambonz server ----------------------------------------------------------

mod real_server {
    use super::*;
    use std::path::PathBuf;
    use std::process::Command;

    /// The server's scripts, the project's own (`.ci/jambonz-server/`).
    fn scripts() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".ci/jambonz-server")
    }

    /// Restarts the real server's API process with `limit` requests per `window_mins`
    /// (MariaDB and Redis keep running); the env file it writes names the same URL.
    fn restart_api(limit: Option<(u32, &str)>) {
        let stop = Command::new(scripts().join("stop.sh"))
            .arg("--api-only")
            .status()
            .expect("stop.sh");
        assert!(stop.success(), "stop.sh --api-only");
        let mut start = Command::new(scripts().join("start.sh"));
        start.env("JAMBONZ_SERVER_API_ONLY", "1");
        if let Some((limit, window_mins)) = limit {
            start
                .env("JAMBONZ_SERVER_RATE_LIMIT", limit.to_string())
                .env("JAMBONZ_SERVER_RATE_WINDOW_MINS", window_mins);
        }
        let started = start.output().expect("start.sh");
        assert!(
            started.status.success(),
            "start.sh: {}",
            String::from_utf8_lossy(&started.stderr)
        );
    }

    /// Puts the server back to its usual limit, also when the test fails.
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            restart_api(None);
        }
    }

    #[tokio::test]
    #[ignore = "needs the real jambonz server: see README"]
    async fn a_bulk_over_the_real_rate_limit_finishes_with_zero_failures() {
        // The server hashes each password (argon2), which holds a create to about a
        // dozen a second on two cores: the limit sits well below that.
        const USERS: usize = 200;
        const LIMIT: u32 = 50;
        restart_api(Some((LIMIT, "0.1"))); // 50 requests per 6 s
        let restore = Restore;
        let var = |name: &str| std::env::var(name).expect(name);
        let client = user_provisioner::providers::jambonz::JambonzBuilder::new()
            .with_base_url(var("JAMBONZ_BASE_URL"))
            .with_api_key(var("JAMBONZ_API_KEY"))
            .build()
            .unwrap();
        let account = var("JAMBONZ_ACCOUNT_SID");
        let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        let people: Vec<NewUser> = (0..USERS)
            .map(|n| {
                NewUser::new(format!("bulk-{run}-{n}"))
                    .with_email(format!("bulk-{run}-{n}@example.com"))
                    .with_password("Str0ngP@ss1")
                    .with_attribute("jambonz.account_sid", account.as_str())
            })
            .collect();
        let client: Arc<dyn UserProvisioner> = Arc::new(client);
        let bulk =
            Bulk::new().with_backend(Arc::clone(&client), Limits::new().with_concurrency(16));
        let started = Instant::now();
        let results: Vec<_> = bulk.create(stream::iter(people)).collect().await;
        let elapsed = started.elapsed();
        let waits: u32 = results.iter().map(|r| r.rate_limit_waits).sum();
        let failures: Vec<_> = results
            .iter()
            .filter_map(|r| r.result.as_ref().err())
            .collect();
        eprintln!(
            "real jambonz: limit {LIMIT}/6 s, {USERS} users, {elapsed:?}, {waits} 429s, {} failures",
            failures.len()
        );
        assert_eq!(results.len(), USERS);
        assert!(failures.is_empty(), "{failures:?}");
        assert!(waits > 0, "the limit was reached");
        // Clean up at the server's default limit.
        drop(restore);
        for result in &results {
            if let Ok(Ensured::Created(user)) = &result.result {
                let _ = client.delete_user(&user.id).await;
            }
        }
    }
}
