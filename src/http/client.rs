//! The connection every HTTP adapter sends through ([`HttpCore`]) and the request an
//! adapter describes ([`ApiRequest`]): base URL and path encoding, auth headers,
//! timeouts, retries, bounded body reads, response classification, secret scrubbing and
//! dry runs.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE, LOCATION, USER_AGENT,
};
use reqwest::{Method, StatusCode};
use serde::Serialize;

use super::auth::{Auth, Scrubber};
use super::base_url::BaseUrl;
use super::response::{ErrorBody, RawResponse};
use super::retry::Replay;
use super::{error_chain, response, retry, ClientOptions, DryRunRequest};
use crate::error::{ApiError, Error, Result};
use crate::idempotency::IdempotencyKey;
use crate::options::RequestOptions;
use crate::provider::Provider;
use crate::secret::Secret;

/// `User-Agent` of every request.
const USER_AGENT_VALUE: &str = concat!("user-provisioner/", env!("CARGO_PKG_VERSION"));

/// Reads a provider's error body into its code, message and typed detail.
pub(crate) type ErrorDecoder = fn(&RawResponse) -> ErrorBody;

/// One provider's connection: client, base URL, credentials and policies.
#[derive(Clone)]
pub(crate) struct HttpCore {
    provider: Provider,
    client: reqwest::Client,
    base: BaseUrl,
    /// Shared with every successful answer, which scrubs it from decode errors.
    auth: Arc<Auth>,
    options: ClientOptions,
    decode_error: ErrorDecoder,
    media: MediaType,
}

/// The media types a provider speaks: what a body is sent as and what is accepted back.
#[derive(Debug, Clone, Copy)]
struct MediaType {
    content_type: &'static str,
    accept: &'static str,
}

impl MediaType {
    const JSON: MediaType = MediaType {
        content_type: "application/json",
        accept: "application/json",
    };
}

impl fmt::Debug for HttpCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpCore")
            .field("provider", &self.provider)
            .field("base_url", &self.base.as_url().as_str())
            .field("auth", &self.auth)
            .field("options", &self.options)
            .finish()
    }
}

