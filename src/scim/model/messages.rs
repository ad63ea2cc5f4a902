//! The SCIM protocol messages (RFC 7644 §3): list answers, PatchOp requests and errors,
//! as the bridge writes them and the SCIM client reads and sends them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::scim::schema::{ERROR, LIST_RESPONSE, PATCH_OP};

/// The `scimType` of a 400 or 409 SCIM error (RFC 7644 §3.12, table 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScimType {
    /// The filter is malformed or uses what the service provider does not support.
    InvalidFilter,
    /// The request names more results than the service provider returns.
    TooMany,
    /// A value is taken: `userName` belongs to another user.
    Uniqueness,
    /// The request would change an attribute that cannot change (`id`, `meta`).
    Mutability,
    /// The body is not a SCIM message the service provider can read.
    InvalidSyntax,
    /// A PATCH path is malformed or names no attribute the service provider knows.
    InvalidPath,
    /// A PATCH path with a value filter matched nothing to remove or replace.
    NoTarget,
    /// A value is missing, of the wrong type, or refused.
    InvalidValue,
    /// The `schemas` of the message are missing or not supported.
    InvalidVers,
    /// The request asks for something the service provider never returns.
    Sensitive,
}

impl ScimType {
    const ALL: [ScimType; 10] = [
        ScimType::InvalidFilter,
        ScimType::TooMany,
        ScimType::Uniqueness,
        ScimType::Mutability,
        ScimType::InvalidSyntax,
        ScimType::InvalidPath,
        ScimType::NoTarget,
        ScimType::InvalidValue,
        ScimType::InvalidVers,
        ScimType::Sensitive,
    ];

    /// The keyword as SCIM spells it (`invalidFilter`).
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }

    /// The type named by `keyword`, in any case (`uniqueness`, `Uniqueness`); `None` for
    /// a keyword RFC 7644 does not define.
    pub fn parse(keyword: &str) -> Option<ScimType> {
        Self::ALL
            .into_iter()
            .find(|known| known.as_str().eq_ignore_ascii_case(keyword))
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SCIM error message (`urn:ietf:params:scim:api:messages:2.0:Error`, RFC 7644 §3.12)
/// as it travels: the status (a string in the RFC, read from a number too), the
/// `scimType` keyword as sent (see [`scim_type`](Self::scim_type)) and the detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorMessage {
    /// The message's schema URNs (`urn:ietf:params:scim:api:messages:2.0:Error`).
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The HTTP status, as the text SCIM sends (`"409"`).
    #[serde(default, deserialize_with = "status_text")]
    pub status: Option<String>,
    /// The `scimType` keyword as sent, when the server gave one.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub scim_type: Option<String>,
    /// The human-readable detail.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub detail: Option<String>,
}

impl ErrorMessage {
    /// An error message with this status, type and detail.
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        Self {
            schemas: vec![ERROR.to_owned()],
            status: Some(status.to_string()),
            scim_type: scim_type.map(|kind| kind.as_str().to_owned()),
            detail: Some(detail.into()),
        }
    }

    /// The `scimType` when it is one RFC 7644 defines.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.scim_type.as_deref().and_then(ScimType::parse)
    }

    /// The status as a number, when the message carries a valid one.
    pub fn status_code(&self) -> Option<u16> {
        self.status
            .as_deref()
            .and_then(|text| text.trim().parse().ok())
    }
}

/// `"409"` or `409`: servers send both, though RFC 7644 says string.
fn status_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => Some(text),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    })
}

/// A list answer (`urn:ietf:params:scim:api:messages:2.0:ListResponse`, RFC 7644
/// §3.4.2): one page of resources with the paging figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListResponse<T> {
    /// The message's schema URNs.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// How many resources match the query in all pages.
    #[serde(default, deserialize_with = "super::lenient::count")]
    pub total_results: Option<u64>,
    /// The 1-based index of the first resource of this page.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::count"
    )]
    pub start_index: Option<u64>,
    /// How many resources this page holds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::count"
    )]
    pub items_per_page: Option<u64>,
    /// The resources of this page (`Resources`; `resources` is read too).
    #[serde(rename = "Resources", alias = "resources", default = "Vec::new")]
    pub resources: Vec<T>,
}

impl<T> ListResponse<T> {
    /// One page: `resources` starting at the 1-based `start_index` of `total` results.
    pub fn new(resources: Vec<T>, total: u64, start_index: u64) -> Self {
        Self {
            schemas: vec![LIST_RESPONSE.to_owned()],
            total_results: Some(total),
            start_index: Some(start_index),
            items_per_page: Some(resources.len() as u64),
            resources,
        }
    }
}

/// What a PATCH operation does (RFC 7644 §3.5.2). Read in any case (Entra ID sends
/// `Replace`), written in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOpKind {
    /// `add`: sets a value, or adds to a multi-valued attribute.
    Add,
    /// `remove`: clears the value at `path`.
    Remove,
    /// `replace`: replaces the value at `path`.
    Replace,
}

impl PatchOpKind {
    /// The keyword as written (`add`, `remove`, `replace`).
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOpKind::Add => "add",
            PatchOpKind::Remove => "remove",
            PatchOpKind::Replace => "replace",
        }
    }

    /// The kind named by `keyword` in any case; `None` for anything else.
    pub fn parse(keyword: &str) -> Option<PatchOpKind> {
        [PatchOpKind::Add, PatchOpKind::Remove, PatchOpKind::Replace]
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(keyword))
    }
}

