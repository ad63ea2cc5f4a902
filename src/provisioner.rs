//! The `UserProvisioner` trait and what a backend declares about itself.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::user::{
    CreateOutcome, DeleteOutcome, ListUsers, NewUser, UpdateOutcome, User, UserId, UserPage,
    UserUpdate,
};

/// Which platform a backend talks to: a short lowercase key and a display name.
///
/// Each adapter of this crate has its constant, defined in its module:
/// `Provider::JAMBONZ`, `Provider::NETSAPIENS`, `Provider::CONNECT` and `Provider::ECE`
/// (and `Provider::IN_MEMORY` with the `testing` feature). A backend written outside this
/// crate names its own in a constant with [`Provider::new`]. The constants work as
/// `match` patterns. A `Provider` is one pointer wide, so errors that carry it stay small.
///
/// ```
/// use user_provisioner::{Provider, ProviderInfo};
///
/// const SCIM: Provider = Provider::new(&ProviderInfo::new("scim", "SCIM 2.0 service"));
/// assert_eq!(SCIM.key(), "scim");
/// assert_eq!(SCIM.to_string(), "SCIM 2.0 service");
/// # #[cfg(feature = "jambonz")]
/// assert_eq!("jambonz".parse::<Provider>().unwrap(), Provider::JAMBONZ);
/// ```
// Derived comparisons keep the constants usable as `match` patterns.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Provider(&'static ProviderInfo);

/// What a [`Provider`] is: its key and display name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderInfo {
    key: &'static str,
    name: &'static str,
}

impl ProviderInfo {
    /// A short lowercase `key` (also the prefix of the provider's
    /// [`Attributes`](crate::Attributes), such as `scim.` for `scim`) and a display `name`.
    pub const fn new(key: &'static str, name: &'static str) -> Self {
        Self { key, name }
    }
}

impl Provider {
    /// The provider described by `info`, for a constant:
    /// `const SCIM: Provider = Provider::new(&ProviderInfo::new("scim", "SCIM"));`.
    pub const fn new(info: &'static ProviderInfo) -> Self {
        Self(info)
    }

    /// The short lowercase key, also the prefix of the provider's keys in
    /// [`Attributes`](crate::Attributes) (`jambonz`, `netsapiens`, `connect`, `ece`).
    pub const fn key(self) -> &'static str {
        self.0.key
    }

    /// The display name, such as `Elastic Cloud Enterprise`.
    pub const fn name(self) -> &'static str {
        self.0.name
    }

    /// An example provider for the core's own tests, which must not depend on an adapter.
    #[cfg(test)]
    pub(crate) const EXAMPLE: Provider =
        Provider::new(&ProviderInfo::new("example", "example provider"));
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Provider").field(&self.key()).finish()
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Provider {
    type Err = Error;

    /// The adapter of this crate whose [`key`](Provider::key) this is (among the
    /// features built).
    fn from_str(key: &str) -> Result<Self> {
        crate::providers::BUILT
            .iter()
            .copied()
            .find(|provider| provider.key() == key)
            .ok_or_else(|| {
                let known: Vec<&str> = crate::providers::BUILT.iter().map(|p| p.key()).collect();
                Error::invalid_input(
                    "provider",
                    format!(
                        "no adapter has the key {key:?}; built: {}",
                        known.join(", ")
                    ),
                )
            })
    }
}

/// What a backend supports, so a caller can choose before it calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// The provider deduplicates creates by idempotency key, so a create can be re-sent
    /// safely with the same key ([`RequestOptions::with_idempotency_key`]).
    pub idempotent_create: bool,
    /// A create may answer [`CreateOutcome::Accepted`] (the user is not readable yet).
    pub accepted_creates: bool,
    /// The provider pages lists itself; otherwise the adapter pages a full list.
    pub server_side_paging: bool,
    /// [`NewUser::password`] can be set.
    pub password: bool,
    /// Given and family names are stored.
    pub person_names: bool,
    /// [`NewUser::display_name`] is stored.
    pub display_name: bool,
    /// [`NewUser::phone`] is stored.
    pub phone: bool,
    /// [`NewUser::roles`] are stored.
    pub roles: bool,
    /// [`NewUser::metadata`] is stored.
    pub metadata: bool,
}

