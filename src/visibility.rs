//! Waiting until a write the provider accepted (202) can be read.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::provider::Provider;
use crate::user::UserId;

/// How [`UserProvisioner::wait_until_visible_opts`](crate::UserProvisioner::wait_until_visible_opts)
/// (and NetSapiens' native `wait_until_visible`) poll: delays doubling from `initial` up
/// to `max` between reads, and an overall `deadline`.
///
/// The defaults: 250 ms doubling to 5 s, 30 s in all.
///
/// ```
/// use std::time::Duration;
/// use user_provisioner::VisibilityWait;
///
/// let wait = VisibilityWait::new()
///     .with_backoff(Duration::from_millis(100), Duration::from_secs(2))
///     .with_deadline(Duration::from_secs(10));
/// assert_eq!(wait.deadline(), Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisibilityWait {
    initial: Duration,
    max: Duration,
    deadline: Duration,
}

impl Default for VisibilityWait {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(5),
            deadline: Duration::from_secs(30),
        }
    }
}

impl VisibilityWait {
    /// The defaults: 250 ms doubling to 5 s, 30 s in all.
    pub fn new() -> Self {
        Self::default()
    }

    /// The first delay between reads and the largest one.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial = initial;
        self.max = max.max(initial);
        self
    }

    /// How long to wait in all, reads included.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How long to wait in all.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }
}

/// Calls `read` until it answers something other than [`Error::NotFound`], sleeping
/// between reads as `wait` says; each read gets `options` with its timeout cut to what is
/// left of the deadline. [`Error::NotYetVisible`] when the deadline passes first.
pub(crate) async fn poll<T, F, Fut>(
    provider: Provider,
    id: &UserId,
    wait: &VisibilityWait,
    options: &RequestOptions,
    mut read: F,
) -> Result<T>
where
    F: FnMut(RequestOptions) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let started = Instant::now();
    let deadline = started + wait.deadline;
    let not_yet = || Error::NotYetVisible {
        provider,
        id: id.clone(),
        waited: started.elapsed(),
    };
    let mut delay = wait.initial;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(not_yet());
        }
        let limit = options
            .timeout()
            .map_or(remaining, |own| own.min(remaining));
        match read(options.clone().with_timeout(limit)).await {
            Ok(found) => return Ok(found),
            Err(err) if err.is_not_found() => {}
            Err(Error::Timeout { .. }) if Instant::now() >= deadline => return Err(not_yet()),
            Err(err) => return Err(err),
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(not_yet());
        }
        tokio::time::sleep(delay.min(remaining)).await;
        delay = delay.saturating_mul(2).min(wait.max);
    }
}
