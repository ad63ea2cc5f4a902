//! Waiting until an accepted (202) create can be read.

use crate::error::Result;
use crate::options::RequestOptions;
use crate::provider::Provider;
use crate::visibility::{self, VisibilityWait};

use super::client::NetSapiensClient;
use super::models::NetSapiensUser;
use super::validate;

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
    /// [`Error::NotYetVisible`](crate::Error::NotYetVisible) when the deadline passes while the server still answers
    /// 404 (the create was accepted, the user is not readable yet; calling again later
    /// is fine); any other error of [`get`](Self::get).
    pub async fn wait_until_visible(
        &self,
        user: &str,
        wait: &VisibilityWait,
        options: &RequestOptions,
    ) -> Result<NetSapiensUser> {
        validate::path_user("user", user)?;
        let id = user.into();
        visibility::poll(
            Provider::NETSAPIENS,
            &id,
            wait,
            options,
            |call| async move { self.get(user, &call).await },
        )
        .await
    }
}
