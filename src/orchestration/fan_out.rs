//! One operation on several backends at once, with a per-backend report and rollback.

use std::fmt;
use std::sync::Arc;

use futures::future::join_all;

use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::outcome::{DeleteOutcome, UpdateOutcome};
use crate::provider::Provider;
use crate::provisioner::UserProvisioner;
use crate::update::UserUpdate;
use crate::user::{NewUser, UserId};

use super::ensure::{ensure_user_opts, EnsureOptions, Ensured};
use super::identity::Identity;

/// One backend's result in a [`FanOutReport`].
#[derive(Debug)]
#[non_exhaustive]
pub struct BackendResult<T> {
    /// The backend's position in the [`FanOut`], from 0.
    pub backend: usize,
    /// The backend's provider.
    pub provider: Provider,
    /// What the backend answered, with its typed error.
    pub result: Result<T>,
}

/// What an update, disable or delete did on one backend.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Targeted<T> {
    /// The change was sent to this user and acknowledged.
    Applied {
        /// The user's id on this backend.
        id: UserId,
        /// The backend's answer.
        outcome: T,
    },
    /// The user already was as asked (a disable of a disabled user); nothing was sent.
    Unchanged {
        /// The user's id on this backend.
        id: UserId,
    },
    /// The backend has no such user; nothing was sent.
    NotFound,
}

/// What a rollback step undoes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RollbackAction {
    /// Deletes a user this call created.
    Delete(UserId),
    /// Enables again a user this call disabled.
    Enable(UserId),
}

/// One step of a rollback and how it went. A failed step leaves the backend changed:
/// its error says why, and the caller must clean up.
#[derive(Debug)]
#[non_exhaustive]
pub struct RollbackStep {
    /// The backend's position in the [`FanOut`].
    pub backend: usize,
    /// The backend's provider.
    pub provider: Provider,
    /// What was undone.
    pub action: RollbackAction,
    /// Whether it was.
    pub result: Result<()>,
}

/// Every backend's result, in the order the backends were given, and the rollback
/// steps taken (none unless rollback is on and a backend failed).
#[derive(Debug)]
#[non_exhaustive]
pub struct FanOutReport<T> {
    /// One per backend.
    pub results: Vec<BackendResult<T>>,
    /// One per change undone, in backend order.
    pub rollback: Vec<RollbackStep>,
}

impl<T> FanOutReport<T> {
    /// Whether every backend succeeded.
    pub fn is_success(&self) -> bool {
        self.results.iter().all(|r| r.result.is_ok())
    }

    /// The backends that failed.
    pub fn failures(&self) -> impl Iterator<Item = &BackendResult<T>> {
        self.results.iter().filter(|r| r.result.is_err())
    }

    /// Whether a rollback ran and every step of it succeeded.
    pub fn rolled_back(&self) -> bool {
        !self.rollback.is_empty() && self.rollback.iter().all(|s| s.result.is_ok())
    }
}

/// Runs one operation on several backends at once.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::sync::Arc;
/// use user_provisioner::orchestration::FanOut;
/// use user_provisioner::providers::memory::MemoryProvisioner;
/// use user_provisioner::{Capabilities, Field, FieldSupport, NewUser};
///
/// // The voice platform requires an email, which the PBX does not.
/// let needs_email = Capabilities::new().with_field(Field::Email, FieldSupport::Required);
/// let (pbx, voice) = (MemoryProvisioner::new(), MemoryProvisioner::new().with_capabilities(needs_email));
/// let fan_out = FanOut::new([Arc::new(pbx.clone()) as _, Arc::new(voice.clone()) as _])
///     .with_rollback(true);
/// let report = fan_out.create(&NewUser::new("ada")).await;
/// assert!(!report.is_success());
/// assert!(report.rolled_back()); // ada was deleted again from the PBX
/// assert!(pbx.is_empty());
/// # }
/// ```
#[derive(Clone)]
pub struct FanOut {
    backends: Vec<Arc<dyn UserProvisioner>>,
    rollback: bool,
    ensure: EnsureOptions,
}

impl fmt::Debug for FanOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let providers: Vec<Provider> = self.backends.iter().map(|b| b.provider()).collect();
        f.debug_struct("FanOut")
            .field("backends", &providers)
            .field("rollback", &self.rollback)
            .field("ensure", &self.ensure)
            .finish()
    }
}

impl FanOut {
    /// The backends, without rollback.
    pub fn new(backends: impl IntoIterator<Item = Arc<dyn UserProvisioner>>) -> Self {
        Self {
            backends: backends.into_iter().collect(),
            rollback: false,
            ensure: EnsureOptions::new(),
        }
    }

    /// Whether a failure on any backend undoes what this call changed on the others:
    /// [`create`](Self::create) deletes the users it created (never one that already
    /// existed); [`disable`](Self::disable) enables again the users it disabled.
    /// Updates and deletes are not undone (a delete cannot be; an update's earlier
    /// values cannot all be written back portably).
    pub fn with_rollback(mut self, rollback: bool) -> Self {
        self.rollback = rollback;
        self
    }

    /// How creates are ensured, and the options of every request.
    pub fn with_ensure_options(mut self, options: EnsureOptions) -> Self {
        self.ensure = options;
        self
    }

    fn requests(&self) -> &RequestOptions {
        self.ensure.request_options()
    }

    fn reads(&self) -> RequestOptions {
        self.requests().without_idempotency_key()
    }

