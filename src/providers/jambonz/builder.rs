//! Configuration of a jambonz client.

use crate::error::{Error, Result};
use crate::http::{Auth, ClientOptions, HttpCore};
use crate::provider::Provider;
use crate::secret::Secret;

use super::client::JambonzClient;
use super::errors;
use super::validate::PasswordPolicy;

/// Environment variable read by [`JambonzBuilder::from_env`] for the base URL.
pub const ENV_BASE_URL: &str = "JAMBONZ_BASE_URL";
/// Environment variable read by [`JambonzBuilder::from_env`] for the API key.
pub const ENV_API_KEY: &str = "JAMBONZ_API_KEY";

/// Builds a [`JambonzClient`]; [`build`](JambonzBuilder::build) checks everything once,
/// so a built client is always usable.
///
/// ```
/// use user_provisioner::providers::jambonz::JambonzBuilder;
///
/// let client = JambonzBuilder::new()
///     .with_base_url("https://api.jambonz.cloud/v1")
///     .with_api_key("0d6f...key")
///     .build()?;
/// assert!(!format!("{client:?}").contains("0d6f...key"));
/// # Ok::<(), user_provisioner::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct JambonzBuilder {
    base_url: Option<String>,
    api_key: Option<Secret>,
    options: ClientOptions,
    password_policy: PasswordPolicy,
}

impl JambonzBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder filled from `JAMBONZ_BASE_URL` and `JAMBONZ_API_KEY`. Missing
    /// variables, and empty ones, are reported by [`build`](JambonzBuilder::build).
    pub fn from_env() -> Self {
        let mut builder = Self::new();
        builder.base_url = crate::env::var(ENV_BASE_URL);
        builder.api_key = crate::env::var(ENV_API_KEY).map(Secret::new);
        builder
    }

    /// The API base URL including the version, such as `https://api.jambonz.cloud/v1`.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key or JWT, sent as `Authorization: Bearer`.
    pub fn with_api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Timeouts, retries, limits and the HTTP client.
    pub fn with_client_options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// The password rules checked before sending (default: 8 to 20 characters).
    pub fn with_password_policy(mut self, policy: PasswordPolicy) -> Self {
        self.password_policy = policy;
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or invalid setting.
    pub fn build(self) -> Result<JambonzClient> {
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
        let auth = Auth::bearer("api_key", &api_key)?;
        let http = HttpCore::new(
            Provider::JAMBONZ,
            &base_url,
            auth,
            self.options,
            errors::decode,
        )?;
        Ok(JambonzClient::new(http, self.password_policy))
    }
}
