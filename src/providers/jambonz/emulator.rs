//! A jambonz users API on loopback, answering as the open-source jambonz-api-server
//! does (see [`providers::jambonz`](crate::providers::jambonz) for the facts).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::error::Result;
use crate::providers::jambonz::{JambonzBuilder, JambonzClient};

use crate::testing::server::{lock, EmulatorServer, Handler, RecordedRequest, Reply};

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

/// A jambonz emulator: `POST/GET /v1/Users`, `GET/PUT/DELETE /v1/Users/{sid}`,
/// `POST /v1/Accounts` and `POST /v1/ApiKeys` with bearer auth, answering as the real
/// jambonz-api-server v0.9.6 was observed to (the `tests/jambonz_server.rs` suite runs the
/// same test functions against both, so the two cannot drift apart):
///
/// - seeded like the server's open-source seed: one service provider, one account
///   ([`account_sid`](Self::account_sid)), an admin API key ([`api_key`](Self::api_key)),
///   an account API key ([`account_api_key`](Self::account_api_key)) and one active
///   administrator user, `admin`;
/// - every answer carries `RateLimit-Policy`, `RateLimit-Limit`, `RateLimit-Remaining`
///   and `RateLimit-Reset` (express-rate-limit's standard headers); past the limit
///   ([`with_rate_limit`](Self::with_rate_limit), 100000 per 5 minutes by default) the
///   answer is the server's 429 with `Retry-After`;
/// - 401 `Unauthorized` as plain text with `WWW-Authenticate` for a missing or wrong token;
/// - create: 201 `{user_sid}`; 400 `missing field ...`; 400 for a password outside 8..20
///   characters; 422 `invalid username or email` on a duplicate name or email; 500
///   `Unknown column` for an unknown field; 500 for an unknown `account_sid` (nothing
///   stored); a create without `initial_password` gets no answer at all (the real server
///   crashes); an account token's creates land in its account;
/// - get: the stored row (`scope` is the stored `read-write`), flags as `0`/`1` except
///   `is_view_only` (a boolean); 400 for a non-UUID sid; 500 `failure retrieving user`
///   for an unknown one;
/// - update (204): every field the body names is applied, `true` or `false`; leaving
///   `is_view_only` out clears view-only; 400 `no updates requested` only when nothing is
///   named and `is_view_only` is absent; a value equal to the stored one is a 204; no
///   uniqueness check on name or email; 400 for an unknown sid, for `account_sid: null`
///   (no promotion), and for a name and a password change together; 403 `Forbidden`
///   (plain text) for a wrong `old_password`; 500 for a new password equal to the old;
///   a password change clears `force_change`;
/// - delete: 204; for an unknown sid 204 when two or more active administrators exist,
///   500 `Cannot read properties of undefined (reading 'user_sid')` when exactly one
///   does; 400 `Bad request` for deleting the only active administrator;
/// - list: every user the token may see, in no particular order, with the computed
///   `scope`; 500 `failure retrieving users list` when there are none.
pub struct JambonzEmulator {
    server: EmulatorServer,
    api_key: String,
    account_api_key: String,
    account_sid: Uuid,
    service_provider_sid: Uuid,
    state: Arc<Mutex<State>>,
}

/// What a token may see and do.
#[derive(Debug, Clone, PartialEq)]
enum Scope {
    Admin,
    Account(String),
}

#[derive(Debug)]
struct State {
    users: HashMap<Uuid, Row>,
    /// account sid → (name, service provider sid)
    accounts: HashMap<String, (String, String)>,
    tokens: HashMap<String, Scope>,
    rate: RateWindow,
}

#[derive(Debug)]
struct RateWindow {
    limit: u64,
    window: Duration,
    started: Instant,
    used: u64,
}

