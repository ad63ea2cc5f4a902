//! A stream of users provisioned on several backends, each with its own concurrency,
//! pace and rate-limit pause.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::stream::{self, BoxStream, Stream, StreamExt};

use crate::error::{Error, Result};
use crate::provider::Provider;
use crate::provisioner::UserProvisioner;
use crate::user::NewUser;

use super::ensure::{ensure_user_opts, EnsureOptions, Ensured};
use super::gate::Gate;

/// How hard [`Bulk`] drives one backend.
///
/// ```
/// use user_provisioner::orchestration::Limits;
///
/// let limits = Limits::new().with_concurrency(32).with_requests_per_second(50.0);
/// assert_eq!(limits.concurrency(), 32);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    concurrency: usize,
    requests_per_second: Option<f64>,
    max_rate_limit_waits: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            concurrency: 8,
            requests_per_second: None,
            max_rate_limit_waits: 20,
        }
    }
}

impl Limits {
    /// 8 users at a time, no pace, up to 20 rate-limit pauses per user.
    pub fn new() -> Self {
        Self::default()
    }

    /// Users in flight at once on this backend (at least 1).
    pub fn with_concurrency(mut self, users: usize) -> Self {
        self.concurrency = users.max(1);
        self
    }

    /// At most this many users started per second on this backend (each user is one
    /// create, plus a lookup where needed).
    pub fn with_requests_per_second(mut self, rate: f64) -> Self {
        self.requests_per_second = Some(rate);
        self
    }

    /// How many times one user may be refused with a 429 (each time the whole backend
    /// pauses, then it is sent again) before its result is the [`Error::RateLimited`].
    pub fn with_max_rate_limit_waits(mut self, waits: u32) -> Self {
        self.max_rate_limit_waits = waits;
        self
    }

    /// Users in flight at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// The pace, if any.
    pub fn requests_per_second(&self) -> Option<f64> {
        self.requests_per_second
    }
}

/// One backend's counters, as the progress hook sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackendProgress {
    /// The backend's provider.
    pub provider: Provider,
    /// Users finished with success (created, accepted or already there).
    pub done: u64,
    /// Users finished with an error.
    pub failed: u64,
    /// Users started and not finished (waiting out a pause included).
    pub in_flight: u64,
    /// 429 answers seen; each paused the backend.
    pub rate_limited: u64,
}

/// Every backend's counters, in the order the backends were added.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkProgress {
    /// One entry per backend.
    pub backends: Vec<BackendProgress>,
}

type ProgressHook = Arc<dyn Fn(&BulkProgress) + Send + Sync>;

struct Progress {
    counters: Mutex<BulkProgress>,
    hook: Option<ProgressHook>,
}

impl Progress {
    fn update(&self, backend: usize, change: impl FnOnce(&mut BackendProgress)) {
        // The counters exist for the hook alone.
        if self.hook.is_none() {
            return;
        }
        let snapshot = {
            let mut counters = self
                .counters
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(entry) = counters.backends.get_mut(backend) {
                change(entry);
            }
            self.hook.as_ref().map(|_| counters.clone())
        };
        if let (Some(hook), Some(snapshot)) = (&self.hook, snapshot) {
            hook(&snapshot);
        }
    }
}

/// One user's result on one backend.
#[derive(Debug)]
#[non_exhaustive]
pub struct BulkResult {
    /// The user's position in the input, from 0.
    pub index: usize,
    /// The backend's position in the [`Bulk`], from 0.
    pub backend: usize,
    /// The backend's provider.
    pub provider: Provider,
    /// The user as given (for a list of failures to feed back in).
    pub user: Arc<NewUser>,
    /// What [`ensure_user`](super::ensure_user) answered, after any rate-limit pauses.
    pub result: Result<Ensured>,
    /// How many 429s this user met (each paused the backend, then it was sent again).
    pub rate_limit_waits: u32,
}

struct Backend {
    provisioner: Arc<dyn UserProvisioner>,
    limits: Limits,
}

