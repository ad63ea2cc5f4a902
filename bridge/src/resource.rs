//! A SCIM User as the bridge reads it from a request and renders it in an answer.

use chrono::SecondsFormat;
use serde_json::{Map, Value};

use user_provisioner::Secret;

use super::error::ScimError;
use super::store::{SyncRecord, SyncState, UserRecord};
use user_provisioner::scim::attributes::{
    self, boolean, get_ci, Attribute, Kind, Mutability, Scalar, Schema, Sub,
};
use user_provisioner::scim::schema::{BRIDGE_USER, ENTERPRISE_USER, USER};

/// The longest text value the bridge stores.
const MAX_TEXT: usize = 2048;
/// The longest binary value (base64 text: `x509Certificates.value`) the bridge stores; a
/// certificate is a few kilobytes.
const MAX_BINARY: usize = 16 * 1024;
/// The most values one multi-valued attribute (`emails`, `addresses`, …) carries.
const MAX_VALUES: usize = 32;
/// The most provider attributes one user carries.
const MAX_ATTRIBUTES: usize = 64;

/// A User from a POST or PUT (or a PATCH's result), checked and in canonical form.
#[derive(Debug, Clone)]
pub(crate) struct UserInput {
    /// The writable attributes the bridge stores, without the password.
    pub document: Map<String, Value>,
    /// The password, write-only: never stored, never returned.
    pub password: Option<Secret>,
}

impl UserInput {
    pub fn user_name(&self) -> &str {
        self.document
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn external_id(&self) -> Option<&str> {
        self.document.get("externalId").and_then(Value::as_str)
    }
}

/// Reads a User resource: attribute names in any case, read-only attributes (`id`,
/// `meta`, the bridge's `backends`) and attributes the bridge does not store ignored,
/// every stored value checked.
pub(crate) fn read_user(body: &Value) -> Result<UserInput, ScimError> {
    let object = body
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("a User must be a JSON object"))?;
    if let Some(schemas) = get_ci(object, "schemas") {
        let listed = schemas
            .as_array()
            .ok_or_else(|| ScimError::invalid_syntax("schemas must be an array of URNs"))?;
        // An empty list is read as none: Microsoft's reference collection sends
        // `"schemas": []` with its PUTs and POSTs, and the endpoint says the resource is a
        // User. A list that names schemas but none of a User's (a Group's) is refused.
        let names_user = listed.iter().any(|urn| {
            urn.as_str().is_some_and(|urn| {
                [USER, ENTERPRISE_USER, BRIDGE_USER]
                    .iter()
                    .any(|user| urn.eq_ignore_ascii_case(user))
            })
        });
        if !listed.is_empty() && !names_user {
            return Err(ScimError::invalid_syntax(format!(
                "schemas must list {USER}"
            )));
        }
    }
    let mut document = read_schema(object, Schema::Core)?;
    let user_name = document
        .get("userName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if user_name.trim().is_empty() {
        return Err(ScimError::invalid_value("userName is required"));
    }
    // A User is active unless it says otherwise.
    document.entry("active").or_insert(Value::Bool(true));
    if let Some(enterprise) = extension(object, ENTERPRISE_USER)? {
        let stored = read_schema(enterprise, Schema::Enterprise)?;
        if !stored.is_empty() {
            document.insert(ENTERPRISE_USER.into(), stored.into());
        }
    }
    if let Some(bridge) = extension(object, BRIDGE_USER)? {
        let attributes = provider_attributes(bridge)?;
        if !attributes.is_empty() {
            let mut stored = Map::new();
            stored.insert("attributes".into(), attributes.into());
            document.insert(BRIDGE_USER.into(), stored.into());
        }
    }
    let password = match get_ci(object, "password") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.is_empty() => {
            return Err(ScimError::invalid_value("password must not be empty"))
        }
        Some(Value::String(text)) => Some(Secret::new(text.clone())),
        Some(_) => return Err(ScimError::invalid_value("password must be a string")),
    };
    Ok(UserInput { document, password })
}

