//! The durable queue's worker: brings each backend to the SCIM user's current version.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;

use user_provisioner::orchestration::{
    ensure_user_opts, EnsureOptions, Ensured, Identity, LookFirst,
};
use user_provisioner::Error;
use user_provisioner::IdempotencyKey;
use user_provisioner::RequestOptions;
use user_provisioner::Secret;
use user_provisioner::UserId;

use super::mapping::{state_of, update_between, BackendSpec, Desired, Fit, PortableState, Present};
use super::store::{AttemptOutcome, BridgeStore, StoreError, SyncRecord, SyncState, UserRecord};

/// How the bridge retries and paces its backends.
///
/// ```
/// use std::time::Duration;
/// use user_provisioner_bridge::SyncSettings;
///
/// let settings = SyncSettings::new()
///     .with_max_attempts(20)
///     .with_retry_delays(Duration::from_secs(2), Duration::from_secs(600))
///     .with_inline_wait(Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSettings {
    pub(crate) max_attempts: i64,
    pub(crate) first_retry: Duration,
    pub(crate) max_retry: Duration,
    pub(crate) lease: Duration,
    pub(crate) inline_wait: Duration,
    pub(crate) poll_interval: Duration,
    pub(crate) concurrency: usize,
    pub(crate) password_memory: Duration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self::new()
    }
}

impl SyncSettings {
    /// 10 attempts, retries after 1 s doubling up to 5 min, a 2 min lease, 10 s of
    /// syncing within a request, a queue poll every second, 8 attempts at a time,
    /// passwords held in memory for 24 h.
    pub fn new() -> Self {
        Self {
            max_attempts: 10,
            first_retry: Duration::from_secs(1),
            max_retry: Duration::from_secs(300),
            lease: Duration::from_secs(120),
            inline_wait: Duration::from_secs(10),
            poll_interval: Duration::from_secs(1),
            concurrency: 8,
            password_memory: Duration::from_secs(24 * 3600),
        }
    }

    /// Attempts per change before a backend's state becomes `gaveUp` (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = i64::from(attempts.max(1));
        self
    }

    /// The delay after the first failed attempt, doubling after each further one up to
    /// `max`.
    pub fn with_retry_delays(mut self, first: Duration, max: Duration) -> Self {
        self.first_retry = first;
        self.max_retry = max.max(first);
        self
    }

    /// How long an instance holds a row it works on. An instance that dies holding one
    /// leaves it to the others (or to itself, restarted) once the lease ends; each
    /// attempt is cut off at three quarters of it.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(100));
        self
    }

    /// How long a SCIM request waits for its backends before answering with their
    /// state so far (the worker carries on).
    pub fn with_inline_wait(mut self, wait: Duration) -> Self {
        self.inline_wait = wait;
        self
    }

    /// How often the worker looks for due rows.
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(10));
        self
    }

    /// How many backend calls one instance makes at a time (at least 1).
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// How long a password the identity provider sent is held, in memory only, for the
    /// backends that have not taken it yet. It is never written to the database.
    pub fn with_password_memory(mut self, memory: Duration) -> Self {
        self.password_memory = memory;
        self
    }

    fn retry_delay(&self, attempts: i64) -> Duration {
        let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.first_retry
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(self.max_retry)
    }
}

/// A password held for a user: the version that carried it, and until when.
#[derive(Debug)]
struct HeldPassword {
    version: i64,
    password: Secret,
    until: DateTime<Utc>,
}

/// Passwords by SCIM user, with the version that carried them: memory only.
#[derive(Debug, Default)]
pub(crate) struct PasswordVault {
    entries: Mutex<HashMap<String, HeldPassword>>,
}

impl PasswordVault {
    /// Holds `password`, sent with `version` of the user, for `memory`.
    pub fn keep(&self, user_id: &str, version: i64, password: Secret, memory: Duration) {
        let now = Utc::now();
        let expires = now + chrono::Duration::from_std(memory).unwrap_or(chrono::Duration::MAX);
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, held| held.until > now);
            entries.insert(
                user_id.to_owned(),
                HeldPassword {
                    version,
                    password,
                    until: expires,
                },
            );
        }
    }

    /// The password sent with `version`, if still held.
    pub fn get(&self, user_id: &str, version: i64) -> Option<Secret> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(user_id)
            .filter(|held| held.version == version && held.until > Utc::now())
            .map(|held| held.password.clone())
    }

    pub fn forget(&self, user_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(user_id);
        }
    }
}

