//! The bridge's durable state in SQLite or PostgreSQL, through sqlx.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use user_provisioner::scim::filter::Plan;

use super::query::{flatten, Bind, SortBy, Sql, INDEX_VERSION};
use super::resource::render_user;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Columns of `scim_users`, in the order [`user_from_row`] reads them.
const USER_COLUMNS: &str = "id, user_name, external_id, document, version, password_version, \
     deleted, created_at, updated_at";
/// Columns of `backend_sync`, in the order [`sync_from_row`] reads them.
const SYNC_COLUMNS: &str = "user_id, backend, backend_user_id, desired_version, synced_version, \
     synced_state, state, attempts, next_attempt_ms, last_error, notice, idempotency_key, \
     updated_at, create_started";

/// Why the bridge's store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL names no database the bridge can use.
    #[error("unsupported database URL: {0} (use sqlite:… or postgres://…)")]
    UnsupportedUrl(String),
    /// The database answered an error or could not be reached.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migration(#[source] sqlx::migrate::MigrateError),
    /// A stored value is not what the bridge wrote.
    #[error("corrupt bridge state: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::Database(error)
    }
}

/// Where the bridge keeps its users, their backend ids and its retry queue: a SQLite
/// file (the embedded default) or a PostgreSQL database that several bridge instances
/// share. Opening it brings its schema up to date (embedded sqlx migrations).
///
/// ```no_run
/// # async fn run() -> Result<(), user_provisioner_bridge::StoreError> {
/// use user_provisioner_bridge::BridgeStore;
///
/// let store = BridgeStore::open("sqlite:/var/lib/scim-bridge/state.db").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct BridgeStore {
    pool: AnyPool,
    kind: DatabaseKind,
}

/// Which database a store is, for the few SQL fragments that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl fmt::Debug for BridgeStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a database password, so only the kind is shown.
        f.debug_struct("BridgeStore")
            .field("database", &self.kind)
            .finish_non_exhaustive()
    }
}

