//! [`Faulty`]: failures, latency and lost answers injected around any backend.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;

use crate::capabilities::Capabilities;
use crate::error::{ApiError, Error, Result};
use crate::operation::Operation;
use crate::options::RequestOptions;
use crate::outcome::{CreateOutcome, DeleteOutcome, UpdateOutcome};
use crate::page::{ListUsers, UserPage};
use crate::provider::Provider;
use crate::provisioner::UserProvisioner;
use crate::recovery::CreateLookup;
use crate::update::UserUpdate;
use crate::user::{NewUser, User, UserId, UserKey};

/// Makes the error an injected failure returns.
pub type FailureFactory = Arc<dyn Fn() -> Error + Send + Sync>;

/// Any backend `P` with faults injected per [`Operation`]: the next calls failed with a
/// given error before they reach `P`, their answers lost after `P` acted (the caller
/// cannot know the outcome), or every call delayed. It counts the calls that reached
/// it, so a test can also check how often its code called.
///
/// Faults belong here, not in a backend: wrap the in-memory
/// [`MemoryProvisioner`](crate::providers::memory::MemoryProvisioner), an emulator's
/// client or a backend of your own alike. Clones share the faults and the counts.
///
/// # What reaches the faults
/// - A call whose input is refused (bad options,
///   [`validate_new_user`](UserProvisioner::validate_new_user),
///   [`validate_update`](UserProvisioner::validate_update)) fails first, uncounted and
///   taking no fault, as it would send no request.
/// - `find_user` is the wrapped backend's own search (so a provider's filtered lookup
///   stays one), counted as and failed by [`Operation::Find`].
/// - `wait_until_visible` reads through this wrapper, so its reads count (and fail) as
///   [`Operation::Get`] calls; faults queued for [`Operation::WaitUntilVisible`] are
///   never taken.
/// - Failures queued for one operation come before those queued for any.
///
/// ```
/// use user_provisioner::providers::memory::MemoryProvisioner;
/// use user_provisioner::testing::Faulty;
/// use user_provisioner::{NewUser, Operation, UserProvisioner};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let backend = Faulty::new(MemoryProvisioner::new());
/// backend.fail_next_op(Operation::Create, 1, 503);
/// assert!(backend.list_all_users().await.is_ok()); // other operations go through
/// let person = NewUser::new("ada").with_email("ada@example.com");
/// assert!(backend.create_user(&person).await.unwrap_err().is_retryable());
/// assert!(backend.create_user(&person).await.is_ok());
/// assert_eq!(backend.calls_to(Operation::Create), 2);
///
/// // The backend acts, the answer is lost: the caller cannot know.
/// backend.lose_next_answers(Operation::Create, 1);
/// let grace = NewUser::new("grace").with_email("grace@example.com");
/// assert!(backend.create_user(&grace).await.unwrap_err().is_outcome_unknown());
/// assert_eq!(backend.inner().len(), 2);
/// # }
/// ```
pub struct Faulty<P> {
    inner: P,
    faults: Arc<Mutex<Faults>>,
}

#[derive(Default)]
struct Faults {
    any: VecDeque<Injected>,
    per_operation: HashMap<Operation, VecDeque<Injected>>,
    latency: HashMap<Operation, Duration>,
    calls: usize,
    calls_per_operation: HashMap<Operation, usize>,
}

/// One queued fault.
#[derive(Clone)]
struct Injected {
    make: FailureFactory,
    /// The call reaches the backend first, and its answer is replaced by the error.
    after_acting: bool,
}

impl<P: Clone> Clone for Faulty<P> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            faults: Arc::clone(&self.faults),
        }
    }
}

impl<P: fmt::Debug> fmt::Debug for Faulty<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let faults = self.lock();
        let queued = faults.any.len()
            + faults
                .per_operation
                .values()
                .map(VecDeque::len)
                .sum::<usize>();
        f.debug_struct("Faulty")
            .field("inner", &self.inner)
            .field("queued_faults", &queued)
            .field("latency", &faults.latency)
            .field("calls", &faults.calls)
            .finish()
    }
}

