//! The one table of the User attributes the SDK knows (the core User schema, the
//! enterprise extension and the bridge's own extension, RFC 7643 §4), and the reading of
//! an attribute path (RFC 7644 §3.10) against it: what the filter grammar
//! ([`filter`](super::filter)) reads paths with, and what the SCIM bridge's PATCH,
//! projection and discovery documents are built on.
//!
//! Names and URNs are matched without regard to ASCII case (RFC 7643 §2.1) and every
//! resolved name is the table's canonical spelling, so what the bridge writes back is
//! always in canonical case whatever case the client used.

use serde_json::{Map, Value};

use super::schema::{BRIDGE_USER, ENTERPRISE_USER, USER};

/// The schema an attribute belongs to; core attributes sit at the top level of a
/// resource, extension attributes in an object under the extension's URN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// `urn:ietf:params:scim:schemas:core:2.0:User` ([`USER`]).
    Core,
    /// The enterprise extension ([`ENTERPRISE_USER`]).
    Enterprise,
    /// The bridge's extension ([`BRIDGE_USER`]): provider attributes and backend states.
    Bridge,
}

impl Schema {
    /// Every schema, core first.
    pub const ALL: [Schema; 3] = [Schema::Core, Schema::Enterprise, Schema::Bridge];

    /// The schema's URN in canonical case.
    pub fn urn(self) -> &'static str {
        match self {
            Schema::Core => USER,
            Schema::Enterprise => ENTERPRISE_USER,
            Schema::Bridge => BRIDGE_USER,
        }
    }

    /// The key of the extension object in a resource; `None` for the core schema, whose
    /// attributes are at the top level.
    pub fn extension_key(self) -> Option<&'static str> {
        match self {
            Schema::Core => None,
            other => Some(other.urn()),
        }
    }
}

/// The type of a single value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// A JSON string.
    String,
    /// JSON `true`/`false`; a write also takes the strings `"true"`/`"false"` in any
    /// case, because Entra ID sends `"value": "False"` (see `patch`).
    Boolean,
}

/// A sub-attribute of a complex attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sub {
    /// Its name in canonical case.
    pub name: &'static str,
    /// The type of its value.
    pub scalar: Scalar,
}

/// What values an attribute holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A single string or boolean.
    Scalar(Scalar),
    /// One object of known sub-attributes. `shorthand` names the sub-attribute a bare
    /// string stands for: Entra ID sends `manager` as a string as well as `{"value": …}`.
    Complex {
        /// The known sub-attributes.
        subs: &'static [Sub],
        /// The sub-attribute a bare string stands for, if any.
        shorthand: Option<&'static str>,
    },
    /// An array of objects of known sub-attributes (`emails`, `phoneNumbers`).
    MultiComplex(&'static [Sub]),
    /// An object whose keys are free names (the bridge's provider `attributes`, such as
    /// `netsapiens.extension`); in a path the key is everything after the first dot.
    FreeMap,
    /// Server-maintained JSON the bridge renders and never takes from a client (`meta`,
    /// `backends`); a path may name a sub-key of it, for projection.
    Opaque,
    /// `schemas`: the bridge derives it from the extensions a resource carries.
    Schemas,
}

/// RFC 7643 §2.2 `mutability`, as far as the bridge distinguishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    /// Taken in requests and returned.
    ReadWrite,
    /// Returned, never taken from a client (`id`, `meta`).
    ReadOnly,
    /// Taken in requests, never returned (`password`).
    WriteOnly,
}

/// One known attribute.
#[derive(Debug, PartialEq, Eq)]
pub struct Attribute {
    /// The schema it belongs to.
    pub schema: Schema,
    /// Its name in canonical case.
    pub name: &'static str,
    /// What values it holds.
    pub kind: Kind,
    /// Whether a client may write it and whether it is returned.
    pub mutability: Mutability,
}

impl Attribute {
    /// The known sub-attribute of this name (any case), for complex attributes.
    pub fn sub(&self, name: &str) -> Option<&'static Sub> {
        let subs = match self.kind {
            Kind::Complex { subs, .. } | Kind::MultiComplex(subs) => subs,
            _ => return None,
        };
        subs.iter().find(|sub| sub.name.eq_ignore_ascii_case(name))
    }

    /// How an error detail names the attribute: bare for a core one, after its URN for
    /// an extension's.
    pub fn label(&self) -> String {
        match self.schema {
            Schema::Core => self.name.to_owned(),
            other => format!("{}:{}", other.urn(), self.name),
        }
    }
}

