//! The portable user model: what every provider's user is mapped to and from.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::idempotency::IdempotencyKey;
use crate::provider::Provider;
use crate::secret::{self, Secret};

/// A provider's id for a user: a jambonz `user_sid`, a NetSapiens extension, a Connect
/// `userId`, an ECE `user_name`.
///
/// Converts from and to `String` and `&str`, parses with `str::parse` (never fails),
/// and serializes as the bare string.
///
/// ```
/// use user_provisioner::UserId;
///
/// let id: UserId = "1001".parse().unwrap();
/// assert_eq!(id, UserId::from("1001"));
/// assert_eq!(id.as_ref(), "1001");
/// let text: String = id.into();
/// assert_eq!(text, "1001");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    /// Wraps a provider's id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as the provider spells it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl AsRef<str> for UserId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for UserId {
    type Err = Infallible;

    /// Any text is an id; each provider checks its own form when the id is used.
    fn from_str(id: &str) -> std::result::Result<Self, Infallible> {
        Ok(Self(id.to_owned()))
    }
}

impl From<UserId> for String {
    fn from(id: UserId) -> Self {
        id.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for UserId {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for UserId {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// Provider-specific settings carried on a portable request, keyed
/// `"<provider>.<name>"` (for example `jambonz.account_sid`, `netsapiens.extension`,
/// `connect.identity`).
///
/// Each adapter reads the keys its module documents under its own prefix and refuses
/// any other key under that prefix, so a misspelt key is an error, not a silent no-op.
/// Keys of other providers are left alone, so one request can carry settings for several.
/// Serialized as a JSON object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Attributes(BTreeMap<String, Value>);

impl Attributes {
    /// No attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (such as `jambonz.account_sid`) to `value`.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.0.insert(key.into(), value.into());
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// Whether no attribute is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every attribute in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The attributes under `provider`'s prefix, with the prefix removed. Refuses a key
    /// under that prefix that is not in `known`.
    #[cfg(feature = "http-base")]
    pub(crate) fn for_provider<'a>(
        &'a self,
        provider: Provider,
        known: &[&str],
    ) -> Result<ProviderAttributes<'a>> {
        let attributes = self.known_for(provider);
        for (key, name) in attributes.names() {
            if !known.contains(&name) {
                return Err(Error::invalid_input(
                    format!("attributes[{key:?}]"),
                    format!(
                        "{provider} has no attribute `{name}`; known: {}",
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(attributes)
    }

    /// `provider`'s attributes without checking their names, for reading the known ones
    /// after unknown ones were reported elsewhere.
    #[cfg(feature = "http-base")]
    pub(crate) fn known_for(&self, provider: Provider) -> ProviderAttributes<'_> {
        let prefix = provider.key();
        let entries = self
            .0
            .iter()
            .filter_map(|(key, value)| {
                let name = key.strip_prefix(prefix)?.strip_prefix('.')?;
                Some((key.as_str(), name, value))
            })
            .collect();
        ProviderAttributes { provider, entries }
    }
}

/// One provider's attributes, prefix removed, read with typed accessors whose errors
/// name the attribute as the caller wrote it (`attributes["jambonz.is_view_only"]`).
#[cfg(feature = "http-base")]
#[derive(Debug)]
pub(crate) struct ProviderAttributes<'a> {
    // Names a refused attribute; an adapter that only checks names (ECE) never reads it.
    #[cfg_attr(
        not(any(
            feature = "jambonz",
            feature = "netsapiens",
            feature = "connect",
            feature = "scim-client"
        )),
        allow(dead_code)
    )]
    provider: Provider,
    /// `(full key, name without the prefix, value)` of each of the provider's
    /// attributes: a person carries a handful, so a scan beats a map.
    entries: Vec<(&'a str, &'a str, &'a Value)>,
}

#[cfg(feature = "http-base")]
impl<'a> ProviderAttributes<'a> {
    /// Each of the provider's attributes as `(full key, name without the prefix)`.
    fn names(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.entries.iter().map(|(key, name, _)| (*key, *name))
    }

    /// How a refused attribute is named: `attributes["<provider>.<name>"]`.
    #[cfg(any(
        feature = "jambonz",
        feature = "netsapiens",
        feature = "connect",
        feature = "scim-client",
    ))]
    pub(crate) fn field_name(provider: Provider, name: &str) -> String {
        format!("attributes[\"{}.{name}\"]", provider.key())
    }

    /// [`field_name`](Self::field_name) for this provider.
    #[cfg(any(
        feature = "jambonz",
        feature = "netsapiens",
        feature = "connect",
        feature = "scim-client",
    ))]
    pub(crate) fn field(&self, name: &str) -> String {
        Self::field_name(self.provider, name)
    }

    /// The raw value, `null` included.
    #[cfg(any(
        feature = "jambonz",
        feature = "netsapiens",
        feature = "connect",
        feature = "scim-client",
    ))]
    pub(crate) fn get(&self, name: &str) -> Option<&'a Value> {
        self.entries
            .iter()
            .find_map(|(_, own, value)| (*own == name).then_some(*value))
    }

    /// Whether the attribute is present (even as `null`).
    #[cfg(any(feature = "netsapiens", feature = "scim-client"))]
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A boolean attribute; absent or `null` is `None`.
    #[cfg(any(feature = "jambonz", feature = "netsapiens"))]
    pub(crate) fn bool(&self, name: &str) -> Result<Option<bool>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(_) => Err(Error::invalid_input(
                self.field(name),
                "must be true or false",
            )),
        }
    }

    /// A string attribute; absent or `null` is `None`.
    #[cfg(any(feature = "netsapiens", feature = "scim-client"))]
    pub(crate) fn text(&self, name: &str) -> Result<Option<&'a str>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(Error::invalid_input(self.field(name), "must be a string")),
        }
    }
}

