//! The SCIM User resource (RFC 7643 §4.1) with the enterprise extension (§4.3).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::lenient::{fits, lenient_model};
use crate::scim::schema::{ENTERPRISE_USER, USER};
use crate::secret::Secret;

/// A SCIM User: the core attributes typed, the enterprise extension typed, and every
/// other attribute and extension (`urn:…` keys) kept as JSON in [`other`](Self::other),
/// so a read-modify-write keeps what this model does not know.
///
/// Read leniently: an attribute whose value does not fit its typed field (a `title`
/// that is a number) leaves the field unset and is kept in `other` as sent. `Debug`
/// never shows the password.
///
/// ```
/// use user_provisioner::scim::model::{MultiValued, Name, ScimUser};
///
/// let mut user = ScimUser::new("jdoe");
/// user.name = Some(Name::new("Jane", "Doe"));
/// user.emails.push(MultiValued::primary("jdoe@example.com", "work"));
/// user.other.insert(
///     "urn:example:params:scim:schemas:extension:acme:2.0:User".into(),
///     serde_json::json!({"badge": "B-7"}),
/// );
/// let sent = serde_json::to_value(user.with_declared_schemas()).unwrap();
/// assert_eq!(sent["schemas"].as_array().unwrap().len(), 2);
/// assert_eq!(sent["name"]["givenName"], "Jane");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScimUser {
    /// The schema URNs of the resource: the core User and each extension it carries.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The service provider's id (read-only). Read from a number too, which some servers
    /// send though RFC 7643 §3.1 says string.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "id_text"
    )]
    pub id: Option<String>,
    /// The provisioning client's own id of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The resource's metadata (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The unique login name (required; unique without regard to case, RFC 7643 §4.1.1).
    #[serde(default)]
    pub user_name: String,
    /// The person's name parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// The name to display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// A casual name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    /// The person's profile page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
    /// The job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The kind of user (`Employee`, `Contractor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// The preferred language (`en-US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    /// The locale (`en-US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The time zone (`America/Los_Angeles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Whether the account is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// The password: write-only, sent when set and never returned by a server.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "Secret::serialize_exposed_opt"
    )]
    pub password: Option<Secret>,
    /// Email addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<MultiValued>,
    /// Phone numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<MultiValued>,
    /// Instant-messaging addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ims: Vec<MultiValued>,
    /// Photo URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<MultiValued>,
    /// Postal addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// The groups the user belongs to (read-only; change them through the groups).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupMembership>,
    /// Entitlements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<MultiValued>,
    /// Roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<MultiValued>,
    /// Certificates (base64 DER values).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub x509_certificates: Vec<MultiValued>,
    /// The enterprise extension
    /// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`).
    #[serde(
        rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub enterprise: Option<EnterpriseUser>,
    /// Every other attribute and extension, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

// `id` and `userName` identify the user: decoded strictly, so that a malformed one
// fails the read (naming the field) instead of giving a user nobody can address.
lenient_model!(ScimUser {
    "schemas" => fits::<Vec<String>>,
    "externalId" => fits::<Option<String>>,
    "meta" => fits::<Option<Meta>>,
    "name" => fits::<Option<Name>>,
    "displayName" => fits::<Option<String>>,
    "nickName" => fits::<Option<String>>,
    "profileUrl" => fits::<Option<String>>,
    "title" => fits::<Option<String>>,
    "userType" => fits::<Option<String>>,
    "preferredLanguage" => fits::<Option<String>>,
    "locale" => fits::<Option<String>>,
    "timezone" => fits::<Option<String>>,
    "active" => fits::<Option<bool>>,
    "password" => fits::<Option<String>>,
    "emails" => fits::<Vec<MultiValued>>,
    "phoneNumbers" => fits::<Vec<MultiValued>>,
    "ims" => fits::<Vec<MultiValued>>,
    "photos" => fits::<Vec<MultiValued>>,
    "addresses" => fits::<Vec<Address>>,
    "groups" => fits::<Vec<GroupMembership>>,
    "entitlements" => fits::<Vec<MultiValued>>,
    "roles" => fits::<Vec<MultiValued>>,
    "x509Certificates" => fits::<Vec<MultiValued>>,
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" => fits::<Option<EnterpriseUser>>,
});

