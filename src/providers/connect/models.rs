//! Connect request and response models, with the API's JSON names.
//!
//! The create models ([`CreateUser`], [`ConnectUser`]) follow the vendor's `POST /users`
//! reference. [`UpdateUser`], [`UserList`] and [`Pagination`] are modelled on the same
//! API's customers resource (`PATCH /customers/{id}`, offset paging): the users
//! endpoints are UNCONFIRMED, so every response model is lenient (unknown fields kept,
//! `null` accepted where a value may be missing).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::idempotency::IdempotencyKey;
use crate::lenient::{fits, lenient_model};
use crate::update::Patch;

/// Body of `POST /users`.
///
/// ```
/// use user_provisioner::providers::connect::CreateUser;
///
/// let mut request = CreateUser::new("John Doe");
/// request.email = Some("john.doe@example.com".into());
/// request.msisdn = Some("+15551234567".into());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateUser {
    /// Name of the user (required).
    pub name: String,
    /// Email of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Mobile phone number in E.164 form, such as `+15551234567`; checked before sending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msisdn: Option<String>,
    /// Personal number, organisation number or similar, depending on the country and
    /// customer type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Key/value pairs stored with the user (a JSON object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

impl CreateUser {
    /// A request with the one required field.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            email: None,
            msisdn: None,
            identity: None,
            metadata: None,
        }
    }
}

/// A user as Connect returns it (`POST /users`, and as modelled `GET /users/{id}`,
/// `PATCH` and list items).
///
/// The read-only fields (`customerIds`, `customers`, `createdAt`, `updatedAt`) never
/// fail a read: a value that does not fit is left `None` (or empty) and kept, as sent,
/// in [`other`](Self::other).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[non_exhaustive]
pub struct ConnectUser {
    /// Unique identifier of the user.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// Name of the user.
    pub name: String,
    /// Email of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Mobile phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msisdn: Option<String>,
    /// Personal or organisation number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Ids of the customers the user is associated with.
    #[serde(
        rename = "customerIds",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub customer_ids: Vec<String>,
    /// The customers the user is associated with.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub customers: Vec<CustomerRef>,
    /// When the user was created (RFC 3339).
    #[serde(rename = "createdAt", default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// When the user last changed (RFC 3339).
    #[serde(rename = "updatedAt", default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Key/value pairs stored with the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One entry of [`ConnectUser::customers`]. Every field is informational: a value that
/// does not fit is left `None` and kept in [`other`](Self::other).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[non_exhaustive]
pub struct CustomerRef {
    /// The customer's id (the vendor's schema requires no field of this object).
    #[serde(
        rename = "customerId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub customer_id: Option<String>,
    /// The customer's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

lenient_model!(ConnectUser {
    "customerIds" => fits::<Option<Vec<String>>>,
    "customers" => fits::<Option<Vec<CustomerRef>>>,
    "createdAt" => fits::<Option<DateTime<Utc>>>,
    "updatedAt" => fits::<Option<DateTime<Utc>>>,
});

lenient_model!(CustomerRef {
    "customerId" => fits::<Option<String>>,
    "name" => fits::<Option<String>>,
});

/// What [`ConnectClient::create`](super::ConnectClient::create) returns: the user and
/// the idempotency key the create was sent with, so the caller can log it and, after a
/// crash, send the same create again under the same key.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreatedUser {
    /// The user as the server returned it.
    pub user: ConnectUser,
    /// The `X-Idempotency-Key` sent on every attempt of this create.
    pub idempotency_key: IdempotencyKey,
}

/// Body of `PATCH /users/{userId}`, a merge patch: [`Patch::Keep`] leaves a field out,
/// [`Patch::Set`] sends it, [`Patch::Clear`] sends `null`.
///
/// Modelled on `PATCH /customers/{id}`; UNCONFIRMED for users, and so is whether
/// `metadata` is merged or replaced.
///
/// ```
/// use user_provisioner::Patch;
/// use user_provisioner::providers::connect::UpdateUser;
///
/// let mut change = UpdateUser::new();
/// change.msisdn = Patch::Set("+46701234567".into());
/// change.identity = Patch::Clear;
/// assert!(!change.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateUser {
    /// A new name (the name cannot be cleared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new email, or `null`.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub email: Patch<String>,
    /// A new E.164 number, or `null`.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub msisdn: Patch<String>,
    /// A new identity, or `null`.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub identity: Patch<String>,
    /// New metadata, or `null`.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub metadata: Patch<Map<String, Value>>,
}

