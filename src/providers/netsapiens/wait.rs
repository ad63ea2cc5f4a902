//! Waiting until an accepted (202) create can be read.

use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::provisioner::Provider;

use super::client::NetSapiensClient;
use super::models::NetSapiensUser;
use super::validate;

/// How [`NetSapiensClient::wait_until_visible`] polls: delays doubling from `initial`
/// up to `max` between reads, and an overall `deadline`.
///
/// The defaults: 250 ms doubling to 5 s, 30 s in all.
///
/// ```
/// use std::time::Duration;
/// use user_provisioner::providers::netsapiens::VisibilityWait;
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

impl NetSapiensClient {
    /// Reads `GET /domains/{domain}/users/{user}` until the user exists, for a create
    /// answered 202 Accepted ([`CreateResult::Accepted`](super::CreateResult::Accepted)
    /// or [`CreateOutcome::Accepted`](crate::CreateOutcome::Accepted)).
    ///
    /// A 404 means "not yet": the client sleeps (doubling delays, see
    /// [`VisibilityWait`]) and reads again. Each read is limited to what is left of the
    /// deadline. Any other error ends the wait at once.
    ///
    /// ```no_run
    /// # async fn run(client: &user_provisioner::providers::netsapiens::NetSapiensClient)
    /// #     -> Result<(), user_provisioner::Error> {
    /// use user_provisioner::providers::netsapiens::{CreateResult, CreateUser, VisibilityWait};
    /// use user_provisioner::RequestOptions;
    ///
    /// let request = CreateUser::new("1001", "Jane", "Doe", "jdoe@example.com");
    /// let options = RequestOptions::new();
    /// let user = match client.create(&request, &options).await? {
    ///     CreateResult::Created(user) => *user,
    ///     CreateResult::Accepted(_) => {
    ///         client.wait_until_visible("1001", &VisibilityWait::new(), &options).await?
    ///     }
    /// };
    /// println!("{} is readable", user.user);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::NotYetVisible`] when the deadline passes while the server still answers
    /// 404 (the create was accepted, the user is not readable yet; calling again later
    /// is fine); any other error of [`get`](Self::get).
    pub async fn wait_until_visible(
        &self,
        user: &str,
        wait: &VisibilityWait,
        options: &RequestOptions,
    ) -> Result<NetSapiensUser> {
        validate::path_user("user", user)?;
        let started = Instant::now();
        let deadline = started + wait.deadline;
        let not_yet = || Error::NotYetVisible {
            provider: Provider::NETSAPIENS,
            id: user.into(),
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
            let call = options.clone().with_timeout(limit);
            match self.get(user, &call).await {
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
}
