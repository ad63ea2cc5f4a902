//! The bulk API against a hand-written loop, and its peak memory:
//! `cargo bench --bench bulk --features testing` (about half a minute).
//!
//! 1. Throughput: 10,000 creates through `orchestration::Bulk` and through a
//!    hand-written `FuturesUnordered` loop that keeps the same number of
//!    `create_user` calls in flight (32) on the same backend, fed from the same lazy
//!    input, in interleaved rounds (medians), against
//!    - a backend that only yields and keeps nothing (`Discard`): the orchestration's
//!      own overhead;
//!    - the jambonz adapter over the loopback server of the overhead bench
//!      (`support/server.rs`, one write per answer, `201 {"user_sid"}`).
//!
//!    Printed: creates per second of each (medians of the rounds) and bulk ÷
//!    hand-written throughput (the median of the rounds' back-to-back pairs; target
//!    ≥ 0.95).
//! 2. Peak live heap bytes, from a counting global allocator, of a bulk run of 10,000
//!    and of 100,000 users over `Discard` with the input as a lazy stream, and whether
//!    it stays flat.
//!
//! One timed run instead, as before (for `/usr/bin/time -v`):
//! ```sh
//! cargo bench --bench bulk --features testing -- 100000 32            # users, concurrency
//! cargo bench --bench bulk --features testing -- 100000 32 in-memory  # MemoryProvisioner
//! /usr/bin/time -v target/release/deps/bulk-* 100000 32
//! ```
//! `--rounds=N` and `--users=N` change the throughput part.

#[path = "support/server.rs"]
mod server;
#[path = "support/stats.rs"]
mod stats;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use stats::median;
use user_provisioner::futures::stream::FuturesUnordered;
use user_provisioner::futures::{stream, Stream, StreamExt};
use user_provisioner::orchestration::{Bulk, EnsureOptions, Limits, LookFirst};
use user_provisioner::providers::jambonz::JambonzBuilder;
use user_provisioner::providers::memory::MemoryProvisioner;
use user_provisioner::{
    async_trait, Capabilities, CreateOutcome, DeleteOutcome, Error, ListUsers, NewUser, Provider,
    ProviderInfo, RequestOptions, UpdateOutcome, User, UserId, UserPage, UserProvisioner,
    UserUpdate,
};

use server::{Route, Server};

// ---- a counting allocator -----------------------------------------------------------

/// The system allocator, counting live bytes and their peak. The counters run through
/// every part of the bench, so both sides of a comparison pay for them alike.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn grew(size: usize) {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    if live > PEAK.load(Ordering::Relaxed) {
        PEAK.fetch_max(live, Ordering::Relaxed);
    }
}

// SAFETY: every call is passed to `System` unchanged; the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(pointer, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as received.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        moved
    }
}

// ---- a backend that keeps nothing ---------------------------------------------------

const DISCARD: Provider = Provider::new(&ProviderInfo::new("discard", "discarding backend"));

/// Answers every create as created, after a yield, and keeps nothing.
#[derive(Debug, Default)]
struct Discard(AtomicU64);

#[async_trait]
impl UserProvisioner for Discard {
    fn provider(&self) -> Provider {
        DISCARD
    }
    fn capabilities(&self) -> Capabilities {
        MemoryProvisioner::new().capabilities()
    }
    async fn create_user_opts(
        &self,
        user: &NewUser,
        _: &RequestOptions,
    ) -> Result<CreateOutcome, Error> {
        tokio::task::yield_now().await;
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        let mut created = User::new(DISCARD, format!("d-{n}"));
        created.username = Some(user.username.clone());
        Ok(CreateOutcome::Created(created))
    }
    async fn get_user_opts(&self, id: &UserId, _: &RequestOptions) -> Result<User, Error> {
        Ok(User::new(DISCARD, id.clone()))
    }
    async fn update_user_opts(
        &self,
        _: &UserId,
        _: &UserUpdate,
        _: &RequestOptions,
    ) -> Result<UpdateOutcome, Error> {
        Ok(UpdateOutcome::Applied)
    }
    async fn delete_user_opts(
        &self,
        _: &UserId,
        _: &RequestOptions,
    ) -> Result<DeleteOutcome, Error> {
        Ok(DeleteOutcome::Deleted)
    }
    async fn list_users_opts(&self, _: &ListUsers, _: &RequestOptions) -> Result<UserPage, Error> {
        Ok(UserPage::new(Vec::new(), None))
    }
}

