//! A change to a user in portable form: each field kept, set or cleared ([`Patch`]),
//! and the password change.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::provider::Provider;
use crate::secret::{self, Secret};
use crate::user::{Attributes, Field};

/// One field of a partial update: leave it unchanged, set it, or clear it.
///
/// Serialized inside a struct with `#[serde(default, skip_serializing_if =
/// "Patch::is_keep")]`: `Keep` is left out of the JSON, `Set(v)` is `v`, `Clear` is
/// `null`. That is the JSON Merge Patch (RFC 7396) meaning, and what jambonz reads for
/// `account_sid: null`. Deserializing gives back the same three states.
///
/// The portable [`UserUpdate`](crate::UserUpdate) and every native update model use it
/// the same way. There is deliberately no `From<Option<T>>`: `None` could mean "keep"
/// or "clear", so a conversion names its meaning ([`Patch::set_or_keep`],
/// [`Patch::set_or_clear`]).
///
/// ```
/// use user_provisioner::Patch;
///
/// let email: Patch<String> = Patch::Set("new@example.com".into());
/// assert!(email.is_set());
/// assert_eq!(Patch::<String>::default(), Patch::Keep);
/// assert_eq!(Patch::set_or_keep(None::<u32>), Patch::Keep);
/// assert_eq!(Patch::set_or_clear(None::<u32>), Patch::Clear);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Leave the field as it is (sends nothing).
    #[default]
    Keep,
    /// Set the field (sends the value).
    Set(T),
    /// Clear the field (sends `null`).
    Clear,
}

impl<T> Patch<T> {
    /// Whether the field is left alone.
    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }

    /// Whether the field is set to a value.
    pub fn is_set(&self) -> bool {
        matches!(self, Patch::Set(_))
    }

    /// Whether the field is cleared.
    pub fn is_clear(&self) -> bool {
        matches!(self, Patch::Clear)
    }

    /// The value being set, if any.
    pub fn as_set(&self) -> Option<&T> {
        match self {
            Patch::Set(value) => Some(value),
            _ => None,
        }
    }

    /// The same patch, borrowing the value.
    pub fn as_ref(&self) -> Patch<&T> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Set(value) => Patch::Set(value),
            Patch::Clear => Patch::Clear,
        }
    }

    /// The same patch with `f` applied to a set value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Set(value) => Patch::Set(f(value)),
            Patch::Clear => Patch::Clear,
        }
    }

    /// `Some(v)` sets, `None` keeps (the meaning of `Option` in a builder).
    pub fn set_or_keep(value: Option<T>) -> Self {
        value.map_or(Patch::Keep, Patch::Set)
    }

    /// `Some(v)` sets, `None` clears (the meaning of a nullable JSON field).
    pub fn set_or_clear(value: Option<T>) -> Self {
        value.map_or(Patch::Clear, Patch::Set)
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Patch::Set(value) => value.serialize(serializer),
            Patch::Keep | Patch::Clear => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        // Reached only for a field present in the input (absent is `#[serde(default)]`,
        // `Keep`), so `null` here is an explicit clear.
        Option::<T>::deserialize(deserializer).map(Patch::set_or_clear)
    }
}

/// A password change. Some providers (jambonz) require the current password too.
///
/// Serialized, both passwords are written as [`Secret::REDACTED`] unless through
/// [`Exposed`](crate::Exposed).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PasswordChange {
    /// The new password.
    #[serde(with = "secret::portable")]
    pub new: Secret,
    /// The current password, where the provider asks for it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "secret::portable::option"
    )]
    pub current: Option<Secret>,
}

impl PasswordChange {
    /// A change to `new` without the current password.
    pub fn new(new: impl Into<Secret>) -> Self {
        Self {
            new: new.into(),
            current: None,
        }
    }

    /// Adds the current password.
    pub fn with_current(mut self, current: impl Into<Secret>) -> Self {
        self.current = Some(current.into());
        self
    }
}

