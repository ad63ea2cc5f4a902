//! jambonz request and response models, with the server's JSON names.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::lenient::{fits, lenient_model};
use crate::secret::Secret;
use crate::update::Patch;

/// Body of `POST /v1/Users`. Every field the server documents, and nothing else: the
/// server inserts the body as table columns, so an unknown field is a 500.
///
/// ```
/// use user_provisioner::providers::jambonz::CreateUser;
///
/// let mut request = CreateUser::new("jdoe", "jdoe@example.com", "Str0ngP@ss!");
/// request.force_change = false;
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateUser {
    /// User name (unique).
    pub name: String,
    /// Email address (unique).
    pub email: String,
    /// Whether the account is active (default `true`).
    pub is_active: bool,
    /// Whether the user must change the password at first login (default `true`).
    pub force_change: bool,
    /// The initial password. Required: the server crashes on a create without one.
    #[serde(serialize_with = "Secret::serialize_exposed")]
    pub initial_password: Secret,
    /// Whether the user may only view, not change (default `false`).
    pub is_view_only: bool,
    /// The account the user belongs to; unset creates a service-provider-level user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_sid: Option<Uuid>,
    /// The service provider the user belongs to; unset with no account makes an admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_provider_sid: Option<Uuid>,
}

impl CreateUser {
    /// A request with the three required values; the flags take their defaults
    /// (active, must change password, not view-only).
    pub fn new(
        name: impl Into<String>,
        email: impl Into<String>,
        initial_password: impl Into<Secret>,
    ) -> Self {
        Self {
            name: name.into(),
            email: email.into(),
            is_active: true,
            force_change: true,
            initial_password: initial_password.into(),
            is_view_only: false,
            account_sid: None,
            service_provider_sid: None,
        }
    }
}

/// Answer of `POST /v1/Users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatedUser {
    /// The new user's sid.
    pub user_sid: Uuid,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A user row from `GET /v1/Users/{user_sid}`.
///
/// Flags come back as `0`/`1` from some columns and as booleans from others; both
/// decode. Fields the server adds later are kept in [`JambonzUser::other`], and so is a
/// read-only field (`pending_email`, `phone`, `scope`, `email_validated`,
/// `phone_validated`, `provider`) whose value does not fit its type: that field is then
/// `None` and the read still succeeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[non_exhaustive]
pub struct JambonzUser {
    /// The user's sid.
    pub user_sid: Uuid,
    /// User name.
    pub name: String,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// An email change waiting for confirmation.
    #[serde(default)]
    pub pending_email: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// The account the user belongs to.
    #[serde(default)]
    pub account_sid: Option<Uuid>,
    /// The service provider the user belongs to.
    #[serde(default)]
    pub service_provider_sid: Option<Uuid>,
    /// Whether the user must change the password at next login.
    #[serde(default, deserialize_with = "flag")]
    pub force_change: Option<bool>,
    /// The stored `scope` column (`read-write` on v0.9.6), not the computed level the
    /// list reports.
    #[serde(default)]
    pub scope: Option<String>,
    /// Whether the email address is confirmed.
    #[serde(default, deserialize_with = "flag")]
    pub email_validated: Option<bool>,
    /// Whether the phone number is confirmed.
    #[serde(default, deserialize_with = "flag")]
    pub phone_validated: Option<bool>,
    /// Whether the account is active.
    #[serde(default, deserialize_with = "flag")]
    pub is_active: Option<bool>,
    /// Whether the user may only view.
    #[serde(default, deserialize_with = "flag")]
    pub is_view_only: Option<bool>,
    /// How the user signs in (`local`, or an OAuth2 provider).
    #[serde(default)]
    pub provider: Option<String>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One entry of `GET /v1/Users`. A read-only field (`scope`, `account_name`,
/// `service_provider_name`) whose value does not fit is `None`, its value kept in
/// [`other`](Self::other).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[non_exhaustive]
pub struct UserSummary {
    /// The user's sid.
    pub user_sid: Uuid,
    /// User name.
    pub name: String,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// The level the server computes: `account` when both `account_sid` and
    /// `service_provider_sid` are set, `service_provider` with only the latter, else
    /// `admin` (so a user created with only an `account_sid` is listed as `admin`).
    #[serde(default)]
    pub scope: Option<String>,
    /// Whether the user must change the password at next login.
    #[serde(default, deserialize_with = "flag")]
    pub force_change: Option<bool>,
    /// Whether the account is active.
    #[serde(default, deserialize_with = "flag")]
    pub is_active: Option<bool>,
    /// The account the user belongs to.
    #[serde(default)]
    pub account_sid: Option<Uuid>,
    /// The account's name.
    #[serde(default)]
    pub account_name: Option<String>,
    /// The service provider the user belongs to.
    #[serde(default)]
    pub service_provider_sid: Option<Uuid>,
    /// The service provider's name.
    #[serde(default)]
    pub service_provider_name: Option<String>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Body of `PUT /v1/Users/{user_sid}`.
///
/// `is_view_only` is always sent because the server removes the view-only permission
/// when it is missing; with it present the server applies every field named, so even
/// `UpdateUser::new(true)` alone is a change (it sets view-only). [`JambonzClient::update`](super::JambonzClient::update)
/// refuses, before sending, what the server would refuse: see the module docs.
///
/// ```
/// use user_provisioner::providers::jambonz::UpdateUser;
///
/// let mut change = UpdateUser::new(false);
/// change.email = Some("new@example.com".into());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateUser {
    /// New user name (not together with a password change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The current password, required with `new_password`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "Secret::serialize_exposed_opt"
    )]
    pub old_password: Option<Secret>,
    /// A new password, required with `old_password`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "Secret::serialize_exposed_opt"
    )]
    pub new_password: Option<Secret>,
    /// Replaces the password without the old one (administrators).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "Secret::serialize_exposed_opt"
    )]
    pub initial_password: Option<Secret>,
    /// Activates (`true`) or deactivates (`false`) the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// Requires (`true`) or no longer requires (`false`) a password change at next login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_change: Option<bool>,
    /// Whether the user may only view. Always sent.
    pub is_view_only: bool,
    /// Moves the user to another account of the same service provider. `Clear` is
    /// refused before sending: the server never promotes a user.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub account_sid: Patch<Uuid>,
    /// Moves the user to another service provider. `Clear` is refused before sending.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub service_provider_sid: Patch<Uuid>,
}