impl BridgeStore {
    /// Opens the database at `url` and migrates it: `sqlite:path/to/file.db` (created
    /// when missing), `sqlite::memory:` (one connection, gone with the process) or
    /// `postgres://user:password@host/db` (with the `postgres` feature).
    ///
    /// # Errors
    /// [`StoreError::UnsupportedUrl`] for another scheme, else the database's error.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let (kind, url, connections) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let memory = rest == ":memory:" || rest.starts_with(":memory:?");
            let url = if memory || rest.contains("mode=") {
                url.to_owned()
            } else if rest.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            // An in-memory database lives in one connection; a file takes a few
            // readers while SQLite serialises the writers.
            (DatabaseKind::Sqlite, url, if memory { 1 } else { 4 })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            if !cfg!(feature = "postgres") {
                return Err(StoreError::UnsupportedUrl(
                    "postgres:// needs the postgres feature".into(),
                ));
            }
            (DatabaseKind::Postgres, url.to_owned(), 8)
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            return Err(StoreError::UnsupportedUrl(format!("{scheme}:")));
        };
        let mut options = AnyPoolOptions::new()
            .max_connections(connections)
            .acquire_timeout(Duration::from_secs(30));
        if connections == 1 {
            // An in-memory database is gone with its connection: never let the pool
            // close it for being idle or old.
            options = options
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = options.connect(&url).await?;
        MIGRATOR.run(&pool).await.map_err(StoreError::Migration)?;
        let store = Self { pool, kind };
        store.reindex_stale().await?;
        Ok(store)
    }

    /// Indexes every user that was indexed by another version of the flattening, or
    /// never (a database from before the index), so that filters see every user.
    async fn reindex_stale(&self) -> Result<(), StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM scim_users WHERE index_version <> $1"
        ))
        .bind(INDEX_VERSION)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let user = user_from_row(&row)?;
            let mut tx = self.pool.begin().await?;
            if write_index(&mut tx, &user).await? {
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// The pool, for tests that write what an older release left.
    #[cfg(test)]
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Indexes `user` as the start-up reindex does (for tests of its version guard).
    #[cfg(test)]
    pub(crate) async fn index_as_at_start(&self, user: &UserRecord) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let written = write_index(&mut tx, user).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Closes every connection; pending writes have been committed already.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) async fn insert_user(
        &self,
        user: &UserRecord,
        backends: &[String],
    ) -> Result<Inserted, StoreError> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO scim_users (id, user_name, user_name_key, external_id, document, \
             version, password_version, deleted, created_at, updated_at, created_ms, \
             index_version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, 0) \
             ON CONFLICT (user_name_key) DO NOTHING",
        )
        .bind(&user.id)
        .bind(&user.user_name)
        .bind(user_name_key(&user.user_name))
        .bind(&user.external_id)
        .bind(document_text(&user.document)?)
        .bind(user.version)
        .bind(user.password_version)
        .bind(rfc3339(user.created))
        .bind(rfc3339(user.updated))
        .bind(user.created.timestamp_millis())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(Inserted::UserNameTaken);
        }
        write_index(&mut tx, user).await?;
        let now = Utc::now();
        for backend in backends {
            sqlx::query(
                "INSERT INTO backend_sync (user_id, backend, desired_version, synced_version, \
                 state, attempts, next_attempt_ms, lease_until_ms, idempotency_key, updated_at) \
                 VALUES ($1, $2, $3, 0, 'pending', 0, $4, 0, $5, $6)",
            )
            .bind(&user.id)
            .bind(backend)
            .bind(user.version)
            .bind(now.timestamp_millis())
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(rfc3339(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Inserted::Inserted)
    }

    /// The live (not deleted) user with this id.
    pub(crate) async fn user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        self.one_user("id = $1 AND deleted = 0", id).await
    }

    /// The user, live or being deleted, that holds this userName.
    pub(crate) async fn user_by_name(
        &self,
        user_name: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        self.one_user("user_name_key = $1", &user_name_key(user_name))
            .await
    }

    /// The user, live or deleted, with this id, for the sync of its backends.
    pub(crate) async fn user_any(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        self.one_user("id = $1", id).await
    }

    async fn one_user(&self, filter: &str, value: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM scim_users WHERE {filter}"
        ))
        .bind(value)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| user_from_row(&row)).transpose()
    }

    /// One page of the live users the filter selects, in the query's order (else oldest
    /// first), and how many it selects in all. `offset` counts from 0.
    pub(crate) async fn list_users(
        &self,
        query: &UserQuery<'_>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<UserRecord>), StoreError> {
        let mut counting = Sql::new(self.kind);
        let filter = match query.filter {
            Some(plan) => format!("u.deleted = 0 AND ({})", counting.predicate(plan)),
            None => "u.deleted = 0".to_owned(),
        };
        let count_sql = format!("SELECT COUNT(*) FROM scim_users u WHERE {filter}");
        let total: i64 = bound(sqlx::query(&count_sql), &counting.binds)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        if limit == 0 || total <= offset {
            return Ok((total, Vec::new()));
        }
        // The page compiles the filter again, so its parameters number from $1 too.
        let mut paging = Sql::new(self.kind);
        let filter = match query.filter {
            Some(plan) => format!("u.deleted = 0 AND ({})", paging.predicate(plan)),
            None => "u.deleted = 0".to_owned(),
        };
        let page_sql = match query.sort {
            None => {
                let n = paging.binds.len();
                format!(
                    "SELECT {USER_COLUMNS} FROM scim_users u WHERE {filter} \
                     ORDER BY u.created_ms, u.id LIMIT ${} OFFSET ${}",
                    n + 1,
                    n + 2
                )
            }
            Some(sort) => {
                let value = paging.sort_value(sort);
                let order = paging.order_by(sort);
                let n = paging.binds.len();
                format!(
                    "SELECT {USER_COLUMNS} FROM (SELECT u.*, {value} AS sort_value \
                     FROM scim_users u WHERE {filter}) t ORDER BY {order} \
                     LIMIT ${} OFFSET ${}",
                    n + 1,
                    n + 2
                )
            }
        };
        let rows = bound(sqlx::query(&page_sql), &paging.binds)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let users = rows
            .iter()
            .map(user_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((total, users))
    }

    /// Stores a new version of a live user if it is still at `expected_version`, and
    /// queues every backend for it.
    pub(crate) async fn replace_user(
        &self,
        user: &UserRecord,
        expected_version: i64,
    ) -> Result<Written, StoreError> {
        let mut tx = self.pool.begin().await?;
        let result = sqlx::query(
            "UPDATE scim_users SET user_name = $1, user_name_key = $2, external_id = $3, \
             document = $4, version = $5, password_version = $6, updated_at = $7 \
             WHERE id = $8 AND deleted = 0 AND version = $9",
        )
        .bind(&user.user_name)
        .bind(user_name_key(&user.user_name))
        .bind(&user.external_id)
        .bind(document_text(&user.document)?)
        .bind(user.version)
        .bind(user.password_version)
        .bind(rfc3339(user.updated))
        .bind(&user.id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await;
        let result = match result {
            Ok(result) => result,
            Err(error) if is_unique_violation(&error) => return Ok(Written::UserNameTaken),
            Err(error) => return Err(error.into()),
        };
        if result.rows_affected() == 0 {
            return Ok(Written::VersionChanged);
        }
        write_index(&mut tx, user).await?;
        queue_all(&mut tx, &user.id, user.version).await?;
        tx.commit().await?;
        Ok(Written::Done)
    }

    /// Marks a live user deleted at `expected_version` and queues its removal from
    /// every backend; the row goes once every backend has removed it.
    pub(crate) async fn delete_user(
        &self,
        id: &str,
        expected_version: i64,
    ) -> Result<Written, StoreError> {
        let mut tx = self.pool.begin().await?;
        let version = expected_version + 1;
        let result = sqlx::query(
            "UPDATE scim_users SET deleted = 1, version = $1, updated_at = $2 \
             WHERE id = $3 AND deleted = 0 AND version = $4",
        )
        .bind(version)
        .bind(rfc3339(Utc::now()))
        .bind(id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if result.rows_affected() == 0 {
            return Ok(Written::VersionChanged);
        }
        queue_all(&mut tx, id, version).await?;
        tx.commit().await?;
        Ok(Written::Done)
    }

    /// Removes a deleted user whose every backend has removed it.
    pub(crate) async fn purge_if_removed(&self, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let open: i64 = sqlx::query(
            "SELECT COUNT(*) FROM backend_sync WHERE user_id = $1 AND state <> 'removed'",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if open > 0 {
            return Ok(false);
        }
        let gone = sqlx::query("DELETE FROM scim_users WHERE id = $1 AND deleted = 1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if gone.rows_affected() == 0 {
            return Ok(false);
        }
        for table in ["scim_user_values", "backend_sync"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Every backend's sync row of these users.
    pub(crate) async fn sync_rows(&self, user_ids: &[&str]) -> Result<Vec<SyncRecord>, StoreError> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=user_ids.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT {SYNC_COLUMNS} FROM backend_sync WHERE user_id IN ({}) \
             ORDER BY user_id, backend",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in user_ids {
            query = query.bind(*id);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(sync_from_row).collect()
    }

    /// Takes up to `limit` due rows (of `user_id` only, when given) under a lease held
    /// by `owner` until `lease`. A row another instance leased is skipped: the lease is
    /// taken by a conditional update, which one writer wins on SQLite and PostgreSQL.
    pub(crate) async fn claim_due(
        &self,
        owner: &str,
        lease: Duration,
        limit: i64,
        user_id: Option<&str>,
    ) -> Result<Vec<SyncRecord>, StoreError> {
        let now = Utc::now().timestamp_millis();
        let until = now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let due =
            "state IN ('pending', 'failed') AND next_attempt_ms <= $1 AND lease_until_ms < $1";
        let candidates = match user_id {
            Some(id) => {
                sqlx::query(&format!(
                    "SELECT user_id, backend FROM backend_sync WHERE {due} AND user_id = $2 \
                     ORDER BY backend LIMIT $3"
                ))
                .bind(now)
                .bind(id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT user_id, backend FROM backend_sync WHERE {due} \
                     ORDER BY next_attempt_ms, user_id, backend LIMIT $2"
                ))
                .bind(now)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        let mut claimed = Vec::new();
        for candidate in candidates {
            let user: String = candidate.try_get(0)?;
            let backend: String = candidate.try_get(1)?;
            let row = sqlx::query(&format!(
                "UPDATE backend_sync SET lease_owner = $1, lease_until_ms = $2, \
                 attempts = attempts + 1 \
                 WHERE user_id = $3 AND backend = $4 AND {} \
                 RETURNING {SYNC_COLUMNS}",
                due.replace("$1", "$5")
            ))
            .bind(owner)
            .bind(until)
            .bind(&user)
            .bind(&backend)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = row {
                claimed.push(sync_from_row(&row)?);
            }
        }
        Ok(claimed)
    }

    /// Records the outcome of a leased attempt and releases the lease. A row whose
    /// user changed during the attempt stays pending for the newer version.
    pub(crate) async fn finish_attempt(
        &self,
        owner: &str,
        row: &SyncRecord,
        outcome: &AttemptOutcome,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        let synced_state = outcome.synced_state.as_ref().map(Value::to_string);
        let result = sqlx::query(
            "UPDATE backend_sync SET backend_user_id = $1, synced_version = $2, \
             synced_state = $3, \
             state = CASE WHEN desired_version <> $12 THEN 'pending' ELSE $4 END, \
             attempts = CASE WHEN desired_version <> $12 OR $4 IN ('synced', 'removed') \
                        THEN 0 ELSE attempts END, \
             next_attempt_ms = CASE WHEN desired_version <> $12 THEN 0 ELSE $5 END, \
             last_error = $6, notice = $7, lease_owner = NULL, \
             create_started = CASE WHEN $4 = 'removed' THEN 0 ELSE create_started END, \
             lease_until_ms = 0, updated_at = $8 \
             WHERE user_id = $9 AND backend = $10 AND lease_owner = $11",
        )
        .bind(&outcome.backend_user_id)
        .bind(outcome.synced_version)
        .bind(synced_state)
        .bind(outcome.state.as_str())
        .bind(outcome.next_attempt.timestamp_millis())
        .bind(&outcome.last_error)
        .bind(&outcome.notice)
        .bind(rfc3339(now))
        .bind(&row.user_id)
        .bind(&row.backend)
        .bind(owner)
        .bind(row.desired_version)
        .execute(&self.pool)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::Corrupt(format!(
                "the lease on {}/{} was lost before its outcome was recorded",
                row.user_id, row.backend
            )));
        }
        Ok(())
    }

    /// Records, before a create is sent under the lease, that one may have been: an
    /// instance that dies now leaves the next attempt to look the user up first.
    pub(crate) async fn mark_create_started(
        &self,
        owner: &str,
        row: &SyncRecord,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE backend_sync SET create_started = 1 \
             WHERE user_id = $1 AND backend = $2 AND lease_owner = $3",
        )
        .bind(&row.user_id)
        .bind(&row.backend)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Queues every given-up row again; how many.
    pub(crate) async fn retry_given_up(&self) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "UPDATE backend_sync SET state = 'pending', attempts = 0, next_attempt_ms = $1 \
             WHERE state = 'gaveUp'",
        )
        .bind(Utc::now().timestamp_millis())
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    /// How many rows each backend has in each state.
    pub(crate) async fn state_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT backend, state, COUNT(*) FROM backend_sync GROUP BY backend, state \
             ORDER BY backend, state",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
            .collect()
    }

    /// Up to `limit` rows that are not synced (pending, failed, given up, blocked),
    /// oldest first.
    pub(crate) async fn unsynced(&self, limit: i64) -> Result<Vec<SyncRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {SYNC_COLUMNS} FROM backend_sync \
             WHERE state IN ('pending', 'failed', 'gaveUp', 'blocked') \
             ORDER BY updated_at, user_id, backend LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(sync_from_row).collect()
    }
}

