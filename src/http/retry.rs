//! When a failed attempt is tried again, and after how long.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicU64;
#[cfg(feature = "http-base")]
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
#[cfg(feature = "http-base")]
use std::time::SystemTime;

#[cfg(feature = "http-base")]
use reqwest::header::HeaderMap;

#[cfg(feature = "http-base")]
use crate::error::Error;

/// How a client tries a request again after a failure that may pass.
///
/// What is retried depends on what the request is, never on this policy alone:
/// a refused connection (nothing was sent) and a 429 (the provider did not act) are
/// retried for every request; 408, 500, 502, 503, 504 and timeouts only for requests
/// that are safe to repeat (reads, PUT, DELETE, merge patches, creates carrying an
/// idempotency key). A create the provider cannot deduplicate is never sent twice.
///
/// Delays grow exponentially from `initial_backoff` up to `max_backoff`, with full
/// jitter (a random delay between zero and that bound), and never end past
/// `max_elapsed`. A `Retry-After` on a 429 or 503, or a `RateLimit-Reset` on a 429,
/// replaces the computed delay; if it would end past the deadline, the error is returned
/// at once, carrying the advised delay. Those headers on any other answer are not retry
/// advice (jambonz sends its rate window's `RateLimit-Reset` on every response).
///
/// ```
/// use std::time::Duration;
/// use user_provisioner::RetryPolicy;
///
/// let policy = RetryPolicy::new()
///     .with_max_attempts(5)
///     .with_backoff(Duration::from_millis(200), Duration::from_secs(10))
///     .with_max_elapsed(Duration::from_secs(60));
/// assert_eq!(policy.max_attempts(), 5);
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
    jitter: Jitter,
    sleeper: Option<Sleeper>,
}

/// Waits out a retry delay; see [`RetryPolicy::with_sleeper`].
pub type Sleeper = Arc<dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("max_elapsed", &self.max_elapsed)
            .field("custom_sleeper", &self.sleeper.is_some())
            .finish()
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(60),
            jitter: Jitter::from_entropy(),
            sleeper: None,
        }
    }
}

impl RetryPolicy {
    /// The defaults: 3 attempts, backoff from 100 ms up to 5 s, 60 s in all.
    pub fn new() -> Self {
        Self::default()
    }

    /// One attempt, never retried.
    pub fn never() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first delay bound and the largest one.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The overall deadline of a call, attempts and delays included, unless the call's
    /// [`RequestOptions`](crate::RequestOptions) sets its own.
    pub fn with_max_elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// Makes the jitter repeatable, for tests.
    pub fn with_jitter_seed(mut self, seed: u64) -> Self {
        self.jitter = Jitter::seeded(seed);
        self
    }

    /// Replaces how delays are waited out (`tokio::time::sleep` by default), so tests
    /// can record the delays and run without waiting. The deadline is still measured on
    /// the real clock.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use user_provisioner::RetryPolicy;
    ///
    /// let slept = Arc::new(Mutex::new(Vec::<Duration>::new()));
    /// let record = Arc::clone(&slept);
    /// let policy = RetryPolicy::new().with_jitter_seed(7).with_sleeper(move |delay| {
    ///     record.lock().unwrap().push(delay);
    ///     async {}
    /// });
    /// ```
    pub fn with_sleeper<F>(mut self, sleep: impl Fn(Duration) -> F + Send + Sync + 'static) -> Self
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.sleeper = Some(Arc::new(move |delay| Box::pin(sleep(delay))));
        self
    }

    /// Attempts in all.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The overall deadline of a call.
    pub fn max_elapsed(&self) -> Duration {
        self.max_elapsed
    }

    /// Waits `delay` with the configured sleeper.
    #[cfg(feature = "http-base")]
    pub(crate) async fn sleep(&self, delay: Duration) {
        match &self.sleeper {
            Some(sleep) => sleep(delay).await,
            None => tokio::time::sleep(delay).await,
        }
    }

    /// The delay before attempt `attempt + 1`, after `attempt` failed attempts (1-based).
    #[cfg(feature = "http-base")]
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let bound = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        self.jitter.fraction_of(bound)
    }
}

/// Whether a request may be sent again after it may have reached the server.
#[cfg(feature = "http-base")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// A read, or a write whose repetition leaves the same state (PUT, DELETE, merge
    /// patch), or a create carrying an idempotency key.
    Safe,
    /// A create the provider cannot recognise when repeated: sent at most once past the
    /// point where it may have reached the server.
    Once,
}