const STRING: Kind = Kind::Scalar(Scalar::String);

const NAME_SUBS: &[Sub] = &[
    Sub {
        name: "formatted",
        scalar: Scalar::String,
    },
    Sub {
        name: "givenName",
        scalar: Scalar::String,
    },
    Sub {
        name: "familyName",
        scalar: Scalar::String,
    },
];

/// The sub-attributes of `emails` and `phoneNumbers` the bridge stores.
const MULTI_SUBS: &[Sub] = &[
    Sub {
        name: "value",
        scalar: Scalar::String,
    },
    Sub {
        name: "type",
        scalar: Scalar::String,
    },
    Sub {
        name: "primary",
        scalar: Scalar::Boolean,
    },
];

const MANAGER_SUBS: &[Sub] = &[
    Sub {
        name: "value",
        scalar: Scalar::String,
    },
    Sub {
        name: "displayName",
        scalar: Scalar::String,
    },
];

const fn attribute(
    schema: Schema,
    name: &'static str,
    kind: Kind,
    mutability: Mutability,
) -> Attribute {
    Attribute {
        schema,
        name,
        kind,
        mutability,
    }
}

/// Every attribute the bridge stores or renders; any other name is unknown.
/// Every known attribute, each schema's in the order a resource is written.
pub static ATTRIBUTES: &[Attribute] = &[
    attribute(Schema::Core, "schemas", Kind::Schemas, Mutability::ReadOnly),
    attribute(Schema::Core, "id", STRING, Mutability::ReadOnly),
    attribute(Schema::Core, "externalId", STRING, Mutability::ReadWrite),
    attribute(Schema::Core, "userName", STRING, Mutability::ReadWrite),
    attribute(
        Schema::Core,
        "name",
        Kind::Complex {
            subs: NAME_SUBS,
            shorthand: None,
        },
        Mutability::ReadWrite,
    ),
    attribute(Schema::Core, "displayName", STRING, Mutability::ReadWrite),
    attribute(
        Schema::Core,
        "emails",
        Kind::MultiComplex(MULTI_SUBS),
        Mutability::ReadWrite,
    ),
    attribute(
        Schema::Core,
        "phoneNumbers",
        Kind::MultiComplex(MULTI_SUBS),
        Mutability::ReadWrite,
    ),
    attribute(
        Schema::Core,
        "active",
        Kind::Scalar(Scalar::Boolean),
        Mutability::ReadWrite,
    ),
    attribute(Schema::Core, "password", STRING, Mutability::WriteOnly),
    attribute(Schema::Core, "meta", Kind::Opaque, Mutability::ReadOnly),
    attribute(
        Schema::Enterprise,
        "employeeNumber",
        STRING,
        Mutability::ReadWrite,
    ),
    attribute(
        Schema::Enterprise,
        "costCenter",
        STRING,
        Mutability::ReadWrite,
    ),
    attribute(
        Schema::Enterprise,
        "organization",
        STRING,
        Mutability::ReadWrite,
    ),
    attribute(
        Schema::Enterprise,
        "division",
        STRING,
        Mutability::ReadWrite,
    ),
    attribute(
        Schema::Enterprise,
        "department",
        STRING,
        Mutability::ReadWrite,
    ),
    attribute(
        Schema::Enterprise,
        "manager",
        Kind::Complex {
            subs: MANAGER_SUBS,
            shorthand: Some("value"),
        },
        Mutability::ReadWrite,
    ),
    attribute(
        Schema::Bridge,
        "attributes",
        Kind::FreeMap,
        Mutability::ReadWrite,
    ),
    attribute(
        Schema::Bridge,
        "backends",
        Kind::Opaque,
        Mutability::ReadOnly,
    ),
];

/// The known attribute of this schema and name (any case).
pub fn lookup(schema: Schema, name: &str) -> Option<&'static Attribute> {
    ATTRIBUTES
        .iter()
        .find(|attribute| attribute.schema == schema && attribute.name.eq_ignore_ascii_case(name))
}

/// The known attributes of one schema.
pub fn of_schema(schema: Schema) -> impl Iterator<Item = &'static Attribute> {
    ATTRIBUTES
        .iter()
        .filter(move |attribute| attribute.schema == schema)
}

