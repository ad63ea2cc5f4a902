//! Elastic Cloud Enterprise users models, with the server's JSON names.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::lenient::{fits, lenient_model};
use crate::secret::Secret;
use crate::update::Patch;

/// An ECE platform role. Unknown role names (custom or later roles) are kept in
/// [`Other`](EceRole::Other) and sent as they are.
///
/// The documented rules, checked before any request: [`PlatformAdmin`](EceRole::PlatformAdmin)
/// must be a user's only role, and [`DeploymentManager`](EceRole::DeploymentManager) and
/// [`DeploymentViewer`](EceRole::DeploymentViewer) cannot be held together.
///
/// ```
/// use user_provisioner::providers::ece::EceRole;
///
/// assert_eq!(EceRole::from("ece_platform_viewer"), EceRole::PlatformViewer);
/// assert_eq!(EceRole::DeploymentManager.as_str(), "ece_deployment_manager");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum EceRole {
    /// `ece_platform_admin`: everything. Must be the only role.
    PlatformAdmin,
    /// `ece_platform_viewer`: read access to the whole platform.
    PlatformViewer,
    /// `ece_deployment_manager`: manages deployments. Not with `ece_deployment_viewer`.
    DeploymentManager,
    /// `ece_deployment_viewer`: reads deployments. Not with `ece_deployment_manager`.
    DeploymentViewer,
    /// Any other role name, as the server spells it.
    Other(String),
}

impl EceRole {
    /// The role as ECE spells it.
    pub fn as_str(&self) -> &str {
        match self {
            EceRole::PlatformAdmin => "ece_platform_admin",
            EceRole::PlatformViewer => "ece_platform_viewer",
            EceRole::DeploymentManager => "ece_deployment_manager",
            EceRole::DeploymentViewer => "ece_deployment_viewer",
            EceRole::Other(name) => name,
        }
    }
}

impl From<&str> for EceRole {
    fn from(name: &str) -> Self {
        match name {
            "ece_platform_admin" => EceRole::PlatformAdmin,
            "ece_platform_viewer" => EceRole::PlatformViewer,
            "ece_deployment_manager" => EceRole::DeploymentManager,
            "ece_deployment_viewer" => EceRole::DeploymentViewer,
            other => EceRole::Other(other.to_owned()),
        }
    }
}

impl From<String> for EceRole {
    fn from(name: String) -> Self {
        match EceRole::from(name.as_str()) {
            EceRole::Other(_) => EceRole::Other(name),
            known => known,
        }
    }
}

impl fmt::Display for EceRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EceRole {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EceRole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(EceRole::from)
    }
}

/// The kind of security realm a user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RealmType {
    /// `native`: users managed by ECE itself (the only ones this API can create).
    Native,
    /// `ldap`.
    Ldap,
    /// `saml`.
    Saml,
    /// `active_directory`.
    ActiveDirectory,
    /// Any other realm type, as the server spells it.
    Other(String),
}

impl RealmType {
    /// The type as ECE spells it.
    pub fn as_str(&self) -> &str {
        match self {
            RealmType::Native => "native",
            RealmType::Ldap => "ldap",
            RealmType::Saml => "saml",
            RealmType::ActiveDirectory => "active_directory",
            RealmType::Other(name) => name,
        }
    }
}

impl From<&str> for RealmType {
    fn from(name: &str) -> Self {
        match name {
            "native" => RealmType::Native,
            "ldap" => RealmType::Ldap,
            "saml" => RealmType::Saml,
            "active_directory" => RealmType::ActiveDirectory,
            other => RealmType::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for RealmType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RealmType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RealmType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|name| RealmType::from(name.as_str()))
    }
}