/// Whether `error` after one attempt allows another attempt of a `replay` request.
#[cfg(feature = "http-base")]
pub(crate) fn is_retryable(error: &Error, replay: Replay) -> bool {
    match error {
        Error::Transport {
            may_have_reached_server: false,
            ..
        } => true,
        Error::RateLimited(_) => true,
        _ if replay == Replay::Once => false,
        Error::Transport { .. } | Error::Timeout { .. } => true,
        Error::Server(api) => matches!(api.status, 500 | 502 | 503 | 504),
        Error::Api(api) => api.status == 408,
        _ => false,
    }
}

/// Whether `error`, answered to a repeat of a request, shows that an earlier attempt
/// whose outcome was unknown (`uncertain`) already took effect: a DELETE answered 404,
/// or what the request's `done_on_repeat` names. Never on a first attempt, and never
/// after earlier attempts that were all refused without acting (429, connect failures).
#[cfg(feature = "http-base")]
pub(crate) fn done_by_earlier_attempt(
    error: &Error,
    uncertain: bool,
    done_on_repeat: Option<fn(&Error) -> bool>,
) -> bool {
    uncertain && done_on_repeat.is_some_and(|done| done(error))
}

/// The delay an error answer asks for, where the header means that on this status:
/// `Retry-After` (seconds or an HTTP date) on a 429 or 503, the statuses RFC 6585 and
/// RFC 9110 give it for; `RateLimit-Reset` (seconds, the IETF draft that
/// express-rate-limit, and so jambonz, sends) on a 429 only. A server that sends the
/// `RateLimit-*` headers on every answer (jambonz does) tells the time to the end of its
/// window there, which is no advice for retrying a 500 or reporting a 422.
#[cfg(feature = "http-base")]
pub(crate) fn advised_delay(status: u16, headers: &HeaderMap) -> Option<Duration> {
    const MAX_ADVICE: u64 = 24 * 60 * 60;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if !matches!(status, 429 | 503) {
        return None;
    }
    if let Some(value) = header("retry-after") {
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds.min(MAX_ADVICE)));
        }
        if let Ok(date) = chrono::DateTime::parse_from_rfc2822(value) {
            let at = SystemTime::from(date);
            let delay = at
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO);
            return Some(delay.min(Duration::from_secs(MAX_ADVICE)));
        }
    }
    if status != 429 {
        return None;
    }
    header("ratelimit-reset")
        .and_then(|value| value.parse::<u64>().ok())
        .map(|seconds| Duration::from_secs(seconds.min(MAX_ADVICE)))
}

/// A small xorshift generator: jitter needs spread, not cryptographic strength.
// The policy is API in every build, but only the HTTP core draws delays from it.
#[cfg_attr(not(feature = "http-base"), allow(dead_code))]
#[derive(Debug, Clone)]
struct Jitter(Arc<AtomicU64>);

impl Jitter {
    fn from_entropy() -> Self {
        let random = uuid::Uuid::new_v4().as_u64_pair();
        Self::seeded(random.0 ^ random.1)
    }

    fn seeded(seed: u64) -> Self {
        // xorshift never leaves zero, so a zero seed is replaced.
        Self(Arc::new(AtomicU64::new(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })))
    }

    #[cfg(feature = "http-base")]
    fn next(&self) -> u64 {
        let step = |mut x: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let previous = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |x| Some(step(x)))
            .unwrap_or_else(|x| x);
        step(previous)
    }

    /// A uniformly spread duration in `0..=bound`.
    #[cfg(feature = "http-base")]
    fn fraction_of(&self, bound: Duration) -> Duration {
        let nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(self.next() % (nanos.saturating_add(1)))
    }
}