/// What a listing selects and how it orders it.
#[derive(Debug, Default)]
pub(crate) struct UserQuery<'a> {
    /// The filter, resolved against [`UserTypes`](super::query::UserTypes).
    pub filter: Option<&'a Plan>,
    /// The order; `None`: oldest first.
    pub sort: Option<&'a SortBy>,
}

/// What [`BridgeStore::insert_user`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inserted {
    Inserted,
    UserNameTaken,
}

/// What a conditional write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    Done,
    VersionChanged,
    UserNameTaken,
}

/// A SCIM user as stored: its writable attributes (never a password) and version.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UserRecord {
    pub id: String,
    pub user_name: String,
    pub external_id: Option<String>,
    pub document: Map<String, Value>,
    pub version: i64,
    /// The version whose request last carried a password.
    pub password_version: i64,
    pub deleted: bool,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// Where one backend stands with one user.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SyncRecord {
    pub user_id: String,
    pub backend: String,
    pub backend_user_id: Option<String>,
    pub desired_version: i64,
    pub synced_version: i64,
    /// The portable fields the backend last acknowledged.
    pub synced_state: Option<Value>,
    pub state: SyncState,
    pub attempts: i64,
    pub next_attempt: DateTime<Utc>,
    pub last_error: Option<String>,
    pub notice: Option<String>,
    /// The key every create attempt of this row sends, where the backend takes one.
    pub idempotency_key: Option<String>,
    pub updated: DateTime<Utc>,
    /// A create may have been sent before: look the user up before creating.
    pub create_started: bool,
}