/// What an adapter does with a portable field its provider cannot store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UnsupportedFields {
    /// Refuse the request with [`Error::Unsupported`] naming the field (the default).
    #[default]
    Reject,
    /// Leave the field out. For one person record sent to several providers, each taking
    /// what it can store; check [`Capabilities`](crate::Capabilities) to know what is kept.
    Ignore,
}

/// A portable field of [`NewUser`] (and [`UserUpdate`](crate::UserUpdate)), by name: what
/// [`Capabilities`](crate::Capabilities) describes and an [`InputProblem`](crate::InputProblem)
/// names.
///
/// ```
/// use user_provisioner::Field;
///
/// assert_eq!(Field::GivenName.name(), "given_name");
/// assert_eq!("given_name".parse::<Field>().unwrap(), Field::GivenName);
/// assert_eq!(Field::ALL.len(), 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Field {
    /// [`NewUser::username`].
    Username,
    /// [`NewUser::email`].
    Email,
    /// [`NewUser::given_name`].
    GivenName,
    /// [`NewUser::family_name`].
    FamilyName,
    /// [`NewUser::display_name`].
    DisplayName,
    /// [`NewUser::password`].
    Password,
    /// [`NewUser::phone`].
    Phone,
    /// [`NewUser::roles`].
    Roles,
    /// [`NewUser::enabled`].
    Enabled,
    /// [`NewUser::metadata`].
    Metadata,
}

impl Field {
    /// Every portable field, in declaration order.
    pub const ALL: [Field; 10] = [
        Field::Username,
        Field::Email,
        Field::GivenName,
        Field::FamilyName,
        Field::DisplayName,
        Field::Password,
        Field::Phone,
        Field::Roles,
        Field::Enabled,
        Field::Metadata,
    ];

    /// The field's name as errors spell it (`given_name`).
    pub const fn name(self) -> &'static str {
        match self {
            Field::Username => "username",
            Field::Email => "email",
            Field::GivenName => "given_name",
            Field::FamilyName => "family_name",
            Field::DisplayName => "display_name",
            Field::Password => "password",
            Field::Phone => "phone",
            Field::Roles => "roles",
            Field::Enabled => "enabled",
            Field::Metadata => "metadata",
        }
    }

    /// The position in [`Field::ALL`].
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Field {
    type Err = Error;

    /// The field whose [`name`](Field::name) this is.
    fn from_str(name: &str) -> Result<Self> {
        Field::ALL
            .into_iter()
            .find(|field| field.name() == name)
            .ok_or_else(|| Error::invalid_input("field", format!("{name:?} is no portable field")))
    }
}

