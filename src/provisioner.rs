//! The `UserProvisioner` trait and what a backend declares about itself.

use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::capabilities::Capabilities;
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::update::UserUpdate;
use crate::user::{
    Accepted, CreateOutcome, DeleteOutcome, Field, ListUsers, NewUser, UpdateOutcome, User, UserId,
    UserPage,
};
use crate::visibility::VisibilityWait;

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
/// const LDAP: Provider = Provider::new(&ProviderInfo::new("ldap", "LDAP directory"));
/// assert_eq!(LDAP.key(), "ldap");
/// assert_eq!(LDAP.to_string(), "LDAP directory");
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
    /// [`Attributes`](crate::Attributes), such as `ldap.` for `ldap`) and a display `name`.
    pub const fn new(key: &'static str, name: &'static str) -> Self {
        Self { key, name }
    }
}

impl Provider {
    /// The provider described by `info`, for a constant:
    /// `const LDAP: Provider = Provider::new(&ProviderInfo::new("ldap", "LDAP"));`.
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
        f.pad(self.name())
    }
}

impl TryFrom<&str> for Provider {
    type Error = Error;

    /// As [`str::parse`]: the adapter of this crate with this key.
    fn try_from(key: &str) -> Result<Self> {
        key.parse()
    }
}

/// Providers read back by key that no adapter of this crate has: registered with
/// [`Provider::register`] or interned by deserialization. Bounded, so input cannot make
/// it grow without limit.
static KNOWN: Mutex<Vec<Provider>> = Mutex::new(Vec::new());
/// The most providers [`KNOWN`] holds.
const MAX_KNOWN: usize = 64;
/// The longest key deserialization interns.
const MAX_KEY_LEN: usize = 64;

impl Provider {
    /// Makes deserialization of `self`'s key give back `self` (with its display name).
    /// For a backend outside this crate: call it once (in the backend's constructor,
    /// say) so that stored [`User`]s of that backend read back with its constant.
    /// Without it, an unknown key reads back as a provider whose name is its key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when another provider with this key is registered, or
    /// when 64 are registered already.
    pub fn register(self) -> Result<Self> {
        if self.is_in_memory() {
            return Ok(self);
        }
        if let Ok(built) = self.key().parse::<Provider>() {
            return if built == self {
                Ok(self)
            } else {
                Err(Error::invalid_input(
                    "provider",
                    format!("the key {:?} is an adapter's of this crate", self.key()),
                ))
            };
        }
        let mut known = KNOWN
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match known.iter().find(|p| p.key() == self.key()) {
            Some(existing) if *existing == self => Ok(self),
            Some(existing) if existing.name() == existing.key() => {
                // An interned stand-in: the backend's own constant replaces it.
                known.retain(|p| p.key() != self.key());
                known.push(self);
                Ok(self)
            }
            Some(_) => Err(Error::invalid_input(
                "provider",
                format!(
                    "another provider with the key {:?} is registered",
                    self.key()
                ),
            )),
            None if known.len() >= MAX_KNOWN => Err(Error::invalid_input(
                "provider",
                format!("at most {MAX_KNOWN} providers can be registered"),
            )),
            None => {
                known.push(self);
                Ok(self)
            }
        }
    }

    #[cfg(feature = "testing")]
    fn is_in_memory(self) -> bool {
        self == Provider::IN_MEMORY
    }

    #[cfg(not(feature = "testing"))]
    fn is_in_memory(self) -> bool {
        false
    }

    /// The provider with `key`: a built adapter's, a registered one, or a new one whose
    /// name is its key (leaked once per key, within the registry's bound).
    fn from_key(key: &str) -> Result<Self> {
        if let Ok(provider) = key.parse::<Provider>() {
            return Ok(provider);
        }
        #[cfg(feature = "testing")]
        if key == Provider::IN_MEMORY.key() {
            return Ok(Provider::IN_MEMORY);
        }
        let mut known = KNOWN
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(provider) = known.iter().find(|p| p.key() == key) {
            return Ok(*provider);
        }
        let valid = !key.is_empty()
            && key.len() <= MAX_KEY_LEN
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !valid {
            return Err(Error::invalid_input(
                "provider",
                format!("{key:?} is not a provider key (1 to {MAX_KEY_LEN} of a-z, 0-9, _ and -)"),
            ));
        }
        if known.len() >= MAX_KNOWN {
            return Err(Error::invalid_input(
                "provider",
                format!("no adapter has the key {key:?} and {MAX_KNOWN} unknown providers are known already"),
            ));
        }
        let key: &'static str = Box::leak(key.to_owned().into_boxed_str());
        let info: &'static ProviderInfo = Box::leak(Box::new(ProviderInfo::new(key, key)));
        let provider = Provider::new(info);
        known.push(provider);
        Ok(provider)
    }
}

