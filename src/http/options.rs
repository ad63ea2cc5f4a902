//! Settings shared by every provider client.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::http::retry::RetryPolicy;

/// Connection settings shared by every provider's builder: timeouts, retries, the
/// response size limit, plain-HTTP opt-in and an optional caller-built `reqwest` client.
///
/// ```
/// use std::time::Duration;
/// use user_provisioner::{ClientOptions, RetryPolicy};
///
/// let options = ClientOptions::new()
///     .with_timeout(Duration::from_secs(10))
///     .with_retry_policy(RetryPolicy::new().with_max_attempts(4))
///     .with_max_response_bytes(256 * 1024);
/// ```
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: usize,
    pub(crate) allow_http: bool,
    pub(crate) client: Option<reqwest::Client>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            max_response_bytes: 1024 * 1024,
            allow_http: false,
            client: None,
        }
    }
}

impl ClientOptions {
    /// The defaults: 30 s per attempt, 10 s to connect, [`RetryPolicy::default`],
    /// 1 MiB response limit, HTTPS only (plain HTTP to loopback hosts allowed).
    pub fn new() -> Self {
        Self::default()
    }

    /// Time limit of one attempt, from sending to the last byte of the body.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time limit for opening a connection (only for the client this crate builds).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How failed attempts are retried.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body read; a larger one fails with
    /// [`Error::ResponseTooLarge`] after reading no more than this.
    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Allows `http://` base URLs on non-loopback hosts, sending credentials unencrypted.
    /// Meant for self-hosted servers on a trusted network only.
    pub fn with_allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Uses a client you built (for proxies, custom roots, a shared pool).
    ///
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`: a client that follows
    /// redirects forwards headers such as `X-API-Key` to wherever the server points.
    /// The crate refuses any response that arrives from another origin, but it cannot
    /// unsend a header the client already forwarded. Without this option the crate
    /// builds its own client with redirects off.
    pub fn with_reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Time limit of one attempt.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    pub(crate) fn build_client(&self) -> Result<reqwest::Client> {
        if let Some(client) = &self.client {
            return Ok(client.clone());
        }
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|err| {
                Error::config("client", format!("could not build the HTTP client: {err}"))
            })
    }
}
