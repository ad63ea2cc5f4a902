//! The discovery documents (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes` and
//! `/Schemas`, describing exactly what the bridge supports.
//!
//! The core User and enterprise attributes are rendered from the SDK's attribute table
//! (`user_provisioner::scim::attributes`), the one the bridge reads, patches and
//! projects users with, so `/Schemas` announces exactly what the bridge stores; the
//! bridge extension's are written out here ([`SCHEMAS`]).
//! Identity providers read these documents to decide what to send (Okta's and Entra ID's
//! attribute pickers, PATCH versus PUT, whether to page), so an attribute listed here must
//! be one the mapping really reads or writes.

use serde_json::{json, Value};

use user_provisioner::scim::attributes::{self, Kind, Scalar, Traits};
use user_provisioner::scim::model::{
    AttributeType as Type, AuthenticationScheme, BulkConfig, ListResponse, Mutability, Returned,
    Schema, SchemaAttribute, ServiceProviderConfig, Uniqueness,
};
use user_provisioner::scim::schema::{BRIDGE_USER, ENTERPRISE_USER, RESOURCE_TYPE, USER};

/// What the bridge's limits are, as far as the discovery documents tell a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DiscoveryLimits {
    /// The most resources one list answer holds (`filter.maxResults`).
    pub max_results: usize,
}

/// `GET /ServiceProviderConfig` (RFC 7643 §5).
///
/// `base` is the bridge's public base URL (`https://bridge.example.com/scim/v2`).
pub(crate) fn service_provider_config(base: &str, limits: &DiscoveryLimits) -> Value {
    let base = trim(base);
    let max_results = u32::try_from(limits.max_results).unwrap_or(u32::MAX);
    let mut bearer = AuthenticationScheme::new("oauthbearertoken", "OAuth Bearer Token");
    bearer.description = Some(
        "A bearer token in the Authorization header \
         (`Authorization: Bearer <token>`), configured on the bridge."
            .into(),
    );
    bearer.spec_uri = Some("https://www.rfc-editor.org/info/rfc6750".into());
    bearer.primary = Some(true);
    let mut config = ServiceProviderConfig::new()
        .with_patch(true)
        // Each operation of a bulk request would need its own fan-out and its own
        // durable outcome; identity providers provision one user per request anyway.
        .with_bulk({
            let mut bulk = BulkConfig::default();
            bulk.supported = false;
            bulk.max_operations = Some(0);
            bulk.max_payload_size = Some(0);
            bulk
        })
        .with_filter(true, Some(max_results))
        // `password` is writable (PUT, PATCH); there is no separate change-password flow.
        .with_change_password(true)
        // The whole filter grammar and sortBy/sortOrder on any attribute, evaluated in the
        // bridge's store (RFC 7644 §3.4.2.2, §3.4.2.3); without sortBy, creation order.
        .with_sort(true)
        .with_etag(true)
        .with_authentication_scheme(bearer);
    config.other.insert(
        "meta".into(),
        json!({
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        }),
    );
    serde_json::to_value(config).unwrap_or_default()
}

/// `GET /ResourceTypes` (RFC 7644 §4): a list answer holding the one resource type.
pub(crate) fn resource_types(base: &str) -> Value {
    list_response(vec![user_resource_type(base)])
}

/// `GET /ResourceTypes/User` (RFC 7643 §6).
pub(crate) fn user_resource_type(base: &str) -> Value {
    let base = trim(base);
    json!({
        "schemas": [RESOURCE_TYPE],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A person, provisioned on every configured backend",
        "schema": USER,
        "schemaExtensions": [
            { "schema": ENTERPRISE_USER, "required": false },
            { "schema": BRIDGE_USER, "required": false },
        ],
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{base}/ResourceTypes/User"),
        },
    })
}

/// `GET /Schemas` (RFC 7644 §4): a list answer holding the three schema definitions.
pub(crate) fn schemas(base: &str) -> Value {
    list_response(SCHEMAS.iter().map(|s| s.to_json(base)).collect())
}

/// `GET /Schemas/{id}`: the definition whose URN is `id`, compared without regard to
/// case (RFC 7643 §2.1: schema URIs are case-insensitive), or `None`.
pub(crate) fn schema(base: &str, id: &str) -> Option<Value> {
    SCHEMAS
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(id))
        .map(|s| s.to_json(base))
}

fn trim(base: &str) -> &str {
    base.trim_end_matches('/')
}