/// A user to create, in portable form.
///
/// ```
/// use user_provisioner::NewUser;
///
/// let person = NewUser::new("jdoe")
///     .with_email("jdoe@example.com")
///     .with_names("Jane", "Doe")
///     .with_password("Str0ngP@ss!")
///     .with_attribute("netsapiens.extension", "1001");
/// assert_eq!(person.username, "jdoe");
/// ```
///
/// Serialized (serde), unset fields are left out and the password is written as
/// [`Secret::REDACTED`]; serialize through [`Exposed`](crate::Exposed) to keep it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewUser {
    /// The login name, unique per provider (jambonz `name`, NetSapiens
    /// `login-username`, ECE `user_name`).
    pub username: String,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Given (first) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family (last) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Name to display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Initial password.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "secret::portable::option"
    )]
    pub password: Option<Secret>,
    /// Phone number, as the provider takes it: E.164 (`+15551234567`) where its
    /// [`Capabilities::e164_phones`](crate::Capabilities::e164_phones) says so (Connect),
    /// else text. [`with_phone_in`](Self::with_phone_in) writes any common form as E.164.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Provider role names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Whether the account starts enabled (providers default to enabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Free-form key/value data, where the provider stores it.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,
    /// Provider-specific settings; see [`Attributes`].
    #[serde(default, skip_serializing_if = "Attributes::is_empty")]
    pub attributes: Attributes,
    /// What to do with fields the provider cannot store.
    #[serde(default)]
    pub unsupported_fields: UnsupportedFields,
}

impl NewUser {
    /// A user with this login name and nothing else set.
    pub fn new(username: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            ..Self::default()
        }
    }

    /// Sets the email address.
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sets given and family names.
    pub fn with_names(mut self, given: impl Into<String>, family: impl Into<String>) -> Self {
        self.given_name = Some(given.into());
        self.family_name = Some(family.into());
        self
    }

    /// Sets the display name.
    pub fn with_display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }

    /// Sets the initial password.
    pub fn with_password(mut self, password: impl Into<Secret>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Sets the phone number as given: E.164 (`+15551234567`) for a provider that
    /// stores only that ([`Capabilities::e164_phones`](crate::Capabilities::e164_phones)),
    /// checked at create; any text for the others.
    pub fn with_phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }

    /// Sets the phone number from any common written form (`312-555-0100`,
    /// `(312) 555-0100`, `+1 312 555 0100`) read in `region` (ISO 3166-1 alpha-2, `"US"`)
    /// where it has no country code, written as E.164.
    ///
    /// ```
    /// use user_provisioner::NewUser;
    ///
    /// let user = NewUser::new("jdoe").with_phone_in("312-555-0100", "US")?;
    /// assert_eq!(user.phone.as_deref(), Some("+13125550100"));
    /// assert!(NewUser::new("jdoe").with_phone_in("call me", "US").is_err());
    /// # Ok::<(), user_provisioner::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `phone` for a number that cannot be read in
    /// `region`, or an unknown region ([`phone::to_e164`](crate::phone::to_e164)).
    #[cfg(feature = "phone")]
    #[cfg_attr(docsrs, doc(cfg(feature = "phone")))]
    pub fn with_phone_in(mut self, text: &str, region: &str) -> Result<Self> {
        self.phone = Some(crate::phone::to_e164(
            Field::Phone.name(),
            text,
            Some(region),
        )?);
        Ok(self)
    }

    /// Adds a role.
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.roles.push(role.into());
        self
    }

    /// Sets exactly these roles, replacing any added before.
    pub fn with_roles(mut self, roles: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// Sets whether the account starts enabled.
    pub fn with_enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    /// Adds a metadata entry.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Sets exactly this metadata, replacing any entries added before.
    pub fn with_metadata_map(mut self, metadata: Map<String, Value>) -> Self {
        self.metadata = metadata;
        self
    }

    /// Sets a provider-specific attribute such as `jambonz.account_sid`.
    pub fn with_attribute(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attributes.insert(key, value);
        self
    }

    /// Lets each provider leave out the fields it cannot store instead of refusing
    /// the request ([`UnsupportedFields::Ignore`]).
    pub fn ignoring_unsupported_fields(mut self) -> Self {
        self.unsupported_fields = UnsupportedFields::Ignore;
        self
    }

    /// Whether `field` carries a value: text present (even blank), a non-empty list or
    /// map. The username counts as set when it is not empty.
    pub(crate) fn is_set(&self, field: Field) -> bool {
        match field {
            Field::Username => !self.username.is_empty(),
            Field::Email => self.email.is_some(),
            Field::GivenName => self.given_name.is_some(),
            Field::FamilyName => self.family_name.is_some(),
            Field::DisplayName => self.display_name.is_some(),
            Field::Password => self.password.is_some(),
            Field::Phone => self.phone.is_some(),
            Field::Roles => !self.roles.is_empty(),
            Field::Enabled => self.enabled.is_some(),
            Field::Metadata => !self.metadata.is_empty(),
        }
    }

    /// The text of a text field, where set.
    pub(crate) fn text(&self, field: Field) -> Option<&str> {
        match field {
            Field::Username => Some(self.username.as_str()),
            Field::Email => self.email.as_deref(),
            Field::GivenName => self.given_name.as_deref(),
            Field::FamilyName => self.family_name.as_deref(),
            Field::DisplayName => self.display_name.as_deref(),
            Field::Phone => self.phone.as_deref(),
            Field::Password | Field::Roles | Field::Enabled | Field::Metadata => None,
        }
    }
}