/// The user as a SCIM resource: its document, `id`, `meta` and each backend's state in
/// the bridge's extension. Never a password.
pub(crate) fn render_user(
    base: &str,
    user: &UserRecord,
    rows: &[SyncRecord],
) -> Map<String, Value> {
    let mut resource = Map::new();
    let mut schemas = vec![Value::from(USER)];
    if user.document.contains_key(ENTERPRISE_USER) {
        schemas.push(ENTERPRISE_USER.into());
    }
    schemas.push(BRIDGE_USER.into());
    resource.insert("schemas".into(), schemas.into());
    resource.insert("id".into(), user.id.clone().into());
    for (key, value) in &user.document {
        if key != BRIDGE_USER {
            resource.insert(key.clone(), value.clone());
        }
    }
    let mut bridge = user
        .document
        .get(BRIDGE_USER)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let backends: Vec<Value> = rows.iter().map(backend_state).collect();
    bridge.insert("backends".into(), backends.into());
    resource.insert(BRIDGE_USER.into(), bridge.into());
    let mut meta = Map::new();
    meta.insert("resourceType".into(), "User".into());
    meta.insert(
        "created".into(),
        user.created
            .to_rfc3339_opts(SecondsFormat::Millis, true)
            .into(),
    );
    meta.insert(
        "lastModified".into(),
        user.updated
            .to_rfc3339_opts(SecondsFormat::Millis, true)
            .into(),
    );
    meta.insert(
        "location".into(),
        format!("{base}/Users/{}", user.id).into(),
    );
    meta.insert("version".into(), etag(user.version).into());
    resource.insert("meta".into(), meta.into());
    resource
}

/// One backend's entry in the bridge extension's `backends`.
pub(crate) fn backend_state(row: &SyncRecord) -> Value {
    let mut state = Map::new();
    state.insert("backend".into(), row.backend.clone().into());
    if let Some(id) = &row.backend_user_id {
        state.insert("id".into(), id.clone().into());
    }
    state.insert("state".into(), row.state.as_str().into());
    state.insert("attempts".into(), row.attempts.into());
    state.insert("syncedVersion".into(), row.synced_version.into());
    match (&row.last_error, row.state) {
        // A blocked backend made no attempt: what it lacks is its reason, not an error.
        (Some(reason), SyncState::Blocked) => {
            state.insert("reason".into(), reason.clone().into());
        }
        (Some(error), _) => {
            state.insert("lastError".into(), error.clone().into());
        }
        (None, _) => {}
    }
    if let Some(notice) = &row.notice {
        state.insert("notice".into(), notice.clone().into());
    }
    state.insert(
        "updated".into(),
        row.updated
            .to_rfc3339_opts(SecondsFormat::Millis, true)
            .into(),
    );
    state.into()
}

/// The weak ETag of a version (RFC 7644 §3.14).
pub(crate) fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// Base64 text (`x509Certificates.value`), up to [`MAX_BINARY`] bytes. Line breaks and
/// spaces are taken (RFC 2045 base64 may carry them); other characters are refused.
fn checked_binary(field: &str, text: &str) -> Result<String, ScimError> {
    if text.len() > MAX_BINARY {
        return Err(ScimError::invalid_value(format!(
            "{field} is longer than {MAX_BINARY} bytes"
        )));
    }
    let base64 = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+/=-_".contains(c) || c.is_ascii_whitespace());
    if !base64 {
        return Err(ScimError::invalid_value(format!(
            "{field} must be base64 text"
        )));
    }
    Ok(text.to_owned())
}