fn list_response(resources: Vec<Value>) -> Value {
    let total = resources.len() as u64;
    serde_json::to_value(ListResponse::new(resources, total, 1)).unwrap_or_default()
}

/// One attribute definition (RFC 7643 §7).
#[derive(Debug)]
struct Attribute {
    name: &'static str,
    kind: Type,
    multi_valued: bool,
    required: bool,
    /// Only rendered for strings: RFC 7643 §2.2 defines it for string and reference values.
    case_exact: bool,
    mutability: Mutability,
    returned: Returned,
    /// Only rendered for strings, as RFC 7643 §8.7.1 does.
    uniqueness: Uniqueness,
    canonical_values: &'static [&'static str],
    description: &'static str,
    sub_attributes: &'static [Attribute],
}

impl Attribute {
    /// The definition as the shared model writes it: `caseExact` and `uniqueness` only
    /// for strings, as RFC 7643 §8.7.1 does.
    fn to_model(&self) -> SchemaAttribute {
        let string = self.kind == Type::String;
        let mut attribute = SchemaAttribute::new(self.name, self.kind);
        attribute.multi_valued = Some(self.multi_valued);
        attribute.description = Some(self.description.to_owned());
        attribute.required = Some(self.required);
        attribute.case_exact = string.then_some(self.case_exact);
        attribute.canonical_values = self
            .canonical_values
            .iter()
            .map(|v| (*v).to_owned())
            .collect();
        attribute.mutability = Some(self.mutability);
        attribute.returned = Some(self.returned);
        attribute.uniqueness = string.then_some(self.uniqueness);
        attribute.sub_attributes = (self.kind == Type::Complex).then(|| {
            self.sub_attributes
                .iter()
                .map(Attribute::to_model)
                .collect()
        });
        attribute
    }
}

/// An attribute of the SDK's table as RFC 7643 §7 defines it.
fn from_table(attribute: &attributes::Attribute) -> SchemaAttribute {
    let (kind, multi_valued) = match attribute.kind {
        Kind::Scalar(scalar) => (scalar_type(scalar), false),
        Kind::MultiComplex(_) => (Type::Complex, true),
        Kind::Complex { .. } | Kind::FreeMap | Kind::Opaque | Kind::Schemas => {
            (Type::Complex, false)
        }
    };
    let mut model = definition(
        attribute.name,
        kind,
        attribute.mutability,
        &attribute.traits,
    );
    model.multi_valued = Some(multi_valued);
    if kind == Type::Complex {
        model.sub_attributes = Some(
            attribute
                .subs()
                .iter()
                .map(|sub| {
                    definition(
                        sub.name,
                        scalar_type(sub.scalar),
                        sub.mutability,
                        &sub.traits,
                    )
                })
                .collect(),
        );
    }
    model
}

fn scalar_type(scalar: Scalar) -> Type {
    match scalar {
        Scalar::String => Type::String,
        Scalar::Boolean => Type::Boolean,
        Scalar::Reference => Type::Reference,
        Scalar::Binary => Type::Binary,
    }
}

/// The definition of a single-valued attribute or sub-attribute: `caseExact` and
/// `uniqueness` only for values written as strings, as RFC 7643 §8.7.1 does.
fn definition(
    name: &str,
    kind: Type,
    mutability: attributes::Mutability,
    traits: &Traits,
) -> SchemaAttribute {
    let text = matches!(kind, Type::String | Type::Reference | Type::Binary);
    let mut model = SchemaAttribute::new(name, kind);
    model.multi_valued = Some(false);
    model.description = Some(traits.description.to_owned());
    model.required = Some(traits.required);
    model.case_exact = text.then_some(traits.case_exact);
    model.canonical_values = traits
        .canonical_values
        .iter()
        .map(|value| (*value).to_owned())
        .collect();
    model.reference_types = traits
        .reference_types
        .iter()
        .map(|value| (*value).to_owned())
        .collect();
    model.mutability = Some(match mutability {
        attributes::Mutability::ReadWrite => Mutability::ReadWrite,
        attributes::Mutability::ReadOnly => Mutability::ReadOnly,
        attributes::Mutability::WriteOnly => Mutability::WriteOnly,
    });
    model.returned = Some(traits.returned);
    model.uniqueness = text.then_some(traits.uniqueness);
    model
}

/// A single-valued, optional, read-write attribute of this type with the RFC 7643 §2.2
/// defaults; each definition below changes only what differs.
const fn attr(name: &'static str, kind: Type, description: &'static str) -> Attribute {
    Attribute {
        name,
        kind,
        multi_valued: false,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        canonical_values: &[],
        description,
        sub_attributes: &[],
    }
}

