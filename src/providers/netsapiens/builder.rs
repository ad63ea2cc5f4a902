//! Configuration of a NetSapiens client.

use std::ops::RangeInclusive;

use crate::error::{Error, Result};
use crate::http::{Auth, ClientOptions, HttpCore};
use crate::provider::Provider;
use crate::secret::Secret;

use super::client::{ClientConfig, NetSapiensClient};
use super::errors;
use super::validate;

/// Environment variable read by [`NetSapiensBuilder::from_env`] for the base URL.
pub const ENV_BASE_URL: &str = "NETSAPIENS_BASE_URL";
/// Environment variable read by [`NetSapiensBuilder::from_env`] for the bearer token.
pub const ENV_TOKEN: &str = "NETSAPIENS_TOKEN";
/// Environment variable read by [`NetSapiensBuilder::from_env`] for the default domain.
pub const ENV_DOMAIN: &str = "NETSAPIENS_DOMAIN";

/// How many extensions the portable create tries after a 409, by default.
const DEFAULT_ALLOCATION_ATTEMPTS: u32 = 5;

/// Builds a [`NetSapiensClient`]; [`build`](NetSapiensBuilder::build) checks everything
/// once, so a built client is always usable.
///
/// ```
/// use user_provisioner::providers::netsapiens::NetSapiensBuilder;
///
/// let client = NetSapiensBuilder::new()
///     .with_base_url("https://pbx.example.com/ns-api/v2")
///     .with_token("nss_0123456789abcdef")
///     .with_domain("acme.example.com")
///     .with_extension_range(2000..=2999)
///     .build()?;
/// assert_eq!(client.domain(), "acme.example.com");
/// assert!(!format!("{client:?}").contains("nss_0123456789abcdef"));
/// # Ok::<(), user_provisioner::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct NetSapiensBuilder {
    base_url: Option<String>,
    token: Option<Secret>,
    domain: Option<String>,
    options: ClientOptions,
    extension_range: Option<RangeInclusive<u32>>,
    allocation_attempts: u32,
    synchronous_creates: bool,
    list_start_base: u64,
}

impl Default for NetSapiensBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            token: None,
            domain: None,
            options: ClientOptions::default(),
            extension_range: None,
            allocation_attempts: DEFAULT_ALLOCATION_ATTEMPTS,
            synchronous_creates: true,
            list_start_base: 1,
        }
    }
}

impl NetSapiensBuilder {
    /// An empty builder (domain `~`, synchronous portable creates, no extension range).
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder filled from `NETSAPIENS_BASE_URL`, `NETSAPIENS_TOKEN` and (optionally)
    /// `NETSAPIENS_DOMAIN`. Missing (or empty) required variables are reported by
    /// [`build`](NetSapiensBuilder::build).
    pub fn from_env() -> Self {
        let mut builder = Self::new();
        builder.base_url = crate::env::var(ENV_BASE_URL);
        builder.token = crate::env::var(ENV_TOKEN).map(Secret::new);
        if let Some(domain) = crate::env::var(ENV_DOMAIN) {
            if !domain.trim().is_empty() {
                builder.domain = Some(domain.trim().to_owned());
            }
        }
        builder
    }

    /// The API base URL including `/ns-api/v2`, such as
    /// `https://pbx.example.com/ns-api/v2`.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key (`nss_…`, `nsr_…`, `nsd_…`, `nsu_…`) or OAuth access token, sent as
    /// `Authorization: Bearer`.
    pub fn with_token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The domain every call works in (default `~`, the token's own domain); at most 64
    /// characters. [`NetSapiensClient::for_domain`] gives a client for another one.
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Timeouts, retries, limits and the HTTP client.
    pub fn with_client_options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Extensions the portable [`create_user`](crate::UserProvisioner::create_user) may
    /// allocate when the user carries no `netsapiens.extension` attribute: the lowest
    /// free one is taken. See the module docs for the race with other writers.
    pub fn with_extension_range(mut self, range: RangeInclusive<u32>) -> Self {
        self.extension_range = Some(range);
        self
    }

    /// How many extensions an allocating create tries when the server answers 409
    /// (default 5, at least 1).
    pub fn with_allocation_attempts(mut self, attempts: u32) -> Self {
        self.allocation_attempts = attempts.max(1);
        self
    }

    /// Whether the portable [`create_user`](crate::UserProvisioner::create_user) asks
    /// for a synchronous create (default `true`: the answer is
    /// [`CreateOutcome::Created`](crate::CreateOutcome::Created)); with `false` it
    /// answers [`CreateOutcome::Accepted`](crate::CreateOutcome::Accepted) sooner. The
    /// attribute `netsapiens.synchronous` overrides it per user.
    pub fn with_synchronous_creates(mut self, synchronous: bool) -> Self {
        self.synchronous_creates = synchronous;
        self
    }

    /// The `start` of the first page of a list: 1 (the default, as the vendor
    /// documents) or 0 (as a third-party export of the spec says). UNCONFIRMED which
    /// one servers use; with the wrong base the first user of each walk is skipped or
    /// read twice.
    pub fn with_list_start_base(mut self, base: u64) -> Self {
        self.list_start_base = base;
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or invalid setting.
    pub fn build(self) -> Result<NetSapiensClient> {
        let base_url = self.base_url.ok_or_else(|| {
            Error::config(
                "base_url",
                format!("not set; call with_base_url or set {ENV_BASE_URL}"),
            )
        })?;
        let token = self.token.ok_or_else(|| {
            Error::config(
                "token",
                format!("not set; call with_token or set {ENV_TOKEN}"),
            )
        })?;
        let domain = self.domain.unwrap_or_else(|| "~".to_owned());
        validate::domain("domain", &domain).map_err(|err| match err {
            Error::InvalidInput { reason, .. } => Error::config("domain", reason),
            other => other,
        })?;
        if let Some(range) = &self.extension_range {
            if range.is_empty() {
                return Err(Error::config(
                    "extension_range",
                    format!("{}..={} is empty", range.start(), range.end()),
                ));
            }
        }
        if self.list_start_base > 1 {
            return Err(Error::config("list_start_base", "must be 0 or 1"));
        }
        let auth = Auth::bearer("token", &token)?;
        let http = HttpCore::new(
            Provider::NETSAPIENS,
            &base_url,
            auth,
            self.options,
            errors::decode,
        )?;
        Ok(NetSapiensClient::new(
            http,
            domain,
            ClientConfig {
                extension_range: self.extension_range,
                allocation_attempts: self.allocation_attempts,
                synchronous_creates: self.synchronous_creates,
                list_start_base: self.list_start_base,
            },
        ))
    }
}
