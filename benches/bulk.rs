//! Wall time and (with `/usr/bin/time -v`) peak memory of a bulk, on a backend that
//! keeps nothing, so that only the bulk's own memory is measured:
//!
//! ```sh
//! cargo bench --bench bulk --features testing -- 100000 32
//! /usr/bin/time -v target/release/deps/bulk-* 100000 32
//! ```
//! `in-memory` as a third argument uses `InMemoryProvisioner` (whose store grows with
//! the users, by design).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use user_provisioner::futures::{stream, StreamExt};
use user_provisioner::orchestration::{Bulk, EnsureOptions, Limits, LookFirst};
use user_provisioner::testing::InMemoryProvisioner;
use user_provisioner::{
    async_trait, Capabilities, CreateOutcome, DeleteOutcome, Error, ListUsers, NewUser, Provider,
    ProviderInfo, RequestOptions, UpdateOutcome, User, UserId, UserPage, UserProvisioner,
    UserUpdate,
};

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
        InMemoryProvisioner::new().capabilities()
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

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let users: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(32);
    let backend: Arc<dyn UserProvisioner> = match args.next().as_deref() {
        Some("in-memory") => Arc::new(InMemoryProvisioner::new()),
        _ => Arc::new(Discard::default()),
    };
    let bulk = Bulk::new()
        .with_backend(
            Arc::clone(&backend),
            Limits::new().with_concurrency(concurrency),
        )
        .with_ensure_options(EnsureOptions::new().with_look_first(LookFirst::Never));
    let input = stream::iter(
        (0..users)
            .map(|n| NewUser::new(format!("user{n}")).with_email(format!("user{n}@example.com"))),
    );
    let started = Instant::now();
    let (ok, failed) = bulk
        .create(input)
        .fold((0usize, 0usize), |(ok, failed), r| async move {
            if r.result.is_ok() {
                (ok + 1, failed)
            } else {
                (ok, failed + 1)
            }
        })
        .await;
    println!(
        "{} users, concurrency {concurrency}, backend {}: {:.2?}, {ok} ok, {failed} failed",
        users,
        backend.provider().key(),
        started.elapsed()
    );
}