impl ScimUser {
    /// A user with this `userName` and the core schema.
    pub fn new(user_name: impl Into<String>) -> Self {
        Self {
            schemas: vec![USER.to_owned()],
            user_name: user_name.into(),
            ..Self::default()
        }
    }

    /// The user with `schemas` listing exactly the core schema and the extensions it
    /// carries (the enterprise extension when set, every `urn:` key of
    /// [`other`](Self::other)), as RFC 7643 §3 asks of what is sent.
    pub fn with_declared_schemas(mut self) -> Self {
        self.schemas = self.declared_schemas();
        self
    }

    /// The `schemas` [`with_declared_schemas`](Self::with_declared_schemas) sets.
    pub fn declared_schemas(&self) -> Vec<String> {
        let mut schemas = vec![USER.to_owned()];
        if self.enterprise.is_some() {
            schemas.push(ENTERPRISE_USER.to_owned());
        }
        for key in self.other.keys() {
            if is_extension_urn(key) && !schemas.iter().any(|known| known.eq_ignore_ascii_case(key))
            {
                schemas.push(key.clone());
            }
        }
        schemas
    }

    /// The primary email, else the first.
    pub fn primary_email(&self) -> Option<&str> {
        primary(&self.emails)
    }

    /// The primary phone number, else the first.
    pub fn primary_phone(&self) -> Option<&str> {
        primary(&self.phone_numbers)
    }

    /// The weak or strong ETag of this version (`meta.version`), when the server sent it.
    pub fn version(&self) -> Option<&str> {
        self.meta.as_ref().and_then(|meta| meta.version.as_deref())
    }

    /// The resource as it is sent in a PUT: without what the server sets (`meta`,
    /// `groups`), with its declared schemas.
    pub fn for_replace(&self) -> ScimUser {
        let mut user = self.clone();
        user.meta = None;
        user.groups.clear();
        user.with_declared_schemas()
    }
}

/// An id as text: a string, or a number written as one.
fn id_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(_) => Err(serde::de::Error::custom("an id must be a string")),
    }
}

/// Whether `key` names an extension's attributes (`urn:…`), not a core attribute.
fn is_extension_urn(key: &str) -> bool {
    key.len() > 4
        && key
            .get(..4)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("urn:"))
}

fn primary(values: &[MultiValued]) -> Option<&str> {
    values
        .iter()
        .find(|value| value.primary == Some(true))
        .or_else(|| values.first())
        .and_then(|value| value.value.as_deref())
}

/// `name` (RFC 7643 §4.1.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Name {
    /// The full name, formatted for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// The family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// The given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// The middle name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// A prefix (`Ms.`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    /// A suffix (`III`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_suffix: Option<String>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Name {
    /// A name of these given and family names.
    pub fn new(given: impl Into<String>, family: impl Into<String>) -> Self {
        Self {
            given_name: Some(given.into()),
            family_name: Some(family.into()),
            ..Self::default()
        }
    }

    /// Whether no part is set.
    pub fn is_empty(&self) -> bool {
        self.formatted.is_none()
            && self.family_name.is_none()
            && self.given_name.is_none()
            && self.middle_name.is_none()
            && self.honorific_prefix.is_none()
            && self.honorific_suffix.is_none()
            && self.other.is_empty()
    }
}

/// One value of a multi-valued attribute (`emails`, `phoneNumbers`, `roles`, …):
/// `value`, `display`, `type`, `primary`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MultiValued {
    /// The value (an address, a number, a role name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A label for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// The kind (`work`, `home`, `mobile`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether this is the primary value; at most one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl MultiValued {
    /// A value with no type and no primary flag.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: Some(value.into()),
            ..Self::default()
        }
    }

    /// The primary value of this kind (`work`).
    pub fn primary(value: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            value: Some(value.into()),
            kind: Some(kind.into()),
            primary: Some(true),
            ..Self::default()
        }
    }
}

