//! A SCIM User as the bridge reads it from a request and renders it in an answer.

use chrono::SecondsFormat;
use serde_json::{Map, Value};

use user_provisioner::Secret;

use super::error::ScimError;
use super::store::{SyncRecord, SyncState, UserRecord};
use user_provisioner::scim::attributes::{self, boolean, get_ci, Kind, Mutability, Scalar, Schema};
use user_provisioner::scim::schema::{BRIDGE_USER, ENTERPRISE_USER, USER};

/// The longest text value the bridge stores.
const MAX_TEXT: usize = 2048;
/// The most emails or phone numbers one user carries.
const MAX_VALUES: usize = 32;
/// The most provider attributes one user carries.
const MAX_ATTRIBUTES: usize = 64;

/// The writable single strings of `schema` (`userName`, `department`), in canonical
/// case, from the one attribute table.
fn writable_strings(schema: Schema) -> impl Iterator<Item = &'static str> {
    attributes::of_schema(schema)
        .filter(|attribute| {
            attribute.kind == Kind::Scalar(Scalar::String)
                && attribute.mutability == Mutability::ReadWrite
        })
        .map(|attribute| attribute.name)
}

/// The sub-attributes of `name` (`givenName`, …).
fn name_parts() -> impl Iterator<Item = &'static str> {
    let subs = match attributes::lookup(Schema::Core, "name").map(|name| name.kind) {
        Some(Kind::Complex { subs, .. }) => subs,
        _ => &[],
    };
    subs.iter().map(|sub| sub.name)
}

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
    let mut document = Map::new();
    for name in writable_strings(Schema::Core) {
        if let Some(text) = text_at(object, name, name)? {
            document.insert(name.into(), text.into());
        }
    }
    let user_name = document
        .get("userName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if user_name.trim().is_empty() {
        return Err(ScimError::invalid_value("userName is required"));
    }
    if let Some(name) = get_ci(object, "name").filter(|value| !value.is_null()) {
        let name = name
            .as_object()
            .ok_or_else(|| ScimError::invalid_value("name must be an object"))?;
        let mut parts = Map::new();
        for part in name_parts() {
            if let Some(text) = text_at(name, part, &format!("name.{part}"))? {
                parts.insert(part.into(), text.into());
            }
        }
        if !parts.is_empty() {
            document.insert("name".into(), parts.into());
        }
    }
    for attribute in ["emails", "phoneNumbers"] {
        let values = multi_valued(object, attribute)?;
        if !values.is_empty() {
            document.insert(attribute.into(), values.into());
        }
    }
    let active = match get_ci(object, "active") {
        None | Some(Value::Null) => true,
        Some(value) => {
            boolean(value).ok_or_else(|| ScimError::invalid_value("active must be a boolean"))?
        }
    };
    document.insert("active".into(), active.into());
    if let Some(enterprise) = extension(object, ENTERPRISE_USER)? {
        let mut stored = Map::new();
        for name in writable_strings(Schema::Enterprise) {
            if let Some(text) = text_at(enterprise, name, name)? {
                stored.insert(name.into(), text.into());
            }
        }
        if let Some(manager) = manager(enterprise)? {
            stored.insert("manager".into(), manager);
        }
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

fn text_at(
    object: &Map<String, Value>,
    name: &str,
    field: &str,
) -> Result<Option<String>, ScimError> {
    match get_ci(object, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => checked_text(field, text).map(Some),
        Some(_) => Err(ScimError::invalid_value(format!(
            "{field} must be a string"
        ))),
    }
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

/// `emails` or `phoneNumbers`: `value` required, `type` and `primary` kept, at most one
/// primary (RFC 7643 §2.4).
fn multi_valued(object: &Map<String, Value>, attribute: &str) -> Result<Vec<Value>, ScimError> {
    let items = match get_ci(object, attribute) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(ScimError::invalid_value(format!(
                "{attribute} must be an array"
            )))
        }
    };
    if items.len() > MAX_VALUES {
        return Err(ScimError::invalid_value(format!(
            "{attribute} holds more than {MAX_VALUES} values"
        )));
    }
    let mut values = Vec::with_capacity(items.len());
    let mut primaries = 0;
    for item in items {
        let item = item.as_object().ok_or_else(|| {
            ScimError::invalid_value(format!("each of {attribute} must be an object"))
        })?;
        let Some(value) = text_at(item, "value", &format!("{attribute}.value"))? else {
            return Err(ScimError::invalid_value(format!(
                "each of {attribute} needs a value"
            )));
        };
        let mut stored = Map::new();
        stored.insert("value".into(), value.into());
        if let Some(kind) = text_at(item, "type", &format!("{attribute}.type"))? {
            stored.insert("type".into(), kind.into());
        }
        if let Some(primary) = get_ci(item, "primary").filter(|value| !value.is_null()) {
            let primary = boolean(primary).ok_or_else(|| {
                ScimError::invalid_value(format!("{attribute}.primary must be a boolean"))
            })?;
            if primary {
                primaries += 1;
            }
            stored.insert("primary".into(), primary.into());
        }
        values.push(Value::Object(stored));
    }
    if primaries > 1 {
        return Err(ScimError::invalid_value(format!(
            "at most one of {attribute} can be primary"
        )));
    }
    Ok(values)
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

/// The enterprise `manager`: `{"value": id}` or, as Entra ID also sends it, the id.
fn manager(enterprise: &Map<String, Value>) -> Result<Option<Value>, ScimError> {
    let id = match get_ci(enterprise, "manager") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(id)) => id.clone(),
        Some(Value::Object(manager)) => match text_at(manager, "value", "manager.value")? {
            Some(id) => id,
            None => return Ok(None),
        },
        Some(_) => {
            return Err(ScimError::invalid_value(
                "manager must be an object with a value",
            ))
        }
    };
    if id.is_empty() {
        return Ok(None);
    }
    let mut manager = Map::new();
    manager.insert("value".into(), checked_text("manager.value", &id)?.into());
    Ok(Some(manager.into()))
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
