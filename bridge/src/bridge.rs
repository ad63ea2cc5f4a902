//! The bridge: its backends, tokens, store and sync engine, and the builder that makes it.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use serde_json::{json, Value};
use tokio::task::JoinHandle;

use user_provisioner::Secret;
use user_provisioner::UserProvisioner;

use super::mapping::{BackendRules, BackendSpec};
use super::resource::backend_state;
use super::router;
use super::store::{BridgeStore, StoreError, SyncRecord};
use super::sync::{run_worker, Engine, PasswordVault, SyncSettings};

/// The largest request body the bridge reads by default (1 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// The most users one list answer holds by default.
pub const DEFAULT_MAX_RESULTS: usize = 200;

/// Why a bridge could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BridgeConfigError {
    /// No backend was added.
    #[error("a SCIM bridge needs at least one backend")]
    NoBackends,
    /// Two backends share a name.
    #[error("two backends are named {0:?}; each needs its own name")]
    DuplicateBackend(String),
    /// A backend name is empty or not `[A-Za-z0-9_-]`.
    #[error("backend name {0:?} must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'")]
    BadBackendName(String),
    /// No bearer token was set.
    #[error("a SCIM bridge needs at least one bearer token")]
    NoToken,
    /// A bearer token is shorter than 16 characters.
    #[error("a bearer token must be at least 16 characters long")]
    WeakToken,
    /// The base URL is not an absolute http(s) URL.
    #[error("the base URL must be an absolute http or https URL: {0}")]
    BadBaseUrl(String),
    /// The default phone region is not an ISO 3166-1 alpha-2 code libphonenumber knows.
    #[error("default phone region {0:?} must be an ISO 3166-1 alpha-2 code such as \"US\"")]
    BadPhoneRegion(String),
}

/// A SCIM 2.0 service provider over one or more backends: what an identity provider
/// (Okta, Entra ID) sends to its [`router`](Self::router) is stored, then provisioned
/// on every backend and retried from a durable queue until each has it.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use user_provisioner_bridge::{BridgeStore, ScimBridge};
/// use user_provisioner::providers::memory::MemoryProvisioner;
///
/// let store = BridgeStore::open("sqlite:scim-bridge.db").await?;
/// let bridge = ScimBridge::builder("https://bridge.example.com/scim/v2")
///     .bearer_token(std::env::var("SCIM_TOKEN")?)
///     .backend("directory", Arc::new(MemoryProvisioner::new()))
///     .store(store)
///     .build()
///     .await?;
/// let _worker = bridge.spawn_worker();
/// let app = axum::Router::new().nest("/scim/v2", bridge.router());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// axum::serve(listener, app).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ScimBridge {
    inner: Arc<BridgeInner>,
}

#[derive(Debug)]
pub(crate) struct BridgeInner {
    pub engine: Arc<Engine>,
    pub tokens: Vec<Secret>,
    pub base_url: String,
    pub max_body_bytes: usize,
    pub max_results: usize,
}

impl ScimBridge {
    /// A builder for a bridge served at `base_url` (its public address, as the
    /// identity provider reaches it: `https://bridge.example.com/scim/v2`), which
    /// every `meta.location` starts with.
    pub fn builder(base_url: impl Into<String>) -> ScimBridgeBuilder {
        ScimBridgeBuilder {
            base_url: base_url.into(),
            backends: Vec::new(),
            tokens: Vec::new(),
            store: None,
            settings: SyncSettings::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_results: DEFAULT_MAX_RESULTS,
            phone_region: None,
        }
    }

    /// The SCIM endpoints, to serve or to nest under a path
    /// (`Router::new().nest("/scim/v2", bridge.router())`).
    pub fn router(&self) -> Router {
        router::router(self.inner.clone())
    }

    /// Starts the background worker that retries due backends; it stops when the
    /// handle is dropped or [`stop`](BridgeWorker::stop)ped. Needs a Tokio runtime.
    pub fn spawn_worker(&self) -> BridgeWorker {
        BridgeWorker {
            task: tokio::spawn(run_worker(self.inner.engine.clone())),
        }
    }

    /// Attempts every backend change that is due now, once; how many it attempted.
    /// For a bridge run without [`spawn_worker`](Self::spawn_worker) (from a timer, or
    /// in tests).
    ///
    /// # Errors
    /// The store's error.
    pub async fn sync_due(&self) -> Result<usize, StoreError> {
        self.inner.engine.run_due(None).await
    }

    /// Queues every backend change that was given up again; how many.
    ///
    /// # Errors
    /// The store's error.
    pub async fn retry_given_up(&self) -> Result<u64, StoreError> {
        self.inner.engine.store.retry_given_up().await
    }