/// The sub-attribute part of a resolved path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubPath {
    /// A sub-attribute from the table, in canonical case.
    Known(&'static Sub),
    /// A key of a [`Kind::FreeMap`] or [`Kind::Opaque`] attribute, as the client wrote it.
    Free(String),
}

impl SubPath {
    /// The sub-attribute's name (canonical for a known one).
    pub fn name(&self) -> &str {
        match self {
            SubPath::Known(sub) => sub.name,
            SubPath::Free(key) => key,
        }
    }
}

/// A path without a value filter, read against the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A known attribute, or one sub-attribute of it.
    Attribute {
        /// The attribute from the table.
        attribute: &'static Attribute,
        /// The sub-attribute named after its dot, if any.
        sub: Option<SubPath>,
    },
    /// A schema URN alone: all of an extension object (or of the core attributes).
    Schema(Schema),
    /// Well-formed, but nothing the bridge stores: an attribute of another schema or not
    /// in the table (`title`, `name.middleName`).
    Unknown,
}

/// Reads `urn:…:attr.sub`, `attr.sub` or a URN alone. The error is a detail naming what
/// is malformed, for the caller to put in its own `scimType`.
pub fn resolve(path: &str) -> Result<Resolved, String> {
    let path = path.trim();
    if path.is_empty() {
        return Err("the attribute path is empty".into());
    }
    if starts_with_ignore_case(path, "urn:") {
        for schema in Schema::ALL {
            let urn = schema.urn();
            let Some(head) = path.get(..urn.len()) else {
                continue;
            };
            if !head.eq_ignore_ascii_case(urn) {
                continue;
            }
            let rest = &path[urn.len()..];
            if rest.is_empty() {
                return Ok(Resolved::Schema(schema));
            }
            if let Some(attribute_path) = rest.strip_prefix(':') {
                return resolve_in(schema, attribute_path);
            }
        }
        // Another schema's URN: check its shape, then ignore it.
        return match path.rfind(':') {
            Some(colon) if colon + 1 < path.len() && is_urn(&path[..colon]) => {
                check_unknown_path(&path[colon + 1..])?;
                Ok(Resolved::Unknown)
            }
            _ => Err(format!(
                "`{}` is not a well-formed attribute URN",
                clip(path)
            )),
        };
    }
    resolve_in(Schema::Core, path)
}

/// Reads `attr` or `attr.sub` as an attribute of `schema` (the key of an object nested
/// under a schema URN, or the part of a path after the URN).
pub fn resolve_in(schema: Schema, path: &str) -> Result<Resolved, String> {
    let (name, rest) = match path.split_once('.') {
        Some((name, rest)) => (name, Some(rest)),
        None => (path, None),
    };
    if !is_attribute_name(name) {
        return Err(format!("`{}` is not a valid attribute name", clip(name)));
    }
    let Some(attribute) = lookup(schema, name) else {
        if let Some(rest) = rest {
            check_unknown_path(rest)?;
        }
        return Ok(Resolved::Unknown);
    };
    let Some(rest) = rest else {
        return Ok(Resolved::Attribute {
            attribute,
            sub: None,
        });
    };
    let sub = match attribute.kind {
        Kind::FreeMap => {
            if !is_free_key(rest) {
                return Err(format!(
                    "`{}` is not a valid key of {}",
                    clip(rest),
                    attribute.name
                ));
            }
            SubPath::Free(rest.to_owned())
        }
        Kind::Complex { .. } | Kind::MultiComplex(_) | Kind::Opaque => {
            if !is_attribute_name(rest) {
                return Err(format!(
                    "`{}` is not a valid sub-attribute of {}",
                    clip(rest),
                    attribute.name
                ));
            }
            match (attribute.kind, attribute.sub(rest)) {
                (Kind::Opaque, _) => SubPath::Free(rest.to_owned()),
                (_, Some(sub)) => SubPath::Known(sub),
                (_, None) => return Ok(Resolved::Unknown),
            }
        }
        Kind::Scalar(_) | Kind::Schemas => {
            return Err(format!("{} has no sub-attributes", attribute.name));
        }
    };
    Ok(Resolved::Attribute {
        attribute,
        sub: Some(sub),
    })
}