/// The outcome of one attempt, as [`BridgeStore::finish_attempt`] records it.
#[derive(Debug, Clone)]
pub(crate) struct AttemptOutcome {
    pub backend_user_id: Option<String>,
    pub synced_version: i64,
    pub synced_state: Option<Value>,
    pub state: SyncState,
    pub next_attempt: DateTime<Utc>,
    pub last_error: Option<String>,
    pub notice: Option<String>,
}

/// Where one backend stands with one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SyncState {
    /// A change is queued and not yet attempted.
    Pending,
    /// The backend holds the user's current version.
    Synced,
    /// The last attempt failed; another is scheduled.
    Failed,
    /// No more attempts until the user changes again or the operator retries.
    GaveUp,
    /// The backend holds no account for the user, as asked (deleted, or deactivated
    /// under [`Deactivation::Delete`](super::Deactivation::Delete)).
    Removed,
    /// The backend cannot take the user as it stands: it requires a value the user
    /// lacks (jambonz and NetSapiens an email), named in the reason. No attempt is made
    /// until a change of the user (PUT or PATCH) supplies it.
    Blocked,
}

impl SyncState {
    /// The state as the bridge's extension and status endpoint spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Pending => "pending",
            SyncState::Synced => "synced",
            SyncState::Failed => "failed",
            SyncState::GaveUp => "gaveUp",
            SyncState::Removed => "removed",
            SyncState::Blocked => "blocked",
        }
    }
}

