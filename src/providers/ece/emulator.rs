//! An Elastic Cloud Enterprise users API on loopback, answering as the vendor's API
//! reference documents (see [`providers::ece`](crate::providers::ece) for the facts).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::error::Result;
use crate::http::auth::base64;
use crate::providers::ece::{EceBuilder, EceClient};

use crate::testing::server::{lock, EmulatorServer, Fault, Handler, RecordedRequest, Reply};

/// The header in which ECE repeats an error answer's codes.
const CODES_HEADER: &str = "x-cloud-error-codes";
/// The built-in administrator: the emulator's basic-auth user, and the owner of its API key.
const ADMIN: &str = "admin";
/// The built-in read-only user.
const READONLY: &str = "readonly";
const PLATFORM_ADMIN: &str = "ece_platform_admin";
const PLATFORM_VIEWER: &str = "ece_platform_viewer";
const DEPLOYMENT_MANAGER: &str = "ece_deployment_manager";
const DEPLOYMENT_VIEWER: &str = "ece_deployment_viewer";
/// Fields a request may not set (`user.restricted_field`).
const RESTRICTED: &[&str] = &["user_name", "metadata", "builtin"];
const RESTRICTED_SECURITY: &[&str] = &["permissions", "elevated_permissions", "security_realm"];

/// An Elastic Cloud Enterprise emulator: `POST/GET /api/v1/users` and
/// `GET/PATCH/DELETE /api/v1/users/{user_name}`, answering as the vendor's reference
/// (`apidocs.json` and the create-user page) documents:
///
/// - auth: HTTP basic as [`username`](Self::username) / [`password`](Self::password), or
///   `Authorization: ApiKey <`[`api_key`](Self::api_key)`>`; anything else is 401
///   `root.unauthenticated`;
/// - every error is `{"errors": [{"code", "message", "fields"}]}` with the code repeated
///   in the `x-cloud-error-codes` header;
/// - the built-in users `admin` (`ece_platform_admin`) and `readonly`
///   (`ece_platform_viewer`) exist from the start, are listed with `builtin: true`, and
///   cannot be changed or deleted (400 `user.cannot_modify`);
/// - create: 200 with the `User`; 400 `user.user_name.invalid` for an empty user name
///   or one with characters other than ASCII letters, digits, `.`, `_`, `-` and `@`;
///   409 `user.user_name.conflict` for a name in use; 400 `user.roles.invalid` for a role
///   that is not one of the four ECE roles; 400 `user.roles.forbidden` for
///   `ece_platform_admin` with any other role, or `ece_deployment_manager` with
///   `ece_deployment_viewer`; 400 `user.restricted_field` for `metadata`, `builtin`,
///   `security.permissions`, `security.elevated_permissions` or
///   `security.security_realm`; 400 `root.invalid_json_request` for a body that is not
///   a `User` (no `user_name` or `security`, a field of the wrong type); users start
///   enabled unless `security.enabled` is `false`;
/// - a `User` never holds the password (the reference: "only used when modifying a
///   user"); `security.permissions` lists the operation ids the roles grant;
///   `security.security_realm` is `native`; `metadata.created_at`, `updated_at`,
///   `created_by` and `updated_by` are filled in by the emulator;
/// - get: 200 `User`, 404 `user.not_found`;
/// - list: `{"users": [...]}` sorted by user name (the real order is not documented),
///   disabled users only with `include_disabled=true`;
/// - update: `PATCH` with a JSON Merge Patch (RFC 7396): a left-out field keeps its
///   value, nested objects (`security`) are merged, `null` reverts a field to its
///   default (`roles` empty, `enabled` true) or removes it (`full_name`, `email`,
///   `password`); unknown fields are ignored; the user name cannot be changed
///   (`user.restricted_field`); the same role and restricted-field checks as a create;
///   200 with the updated `User`; 404 `user.not_found`;
/// - delete: 200 `{}`; 404 `user.not_found`.
///
/// Not reproduced: users of external realms (`user.cannot_modify_external`),
/// `user.restricted_deletion`, elevated permissions (inject
/// [`elevated_permissions_required`](Self::elevated_permissions_required) to see the
/// 449 answer), password policies.
pub struct EceEmulator {
    server: EmulatorServer,
    password: String,
    api_key: String,
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    users: BTreeMap<String, StoredUser>,
}