#[cfg(all(test, feature = "http-base"))]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use crate::provider::Provider;
    use reqwest::header::HeaderValue;

    fn api(status: u16) -> Box<ApiError> {
        ApiError::for_status(status)
    }

    fn transport(sent: bool) -> Error {
        Error::Transport {
            provider: Provider::EXAMPLE,
            message: "reset".into(),
            may_have_reached_server: sent,
            source: "reset".into(),
        }
    }

    #[test]
    fn a_create_without_idempotency_is_retried_only_when_nothing_happened() {
        assert!(is_retryable(&transport(false), Replay::Once));
        assert!(is_retryable(&Error::RateLimited(api(429)), Replay::Once));
        assert!(!is_retryable(&transport(true), Replay::Once));
        assert!(!is_retryable(&Error::Server(api(503)), Replay::Once));
        let timeout = Error::Timeout {
            provider: Provider::EXAMPLE,
            after: Duration::from_secs(1),
            may_have_reached_server: true,
        };
        assert!(!is_retryable(&timeout, Replay::Once));
        assert!(is_retryable(&timeout, Replay::Safe));
    }

    #[test]
    fn safe_requests_retry_transient_statuses_only() {
        for status in [500, 502, 503, 504] {
            assert!(
                is_retryable(&Error::Server(api(status)), Replay::Safe),
                "{status}"
            );
        }
        assert!(!is_retryable(&Error::Server(api(501)), Replay::Safe));
        assert!(is_retryable(&Error::Api(api(408)), Replay::Safe));
        assert!(!is_retryable(&Error::Api(api(400)), Replay::Safe));
        assert!(!is_retryable(&Error::Conflict(api(409)), Replay::Safe));
    }

    #[test]
    fn a_repeat_answered_as_done_counts_only_after_an_uncertain_attempt() {
        let not_found = Error::NotFound(api(404));
        let gone: Option<fn(&Error) -> bool> = Some(Error::is_not_found);
        // The DELETE's first attempt may have acted (503, reset): its repeat's 404 is
        // the echo of that first attempt.
        assert!(done_by_earlier_attempt(&not_found, true, gone));
        // A first attempt's 404, or one after attempts refused without acting, stays.
        assert!(!done_by_earlier_attempt(&not_found, false, gone));
        // Requests without the rule, and other errors, stay errors.
        assert!(!done_by_earlier_attempt(&not_found, true, None));
        assert!(!done_by_earlier_attempt(
            &Error::Server(api(500)),
            true,
            gone
        ));
        // What makes an attempt uncertain.
        assert!(Error::Server(api(503)).is_outcome_unknown());
        assert!(transport(true).is_outcome_unknown());
        assert!(!transport(false).is_outcome_unknown());
        assert!(!Error::RateLimited(api(429)).is_outcome_unknown());
    }

    #[test]
    fn backoff_stays_within_its_exponential_bound() {
        let policy = RetryPolicy::new()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(350))
            .with_jitter_seed(7);
        for _ in 0..100 {
            assert!(policy.backoff(1) <= Duration::from_millis(100));
            assert!(policy.backoff(2) <= Duration::from_millis(200));
            assert!(policy.backoff(9) <= Duration::from_millis(350));
        }
        let same_seed = RetryPolicy::new().with_jitter_seed(7);
        let again = RetryPolicy::new().with_jitter_seed(7);
        assert_eq!(same_seed.backoff(3), again.backoff(3));
    }

    #[test]
    fn reads_retry_after_seconds_dates_and_ratelimit_reset_on_a_429() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(advised_delay(429, &headers), Some(Duration::from_secs(7)));

        let past = HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT");
        headers.insert("retry-after", past);
        assert_eq!(advised_delay(429, &headers), Some(Duration::ZERO));

        let future = (chrono::Utc::now() + chrono::Duration::seconds(120)).to_rfc2822();
        headers.insert("retry-after", HeaderValue::from_str(&future).unwrap());
        let delay = advised_delay(429, &headers).unwrap();
        assert!(delay > Duration::from_secs(100) && delay <= Duration::from_secs(120));

        let mut headers = HeaderMap::new();
        headers.insert("ratelimit-reset", HeaderValue::from_static("12"));
        assert_eq!(advised_delay(429, &headers), Some(Duration::from_secs(12)));
        headers.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(advised_delay(429, &headers), Some(Duration::from_secs(12)));
        assert_eq!(advised_delay(429, &HeaderMap::new()), None);
    }

    #[test]
    fn advice_counts_only_where_the_status_gives_it_meaning() {
        // jambonz sends its window's RateLimit-* headers on every answer.
        let mut window = HeaderMap::new();
        window.insert("ratelimit-reset", HeaderValue::from_static("290"));
        for status in [200, 201, 204, 400, 422, 500, 502, 503, 504] {
            assert_eq!(advised_delay(status, &window), None, "{status}");
        }
        let mut retry = HeaderMap::new();
        retry.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(advised_delay(503, &retry), Some(Duration::from_secs(3)));
        for status in [200, 400, 409, 422, 500, 502, 504] {
            assert_eq!(advised_delay(status, &retry), None, "{status}");
        }
    }
}
