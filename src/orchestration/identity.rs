//! Who a person is on every backend, for finding them again.

use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::provisioner::UserProvisioner;
use crate::user::{NewUser, User, UserKey};

/// How a person is found on any backend: by username, or by email on a provider that
/// stores no username (Connect refuses username keys with [`Error::Unsupported`]).
///
/// ```
/// use user_provisioner::orchestration::Identity;
/// use user_provisioner::NewUser;
///
/// let ada = Identity::new("ada").with_email("ada@example.com");
/// assert_eq!(ada, Identity::of(&NewUser::new("ada").with_email("ada@example.com")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Identity {
    /// The login name.
    pub username: String,
    /// The email address, for providers that store no username.
    pub email: Option<String>,
}

impl Identity {
    /// A person known by `username`.
    pub fn new(username: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            email: None,
        }
    }

    /// Adds the email, used where the provider stores no username.
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// The username and email of a create.
    pub fn of(user: &NewUser) -> Self {
        Self {
            username: user.username.clone(),
            email: user.email.clone(),
        }
    }

    /// The user with this username, or with this email where the provider refuses
    /// username keys.
    ///
    /// # Errors
    /// The backend's error for the lookup (after the email lookup, where the username
    /// one was refused as unsupported).
    pub async fn find(
        &self,
        backend: &dyn UserProvisioner,
        options: &RequestOptions,
    ) -> Result<Option<User>> {
        match backend
            .find_user_opts(&UserKey::username(self.username.as_str()), options)
            .await
        {
            Err(Error::Unsupported { .. }) if self.email.is_some() => {
                let email = self.email.as_deref().unwrap_or_default();
                backend
                    .find_user_opts(&UserKey::email(email), options)
                    .await
            }
            other => other,
        }
    }
}