impl fmt::Display for SyncState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SyncState {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "pending" => SyncState::Pending,
            "synced" => SyncState::Synced,
            "failed" => SyncState::Failed,
            "gaveUp" => SyncState::GaveUp,
            "removed" => SyncState::Removed,
            "blocked" => SyncState::Blocked,
            other => return Err(StoreError::Corrupt(format!("unknown sync state {other:?}"))),
        })
    }
}

/// userName compares without case (RFC 7643 §4.1.1: caseExact false).
pub(crate) fn user_name_key(user_name: &str) -> String {
    user_name.to_lowercase()
}

/// The stored text of a user document.
fn document_text(document: &Map<String, Value>) -> Result<String, StoreError> {
    serde_json::to_string(document)
        .map_err(|error| StoreError::Corrupt(format!("a user document is not JSON: {error}")))
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| StoreError::Corrupt(format!("bad timestamp {text:?}")))
}

fn parse_json(text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt(format!("bad JSON: {error}")))
}

fn user_from_row(row: &AnyRow) -> Result<UserRecord, StoreError> {
    let document = match parse_json(&row.try_get::<String, _>(3)?)? {
        Value::Object(document) => document,
        _ => {
            return Err(StoreError::Corrupt(
                "a user document is not an object".into(),
            ))
        }
    };
    Ok(UserRecord {
        id: row.try_get(0)?,
        user_name: row.try_get(1)?,
        external_id: row.try_get(2)?,
        document,
        version: row.try_get(4)?,
        password_version: row.try_get(5)?,
        deleted: row.try_get::<i64, _>(6)? != 0,
        created: parse_time(&row.try_get::<String, _>(7)?)?,
        updated: parse_time(&row.try_get::<String, _>(8)?)?,
    })
}