fn checked_text(field: &str, text: &str) -> Result<String, ScimError> {
    if text.len() > MAX_TEXT {
        return Err(ScimError::invalid_value(format!(
            "{field} is longer than {MAX_TEXT} bytes"
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(ScimError::invalid_value(format!(
            "{field} must not contain control characters"
        )));
    }
    Ok(text.to_owned())
}

/// The read-write attributes of one schema the table knows, from `object` (the resource
/// for the core schema, the extension's object otherwise), each checked and in canonical
/// case; absent and `null` ones are left out. The password (write-only) and the bridge's
/// free `attributes` are read by the caller.
fn read_schema(
    object: &Map<String, Value>,
    schema: Schema,
) -> Result<Map<String, Value>, ScimError> {
    let mut stored = Map::new();
    for attribute in attributes::of_schema(schema) {
        if attribute.mutability != Mutability::ReadWrite {
            continue;
        }
        let value = match attribute.kind {
            Kind::Scalar(scalar) => scalar_at(object, attribute.name, scalar, attribute.name)?,
            Kind::Complex { shorthand, .. } => complex(object, attribute, shorthand)?,
            Kind::MultiComplex(_) => multi_valued(object, attribute)?,
            Kind::FreeMap | Kind::Opaque | Kind::Schemas => None,
        };
        if let Some(value) = value {
            stored.insert(attribute.name.into(), value);
        }
    }
    Ok(stored)
}

/// A value of a scalar type: text checked as [`checked_text`] does (binary up to
/// [`MAX_BINARY`]), a boolean also as `"True"`/`"False"`.
fn scalar_at(
    object: &Map<String, Value>,
    name: &str,
    scalar: Scalar,
    field: &str,
) -> Result<Option<Value>, ScimError> {
    match (scalar, get_ci(object, name)) {
        (_, None | Some(Value::Null)) => Ok(None),
        (Scalar::Boolean, Some(value)) => boolean(value)
            .map(|flag| Some(Value::Bool(flag)))
            .ok_or_else(|| ScimError::invalid_value(format!("{field} must be a boolean"))),
        (Scalar::Binary, Some(Value::String(text))) => {
            checked_binary(field, text).map(|text| Some(text.into()))
        }
        (_, Some(Value::String(text))) => checked_text(field, text).map(|text| Some(text.into())),
        (_, Some(_)) => Err(ScimError::invalid_value(format!(
            "{field} must be a string"
        ))),
    }
}

/// The read-write known sub-attributes of one object (`name`, an element of `emails`),
/// in canonical case; others and `null`s are left out.
fn read_subs(
    item: &Map<String, Value>,
    attribute: &Attribute,
) -> Result<Map<String, Value>, ScimError> {
    let mut stored = Map::new();
    for sub in attribute.subs() {
        if sub.mutability != Mutability::ReadWrite {
            continue;
        }
        let field = format!("{}.{}", attribute.name, sub.name);
        let value = if is_multi_line(attribute, sub) {
            multi_line_at(item, sub.name, &field)?
        } else {
            scalar_at(item, sub.name, sub.scalar, &field)?
        };
        if let Some(value) = value {
            stored.insert(sub.name.into(), value);
        }
    }
    Ok(stored)
}

/// Whether RFC 7643 describes the sub-attribute as lines of text: an address's
/// `formatted` and `streetAddress` (§4.1.2; its own example breaks them with `\n`).
fn is_multi_line(attribute: &Attribute, sub: &Sub) -> bool {
    attribute.schema == Schema::Core
        && attribute.name == "addresses"
        && matches!(sub.name, "formatted" | "streetAddress")
}

/// A string of several lines: line breaks and tabs taken, other control characters not.
fn multi_line_at(
    object: &Map<String, Value>,
    name: &str,
    field: &str,
) -> Result<Option<Value>, ScimError> {
    match get_ci(object, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => {
            for line in text.split(['\n', '\r', '\t']) {
                checked_text(field, line)?;
            }
            if text.len() > MAX_TEXT {
                return Err(ScimError::invalid_value(format!(
                    "{field} is longer than {MAX_TEXT} bytes"
                )));
            }
            Ok(Some(Value::String(text.clone())))
        }
        Some(_) => Err(ScimError::invalid_value(format!(
            "{field} must be a string"
        ))),
    }
}

/// A single complex attribute (`name`, `manager`): its known sub-attributes, or for
/// `manager` also a bare id, as Entra ID sends it. An empty one is left out, and so is a
/// `manager` whose id is empty (Entra's way of clearing it).
fn complex(
    object: &Map<String, Value>,
    attribute: &Attribute,
    shorthand: Option<&'static str>,
) -> Result<Option<Value>, ScimError> {
    let mut stored = match (get_ci(object, attribute.name), shorthand) {
        (None | Some(Value::Null), _) => return Ok(None),
        (Some(Value::Object(parts)), _) => read_subs(parts, attribute)?,
        (Some(Value::String(text)), Some(shorthand)) => {
            let field = format!("{}.{shorthand}", attribute.name);
            let mut stored = Map::new();
            stored.insert(shorthand.into(), checked_text(&field, text)?.into());
            stored
        }
        (Some(_), Some(shorthand)) => {
            return Err(ScimError::invalid_value(format!(
                "{} must be an object with a {shorthand}",
                attribute.name
            )))
        }
        (Some(_), None) => {
            return Err(ScimError::invalid_value(format!(
                "{} must be an object",
                attribute.name
            )))
        }
    };
    if let Some(shorthand) = shorthand {
        if stored
            .get(shorthand)
            .and_then(Value::as_str)
            .is_some_and(str::is_empty)
        {
            stored.remove(shorthand);
        }
        if !stored.contains_key(shorthand) {
            return Ok(None);
        }
    }
    Ok((!stored.is_empty()).then_some(Value::Object(stored)))
}

/// A multi-valued complex attribute (`emails`, `addresses`): at most [`MAX_VALUES`]
/// elements, each with the sub-attributes the table requires (a `value`, except for
/// `addresses`), at most one primary (RFC 7643 §2.4). An element with nothing the bridge
/// stores is left out.
fn multi_valued(
    object: &Map<String, Value>,
    attribute: &Attribute,
) -> Result<Option<Value>, ScimError> {
    let name = attribute.name;
    let items = match get_ci(object, name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ScimError::invalid_value(format!("{name} must be an array"))),
    };
    if items.len() > MAX_VALUES {
        return Err(ScimError::invalid_value(format!(
            "{name} holds more than {MAX_VALUES} values"
        )));
    }
    let mut values = Vec::with_capacity(items.len());
    let mut primaries = 0;
    for item in items {
        let item = item
            .as_object()
            .ok_or_else(|| ScimError::invalid_value(format!("each of {name} must be an object")))?;
        let stored = read_subs(item, attribute)?;
        if stored.is_empty() && !attribute.subs().iter().any(|sub| sub.traits.required) {
            continue;
        }
        if let Some(missing) = attribute
            .subs()
            .iter()
            .find(|sub| sub.traits.required && !stored.contains_key(sub.name))
        {
            return Err(ScimError::invalid_value(format!(
                "each of {name} needs a {}",
                missing.name
            )));
        }
        if stored.get("primary") == Some(&Value::Bool(true)) {
            primaries += 1;
        }
        values.push(Value::Object(stored));
    }
    if primaries > 1 {
        return Err(ScimError::invalid_value(format!(
            "at most one of {name} can be primary"
        )));
    }
    Ok((!values.is_empty()).then_some(Value::Array(values)))
}

fn extension<'a>(
    object: &'a Map<String, Value>,
    urn: &str,
) -> Result<Option<&'a Map<String, Value>>, ScimError> {
    match get_ci(object, urn) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(extension)) => Ok(Some(extension)),
        Some(_) => Err(ScimError::invalid_value(format!("{urn} must be an object"))),
    }
}