    /// Each backend's counts by state and the changes not synced yet.
    ///
    /// # Errors
    /// The store's error.
    pub async fn status(&self) -> Result<BridgeStatus, StoreError> {
        self.inner.status().await
    }

    /// The bridge's store.
    pub fn store(&self) -> &BridgeStore {
        &self.inner.engine.store
    }
}

impl BridgeInner {
    /// Syncs the user's due backends within the request's wait; what is not done by
    /// then carries on in the background (holding its lease) and then in the worker.
    pub async fn sync_now(&self, user_id: &str) {
        let engine = self.engine.clone();
        let id = user_id.to_owned();
        let task = tokio::spawn(async move { engine.run_due(Some(&id)).await });
        let _ = tokio::time::timeout(self.engine.settings.inline_wait, task).await;
    }

    pub fn keep_password(&self, user_id: &str, version: i64, password: Secret) {
        self.engine.passwords.keep(
            user_id,
            version,
            password,
            self.engine.settings.password_memory,
        );
    }

    pub async fn status(&self) -> Result<BridgeStatus, StoreError> {
        let mut backends: BTreeMap<String, BackendStatus> = self
            .engine
            .backends
            .iter()
            .map(|backend| {
                (
                    backend.name.clone(),
                    BackendStatus {
                        provider: backend.provisioner.provider().key().to_owned(),
                        counts: BTreeMap::new(),
                    },
                )
            })
            .collect();
        for (backend, state, count) in self.engine.store.state_counts().await? {
            if let Some(entry) = backends.get_mut(&backend) {
                entry.counts.insert(state, count);
            }
        }
        let unsynced = self.engine.store.unsynced(100).await?;
        Ok(BridgeStatus { backends, unsynced })
    }
}

/// The bridge's background worker; dropping it stops it.
#[derive(Debug)]
pub struct BridgeWorker {
    task: JoinHandle<()>,
}

impl BridgeWorker {
    /// Stops the worker; an attempt in flight is cut off and its lease left to end, so
    /// that the next run looks up what it did.
    pub fn stop(self) {
        self.task.abort();
    }
}

impl Drop for BridgeWorker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What [`ScimBridge::status`] and the `/Status` endpoint report.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BridgeStatus {
    /// Each backend by name.
    pub backends: BTreeMap<String, BackendStatus>,
    /// Up to 100 changes not synced yet (pending, failed, given up or blocked), oldest
    /// first.
    unsynced: Vec<SyncRecord>,
}

/// One backend's counts in [`BridgeStatus`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BackendStatus {
    /// The provider's key (`jambonz`).
    pub provider: String,
    /// Users by state (`synced`, `pending`, `failed`, `gaveUp`, `removed`, `blocked`).
    pub counts: BTreeMap<String, i64>,
}

impl BridgeStatus {
    /// How many users of `backend` are in `state` (`"gaveUp"`).
    pub fn count(&self, backend: &str, state: &str) -> i64 {
        self.backends
            .get(backend)
            .and_then(|status| status.counts.get(state))
            .copied()
            .unwrap_or(0)
    }

    /// How many changes are not synced yet, of those listed (at most 100).
    pub fn unsynced_len(&self) -> usize {
        self.unsynced.len()
    }

    /// The status as the `/Status` endpoint answers it.
    pub fn to_json(&self) -> Value {
        let backends: serde_json::Map<String, Value> = self
            .backends
            .iter()
            .map(|(name, status)| {
                (
                    name.clone(),
                    json!({ "provider": status.provider, "users": status.counts }),
                )
            })
            .collect();
        let unsynced: Vec<Value> = self
            .unsynced
            .iter()
            .map(|row| {
                let mut entry = backend_state(row);
                if let Some(object) = entry.as_object_mut() {
                    object.insert("user".into(), row.user_id.clone().into());
                }
                entry
            })
            .collect();
        json!({ "backends": backends, "unsynced": unsynced })
    }
}

/// Builds a [`ScimBridge`]; see [`ScimBridge::builder`].
#[derive(Debug)]
#[must_use]
pub struct ScimBridgeBuilder {
    base_url: String,
    backends: Vec<BackendSpec>,
    tokens: Vec<Secret>,
    store: Option<BridgeStore>,
    settings: SyncSettings,
    max_body_bytes: usize,
    max_results: usize,
    phone_region: Option<String>,
}