/// Written as its [`key`](Provider::key).
impl serde::Serialize for Provider {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

/// Read from a key: a built adapter's constant, a [registered](Provider::register)
/// provider, or (for a backend outside this crate that did not register) a provider
/// whose name is its key.
impl<'de> serde::Deserialize<'de> for Provider {
    // `String`, not `&str`: a key inside an escaped JSON string cannot be borrowed.
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let key = <String as serde::Deserialize>::deserialize(deserializer)?;
        Provider::from_key(&key).map_err(serde::de::Error::custom)
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

/// Creates and manages user accounts on one provider.
///
/// Object safe: hold any backend as `Arc<dyn UserProvisioner>`. Each operation comes in
/// two forms, in the style of `object_store`'s `put` / `put_opts`: a short one with the
/// client's defaults (`create_user(&person)`) and an `_opts` one taking per-call
/// [`RequestOptions`] (deadline, idempotency key, headers, retry policy). A backend
/// implements the `_opts` forms (and [`provider`](Self::provider) and
/// [`capabilities`](Self::capabilities)); everything else has a default.
///
/// ```no_run
/// use std::sync::Arc;
/// use user_provisioner::{NewUser, UserProvisioner, CreateOutcome};
/// use user_provisioner::providers::jambonz::JambonzBuilder;
///
/// # async fn run() -> Result<(), user_provisioner::Error> {
/// let provisioner: Arc<dyn UserProvisioner> = Arc::new(JambonzBuilder::from_env().build()?);
/// let person = NewUser::new("jdoe")
///     .with_email("jdoe@example.com")
///     .with_password("Str0ngP@ss!");
/// match provisioner.create_user(&person).await? {
///     CreateOutcome::Created(user) => println!("created {}", user.id),
///     CreateOutcome::Accepted(accepted) => {
///         let user = provisioner.wait_until_visible(&accepted).await?;
///         println!("readable now: {}", user.id);
///     }
///     other => println!("{other:?}"),
/// }
/// # Ok(()) }
/// ```
///
/// # Implementing it outside this crate
/// Use the re-exported [`async_trait`](macro@crate::async_trait) and name the backend
/// with [`Provider::new`]; a decorator forwards the `_opts` methods to an inner
/// `Arc<dyn UserProvisioner>` (see `tests/outside_backend.rs`).
#[async_trait]
pub trait UserProvisioner: fmt::Debug + Send + Sync {
    /// The provider this backend talks to.
    fn provider(&self) -> Provider;

    /// What this backend supports.
    fn capabilities(&self) -> Capabilities;

    /// Checks `user` as [`create_user_opts`](Self::create_user_opts) checks it before
    /// sending anything, and sends nothing: `Ok` when a create would be sent, else the
    /// same error the create would return ([`Error::problems`] lists every problem).
    ///
    /// The default checks [`capabilities`](Self::capabilities) only
    /// ([`Capabilities::validate`]); the crate's adapters add their providers' value
    /// rules. A layer that takes a user first and provisions it later (the SCIM bridge)
    /// refuses it up front with this.
    fn validate_new_user(&self, user: &NewUser) -> Result<()> {
        self.capabilities().validate(self.provider(), user)
    }

    /// Checks `update` as [`update_user_opts`](Self::update_user_opts) checks it before
    /// any request, where that needs no read of the stored user: fields the provider
    /// does not store or cannot clear, unknown attributes, a change it cannot apply.
    /// Sends nothing. The default refuses an update that names no change or sets a
    /// field [`capabilities`](Self::capabilities) says is not stored.
    fn validate_update(&self, id: &UserId, update: &UserUpdate) -> Result<()> {
        let _ = id;
        let not_stored: Vec<Field> = self.capabilities().not_stored_fields().collect();
        update.check_unsupported(self.provider(), &not_stored)
    }

    /// Creates a user.
    ///
    /// Input is checked before anything is sent, against
    /// [`capabilities`](Self::capabilities) ([`Capabilities::check`]) and the
    /// provider's value rules; every problem found is reported in one error
    /// ([`Error::problems`]). A create is only ever re-sent where
    /// the provider makes that safe (an idempotency key); otherwise an uncertain outcome
    /// is reported as an error for which [`Error::is_outcome_unknown`] is true.
    async fn create_user_opts(
        &self,
        user: &NewUser,
        options: &RequestOptions,
    ) -> Result<CreateOutcome>;

