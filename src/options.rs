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
///     .with_header("x-tenant", "blue")
///     .with_timeout(Duration::from_secs(5));
/// assert!(options.check().is_ok());
/// ```
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) idempotency_key: Option<IdempotencyKey>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) retry: Option<RetryPolicy>,
    /// Why the first refused [`with_header`](Self::with_header) was refused; the call
    /// fails with it before any request.
    invalid_header: Option<String>,
    /// Whether a 429 is returned at once instead of waited out (see
    /// [`RequestOptions::with_rate_limit_retries`]).
    pub(crate) return_rate_limits: bool,
    /// Whether answers are also kept as JSON in [`User::raw`](crate::User::raw) and
    /// [`Accepted::raw`](crate::Accepted::raw).
    pub(crate) keep_raw_json: bool,
    /// Whether the first write of this call is returned as [`Error::DryRun`] instead
    /// of being sent (see [`RequestOptions::with_dry_run`]).
    pub(crate) dry_run: bool,
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

    /// Whether the users and acceptances this call returns also carry the provider's
    /// own JSON in [`User::raw`](crate::User::raw) and
    /// [`Accepted::raw`](crate::Accepted::raw) (default: off, they are `null` and
    /// `None`).
    ///
    /// Off, an answer is decoded once, straight into the typed model; on, it is also
    /// parsed into a [`serde_json::Value`], which costs about as much again. Fields the
    /// crate does not model are kept either way in each native model's `other` map.
    ///
    /// ```
    /// use user_provisioner::RequestOptions;
    ///
    /// let options = RequestOptions::new().with_raw_json(true);
    /// assert!(options.keeps_raw_json());
    /// ```
    pub fn with_raw_json(mut self, keep: bool) -> Self {
        self.keep_raw_json = keep;
        self
    }

    /// Whether this call is a dry run (default: off): reads (`GET`, `HEAD`) are sent
    /// as usual, so that an update that reads the stored user first still does, but
    /// the first request that would change anything is **not sent**. The call fails
    /// with [`Error::DryRun`] instead, carrying that request exactly as it would have
    /// gone out ([`DryRunRequest`](crate::DryRunRequest): method, URL, headers and
    /// body), with every credential and every secret the body carries masked.
    ///
    /// Input is checked first, as on any call: a refused input is its
    /// [`Error::InvalidInput`] (or [`Error::Unsupported`], [`Error::Refused`]), not a
    /// dry run. A call that reads only (`get`, `list`) is unaffected.
    ///
    /// Honoured by the HTTP core every adapter of this crate sends through, so it
    /// applies to jambonz, NetSapiens, Connect and ECE alike. A backend written outside
    /// this crate (and `providers::memory::MemoryProvisioner`) decides for itself; it can read
    /// [`is_dry_run`](Self::is_dry_run). Headers that a `reqwest::Client` given with
    /// [`ClientOptions::with_reqwest_client`](crate::ClientOptions::with_reqwest_client)
    /// adds on its own are not shown.
    ///
    /// ```
    /// # async fn demo(p: &dyn user_provisioner::UserProvisioner) {
    /// use user_provisioner::{Error, NewUser, RequestOptions};
    ///
    /// let person = NewUser::new("ada").with_email("ada@example.com").with_password("Str0ngP@ss1");
    /// match p.create_user_opts(&person, &RequestOptions::new().with_dry_run(true)).await {
    ///     Err(Error::DryRun(request)) => {
    ///         // `POST …/Users`, `Authorization: Bearer ***`, `"initial_password":"<redacted>"`
    ///         println!("{request}");
    ///     }
    ///     other => println!("not a dry run: {other:?}"),
    /// }
    /// # }
    /// ```
    pub fn with_dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Whether this call is a dry run (see [`with_dry_run`](Self::with_dry_run)).
    pub fn is_dry_run(&self) -> bool {
        self.dry_run
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

    /// Adds a header to every request this call sends, and stays chainable.
    ///
    /// A header that cannot be sent (an invalid name or value, or one the crate sets
    /// itself: auth, idempotency, framing) is not dropped: every call made with these
    /// options fails with [`Error::InvalidInput`] naming `headers` and the header,
    /// before any request (as `reqwest`'s builder defers its header errors to `send`).
    /// Use [`try_with_header`](Self::try_with_header) to learn it at once, or
    /// [`check`](Self::check).
    pub fn with_header(self, name: &str, value: &str) -> Self {
        let mut refused = self.clone();
        match self.try_with_header(name, value) {
            Ok(options) => options,
            Err(err) => {
                if refused.invalid_header.is_none() {
                    refused.invalid_header = Some(err.to_string());
                }
                refused
            }
        }
    }

    /// Whether a call with these options can be sent: the error a refused
    /// [`with_header`](Self::with_header) recorded, if any.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `headers` and the first refused header.
    pub fn check(&self) -> Result<(), Error> {
        match &self.invalid_header {
            Some(reason) => Err(Error::invalid_input("headers", reason.clone())),
            None => Ok(()),
        }
    }

    /// Adds a header to every request this call sends, or says at once why it cannot.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `headers` for an invalid name or value, or for a
    /// header the crate sets itself (auth, idempotency, framing).
    pub fn try_with_header(mut self, name: &str, value: &str) -> Result<Self, Error> {
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

    /// These options without the idempotency key, for the reads around a create.
    #[cfg(any(feature = "scim-client", feature = "orchestration"))]
    pub(crate) fn without_idempotency_key(&self) -> Self {
        Self {
            idempotency_key: None,
            ..self.clone()
        }
    }

    /// The same options without the deadline, for a follow-up request (such as the
    /// lookup after an uncertain create) that must not inherit a spent budget.
    #[cfg(any(
        feature = "jambonz",
        feature = "netsapiens",
        feature = "ece",
        feature = "scim-client",
    ))]
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

    /// Whether answers are kept as JSON too (see [`with_raw_json`](Self::with_raw_json)).
    pub fn keeps_raw_json(&self) -> bool {
        self.keep_raw_json
    }

    /// `value` as JSON for a `raw` field when this call keeps raw JSON, else `null`.
    #[cfg(any(
        feature = "jambonz",
        feature = "netsapiens",
        feature = "connect",
        feature = "scim-client",
    ))]
    pub(crate) fn raw_of<T: serde::Serialize>(&self, value: &T) -> serde_json::Value {
        if !self.keep_raw_json {
            return serde_json::Value::Null;
        }
        serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
    }

    /// The caller's idempotency key, if set.
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.idempotency_key.as_ref()
    }

    /// Refuses a create carrying an idempotency key on a provider that has none: the key
    /// would promise a safe re-send the provider cannot keep. `instead` says what the
    /// adapter does with an unknown outcome.
    pub(crate) fn refuse_idempotency_key(
        &self,
        provider: crate::provider::Provider,
        instead: &str,
    ) -> Result<(), Error> {
        if self.idempotency_key.is_none() {
            return Ok(());
        }
        Err(Error::unsupported(
            provider,
            "idempotency_key",
            format!("{provider} has no idempotency key; a create is sent once and {instead}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_auth_headers() {
        for name in ["Authorization", "X-API-Key", "x-idempotency-key"] {
            let err = RequestOptions::new()
                .try_with_header(name, "x")
                .unwrap_err();
            assert!(matches!(err, Error::InvalidInput { .. }), "{name}: {err}");
            let deferred = RequestOptions::new().with_header(name, "x");
            assert!(deferred.headers.is_empty());
            let err = deferred.check().unwrap_err();
            assert!(
                matches!(err, Error::InvalidInput { ref field, ref reason }
                    if field == "headers" && reason.contains(name)),
                "{name}: {err}"
            );
        }
    }

    #[test]
    fn keeps_custom_headers_and_the_first_refusal() {
        let options = RequestOptions::new()
            .with_header("x-trace", "abc")
            .with_header("bad name", "x")
            .with_header("x-other", "bad\nvalue")
            .with_header("x-tenant", "blue");
        assert_eq!(options.headers.len(), 2);
        let err = options.check().unwrap_err();
        assert!(err.to_string().contains("bad name"), "{err}");
        assert!(RequestOptions::new()
            .try_with_header("x-trace", "abc")
            .unwrap()
            .check()
            .is_ok());
    }
}