impl UpdateUser {
    /// A change that keeps (or sets) `is_view_only` and changes nothing else yet.
    pub fn new(is_view_only: bool) -> Self {
        Self {
            is_view_only,
            ..Self::default()
        }
    }
}

// Read-only: the server sets these; a value that does not fit is kept in `other`.
lenient_model!(JambonzUser {
    "pending_email" => fits::<Option<String>>,
    "phone" => fits::<Option<String>>,
    "scope" => fits::<Option<String>>,
    "email_validated" => fits_flag,
    "phone_validated" => fits_flag,
    "provider" => fits::<Option<String>>,
});

lenient_model!(UserSummary {
    "scope" => fits::<Option<String>>,
    "account_name" => fits::<Option<String>>,
    "service_provider_name" => fits::<Option<String>>,
});

fn fits_flag(value: &Value) -> bool {
    flag(value).is_ok()
}

/// A flag sent as a boolean, as `0`/`1`, as `"0"`/`"1"`, or as `null`.
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    use serde::de::Error;
    match Option::<Value>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(0) => Ok(Some(false)),
            Some(1) => Ok(Some(true)),
            _ => Err(D::Error::custom(format!("expected 0 or 1, got {n}"))),
        },
        Some(Value::String(s)) => match s.as_str() {
            "0" | "false" => Ok(Some(false)),
            "1" | "true" => Ok(Some(true)),
            _ => Err(D::Error::custom(format!("expected a flag, got {s:?}"))),
        },
        Some(other) => Err(D::Error::custom(format!("expected a flag, got {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_rows_decode_integer_and_boolean_flags() {
        let row: JambonzUser = serde_json::from_str(
            r#"{"user_sid":"a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d","name":"jdoe",
                "is_active":1,"force_change":0,"email_validated":"1","is_view_only":true,
                "phone":null,"future_field":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(row.is_active, Some(true));
        assert_eq!(row.force_change, Some(false));
        assert_eq!(row.email_validated, Some(true));
        assert_eq!(row.is_view_only, Some(true));
        assert_eq!(row.phone, None);
        assert!(row.other.contains_key("future_field"));
    }

    #[test]
    fn read_only_misfits_are_kept_not_refused() {
        let row: JambonzUser = serde_json::from_str(
            r#"{"user_sid":"a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d","name":"jdoe",
                "email_validated":2,"scope":["admin"],"provider":7,"is_active":1}"#,
        )
        .unwrap();
        assert_eq!(row.email_validated, None);
        assert_eq!(row.other["email_validated"], 2);
        assert_eq!(row.scope, None);
        assert_eq!(row.other["scope"], serde_json::json!(["admin"]));
        assert_eq!(row.is_active, Some(true));
    }

    #[test]
    fn a_flag_of_two_is_refused() {
        let err = serde_json::from_str::<JambonzUser>(
            r#"{"user_sid":"a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d","name":"x","is_active":2}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("0 or 1"), "{err}");
    }

    #[test]
    fn update_always_sends_is_view_only_and_clears_with_null() {
        let mut change = UpdateUser::new(true);
        change.account_sid = Patch::Clear;
        assert_eq!(
            serde_json::to_string(&change).unwrap(),
            r#"{"is_view_only":true,"account_sid":null}"#
        );
    }
}