/// A change to a user in portable form. Every field is a [`Patch`]: [`Patch::Keep`]
/// (the default) leaves it as it is, [`Patch::Set`] changes it, [`Patch::Clear`]
/// removes it.
///
/// Build it with the `with_*` setters and the `clear_*` methods. A provider that cannot
/// clear a field refuses the update before any request with [`Error::Unsupported`]
/// naming the field and the reason (a jambonz email, a NetSapiens first name, any
/// password). What each provider can clear is in its module's documentation.
///
/// Serialized (serde), a kept field is left out, a set one is its value and a cleared
/// one is `null`; passwords are written as [`Secret::REDACTED`] unless through
/// [`Exposed`](crate::Exposed).
///
/// ```
/// use user_provisioner::{Patch, UserUpdate};
///
/// let update = UserUpdate::new()
///     .with_email("new@example.com")
///     .clear_phone()
///     .with_role("admin");
/// assert_eq!(update.phone, Patch::Clear);
/// assert_eq!(update.given_name, Patch::Keep);
/// assert_eq!(
///     serde_json::to_value(&update).unwrap(),
///     serde_json::json!({"email": "new@example.com", "phone": null, "roles": ["admin"]})
/// );
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserUpdate {
    /// The login name.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub username: Patch<String>,
    /// The email address.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub email: Patch<String>,
    /// The given name.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub given_name: Patch<String>,
    /// The family name.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub family_name: Patch<String>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub display_name: Patch<String>,
    /// The phone number (E.164 where the provider stores only that).
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub phone: Patch<String>,
    /// A new password. No provider of this crate can clear a password, only replace it.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub password: Patch<PasswordChange>,
    /// Enable or disable the account; `Clear` reverts to the provider's default where
    /// it has one (ECE).
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub enabled: Patch<bool>,
    /// Replaces the roles, or clears them.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub roles: Patch<Vec<String>>,
    /// Replaces the metadata, or clears it.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub metadata: Patch<Map<String, Value>>,
    /// Provider-specific settings; see [`Attributes`].
    #[serde(default, skip_serializing_if = "Attributes::is_empty")]
    pub attributes: Attributes,
}