impl RateWindow {
    /// Counts one request; the headers to send and whether it is over the limit.
    fn hit(&mut self) -> (Vec<(&'static str, String)>, bool) {
        if self.started.elapsed() >= self.window {
            self.started = Instant::now();
            self.used = 0;
        }
        self.used += 1;
        let left = self.window.saturating_sub(self.started.elapsed());
        let reset = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        let headers = vec![
            (
                "ratelimit-policy",
                format!("{};w={}", self.limit, self.window.as_secs()),
            ),
            ("ratelimit-limit", self.limit.to_string()),
            (
                "ratelimit-remaining",
                self.limit.saturating_sub(self.used).to_string(),
            ),
            ("ratelimit-reset", reset.to_string()),
        ];
        (headers, self.used > self.limit)
    }
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

impl Row {
    fn is_active_admin(&self) -> bool {
        self.account_sid.is_none() && self.service_provider_sid.is_none() && self.is_active
    }
}

impl JambonzEmulator {
    /// Starts the emulator on a random loopback port (needs a tokio runtime).
    pub async fn start() -> std::io::Result<Self> {
        let api_key = Uuid::new_v4().to_string();
        let account_api_key = Uuid::new_v4().to_string();
        let account_sid = Uuid::new_v4();
        let service_provider_sid = Uuid::new_v4();
        let mut state = State {
            users: HashMap::new(),
            accounts: HashMap::new(),
            tokens: HashMap::new(),
            rate: RateWindow {
                limit: 100_000,
                window: Duration::from_secs(300),
                started: Instant::now(),
                used: 0,
            },
        };
        state.tokens.insert(api_key.clone(), Scope::Admin);
        state.tokens.insert(
            account_api_key.clone(),
            Scope::Account(account_sid.to_string()),
        );
        state.accounts.insert(
            account_sid.to_string(),
            ("default account".into(), service_provider_sid.to_string()),
        );
        state.users.insert(
            Uuid::new_v4(),
            Row {
                name: "admin".into(),
                email: "joe@foo.bar".into(),
                password: "admin".into(),
                is_active: true,
                force_change: true,
                is_view_only: false,
                account_sid: None,
                service_provider_sid: None,
            },
        );
        let state = Arc::new(Mutex::new(state));
        let handler = JambonzHandler {
            state: Arc::clone(&state),
        };
        Ok(Self {
            server: EmulatorServer::start(handler).await?,
            api_key,
            account_api_key,
            account_sid,
            service_provider_sid,
            state,
        })
    }

    /// The base URL to give [`JambonzBuilder::with_base_url`]: `http://127.0.0.1:<port>/v1`.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.server.origin())
    }

    /// The admin API key the emulator accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The API key of the seeded account ([`account_sid`](Self::account_sid)).
    pub fn account_api_key(&self) -> &str {
        &self.account_api_key
    }

    /// The seeded account.
    pub fn account_sid(&self) -> Uuid {
        self.account_sid
    }

    /// The seeded service provider.
    pub fn service_provider_sid(&self) -> Uuid {
        self.service_provider_sid
    }

    /// Sets the rate limit: `limit` requests per `window`, counted from now, as the
    /// server's `RATE_LIMIT_MAX_PER_WINDOW` and `RATE_LIMIT_WINDOWS_MINS` do.
    pub fn with_rate_limit(self, limit: u64, window: Duration) -> Self {
        lock(&self.state).rate = RateWindow {
            limit,
            window,
            started: Instant::now(),
            used: 0,
        };
        self
    }

    /// A builder set up for this emulator (admin key), to adjust before building.
    pub fn builder(&self) -> JambonzBuilder {
        JambonzBuilder::new()
            .with_base_url(self.base_url())
            .with_api_key(self.api_key.as_str())
    }

    /// A client for this emulator with the admin key and default options.
    pub fn client(&self) -> Result<JambonzClient> {
        self.builder().build()
    }

    /// Fault knobs and the request log.
    pub fn server(&self) -> &EmulatorServer {
        &self.server
    }

    /// How many users are stored, the seeded `admin` included.
    pub fn user_count(&self) -> usize {
        lock(&self.state).users.len()
    }
}

struct JambonzHandler {
    state: Arc<Mutex<State>>,
}

fn msg(status: u16, text: &str) -> Reply {
    Reply::json(status, &json!({ "msg": text }))
}

impl Handler for JambonzHandler {
    fn handle(&self, request: &RecordedRequest) -> Reply {
        let mut state = lock(&self.state);
        let (headers, over_limit) = state.rate.hit();
        let reply = if over_limit {
            let reset = headers
                .iter()
                .find(|(name, _)| *name == "ratelimit-reset")
                .map(|(_, value)| value.clone())
                .unwrap_or_default();
            Reply::text(429, "Too many requests, please try again later.")
                .with_header("retry-after", &reset)
        } else {
            route(&mut state, request)
        };
        headers
            .iter()
            .fold(reply, |reply, (name, value)| reply.with_header(name, value))
    }
}

fn route(state: &mut State, request: &RecordedRequest) -> Reply {
    let token = request
        .header("authorization")
        .and_then(|value| value.strip_prefix("Bearer "));
    let Some(scope) = token.and_then(|token| state.tokens.get(token)).cloned() else {
        let challenge = match token {
            Some(_) => "Bearer realm=\"Users\", error=\"invalid_token\"",
            None => "Bearer realm=\"Users\"",
        };
        return Reply::text(401, "Unauthorized").with_header("www-authenticate", challenge);
    };
    let segments = request.segments();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (request.method.as_str(), segments.as_slice()) {
        ("POST", ["v1", "Users"]) => create(state, &scope, request),
        ("GET", ["v1", "Users"]) => list(state, &scope),
        ("POST", ["v1", "Accounts"]) => add_account(state, &scope, request),
        ("POST", ["v1", "ApiKeys"]) => add_api_key(state, &scope, request),
        (method, ["v1", "Users", sid]) => {
            let Ok(sid) = Uuid::parse_str(sid) else {
                return msg(400, "Bad request");
            };
            match method {
                "GET" => get(state, &scope, sid),
                "PUT" => update(state, &scope, sid, request),
                "DELETE" => delete(state, &scope, sid),
                _ => Reply::text(404, "Not Found"),
            }
        }
        _ => Reply::text(404, "Not Found"),
    }
}

fn body(request: &RecordedRequest) -> Option<Map<String, Value>> {
    match request.json() {
        Some(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A body value as JavaScript's truthiness sees it (`if (name)`).
fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

fn text(body: &Map<String, Value>, name: &str) -> Option<String> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// The server's default password rule (no `/PasswordSettings` set).
fn password_refused(password: &str) -> Option<Reply> {
    let len = password.chars().count();
    (!(8..=20).contains(&len)).then(|| msg(400, "password length must be between 8 and 20"))
}

fn create(state: &mut State, scope: &Scope, request: &RecordedRequest) -> Reply {
    let Some(body) = body(request) else {
        return msg(400, "invalid JSON");
    };
    let Some(password) = text(&body, "initial_password") else {
        // The real server hashes `undefined` and the process dies: no answer at all.
        return Reply::crash();
    };
    if let Some(refused) = password_refused(&password) {
        return refused;
    }
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
    if let Some(unknown) = body.keys().find(|k| !CREATE_COLUMNS.contains(&k.as_str())) {
        return msg(500, &format!("Unknown column '{unknown}' in 'INSERT INTO'"));
    }
    let account_sid = match scope {
        Scope::Account(account) => Some(account.clone()),
        Scope::Admin => text(&body, "account_sid"),
    };
    if let Some(account) = &account_sid {
        if !state.accounts.contains_key(account) {
            return msg(
                500,
                "Cannot add or update a child row: a foreign key constraint fails \
                 (`jambones`.`users`, CONSTRAINT `account_sid_idxfk_1`)",
            );
        }
    }
    let sid = Uuid::new_v4();
    state.users.insert(
        sid,
        Row {
            name,
            email,
            password,
            is_active: body.get("is_active").is_none_or(|v| truthy(Some(v))),
            force_change: truthy(body.get("force_change")),
            is_view_only: truthy(body.get("is_view_only")),
            account_sid,
            service_provider_sid: text(&body, "service_provider_sid"),
        },
    );
    Reply::json(201, &json!({ "user_sid": sid }))
}

/// The level the list computes: both sids set is `account`, only the provider's is
/// `service_provider`, anything else `admin`.
fn computed_scope(row: &Row) -> &'static str {
    match (&row.account_sid, &row.service_provider_sid) {
        (Some(_), Some(_)) => "account",
        (None, Some(_)) => "service_provider",
        _ => "admin",
    }
}

fn visible(scope: &Scope, row: &Row) -> bool {
    match scope {
        Scope::Admin => true,
        Scope::Account(account) => row.account_sid.as_ref() == Some(account),
    }
}

fn get(state: &State, scope: &Scope, sid: Uuid) -> Reply {
    let Some(row) = state.users.get(&sid) else {
        return msg(500, "failure retrieving user");
    };
    if !visible(scope, row) {
        return msg(403, "insufficient permissions");
    }
    Reply::json(
        200,
        &json!({
            "user_sid": sid, "name": row.name, "email": row.email, "pending_email": null,
            "phone": null, "account_sid": row.account_sid,
            "service_provider_sid": row.service_provider_sid,
            "force_change": u8::from(row.force_change), "provider": "local",
            "provider_userid": null, "scope": "read-write", "phone_activation_code": null,
            "email_activation_code": null, "email_validated": 0, "phone_validated": 0,
            "email_content_opt_out": 0, "is_active": u8::from(row.is_active),
            "is_view_only": row.is_view_only
        }),
    )
}

fn list(state: &State, scope: &Scope) -> Reply {
    let rows: Vec<Value> = state
        .users
        .iter()
        .filter(|(_, row)| visible(scope, row))
        .map(|(sid, row)| {
            let mut entry = json!({
                "user_sid": sid, "name": row.name, "email": row.email,
                "scope": computed_scope(row), "force_change": u8::from(row.force_change),
                "is_active": u8::from(row.is_active),
            });
            if let Some(account) = &row.account_sid {
                entry["account_sid"] = json!(account);
                if let Some((name, _)) = state.accounts.get(account) {
                    entry["account_name"] = json!(name);
                }
            }
            if let Some(provider) = &row.service_provider_sid {
                entry["service_provider_sid"] = json!(provider);
            }
            entry
        })
        .collect();
    if rows.is_empty() {
        return msg(500, "failure retrieving users list");
    }
    Reply::json(200, &Value::Array(rows))
}

fn update(state: &mut State, scope: &Scope, sid: Uuid, request: &RecordedRequest) -> Reply {
    let Some(body) = body(request) else {
        return msg(400, "invalid JSON");
    };
    let Some(current) = state.users.get(&sid).cloned() else {
        return msg(400, "Invalid request: user_sid does not exist");
    };
    if !visible(scope, &current) {
        return Reply::text(403, "Forbidden");
    }
    if body.get("account_sid") == Some(&Value::Null)
        || body.get("service_provider_sid") == Some(&Value::Null)
    {
        return msg(400, "Invalid request: user may not be promoted");
    }
    if let Some(account) = body.get("account_sid") {
        let provider = account
            .as_str()
            .and_then(|account| state.accounts.get(account))
            .map(|(_, provider)| provider.clone());
        match provider {
            None => return msg(400, "Invalid request: account_sid does not exist"),
            Some(provider) if Some(&provider) != current.service_provider_sid.as_ref() => {
                return msg(
                    400,
                    "Invalid request: user may not be moved to another service provider",
                )
            }
            Some(_) => {}
        }
    }
    let name = text(&body, "name");
    let email = text(&body, "email");
    let old_password = text(&body, "old_password");
    let new_password = text(&body, "new_password");
    let initial_password = text(&body, "initial_password");
    if let Some(refused) = initial_password.as_deref().and_then(password_refused) {
        return refused;
    }
    if old_password.is_some() != new_password.is_some() {
        return msg(400, "new_password and old_password both required");
    }
    if let Some(refused) = new_password.as_deref().and_then(password_refused) {
        return refused;
    }
    if new_password.is_some() && name.is_some() {
        return msg(400, "can not change name and password simultaneously");
    }
    if name.is_none()
        && email.is_none()
        && new_password.is_none()
        && initial_password.is_none()
        && !truthy(body.get("is_active"))
        && !truthy(body.get("force_change"))
        && !body.contains_key("is_view_only")
    {
        return msg(400, "no updates requested");
    }
    if let Some(new) = &new_password {
        if old_password.as_deref() != Some(current.password.as_str()) {
            return Reply::text(403, "Forbidden");
        }
        if old_password.as_deref() == Some(new.as_str()) {
            return msg(500, "new password cannot be your old password");
        }
    }
    let Some(row) = state.users.get_mut(&sid) else {
        return msg(400, "Invalid request: user_sid does not exist");
    };
    if let Some(new) = new_password {
        row.password = new;
        row.force_change = false;
    }
    if let Some(name) = name {
        row.name = name;
    }
    if let Some(password) = initial_password {
        row.password = password;
    }
    if let Some(value) = body.get("is_active") {
        row.is_active = truthy(Some(value));
    }
    if let Some(value) = body.get("force_change") {
        row.force_change = truthy(Some(value));
    }
    if let Some(Value::String(account)) = body.get("account_sid") {
        row.account_sid = Some(account.clone());
    }
    if let Some(Value::String(provider)) = body.get("service_provider_sid") {
        row.service_provider_sid = Some(provider.clone());
    }
    if let Some(email) = email {
        row.email = email;
    }
    row.is_view_only = truthy(body.get("is_view_only"));
    Reply::empty(204)
}

fn delete(state: &mut State, scope: &Scope, sid: Uuid) -> Reply {
    let admins: Vec<Uuid> = state
        .users
        .iter()
        .filter(|(_, row)| row.is_active_admin())
        .map(|(sid, _)| *sid)
        .collect();
    let target = state.users.get(&sid);
    if *scope == Scope::Admin && admins.len() == 1 {
        match target {
            // The server reads `user[0].user_sid` of an empty result.
            None => {
                return msg(
                    500,
                    "Cannot read properties of undefined (reading 'user_sid')",
                )
            }
            Some(_) if admins[0] == sid => return msg(400, "Bad request"),
            Some(_) => {}
        }
    }
    match (scope, target) {
        (Scope::Account(_), None) => {
            return msg(
                500,
                "Cannot read properties of undefined (reading 'account_sid')",
            )
        }
        (_, Some(row)) if !visible(scope, row) => return msg(403, "insufficient permissions"),
        _ => {}
    }
    state.users.remove(&sid);
    Reply::empty(204)
}

fn add_account(state: &mut State, scope: &Scope, request: &RecordedRequest) -> Reply {
    if *scope != Scope::Admin {
        return msg(403, "insufficient privileges");
    }
    let Some(body) = body(request) else {
        return msg(400, "invalid JSON");
    };
    let (Some(name), Some(provider)) = (text(&body, "name"), text(&body, "service_provider_sid"))
    else {
        return msg(400, "missing name or service_provider_sid");
    };
    let sid = Uuid::new_v4().to_string();
    state.accounts.insert(sid.clone(), (name, provider));
    Reply::json(201, &json!({ "sid": sid }))
}

fn add_api_key(state: &mut State, scope: &Scope, request: &RecordedRequest) -> Reply {
    let Some(body) = body(request) else {
        return msg(400, "invalid JSON");
    };
    let account = match (scope, text(&body, "account_sid")) {
        (Scope::Admin, Some(account)) if state.accounts.contains_key(&account) => account,
        (Scope::Account(own), None) => own.clone(),
        (Scope::Account(own), Some(account)) if *own == account => account,
        _ => return msg(400, "invalid account_sid"),
    };
    let token = Uuid::new_v4().to_string();
    state.tokens.insert(token.clone(), Scope::Account(account));
    Reply::json(201, &json!({ "sid": Uuid::new_v4(), "token": token }))
}

impl std::fmt::Debug for JambonzEmulator {
    /// The address only: the emulator's credentials stay out of test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JambonzEmulator")
            .field("address", &self.server.address())
            .finish_non_exhaustive()
    }
}