/// A sub-attribute of the read-only `backends` attribute: read-only like its parent.
const fn backend_field(name: &'static str, kind: Type, description: &'static str) -> Attribute {
    Attribute {
        mutability: Mutability::ReadOnly,
        ..attr(name, kind, description)
    }
}

/// Where a schema's attribute definitions come from.
enum Source {
    /// The SDK's attribute table: every attribute the bridge stores and renders is
    /// announced from the same entry it is read with, so the two cannot drift.
    Table(attributes::Schema),
    /// Written out here: the bridge extension's free `attributes` and its rendered
    /// `backends`, whose shapes the table does not describe.
    Listed(&'static [Attribute]),
}

/// One schema definition (RFC 7643 §7).
struct SchemaDef {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    attributes: Source,
}

impl SchemaDef {
    fn to_json(&self, base: &str) -> Value {
        let base = trim(base);
        let mut schema = Schema::new(self.id, self.name, self.description);
        schema.attributes = match &self.attributes {
            Source::Table(schema) => attributes::of_schema(*schema)
                // `schemas` and `meta` are common attributes (RFC 7643 §3.1), not the
                // schema's own; §8.7.1 lists neither.
                .filter(|attribute| !matches!(attribute.kind, Kind::Schemas | Kind::Opaque))
                .map(from_table)
                .collect(),
            Source::Listed(list) => list.iter().map(Attribute::to_model).collect(),
        };
        schema.other.insert(
            "meta".into(),
            json!({
                "resourceType": "Schema",
                "location": format!("{base}/Schemas/{}", self.id),
            }),
        );
        serde_json::to_value(schema).unwrap_or_default()
    }
}

/// The bridge's own extension: provider attributes in, per-backend sync state out.
const BRIDGE: &[Attribute] = &[
    attr(
        "attributes",
        Type::Complex,
        "Provider attributes, each a free key naming the provider and its attribute \
         (\"netsapiens.extension\", \"jambonz.account_sid\") with a string value; the \
         keys a backend takes are the ones its adapter documents, so none are listed",
    ),
    Attribute {
        multi_valued: true,
        mutability: Mutability::ReadOnly,
        sub_attributes: &[
            backend_field("backend", Type::String, "The backend's configured name"),
            backend_field("id", Type::String, "The user's id on that backend"),
            Attribute {
                canonical_values: &[
                    "pending", "synced", "failed", "gaveUp", "removed", "blocked",
                ],
                ..backend_field(
                    "state",
                    Type::String,
                    "Where the user's last change stands on that backend",
                )
            },
            backend_field(
                "attempts",
                Type::Integer,
                "How many times the last change was sent",
            ),
            backend_field(
                "lastError",
                Type::String,
                "Why the last attempt failed, if it did",
            ),
            backend_field(
                "reason",
                Type::String,
                "What the backend lacks while it is blocked, such as a required email",
            ),
            backend_field(
                "notice",
                Type::String,
                "What the backend left out or changed of the user, such as a value it \
                 cannot store",
            ),
            backend_field(
                "syncedVersion",
                Type::Integer,
                "The resource version the backend last acknowledged",
            ),
            backend_field(
                "updated",
                Type::DateTime,
                "When the backend's state last changed",
            ),
        ],
        ..attr(
            "backends",
            Type::Complex,
            "The user's sync state on each configured backend",
        )
    },
];

/// Every schema the bridge supports, in the order `/Schemas` lists them.
const SCHEMAS: &[SchemaDef] = &[
    SchemaDef {
        id: USER,
        name: "User",
        description: "User Account",
        attributes: Source::Table(attributes::Schema::Core),
    },
    SchemaDef {
        id: ENTERPRISE_USER,
        name: "EnterpriseUser",
        description: "Enterprise User",
        attributes: Source::Table(attributes::Schema::Enterprise),
    },
    SchemaDef {
        id: BRIDGE_USER,
        name: "BridgeUser",
        description: "Provider attributes and per-backend sync state",
        attributes: Source::Listed(BRIDGE),
    },
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use user_provisioner::scim::schema::{LIST_RESPONSE, SCHEMA, SERVICE_PROVIDER_CONFIG};

    use super::*;
    use crate::resource::backend_state;
    use crate::store::{SyncRecord, SyncState};

    const BASE: &str = "https://bridge.example.com/scim/v2";

    fn limits() -> DiscoveryLimits {
        DiscoveryLimits { max_results: 200 }
    }

    fn attributes(schema: &Value) -> &Vec<Value> {
        schema["attributes"].as_array().unwrap()
    }

    fn find<'a>(list: &'a [Value], name: &str) -> &'a Value {
        list.iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("no attribute {name}"))
    }

    fn names(list: &[Value]) -> BTreeSet<&str> {
        list.iter().map(|a| a["name"].as_str().unwrap()).collect()
    }

    #[test]
    fn service_provider_config_says_what_is_supported() {
        let spc = service_provider_config(BASE, &limits());
        assert_eq!(spc["schemas"], json!([SERVICE_PROVIDER_CONFIG]));
        assert_eq!(spc["patch"]["supported"], true);
        assert_eq!(
            spc["bulk"],
            json!({ "supported": false, "maxOperations": 0, "maxPayloadSize": 0 })
        );
        assert_eq!(
            spc["filter"],
            json!({ "supported": true, "maxResults": 200 })
        );
        assert_eq!(spc["changePassword"]["supported"], true);
        assert_eq!(spc["sort"]["supported"], true);
        assert_eq!(spc["etag"]["supported"], true);
        let schemes = spc["authenticationSchemes"].as_array().unwrap();
        assert_eq!(schemes.len(), 1);
        assert_eq!(schemes[0]["type"], "oauthbearertoken");
        assert_eq!(schemes[0]["name"], "OAuth Bearer Token");
        assert!(schemes[0]["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()));
        assert_eq!(schemes[0]["primary"], true);
        assert_eq!(spc["meta"]["resourceType"], "ServiceProviderConfig");
        assert_eq!(
            spc["meta"]["location"],
            "https://bridge.example.com/scim/v2/ServiceProviderConfig"
        );
    }

    #[test]
    fn service_provider_config_carries_the_configured_max_results() {
        let spc = service_provider_config(BASE, &DiscoveryLimits { max_results: 7 });
        assert_eq!(spc["filter"]["maxResults"], 7);
    }

    #[test]
    fn a_trailing_slash_on_the_base_does_not_double() {
        let spc = service_provider_config("https://bridge.example.com/scim/v2/", &limits());
        assert_eq!(
            spc["meta"]["location"],
            "https://bridge.example.com/scim/v2/ServiceProviderConfig"
        );
        let user = schema("https://bridge.example.com/scim/v2/", USER).unwrap();
        assert_eq!(
            user["meta"]["location"],
            format!("https://bridge.example.com/scim/v2/Schemas/{USER}")
        );
    }

    #[test]
    fn resource_types_list_the_user_type_with_both_extensions() {
        let list = resource_types(BASE);
        assert_eq!(list["schemas"], json!([LIST_RESPONSE]));
        assert_eq!(list["totalResults"], 1);
        assert_eq!(list["itemsPerPage"], 1);
        assert_eq!(list["startIndex"], 1);
        assert_eq!(list["Resources"], json!([user_resource_type(BASE)]));

        let user = user_resource_type(BASE);
        assert_eq!(user["schemas"], json!([RESOURCE_TYPE]));
        assert_eq!(user["id"], "User");
        assert_eq!(user["name"], "User");
        assert_eq!(user["endpoint"], "/Users");
        assert_eq!(user["schema"], USER);
        assert_eq!(
            user["schemaExtensions"],
            json!([
                { "schema": ENTERPRISE_USER, "required": false },
                { "schema": BRIDGE_USER, "required": false },
            ])
        );
        assert_eq!(user["meta"]["resourceType"], "ResourceType");
        assert_eq!(
            user["meta"]["location"],
            "https://bridge.example.com/scim/v2/ResourceTypes/User"
        );
    }

    #[test]
    fn schemas_list_the_three_definitions() {
        let list = schemas(BASE);
        assert_eq!(list["schemas"], json!([LIST_RESPONSE]));
        assert_eq!(list["totalResults"], 3);
        assert_eq!(list["startIndex"], 1);
        let resources = list["Resources"].as_array().unwrap();
        let ids: Vec<&str> = resources
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [USER, ENTERPRISE_USER, BRIDGE_USER]);
        let names: Vec<&str> = resources
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["User", "EnterpriseUser", "BridgeUser"]);
        for resource in resources {
            let id = resource["id"].as_str().unwrap();
            assert_eq!(resource["schemas"], json!([SCHEMA]));
            assert_eq!(resource["meta"]["resourceType"], "Schema");
            assert_eq!(resource["meta"]["location"], format!("{BASE}/Schemas/{id}"));
            // The single document and the list entry are the same rendering.
            assert_eq!(schema(BASE, id).as_ref(), Some(resource));
        }
    }

    #[test]
    fn a_schema_is_found_without_regard_to_case() {
        let lower = USER.to_ascii_lowercase();
        assert_ne!(lower, USER);
        let found = schema(BASE, &lower).unwrap();
        assert_eq!(found["id"], USER);
        let upper = BRIDGE_USER.to_ascii_uppercase();
        assert_eq!(schema(BASE, &upper).unwrap()["id"], BRIDGE_USER);
    }

    #[test]
    fn an_unknown_or_unsupported_schema_is_none() {
        assert_eq!(
            schema(BASE, "urn:ietf:params:scim:schemas:core:2.0:Group"),
            None
        );
        assert_eq!(schema(BASE, ""), None);
        assert_eq!(schema(BASE, "User"), None);
    }

    /// RFC 7643 §2.1 ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA.
    fn is_attr_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }

    /// Checks one attribute definition against the RFC 7643 §7 rules that can be read off
    /// the document, returning what is wrong with it.
    fn check_attribute(attr: &Value, path: &str, nested: bool, problems: &mut Vec<String>) {
        let Some(object) = attr.as_object() else {
            problems.push(format!("{path}: not an object"));
            return;
        };
        let name = object.get("name").and_then(Value::as_str).unwrap_or("");
        let here = if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        // `$ref` is no ATTRNAME, but RFC 7643 §2.4 defines it as a sub-attribute of
        // multi-valued references, and §8.7.1 lists it so.
        let reference = nested && name == "$ref";
        if !(is_attr_name(name) || reference) {
            problems.push(format!("{here}: name {name:?} is not an ATTRNAME"));
        }
        let kind = object.get("type").and_then(Value::as_str);
        let types = [
            "string",
            "boolean",
            "decimal",
            "integer",
            "dateTime",
            "reference",
            "binary",
            "complex",
        ];
        if !kind.is_some_and(|k| types.contains(&k)) {
            problems.push(format!("{here}: type {kind:?}"));
        }
        for key in ["multiValued", "required"] {
            if !object.get(key).is_some_and(Value::is_boolean) {
                problems.push(format!("{here}: {key} missing or not a boolean"));
            }
        }
        if object
            .get("description")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            problems.push(format!("{here}: no description"));
        }
        let one_of = |key: &str, allowed: &[&str], problems: &mut Vec<String>| {
            let value = object.get(key).and_then(Value::as_str);
            if !value.is_some_and(|v| allowed.contains(&v)) {
                problems.push(format!("{here}: {key} {value:?}"));
            }
        };
        one_of(
            "mutability",
            &["readOnly", "readWrite", "immutable", "writeOnly"],
            problems,
        );
        one_of(
            "returned",
            &["always", "never", "default", "request"],
            problems,
        );
        if object.contains_key("uniqueness") {
            one_of("uniqueness", &["none", "server", "global"], problems);
        }
        if object.contains_key("caseExact") && !object["caseExact"].is_boolean() {
            problems.push(format!("{here}: caseExact not a boolean"));
        }
        if let Some(values) = object.get("canonicalValues") {
            let strings = values
                .as_array()
                .is_some_and(|v| !v.is_empty() && v.iter().all(Value::is_string));
            if !strings {
                problems.push(format!("{here}: canonicalValues not a list of strings"));
            }
        }
        // writeOnly values are never returned (RFC 7643 §7, "writeOnly").
        if object.get("mutability") == Some(&json!("writeOnly"))
            && object.get("returned") != Some(&json!("never"))
        {
            problems.push(format!("{here}: writeOnly but returned"));
        }
        let subs = object.get("subAttributes");
        if kind == Some("complex") {
            // A complex attribute has sub-attributes, and none of them is complex.
            if nested {
                problems.push(format!("{here}: complex inside complex"));
            }
            match subs.and_then(Value::as_array) {
                None => problems.push(format!("{here}: complex without subAttributes")),
                Some(subs) => {
                    check_unique_names(subs, &here, problems);
                    let read_only = object.get("mutability") == Some(&json!("readOnly"));
                    for sub in subs {
                        check_attribute(sub, &here, true, problems);
                        if read_only && sub.get("mutability") != Some(&json!("readOnly")) {
                            problems.push(format!("{here}: writable part of a readOnly value"));
                        }
                    }
                }
            }
        } else if subs.is_some() {
            problems.push(format!("{here}: subAttributes on a {kind:?}"));
        }
    }

    /// Attribute names are case-insensitive (RFC 7643 §2.1), so two that differ only in
    /// case would collide.
    fn check_unique_names(list: &[Value], path: &str, problems: &mut Vec<String>) {
        let mut seen = BTreeSet::new();
        for attr in list {
            let name = attr["name"].as_str().unwrap_or("").to_ascii_lowercase();
            if !seen.insert(name.clone()) {
                problems.push(format!("{path}: {name} defined twice"));
            }
        }
    }

    #[test]
    fn every_schema_definition_follows_rfc_7643_section_7() {
        for resource in schemas(BASE)["Resources"].as_array().unwrap() {
            let id = resource["id"].as_str().unwrap();
            for key in ["id", "name", "description"] {
                assert!(
                    resource[key].as_str().is_some_and(|s| !s.is_empty()),
                    "{id}: {key}"
                );
            }
            let list = attributes(resource);
            assert!(!list.is_empty(), "{id}: no attributes");
            let mut problems = Vec::new();
            check_unique_names(list, id, &mut problems);
            for attr in list {
                check_attribute(attr, "", false, &mut problems);
            }
            assert!(problems.is_empty(), "{id}: {problems:#?}");
        }
    }

    #[test]
    fn the_checker_catches_what_it_checks() {
        // The shape test above can only fail if its checker can: feed it broken definitions.
        let broken = [
            json!({ "name": "x", "type": "string", "multiValued": false, "required": false,
                    "mutability": "readWrite", "returned": "default" }),
            json!({ "name": "x", "type": "complex", "multiValued": false, "required": false,
                    "description": "d", "mutability": "readWrite", "returned": "default" }),
            json!({ "name": "x", "type": "text", "multiValued": false, "required": false,
                    "description": "d", "mutability": "readWrite", "returned": "default" }),
            json!({ "name": "x", "type": "string", "required": false, "description": "d",
                    "mutability": "readWrite", "returned": "default" }),
            json!({ "name": "x", "type": "string", "multiValued": false, "required": false,
                    "description": "d", "mutability": "writeOnly", "returned": "default" }),
            json!({ "name": "x.y", "type": "string", "multiValued": false, "required": false,
                    "description": "d", "mutability": "readWrite", "returned": "default" }),
            json!({ "name": "x", "type": "complex", "multiValued": false, "required": false,
                    "description": "d", "mutability": "readOnly", "returned": "default",
                    "subAttributes": [{ "name": "y", "type": "string", "multiValued": false,
                    "required": false, "description": "d", "mutability": "readWrite",
                    "returned": "default" }] }),
        ];
        for attr in broken {
            let mut problems = Vec::new();
            check_attribute(&attr, "", false, &mut problems);
            assert!(!problems.is_empty(), "accepted {attr}");
        }
    }

    #[test]
    fn the_core_user_lists_exactly_what_the_bridge_stores() {
        let user = schema(BASE, USER).unwrap();
        let list = attributes(&user);
        // RFC 7643 §4.1, all of it, and `id` (§3.1).
        assert_eq!(
            names(list),
            BTreeSet::from([
                "id",
                "externalId",
                "userName",
                "name",
                "displayName",
                "nickName",
                "profileUrl",
                "title",
                "userType",
                "preferredLanguage",
                "locale",
                "timezone",
                "active",
                "password",
                "emails",
                "phoneNumbers",
                "ims",
                "photos",
                "addresses",
                "groups",
                "entitlements",
                "roles",
                "x509Certificates",
            ])
        );
        // What `/Schemas` lists is what the table the bridge reads users with holds.
        let stored: BTreeSet<&str> = user_provisioner::scim::attributes::of_schema(
            user_provisioner::scim::attributes::Schema::Core,
        )
        .filter(|attribute| !matches!(attribute.kind, Kind::Schemas | Kind::Opaque))
        .map(|attribute| attribute.name)
        .collect();
        assert_eq!(names(list), stored);

        let id = find(list, "id");
        assert_eq!(id["mutability"], "readOnly");
        assert_eq!(id["returned"], "always");
        assert_eq!(id["uniqueness"], "server");
        assert_eq!(id["caseExact"], true);

        let external = find(list, "externalId");
        assert_eq!(external["caseExact"], true);
        assert_eq!(external["mutability"], "readWrite");

        let user_name = find(list, "userName");
        assert_eq!(user_name["required"], true);
        assert_eq!(user_name["uniqueness"], "server");
        assert_eq!(user_name["caseExact"], false);

        let name = find(list, "name");
        assert_eq!(
            names(name["subAttributes"].as_array().unwrap()),
            BTreeSet::from([
                "formatted",
                "givenName",
                "familyName",
                "middleName",
                "honorificPrefix",
                "honorificSuffix"
            ])
        );

        let emails = find(list, "emails");
        assert_eq!(emails["multiValued"], true);
        let subs = emails["subAttributes"].as_array().unwrap();
        assert_eq!(
            names(subs),
            BTreeSet::from(["value", "display", "type", "primary"])
        );
        assert_eq!(
            find(subs, "type")["canonicalValues"],
            json!(["work", "home", "other"])
        );
        assert_eq!(find(subs, "primary")["type"], "boolean");
        assert_eq!(
            find(subs, "value")["required"],
            true,
            "an email needs a value"
        );
        assert_eq!(find(subs, "type")["required"], false);

        let phones = find(list, "phoneNumbers");
        assert_eq!(phones["multiValued"], true);
        let subs = phones["subAttributes"].as_array().unwrap();
        assert_eq!(
            names(subs),
            BTreeSet::from(["value", "display", "type", "primary"])
        );
        assert_eq!(
            find(subs, "type")["canonicalValues"],
            json!(["work", "home", "mobile", "fax", "pager", "other"])
        );
        assert_eq!(
            find(subs, "value")["required"],
            true,
            "a number needs a value"
        );

        assert_eq!(find(list, "active")["type"], "boolean");
        // What a User needs and nothing more: the bridge refuses a User without a
        // userName, and takes one without an email or anything else.
        let required: BTreeSet<&str> = list
            .iter()
            .filter(|attribute| attribute["required"] == true)
            .map(|attribute| attribute["name"].as_str().unwrap())
            .collect();
        assert_eq!(required, BTreeSet::from(["userName"]));

        let password = find(list, "password");
        assert_eq!(password["mutability"], "writeOnly");
        assert_eq!(password["returned"], "never");

        // The attributes RFC 7643 §8.7.1 gives other types or characteristics.
        let profile = find(list, "profileUrl");
        assert_eq!(profile["type"], "reference");
        assert_eq!(profile["referenceTypes"], json!(["external"]));
        let addresses = find(list, "addresses");
        assert_eq!(addresses["multiValued"], true);
        let subs = addresses["subAttributes"].as_array().unwrap();
        assert_eq!(
            names(subs),
            BTreeSet::from([
                "formatted",
                "streetAddress",
                "locality",
                "region",
                "postalCode",
                "country",
                "type",
                "primary"
            ])
        );
        assert!(
            subs.iter().all(|sub| sub["required"] == false),
            "an address needs no value"
        );
        assert_eq!(
            find(subs, "type")["canonicalValues"],
            json!(["work", "home", "other"])
        );
        let groups = find(list, "groups");
        assert_eq!(groups["mutability"], "readOnly");
        let subs = groups["subAttributes"].as_array().unwrap();
        assert_eq!(
            names(subs),
            BTreeSet::from(["value", "$ref", "display", "type"])
        );
        assert_eq!(
            find(subs, "$ref")["referenceTypes"],
            json!(["User", "Group"])
        );
        assert_eq!(
            find(subs, "type")["canonicalValues"],
            json!(["direct", "indirect"])
        );
        let photos = find(list, "photos")["subAttributes"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(find(&photos, "value")["type"], "reference");
        assert_eq!(
            find(&photos, "type")["canonicalValues"],
            json!(["photo", "thumbnail"])
        );
        let ims = find(list, "ims")["subAttributes"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(
            find(&ims, "type")["canonicalValues"],
            json!(["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"])
        );
        let certificates = find(list, "x509Certificates")["subAttributes"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(find(&certificates, "value")["type"], "binary");
        for name in ["entitlements", "roles", "x509Certificates"] {
            let subs = find(list, name)["subAttributes"]
                .as_array()
                .unwrap()
                .clone();
            assert_eq!(
                names(&subs),
                BTreeSet::from(["value", "display", "type", "primary"]),
                "{name}"
            );
        }
    }

    #[test]
    fn the_enterprise_extension_lists_what_the_bridge_maps() {
        let enterprise = schema(BASE, ENTERPRISE_USER).unwrap();
        let list = attributes(&enterprise);
        assert_eq!(
            names(list),
            BTreeSet::from([
                "employeeNumber",
                "costCenter",
                "organization",
                "division",
                "department",
                "manager",
            ])
        );
        let manager = find(list, "manager");
        assert_eq!(manager["type"], "complex");
        let subs = manager["subAttributes"].as_array().unwrap();
        assert_eq!(
            names(subs),
            BTreeSet::from(["value", "$ref", "displayName"])
        );
        assert_eq!(find(subs, "displayName")["mutability"], "readOnly");
        assert_eq!(find(subs, "value")["mutability"], "readWrite");
        assert_eq!(find(subs, "$ref")["type"], "reference");
        assert_eq!(find(subs, "$ref")["referenceTypes"], json!(["User"]));
    }

    #[test]
    fn the_bridge_extension_takes_attributes_and_shows_backend_state() {
        let bridge = schema(BASE, BRIDGE_USER).unwrap();
        assert_eq!(bridge["name"], "BridgeUser");
        let list = attributes(&bridge);
        assert_eq!(names(list), BTreeSet::from(["attributes", "backends"]));

        let free = find(list, "attributes");
        assert_eq!(free["type"], "complex");
        assert_eq!(free["mutability"], "readWrite");
        assert_eq!(free["multiValued"], false);
        let description = free["description"].as_str().unwrap();
        assert!(
            description.contains("netsapiens.extension"),
            "{description}"
        );

        let backends = find(list, "backends");
        assert_eq!(backends["type"], "complex");
        assert_eq!(backends["multiValued"], true);
        assert_eq!(backends["mutability"], "readOnly");
        assert_eq!(backends["returned"], "default");
        let subs = backends["subAttributes"].as_array().unwrap();
        let expected = [
            ("backend", "string"),
            ("id", "string"),
            ("state", "string"),
            ("attempts", "integer"),
            ("lastError", "string"),
            ("reason", "string"),
            ("notice", "string"),
            ("syncedVersion", "integer"),
            ("updated", "dateTime"),
        ];
        assert_eq!(subs.len(), expected.len());
        for (name, kind) in expected {
            assert_eq!(find(subs, name)["type"], kind, "{name}");
        }
        assert_eq!(
            find(subs, "state")["canonicalValues"],
            json!(["pending", "synced", "failed", "gaveUp", "removed", "blocked"])
        );
    }

    /// A backend row with every optional field set, in `state`.
    fn row(state: SyncState) -> SyncRecord {
        SyncRecord {
            user_id: "u1".into(),
            backend: "jambonz".into(),
            backend_user_id: Some("b1".into()),
            desired_version: 1,
            synced_version: 1,
            synced_state: None,
            state,
            attempts: 1,
            next_attempt: chrono::Utc::now(),
            last_error: Some("lacks an email".into()),
            notice: Some("left out the phone number".into()),
            idempotency_key: None,
            updated: chrono::Utc::now(),
            create_started: false,
        }
    }

    #[test]
    fn the_backends_sub_attributes_are_exactly_what_is_rendered() {
        let bridge = schema(BASE, BRIDGE_USER).unwrap();
        let backends = find(attributes(&bridge), "backends");
        let subs = backends["subAttributes"].as_array().unwrap();
        let declared = names(subs);
        let states = find(subs, "state")["canonicalValues"].as_array().unwrap();
        let mut rendered = BTreeSet::new();
        // A blocked row renders its reason, any other its last error.
        for state in [
            SyncState::Pending,
            SyncState::Synced,
            SyncState::Failed,
            SyncState::GaveUp,
            SyncState::Removed,
            SyncState::Blocked,
        ] {
            let entry = backend_state(&row(state));
            rendered.extend(entry.as_object().unwrap().keys().cloned());
            assert!(states.contains(&entry["state"]), "{entry}");
        }
        let rendered: BTreeSet<&str> = rendered.iter().map(String::as_str).collect();
        assert_eq!(declared, rendered);
    }

    #[test]
    fn every_document_is_json_text_that_reads_back_the_same() {
        let documents = [
            service_provider_config(BASE, &limits()),
            resource_types(BASE),
            user_resource_type(BASE),
            schemas(BASE),
        ];
        for document in documents {
            let text = serde_json::to_string(&document).unwrap();
            let back: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, document);
            assert!(document["schemas"]
                .as_array()
                .is_some_and(|s| !s.is_empty()));
        }
    }
}