/// A request described by an adapter.
pub(crate) struct ApiRequest<'a> {
    method: Method,
    segments: Vec<&'a str>,
    query: Vec<(&'static str, String)>,
    /// Shared by every attempt, never copied.
    body: Option<bytes::Bytes>,
    replay: Replay,
    idempotency: Option<(&'static str, &'a IdempotencyKey)>,
    map_error: fn(Error) -> Error,
    secrets: Vec<Secret>,
    done_on_repeat: Option<fn(&Error) -> bool>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl<'a> ApiRequest<'a> {
    /// A request to `segments` under the base URL; reads (GET) are safe to repeat.
    ///
    /// A DELETE whose repeat answers 404, after an earlier attempt whose outcome is
    /// unknown (timeout, reset after sending, 5xx), counts as done: the call succeeds
    /// with an empty `204` instead of reporting the echo of its own first attempt.
    pub(crate) fn new(method: Method, segments: &[&'a str]) -> Self {
        let done_on_repeat =
            (method == Method::DELETE).then_some(Error::is_not_found as fn(&Error) -> bool);
        Self {
            done_on_repeat,
            method,
            segments: segments.to_vec(),
            query: Vec::new(),
            body: None,
            replay: Replay::Safe,
            idempotency: None,
            map_error: std::convert::identity,
            secrets: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// A header of this request only (a precondition such as `If-Match`). A value that
    /// cannot be a header is refused, naming `field`, before anything is sent.
    #[cfg(feature = "scim-client")]
    pub(crate) fn header(mut self, field: &str, name: HeaderName, value: &str) -> Result<Self> {
        let value = HeaderValue::from_str(value).map_err(|_| {
            Error::invalid_input(
                field,
                "cannot be sent in an HTTP header (control characters)",
            )
        })?;
        self.headers.push((name, value));
        Ok(self)
    }

    /// A JSON body. The error names the field that could not be encoded.
    pub(crate) fn json<T: Serialize>(mut self, provider: Provider, body: &T) -> Result<Self> {
        let mut bytes = Vec::with_capacity(256);
        // Straight to the bytes; only a body that fails is encoded again with path
        // tracking, so that the error names the field without every request paying.
        if serde_json::to_writer(&mut bytes, body).is_err() {
            bytes.clear();
            let mut serializer = serde_json::Serializer::new(&mut bytes);
            serde_path_to_error::serialize(body, &mut serializer).map_err(|err| {
                Error::invalid_input(
                    err.path().to_string(),
                    format!("cannot be encoded for {provider}: {}", err.inner()),
                )
            })?;
        }
        self.body = Some(bytes.into());
        Ok(self)
    }

    /// Translates this operation's error answers before the retry decision, for
    /// providers that signal a meaning with an unusual status (jambonz reports an unknown
    /// user as 500, which must not be retried as a server failure).
    #[cfg(any(
        feature = "jambonz",
        feature = "connect",
        feature = "ece",
        feature = "scim-client",
    ))]
    pub(crate) fn map_error(mut self, map: fn(Error) -> Error) -> Self {
        self.map_error = map;
        self
    }

    /// A secret the body carries (a user's password, a PIN): scrubbed, like the
    /// client's credentials, from anything the answer echoes into an error.
    #[cfg(any(
        feature = "jambonz",
        feature = "netsapiens",
        feature = "ece",
        feature = "scim-client",
    ))]
    pub(crate) fn scrub_also(mut self, secret: Option<&Secret>) -> Self {
        if let Some(secret) = secret {
            self.secrets.push(secret.clone());
        }
        self
    }

    /// A query parameter.
    #[cfg(any(
        feature = "netsapiens",
        feature = "connect",
        feature = "ece",
        feature = "scim-client",
    ))]
    pub(crate) fn query(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    /// Marks a create the provider cannot deduplicate: it is never re-sent once it may
    /// have reached the server.
    #[cfg(any(
        feature = "jambonz",
        feature = "netsapiens",
        feature = "ece",
        feature = "scim-client",
    ))]
    pub(crate) fn send_once(mut self) -> Self {
        self.replay = Replay::Once;
        self
    }

    /// Sends `key` in `header` on every attempt, which makes the request safe to repeat.
    #[cfg(feature = "connect")]
    pub(crate) fn idempotency_key(mut self, header: &'static str, key: &'a IdempotencyKey) -> Self {
        self.idempotency = Some((header, key));
        self.replay = Replay::Safe;
        self
    }
}

impl HttpCore {
    /// Checks the base URL and credentials and prepares the client.
    pub(crate) fn new(
        provider: Provider,
        base_url: &str,
        auth: Auth,
        options: ClientOptions,
        decode_error: ErrorDecoder,
    ) -> Result<Self> {
        let base = BaseUrl::parse("base_url", base_url, options.allow_http)?;
        let client = options.build_client()?;
        Ok(Self {
            provider,
            client,
            base,
            auth: Arc::new(auth),
            options,
            decode_error,
            media: MediaType::JSON,
        })
    }

    /// Sends bodies as `content_type` and asks for `accept`, for a provider whose API
    /// has a media type of its own (a vendor `application/…+json` type).
    #[cfg(feature = "scim-client")]
    pub(crate) fn with_media_type(
        mut self,
        content_type: &'static str,
        accept: &'static str,
    ) -> Self {
        self.media = MediaType {
            content_type,
            accept,
        };
        self
    }

    pub(crate) fn base_url(&self) -> &url::Url {
        self.base.as_url()
    }