#[derive(Debug, Clone)]
struct StoredUser {
    writable: Writable,
    builtin: bool,
    created_at: DateTime<Utc>,
    created_by: String,
    updated_at: DateTime<Utc>,
    updated_by: String,
}

/// What a request may set: the part of a `User` a merge patch applies to.
#[derive(Debug, Clone)]
struct Writable {
    full_name: Option<String>,
    email: Option<String>,
    roles: Vec<String>,
    password: Option<String>,
    enabled: bool,
}

impl EceEmulator {
    /// Starts the emulator on a random loopback port (needs a tokio runtime).
    pub async fn start() -> std::io::Result<Self> {
        let password = format!("emulator-{}", Uuid::new_v4().simple());
        let api_key = format!("emulator-key-{}", Uuid::new_v4().simple());
        let now = Utc::now();
        let builtin = |role: &str| StoredUser {
            writable: Writable {
                full_name: None,
                email: None,
                roles: vec![role.to_owned()],
                password: None,
                enabled: true,
            },
            builtin: true,
            created_at: now,
            created_by: ADMIN.to_owned(),
            updated_at: now,
            updated_by: ADMIN.to_owned(),
        };
        let users = BTreeMap::from([
            (ADMIN.to_owned(), builtin(PLATFORM_ADMIN)),
            (READONLY.to_owned(), builtin(PLATFORM_VIEWER)),
        ]);
        let state = Arc::new(Mutex::new(State { users }));
        let handler = EceHandler {
            basic: format!("{ADMIN}:{password}"),
            api_key: api_key.clone(),
            state: Arc::clone(&state),
        };
        Ok(Self {
            server: EmulatorServer::start(handler).await?,
            password,
            api_key,
            state,
        })
    }

    /// The base URL to give [`EceBuilder::with_base_url`]: `http://127.0.0.1:<port>/api/v1`.
    pub fn base_url(&self) -> String {
        format!("{}/api/v1", self.server.origin())
    }

    /// The basic-auth user name the emulator accepts (`admin`).
    pub fn username(&self) -> &str {
        ADMIN
    }

    /// The basic-auth password the emulator accepts.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The API key the emulator accepts (as `Authorization: ApiKey <key>`).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// A builder set up for this emulator with its API key, to adjust before building.
    pub fn builder(&self) -> EceBuilder {
        EceBuilder::new()
            .with_base_url(self.base_url())
            .with_api_key(self.api_key.as_str())
    }

    /// A builder set up for this emulator with basic auth (`admin` and the password).
    pub fn basic_auth_builder(&self) -> EceBuilder {
        EceBuilder::new()
            .with_base_url(self.base_url())
            .with_basic_auth(ADMIN, self.password.as_str())
    }

    /// A client for this emulator (API key) with default options.
    pub fn client(&self) -> Result<EceClient> {
        self.builder().build()
    }

    /// Fault knobs and the request log.
    pub fn server(&self) -> &EmulatorServer {
        &self.server
    }

    /// How many users were created through the API and not deleted (the built-in
    /// `admin` and `readonly` are not counted).
    pub fn user_count(&self) -> usize {
        lock(&self.state)
            .users
            .values()
            .filter(|user| !user.builtin)
            .count()
    }

    /// The 449 answer ECE gives when the caller must elevate its permissions first
    /// (`root.unauthorized.rbac.elevated_permissions_required`), without acting; inject
    /// it with a [`FaultRule`](crate::testing::FaultRule).
    pub fn elevated_permissions_required() -> Fault {
        let code = "root.unauthorized.rbac.elevated_permissions_required";
        Fault::Respond {
            status: 449,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                (CODES_HEADER.into(), code.into()),
            ],
            body: error_body(
                code,
                "This operation requires elevated permissions; elevate your permissions first",
                &[],
            )
            .to_string(),
        }
    }
}