impl Serialize for PatchOpKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PatchOpKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let keyword = String::deserialize(deserializer)?;
        PatchOpKind::parse(&keyword).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{keyword:?} is not a PATCH op (add, remove, replace)"
            ))
        })
    }
}

/// One operation of a [`PatchOp`]. `Debug` hides the value of an operation on
/// `password`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PatchOperation {
    /// What the operation does.
    pub op: PatchOpKind,
    /// The attribute path (`name.givenName`, `emails[type eq "work"].value`); absent
    /// when `value` is an object of attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The value; absent for `remove`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

impl PatchOperation {
    /// `add` of `value` at `path`.
    pub fn add(path: impl Into<String>, value: impl Into<Value>) -> Self {
        Self {
            op: PatchOpKind::Add,
            path: Some(path.into()),
            value: Some(value.into()),
        }
    }

    /// `replace` of the value at `path` with `value`.
    pub fn replace(path: impl Into<String>, value: impl Into<Value>) -> Self {
        Self {
            op: PatchOpKind::Replace,
            path: Some(path.into()),
            value: Some(value.into()),
        }
    }

    /// `remove` of the value at `path`.
    pub fn remove(path: impl Into<String>) -> Self {
        Self {
            op: PatchOpKind::Remove,
            path: Some(path.into()),
            value: None,
        }
    }

    /// Whether the operation may carry a password: its path is `password`, or it has no
    /// path and its value is an object (which may hold one).
    fn may_carry_password(&self) -> bool {
        match &self.path {
            Some(path) => path
                .rsplit([':', '.'])
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case("password")),
            None => self.value.as_ref().is_some_and(Value::is_object),
        }
    }
}

impl fmt::Debug for PatchOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("PatchOperation");
        debug.field("op", &self.op).field("path", &self.path);
        match &self.value {
            Some(_) if self.may_carry_password() => debug.field("value", &"<redacted>"),
            value => debug.field("value", value),
        };
        debug.finish()
    }
}

/// A PATCH request (`urn:ietf:params:scim:api:messages:2.0:PatchOp`, RFC 7644 §3.5.2):
/// operations applied in order, all or none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PatchOp {
    /// The message's schema URNs.
    pub schemas: Vec<String>,
    /// The operations, in order.
    #[serde(rename = "Operations")]
    pub operations: Vec<PatchOperation>,
}

impl PatchOp {
    /// A PatchOp message of `operations`.
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        Self {
            schemas: vec![PATCH_OP.to_owned()],
            operations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_error_message_reads_a_string_or_a_numeric_status() {
        let text: ErrorMessage = serde_json::from_value(json!({
            "schemas": [ERROR], "status": "409", "scimType": "uniqueness", "detail": "taken"
        }))
        .unwrap();
        assert_eq!(text.status_code(), Some(409));
        assert_eq!(text.scim_type(), Some(ScimType::Uniqueness));
        let number: ErrorMessage =
            serde_json::from_value(json!({"status": 412, "scimType": 7, "detail": ["x"]})).unwrap();
        assert_eq!(number.status_code(), Some(412));
        assert_eq!(number.scim_type, None);
        assert_eq!(number.detail, None);
    }

    #[test]
    fn an_error_message_is_written_as_the_rfc_spells_it() {
        let message = ErrorMessage::new(409, Some(ScimType::Uniqueness), "taken");
        assert_eq!(
            serde_json::to_value(&message).unwrap(),
            json!({"schemas": [ERROR], "status": "409", "scimType": "uniqueness", "detail": "taken"})
        );
    }

    #[test]
    fn scim_types_parse_in_any_case() {
        assert_eq!(
            ScimType::parse("InvalidFilter"),
            Some(ScimType::InvalidFilter)
        );
        assert_eq!(ScimType::parse("nope"), None);
    }

    #[test]
    fn a_list_response_reads_counts_leniently() {
        let list: ListResponse<Value> = serde_json::from_value(json!({
            "totalResults": "3", "startIndex": 1, "itemsPerPage": null, "resources": [{}]
        }))
        .unwrap();
        assert_eq!(list.total_results, Some(3));
        assert_eq!(list.items_per_page, None);
        assert_eq!(list.resources.len(), 1);
    }

    #[test]
    fn patch_ops_read_in_any_case_and_write_in_lower_case() {
        let op: PatchOperation =
            serde_json::from_value(json!({"op": "Replace", "path": "active", "value": false}))
                .unwrap();
        assert_eq!(op.op, PatchOpKind::Replace);
        let message = PatchOp::new(vec![op, PatchOperation::remove("title")]);
        assert_eq!(
            serde_json::to_value(&message).unwrap(),
            json!({"schemas": [PATCH_OP], "Operations": [
                {"op": "replace", "path": "active", "value": false},
                {"op": "remove", "path": "title"}
            ]})
        );
    }

    #[test]
    fn the_debug_of_a_password_operation_hides_the_value() {
        for op in [
            PatchOperation::replace("password", "Sup3rS3cret!"),
            PatchOperation {
                op: PatchOpKind::Replace,
                path: None,
                value: Some(json!({"password": "Sup3rS3cret!"})),
            },
        ] {
            let shown = format!("{op:?}");
            assert!(!shown.contains("Sup3rS3cret!"), "{shown}");
        }
        assert!(format!("{:?}", PatchOperation::replace("title", "Boss")).contains("Boss"));
    }
}