/// A user as ECE returns it (`User`).
///
/// Fields the server adds later are kept in [`EceUser::other`]. Serializing an `EceUser`
/// never writes a password.
///
/// The read-only parts (`metadata`, `builtin`; in `security`: `permissions`,
/// `elevated_permissions`, `security_realm`; every field of `metadata` and of
/// `elevated_permissions` but `enabled`) never fail a read: a value that does not fit
/// is left `None` (or empty) and kept, as sent, in the `other` map of the object it was
/// in. `user_name` and the writable fields are decoded strictly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[non_exhaustive]
pub struct EceUser {
    /// The user's identifier, also its login name.
    pub user_name: String,
    /// Roles, permissions, password and status.
    #[serde(default)]
    pub security: UserSecurity,
    /// Who created and changed the user, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<UserMetadata>,
    /// The optional full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// The optional email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the user is a built-in, read-only user (such as `admin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builtin: Option<bool>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A user's security information (`UserSecurity`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[non_exhaustive]
pub struct UserSecurity {
    /// The roles assigned to the user.
    #[serde(default)]
    pub roles: Vec<EceRole>,
    /// Read-only: the permissions the roles grant (operation ids of the ECE API).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub permissions: Vec<String>,
    /// The user's elevated-permissions status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elevated_permissions: Option<ElevatedPermissions>,
    /// The password, should a server ever send one back (the reference says it is only
    /// used when modifying a user). Never serialized.
    #[serde(default, skip_serializing)]
    pub password: Option<Secret>,
    /// Whether the user is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The realm the user belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_realm: Option<SecurityRealm>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A user's elevated-permissions status (`ElevatedPermissions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[non_exhaustive]
pub struct ElevatedPermissions {
    /// Whether the user currently has elevated permissions.
    pub enabled: bool,
    /// When the elevated permissions expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The security realm a user belongs to (`UserSecurityRealm`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SecurityRealm {
    /// The kind of realm.
    #[serde(rename = "type")]
    pub realm_type: RealmType,
    /// The realm's identifier.
    pub id: String,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Who created and changed a user, and when (`UserMetadata`). Set by the server only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[non_exhaustive]
pub struct UserMetadata {
    /// The id of the user that created this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// When the user was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// The id of the user that last changed this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// When the user last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// When the user first logged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_login_at: Option<DateTime<Utc>>,
    /// When the user last logged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_at: Option<DateTime<Utc>>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

lenient_model!(EceUser {
    "metadata" => fits::<Option<UserMetadata>>,
    "builtin" => fits::<Option<bool>>,
});

lenient_model!(UserSecurity {
    "permissions" => fits::<Option<Vec<String>>>,
    "elevated_permissions" => fits::<Option<ElevatedPermissions>>,
    "security_realm" => fits::<Option<SecurityRealm>>,
});

lenient_model!(ElevatedPermissions {
    "expires_at" => fits::<Option<DateTime<Utc>>>,
});

lenient_model!(UserMetadata {
    "created_by" => fits::<Option<String>>,
    "created_at" => fits::<Option<DateTime<Utc>>>,
    "updated_by" => fits::<Option<String>>,
    "updated_at" => fits::<Option<DateTime<Utc>>>,
    "first_login_at" => fits::<Option<DateTime<Utc>>>,
    "last_login_at" => fits::<Option<DateTime<Utc>>>,
});

/// Answer of `GET /users` (`UserList`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserList {
    /// The users.
    pub users: Vec<EceUser>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Body of `POST /users`: the writable part of a `User`. Server-managed fields
/// (`metadata`, `builtin`, `permissions`, `elevated_permissions`, `security_realm`) are
/// not sendable: the server answers `user.restricted_field` for them.
///
/// ```
/// use user_provisioner::providers::ece::{CreateUser, EceRole};
///
/// let mut request = CreateUser::new("jdoe", vec![EceRole::DeploymentViewer]);
/// request.email = Some("jdoe@example.com".into());
/// request.security.password = Some("Str0ngP@ssw0rd!".into());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateUser {
    /// The user name: not empty, and only ASCII letters, digits, `.`, `_`, `-` and `@`
    /// (see the [module docs](super#user-names)).
    pub user_name: String,
    /// Roles, password and status.
    pub security: NewUserSecurity,
    /// The optional full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// The optional email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl CreateUser {
    /// A request for `user_name` with these roles; password, status and names unset.
    pub fn new(user_name: impl Into<String>, roles: Vec<EceRole>) -> Self {
        Self {
            user_name: user_name.into(),
            security: NewUserSecurity {
                roles,
                password: None,
                enabled: None,
            },
            full_name: None,
            email: None,
        }
    }
}

/// The `security` object of a create.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewUserSecurity {
    /// The roles to grant (always sent, possibly empty).
    #[serde(default)]
    pub roles: Vec<EceRole>,
    /// The password. The reference does not say whether a create requires one
    /// (UNCONFIRMED); without one, the user cannot log in with a password.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "Secret::serialize_exposed_opt"
    )]
    pub password: Option<Secret>,
    /// Whether the user starts enabled; unset leaves the server's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Body of `PATCH /users/{user_name}`: a JSON Merge Patch (RFC 7396).
///
/// Each field is [`Patch::Keep`] (left out: the server keeps the value),
/// [`Patch::Set`] (sent) or [`Patch::Clear`] (sent as `null`: the server reverts the
/// field to its default or removes it). The user name cannot be changed.
///
/// ```
/// use user_provisioner::providers::ece::{EceRole, UpdateUser};
/// use user_provisioner::Patch;
///
/// let mut change = UpdateUser::new();
/// change.email = Patch::Clear;
/// change.security.roles = Patch::Set(vec![EceRole::PlatformViewer]);
/// assert_eq!(
///     serde_json::to_string(&change).unwrap(),
///     r#"{"email":null,"security":{"roles":["ece_platform_viewer"]}}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateUser {
    /// New full name, or clear it.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub full_name: Patch<String>,
    /// New email address, or clear it.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub email: Patch<String>,
    /// Changes to roles, password and status; left out when it changes nothing.
    #[serde(default, skip_serializing_if = "SecurityPatch::is_empty")]
    pub security: SecurityPatch,
}