struct EceHandler {
    /// `user:password` of basic auth.
    basic: String,
    api_key: String,
    state: Arc<Mutex<State>>,
}

fn error_body(code: &str, message: &str, fields: &[&str]) -> Value {
    let mut entry = json!({ "code": code, "message": message });
    if !fields.is_empty() {
        entry["fields"] = json!(fields);
    }
    json!({ "errors": [entry] })
}

fn error(status: u16, code: &str, message: &str, fields: &[&str]) -> Reply {
    Reply::json(status, &error_body(code, message, fields)).with_header(CODES_HEADER, code)
}

fn not_found(user_name: &str) -> Reply {
    error(
        404,
        "user.not_found",
        &format!("User [{user_name}] not found"),
        &[],
    )
}

fn schema_error(field: &str) -> Reply {
    error(
        400,
        "root.invalid_json_request",
        &format!("JSON request does not comply with schema: [{field}]"),
        &[field],
    )
}

impl EceHandler {
    /// The caller's user name when the credentials are right.
    fn caller(&self, request: &RecordedRequest) -> Option<&'static str> {
        let (scheme, value) = request.header("authorization")?.split_once(' ')?;
        let value = value.trim();
        let valid = if scheme.eq_ignore_ascii_case("apikey") {
            value == self.api_key
        } else if scheme.eq_ignore_ascii_case("basic") {
            value == base64(self.basic.as_bytes())
        } else {
            false
        };
        valid.then_some(ADMIN)
    }
}

impl Handler for EceHandler {
    fn handle(&self, request: &RecordedRequest) -> Reply {
        let Some(caller) = self.caller(request) else {
            return error(
                401,
                "root.unauthenticated",
                "The supplied authentication is invalid",
                &[],
            );
        };
        let segments = request.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let mut state = lock(&self.state);
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["api", "v1", "users"]) => create(&mut state, request, caller),
            ("GET", ["api", "v1", "users"]) => list(&state, request),
            ("GET", ["api", "v1", "users", name]) => match state.users.get(*name) {
                Some(user) => Reply::json(200, &user_json(name, user)),
                None => not_found(name),
            },
            ("PATCH", ["api", "v1", "users", name]) => update(&mut state, name, request, caller),
            ("DELETE", ["api", "v1", "users", name]) => match state.users.get(*name) {
                None => not_found(name),
                Some(user) if user.builtin => cannot_modify(name),
                Some(_) => {
                    state.users.remove(*name);
                    Reply::json(200, &json!({}))
                }
            },
            _ => Reply::text(404, "Not Found"),
        }
    }
}

fn cannot_modify(user_name: &str) -> Reply {
    error(
        400,
        "user.cannot_modify",
        &format!("Built-in user [{user_name}] cannot be modified"),
        &[],
    )
}

fn body(request: &RecordedRequest) -> std::result::Result<Map<String, Value>, Reply> {
    match request.json() {
        Some(Value::Object(map)) => Ok(map),
        _ => Err(error(
            400,
            "root.invalid_json_request",
            "The request body is not a JSON object",
            &[],
        )),
    }
}

/// `user.restricted_field` naming the first server-managed field the request sets.
fn restricted(body: &Map<String, Value>) -> Option<Reply> {
    let top = RESTRICTED
        .iter()
        .find(|name| body.contains_key(**name))
        .map(|name| (*name).to_owned());
    let security = body.get("security").and_then(Value::as_object);
    let nested = RESTRICTED_SECURITY
        .iter()
        .find(|name| security.is_some_and(|s| s.contains_key(**name)))
        .map(|name| format!("security.{name}"));
    let field = top.or(nested)?;
    Some(error(
        400,
        "user.restricted_field",
        &format!("Trying to set a restricted field: [{field}]"),
        &[&field],
    ))
}

