//! A jambonz users API on loopback, answering as the open-source jambonz-api-server
//! does (see [`providers::jambonz`](crate::providers::jambonz) for the facts).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::error::Result;
use crate::providers::jambonz::{JambonzBuilder, JambonzClient};

use super::server::{lock, EmulatorServer, Handler, RecordedRequest, Reply};

/// The columns a create may name; anything else is an SQL error on the real server.
const CREATE_COLUMNS: &[&str] = &[
    "name",
    "email",
    "is_active",
    "force_change",
    "initial_password",
    "is_view_only",
    "account_sid",
    "service_provider_sid",
];

/// A jambonz emulator: `POST/GET /v1/Users`, `GET/PUT/DELETE /v1/Users/{sid}` with
/// bearer auth, and the real server's behaviour:
///
/// - 401 `Unauthorized` as plain text for a missing or wrong token;
/// - create: 201 `{user_sid}`; 400 `missing field ...`; 422 `invalid username or email`
///   on a duplicate name or email; 500 `Unknown column` for an unknown field; a create
///   without `initial_password` gets no answer at all (the real server crashes);
/// - get: booleans as `0`/`1` except `is_view_only`; 400 for a non-UUID sid; 500
///   `failure retrieving user` for an unknown one;
/// - update: 204; `is_view_only` is reset when left out; `is_active`/`force_change`
///   applied only when true; 400 `no updates requested`; 400 for an unknown sid; 403 for
///   a wrong `old_password`; 500 `database update failed` for a value equal to the
///   stored one; a name and a password change together refused;
/// - delete: 204, also for an unknown sid;
/// - list: every user, in no particular order; 500 when there are none.
pub struct JambonzEmulator {
    server: EmulatorServer,
    api_key: String,
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    users: HashMap<Uuid, Row>,
}

#[derive(Debug, Clone)]
struct Row {
    name: String,
    email: String,
    password: String,
    is_active: bool,
    force_change: bool,
    is_view_only: bool,
    account_sid: Option<String>,
    service_provider_sid: Option<String>,
}

impl JambonzEmulator {
    /// Starts the emulator on a random loopback port (needs a tokio runtime).
    pub async fn start() -> std::io::Result<Self> {
        let api_key = format!("emulator-{}", Uuid::new_v4().simple());
        let state = Arc::new(Mutex::new(State::default()));
        let handler = JambonzHandler {
            api_key: api_key.clone(),
            state: Arc::clone(&state),
        };
        Ok(Self {
            server: EmulatorServer::start(handler).await?,
            api_key,
            state,
        })
    }

    /// The base URL to give [`JambonzBuilder::with_base_url`]: `http://127.0.0.1:<port>/v1`.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.server.origin())
    }

    /// The API key the emulator accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// A builder set up for this emulator, to adjust before building.
    pub fn builder(&self) -> JambonzBuilder {
        JambonzBuilder::new()
            .with_base_url(self.base_url())
            .with_api_key(self.api_key.as_str())
    }

    /// A client for this emulator with default options.
    pub fn client(&self) -> Result<JambonzClient> {
        self.builder().build()
    }

    /// Fault knobs and the request log.
    pub fn server(&self) -> &EmulatorServer {
        &self.server
    }

    /// How many users are stored.
    pub fn user_count(&self) -> usize {
        lock(&self.state).users.len()
    }
}

struct JambonzHandler {
    api_key: String,
    state: Arc<Mutex<State>>,
}

fn msg(status: u16, text: &str) -> Reply {
    Reply::json(status, &json!({ "msg": text }))
}

impl Handler for JambonzHandler {
    fn handle(&self, request: &RecordedRequest) -> Reply {
        let expected = format!("Bearer {}", self.api_key);
        if request.header("authorization") != Some(expected.as_str()) {
            return Reply::text(401, "Unauthorized")
                .with_header("www-authenticate", "Bearer realm=\"Users\"");
        }
        let segments = request.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let mut state = lock(&self.state);
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["v1", "Users"]) => create(&mut state, request),
            ("GET", ["v1", "Users"]) => list(&state),
            (method, ["v1", "Users", sid]) => {
                let Ok(sid) = Uuid::parse_str(sid) else {
                    return msg(400, "Bad request");
                };
                match method {
                    "GET" => get(&state, sid),
                    "PUT" => update(&mut state, sid, request),
                    "DELETE" => {
                        state.users.remove(&sid);
                        Reply::empty(204)
                    }
                    _ => Reply::text(404, "Not Found"),
                }
            }
            _ => Reply::text(404, "Not Found"),
        }
    }
}