/// One of `addresses` (RFC 7643 §4.1.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Address {
    /// The full address, formatted for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// Street, number, apartment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The kind (`work`, `home`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether this is the primary address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One of `groups`: a group the user belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupMembership {
    /// The group's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The group's URI.
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The group's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// `direct` or `indirect`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The enterprise User extension (RFC 7643 §4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EnterpriseUser {
    /// The employee number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    /// The cost center.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    /// The organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The division.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// The department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The user's manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Manager>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `manager` of the enterprise extension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Manager {
    /// The manager's id on the service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The manager's URI.
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The manager's display name (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `meta` (RFC 7643 §3.1), set by the service provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
#[non_exhaustive]
pub struct Meta {
    /// The resource type (`User`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// When the resource was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<DateTime<Utc>>,
    /// Its URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Its version, the ETag (`W/"3"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

lenient_model!(Meta {
    "resourceType" => fits::<Option<String>>,
    "created" => fits::<Option<DateTime<Utc>>>,
    "lastModified" => fits::<Option<DateTime<Utc>>>,
    "location" => fits::<Option<String>>,
    "version" => fits::<Option<String>>,
});

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_value_that_does_not_fit_is_kept_not_fatal() {
        let user: ScimUser = serde_json::from_value(json!({
            "schemas": [USER],
            "id": "42",
            "userName": "jdoe",
            "title": 7,
            "active": "yes",
            "emails": [{"value": "j@example.com", "primary": true}],
            "meta": {"created": "yesterday", "version": "W/\"3\""},
            "urn:example:x:1.0:User": {"badge": "B-7"}
        }))
        .unwrap();
        assert_eq!(user.user_name, "jdoe");
        assert_eq!(user.title, None);
        assert_eq!(user.other["title"], 7);
        assert_eq!(user.active, None);
        assert_eq!(user.primary_email(), Some("j@example.com"));
        assert_eq!(user.version(), Some("W/\"3\""));
        assert_eq!(user.other["urn:example:x:1.0:User"]["badge"], "B-7");
    }

    #[test]
    fn the_identity_is_read_strictly_and_a_numeric_id_as_text() {
        let user: ScimUser = serde_json::from_value(json!({"id": 42, "userName": "jdoe"})).unwrap();
        assert_eq!(user.id.as_deref(), Some("42"));
        assert!(serde_json::from_value::<ScimUser>(json!({"id": "1", "userName": 7})).is_err());
        assert!(serde_json::from_value::<ScimUser>(json!({"id": ["1"], "userName": "j"})).is_err());
    }

    #[test]
    fn the_strict_fast_path_gives_the_lenient_result() {
        use crate::lenient::Strict;
        let body = json!({
            "schemas": [USER], "id": "42", "userName": "jdoe", "title": "Boss",
            "emails": [{"value": "j@example.com", "primary": true}],
            "meta": {"version": "W/\"3\""}, "urn:example:x:1.0:User": {"badge": "B-7"}
        });
        let Strict(fast) = serde_json::from_value::<Strict<ScimUser>>(body.clone()).unwrap();
        let lenient: ScimUser = serde_json::from_value(body).unwrap();
        assert_eq!(fast, lenient);
        let odd = json!({"id": "42", "userName": "jdoe", "title": 7});
        assert!(serde_json::from_value::<Strict<ScimUser>>(odd).is_err());
    }

    #[test]
    fn declared_schemas_follow_the_extensions_carried() {
        let mut user = ScimUser::new("jdoe");
        user.enterprise = Some(EnterpriseUser::default());
        user.other
            .insert("urn:example:x:1.0:User".into(), json!({}));
        user.other.insert("nickName2".into(), json!("x"));
        user.other.insert(
            "aé€:x".into(),
            json!("not a URN, and no char boundary at 4"),
        );
        let user = user.with_declared_schemas();
        assert_eq!(
            user.schemas,
            [USER, ENTERPRISE_USER, "urn:example:x:1.0:User"]
        );
    }

    #[test]
    fn the_password_is_sent_but_never_shown() {
        let mut user = ScimUser::new("jdoe");
        user.password = Some(Secret::new("Sup3rS3cret!"));
        assert!(!format!("{user:?}").contains("Sup3rS3cret!"));
        assert_eq!(
            serde_json::to_value(&user).unwrap()["password"],
            "Sup3rS3cret!"
        );
    }

    #[test]
    fn a_replace_leaves_out_what_the_server_sets() {
        let user: ScimUser = serde_json::from_value(json!({
            "id": "42", "userName": "jdoe", "meta": {"version": "W/\"1\""},
            "groups": [{"value": "g1"}]
        }))
        .unwrap();
        let sent = serde_json::to_value(user.for_replace()).unwrap();
        assert_eq!(
            sent,
            json!({"schemas": [USER], "id": "42", "userName": "jdoe"})
        );
    }
}
