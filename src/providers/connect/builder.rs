//! Configuration of a Connect client.

use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::http::{Auth, ClientOptions, HttpCore};
use crate::idempotency::IdempotencyKey;
use crate::provider::Provider;
use crate::secret::Secret;

use super::client::ConnectClient;
use super::errors;

/// Environment variable read by [`ConnectBuilder::from_env`] for the base URL.
pub const ENV_BASE_URL: &str = "CONNECT_BASE_URL";
/// Environment variable read by [`ConnectBuilder::from_env`] for the API key.
pub const ENV_API_KEY: &str = "CONNECT_API_KEY";

/// Makes the idempotency key of a create the caller did not give one for. Called once
/// per logical create, before the first attempt; the default makes a random UUID v4
/// ([`IdempotencyKey::random`]). Inject one for deterministic tests with
/// [`ConnectBuilder::with_idempotency_key_generator`].
pub type IdempotencyKeyGenerator = Arc<dyn Fn() -> IdempotencyKey + Send + Sync>;

/// Builds a [`ConnectClient`]; [`build`](ConnectBuilder::build) checks everything once,
/// so a built client is always usable.
///
/// ```
/// use user_provisioner::providers::connect::ConnectBuilder;
///
/// let client = ConnectBuilder::new()
///     .with_base_url("https://connect.example.com/api/v1")
///     .with_api_key("ck_live_...")
///     .build()?;
/// assert!(!format!("{client:?}").contains("ck_live_..."));
/// # Ok::<(), user_provisioner::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct ConnectBuilder {
    base_url: Option<String>,
    api_key: Option<Secret>,
    user_token: Option<Secret>,
    options: ClientOptions,
    key_generator: Option<IdempotencyKeyGenerator>,
}

impl fmt::Debug for ConnectBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectBuilder")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .field("user_token", &self.user_token)
            .field("options", &self.options)
            .field(
                "key_generator",
                &self.key_generator.as_ref().map(|_| "custom"),
            )
            .finish()
    }
}

impl ConnectBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder filled from `CONNECT_BASE_URL` and `CONNECT_API_KEY`. Missing (or empty)
    /// variables are reported by [`build`](ConnectBuilder::build).
    pub fn from_env() -> Self {
        let mut builder = Self::new();
        builder.base_url = crate::env::var(ENV_BASE_URL);
        builder.api_key = crate::env::var(ENV_API_KEY).map(Secret::new);
        builder
    }

    /// The API base URL given at onboarding, including any version path (the docs live
    /// under `https://connect.telnesstech.com/api/v1`).
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key, sent as `X-API-Key`.
    pub fn with_api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// A user's JWT, sent as `Authorization: Bearer` next to the API key, to act as that
    /// user.
    pub fn with_user_token(mut self, token: impl Into<Secret>) -> Self {
        self.user_token = Some(token.into());
        self
    }

    /// Timeouts, retries, limits and the HTTP client.
    pub fn with_client_options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Replaces the maker of idempotency keys for creates without a caller key (for
    /// deterministic tests). It is called once per logical create.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use user_provisioner::IdempotencyKey;
    /// use user_provisioner::providers::connect::ConnectBuilder;
    ///
    /// let builder = ConnectBuilder::new().with_idempotency_key_generator(Arc::new(|| {
    ///     IdempotencyKey::from(uuid::Uuid::nil())
    /// }));
    /// ```
    pub fn with_idempotency_key_generator(mut self, generator: IdempotencyKeyGenerator) -> Self {
        self.key_generator = Some(generator);
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or invalid setting (`base_url`, `api_key`,
    /// `user_token`).
    pub fn build(self) -> Result<ConnectClient> {
        let base_url = self.base_url.ok_or_else(|| {
            Error::config(
                "base_url",
                format!("not set; call with_base_url or set {ENV_BASE_URL}"),
            )
        })?;
        let api_key = self.api_key.ok_or_else(|| {
            Error::config(
                "api_key",
                format!("not set; call with_api_key or set {ENV_API_KEY}"),
            )
        })?;
        let mut auth = Auth::header("api_key", "x-api-key", &api_key)?;
        if let Some(token) = &self.user_token {
            auth = auth.with_bearer("user_token", token)?;
        }
        let http = HttpCore::new(
            Provider::CONNECT,
            &base_url,
            auth,
            self.options,
            errors::decode,
        )?;
        let generator = self
            .key_generator
            .unwrap_or_else(|| Arc::new(IdempotencyKey::random));
        Ok(ConnectClient::new(http, generator))
    }
}