impl<P> Faulty<P> {
    fn lock(&self) -> MutexGuard<'_, Faults> {
        // The counters and queues stay consistent under a panic elsewhere: keep serving.
        self.faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<P: UserProvisioner> Faulty<P> {
    /// `inner` with no fault queued yet.
    pub fn new(inner: P) -> Self {
        Self {
            inner,
            faults: Arc::default(),
        }
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    /// The wrapped backend, the faults left behind.
    pub fn into_inner(self) -> P {
        self.inner
    }

    /// Fails the next `count` calls (of any operation) with the error a provider
    /// answering `status` gives, classified as for real providers (503 is `Server`,
    /// 409 `Conflict`, ...) and named after the backend's provider. The backend sees
    /// nothing of a failed call.
    pub fn fail_next(&self, count: usize, status: u16) {
        let make = self.status_failure(status);
        self.queue(None, count, make, false);
    }

    /// Fails the next `count` calls (of any operation) with errors made by `make`.
    pub fn fail_next_with(&self, count: usize, make: impl Fn() -> Error + Send + Sync + 'static) {
        self.queue(None, count, Arc::new(make), false);
    }

    /// Fails the next `count` calls of `operation` only, as
    /// [`fail_next`](Self::fail_next) does: other operations go through.
    pub fn fail_next_op(&self, operation: Operation, count: usize, status: u16) {
        let make = self.status_failure(status);
        self.queue(Some(operation), count, make, false);
    }

    /// Fails the next `count` calls of `operation` with errors made by `make`.
    pub fn fail_next_op_with(
        &self,
        operation: Operation,
        count: usize,
        make: impl Fn() -> Error + Send + Sync + 'static,
    ) {
        self.queue(Some(operation), count, Arc::new(make), false);
    }

    /// The next `count` calls of `operation` reach the backend, which acts on them,
    /// and then their answers are lost: a create fails with
    /// [`Error::OutcomeUnknown`] (no lookup made), any other call with a `504` (a
    /// retryable server error), as after a connection dropped mid-answer.
    pub fn lose_next_answers(&self, operation: Operation, count: usize) {
        let provider = self.inner.provider();
        let lost = move || ApiError::new(provider, 504, "injected: the answer was lost");
        let make: FailureFactory = if operation == Operation::Create {
            Arc::new(move || Error::OutcomeUnknown {
                provider,
                cause: Box::new(lost().into_error()),
                lookup: CreateLookup::Skipped,
                idempotency_key: None,
            })
        } else {
            Arc::new(move || lost().into_error())
        };
        self.queue(Some(operation), count, make, true);
    }

    /// As [`lose_next_answers`](Self::lose_next_answers), with errors made by `make`.
    pub fn lose_next_answers_with(
        &self,
        operation: Operation,
        count: usize,
        make: impl Fn() -> Error + Send + Sync + 'static,
    ) {
        self.queue(Some(operation), count, Arc::new(make), true);
    }

    /// Delays every later call of `operation` by `latency` before it reaches the
    /// backend (or its fault); [`Duration::ZERO`] removes the delay.
    pub fn set_latency(&self, operation: Operation, latency: Duration) {
        let mut faults = self.lock();
        if latency.is_zero() {
            faults.latency.remove(&operation);
        } else {
            faults.latency.insert(operation, latency);
        }
    }

    /// How many calls reached this wrapper, failed ones included (see the type's
    /// documentation for what reaches it).
    pub fn calls(&self) -> usize {
        self.lock().calls
    }

    /// How many calls of `operation` reached this wrapper, as [`calls`](Self::calls)
    /// counts them.
    pub fn calls_to(&self, operation: Operation) -> usize {
        self.lock()
            .calls_per_operation
            .get(&operation)
            .copied()
            .unwrap_or(0)
    }

    fn status_failure(&self, status: u16) -> FailureFactory {
        let provider = self.inner.provider();
        Arc::new(move || ApiError::new(provider, status, "injected failure").into_error())
    }

    fn queue(&self, operation: Option<Operation>, count: usize, make: FailureFactory, after: bool) {
        let injected = Injected {
            make,
            after_acting: after,
        };
        let mut faults = self.lock();
        let queue = match operation {
            Some(operation) => faults.per_operation.entry(operation).or_default(),
            None => &mut faults.any,
        };
        queue.extend(std::iter::repeat_n(injected, count));
    }

    /// Counts a call of `operation`, waits its latency, and runs it unless a fault says
    /// otherwise.
    async fn around<T, Fut>(&self, operation: Operation, run: Fut) -> Result<T>
    where
        Fut: std::future::Future<Output = Result<T>>,
    {
        let (injected, latency) = {
            let mut faults = self.lock();
            faults.calls += 1;
            *faults.calls_per_operation.entry(operation).or_default() += 1;
            let injected = faults
                .per_operation
                .get_mut(&operation)
                .and_then(VecDeque::pop_front)
                .or_else(|| faults.any.pop_front());
            (injected, faults.latency.get(&operation).copied())
        };
        if let Some(latency) = latency {
            tokio::time::sleep(latency).await;
        }
        match injected {
            None => run.await,
            Some(fault) if fault.after_acting => {
                // What the backend answered is what the caller never hears.
                let _ = run.await;
                Err((fault.make)())
            }
            Some(fault) => Err((fault.make)()),
        }
    }
}

#[async_trait]
impl<P: UserProvisioner> UserProvisioner for Faulty<P> {
    fn provider(&self) -> Provider {
        self.inner.provider()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn validate_new_user(&self, user: &NewUser) -> Result<()> {
        self.inner.validate_new_user(user)
    }

    fn validate_update(&self, id: &UserId, update: &UserUpdate) -> Result<()> {
        self.inner.validate_update(id, update)
    }

    async fn create_user_opts(
        &self,
        user: &NewUser,
        options: &RequestOptions,
    ) -> Result<CreateOutcome> {
        options.check()?;
        self.inner.validate_new_user(user)?;
        self.around(
            Operation::Create,
            self.inner.create_user_opts(user, options),
        )
        .await
    }

    async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
        options.check()?;
        self.around(Operation::Get, self.inner.get_user_opts(id, options))
            .await
    }

    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome> {
        options.check()?;
        self.inner.validate_update(id, update)?;
        self.around(
            Operation::Update,
            self.inner.update_user_opts(id, update, options),
        )
        .await
    }

    async fn delete_user_opts(
        &self,
        id: &UserId,
        options: &RequestOptions,
    ) -> Result<DeleteOutcome> {
        options.check()?;
        self.around(Operation::Delete, self.inner.delete_user_opts(id, options))
            .await
    }

    async fn list_users_opts(
        &self,
        request: &ListUsers,
        options: &RequestOptions,
    ) -> Result<UserPage> {
        options.check()?;
        self.around(
            Operation::List,
            self.inner.list_users_opts(request, options),
        )
        .await
    }

    /// The wrapped backend's own search (a filtered request where its provider has one),
    /// so that wrapping changes nothing but the faults: it takes the faults queued for
    /// [`Operation::Find`] and counts as one.
    async fn find_user_opts(
        &self,
        key: &UserKey,
        options: &RequestOptions,
    ) -> Result<Option<User>> {
        options.check()?;
        self.around(Operation::Find, self.inner.find_user_opts(key, options))
            .await
    }

    // `wait_until_visible` is the trait's default: it reads through `get_user_opts`
    // above, so read faults and counts reach it.
}