    /// Whether an uncertain create is followed by a lookup.
    #[cfg(any(
        feature = "jambonz",
        feature = "netsapiens",
        feature = "ece",
        feature = "scim-client",
    ))]
    pub(crate) fn create_recovery(&self) -> bool {
        self.options.create_recovery
    }

    /// The overall deadline of a call: its own timeout, else its retry policy's.
    pub(crate) fn call_budget(&self, call: &RequestOptions) -> Duration {
        let policy = call.retry.as_ref().unwrap_or(&self.options.retry);
        call.timeout.unwrap_or_else(|| policy.max_elapsed())
    }

    /// Sends `request`, retrying as its [`Replay`] and the policy allow, and returns a
    /// 2xx response. Anything else becomes the matching [`Error`].
    ///
    /// The error of a request carrying an idempotency key keeps the key
    /// ([`Error::idempotency_key`]), and is [`Error::OutcomeUnknown`] when any attempt
    /// may have acted.
    pub(crate) async fn send(
        &self,
        request: ApiRequest<'_>,
        call: &RequestOptions,
    ) -> Result<RawResponse> {
        // A header the caller's options refused fails the call before any request.
        call.check()?;
        if call.dry_run && !is_read(&request.method) {
            return Err(self.dry_run(&request, call));
        }
        let mut uncertain = false;
        let attempts = self.send_attempts(&request, call, &mut uncertain);
        #[cfg(feature = "tracing")]
        let attempts = tracing::Instrument::instrument(
            attempts,
            crate::trace::request_span(
                self.provider,
                &request.method,
                &request.segments.join("/"),
                request.idempotency.map(|(_, key)| key.as_str()),
            ),
        );
        match (attempts.await, request.idempotency) {
            (Ok(mut response), _) => {
                // Moved, not copied: the answer's decode errors scrub them too.
                response.secrets = request.secrets;
                Ok(response)
            }
            (Err(error), Some((_, key))) => Err(error.sent_with_key(self.provider, key, uncertain)),
            (Err(error), None) => Err(error),
        }
    }

    async fn send_attempts(
        &self,
        request: &ApiRequest<'_>,
        call: &RequestOptions,
        uncertain: &mut bool,
    ) -> Result<RawResponse> {
        let url = self.base.endpoint(&request.segments, &request.query)?;
        let policy = call.retry.as_ref().unwrap_or(&self.options.retry);
        let budget = self.call_budget(call);
        let started = Instant::now();
        let deadline = started + budget;
        let mut attempt = 0u32;
        // `uncertain`: whether an earlier attempt may have acted without the client
        // learning it.
        loop {
            attempt += 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(Error::Timeout {
                    provider: self.provider,
                    after: budget,
                    may_have_reached_server: attempt > 1,
                });
            }
            let attempt_timeout = self.options.timeout.min(remaining);
            let sent = self.attempt(&url, request, call, attempt_timeout);
            #[cfg(feature = "tracing")]
            let span = crate::trace::attempt_span(attempt);
            #[cfg(feature = "tracing")]
            let sent = tracing::Instrument::instrument(sent, span.clone());
            let answer = sent.await;
            #[cfg(feature = "tracing")]
            match &answer {
                Ok(response) => crate::trace::attempt_ended(
                    &span,
                    Some(response.status),
                    response.request_id.as_deref(),
                    None,
                ),
                Err(error) => crate::trace::attempt_ended(
                    &span,
                    error.status(),
                    error.request_id(),
                    Some(error),
                ),
            }
            let error = match answer {
                Ok(response) => return Ok(response),
                Err(error) => (request.map_error)(error),
            };
            if retry::done_by_earlier_attempt(&error, *uncertain, request.done_on_repeat) {
                return Ok(RawResponse::settled(self.provider));
            }
            *uncertain |= error.is_outcome_unknown();
            let rate_limit_to_caller =
                call.return_rate_limits && matches!(error, Error::RateLimited(_));
            if attempt >= policy.max_attempts()
                || rate_limit_to_caller
                || !retry::is_retryable(&error, request.replay)
            {
                return Err(error);
            }
            let delay = error
                .retry_after()
                .unwrap_or_else(|| policy.backoff(attempt));
            if Instant::now() + delay >= deadline {
                return Err(error);
            }
            crate::trace::retrying(self.provider, attempt, delay, &error);
            policy.sleep(delay).await;
        }
    }

    async fn attempt(
        &self,
        url: &url::Url,
        request: &ApiRequest<'_>,
        call: &RequestOptions,
        timeout: Duration,
    ) -> Result<RawResponse> {
        let scrubber = self.auth.scrubbing(&request.secrets);
        let response = self
            .request_builder(url, request, call)
            .timeout(timeout)
            .send()
            .await
            .map_err(|err| self.transport_error(&scrubber, err, timeout))?;
        if !same_origin(response.url(), url) {
            return Err(Error::Redirect {
                provider: self.provider,
                status: response.status().as_u16(),
                location: Some(scrubber.scrub(response.url().as_str()).into_owned()),
            });
        }
        let status = response.status();
        if status.is_redirection() {
            return Err(Error::Redirect {
                provider: self.provider,
                status: status.as_u16(),
                location: response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(|location| scrubber.scrub(location).into_owned()),
            });
        }
        let raw = response::read(self.provider, response, self.options.max_response_bytes)
            .await
            .map_err(|err| match err {
                response::ReadError::TooLarge { status, limit } => Error::ResponseTooLarge {
                    provider: self.provider,
                    status,
                    limit,
                },
                response::ReadError::Transport(err) => {
                    self.transport_error(&scrubber, err, timeout)
                }
            })?;
        if status.is_success() {
            return Ok(RawResponse {
                auth: Some(Arc::clone(&self.auth)),
                ..raw
            });
        }
        Err(self.classify_with(&scrubber, status, raw))
    }

    /// The request as every attempt sends it, and as a dry run shows it.
    fn request_builder(
        &self,
        url: &url::Url,
        request: &ApiRequest<'_>,
        call: &RequestOptions,
    ) -> reqwest::RequestBuilder {
        let mut builder = self
            .client
            .request(request.method.clone(), url.clone())
            .header(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE))
            .header(ACCEPT, HeaderValue::from_static(self.media.accept));
        for (name, value) in self.auth.header_pairs() {
            builder = builder.header(name, value.clone());
        }
        if let Some((header, key)) = request.idempotency {
            builder = builder.header(header, key.as_str());
        }
        for (name, value) in &request.headers {
            builder = builder.header(name, value.clone());
        }
        for (name, value) in &call.headers {
            builder = builder.header(name, value.clone());
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(
                    CONTENT_TYPE,
                    HeaderValue::from_static(self.media.content_type),
                )
                .body(reqwest::Body::from(body.clone()));
        }
        builder
    }

    /// The error a dry run ends with instead of sending `request`: the request as
    /// [`request_builder`](Self::request_builder) builds it, credentials and carried
    /// secrets masked.
    fn dry_run(&self, request: &ApiRequest<'_>, call: &RequestOptions) -> Error {
        let url = match self.base.endpoint(&request.segments, &request.query) {
            Ok(url) => url,
            Err(error) => return error,
        };
        let scrubber = self.auth.scrubbing(&request.secrets);
        let built = match self.request_builder(&url, request, call).build() {
            Ok(built) => built,
            Err(err) => return self.transport_error(&scrubber, err, Duration::ZERO),
        };
        let headers = built
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), masked_header(&scrubber, value)))
            .collect();
        Error::DryRun(Box::new(DryRunRequest {
            provider: self.provider,
            method: built.method().to_string(),
            url: scrubber.scrub(built.url().as_str()).into_owned(),
            headers,
            body: request
                .body
                .as_deref()
                .map(|body| scrubber.redact_json(body)),
        }))
    }

    fn transport_error(
        &self,
        scrubber: &Scrubber<'_>,
        err: reqwest::Error,
        timeout: Duration,
    ) -> Error {
        // A failed connect never carried the request; anything later may have.
        let may_have_reached_server = !err.is_connect();
        if err.is_timeout() {
            return Error::Timeout {
                provider: self.provider,
                after: timeout,
                may_have_reached_server,
            };
        }
        Error::Transport {
            provider: self.provider,
            message: scrubber.scrub(&error_chain(&err)).into_owned(),
            may_have_reached_server,
            source: Box::new(err),
        }
    }

    /// Maps an error answer to the crate error, keeping status, code, message, request
    /// id and the provider's typed body, with credentials scrubbed from the text.
    #[cfg(test)]
    pub(crate) fn classify(&self, status: StatusCode, raw: RawResponse) -> Error {
        self.classify_with(&self.auth.scrubbing(&[]), status, raw)
    }

    /// Maps an error answer to the crate error, scrubbing what `scrubber` knows: the client's
    /// credentials and the secrets the request carried.
    fn classify_with(
        &self,
        scrubber: &Scrubber<'_>,
        status: StatusCode,
        mut raw: RawResponse,
    ) -> Error {
        // Scrubbed before decoding, so the typed detail is as clean as the message.
        if let Cow::Owned(clean) = scrubber.scrub(&String::from_utf8_lossy(&raw.body)) {
            raw.body = clean.into_bytes();
        }
        // A JSON string may carry the credential escaped (`\/` for `/`, `\\`, `\uXXXX`),
        // which the text above does not match but the decoder turns back into the
        // credential: scrub the decoded strings too. Without a backslash every JSON
        // string is verbatim in the text, so the text scrub was enough.
        if raw.body.contains(&b'\\') {
            if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&raw.body) {
                if scrub_json(scrubber, &mut value) {
                    raw.body = serde_json::to_vec(&value).unwrap_or_default();
                }
            }
        }
        // Headers feed the request id and typed codes (ECE's `x-cloud-error-codes`).
        if raw.headers.values().any(|value| {
            value
                .to_str()
                .is_ok_and(|text| matches!(scrubber.scrub(text), Cow::Owned(_)))
        }) {
            raw.headers = scrub_headers(scrubber, &raw.headers);
            raw.request_id = raw.request_id.map(|id| scrubber.scrub(&id).into_owned());
        }
        let body = (self.decode_error)(&raw);
        let message = body
            .message
            .unwrap_or_else(|| raw.text_excerpt())
            .trim()
            .to_owned();
        ApiError {
            provider: self.provider,
            status: status.as_u16(),
            code: body.code,
            message,
            request_id: raw.request_id.clone(),
            retry_after: retry::advised_delay(status.as_u16(), &raw.headers),
            idempotency_key: None,
            detail: body.detail,
        }
        .into_error()
    }
}

