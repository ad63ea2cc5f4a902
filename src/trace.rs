//! What the crate reports through `tracing` (the `tracing` feature): spans per request
//! and per attempt (each adapter's portable calls open the operation span around them), events for retries and unknown create outcomes. Only values that
//! are never secret are recorded: provider keys, methods, paths, statuses, request ids,
//! idempotency keys, attempt numbers, delays and error kinds. Without the feature every
//! function here is empty and compiles away.

use std::time::Duration;

use crate::error::Error;
use crate::provider::Provider;
// For `outcome_unknown`, built for the adapters that look up an unknown create.
#[cfg(any(
    feature = "jambonz",
    feature = "netsapiens",
    feature = "ece",
    feature = "scim-client"
))]
use crate::recovery::CreateLookup;

/// A span covering every attempt of one request.
#[cfg(feature = "tracing")]
pub(crate) fn request_span(
    provider: Provider,
    method: &reqwest::Method,
    path: &str,
    idempotency_key: Option<&str>,
) -> tracing::Span {
    tracing::debug_span!(
        "user_provisioner.request",
        provider = provider.key(),
        method = %method,
        path,
        idempotency_key,
    )
}

/// A span covering one attempt; its `status` and `request_id` are filled in when the
/// answer arrives.
#[cfg(feature = "tracing")]
pub(crate) fn attempt_span(attempt: u32) -> tracing::Span {
    tracing::debug_span!(
        "user_provisioner.attempt",
        attempt,
        status = tracing::field::Empty,
        request_id = tracing::field::Empty,
        error = tracing::field::Empty,
    )
}

/// Records how an attempt ended on its span.
#[cfg(feature = "tracing")]
pub(crate) fn attempt_ended(
    span: &tracing::Span,
    status: Option<u16>,
    request_id: Option<&str>,
    error: Option<&Error>,
) {
    if let Some(status) = status {
        span.record("status", status);
    }
    if let Some(request_id) = request_id {
        span.record("request_id", request_id);
    }
    if let Some(error) = error {
        span.record("error", error.kind());
    }
}

/// A failed attempt that will be tried again after `delay`.
pub(crate) fn retrying(provider: Provider, attempt: u32, delay: Duration, error: &Error) {
    #[cfg(feature = "tracing")]
    tracing::debug!(
        provider = provider.key(),
        attempt,
        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        status = error.status(),
        error = error.kind(),
        "retrying"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (provider, attempt, delay, error);
}

/// A create whose outcome is unknown, and what the lookup found.
#[cfg(any(
    feature = "jambonz",
    feature = "netsapiens",
    feature = "ece",
    feature = "scim-client",
))]
pub(crate) fn outcome_unknown(provider: Provider, cause: &Error, lookup: &CreateLookup) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        provider = provider.key(),
        cause = cause.kind(),
        status = cause.status(),
        lookup = lookup.kind(),
        "create outcome unknown"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (provider, cause, lookup);
}