impl UpdateUser {
    /// A patch that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the patch changes nothing (it would be sent as `{}`).
    pub fn is_empty(&self) -> bool {
        self.full_name.is_keep() && self.email.is_keep() && self.security.is_empty()
    }
}

/// The `security` part of an [`UpdateUser`] merge patch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SecurityPatch {
    /// Replaces the roles (checked against the role rules), or clears them.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub roles: Patch<Vec<EceRole>>,
    /// A new password. A password cannot be cleared, only replaced.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "Secret::serialize_exposed_opt"
    )]
    pub password: Option<Secret>,
    /// Enables or disables the user, or reverts to the default.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub enabled: Patch<bool>,
}

impl SecurityPatch {
    /// Whether nothing in `security` changes.
    pub fn is_empty(&self) -> bool {
        self.roles.is_keep() && self.password.is_none() && self.enabled.is_keep()
    }
}

fn null_as_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_decode_every_documented_field_and_keep_unknown_ones() {
        let user: EceUser = serde_json::from_str(
            r#"{"user_name":"jdoe","full_name":"Jane Doe","email":"j@example.com",
                "builtin":false,"future":1,
                "security":{"roles":["ece_platform_viewer","custom_role"],
                    "permissions":["get-users"],"enabled":true,"password":"leaked",
                    "elevated_permissions":{"enabled":true,"expires_at":"2025-05-04T09:42:00Z"},
                    "security_realm":{"type":"saml","id":"saml1"}},
                "metadata":{"created_by":"admin","created_at":"2025-05-04T09:42:00Z",
                    "last_login_at":"2025-05-05T10:00:00.123Z"}}"#,
        )
        .unwrap();
        assert_eq!(
            user.security.roles,
            vec![
                EceRole::PlatformViewer,
                EceRole::Other("custom_role".into())
            ]
        );
        assert_eq!(
            user.security.security_realm.as_ref().unwrap().realm_type,
            RealmType::Saml
        );
        let metadata = user.metadata.as_ref().unwrap();
        assert_eq!(
            metadata.created_at.unwrap().to_rfc3339(),
            "2025-05-04T09:42:00+00:00"
        );
        assert!(metadata.last_login_at.is_some());
        assert!(user.other.contains_key("future"));
        assert!(!format!("{user:?}").contains("leaked"));
        let back = serde_json::to_string(&user).unwrap();
        assert!(
            !back.contains("leaked") && !back.contains("password"),
            "{back}"
        );
    }

    #[test]
    fn merge_patch_keeps_sets_and_clears() {
        let mut change = UpdateUser::new();
        assert_eq!(serde_json::to_string(&change).unwrap(), "{}");
        change.full_name = Patch::Set("Jane".into());
        change.email = Patch::Clear;
        change.security.enabled = Patch::Set(false);
        change.security.roles = Patch::Clear;
        change.security.password = Some("N3w-passw0rd".into());
        assert_eq!(
            serde_json::to_value(&change).unwrap(),
            serde_json::json!({"full_name":"Jane","email":null,
                "security":{"roles":null,"password":"N3w-passw0rd","enabled":false}})
        );
        assert!(!format!("{change:?}").contains("N3w-passw0rd"));
    }
}
