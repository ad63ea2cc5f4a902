//! Schema definitions (RFC 7643 §7): what `/Schemas` says a resource's attributes are.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::scim::schema::SCHEMA;

/// A schema definition (RFC 7643 §7), such as the core User schema a server serves at
/// `/Schemas/urn:ietf:params:scim:schemas:core:2.0:User`: which attributes exist, which
/// are required, which can be written. Read leniently; what this model does not know is
/// kept in [`other`](Self::other).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Schema {
    /// The message's schema URNs (`urn:ietf:params:scim:schemas:core:2.0:Schema`).
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The schema's URN.
    #[serde(default)]
    pub id: String,
    /// Its name (`User`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub name: Option<String>,
    /// Its description.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub description: Option<String>,
    /// Its attributes.
    #[serde(default, deserialize_with = "super::lenient::list")]
    pub attributes: Vec<SchemaAttribute>,
    /// Anything else the server sent (`meta`).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Schema {
    /// A schema of this URN, name and description, without attributes.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            schemas: vec![SCHEMA.to_owned()],
            id: id.into(),
            name: Some(name.into()),
            description: Some(description.into()),
            ..Self::default()
        }
    }

    /// The definition of the attribute at `path` (`emails`, `name.givenName`), compared
    /// without regard to case as RFC 7643 §2.1 asks.
    pub fn attribute(&self, path: &str) -> Option<&SchemaAttribute> {
        let mut names = path.split('.');
        let first = names.next()?;
        let mut found = self
            .attributes
            .iter()
            .find(|attribute| attribute.name.eq_ignore_ascii_case(first))?;
        for name in names {
            found = found
                .sub_attributes
                .iter()
                .flatten()
                .find(|attribute| attribute.name.eq_ignore_ascii_case(name))?;
        }
        Some(found)
    }
}

/// One attribute definition (RFC 7643 §7). The characteristics are `None` where the
/// server left them out (or sent something this model cannot read); RFC 7643 §2.2 gives
/// their defaults, which the accessors apply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SchemaAttribute {
    /// The attribute's name.
    #[serde(default)]
    pub name: String,
    /// Its data type.
    #[serde(
        rename = "type",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub kind: Option<AttributeType>,
    /// Whether it holds several values.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub multi_valued: Option<bool>,
    /// Its description.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub description: Option<String>,
    /// Whether a resource must have it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub required: Option<bool>,
    /// The values a client should use (`work`, `home`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "super::lenient::list"
    )]
    pub canonical_values: Vec<String>,
    /// Whether values compare with regard to case.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub case_exact: Option<bool>,
    /// Who may write it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub mutability: Option<Mutability>,
    /// When it is returned.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub returned: Option<Returned>,
    /// Where its values are unique.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub uniqueness: Option<Uniqueness>,
    /// The resource types a reference may point to.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "super::lenient::list"
    )]
    pub reference_types: Vec<String>,
    /// The sub-attributes of a complex attribute (present, maybe empty, for every
    /// complex attribute; absent for the others).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::some_list"
    )]
    pub sub_attributes: Option<Vec<SchemaAttribute>>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl SchemaAttribute {
    /// An attribute of this name and type.
    pub fn new(name: impl Into<String>, kind: AttributeType) -> Self {
        Self {
            name: name.into(),
            kind: Some(kind),
            ..Self::default()
        }
    }

    /// Whether a resource must have it (default `false`).
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(false)
    }

    /// Whether a client may set it: not `readOnly` (default `readWrite`).
    pub fn is_writable(&self) -> bool {
        self.mutability != Some(Mutability::ReadOnly)
    }
}

/// An attribute's data type (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum AttributeType {
    /// `string`.
    String,
    /// `boolean`.
    Boolean,
    /// `decimal`.
    Decimal,
    /// `integer`.
    Integer,
    /// `dateTime`.
    DateTime,
    /// `binary`.
    Binary,
    /// `reference`.
    Reference,
    /// `complex`.
    Complex,
}

/// Who may write an attribute (RFC 7643 §7 `mutability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Mutability {
    /// Set by the server only.
    ReadOnly,
    /// Read and written by clients.
    ReadWrite,
    /// Written once, on create.
    Immutable,
    /// Written, never returned (`password`).
    WriteOnly,
}

/// When an attribute is returned (RFC 7643 §7 `returned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Returned {
    /// Always.
    Always,
    /// Never.
    Never,
    /// Unless excluded.
    Default,
    /// Only when asked for.
    Request,
}

/// Where an attribute's values are unique (RFC 7643 §7 `uniqueness`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Uniqueness {
    /// Not unique.
    None,
    /// Unique on this server.
    Server,
    /// Unique everywhere.
    Global,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attributes_are_found_by_path_in_any_case_and_read_leniently() {
        let schema: Schema = serde_json::from_value(json!({
            "id": "urn:ietf:params:scim:schemas:core:2.0:User",
            "attributes": [
                {"name": "userName", "type": "string", "required": true, "uniqueness": "server"},
                {"name": "name", "type": "complex", "subAttributes": [
                    {"name": "givenName", "type": "string"}
                ]},
                {"name": "groups", "type": "complex", "mutability": "readOnly"},
                {"name": "odd", "type": "quaternion", "required": "maybe"},
                "not an attribute"
            ]
        }))
        .unwrap();
        assert!(schema.attribute("USERNAME").unwrap().is_required());
        assert!(schema.attribute("name.GivenName").is_some());
        assert!(!schema.attribute("groups").unwrap().is_writable());
        let odd = schema.attribute("odd").unwrap();
        assert_eq!((odd.kind, odd.required), (None, None));
        assert!(schema.attribute("phoneNumbers").is_none());
        assert_eq!(schema.attributes.len(), 4);
    }
}