/// Provisions a stream of users on several backends.
///
/// Each backend has its own [`Limits`]: users in flight, an optional pace, and a pause
/// that holds its **whole queue** when any of its requests is refused with a 429 (for
/// the delay the answer advises: `Retry-After`, or jambonz's `RateLimit-Reset`; else 1 s
/// doubling). The refused user is then sent again: a 429 means the server did not act.
/// Requests are sent with [`RequestOptions::with_rate_limit_retries(false)`], so the
/// first 429 reaches the pause at once instead of being waited out per request.
///
/// Each user goes through [`ensure_user_opts`](super::ensure_user_opts): running a
/// bulk again, or over users that partly exist, creates nobody twice.
///
/// Memory stays flat however long the input: the input is read only as fast as the
/// slowest backend takes users (each backend holds at most its concurrency of users
/// queued and as many in flight), and results are handed out as they complete, in
/// completion order, each with its input index; nothing is kept once handed out.
/// Dropping the stream stops the work; a create cut off in flight has an unknown
/// outcome, which running the bulk again resolves by lookup.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::sync::Arc;
/// use user_provisioner::futures::{stream, StreamExt};
/// use user_provisioner::orchestration::{Bulk, Limits};
/// use user_provisioner::providers::memory::MemoryProvisioner;
/// use user_provisioner::NewUser;
///
/// let backend = MemoryProvisioner::new();
/// let bulk = Bulk::new()
///     .with_backend(Arc::new(backend.clone()), Limits::new().with_concurrency(4))
///     .with_progress(|progress| {
///         let _ = progress.backends[0].in_flight;
///     });
/// let users = stream::iter((0..100).map(|n| NewUser::new(format!("user{n}"))));
/// let results: Vec<_> = bulk.create(users).collect().await;
/// assert_eq!(results.len(), 100);
/// assert!(results.iter().all(|r| r.result.is_ok()));
/// assert_eq!(backend.len(), 100);
/// # }
/// ```
///
/// [`RequestOptions::with_rate_limit_retries(false)`]: crate::RequestOptions::with_rate_limit_retries
#[derive(Clone, Default)]
pub struct Bulk {
    backends: Vec<Arc<Backend>>,
    ensure: EnsureOptions,
    progress: Option<ProgressHook>,
}

impl fmt::Debug for Bulk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backends: Vec<(Provider, &Limits)> = self
            .backends
            .iter()
            .map(|b| (b.provisioner.provider(), &b.limits))
            .collect();
        f.debug_struct("Bulk")
            .field("backends", &backends)
            .field("ensure", &self.ensure)
            .field("progress_hook", &self.progress.is_some())
            .finish()
    }
}

impl Bulk {
    /// No backends yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a backend with its limits.
    pub fn with_backend(mut self, backend: Arc<dyn UserProvisioner>, limits: Limits) -> Self {
        self.backends.push(Arc::new(Backend {
            provisioner: backend,
            limits,
        }));
        self
    }

    /// How each user is ensured. An idempotency key set here would be shared by every
    /// user, so it is not sent; the client makes one per create.
    pub fn with_ensure_options(mut self, options: EnsureOptions) -> Self {
        self.ensure = options;
        self
    }

    /// Calls `hook` with every backend's counters each time a user starts or finishes
    /// or a 429 pauses a backend. It runs on the task that polls the stream: keep it
    /// short (draw a bar, bump a metric).
    pub fn with_progress(mut self, hook: impl Fn(&BulkProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(hook));
        self
    }