fn sync_from_row(row: &AnyRow) -> Result<SyncRecord, StoreError> {
    let synced_state: Option<String> = row.try_get(5)?;
    let next: i64 = row.try_get(8)?;
    Ok(SyncRecord {
        user_id: row.try_get(0)?,
        backend: row.try_get(1)?,
        backend_user_id: row.try_get(2)?,
        desired_version: row.try_get(3)?,
        synced_version: row.try_get(4)?,
        synced_state: synced_state.as_deref().map(parse_json).transpose()?,
        state: row.try_get::<String, _>(6)?.parse()?,
        attempts: row.try_get(7)?,
        next_attempt: DateTime::from_timestamp_millis(next).unwrap_or_default(),
        last_error: row.try_get(9)?,
        notice: row.try_get(10)?,
        idempotency_key: row.try_get(11)?,
        updated: parse_time(&row.try_get::<String, _>(12)?)?,
        create_started: row.try_get::<i64, _>(13)? != 0,
    })
}

/// Replaces the user's rows in the filter index (`scim_user_values`) with those of
/// `user`, and records the index version it was written with, if the stored user is
/// still at `user.version`. That condition comes first: its update locks the user's row,
/// so an instance reindexing at start-up never writes an older version's rows over those
/// of a change committed meanwhile (it finds the version changed and leaves the index to
/// the change). Whether it wrote.
async fn write_index(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user: &UserRecord,
) -> Result<bool, StoreError> {
    let current =
        sqlx::query("UPDATE scim_users SET index_version = $1 WHERE id = $2 AND version = $3")
            .bind(INDEX_VERSION)
            .bind(&user.id)
            .bind(user.version)
            .execute(&mut **tx)
            .await?;
    if current.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM scim_user_values WHERE user_id = $1")
        .bind(&user.id)
        .execute(&mut **tx)
        .await?;
    // What a client sees (id, meta and the document), without the backends' rows.
    let resource = render_user("", user, &[]);
    for row in flatten(&resource) {
        // Two instances reindexing one user at once write the same rows.
        sqlx::query(
            "INSERT INTO scim_user_values (user_id, attr, attr_path, element, value_key, \
             value_num) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (user_id, attr_path, element) DO NOTHING",
        )
        .bind(&user.id)
        .bind(row.attr)
        .bind(row.path)
        .bind(row.element)
        .bind(row.key)
        .bind(row.num)
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}

/// Binds the values of a compiled query, in order.
fn bound<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for bind in binds {
        query = match bind {
            Bind::Text(text) => query.bind(text.as_str()),
            Bind::Number(number) => query.bind(*number),
        };
    }
    query
}

/// Every backend of the user is due for `version`, now, with a fresh count of attempts.
async fn queue_all(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
    version: i64,
) -> Result<(), StoreError> {
    let now = Utc::now();
    sqlx::query(
        "UPDATE backend_sync SET desired_version = $1, state = 'pending', attempts = 0, \
         next_attempt_ms = $2, updated_at = $3 WHERE user_id = $4",
    )
    .bind(version)
    .bind(now.timestamp_millis())
    .bind(rfc3339(now))
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}