impl UpdateUser {
    /// A change that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether nothing would be sent.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.email.is_keep()
            && self.msisdn.is_keep()
            && self.identity.is_keep()
            && self.metadata.is_keep()
    }
}

/// Query of `GET /users`: offset paging as on the customers resource (UNCONFIRMED for
/// users). Unset values are not sent, so the server's defaults apply.
///
/// ```
/// use user_provisioner::providers::connect::ListUsersQuery;
///
/// let query = ListUsersQuery::new().with_limit(50).with_offset(100);
/// assert_eq!(query.offset, Some(100));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListUsersQuery {
    /// The most users to return (`limit`).
    pub limit: Option<u32>,
    /// How many users to skip (`offset`).
    pub offset: Option<u64>,
}

impl ListUsersQuery {
    /// The first page at the server's default size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `limit`.
    pub fn with_limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets `offset`.
    pub fn with_offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }
}

/// Answer of `GET /users`: `{"items": [...], "pagination": {"total", "limit", "offset"}}`
/// as on the customers resource. A bare JSON array is accepted too and read as `items`
/// without pagination (UNCONFIRMED which form the users endpoint uses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[non_exhaustive]
pub struct UserList {
    /// The users on this page.
    pub items: Vec<ConnectUser>,
    /// Where this page sits in the whole list (informational: a `pagination` that is
    /// not an object is kept in [`other`](Self::other) and this is empty).
    #[serde(default, deserialize_with = "null_as_default")]
    pub pagination: Pagination,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `pagination` of a [`UserList`]. Each value is optional so that a server leaving one
/// out still decodes, and informational: a value that does not fit (a negative or
/// fractional number, text) is left `None` and kept in [`other`](Self::other).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[non_exhaustive]
pub struct Pagination {
    /// Users in the whole list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// The page size the server used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// The offset of this page's first user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

lenient_model!(UserList {
    "pagination" => fits::<Option<Pagination>>,
});

lenient_model!(Pagination {
    "total" => fits::<Option<u64>>,
    "limit" => fits::<Option<u64>>,
    "offset" => fits::<Option<u64>>,
});

/// Reads `null` as the type's default (an empty list).
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_omits_unset_fields() {
        let request = CreateUser::new("John Doe");
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"name":"John Doe"}"#
        );
    }

    #[test]
    fn users_decode_nulls_timestamps_and_unknown_fields() {
        let user: ConnectUser = serde_json::from_str(
            r#"{"userId":"u1","name":"John","customerIds":null,"customers":[{"customerId":"c1"}],
                "createdAt":"2023-11-07T05:31:56Z","updatedAt":"2023-11-07T06:31:56.123+01:00",
                "email":null,"future":true}"#,
        )
        .unwrap();
        assert!(user.customer_ids.is_empty());
        assert_eq!(user.customers[0].customer_id.as_deref(), Some("c1"));
        assert_eq!(
            user.created_at.unwrap().to_rfc3339(),
            "2023-11-07T05:31:56+00:00"
        );
        assert_eq!(
            user.updated_at.unwrap().to_rfc3339(),
            "2023-11-07T05:31:56.123+00:00"
        );
        assert_eq!(user.email, None);
        assert_eq!(user.other.get("future"), Some(&Value::Bool(true)));
    }

    #[test]
    fn update_is_a_merge_patch() {
        let mut change = UpdateUser::new();
        assert!(change.is_empty());
        change.email = Patch::Set("a@b.co".into());
        change.identity = Patch::Clear;
        assert_eq!(
            serde_json::to_string(&change).unwrap(),
            r#"{"email":"a@b.co","identity":null}"#
        );
    }
}
