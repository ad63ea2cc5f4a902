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

use super::model::{Returned, Uniqueness};
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

/// The type of a single value (RFC 7643 §2.3). Every type but `Boolean` is written as a
/// JSON string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// A JSON string.
    String,
    /// JSON `true`/`false`; a write also takes the strings `"true"`/`"false"` in any
    /// case, because Entra ID sends `"value": "False"` (see `patch`).
    Boolean,
    /// A URI (RFC 7643 §2.3.7), held as the string the client sent.
    Reference,
    /// Base64 text (RFC 7643 §2.3.6): `x509Certificates.value`.
    Binary,
}

impl Scalar {
    /// Whether values of this type are JSON strings.
    pub fn is_text(self) -> bool {
        self != Scalar::Boolean
    }
}

/// What RFC 7643 §7 says of an attribute or sub-attribute beyond its type and
/// mutability: what the discovery documents (`/Schemas`) announce, and `caseExact` for
/// comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Traits {
    /// What it holds, for `/Schemas`.
    pub description: &'static str,
    /// Whether a resource (or an element of a multi-valued attribute, for a
    /// sub-attribute) must carry it; the bridge refuses one without it.
    pub required: bool,
    /// Whether strings compare as written (RFC 7643 §2.2).
    pub case_exact: bool,
    /// RFC 7643 §2.2 `returned`.
    pub returned: Returned,
    /// RFC 7643 §2.2 `uniqueness`.
    pub uniqueness: Uniqueness,
    /// The values RFC 7643 suggests (`work`, `home`, …); others are taken all the same.
    pub canonical_values: &'static [&'static str],
    /// For a reference: what it may point to (`external`, `User`, `Group`).
    pub reference_types: &'static [&'static str],
}

/// An optional, not case-exact, returned-by-default, not unique attribute: the RFC 7643
/// §2.2 defaults, which each entry of the table changes where RFC 7643 §8.7 does.
const fn traits(description: &'static str) -> Traits {
    Traits {
        description,
        required: false,
        case_exact: false,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        canonical_values: &[],
        reference_types: &[],
    }
}

/// A sub-attribute of a complex attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sub {
    /// Its name in canonical case.
    pub name: &'static str,
    /// The type of its value.
    pub scalar: Scalar,
    /// Whether a client may write it: `groups.display` and `manager.displayName` are
    /// the service provider's to fill (RFC 7643 §4.1.2, §4.3).
    pub mutability: Mutability,
    /// Its RFC 7643 §7 characteristics.
    pub traits: Traits,
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
    /// An array of objects of known sub-attributes (`emails`, `addresses`). An element
    /// must carry each sub-attribute whose [`Traits::required`] is set (the `value` of
    /// `emails`; `addresses` have none).
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
    /// Returned, never taken from a client (`id`, `meta`, `groups`).
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
    /// Its RFC 7643 §7 characteristics.
    pub traits: Traits,
}

impl Attribute {
    /// The known sub-attribute of this name (any case), for complex attributes.
    pub fn sub(&self, name: &str) -> Option<&'static Sub> {
        self.subs()
            .iter()
            .find(|sub| sub.name.eq_ignore_ascii_case(name))
    }

    /// The known sub-attributes, in the order a resource is written; none for an
    /// attribute that is not complex.
    pub fn subs(&self) -> &'static [Sub] {
        match self.kind {
            Kind::Complex { subs, .. } | Kind::MultiComplex(subs) => subs,
            _ => &[],
        }
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

/// A read-write sub-attribute with the RFC 7643 defaults.
const fn sub(name: &'static str, scalar: Scalar, description: &'static str) -> Sub {
    Sub {
        name,
        scalar,
        mutability: Mutability::ReadWrite,
        traits: traits(description),
    }
}

const fn text(name: &'static str, description: &'static str) -> Sub {
    sub(name, Scalar::String, description)
}

/// A sub-attribute with canonical values (`type`).
const fn canonical(
    name: &'static str,
    description: &'static str,
    values: &'static [&'static str],
) -> Sub {
    Sub {
        traits: Traits {
            canonical_values: values,
            ..traits(description)
        },
        ..text(name, description)
    }
}

/// The `value` every element of most multi-valued attributes carries: the bridge
/// refuses an element without one (RFC 7643 §2.4 leaves that to the service provider).
const fn required_value(scalar: Scalar, description: &'static str) -> Sub {
    Sub {
        traits: Traits {
            required: true,
            ..traits(description)
        },
        ..sub("value", scalar, description)
    }
}