// ---- the two ways of running many creates -------------------------------------------

const CONCURRENCY: usize = 32;

/// The `n`th user of a run: a unique name and email, and a password jambonz accepts.
fn person(n: usize) -> NewUser {
    NewUser::new(format!("user{n}"))
        .with_email(format!("user{n}@example.com"))
        .with_password("Str0ngP@ssw0rd!")
}

/// `users` users, made one at a time as they are pulled.
fn lazy_input(users: usize) -> impl Stream<Item = NewUser> + Send + 'static {
    stream::iter((0..users).map(person))
}

/// Creates through `Bulk`; how long it took and how many failed.
async fn through_bulk(
    backend: &Arc<dyn UserProvisioner>,
    users: usize,
    concurrency: usize,
) -> (Duration, usize) {
    let bulk = Bulk::new()
        .with_backend(
            Arc::clone(backend),
            Limits::new().with_concurrency(concurrency),
        )
        .with_ensure_options(EnsureOptions::new().with_look_first(LookFirst::Never));
    let started = Instant::now();
    let failed = bulk
        .create(lazy_input(users))
        .fold(0usize, |failed, result| async move {
            failed + usize::from(result.result.is_err())
        })
        .await;
    (started.elapsed(), failed)
}

/// The same creates by hand: at most `concurrency` `create_user` calls in flight, the
/// next user pulled from the same lazy input as one finishes.
async fn by_hand(
    backend: &Arc<dyn UserProvisioner>,
    users: usize,
    concurrency: usize,
) -> (Duration, usize) {
    let started = Instant::now();
    let mut input = Box::pin(lazy_input(users));
    let mut in_flight = FuturesUnordered::new();
    let mut failed = 0usize;
    let mut exhausted = false;
    loop {
        while !exhausted && in_flight.len() < concurrency {
            match input.next().await {
                Some(user) => {
                    let backend = Arc::clone(backend);
                    in_flight.push(async move { backend.create_user(&user).await.is_err() });
                }
                None => exhausted = true,
            }
        }
        match in_flight.next().await {
            Some(error) => failed += usize::from(error),
            None => break,
        }
    }
    (started.elapsed(), failed)
}

/// Interleaved rounds of both ways: the median creates per second of each, and the
/// median over the rounds of bulk ÷ hand-written, each pair run back to back so that
/// load from elsewhere on the machine falls on both of a pair.
async fn compare(
    name: &str,
    backend: &Arc<dyn UserProvisioner>,
    users: usize,
    rounds: usize,
) -> (f64, f64, f64) {
    // Warm-up: connections opened, code and allocator paths hot.
    through_bulk(backend, users / 10, CONCURRENCY).await;
    by_hand(backend, users / 10, CONCURRENCY).await;
    let (mut bulk, mut hand, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut pair = [0.0; 2];
        for step in 0..2 {
            let bulk_turn = (round + step).is_multiple_of(2);
            let (elapsed, failed) = if bulk_turn {
                through_bulk(backend, users, CONCURRENCY).await
            } else {
                by_hand(backend, users, CONCURRENCY).await
            };
            assert_eq!(failed, 0, "{name}: creates failed");
            pair[usize::from(!bulk_turn)] = users as f64 / elapsed.as_secs_f64();
        }
        bulk.push(pair[0]);
        hand.push(pair[1]);
        ratios.push(pair[0] / pair[1]);
    }
    (median(bulk), median(hand), median(ratios))
}