/// A header's value as a dry run shows it: the credentials `scrubber` knows replaced
/// by `***`, and a sensitive value it does not recognise hidden whole.
fn masked_header(scrubber: &Scrubber<'_>, value: &HeaderValue) -> String {
    let text = String::from_utf8_lossy(value.as_bytes());
    match scrubber.scrub(&text) {
        Cow::Owned(clean) => clean,
        Cow::Borrowed(_) if value.is_sensitive() => "***".to_owned(),
        Cow::Borrowed(plain) => plain.to_owned(),
    }
}

/// Replaces the credential in every string and key of `value`; whether any changed.
fn scrub_json(auth: &Scrubber<'_>, value: &mut serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(text) => match auth.scrub(text) {
            Cow::Owned(clean) => {
                *text = clean;
                true
            }
            Cow::Borrowed(_) => false,
        },
        serde_json::Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, item| scrub_json(auth, item) | changed),
        serde_json::Value::Object(map) => {
            let mut changed = false;
            for (key, mut item) in std::mem::take(map) {
                changed |= scrub_json(auth, &mut item);
                let key = match auth.scrub(&key) {
                    Cow::Owned(clean) => {
                        changed = true;
                        clean
                    }
                    Cow::Borrowed(_) => key,
                };
                map.insert(key, item);
            }
            changed
        }
        _ => false,
    }
}