const DISPLAY: Sub = text(
    "display",
    "A human-readable name, primarily used for display purposes",
);
const PRIMARY: Sub = sub(
    "primary",
    Scalar::Boolean,
    "Whether this is the preferred value of the attribute; true at most once",
);

const NAME_SUBS: &[Sub] = &[
    text(
        "formatted",
        "The full name, including all middle names, titles and suffixes, formatted for \
         display",
    ),
    text("familyName", "The family (last) name"),
    text("givenName", "The given (first) name"),
    text("middleName", "The middle name(s)"),
    text("honorificPrefix", "The honorific prefix(es), such as Ms."),
    text("honorificSuffix", "The honorific suffix(es), such as III"),
];

/// The sub-attributes of `emails`. (The name is kept from when `emails` and
/// `phoneNumbers` shared them.)
const MULTI_SUBS: &[Sub] = &[
    required_value(Scalar::String, "The email address"),
    DISPLAY,
    canonical(
        "type",
        "What the address is for, such as work or home",
        &["work", "home", "other"],
    ),
    PRIMARY,
];

const PHONE_SUBS: &[Sub] = &[
    required_value(Scalar::String, "The phone number"),
    DISPLAY,
    canonical(
        "type",
        "What the number is for, such as work, home or mobile",
        &["work", "home", "mobile", "fax", "pager", "other"],
    ),
    PRIMARY,
];

const IMS_SUBS: &[Sub] = &[
    required_value(Scalar::String, "The instant messaging address"),
    DISPLAY,
    canonical(
        "type",
        "The instant messaging service",
        &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
    ),
    PRIMARY,
];

const PHOTOS_SUBS: &[Sub] = &[
    Sub {
        traits: Traits {
            required: true,
            reference_types: &["external"],
            ..traits("The URL of an image of the user")
        },
        ..sub(
            "value",
            Scalar::Reference,
            "The URL of an image of the user",
        )
    },
    DISPLAY,
    canonical(
        "type",
        "What the image is: a photo or a thumbnail",
        &["photo", "thumbnail"],
    ),
    PRIMARY,
];

const ADDRESS_SUBS: &[Sub] = &[
    text(
        "formatted",
        "The full mailing address, formatted for display or use with a mailing label",
    ),
    text(
        "streetAddress",
        "The street address: house number, street name, P.O. box, multi-line extended \
         street address",
    ),
    text("locality", "The city or locality"),
    text("region", "The state or region"),
    text("postalCode", "The zip code or postal code"),
    text("country", "The country name (ISO 3166-1 alpha-2 code)"),
    canonical(
        "type",
        "What the address is, such as work or home",
        &["work", "home", "other"],
    ),
    PRIMARY,
];

/// `groups`: maintained by the service provider, never taken from a client.
const GROUP_SUBS: &[Sub] = &[
    Sub {
        mutability: Mutability::ReadOnly,
        ..text("value", "The identifier of a group the user belongs to")
    },
    Sub {
        mutability: Mutability::ReadOnly,
        traits: Traits {
            reference_types: &["User", "Group"],
            ..traits("The URI of the group")
        },
        ..sub("$ref", Scalar::Reference, "The URI of the group")
    },
    Sub {
        mutability: Mutability::ReadOnly,
        ..DISPLAY
    },
    Sub {
        mutability: Mutability::ReadOnly,
        ..canonical(
            "type",
            "How the user is a member: directly or through another group",
            &["direct", "indirect"],
        )
    },
];

const ENTITLEMENT_SUBS: &[Sub] = &[
    required_value(Scalar::String, "An entitlement of the user"),
    DISPLAY,
    text("type", "What the entitlement is"),
    PRIMARY,
];

const ROLE_SUBS: &[Sub] = &[
    required_value(Scalar::String, "A role of the user"),
    DISPLAY,
    text("type", "What the role is"),
    PRIMARY,
];

const X509_SUBS: &[Sub] = &[
    required_value(Scalar::Binary, "An X.509 certificate, DER in base64"),
    DISPLAY,
    text("type", "What the certificate is for"),
    PRIMARY,
];

const MANAGER_SUBS: &[Sub] = &[
    text("value", "The id of the user's manager"),
    Sub {
        traits: Traits {
            reference_types: &["User"],
            ..traits("The URI of the manager's User resource")
        },
        ..sub(
            "$ref",
            Scalar::Reference,
            "The URI of the manager's User resource",
        )
    },
    Sub {
        mutability: Mutability::ReadOnly,
        ..text("displayName", "The manager's display name")
    },
];

const fn attribute(
    schema: Schema,
    name: &'static str,
    kind: Kind,
    mutability: Mutability,
    description: &'static str,
) -> Attribute {
    Attribute {
        schema,
        name,
        kind,
        mutability,
        traits: traits(description),
    }
}

