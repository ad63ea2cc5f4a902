//! Configuration of an Elastic Cloud Enterprise client.

use crate::error::{Error, Result};
use crate::http::{Auth, ClientOptions, HttpCore};
use crate::provider::Provider;
use crate::secret::Secret;

use super::client::EceClient;
use super::errors;

/// Environment variable read by [`EceBuilder::from_env`] for the base URL.
pub const ENV_BASE_URL: &str = "ECE_BASE_URL";
/// Environment variable read by [`EceBuilder::from_env`] for an API key.
pub const ENV_API_KEY: &str = "ECE_API_KEY";
/// Environment variable read by [`EceBuilder::from_env`] for the basic-auth user name.
pub const ENV_USERNAME: &str = "ECE_USERNAME";
/// Environment variable read by [`EceBuilder::from_env`] for the basic-auth password.
pub const ENV_PASSWORD: &str = "ECE_PASSWORD";

/// Builds an [`EceClient`]; [`build`](EceBuilder::build) checks everything once, so a
/// built client is always usable.
///
/// Credentials are an API key (`Authorization: ApiKey <key>`) **or** a user name and
/// password (HTTP basic); the last `with_api_key` / `with_basic_auth` call wins.
///
/// ```
/// use user_provisioner::providers::ece::EceBuilder;
///
/// let client = EceBuilder::new()
///     .with_base_url("https://coordinator.example.com:12443/api/v1")
///     .with_api_key("ece-key-123")
///     .build()?;
/// assert!(!format!("{client:?}").contains("ece-key-123"));
/// # Ok::<(), user_provisioner::Error>(())
/// ```
///
/// A coordinator with a self-signed certificate: trust its CA (verification stays on).
///
/// ```no_run
/// use user_provisioner::providers::ece::EceBuilder;
/// use user_provisioner::ClientOptions;
///
/// let ca = std::fs::read("ece-ca.pem").expect("CA file");
/// let client = EceBuilder::from_env()
///     .with_client_options(ClientOptions::new().with_root_certificate_pem(&ca)?)
///     .build()?;
/// # Ok::<(), user_provisioner::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct EceBuilder {
    base_url: Option<String>,
    api_key: Option<Secret>,
    username: Option<String>,
    password: Option<Secret>,
    options: ClientOptions,
}

impl EceBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder filled from `ECE_BASE_URL` and either `ECE_API_KEY` or
    /// `ECE_USERNAME` + `ECE_PASSWORD`. When `ECE_API_KEY` is set (and not empty) it is
    /// used and the user name and password are not read. Missing variables are reported
    /// by [`build`](EceBuilder::build).
    ///
    /// TLS settings are never read from the environment: trusting a CA or accepting
    /// invalid certificates is a choice made in code, through
    /// [`with_client_options`](Self::with_client_options).
    pub fn from_env() -> Self {
        let var = crate::env::var;
        let mut builder = Self::new();
        builder.base_url = var(ENV_BASE_URL);
        if let Some(key) = var(ENV_API_KEY) {
            builder.api_key = Some(Secret::new(key));
        } else {
            builder.username = var(ENV_USERNAME);
            builder.password = var(ENV_PASSWORD).map(Secret::new);
        }
        builder
    }

    /// The API base URL including `/api/v1`, such as
    /// `https://coordinator.example.com:12443/api/v1`.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// An ECE API key, sent as `Authorization: ApiKey <key>`. Replaces basic auth.
    pub fn with_api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self.username = None;
        self.password = None;
        self
    }

    /// A user name and password, sent as HTTP basic auth. Replaces an API key.
    pub fn with_basic_auth(
        mut self,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self.api_key = None;
        self
    }

    /// Timeouts, retries, limits, TLS roots and the HTTP client.
    pub fn with_client_options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or invalid setting (`base_url`,
    /// `credentials`, `username`, `password`, `api_key`, `client`).
    pub fn build(self) -> Result<EceClient> {
        let base_url = self.base_url.ok_or_else(|| {
            Error::config(
                "base_url",
                format!("not set; call with_base_url or set {ENV_BASE_URL}"),
            )
        })?;
        let auth = match (self.api_key, self.username, self.password) {
            (Some(key), _, _) => Auth::api_key_authorization("api_key", &key)?,
            (None, Some(username), Some(password)) => {
                if password.is_empty() {
                    return Err(Error::config("password", "the password is empty"));
                }
                Auth::basic("username", &username, &password)?
            }
            (None, Some(_), None) => {
                return Err(Error::config(
                    "password",
                    format!("a user name is set but no password; set {ENV_PASSWORD}"),
                ))
            }
            (None, None, Some(_)) => {
                return Err(Error::config(
                    "username",
                    format!("a password is set but no user name; set {ENV_USERNAME}"),
                ))
            }
            (None, None, None) => {
                return Err(Error::config(
                    "credentials",
                    format!(
                        "not set; call with_api_key or with_basic_auth, or set {ENV_API_KEY} \
                         or {ENV_USERNAME} and {ENV_PASSWORD}"
                    ),
                ))
            }
        };
        let http = HttpCore::new(Provider::ECE, &base_url, auth, self.options, errors::decode)?;
        Ok(EceClient::new(http))
    }
}