/// Reads the writable fields of a `User` document; `null` or absent is the default.
fn writable(doc: &Map<String, Value>) -> std::result::Result<Writable, Reply> {
    fn text(
        map: &Map<String, Value>,
        name: &str,
        path: &str,
    ) -> std::result::Result<Option<String>, Reply> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(value)) => Ok(Some(value.clone())),
            Some(_) => Err(schema_error(path)),
        }
    }
    let empty = Map::new();
    let security = match doc.get("security") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(security)) => security,
        Some(_) => return Err(schema_error("security")),
    };
    let roles = match security.get("roles") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(roles)) => roles
            .iter()
            .map(|role| role.as_str().map(str::to_owned))
            .collect::<Option<Vec<String>>>()
            .ok_or_else(|| schema_error("security.roles"))?,
        Some(_) => return Err(schema_error("security.roles")),
    };
    let enabled = match security.get("enabled") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(enabled)) => *enabled,
        Some(_) => return Err(schema_error("security.enabled")),
    };
    Ok(Writable {
        full_name: text(doc, "full_name", "full_name")?,
        email: text(doc, "email", "email")?,
        roles,
        password: text(security, "password", "security.password")?,
        enabled,
    })
}

/// The documented role rules: known roles only; `ece_platform_admin` alone; not both
/// deployment roles.
fn check_roles(roles: &[String]) -> Option<Reply> {
    const KNOWN: [&str; 4] = [
        PLATFORM_ADMIN,
        PLATFORM_VIEWER,
        DEPLOYMENT_MANAGER,
        DEPLOYMENT_VIEWER,
    ];
    let field = ["security.roles"];
    let unknown: Vec<&str> = roles
        .iter()
        .map(String::as_str)
        .filter(|role| !KNOWN.contains(role))
        .collect();
    if !unknown.is_empty() {
        return Some(error(
            400,
            "user.roles.invalid",
            &format!("Some of the provided roles are invalid: {unknown:?}"),
            &field,
        ));
    }
    let has = |role: &str| roles.iter().any(|r| r == role);
    let forbidden = if has(PLATFORM_ADMIN) && roles.iter().any(|r| r != PLATFORM_ADMIN) {
        Some("ece_platform_admin cannot be combined with other roles")
    } else if has(DEPLOYMENT_MANAGER) && has(DEPLOYMENT_VIEWER) {
        Some("ece_deployment_manager and ece_deployment_viewer cannot be combined")
    } else {
        None
    };
    forbidden.map(|reason| {
        error(
            400,
            "user.roles.forbidden",
            &format!("Some of the provided roles are forbidden: {reason}"),
            &field,
        )
    })
}

fn valid_user_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

fn create(state: &mut State, request: &RecordedRequest, caller: &str) -> Reply {
    let body = match body(request) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let user_name = match body.get("user_name") {
        Some(Value::String(name)) => name.clone(),
        _ => return schema_error("user_name"),
    };
    if !matches!(body.get("security"), Some(Value::Object(_))) {
        return schema_error("security");
    }
    let mut fields = body.clone();
    fields.remove("user_name");
    if let Some(reply) = restricted(&fields) {
        return reply;
    }
    if !valid_user_name(&user_name) {
        return error(
            400,
            "user.user_name.invalid",
            "The provided user name is invalid. Check that it is not empty and it does not \
             contain special characters.",
            &["user_name"],
        );
    }
    let writable = match writable(&body) {
        Ok(writable) => writable,
        Err(reply) => return reply,
    };
    if let Some(reply) = check_roles(&writable.roles) {
        return reply;
    }
    if state.users.contains_key(&user_name) {
        return error(
            409,
            "user.user_name.conflict",
            &format!("The username [{user_name}] is already in use"),
            &["user_name"],
        );
    }
    let now = Utc::now();
    let user = StoredUser {
        writable,
        builtin: false,
        created_at: now,
        created_by: caller.to_owned(),
        updated_at: now,
        updated_by: caller.to_owned(),
    };
    let reply = Reply::json(200, &user_json(&user_name, &user));
    state.users.insert(user_name, user);
    reply
}

/// Go's `strconv.ParseBool`, as the server reads boolean query parameters.
fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn list(state: &State, request: &RecordedRequest) -> Reply {
    let include_disabled = match request.query_param("include_disabled") {
        None => false,
        Some(value) => match parse_bool(&value) {
            Some(include) => include,
            None => return schema_error("include_disabled"),
        },
    };
    let users: Vec<Value> = state
        .users
        .iter()
        .filter(|(_, user)| include_disabled || user.writable.enabled)
        .map(|(name, user)| user_json(name, user))
        .collect();
    Reply::json(200, &json!({ "users": users }))
}