    /// Reads one user. An unknown id is [`Error::NotFound`].
    async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User>;

    /// Changes a user. Fields left `None` in `update` stay as they are. An update that
    /// names no change, or a change the provider cannot apply, is refused before any
    /// request; success means the provider acknowledged the change.
    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome>;

    /// Deletes a user. An unknown id is [`Error::NotFound`], except on a retry: when an
    /// earlier attempt may have reached the server (timeout, reset, 5xx, 408) and the
    /// repeat answers 404, that attempt removed the user and the delete succeeds.
    async fn delete_user_opts(
        &self,
        id: &UserId,
        options: &RequestOptions,
    ) -> Result<DeleteOutcome>;

    /// Reads one page of users; [`UserPage::next`] leads to the next page.
    async fn list_users_opts(
        &self,
        request: &ListUsers,
        options: &RequestOptions,
    ) -> Result<UserPage>;

    /// Reads every page of users.
    ///
    /// # Errors
    /// Whatever a page read returns, or [`Error::Decode`] if the provider hands back the
    /// same cursor twice (which would loop forever).
    async fn list_all_users_opts(&self, options: &RequestOptions) -> Result<Vec<User>> {
        let mut users = Vec::new();
        let mut request = ListUsers::new();
        loop {
            let page = self.list_users_opts(&request, options).await?;
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

    /// The user whose username or email is `key`, if one exists. Emails compare without
    /// regard to ASCII case.
    ///
    /// The default reads every page; adapters whose provider can look the key up
    /// directly do so. A provider that does not store the key's field answers
    /// [`Error::Unsupported`] (Connect stores no username).
    async fn find_user_opts(
        &self,
        key: &UserKey,
        options: &RequestOptions,
    ) -> Result<Option<User>> {
        find_by_listing(self, key, options).await
    }

    /// Reads the user of an [`Accepted`] create (or update) until it is readable, for
    /// providers that accept first and apply later (NetSapiens' 202): a
    /// [`Error::NotFound`] means "not yet", and the client reads again after a delay
    /// growing as `wait` says, within `wait`'s deadline.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `accepted` names no user; [`Error::NotYetVisible`]
    /// when the deadline passes first (calling again later is fine); any other error of
    /// [`get_user_opts`](Self::get_user_opts).
    async fn wait_until_visible_opts(
        &self,
        accepted: &Accepted,
        wait: &VisibilityWait,
        options: &RequestOptions,
    ) -> Result<User> {
        let id = accepted.id.as_ref().ok_or_else(|| {
            Error::invalid_input(
                "accepted.id",
                "the provider named no user in its answer, so there is nothing to read",
            )
        })?;
        crate::visibility::poll(self.provider(), id, wait, options, |call| async move {
            self.get_user_opts(id, &call).await
        })
        .await
    }

    /// [`create_user_opts`](Self::create_user_opts) with the client's defaults.
    async fn create_user(&self, user: &NewUser) -> Result<CreateOutcome> {
        self.create_user_opts(user, &RequestOptions::new()).await
    }

    /// [`get_user_opts`](Self::get_user_opts) with the client's defaults.
    async fn get_user(&self, id: &UserId) -> Result<User> {
        self.get_user_opts(id, &RequestOptions::new()).await
    }

    /// [`update_user_opts`](Self::update_user_opts) with the client's defaults.
    async fn update_user(&self, id: &UserId, update: &UserUpdate) -> Result<UpdateOutcome> {
        self.update_user_opts(id, update, &RequestOptions::new())
            .await
    }

    /// [`delete_user_opts`](Self::delete_user_opts) with the client's defaults.
    async fn delete_user(&self, id: &UserId) -> Result<DeleteOutcome> {
        self.delete_user_opts(id, &RequestOptions::new()).await
    }

    /// [`list_users_opts`](Self::list_users_opts) with the client's defaults.
    async fn list_users(&self, request: &ListUsers) -> Result<UserPage> {
        self.list_users_opts(request, &RequestOptions::new()).await
    }

    /// [`list_all_users_opts`](Self::list_all_users_opts) with the client's defaults.
    async fn list_all_users(&self) -> Result<Vec<User>> {
        self.list_all_users_opts(&RequestOptions::new()).await
    }

    /// [`find_user_opts`](Self::find_user_opts) with the client's defaults.
    async fn find_user(&self, key: &UserKey) -> Result<Option<User>> {
        self.find_user_opts(key, &RequestOptions::new()).await
    }

    /// [`wait_until_visible_opts`](Self::wait_until_visible_opts) with the default
    /// [`VisibilityWait`] (250 ms doubling to 5 s, 30 s in all).
    async fn wait_until_visible(&self, accepted: &Accepted) -> Result<User> {
        self.wait_until_visible_opts(accepted, &VisibilityWait::new(), &RequestOptions::new())
            .await
    }
}

/// [`UserProvisioner::find_user_opts`]'s default: every page, compared with `key`. A key
/// whose field the backend does not read back as such (Connect's username, kept only
/// inside its name) cannot be found, and is refused before any request.
pub(crate) async fn find_by_listing<P: UserProvisioner + ?Sized>(
    backend: &P,
    key: &UserKey,
    options: &RequestOptions,
) -> Result<Option<User>> {
    key.check()?;
    let field = key.field();
    if !backend.capabilities().field(field).is_stored() {
        let provider = backend.provider();
        return Err(Error::unsupported(
            provider,
            field.name(),
            format!("{provider} stores no {field}; find the user by another key"),
        ));
    }
    let users = backend.list_all_users_opts(options).await?;
    Ok(users.into_iter().find(|user| key.matches(user)))
}

/// The unique key of a user to look for with [`UserProvisioner::find_user`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserKey {
    /// The login name ([`NewUser::username`]).
    Username(String),
    /// The email address, compared without regard to ASCII case.
    Email(String),
}

impl UserKey {
    /// A username key.
    pub fn username(username: impl Into<String>) -> Self {
        UserKey::Username(username.into())
    }