/// RFC 7643 §2.1 ATTRNAME (`ALPHA *(nameChar)`), plus `$ref`'s leading `$`.
pub fn is_attribute_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if first.is_ascii_alphabetic() || first == '$' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A key of the bridge's provider `attributes`: anything printable that cannot be taken
/// for path or list syntax.
fn is_free_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"[]\",()".contains(c))
}

fn is_urn(text: &str) -> bool {
    text.len() > 4
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

/// An unknown attribute's dotted path is checked as far as its shape, so a malformed path
/// is an error even when the bridge would ignore the attribute.
fn check_unknown_path(path: &str) -> Result<(), String> {
    let mut parts = path.split('.');
    let name = parts.next().unwrap_or_default();
    if !is_attribute_name(name) {
        return Err(format!("`{}` is not a valid attribute name", clip(name)));
    }
    // An unknown extension may hold free keys like the bridge's own, so its remainder is
    // only held to the free-key rules.
    let rest: Vec<&str> = parts.collect();
    if !rest.is_empty() && !is_free_key(&rest.join(".")) {
        return Err(format!("`{}` is not a valid attribute path", clip(path)));
    }
    Ok(())
}

/// Whether `text` starts with `prefix`, compared without ASCII case.
pub fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// At most 64 characters of client text for an error detail.
pub fn clip(text: &str) -> String {
    const MAX: usize = 64;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut clipped: String = text.chars().take(MAX).collect();
        clipped.push('…');
        clipped
    }
}

/// The value of `name` in `object`, matched without case (RFC 7643 §2.1).
pub fn get_ci<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })
}

/// A boolean, or the strings Entra ID sends for one (`"True"`, `"False"`).
pub fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) if text.eq_ignore_ascii_case("true") => Some(true),
        Value::String(text) if text.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute_of(resolved: Resolved) -> (&'static str, Option<String>) {
        match resolved {
            Resolved::Attribute { attribute, sub } => {
                (attribute.name, sub.map(|sub| sub.name().to_owned()))
            }
            other => panic!("not an attribute: {other:?}"),
        }
    }

    #[test]
    fn core_names_resolve_in_any_case_to_canonical_case() {
        assert_eq!(
            attribute_of(resolve("USERNAME").unwrap()),
            ("userName", None)
        );
        assert_eq!(
            attribute_of(resolve("name.GIVENNAME").unwrap()),
            ("name", Some("givenName".into()))
        );
        assert_eq!(
            attribute_of(
                resolve("urn:ietf:params:scim:schemas:core:2.0:user:Emails.Value").unwrap()
            ),
            ("emails", Some("value".into()))
        );
    }

    #[test]
    fn extension_paths_resolve_under_their_urn() {
        let (name, sub) = attribute_of(
            resolve("URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:manager.value")
                .unwrap(),
        );
        assert_eq!((name, sub.as_deref()), ("manager", Some("value")));
        assert_eq!(
            resolve("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User").unwrap(),
            Resolved::Schema(Schema::Enterprise)
        );
        // An enterprise name without its URN is not a core attribute.
        assert_eq!(resolve("department").unwrap(), Resolved::Unknown);
    }

    #[test]
    fn a_bridge_attribute_key_is_the_whole_remainder_after_the_first_dot() {
        let (name, sub) = attribute_of(
            resolve(&format!("{BRIDGE_USER}:attributes.netsapiens.extension")).unwrap(),
        );
        assert_eq!(
            (name, sub.as_deref()),
            ("attributes", Some("netsapiens.extension"))
        );
    }

    #[test]
    fn unknown_but_well_formed_paths_are_unknown() {
        for path in [
            "title",
            "name.middleName",
            "emails.display",
            "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:location",
        ] {
            assert_eq!(resolve(path).unwrap(), Resolved::Unknown, "{path}");
        }
    }

    #[test]
    fn malformed_paths_are_errors() {
        for path in [
            "",
            "1name",
            "name..givenName",
            "user name",
            "active.value",
            "name.givenName.x",
            "urn:",
            "urn:x y:z",
            "emails[type eq \"work\"]",
        ] {
            assert!(resolve(path).is_err(), "{path}");
        }
    }

    #[test]
    fn non_ascii_input_never_splits_a_character() {
        // A multi-byte character where a URN's length falls must not panic.
        let path = format!("urn:{}", "é".repeat(40));
        assert!(resolve(&path).is_err());
    }
}