/// The bridge extension's `attributes`: `"provider.name"` keys with scalar values.
fn provider_attributes(bridge: &Map<String, Value>) -> Result<Map<String, Value>, ScimError> {
    let attributes = match get_ci(bridge, "attributes") {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::Object(attributes)) => attributes,
        Some(_) => {
            return Err(ScimError::invalid_value(
                "the bridge extension's attributes must be an object",
            ))
        }
    };
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(ScimError::invalid_value(format!(
            "more than {MAX_ATTRIBUTES} provider attributes"
        )));
    }
    let mut stored = Map::new();
    for (key, value) in attributes {
        let field = format!("attributes.{key}");
        if !key.contains('.') || key.starts_with('.') || key.ends_with('.') {
            return Err(ScimError::invalid_value(format!(
                "{field}: a provider attribute is named provider.attribute (netsapiens.extension)"
            )));
        }
        match value {
            Value::Null => continue,
            Value::String(text) => {
                checked_text(&field, text)?;
            }
            Value::Bool(_) | Value::Number(_) => {}
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "{field} must be a string, number or boolean"
                )))
            }
        }
        stored.insert(key.clone(), value.clone());
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(body: Value) -> Map<String, Value> {
        read_user(&body)
            .unwrap_or_else(|error| panic!("{error}"))
            .document
    }

    fn refused(body: Value) -> String {
        read_user(&body)
            .expect_err("must be refused")
            .detail()
            .to_owned()
    }

    #[test]
    fn every_attribute_is_read_in_canonical_case_and_unknown_ones_are_dropped() {
        let document = read(json!({
            "USERNAME": "ada",
            "Name": {"MiddleName": "Augusta", "maidenName": "Byron"},
            "TITLE": "Countess",
            "addresses": [{"STREETADDRESS": "1 St James's Sq.\nLondon", "Primary": "True", "planet": "Earth"}],
            "Roles": [{"VALUE": "analyst", "Display": "Analyst"}],
            "costume": "gown",
            "groups": [{"value": "g1"}],
            ENTERPRISE_USER: {"Manager": "m-1", "DEPARTMENT": "Engines"}
        }));
        assert_eq!(
            Value::Object(document),
            json!({
                "userName": "ada",
                "name": {"middleName": "Augusta"},
                "title": "Countess",
                "addresses": [{"streetAddress": "1 St James's Sq.\nLondon", "primary": true}],
                "roles": [{"value": "analyst", "display": "Analyst"}],
                "active": true,
                ENTERPRISE_USER: {"manager": {"value": "m-1"}, "department": "Engines"}
            })
        );
    }

    #[test]
    fn the_manager_keeps_what_a_client_may_write() {
        let document = read(json!({
            "userName": "ada",
            ENTERPRISE_USER: {"manager": {"value": "m-1", "$ref": "../Users/m-1", "displayName": "Boss"}}
        }));
        assert_eq!(
            document[ENTERPRISE_USER]["manager"],
            json!({"value": "m-1", "$ref": "../Users/m-1"}),
            "displayName is the service provider's"
        );
        // An empty id clears it, as Entra sends it.
        let document = read(json!({"userName": "ada", ENTERPRISE_USER: {"manager": ""}}));
        assert!(!document.contains_key(ENTERPRISE_USER));
    }

    #[test]
    fn values_of_the_wrong_shape_are_refused_naming_the_attribute() {
        for (body, named) in [
            (json!({"userName": "a", "nickName": 1}), "nickName"),
            (json!({"userName": "a", "name": "Ada"}), "name"),
            (json!({"userName": "a", "ims": [{"type": "aim"}]}), "ims"),
            (
                json!({"userName": "a", "addresses": [{"primary": "maybe"}]}),
                "addresses.primary",
            ),
            (json!({"userName": "a", "title": "a\u{7}b"}), "title"),
            (
                json!({"userName": "a", "addresses": [{"locality": "a\nb"}]}),
                "addresses.locality",
            ),
            (
                json!({"userName": "a", "x509Certificates": [{"value": "A".repeat(MAX_BINARY + 1)}]}),
                "x509Certificates.value",
            ),
            (
                json!({"userName": "a", "x509Certificates": [{"value": "<cert/>"}]}),
                "x509Certificates.value",
            ),
        ] {
            let detail = refused(body.clone());
            assert!(detail.contains(named), "{body}: {detail}");
        }
    }
}