    /// An email key.
    pub fn email(email: impl Into<String>) -> Self {
        UserKey::Email(email.into())
    }

    /// The portable field the key is.
    pub(crate) fn field(&self) -> Field {
        match self {
            UserKey::Username(_) => Field::Username,
            UserKey::Email(_) => Field::Email,
        }
    }

    /// Refuses an empty key before any request.
    pub(crate) fn check(&self) -> Result<()> {
        let (field, value) = match self {
            UserKey::Username(value) => ("username", value),
            UserKey::Email(value) => ("email", value),
        };
        if value.trim().is_empty() {
            return Err(Error::invalid_input(field, "is empty"));
        }
        Ok(())
    }

    /// Whether `user` has this key.
    pub fn matches(&self, user: &User) -> bool {
        match self {
            UserKey::Username(name) => user.username.as_deref() == Some(name.as_str()),
            UserKey::Email(email) => user
                .email
                .as_deref()
                .is_some_and(|own| own.eq_ignore_ascii_case(email)),
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
            fn validate_new_user(&self, user: &NewUser) -> Result<()> {
                (**self).validate_new_user(user)
            }
            fn validate_update(&self, id: &UserId, update: &UserUpdate) -> Result<()> {
                (**self).validate_update(id, update)
            }
            async fn create_user_opts(
                &self,
                user: &NewUser,
                options: &RequestOptions,
            ) -> Result<CreateOutcome> {
                (**self).create_user_opts(user, options).await
            }
            async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
                (**self).get_user_opts(id, options).await
            }
            async fn update_user_opts(
                &self,
                id: &UserId,
                update: &UserUpdate,
                options: &RequestOptions,
            ) -> Result<UpdateOutcome> {
                (**self).update_user_opts(id, update, options).await
            }
            async fn delete_user_opts(
                &self,
                id: &UserId,
                options: &RequestOptions,
            ) -> Result<DeleteOutcome> {
                (**self).delete_user_opts(id, options).await
            }
            async fn list_users_opts(
                &self,
                request: &ListUsers,
                options: &RequestOptions,
            ) -> Result<UserPage> {
                (**self).list_users_opts(request, options).await
            }
            async fn list_all_users_opts(&self, options: &RequestOptions) -> Result<Vec<User>> {
                (**self).list_all_users_opts(options).await
            }
            async fn find_user_opts(
                &self,
                key: &UserKey,
                options: &RequestOptions,
            ) -> Result<Option<User>> {
                (**self).find_user_opts(key, options).await
            }
            async fn wait_until_visible_opts(
                &self,
                accepted: &Accepted,
                wait: &VisibilityWait,
                options: &RequestOptions,
            ) -> Result<User> {
                (**self)
                    .wait_until_visible_opts(accepted, wait, options)
                    .await
            }
        }
    };
}

forward_provisioner!(Arc<T>);
forward_provisioner!(Box<T>);