/// The headers with the credential replaced in every value.
fn scrub_headers(auth: &Scrubber<'_>, headers: &HeaderMap) -> HeaderMap {
    let mut clean = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let value = match value.to_str().map(|text| auth.scrub(text)) {
            Ok(Cow::Owned(text)) => match HeaderValue::from_str(&text) {
                Ok(value) => value,
                Err(_) => continue,
            },
            _ => value.clone(),
        };
        clean.append(name.clone(), value);
    }
    clean
}

/// Whether a dry run sends `method` anyway: a read changes nothing.
fn is_read(method: &Method) -> bool {
    *method == Method::GET || *method == Method::HEAD
}

fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Outer {
        name: &'static str,
        inner: Inner,
    }

    #[derive(Serialize)]
    struct Inner {
        #[serde(serialize_with = "refuse")]
        broken: u8,
    }

    fn refuse<S: serde::Serializer>(_: &u8, _: S) -> std::result::Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("not encodable"))
    }

    #[test]
    fn a_body_that_cannot_be_encoded_names_its_field() {
        let body = Outer {
            name: "jdoe",
            inner: Inner { broken: 1 },
        };
        let err = ApiRequest::new(Method::POST, &["users"])
            .json(Provider::EXAMPLE, &body)
            .err()
            .expect("refused");
        match err {
            Error::InvalidInput { field, reason } => {
                assert_eq!(field, "inner.broken");
                assert!(reason.contains("not encodable"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_body_is_encoded_as_compact_json() {
        let request = ApiRequest::new(Method::POST, &["users"])
            .json(
                Provider::EXAMPLE,
                &serde_json::json!({"name": "jdoe", "n": [1, 2]}),
            )
            .unwrap();
        assert_eq!(
            request.body.as_deref(),
            Some(&br#"{"n":[1,2],"name":"jdoe"}"#[..])
        );
    }
}