/// RFC 7396: objects are merged member by member, `null` removes a member, anything
/// else replaces the target.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (name, value) in patch {
            if value.is_null() {
                target.remove(name);
            } else {
                merge_patch(target.entry(name.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

fn writable_json(writable: &Writable) -> Value {
    let mut security = json!({ "roles": writable.roles, "enabled": writable.enabled });
    if let Some(password) = &writable.password {
        security["password"] = json!(password);
    }
    let mut doc = json!({ "security": security });
    if let Some(full_name) = &writable.full_name {
        doc["full_name"] = json!(full_name);
    }
    if let Some(email) = &writable.email {
        doc["email"] = json!(email);
    }
    doc
}

fn update(state: &mut State, name: &str, request: &RecordedRequest, caller: &str) -> Reply {
    let Some(current) = state.users.get(name) else {
        return not_found(name);
    };
    if current.builtin {
        return cannot_modify(name);
    }
    let patch = match body(request) {
        Ok(patch) => patch,
        Err(reply) => return reply,
    };
    if let Some(reply) = restricted(&patch) {
        return reply;
    }
    let mut doc = writable_json(&current.writable);
    merge_patch(&mut doc, &Value::Object(patch));
    let Value::Object(doc) = doc else {
        return schema_error("body");
    };
    let writable = match writable(&doc) {
        Ok(writable) => writable,
        Err(reply) => return reply,
    };
    if let Some(reply) = check_roles(&writable.roles) {
        return reply;
    }
    let Some(user) = state.users.get_mut(name) else {
        return not_found(name);
    };
    user.writable = writable;
    user.updated_at = Utc::now();
    user.updated_by = caller.to_owned();
    Reply::json(200, &user_json(name, user))
}

/// The operation ids (of the vendor's API reference) a role grants; illustrative.
fn permissions(roles: &[String]) -> Vec<&'static str> {
    let mut granted: Vec<&'static str> = roles
        .iter()
        .flat_map(|role| match role.as_str() {
            PLATFORM_ADMIN => &[
                "create-user",
                "delete-user",
                "get-user",
                "get-users",
                "update-user",
                "create-deployment",
                "delete-deployment",
                "get-deployment",
                "list-deployments",
                "update-deployment",
            ][..],
            PLATFORM_VIEWER => &[
                "get-user",
                "get-users",
                "get-deployment",
                "list-deployments",
            ],
            DEPLOYMENT_MANAGER => &[
                "create-deployment",
                "delete-deployment",
                "get-deployment",
                "list-deployments",
                "update-deployment",
            ],
            DEPLOYMENT_VIEWER => &["get-deployment", "list-deployments"],
            _ => &[],
        })
        .copied()
        .collect();
    granted.sort_unstable();
    granted.dedup();
    granted
}

fn timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The `User` the server answers: never with the password.
fn user_json(name: &str, user: &StoredUser) -> Value {
    let writable = &user.writable;
    let mut out = json!({
        "user_name": name,
        "builtin": user.builtin,
        "security": {
            "roles": writable.roles,
            "permissions": permissions(&writable.roles),
            "enabled": writable.enabled,
            "security_realm": { "type": "native", "id": "native" },
        },
        "metadata": {
            "created_by": user.created_by,
            "created_at": timestamp(&user.created_at),
            "updated_by": user.updated_by,
            "updated_at": timestamp(&user.updated_at),
        },
    });
    if let Some(full_name) = &writable.full_name {
        out["full_name"] = json!(full_name);
    }
    if let Some(email) = &writable.email {
        out["email"] = json!(email);
    }
    out
}

impl std::fmt::Debug for EceEmulator {
    /// The address only: the emulator's credentials stay out of test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EceEmulator")
            .field("address", &self.server.address())
            .finish_non_exhaustive()
    }
}