    /// Ensures every user of `users` on every backend; one [`BulkResult`] per user and
    /// backend, in completion order.
    pub fn create<S>(&self, users: S) -> impl Stream<Item = BulkResult> + Send + Unpin + 'static
    where
        S: Stream<Item = NewUser> + Send + 'static,
    {
        let mut request = self.ensure.request_options().clone();
        request.idempotency_key = None;
        let ensure = Arc::new(
            self.ensure
                .clone()
                .with_request_options(request.with_rate_limit_retries(false)),
        );
        let progress = Arc::new(Progress {
            counters: Mutex::new(BulkProgress {
                backends: self
                    .backends
                    .iter()
                    .map(|b| BackendProgress {
                        provider: b.provisioner.provider(),
                        done: 0,
                        failed: 0,
                        in_flight: 0,
                        rate_limited: 0,
                    })
                    .collect(),
            }),
            hook: self.progress.clone(),
        });
        if let [backend] = self.backends.as_slice() {
            // One backend: the input feeds its lane directly, with no queue between.
            let lane = Lane::new(0, backend, &ensure, &progress);
            return users
                .enumerate()
                .map(move |(index, user)| Arc::clone(&lane).run(index, Arc::new(user)))
                .buffer_unordered(backend.limits.concurrency)
                .boxed();
        }
        let mut senders = Vec::with_capacity(self.backends.len());
        let mut lanes: Vec<BoxStream<'static, Option<BulkResult>>> = Vec::new();
        for (position, backend) in self.backends.iter().enumerate() {
            let (sender, receiver) =
                tokio::sync::mpsc::channel::<(usize, Arc<NewUser>)>(backend.limits.concurrency);
            senders.push(sender);
            let lane = Lane::new(position, backend, &ensure, &progress);
            let queue = stream::unfold(receiver, |mut receiver| async move {
                receiver.recv().await.map(|item| (item, receiver))
            });
            lanes.push(
                queue
                    .map(move |(index, user)| Arc::clone(&lane).run(index, user))
                    .buffer_unordered(backend.limits.concurrency)
                    .map(Some)
                    .boxed(),
            );
        }
        let feed = async move {
            let mut users = Box::pin(users);
            let mut index = 0usize;
            while let Some(user) = users.next().await {
                let user = Arc::new(user);
                for sender in &senders {
                    // A closed lane means the stream is being dropped.
                    let _ = sender.send((index, Arc::clone(&user))).await;
                }
                index += 1;
            }
            // Dropping the senders here ends each lane once its queue is drained.
        };
        lanes.push(stream::once(feed).map(|()| None).boxed());
        stream::select_all(lanes)
            .filter_map(std::future::ready)
            .boxed()
    }
}

/// One backend's share of a bulk.
struct Lane {
    position: usize,
    backend: Arc<Backend>,
    gate: Gate,
    ensure: Arc<EnsureOptions>,
    progress: Arc<Progress>,
}

impl Lane {
    fn new(
        position: usize,
        backend: &Arc<Backend>,
        ensure: &Arc<EnsureOptions>,
        progress: &Arc<Progress>,
    ) -> Arc<Self> {
        Arc::new(Self {
            position,
            backend: Arc::clone(backend),
            gate: Gate::new(backend.limits.requests_per_second),
            ensure: Arc::clone(ensure),
            progress: Arc::clone(progress),
        })
    }

    async fn run(self: Arc<Self>, index: usize, user: Arc<NewUser>) -> BulkResult {
        let provisioner = self.backend.provisioner.as_ref();
        self.progress.update(self.position, |p| p.in_flight += 1);
        let mut waits = 0u32;
        let result = loop {
            self.gate.admit().await;
            match ensure_user_opts(provisioner, &user, &self.ensure).await {
                Err(error @ Error::RateLimited(_))
                    if waits < self.backend.limits.max_rate_limit_waits =>
                {
                    waits += 1;
                    self.gate.pause(error.retry_after().map(at_least_a_moment));
                    self.progress.update(self.position, |p| p.rate_limited += 1);
                }
                Err(error @ Error::RateLimited(_)) => {
                    self.progress.update(self.position, |p| p.rate_limited += 1);
                    break Err(error);
                }
                other => break other,
            }
        };
        let ok = result.is_ok();
        self.progress.update(self.position, |p| {
            p.in_flight -= 1;
            if ok {
                p.done += 1;
            } else {
                p.failed += 1;
            }
        });
        BulkResult {
            index,
            backend: self.position,
            provider: provisioner.provider(),
            user,
            result,
            rate_limit_waits: waits,
        }
    }
}

/// A `Retry-After: 0` (or a window that just ended) still gets a short pause, so a
/// server that keeps refusing is not hammered in a loop.
fn at_least_a_moment(advised: Duration) -> Duration {
    advised.max(Duration::from_millis(50))
}