/// A user as a provider reports it, in portable form.
///
/// Serialized (serde) with its provider as its key (`"provider": "jambonz"`). A user
/// holds no secret: adapters drop any password a server echoes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// The provider that holds the user.
    pub provider: Provider,
    /// The provider's id for the user.
    pub id: UserId,
    /// The login name.
    pub username: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Given (first) name.
    pub given_name: Option<String>,
    /// Family (last) name.
    pub family_name: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Role names.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Whether the account is enabled, where the provider says.
    pub enabled: Option<bool>,
    /// When the user was created, where the provider says.
    pub created_at: Option<DateTime<Utc>>,
    /// When the user last changed, where the provider says.
    pub updated_at: Option<DateTime<Utc>>,
    /// The provider's own representation (for a create that answers only an id: that
    /// answer), when the call asked for it with
    /// [`RequestOptions::with_raw_json`](crate::RequestOptions::with_raw_json); `null`
    /// otherwise, so that a read decodes its answer once.
    #[serde(default)]
    pub raw: Value,
    /// The idempotency key of the create that returned this user, on providers that
    /// have them (Connect); `None` on reads. See
    /// [`CreateOutcome::idempotency_key`](crate::CreateOutcome::idempotency_key).
    pub idempotency_key: Option<IdempotencyKey>,
}

impl User {
    /// A user with only an id; set the rest field by field. Meant for test doubles.
    pub fn new(provider: Provider, id: impl Into<UserId>) -> Self {
        Self {
            provider,
            id: id.into(),
            username: None,
            email: None,
            given_name: None,
            family_name: None,
            display_name: None,
            phone: None,
            roles: Vec::new(),
            enabled: None,
            created_at: None,
            updated_at: None,
            raw: Value::Null,
            idempotency_key: None,
        }
    }
}

/// The unique key of a user to look for with
/// [`UserProvisioner::find_user`](crate::UserProvisioner::find_user).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::update::{PasswordChange, UserUpdate};

    #[test]
    fn attributes_refuse_unknown_keys_of_their_own_provider_only() {
        let mut attributes = Attributes::new();
        attributes.insert("example.account_sid", "x");
        attributes.insert("other.extension", "1001");
        let found = attributes
            .for_provider(Provider::EXAMPLE, &["account_sid"])
            .unwrap();
        assert_eq!(found.text("account_sid").unwrap(), Some("x"));
        assert!(found.get("extension").is_none());

        attributes.insert("example.acount_sid", "typo");
        let err = attributes
            .for_provider(Provider::EXAMPLE, &["account_sid"])
            .unwrap_err();
        assert!(err.to_string().contains("example.acount_sid"), "{err}");
    }

    #[test]
    fn password_does_not_show_in_debug() {
        let user = NewUser::new("a").with_password("Sup3rS3cret!");
        assert!(!format!("{user:?}").contains("Sup3rS3cret"));
        let update = UserUpdate::new()
            .with_password(PasswordChange::new("N3wS3cret!").with_current("0ldS3cret!"));
        let shown = format!("{update:?}");
        assert!(
            !shown.contains("N3wS3cret") && !shown.contains("0ldS3cret"),
            "{shown}"
        );
    }
}
