//! Observe or decorate every call of any backend without implementing the trait: metrics,
//! audit logs, custom headers, per-call deadlines. The layer idea of OpenDAL and the
//! interceptors of aws-sdk-rust, kept small: a [`Hook`] sees each call before it runs
//! (and may change its [`RequestOptions`]) and after it ends (with its result and
//! latency); [`Hooked`] wraps any `Arc<dyn UserProvisioner>` with a list of hooks and is
//! itself a `UserProvisioner`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), user_provisioner::Error> {
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//! use std::time::Duration;
//! use user_provisioner::hooks::{Call, Hook, Hooked};
//! use user_provisioner::providers::memory::MemoryProvisioner;
//! use user_provisioner::{Error, NewUser, RequestOptions, UserProvisioner};
//!
//! #[derive(Debug, Default)]
//! struct CountFailures(AtomicUsize);
//!
//! impl Hook for CountFailures {
//!     fn after(&self, _call: &Call<'_>, result: Result<(), &Error>, _took: Duration) {
//!         if result.is_err() {
//!             self.0.fetch_add(1, Ordering::Relaxed);
//!         }
//!     }
//! }
//!
//! let failures = Arc::new(CountFailures::default());
//! let backend = Hooked::new(Arc::new(MemoryProvisioner::new())).with_hook(failures.clone());
//! let person = NewUser::new("ada").with_email("ada@example.com");
//! backend.create_user(&person).await?;
//! assert!(backend.create_user(&person).await.is_err()); // a duplicate
//! assert_eq!(failures.0.load(Ordering::Relaxed), 1);
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::capabilities::Capabilities;
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::outcome::{Accepted, CreateOutcome, DeleteOutcome, UpdateOutcome};
use crate::page::{ListUsers, UserPage};
use crate::provider::Provider;
use crate::provisioner::UserProvisioner;
use crate::update::UserUpdate;
use crate::user::{NewUser, User, UserId, UserKey};
use crate::visibility::VisibilityWait;

/// Re-exported from the crate root, where the `testing` feature's `Faulty` names it too.
#[doc(no_inline)]
pub use crate::operation::Operation;

/// What a hook sees of a call. It holds no secret: passwords and credentials never
/// reach a hook.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Call<'a> {
    /// The backend's provider.
    pub provider: Provider,
    /// The operation.
    pub operation: Operation,
    /// The user it concerns: the id, or the username of a create, or the key of a
    /// find; `None` for lists.
    pub user: Option<&'a str>,
}

/// Observes or decorates calls; every method has a default that does nothing.
pub trait Hook: fmt::Debug + Send + Sync {
    /// Before the call: may change its options (add a header, shorten the deadline).
    /// The crate's own headers (auth, idempotency) cannot be replaced this way.
    fn before(&self, call: &Call<'_>, options: &mut RequestOptions) {
        let _ = (call, options);
    }

    /// After the call, with how it ended and how long it took.
    fn after(&self, call: &Call<'_>, result: Result<(), &Error>, took: Duration) {
        let _ = (call, result, took);
    }
}

impl<H: Hook + ?Sized> Hook for Arc<H> {
    fn before(&self, call: &Call<'_>, options: &mut RequestOptions) {
        (**self).before(call, options)
    }

    fn after(&self, call: &Call<'_>, result: Result<(), &Error>, took: Duration) {
        (**self).after(call, result, took)
    }
}

/// Any backend with hooks around every call; a `UserProvisioner` itself.
#[derive(Debug, Clone)]
pub struct Hooked {
    inner: Arc<dyn UserProvisioner>,
    hooks: Vec<Arc<dyn Hook>>,
}

impl Hooked {
    /// `inner` with no hook yet.
    pub fn new(inner: Arc<dyn UserProvisioner>) -> Self {
        Self {
            inner,
            hooks: Vec::new(),
        }
    }

    /// Adds a hook; hooks run in the order added (`before`) and in reverse (`after`).
    pub fn with_hook(mut self, hook: impl Hook + 'static) -> Self {
        self.hooks.push(Arc::new(hook));
        self
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &Arc<dyn UserProvisioner> {
        &self.inner
    }

    /// Runs `run` with the options the hooks made, then tells the hooks how it ended.
    async fn around<T, F, Fut>(
        &self,
        operation: Operation,
        user: Option<&str>,
        options: &RequestOptions,
        run: F,
    ) -> Result<T>
    where
        F: FnOnce(RequestOptions) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let call = Call {
            provider: self.inner.provider(),
            operation,
            user,
        };
        let mut options = options.clone();
        for hook in &self.hooks {
            hook.before(&call, &mut options);
        }
        let started = Instant::now();
        let result = run(options).await;
        let took = started.elapsed();
        for hook in self.hooks.iter().rev() {
            hook.after(&call, result.as_ref().map(|_| ()), took);
        }
        result
    }
}

#[async_trait]
impl UserProvisioner for Hooked {
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
        self.around(
            Operation::Create,
            Some(&user.username),
            options,
            |o| async move { self.inner.create_user_opts(user, &o).await },
        )
        .await
    }

    async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
        self.around(Operation::Get, Some(id.as_str()), options, |o| async move {
            self.inner.get_user_opts(id, &o).await
        })
        .await
    }

    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome> {
        self.around(
            Operation::Update,
            Some(id.as_str()),
            options,
            |o| async move { self.inner.update_user_opts(id, update, &o).await },
        )
        .await
    }

    async fn delete_user_opts(
        &self,
        id: &UserId,
        options: &RequestOptions,
    ) -> Result<DeleteOutcome> {
        self.around(
            Operation::Delete,
            Some(id.as_str()),
            options,
            |o| async move { self.inner.delete_user_opts(id, &o).await },
        )
        .await
    }

    async fn list_users_opts(
        &self,
        request: &ListUsers,
        options: &RequestOptions,
    ) -> Result<UserPage> {
        self.around(Operation::List, None, options, |o| async move {
            self.inner.list_users_opts(request, &o).await
        })
        .await
    }

    async fn find_user_opts(
        &self,
        key: &UserKey,
        options: &RequestOptions,
    ) -> Result<Option<User>> {
        let shown = match key {
            UserKey::Username(value) | UserKey::Email(value) => value.as_str(),
        };
        self.around(Operation::Find, Some(shown), options, |o| async move {
            self.inner.find_user_opts(key, &o).await
        })
        .await
    }

    async fn wait_until_visible_opts(
        &self,
        accepted: &Accepted,
        wait: &VisibilityWait,
        options: &RequestOptions,
    ) -> Result<User> {
        let user = accepted.id.as_ref().map(UserId::as_str);
        self.around(Operation::WaitUntilVisible, user, options, |o| async move {
            self.inner.wait_until_visible_opts(accepted, wait, &o).await
        })
        .await
    }
}