/// Creates and manages user accounts on one provider.
///
/// Object safe: hold any backend as `Arc<dyn UserProvisioner>`. Every method takes
/// [`RequestOptions`] for per-call settings; `&RequestOptions::new()` uses the client's
/// defaults.
///
/// ```no_run
/// use std::sync::Arc;
/// use user_provisioner::{NewUser, RequestOptions, UserProvisioner, CreateOutcome};
/// use user_provisioner::providers::jambonz::JambonzBuilder;
///
/// # async fn run() -> Result<(), user_provisioner::Error> {
/// let provisioner: Arc<dyn UserProvisioner> = Arc::new(JambonzBuilder::from_env().build()?);
/// let person = NewUser::new("jdoe")
///     .with_email("jdoe@example.com")
///     .with_password("Str0ngP@ss!");
/// match provisioner.create_user(&person, &RequestOptions::new()).await? {
///     CreateOutcome::Created(user) => println!("created {}", user.id),
///     CreateOutcome::Accepted(accepted) => println!("accepted: {accepted:?}"),
/// }
/// # Ok(()) }
/// ```
#[async_trait]
pub trait UserProvisioner: fmt::Debug + Send + Sync {
    /// The provider this backend talks to.
    fn provider(&self) -> Provider;

    /// What this backend supports.
    fn capabilities(&self) -> Capabilities;

    /// Creates a user.
    ///
    /// Input is checked before anything is sent. A create is only ever re-sent where
    /// the provider makes that safe (an idempotency key); otherwise an uncertain outcome
    /// is reported as an error for which [`Error::is_outcome_unknown`] is true.
    async fn create_user(&self, user: &NewUser, options: &RequestOptions) -> Result<CreateOutcome>;

    /// Reads one user. An unknown id is [`Error::NotFound`].
    async fn get_user(&self, id: &UserId, options: &RequestOptions) -> Result<User>;

    /// Changes a user. Fields left `None` in `update` stay as they are.
    async fn update_user(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome>;

    /// Deletes a user. An unknown id is [`Error::NotFound`], except on a retry: when an
    /// earlier attempt may have reached the server (timeout, reset, 5xx, 408) and the
    /// repeat answers 404, that attempt removed the user and the delete succeeds.
    async fn delete_user(&self, id: &UserId, options: &RequestOptions) -> Result<DeleteOutcome>;

    /// Reads one page of users; [`UserPage::next`] leads to the next page.
    async fn list_users(&self, request: &ListUsers, options: &RequestOptions) -> Result<UserPage>;

    /// Reads every page of users.
    ///
    /// # Errors
    /// Whatever a page read returns, or [`Error::Decode`] if the provider hands back the
    /// same cursor twice (which would loop forever).
    async fn list_all_users(&self, options: &RequestOptions) -> Result<Vec<User>> {
        let mut users = Vec::new();
        let mut request = ListUsers::new();
        loop {
            let page = self.list_users(&request, options).await?;
            users.extend(page.users);
            match page.next {
                None => return Ok(users),
                Some(next) if Some(&next) == request.cursor.as_ref() => {
                    return Err(Error::Decode {
                        provider: self.provider(),
                        status: 200,
                        path: "next".into(),
                        reason: "the provider returned the same page cursor twice".into(),
                    })
                }
                Some(next) => request = request.with_cursor(next),
            }
        }
    }
}

macro_rules! forward_provisioner {
    ($wrapper:ty) => {
        #[async_trait]
        impl<T: UserProvisioner + ?Sized> UserProvisioner for $wrapper {
            fn provider(&self) -> Provider {
                (**self).provider()
            }
            fn capabilities(&self) -> Capabilities {
                (**self).capabilities()
            }
            async fn create_user(
                &self,
                user: &NewUser,
                options: &RequestOptions,
            ) -> Result<CreateOutcome> {
                (**self).create_user(user, options).await
            }
            async fn get_user(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
                (**self).get_user(id, options).await
            }
            async fn update_user(
                &self,
                id: &UserId,
                update: &UserUpdate,
                options: &RequestOptions,
            ) -> Result<UpdateOutcome> {
                (**self).update_user(id, update, options).await
            }
            async fn delete_user(
                &self,
                id: &UserId,
                options: &RequestOptions,
            ) -> Result<DeleteOutcome> {
                (**self).delete_user(id, options).await
            }
            async fn list_users(
                &self,
                request: &ListUsers,
                options: &RequestOptions,
            ) -> Result<UserPage> {
                (**self).list_users(request, options).await
            }
        }
    };
}

forward_provisioner!(Arc<T>);
forward_provisioner!(Box<T>);
