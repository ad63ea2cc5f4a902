//! Configuration of a SCIM client.

use crate::error::{Error, Result};
use crate::http::{Auth, ClientOptions, HttpCore};
use crate::provider::Provider;
use crate::scim::model::{Schema, ServiceProviderConfig};
use crate::scim::schema::SCIM_JSON;
use crate::secret::Secret;

use super::client::{Discovered, ScimClient};
use super::errors;

/// Environment variable read by [`ScimBuilder::from_env`] for the base URL.
pub const ENV_BASE_URL: &str = "SCIM_BASE_URL";
/// Environment variable read by [`ScimBuilder::from_env`] for the bearer token.
pub const ENV_TOKEN: &str = "SCIM_TOKEN";
/// Environment variable read by [`ScimBuilder::from_env`] for a basic-auth user name
/// (used when no token is set).
pub const ENV_USERNAME: &str = "SCIM_USERNAME";
/// Environment variable read by [`ScimBuilder::from_env`] for a basic-auth password.
pub const ENV_PASSWORD: &str = "SCIM_PASSWORD";

/// What is sent as `Accept`: SCIM's own type first, plain JSON for servers that only
/// know that.
const ACCEPT: &str = "application/scim+json, application/json;q=0.9";

#[derive(Clone)]
enum Credentials {
    Bearer(Secret),
    Basic { username: String, password: Secret },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Credentials::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
        }
    }
}

/// Builds a [`ScimClient`]; [`build`](ScimBuilder::build) checks everything once, so a
/// built client is always usable.
///
/// ```
/// use user_provisioner::providers::scim::ScimBuilder;
///
/// let client = ScimBuilder::new()
///     .with_base_url("https://api.example.com/scim/v2")
///     .with_bearer_token("scim-token-123")
///     .build()?;
/// assert!(!format!("{client:?}").contains("scim-token-123"));
/// # Ok::<(), user_provisioner::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ScimBuilder {
    base_url: Option<String>,
    credentials: Option<Credentials>,
    options: ClientOptions,
    config: Option<ServiceProviderConfig>,
    user_schema: Option<Schema>,
}

impl ScimBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder filled from `SCIM_BASE_URL` and `SCIM_TOKEN` (bearer), or, without a
    /// token, `SCIM_USERNAME` and `SCIM_PASSWORD` (basic). Missing variables, and empty
    /// ones, are reported by [`build`](ScimBuilder::build).
    pub fn from_env() -> Self {
        let mut builder = Self::new();
        builder.base_url = crate::env::var(ENV_BASE_URL);
        builder.credentials = match (
            crate::env::var(ENV_TOKEN),
            crate::env::var(ENV_USERNAME),
            crate::env::var(ENV_PASSWORD),
        ) {
            (Some(token), _, _) => Some(Credentials::Bearer(Secret::new(token))),
            (None, Some(username), Some(password)) => Some(Credentials::Basic {
                username,
                password: Secret::new(password),
            }),
            _ => None,
        };
        builder
    }

    /// The SCIM base URL, under which `/Users` and `/ServiceProviderConfig` are
    /// (`https://api.example.com/scim/v2`).
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// A bearer token, sent as `Authorization: Bearer` (RFC 6750); replaces basic auth.
    pub fn with_bearer_token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::Bearer(token.into()));
        self
    }

    /// HTTP basic authentication, which some service providers take; replaces a token.
    pub fn with_basic_auth(
        mut self,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        self.credentials = Some(Credentials::Basic {
            username: username.into(),
            password: password.into(),
        });
        self
    }

    /// Timeouts, retries, limits and the HTTP client.
    pub fn with_client_options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Uses `config` as the server's configuration instead of reading
    /// `/ServiceProviderConfig`: for a server whose announcement is missing or wrong,
    /// and for tests. The client then sends no discovery request, and takes the User
    /// schema of RFC 7643 unless [`with_user_schema`](Self::with_user_schema) gives one.
    pub fn with_service_provider_config(mut self, config: ServiceProviderConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// With [`with_service_provider_config`](Self::with_service_provider_config): the
    /// server's User schema, for the fields it stores, instead of RFC 7643's. Without a
    /// pinned configuration it is read from the server.
    pub fn with_user_schema(mut self, schema: Schema) -> Self {
        self.user_schema = Some(schema);
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or invalid setting.
    pub fn build(self) -> Result<ScimClient> {
        let base_url = self.base_url.ok_or_else(|| {
            Error::config(
                "base_url",
                format!("not set; call with_base_url or set {ENV_BASE_URL}"),
            )
        })?;
        let auth = match self.credentials {
            Some(Credentials::Bearer(token)) => Auth::bearer("bearer_token", &token)?,
            Some(Credentials::Basic { username, password }) => {
                Auth::basic("basic_auth", &username, &password)?
            }
            None => {
                return Err(Error::config(
                    "credentials",
                    format!(
                        "not set; call with_bearer_token or with_basic_auth, or set \
                         {ENV_TOKEN} (or {ENV_USERNAME} and {ENV_PASSWORD})"
                    ),
                ))
            }
        };
        let http = HttpCore::new(
            Provider::SCIM,
            &base_url,
            auth,
            self.options,
            errors::decode,
        )?
        .with_media_type(SCIM_JSON, ACCEPT);
        let discovered = self
            .config
            .map(|config| Discovered::new(config, self.user_schema));
        Ok(ScimClient::new(http, discovered))
    }
}