/// Peak live heap bytes above the start of one bulk run over `Discard`.
async fn peak_of_bulk(users: usize) -> (usize, usize) {
    let backend: Arc<dyn UserProvisioner> = Arc::new(Discard::default());
    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let (_, failed) = through_bulk(&backend, users, CONCURRENCY).await;
    assert_eq!(failed, 0);
    let peak = PEAK.load(Ordering::SeqCst);
    (peak.saturating_sub(before), peak)
}

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// The earlier mode: one bulk of `users` at `concurrency`, timed.
async fn single_run(users: usize, concurrency: usize, in_memory: bool) {
    let backend: Arc<dyn UserProvisioner> = if in_memory {
        Arc::new(MemoryProvisioner::new())
    } else {
        Arc::new(Discard::default())
    };
    let (elapsed, failed) = through_bulk(&backend, users, concurrency).await;
    println!(
        "{users} users, concurrency {concurrency}, backend {}: {elapsed:.2?}, {} ok, {failed} \
         failed, peak live heap {}",
        backend.provider().key(),
        users - failed,
        kib(PEAK.load(Ordering::SeqCst)),
    );
}

fn main() {
    let mut positional = Vec::new();
    let (mut rounds, mut users) = (5usize, 10_000usize);
    for arg in std::env::args().skip(1) {
        if let Some(n) = arg.strip_prefix("--rounds=").and_then(|n| n.parse().ok()) {
            rounds = n;
        } else if let Some(n) = arg.strip_prefix("--users=").and_then(|n| n.parse().ok()) {
            users = n;
        } else if !arg.starts_with('-') {
            positional.push(arg);
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if let Some(count) = positional.first().and_then(|a| a.parse::<usize>().ok()) {
        let concurrency = positional
            .get(1)
            .and_then(|a| a.parse().ok())
            .unwrap_or(CONCURRENCY);
        let in_memory = positional.get(2).is_some_and(|a| a == "in-memory");
        runtime.block_on(single_run(count, concurrency, in_memory));
        return;
    }

    let server = Server::start(vec![Route::json(
        "POST",
        "/v1/Users",
        201,
        r#"{"user_sid":"a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d"}"#,
    )]);
    let jambonz: Arc<dyn UserProvisioner> = Arc::new(
        JambonzBuilder::new()
            .with_base_url(format!("{}/v1", server.url()))
            .with_api_key("0d6f4c2e-bench-jambonz-key")
            .build()
            .expect("jambonz client"),
    );
    let discard: Arc<dyn UserProvisioner> = Arc::new(Discard::default());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "bulk: {users} creates, concurrency {CONCURRENCY}, medians of interleaved rounds \
         ({} over discard, {rounds} over loopback); {cores} cores \
         (std::thread::available_parallelism); client on one current-thread runtime, \
         server on its own thread",
        rounds * 3
    );
    runtime.block_on(async {
        println!(
            "{:<34} {:>14} {:>14} {:>14}",
            "backend", "Bulk", "hand-written", "Bulk / hand"
        );
        // A discard round takes milliseconds, so it gets three times the rounds.
        for (name, backend, rounds) in [
            ("discard (yields, keeps nothing)", &discard, rounds * 3),
            ("jambonz adapter over loopback", &jambonz, rounds),
        ] {
            let (bulk, hand, ratio) = compare(name, backend, users, rounds).await;
            println!("{name:<34} {bulk:>10.0} /s {hand:>10.0} /s {ratio:>13.3}");
        }

        println!();
        println!("peak live heap of a bulk over discard, lazy input, concurrency {CONCURRENCY}:");
        // A first run settles lazily built statics, so they count in neither figure.
        peak_of_bulk(1_000).await;
        let (small, small_total) = peak_of_bulk(10_000).await;
        let (large, large_total) = peak_of_bulk(100_000).await;
        println!(
            "  10,000 users:  {} above the start ({} live at the peak)",
            kib(small),
            kib(small_total)
        );
        println!(
            "  100,000 users: {} above the start ({} live at the peak)",
            kib(large),
            kib(large_total)
        );
        let per_user = large.saturating_sub(small) as f64 / 90_000.0;
        println!(
            "  growth from 10,000 to 100,000 users: {per_user:.2} bytes per extra user: {}",
            if per_user < 1.0 {
                "flat (memory does not grow with the user count)"
            } else {
                "NOT flat"
            }
        );
    });
}