    async fn each<'a, T, F, Fut>(&'a self, call: F) -> Vec<BackendResult<T>>
    where
        F: Fn(&'a dyn UserProvisioner) -> Fut,
        Fut: std::future::Future<Output = Result<T>> + 'a,
    {
        let calls = self.backends.iter().enumerate().map(|(backend, b)| {
            let pending = call(b.as_ref());
            async move {
                BackendResult {
                    backend,
                    provider: b.provider(),
                    result: pending.await,
                }
            }
        });
        join_all(calls).await
    }

    /// Ensures `user` on every backend ([`ensure_user_opts`](super::ensure_user_opts)).
    /// With rollback on and any backend failed, deletes every user this call created
    /// (an accepted one once it is readable).
    pub async fn create(&self, user: &NewUser) -> FanOutReport<Ensured> {
        let results = self
            .each(|backend| ensure_user_opts(backend, user, &self.ensure))
            .await;
        let mut report = FanOutReport {
            results,
            rollback: Vec::new(),
        };
        if !self.rollback || report.is_success() {
            return report;
        }
        let undo = report.results.iter().filter_map(|r| {
            let backend = &self.backends[r.backend];
            match &r.result {
                Ok(Ensured::Created(created)) => {
                    Some((r.backend, backend, Undo::Delete(created.id.clone())))
                }
                Ok(Ensured::Accepted(accepted)) => {
                    Some((r.backend, backend, Undo::DeleteAccepted(accepted.clone())))
                }
                _ => None,
            }
        });
        let steps = undo.map(|(position, backend, undo)| async move {
            let (action, result) = undo.run(backend.as_ref(), &self.reads()).await;
            RollbackStep {
                backend: position,
                provider: backend.provider(),
                action,
                result,
            }
        });
        report.rollback = join_all(steps).await;
        report
    }

    /// Applies `update` to the user `who` on every backend (found by username, or by
    /// email where the provider stores no username). Not rolled back.
    pub async fn update(
        &self,
        who: &Identity,
        update: &UserUpdate,
    ) -> FanOutReport<Targeted<UpdateOutcome>> {
        let results = self
            .each(|backend| async move {
                let Some(found) = who.find(backend, &self.reads()).await? else {
                    return Ok(Targeted::NotFound);
                };
                let outcome = backend
                    .update_user_opts(&found.id, update, self.requests())
                    .await?;
                Ok(Targeted::Applied {
                    id: found.id,
                    outcome,
                })
            })
            .await;
        FanOutReport {
            results,
            rollback: Vec::new(),
        }
    }

    /// Offboarding that can be undone: disables `who` on every backend where it is
    /// enabled. With rollback on and any backend failed, enables again the users this
    /// call disabled (never one that was disabled already).
    pub async fn disable(&self, who: &Identity) -> FanOutReport<Targeted<UpdateOutcome>> {
        let disable = UserUpdate::new().with_enabled(false);
        let results = self
            .each(|backend| {
                let disable = &disable;
                async move {
                    let Some(found) = who.find(backend, &self.reads()).await? else {
                        return Ok(Targeted::NotFound);
                    };
                    if found.enabled == Some(false) {
                        return Ok(Targeted::Unchanged { id: found.id });
                    }
                    let outcome = backend
                        .update_user_opts(&found.id, disable, self.requests())
                        .await?;
                    Ok(Targeted::Applied {
                        id: found.id,
                        outcome,
                    })
                }
            })
            .await;
        let mut report = FanOutReport {
            results,
            rollback: Vec::new(),
        };
        if !self.rollback || report.is_success() {
            return report;
        }
        let steps = report.results.iter().filter_map(|r| match &r.result {
            Ok(Targeted::Applied { id, .. }) => {
                let backend = &self.backends[r.backend];
                let position = r.backend;
                Some(async move {
                    let enable = UserUpdate::new().with_enabled(true);
                    let result = backend
                        .update_user_opts(id, &enable, self.requests())
                        .await
                        .map(|_| ());
                    RollbackStep {
                        backend: position,
                        provider: backend.provider(),
                        action: RollbackAction::Enable(id.clone()),
                        result,
                    }
                })
            }
            _ => None,
        });
        report.rollback = join_all(steps).await;
        report
    }

    /// Offboarding for good: deletes `who` on every backend that has it. Not undone.
    pub async fn delete(&self, who: &Identity) -> FanOutReport<Targeted<DeleteOutcome>> {
        let results = self
            .each(|backend| async move {
                let Some(found) = who.find(backend, &self.reads()).await? else {
                    return Ok(Targeted::NotFound);
                };
                let outcome = backend.delete_user_opts(&found.id, self.requests()).await?;
                Ok(Targeted::Applied {
                    id: found.id,
                    outcome,
                })
            })
            .await;
        FanOutReport {
            results,
            rollback: Vec::new(),
        }
    }
}

/// A create to undo.
enum Undo {
    Delete(UserId),
    DeleteAccepted(crate::outcome::Accepted),
}

impl Undo {
    async fn run(
        self,
        backend: &dyn UserProvisioner,
        options: &RequestOptions,
    ) -> (RollbackAction, Result<()>) {
        match self {
            Undo::Delete(id) => {
                let result = backend.delete_user_opts(&id, options).await.map(|_| ());
                (RollbackAction::Delete(id), result)
            }
            Undo::DeleteAccepted(accepted) => {
                let Some(id) = accepted.id.clone() else {
                    let error = Error::invalid_input(
                        "accepted.id",
                        "the provider named no user in its answer, so the accepted user cannot be deleted; look it up and delete it",
                    );
                    return (RollbackAction::Delete(UserId::new("")), Err(error));
                };
                // The user must be readable before the provider can delete it.
                let visible = backend
                    .wait_until_visible_opts(&accepted, &crate::VisibilityWait::new(), options)
                    .await;
                let result = match visible {
                    Ok(user) => backend
                        .delete_user_opts(&user.id, options)
                        .await
                        .map(|_| ()),
                    Err(error) => Err(error),
                };
                (RollbackAction::Delete(id), result)
            }
        }
    }
}