impl UserUpdate {
    /// A change that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a new login name.
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Patch::Set(username.into());
        self
    }

    /// Clears the login name.
    pub fn clear_username(mut self) -> Self {
        self.username = Patch::Clear;
        self
    }

    /// Sets a new email address.
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Patch::Set(email.into());
        self
    }

    /// Clears the email address.
    pub fn clear_email(mut self) -> Self {
        self.email = Patch::Clear;
        self
    }

    /// Sets new given and family names.
    pub fn with_names(mut self, given: impl Into<String>, family: impl Into<String>) -> Self {
        self.given_name = Patch::Set(given.into());
        self.family_name = Patch::Set(family.into());
        self
    }

    /// Sets a new given name.
    pub fn with_given_name(mut self, given: impl Into<String>) -> Self {
        self.given_name = Patch::Set(given.into());
        self
    }

    /// Sets a new family name.
    pub fn with_family_name(mut self, family: impl Into<String>) -> Self {
        self.family_name = Patch::Set(family.into());
        self
    }

    /// Clears the given and family names.
    pub fn clear_names(mut self) -> Self {
        self.given_name = Patch::Clear;
        self.family_name = Patch::Clear;
        self
    }

    /// Sets a new display name.
    pub fn with_display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Patch::Set(name.into());
        self
    }

    /// Clears the display name.
    pub fn clear_display_name(mut self) -> Self {
        self.display_name = Patch::Clear;
        self
    }

    /// Sets a new phone number as given (see [`NewUser::with_phone`](crate::NewUser::with_phone)).
    pub fn with_phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Patch::Set(phone.into());
        self
    }

    /// Sets a new phone number from any common written form read in `region`, as E.164
    /// (see [`NewUser::with_phone_in`](crate::NewUser::with_phone_in)).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `phone` for a number that cannot be read.
    #[cfg(feature = "phone")]
    #[cfg_attr(docsrs, doc(cfg(feature = "phone")))]
    pub fn with_phone_in(mut self, text: &str, region: &str) -> Result<Self> {
        self.phone = Patch::Set(crate::phone::to_e164(
            Field::Phone.name(),
            text,
            Some(region),
        )?);
        Ok(self)
    }

    /// Clears the phone number.
    pub fn clear_phone(mut self) -> Self {
        self.phone = Patch::Clear;
        self
    }

    /// Sets a new password.
    pub fn with_password(mut self, change: PasswordChange) -> Self {
        self.password = Patch::Set(change);
        self
    }

    /// Enables or disables the account.
    pub fn with_enabled(mut self, enabled: bool) -> Self {
        self.enabled = Patch::Set(enabled);
        self
    }

    /// Adds a role to the list that replaces the user's roles (a kept or cleared list
    /// starts empty), as [`NewUser::with_role`](crate::NewUser::with_role) adds one.
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        match &mut self.roles {
            Patch::Set(roles) => roles.push(role.into()),
            other => *other = Patch::Set(vec![role.into()]),
        }
        self
    }

    /// Replaces the roles with exactly these.
    pub fn with_roles(mut self, roles: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.roles = Patch::Set(roles.into_iter().map(Into::into).collect());
        self
    }

    /// Clears the roles.
    pub fn clear_roles(mut self) -> Self {
        self.roles = Patch::Clear;
        self
    }

    /// Adds an entry to the metadata that replaces the user's (a kept or cleared map
    /// starts empty), as [`NewUser::with_metadata`](crate::NewUser::with_metadata) adds
    /// one.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        match &mut self.metadata {
            Patch::Set(metadata) => {
                metadata.insert(key.into(), value.into());
            }
            other => *other = Patch::Set(Map::from_iter([(key.into(), value.into())])),
        }
        self
    }

    /// Replaces the metadata with exactly this map.
    pub fn with_metadata_map(mut self, metadata: Map<String, Value>) -> Self {
        self.metadata = Patch::Set(metadata);
        self
    }

    /// Clears the metadata.
    pub fn clear_metadata(mut self) -> Self {
        self.metadata = Patch::Clear;
        self
    }

    /// Sets a provider-specific attribute.
    pub fn with_attribute(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attributes.insert(key, value);
        self
    }

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.username.is_keep()
            && self.email.is_keep()
            && self.given_name.is_keep()
            && self.family_name.is_keep()
            && self.display_name.is_keep()
            && self.phone.is_keep()
            && self.password.is_keep()
            && self.enabled.is_keep()
            && self.roles.is_keep()
            && self.metadata.is_keep()
            && self.attributes.is_empty()
    }

    /// Whether `field` is set or cleared.
    fn names(&self, field: Field) -> bool {
        !self.is_keep(field)
    }

    fn is_keep(&self, field: Field) -> bool {
        match field {
            Field::Username => self.username.is_keep(),
            Field::Email => self.email.is_keep(),
            Field::GivenName => self.given_name.is_keep(),
            Field::FamilyName => self.family_name.is_keep(),
            Field::DisplayName => self.display_name.is_keep(),
            Field::Password => self.password.is_keep(),
            Field::Phone => self.phone.is_keep(),
            Field::Roles => self.roles.is_keep(),
            Field::Enabled => self.enabled.is_keep(),
            Field::Metadata => self.metadata.is_keep(),
        }
    }

    fn is_clear(&self, field: Field) -> bool {
        match field {
            Field::Username => self.username.is_clear(),
            Field::Email => self.email.is_clear(),
            Field::GivenName => self.given_name.is_clear(),
            Field::FamilyName => self.family_name.is_clear(),
            Field::DisplayName => self.display_name.is_clear(),
            Field::Password => self.password.is_clear(),
            Field::Phone => self.phone.is_clear(),
            Field::Roles => self.roles.is_clear(),
            Field::Enabled => self.enabled.is_clear(),
            Field::Metadata => self.metadata.is_clear(),
        }
    }

    /// Refuses an update that names no change (no provider call could report it done)
    /// and the first field in `unsupported` it sets or clears: an update never drops a
    /// change.
    pub(crate) fn check_unsupported(
        &self,
        provider: Provider,
        unsupported: &[Field],
    ) -> Result<()> {
        if self.is_empty() {
            return Err(Error::invalid_input(
                "update",
                "names no change; set at least one field",
            ));
        }
        match unsupported.iter().find(|field| self.names(**field)) {
            Some(field) => Err(Error::unsupported(
                provider,
                field.name(),
                "the provider has no such field",
            )),
            None => Ok(()),
        }
    }

    /// Refuses the first [`Patch::Clear`] of a field the provider cannot clear, with
    /// the adapter's reason: a clear is never turned into "keep".
    pub(crate) fn check_clears(
        &self,
        provider: Provider,
        not_clearable: &[(Field, &str)],
    ) -> Result<()> {
        match not_clearable
            .iter()
            .find(|(field, _)| self.is_clear(*field))
        {
            Some((field, reason)) => Err(Error::unsupported(
                provider,
                field.name(),
                format!("cannot be cleared: {reason}"),
            )),
            None => Ok(()),
        }
    }

    /// Refuses a new phone number that is not E.164 where the provider stores only that
    /// ([`Capabilities::e164_phones`](crate::Capabilities::e164_phones)), as
    /// [`Capabilities::check`](crate::Capabilities::check) does at create.
    pub(crate) fn check_phone_form(&self, capabilities: &crate::Capabilities) -> Result<()> {
        match self.phone.as_set() {
            Some(phone) if capabilities.e164_phones() => {
                crate::validate::e164(Field::Phone.name(), phone)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Body {
        #[serde(default, skip_serializing_if = "Patch::is_keep")]
        a: Patch<u32>,
        #[serde(default, skip_serializing_if = "Patch::is_keep")]
        b: Patch<u32>,
        #[serde(default, skip_serializing_if = "Patch::is_keep")]
        c: Patch<u32>,
    }

    #[test]
    fn three_states_round_trip() {
        let body = Body {
            a: Patch::Keep,
            b: Patch::Set(7),
            c: Patch::Clear,
        };
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(json, r#"{"b":7,"c":null}"#);
        assert_eq!(serde_json::from_str::<Body>(&json).unwrap(), body);
    }

    #[test]
    fn role_and_metadata_builders_add_and_replace_alike() {
        let update = UserUpdate::new()
            .clear_roles()
            .with_role("a")
            .with_role("b")
            .with_metadata("k", 1)
            .with_metadata("l", "x");
        assert_eq!(update.roles, Patch::Set(vec!["a".into(), "b".into()]));
        assert_eq!(update.metadata.as_set().unwrap().len(), 2);
        let replaced = update.with_roles(["c"]);
        assert_eq!(replaced.roles, Patch::Set(vec!["c".into()]));
    }

    #[test]
    fn clears_are_refused_by_name_and_reason() {
        let update = UserUpdate::new().clear_email();
        let err = update
            .check_clears(
                Provider::EXAMPLE,
                &[(Field::Email, "the email is required")],
            )
            .unwrap_err();
        assert!(
            matches!(err, Error::Unsupported { ref field, ref reason, .. }
                if field == "email" && reason.contains("required")),
            "{err:?}"
        );
        assert!(update
            .check_clears(Provider::EXAMPLE, &[(Field::Phone, "x")])
            .is_ok());
        // A clear is a change: a field the provider lacks is refused when cleared too.
        let err = UserUpdate::new()
            .clear_phone()
            .check_unsupported(Provider::EXAMPLE, &[Field::Phone])
            .unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    }

    #[test]
    fn keep_set_and_clear_round_trip_through_serde() {
        let update = UserUpdate::new()
            .with_email("a@example.com")
            .clear_display_name()
            .with_enabled(false)
            .with_attribute("example.x", 1);
        let json = serde_json::to_value(&update).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"email":"a@example.com","display_name":null,"enabled":false,
                "attributes":{"example.x":1}})
        );
        let back: UserUpdate = serde_json::from_value(json).unwrap();
        assert_eq!(back.email, update.email);
        assert_eq!(back.display_name, Patch::Clear);
        assert_eq!(back.phone, Patch::Keep);
        assert_eq!(back.enabled, Patch::Set(false));
        assert_eq!(back.attributes, update.attributes);
    }
}