/// A read-write core attribute.
const fn core(name: &'static str, kind: Kind, description: &'static str) -> Attribute {
    attribute(Schema::Core, name, kind, Mutability::ReadWrite, description)
}

const fn multi(name: &'static str, subs: &'static [Sub], description: &'static str) -> Attribute {
    core(name, Kind::MultiComplex(subs), description)
}

const fn enterprise(name: &'static str, description: &'static str) -> Attribute {
    attribute(
        Schema::Enterprise,
        name,
        STRING,
        Mutability::ReadWrite,
        description,
    )
}

/// Every attribute the bridge stores or renders, each schema's in the order a resource
/// is written: all of RFC 7643 §4.1 (core User) and §4.3 (enterprise), and the bridge's
/// extension. Any other name is unknown.
pub static ATTRIBUTES: &[Attribute] = &[
    attribute(
        Schema::Core,
        "schemas",
        Kind::Schemas,
        Mutability::ReadOnly,
        "The schemas the resource follows",
    ),
    Attribute {
        traits: Traits {
            case_exact: true,
            returned: Returned::Always,
            uniqueness: Uniqueness::Server,
            ..traits("The bridge's identifier for the user, the same on every backend")
        },
        ..attribute(
            Schema::Core,
            "id",
            STRING,
            Mutability::ReadOnly,
            "The bridge's identifier for the user",
        )
    },
    Attribute {
        traits: Traits {
            case_exact: true,
            ..traits("The identity provider's identifier for the user")
        },
        ..core("externalId", STRING, "")
    },
    Attribute {
        traits: Traits {
            required: true,
            uniqueness: Uniqueness::Server,
            ..traits("The unique name of the user, compared without regard to case")
        },
        ..core("userName", STRING, "")
    },
    core(
        "name",
        Kind::Complex {
            subs: NAME_SUBS,
            shorthand: None,
        },
        "The components of the user's real name",
    ),
    core(
        "displayName",
        STRING,
        "The name of the user, suitable for display",
    ),
    core(
        "nickName",
        STRING,
        "The casual way to address the user, such as Bob for Robert",
    ),
    Attribute {
        traits: Traits {
            reference_types: &["external"],
            ..traits("The URL of a page representing the user's online profile")
        },
        ..core("profileUrl", Kind::Scalar(Scalar::Reference), "")
    },
    core("title", STRING, "The user's title, such as Vice President"),
    core(
        "userType",
        STRING,
        "The relationship between the organization and the user, such as Employee or \
         Contractor",
    ),
    core(
        "preferredLanguage",
        STRING,
        "The user's preferred written or spoken language, such as en-US",
    ),
    core(
        "locale",
        STRING,
        "The user's default location for localizing currency, dates and numbers, such as \
         en-US",
    ),
    core(
        "timezone",
        STRING,
        "The user's time zone in the IANA (Olson) database format, such as \
         America/Los_Angeles",
    ),
    core(
        "active",
        Kind::Scalar(Scalar::Boolean),
        "Whether the user may sign in; false disables the user where a backend can",
    ),
    Attribute {
        traits: Traits {
            returned: Returned::Never,
            ..traits("The user's password, handed to the backends and never returned")
        },
        ..attribute(Schema::Core, "password", STRING, Mutability::WriteOnly, "")
    },
    multi("emails", MULTI_SUBS, "The user's email addresses"),
    multi("phoneNumbers", PHONE_SUBS, "The user's phone numbers"),
    multi("ims", IMS_SUBS, "The user's instant messaging addresses"),
    multi("photos", PHOTOS_SUBS, "URLs of images of the user"),
    multi(
        "addresses",
        ADDRESS_SUBS,
        "The user's physical mailing addresses",
    ),
    attribute(
        Schema::Core,
        "groups",
        Kind::MultiComplex(GROUP_SUBS),
        Mutability::ReadOnly,
        "The groups the user belongs to; changed through the groups, never through the \
         user",
    ),
    multi(
        "entitlements",
        ENTITLEMENT_SUBS,
        "The user's entitlements: things the user has",
    ),
    multi("roles", ROLE_SUBS, "The user's roles"),
    multi(
        "x509Certificates",
        X509_SUBS,
        "The certificates issued to the user",
    ),
    attribute(
        Schema::Core,
        "meta",
        Kind::Opaque,
        Mutability::ReadOnly,
        "The resource's metadata",
    ),
    enterprise(
        "employeeNumber",
        "The identifier the organization gives the person",
    ),
    enterprise("costCenter", "The name of a cost center"),
    enterprise("organization", "The name of an organization"),
    enterprise("division", "The name of a division"),
    enterprise("department", "The name of a department"),
    attribute(
        Schema::Enterprise,
        "manager",
        Kind::Complex {
            subs: MANAGER_SUBS,
            shorthand: Some("value"),
        },
        Mutability::ReadWrite,
        "The user's manager",
    ),
    attribute(
        Schema::Bridge,
        "attributes",
        Kind::FreeMap,
        Mutability::ReadWrite,
        "Provider attributes, each a free key naming the provider and its attribute",
    ),
    attribute(
        Schema::Bridge,
        "backends",
        Kind::Opaque,
        Mutability::ReadOnly,
        "The user's sync state on each configured backend",
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
    /// in the table (`costume`, `name.maidenName`, another extension's).
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

/// The filter types of the User (RFC 7643 §4.1, the enterprise extension §4.3, and the
/// common `meta` of §3.1), read from [`ATTRIBUTES`]: what a filter or a sort over User
/// resources compares by. One table serves reading, PATCH, `/Schemas` and filtering, so
/// an attribute added to it is filterable with the type and `caseExact` it is announced
/// with. The bridge's extension (provider attributes, backend states) is not filtered
/// on, and `schemas` is not an attribute a filter names: both are unknown (absent).
///
/// ```
/// use user_provisioner::scim::attributes::UserTypes;
/// use user_provisioner::scim::filter::{AttributeTypes, ValueKind};
///
/// let id = UserTypes.attribute_type("id").unwrap();
/// assert!(id.case_exact);
/// let emails = UserTypes.attribute_type("emails").unwrap();
/// assert!(emails.multi_valued && emails.kind == ValueKind::Complex);
/// let modified = UserTypes.attribute_type("meta.lastmodified").unwrap();
/// assert_eq!(modified.kind, ValueKind::DateTime);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct UserTypes;

impl super::filter::AttributeTypes for UserTypes {
    fn attribute_type(&self, key: &str) -> Option<super::filter::AttributeType> {
        use super::filter::{AttributeType, ValueKind};
        let (schema, rest) = if key
            .get(..4)
            .is_some_and(|head| head.eq_ignore_ascii_case("urn:"))
        {
            // The key is `urn:…:attribute[.sub]`: the URN is the longest known prefix
            // followed by a colon (URNs hold colons and dots, attribute names do not).
            let schema = [Schema::Enterprise, Schema::Core]
                .into_iter()
                .find(|schema| {
                    key.get(..schema.urn().len())
                        .is_some_and(|head| head.eq_ignore_ascii_case(schema.urn()))
                        && key.as_bytes().get(schema.urn().len()) == Some(&b':')
                })?;
            (schema, &key[schema.urn().len() + 1..])
        } else {
            (Schema::Core, key)
        };
        let (name, sub) = match rest.split_once('.') {
            Some((name, sub)) => (name, Some(sub)),
            None => (rest, None),
        };
        let kind = |scalar: Scalar| match scalar {
            Scalar::String => ValueKind::String,
            Scalar::Boolean => ValueKind::Boolean,
            Scalar::Reference => ValueKind::Reference,
            Scalar::Binary => ValueKind::Binary,
        };
        if schema == Schema::Core && name.eq_ignore_ascii_case("meta") {
            // RFC 7643 §3.1: the service provider's own attributes, rendered by it.
            return match sub.map(str::to_ascii_lowercase).as_deref() {
                None => Some(AttributeType::single(ValueKind::Complex, false)),
                Some("created" | "lastmodified") => {
                    Some(AttributeType::single(ValueKind::DateTime, false))
                }
                Some("resourcetype" | "location" | "version") => {
                    Some(AttributeType::single(ValueKind::String, true))
                }
                Some(_) => None,
            };
        }
        let attribute = lookup(schema, name)?;
        match (attribute.kind, sub) {
            (Kind::Scalar(scalar), None) => Some(AttributeType::single(
                kind(scalar),
                attribute.traits.case_exact,
            )),
            (Kind::Complex { .. }, None) => Some(AttributeType::single(ValueKind::Complex, false)),
            (Kind::MultiComplex(_), None) => Some(AttributeType::multi(ValueKind::Complex, false)),
            (Kind::Complex { subs, .. } | Kind::MultiComplex(subs), Some(sub)) => {
                let sub = subs
                    .iter()
                    .find(|known| known.name.eq_ignore_ascii_case(sub))?;
                Some(AttributeType::single(
                    kind(sub.scalar),
                    sub.traits.case_exact,
                ))
            }
            _ => None,
        }
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
            "costume",
            "name.maidenName",
            "emails.label",
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
    fn every_rfc_7643_user_attribute_is_in_the_table() {
        // RFC 7643 §4.1 (core User) and §4.3 (enterprise), with their sub-attributes.
        let core = [
            ("userName", &[][..]),
            (
                "name",
                &[
                    "formatted",
                    "familyName",
                    "givenName",
                    "middleName",
                    "honorificPrefix",
                    "honorificSuffix",
                ][..],
            ),
            ("displayName", &[]),
            ("nickName", &[]),
            ("profileUrl", &[]),
            ("title", &[]),
            ("userType", &[]),
            ("preferredLanguage", &[]),
            ("locale", &[]),
            ("timezone", &[]),
            ("active", &[]),
            ("password", &[]),
            ("emails", &["value", "display", "type", "primary"]),
            ("phoneNumbers", &["value", "display", "type", "primary"]),
            ("ims", &["value", "display", "type", "primary"]),
            ("photos", &["value", "display", "type", "primary"]),
            (
                "addresses",
                &[
                    "formatted",
                    "streetAddress",
                    "locality",
                    "region",
                    "postalCode",
                    "country",
                    "type",
                    "primary",
                ],
            ),
            ("groups", &["value", "$ref", "display", "type"]),
            ("entitlements", &["value", "display", "type", "primary"]),
            ("roles", &["value", "display", "type", "primary"]),
            ("x509Certificates", &["value", "display", "type", "primary"]),
        ];
        for (name, subs) in core {
            let attribute = lookup(Schema::Core, name).unwrap_or_else(|| panic!("{name}"));
            let known: Vec<&str> = attribute.subs().iter().map(|sub| sub.name).collect();
            assert_eq!(known, subs, "{name}");
            for sub in subs {
                let path = format!("{}.{}", name.to_uppercase(), sub.to_lowercase());
                assert_eq!(
                    attribute_of(resolve(&path).unwrap()),
                    (attribute.name, Some((*sub).to_owned())),
                    "{path}"
                );
            }
        }
        for name in [
            "employeeNumber",
            "costCenter",
            "organization",
            "division",
            "department",
            "manager",
        ] {
            assert!(lookup(Schema::Enterprise, name).is_some(), "{name}");
        }
    }

    #[test]
    fn kinds_follow_rfc_7643() {
        let kind = |name: &str| lookup(Schema::Core, name).unwrap().kind;
        assert_eq!(kind("profileUrl"), Kind::Scalar(Scalar::Reference));
        assert_eq!(kind("active"), Kind::Scalar(Scalar::Boolean));
        let scalar =
            |name: &str, sub: &str| lookup(Schema::Core, name).unwrap().sub(sub).unwrap().scalar;
        assert_eq!(scalar("x509Certificates", "value"), Scalar::Binary);
        assert_eq!(scalar("photos", "value"), Scalar::Reference);
        assert_eq!(scalar("addresses", "primary"), Scalar::Boolean);
        assert!(Scalar::Binary.is_text() && !Scalar::Boolean.is_text());
        // `groups` is the service provider's; an address needs no `value`; every other
        // multi-valued attribute does.
        let groups = lookup(Schema::Core, "groups").unwrap();
        assert_eq!(groups.mutability, Mutability::ReadOnly);
        assert!(groups
            .subs()
            .iter()
            .all(|sub| sub.mutability == Mutability::ReadOnly));
        let needs_value: Vec<&str> = ATTRIBUTES
            .iter()
            .filter(|attribute| attribute.mutability == Mutability::ReadWrite)
            .filter(|attribute| attribute.subs().iter().any(|sub| sub.traits.required))
            .map(|attribute| attribute.name)
            .collect();
        assert_eq!(
            needs_value,
            [
                "emails",
                "phoneNumbers",
                "ims",
                "photos",
                "entitlements",
                "roles",
                "x509Certificates"
            ]
        );
        // RFC 7643 §8.7.1: identifiers compare as written, names and addresses do not.
        assert!(lookup(Schema::Core, "id").unwrap().traits.case_exact);
        assert!(
            lookup(Schema::Core, "externalId")
                .unwrap()
                .traits
                .case_exact
        );
        assert!(!lookup(Schema::Core, "userName").unwrap().traits.case_exact);
        assert_eq!(
            lookup(Schema::Core, "password").unwrap().traits.returned,
            Returned::Never
        );
    }

    #[test]
    fn non_ascii_input_never_splits_a_character() {
        // A multi-byte character where a URN's length falls must not panic.
        let path = format!("urn:{}", "é".repeat(40));
        assert!(resolve(&path).is_err());
    }
}
