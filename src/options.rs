//! Per-call options.

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use crate::error::Error;
use crate::http::RetryPolicy;
use crate::idempotency::IdempotencyKey;

/// Options for one call, on top of the client's configuration.
///
/// ```
/// use std::time::Duration;
/// use user_provisioner::RequestOptions;
///
/// let options = RequestOptions::new()
///     .with_timeout(Duration::from_secs(5))
///     .with_header("x-tenant", "blue")?;
/// # Ok::<(), user_provisioner::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) idempotency_key: Option<IdempotencyKey>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) retry: Option<RetryPolicy>,
    /// Whether a 429 is returned at once instead of waited out (see
    /// [`RequestOptions::with_rate_limit_retries`]).
    pub(crate) return_rate_limits: bool,
}

/// Headers the crate owns: auth, idempotency and framing. A caller cannot override them
/// through [`RequestOptions::with_header`], so no option can replace or leak a credential.
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "x-idempotency-key",
    "idempotency-key",
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "cookie",
];

impl RequestOptions {
    /// Options with nothing set: the client's defaults apply.
    pub fn new() -> Self {
        Self::default()
    }

    /// Overall deadline for this call, retries included. It shortens, never lengthens,
    /// the client's per-attempt timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// A retry policy for this call instead of the client's. What may be retried still
    /// depends on the request (a create without an idempotency key is never re-sent
    /// once it may have reached the server).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Whether the client waits out a 429 and tries again (`true`, the default, as its
    /// retry policy allows) or returns [`Error::RateLimited`] at once (`false`), with the
    /// advised delay in [`Error::retry_after`]. A scheduler that pauses a whole queue of
    /// requests on the first 429, such as the `orchestration` module's bulk, turns this
    /// off so that it hears of the limit before the other requests run into it too.
    pub fn with_rate_limit_retries(mut self, retry: bool) -> Self {
        self.return_rate_limits = !retry;
        self
    }

    /// The idempotency key to send with a create, reused on every attempt of this call.
    ///
    /// Only providers with server-side idempotency accept one (see
    /// [`Capabilities::idempotent_create`](crate::Capabilities::idempotent_create)); the
    /// others refuse the call with [`Error::Unsupported`] rather than pretend the create is
    /// protected.
    pub fn with_idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.idempotency_key = Some(key);
        self
    }

    /// Adds a header to every request this call sends.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `headers` for an invalid name or value, or for a
    /// header the crate sets itself (auth, idempotency, framing).
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Self, Error> {
        let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::invalid_input("headers", format!("{name:?} is not a valid header name"))
        })?;
        if RESERVED_HEADERS.contains(&header_name.as_str()) {
            return Err(Error::invalid_input(
                "headers",
                format!("{name} is set by the client itself and cannot be overridden"),
            ));
        }
        let header_value = HeaderValue::from_str(value).map_err(|_| {
            Error::invalid_input(
                "headers",
                format!("the value of {name} is not a valid header value"),
            )
        })?;
        self.headers.push((header_name, header_value));
        Ok(self)
    }

    /// The same options without the deadline, for a follow-up request (such as the
    /// lookup after an uncertain create) that must not inherit a spent budget.
    pub(crate) fn without_timeout(&self) -> Self {
        Self {
            timeout: None,
            ..self.clone()
        }
    }

    /// The per-call deadline, if set.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Whether a 429 is waited out and retried (see
    /// [`with_rate_limit_retries`](Self::with_rate_limit_retries)).
    pub fn rate_limit_retries(&self) -> bool {
        !self.return_rate_limits
    }

    /// The caller's idempotency key, if set.
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.idempotency_key.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_auth_headers() {
        for name in ["Authorization", "X-API-Key", "x-idempotency-key"] {
            let err = RequestOptions::new().with_header(name, "x").unwrap_err();
            assert!(matches!(err, Error::InvalidInput { .. }), "{name}: {err}");
        }
    }

    #[test]
    fn keeps_custom_headers() {
        let options = RequestOptions::new().with_header("x-trace", "abc").unwrap();
        assert_eq!(options.headers.len(), 1);
    }
}