fn body(request: &RecordedRequest) -> Option<Map<String, Value>> {
    match request.json() {
        Some(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn flag(body: &Map<String, Value>, name: &str) -> Option<bool> {
    match body.get(name) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Number(n)) => Some(n.as_u64() != Some(0)),
        _ => None,
    }
}

fn text(body: &Map<String, Value>, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn create(state: &mut State, request: &RecordedRequest) -> Reply {
    let Some(body) = body(request) else {
        return msg(400, "invalid JSON");
    };
    if let Some(unknown) = body.keys().find(|k| !CREATE_COLUMNS.contains(&k.as_str())) {
        return msg(500, &format!("Unknown column '{unknown}' in 'field list'"));
    }
    let Some(password) = text(&body, "initial_password") else {
        // The real server hashes `undefined` and the process dies: no answer at all.
        return Reply::crash();
    };
    let Some(name) = text(&body, "name") else {
        return msg(400, "missing field name");
    };
    if body.get("email") == Some(&Value::Null) {
        return msg(500, "Column 'email' cannot be null");
    }
    let Some(email) = text(&body, "email") else {
        return msg(400, "missing field email");
    };
    if state
        .users
        .values()
        .any(|u| u.name == name || u.email == email)
    {
        return msg(422, "invalid username or email");
    }
    let sid = Uuid::new_v4();
    state.users.insert(
        sid,
        Row {
            name,
            email,
            password,
            is_active: flag(&body, "is_active").unwrap_or(true),
            force_change: flag(&body, "force_change").unwrap_or(false),
            is_view_only: flag(&body, "is_view_only").unwrap_or(false),
            account_sid: text(&body, "account_sid"),
            service_provider_sid: text(&body, "service_provider_sid"),
        },
    );
    Reply::json(201, &json!({ "user_sid": sid }))
}

fn scope(row: &Row) -> &'static str {
    match (&row.account_sid, &row.service_provider_sid) {
        (Some(_), _) => "account",
        (None, Some(_)) => "service_provider",
        (None, None) => "admin",
    }
}

fn get(state: &State, sid: Uuid) -> Reply {
    let Some(row) = state.users.get(&sid) else {
        return msg(500, "failure retrieving user");
    };
    Reply::json(
        200,
        &json!({
            "user_sid": sid, "name": row.name, "email": row.email, "pending_email": null,
            "phone": null, "account_sid": row.account_sid,
            "service_provider_sid": row.service_provider_sid,
            "force_change": u8::from(row.force_change), "scope": scope(row),
            "email_validated": 0, "phone_validated": 0,
            "is_active": u8::from(row.is_active), "is_view_only": row.is_view_only,
            "provider": "local"
        }),
    )
}

fn list(state: &State) -> Reply {
    if state.users.is_empty() {
        return msg(500, "failure retrieving users list");
    }
    let rows: Vec<Value> = state
        .users
        .iter()
        .map(|(sid, row)| {
            let mut entry = json!({
                "user_sid": sid, "name": row.name, "email": row.email, "scope": scope(row),
                "force_change": u8::from(row.force_change), "is_active": u8::from(row.is_active),
            });
            if let Some(account) = &row.account_sid {
                entry["account_sid"] = json!(account);
            }
            if let Some(provider) = &row.service_provider_sid {
                entry["service_provider_sid"] = json!(provider);
            }
            entry
        })
        .collect();
    Reply::json(200, &Value::Array(rows))
}

fn update(state: &mut State, sid: Uuid, request: &RecordedRequest) -> Reply {
    let Some(body) = body(request) else {
        return msg(400, "invalid JSON");
    };
    let Some(current) = state.users.get(&sid).cloned() else {
        return msg(400, "Invalid request: user_sid does not exist");
    };
    let name = text(&body, "name");
    let email = text(&body, "email");
    let old_password = text(&body, "old_password");
    let new_password = text(&body, "new_password");
    let initial_password = text(&body, "initial_password");
    let is_active = flag(&body, "is_active") == Some(true);
    let force_change = flag(&body, "force_change") == Some(true);
    if old_password.is_some() != new_password.is_some() {
        return msg(400, "new_password and old_password both required");
    }
    if new_password.is_some() && name.is_some() {
        return msg(400, "can not change name and password simultaneously");
    }
    if name.is_none()
        && email.is_none()
        && new_password.is_none()
        && initial_password.is_none()
        && !is_active
        && !force_change
    {
        return msg(400, "no updates requested");
    }
    if let Some(new) = &new_password {
        if old_password.as_deref() != Some(current.password.as_str()) {
            return Reply::text(403, "Forbidden");
        }
        if *new == current.password {
            return msg(500, "database update failed");
        }
    }
    let unchanged = name.as_deref() == Some(current.name.as_str())
        || email.as_deref() == Some(current.email.as_str())
        || (is_active && current.is_active)
        || (force_change && current.force_change);
    if unchanged {
        return msg(500, "database update failed");
    }
    let taken = |field: &Option<String>, of: fn(&Row) -> &str| {
        field.as_deref().is_some_and(|value| {
            state
                .users
                .iter()
                .any(|(other, row)| *other != sid && of(row) == value)
        })
    };
    if taken(&name, |row| row.name.as_str()) || taken(&email, |row| row.email.as_str()) {
        return msg(422, "invalid username or email");
    }
    let Some(row) = state.users.get_mut(&sid) else {
        return msg(400, "Invalid request: user_sid does not exist");
    };
    if let Some(name) = name {
        row.name = name;
    }
    if let Some(email) = email {
        row.email = email;
    }
    if let Some(password) = new_password.or(initial_password) {
        row.password = password;
    }
    if is_active {
        row.is_active = true;
    }
    if force_change {
        row.force_change = true;
    }
    row.is_view_only = flag(&body, "is_view_only").unwrap_or(false);
    match body.get("account_sid") {
        Some(Value::Null) => row.account_sid = None,
        Some(Value::String(account)) => row.account_sid = Some(account.clone()),
        _ => {}
    }
    match body.get("service_provider_sid") {
        Some(Value::Null) => row.service_provider_sid = None,
        Some(Value::String(provider)) => row.service_provider_sid = Some(provider.clone()),
        _ => {}
    }
    Reply::empty(204)
}

impl std::fmt::Debug for JambonzEmulator {
    /// The address only: the emulator's credentials stay out of test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JambonzEmulator")
            .field("address", &self.server.address())
            .finish_non_exhaustive()
    }
}