/// The bridge's sync worker state, shared by the router and the background task.
#[derive(Debug)]
pub(crate) struct Engine {
    pub backends: Vec<BackendSpec>,
    pub store: BridgeStore,
    pub settings: SyncSettings,
    pub passwords: PasswordVault,
    /// This instance's name in leases.
    pub owner: String,
}

impl Engine {
    pub fn backend(&self, name: &str) -> Option<&BackendSpec> {
        self.backends.iter().find(|backend| backend.name == name)
    }

    pub fn backend_names(&self) -> Vec<String> {
        self.backends
            .iter()
            .map(|backend| backend.name.clone())
            .collect()
    }

    /// Claims and attempts the due rows (of one user, when given); how many it attempted.
    pub async fn run_due(&self, user_id: Option<&str>) -> Result<usize, StoreError> {
        let limit = i64::try_from(self.settings.concurrency.saturating_mul(4)).unwrap_or(32);
        let rows = self
            .store
            .claim_due(&self.owner, self.settings.lease, limit, user_id)
            .await?;
        let count = rows.len();
        let mut purge = Vec::new();
        let mut results = futures::stream::iter(rows)
            .map(|row| async move {
                let outcome = self.attempt(&row).await;
                trace_outcome(&row, &outcome);
                let finished = self.store.finish_attempt(&self.owner, &row, &outcome).await;
                (row, outcome, finished)
            })
            .buffer_unordered(self.settings.concurrency);
        let mut first_error = None;
        while let Some((row, outcome, finished)) = results.next().await {
            match finished {
                Ok(()) if outcome.state == SyncState::Removed => purge.push(row.user_id),
                Ok(()) => {}
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        drop(results);
        purge.sort();
        purge.dedup();
        for id in purge {
            if self.store.purge_if_removed(&id).await? {
                self.passwords.forget(&id);
            }
        }
        match first_error {
            Some(error) => Err(error),
            None => Ok(count),
        }
    }

    /// One attempt at one row; never fails, it records what went wrong instead.
    async fn attempt(&self, row: &SyncRecord) -> AttemptOutcome {
        let user = match self.store.user_any(&row.user_id).await {
            Ok(Some(user)) => user,
            Ok(None) => return self.removed(row),
            Err(error) => return self.failed(row, row.backend_user_id.clone(), &error.to_string()),
        };
        let Some(backend) = self.backend(&row.backend) else {
            return self.given_up(
                row,
                "the bridge no longer has a backend of this name; it was left as it was",
            );
        };
        let desired = if user.deleted {
            Desired::Absent
        } else {
            match backend.desired(&user.document) {
                Ok(desired) => desired,
                Err(refusal) => return self.given_up(row, refusal.detail()),
            }
        };
        // Cut an attempt off before its lease ends, so that no other instance takes the
        // row while this one still works on it.
        let budget = self.settings.lease.mul_f64(0.75);
        match tokio::time::timeout(budget, self.converge(row, &user, backend, desired)).await {
            Ok(outcome) => outcome,
            Err(_) => self.failed(
                row,
                row.backend_user_id.clone(),
                &format!(
                    "the attempt took longer than {budget:?}; its outcome is looked up next time"
                ),
            ),
        }
    }

    async fn converge(
        &self,
        row: &SyncRecord,
        user: &UserRecord,
        backend: &BackendSpec,
        desired: Desired,
    ) -> AttemptOutcome {
        let provisioner = backend.provisioner.as_ref();
        let options = RequestOptions::new();
        let mut present = match desired {
            Desired::Absent => return self.remove(row, user, backend).await,
            Desired::Present(present) => *present,
        };
        let password = (user.password_version > row.synced_version)
            .then(|| self.passwords.get(&user.id, user.password_version))
            .flatten();
        if user.password_version > row.synced_version && password.is_none() {
            present.notes.push(format!(
                "the password sent with version {} was not applied: the bridge no longer \
                 holds it (it restarted, or held it longer than its password memory); the \
                 next password the identity provider sends will be",
                user.password_version
            ));
        }
        let Some(id) = row.backend_user_id.clone() else {
            return self.create(row, backend, &present, password).await;
        };
        let old: PortableState = row
            .synced_state
            .clone()
            .and_then(|state| serde_json::from_value(state).ok())
            .unwrap_or_default();
        let id = UserId::new(id);
        let (update, state, notice) = match backend.plan_update(&id, &old, &present, password) {
            Ok(Fit::Fits(change)) => (change.update, change.state, change.notice),
            Ok(Fit::CannotTake(reason)) => {
                let mut outcome = self.given_up(row, &reason);
                outcome.backend_user_id = Some(id.into_string());
                return outcome;
            }
            Err(refusal) => return self.given_up(row, refusal.detail()),
        };
        if update.is_empty() {
            return self.synced(row, Some(id.into_string()), &state, notice);
        }
        match provisioner.update_user_opts(&id, &update, &options).await {
            Ok(_) => self.synced(row, Some(id.into_string()), &state, notice),
            // The account went away on the backend: the next attempt creates it again.
            Err(error) if error.is_not_found() => AttemptOutcome {
                backend_user_id: None,
                synced_version: row.synced_version,
                synced_state: None,
                state: SyncState::Pending,
                next_attempt: Utc::now(),
                last_error: Some(format!("the account was gone from the backend: {error}")),
                notice: None,
            },
            Err(error) => self.outcome_of_error(row, Some(id.into_string()), &error),
        }
    }

    async fn create(
        &self,
        row: &SyncRecord,
        backend: &BackendSpec,
        present: &Present,
        password: Option<Secret>,
    ) -> AttemptOutcome {
        let provisioner = backend.provisioner.as_ref();
        let creation = match backend.plan_create(present, password) {
            Ok(Fit::Fits(creation)) => creation,
            Ok(Fit::CannotTake(reason)) => return self.blocked(row, &reason),
            Err(refusal) => return self.given_up(row, refusal.detail()),
        };
        let (new_user, state, notice) = (creation.user, &creation.state, creation.notice);
        let mut request = RequestOptions::new();
        if provisioner.capabilities().idempotent_create {
            // The row's own key, the same on every attempt and every instance: a create
            // the provider deduplicates is re-sent safely under it.
            if let Some(key) = row
                .idempotency_key
                .as_deref()
                .and_then(|key| IdempotencyKey::new(key).ok())
            {
                request = request.with_idempotency_key(key);
            }
        }
        let mut ensure = EnsureOptions::new().with_request_options(request);
        if row.create_started {
            // An earlier attempt may have created it and died before recording its id.
            ensure = ensure.with_look_first(LookFirst::Always);
        }
        if let Err(error) = self.store.mark_create_started(&self.owner, row).await {
            return self.failed(row, None, &error.to_string());
        }
        match ensure_user_opts(provisioner, &new_user, &ensure).await {
            Ok(Ensured::Created(created)) => {
                self.synced(row, Some(created.id.into_string()), state, notice)
            }
            Ok(Ensured::Accepted(accepted)) => match accepted.id {
                Some(id) => self.synced(
                    row,
                    Some(id.into_string()),
                    state,
                    notice.or_else(|| {
                        Some("accepted by the backend; readable once it has applied it".into())
                    }),
                ),
                // Accepted under no id: the next attempt finds it by its username.
                None => self.failed(row, None, "accepted by the backend under no id yet"),
            },
            Ok(Ensured::AlreadyExisted(existing)) => {
                let id = existing.user.id.clone();
                let found = state_of(&existing.user, state);
                let update = update_between(&found, state, None);
                if update.is_empty() {
                    return self.synced(row, Some(id.into_string()), state, notice);
                }
                match provisioner
                    .update_user_opts(&id, &update, &RequestOptions::new())
                    .await
                {
                    Ok(_) => self.synced(row, Some(id.into_string()), state, notice),
                    Err(error) => self.outcome_of_error(row, Some(id.into_string()), &error),
                }
            }
            // An outcome a later SDK adds: retried, never taken as done.
            Ok(_) => self.failed(
                row,
                None,
                "an outcome of ensure_user the bridge does not know",
            ),
            Err(error) => self.outcome_of_error(row, None, &error),
        }
    }

    /// Removes the user's account; where its id is unknown (a create may have been in
    /// flight when an instance died), looks it up first.
    async fn remove(
        &self,
        row: &SyncRecord,
        user: &UserRecord,
        backend: &BackendSpec,
    ) -> AttemptOutcome {
        let provisioner = backend.provisioner.as_ref();
        let options = RequestOptions::new();
        let id = match &row.backend_user_id {
            Some(id) => Some(UserId::new(id.clone())),
            // An earlier attempt may have created it and died before recording its id.
            None => {
                let mut identity = Identity::new(user.user_name.clone());
                if let Some(email) = first_email(user) {
                    identity = identity.with_email(email);
                }
                match identity.find(provisioner, &options).await {
                    Ok(found) => found.map(|found| found.id),
                    Err(error) => return self.outcome_of_error(row, None, &error),
                }
            }
        };
        if let Some(id) = id {
            match provisioner.delete_user_opts(&id, &options).await {
                Ok(_) => {}
                Err(error) if error.is_not_found() => {}
                Err(error) => return self.outcome_of_error(row, Some(id.into_string()), &error),
            }
        }
        self.removed(row)
    }

    fn synced(
        &self,
        row: &SyncRecord,
        backend_user_id: Option<String>,
        state: &PortableState,
        notice: Option<String>,
    ) -> AttemptOutcome {
        AttemptOutcome {
            backend_user_id,
            synced_version: row.desired_version,
            synced_state: serde_json::to_value(state).ok(),
            state: SyncState::Synced,
            next_attempt: Utc::now(),
            last_error: None,
            notice,
        }
    }

    /// The backend holds no account for the user, as asked.
    fn removed(&self, row: &SyncRecord) -> AttemptOutcome {
        AttemptOutcome {
            backend_user_id: None,
            synced_version: row.desired_version,
            synced_state: None,
            state: SyncState::Removed,
            next_attempt: Utc::now(),
            last_error: None,
            notice: None,
        }
    }

    /// The backend cannot take the user until a change supplies what it lacks: no
    /// attempt until then.
    fn blocked(&self, row: &SyncRecord, reason: &str) -> AttemptOutcome {
        AttemptOutcome {
            backend_user_id: row.backend_user_id.clone(),
            synced_version: row.synced_version,
            synced_state: row.synced_state.clone(),
            state: SyncState::Blocked,
            next_attempt: Utc::now(),
            last_error: Some(reason.to_owned()),
            notice: None,
        }
    }

    fn given_up(&self, row: &SyncRecord, reason: &str) -> AttemptOutcome {
        AttemptOutcome {
            backend_user_id: row.backend_user_id.clone(),
            synced_version: row.synced_version,
            synced_state: row.synced_state.clone(),
            state: SyncState::GaveUp,
            next_attempt: Utc::now(),
            last_error: Some(reason.to_owned()),
            notice: row.notice.clone(),
        }
    }

    /// A failure worth another attempt, unless the row has had all of its attempts.
    fn failed(
        &self,
        row: &SyncRecord,
        backend_user_id: Option<String>,
        reason: &str,
    ) -> AttemptOutcome {
        let exhausted = row.attempts >= self.settings.max_attempts;
        let delay = self.settings.retry_delay(row.attempts);
        AttemptOutcome {
            backend_user_id,
            synced_version: row.synced_version,
            synced_state: row.synced_state.clone(),
            state: if exhausted {
                SyncState::GaveUp
            } else {
                SyncState::Failed
            },
            next_attempt: Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default(),
            last_error: Some(reason.to_owned()),
            notice: row.notice.clone(),
        }
    }

    fn outcome_of_error(
        &self,
        row: &SyncRecord,
        backend_user_id: Option<String>,
        error: &Error,
    ) -> AttemptOutcome {
        let permanent = matches!(
            error,
            Error::InvalidInput { .. }
                | Error::Unsupported { .. }
                | Error::Refused { .. }
                | Error::Config { .. }
                | Error::Conflict(_)
                | Error::IdempotencyKeyReused(_)
        );
        if permanent {
            let mut outcome = self.given_up(row, &error.to_string());
            outcome.backend_user_id = backend_user_id;
            outcome
        } else {
            self.failed(row, backend_user_id, &error.to_string())
        }
    }
}

/// One event per attempt: backend, user, state, attempts and the error (the crate's
/// errors carry no credential).
fn trace_outcome(row: &SyncRecord, outcome: &AttemptOutcome) {
    #[cfg(feature = "tracing")]
    {
        let error = outcome.last_error.as_deref().unwrap_or_default();
        match outcome.state {
            SyncState::Failed | SyncState::GaveUp => tracing::warn!(
                backend = %row.backend,
                user = %row.user_id,
                state = outcome.state.as_str(),
                attempts = row.attempts,
                error,
                "user_provisioner.scim.sync"
            ),
            _ => tracing::info!(
                backend = %row.backend,
                user = %row.user_id,
                state = outcome.state.as_str(),
                attempts = row.attempts,
                "user_provisioner.scim.sync"
            ),
        }
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (row, outcome);
}

fn first_email(user: &UserRecord) -> Option<String> {
    user.document
        .get("emails")?
        .as_array()?
        .first()?
        .get("value")?
        .as_str()
        .map(str::to_owned)
}

/// Runs the queue until the task is dropped or aborted.
pub(crate) async fn run_worker(engine: Arc<Engine>) {
    loop {
        let worked = engine.run_due(None).await.unwrap_or(0);
        if worked == 0 {
            tokio::time::sleep(engine.settings.poll_interval).await;
        }
    }
}