impl ScimBridgeBuilder {
    /// Adds a backend under `name` (how the bridge's extension and status name it),
    /// with the default [`BackendRules`].
    pub fn backend(self, name: impl Into<String>, provisioner: Arc<dyn UserProvisioner>) -> Self {
        self.backend_with_rules(name, provisioner, BackendRules::new())
    }

    /// Adds a backend under `name` with its own rules.
    pub fn backend_with_rules(
        mut self,
        name: impl Into<String>,
        provisioner: Arc<dyn UserProvisioner>,
        rules: BackendRules,
    ) -> Self {
        self.backends.push(BackendSpec {
            name: name.into(),
            provisioner,
            rules,
            phone_region: None,
        });
        self
    }

    /// Accepts this bearer token (at least 16 characters); call again to accept
    /// several, as while rotating one.
    pub fn bearer_token(mut self, token: impl Into<Secret>) -> Self {
        self.tokens.push(token.into());
        self
    }

    /// Keeps the bridge's state in `store`. Without one, the bridge keeps it in an
    /// in-memory SQLite database that is gone with the process.
    pub fn store(mut self, store: BridgeStore) -> Self {
        self.store = Some(store);
        self
    }

    /// How the bridge retries and paces its backends.
    pub fn sync_settings(mut self, settings: SyncSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The region (ISO 3166-1 alpha-2: `"US"`, `"SE"`) a phone number written without
    /// a country code (`312-555-0100`) is read in. Every phone number the bridge can
    /// read is sent to the backends in E.164 (`+13125550100`); without a region only
    /// numbers written with their country code (`+1 312…`) can be read. One that cannot
    /// be read is sent as written to a backend that stores text, and left out, with a
    /// notice, where the backend takes E.164 only (Connect).
    pub fn with_default_phone_region(mut self, region: impl Into<String>) -> Self {
        self.phone_region = Some(region.into());
        self
    }

    /// The largest request body read ([`DEFAULT_MAX_BODY_BYTES`]); larger is a 413.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes.max(1024);
        self
    }

    /// The most users one list answer holds ([`DEFAULT_MAX_RESULTS`]).
    pub fn max_results(mut self, results: usize) -> Self {
        self.max_results = results.max(1);
        self
    }

    /// The bridge, with its store opened (an in-memory one when none was set).
    ///
    /// # Errors
    /// [`BuildError::Config`] for a bad configuration, [`BuildError::Store`] when the
    /// in-memory store cannot be opened.
    pub async fn build(self) -> Result<ScimBridge, BuildError> {
        self.check()?;
        let store = match self.store.clone() {
            Some(store) => store,
            None => BridgeStore::open("sqlite::memory:").await?,
        };
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        let region = self
            .phone_region
            .map(|region| region.trim().to_ascii_uppercase());
        let backends = self
            .backends
            .into_iter()
            .map(|backend| BackendSpec {
                phone_region: region.clone(),
                ..backend
            })
            .collect();
        let engine = Engine {
            backends,
            store,
            settings: self.settings,
            passwords: PasswordVault::default(),
            owner: uuid::Uuid::new_v4().to_string(),
        };
        Ok(ScimBridge {
            inner: Arc::new(BridgeInner {
                engine: Arc::new(engine),
                tokens: self.tokens,
                base_url,
                max_body_bytes: self.max_body_bytes,
                max_results: self.max_results,
            }),
        })
    }

    fn check(&self) -> Result<(), BridgeConfigError> {
        match user_provisioner::url::Url::parse(&self.base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
            _ => return Err(BridgeConfigError::BadBaseUrl(self.base_url.clone())),
        }
        if self.backends.is_empty() {
            return Err(BridgeConfigError::NoBackends);
        }
        for (index, backend) in self.backends.iter().enumerate() {
            let name = &backend.name;
            let valid = !name.is_empty()
                && name.len() <= 64
                && name
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
            if !valid {
                return Err(BridgeConfigError::BadBackendName(name.clone()));
            }
            if self.backends[..index]
                .iter()
                .any(|other| &other.name == name)
            {
                return Err(BridgeConfigError::DuplicateBackend(name.clone()));
            }
        }
        if let Some(region) = &self.phone_region {
            if !user_provisioner::phone::is_known_region(region) {
                return Err(BridgeConfigError::BadPhoneRegion(region.clone()));
            }
        }
        if self.tokens.is_empty() {
            return Err(BridgeConfigError::NoToken);
        }
        if self.tokens.iter().any(|token| token.char_count() < 16) {
            return Err(BridgeConfigError::WeakToken);
        }
        Ok(())
    }
}

/// Why [`ScimBridgeBuilder::build`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The configuration is not usable.
    #[error(transparent)]
    Config(#[from] BridgeConfigError),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
}
