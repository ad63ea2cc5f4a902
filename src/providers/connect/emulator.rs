//! A Telness Connect users API on loopback, answering as the vendor's `POST /users`
//! reference documents and, for the calls the vendor does not document for users, as
//! the same API's customers resource does (see [`providers::connect`](crate::providers::connect)
//! for the facts and what is UNCONFIRMED).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::error::Result;
use crate::providers::connect::{ConnectBuilder, ConnectClient};

use crate::testing::server::{lock, EmulatorServer, Handler, RecordedRequest, Reply};

/// The longest `X-Idempotency-Key` the vendor accepts.
const MAX_KEY_CHARS: usize = 256;
/// How long the vendor remembers an idempotency key.
const KEY_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// Page size of `GET /users` without `limit`, and the largest `limit` accepted
/// (modelled; the vendor documents neither for users).
const DEFAULT_LIMIT: u64 = 20;
const MAX_LIMIT: u64 = 100;

/// A Telness Connect emulator: `POST/GET /api/v1/users` and
/// `GET/PATCH/DELETE /api/v1/users/{userId}` behind `X-API-Key`, answering as follows.
///
/// Documented by the vendor (`POST /users` reference):
/// - a missing or wrong `X-API-Key` is 401 with the Connect error body
///   `{"message", "code": "UNAUTHORIZED", "details": [], "hint"}` (the key is never
///   echoed); an `Authorization: Bearer` user token is accepted but not checked;
/// - create: 201 with the user (`userId` a UUID, `name`, `email`, `msisdn`, `identity`,
///   `customerIds: []`, `customers: []`, `createdAt`/`updatedAt` in RFC 3339 UTC,
///   `metadata`, `{}` when none was sent); 400 `VALIDATION_ERROR` with one `details`
///   entry per property (`property`, `code` `REQUIRED`/`INVALID_TYPE`/`INVALID_FORMAT`,
///   `suggestion`) for a body that is not a JSON object, a missing, blank or
///   non-string `name`, an `email` that is not an address, an `msisdn` that is not
///   E.164, a non-string `identity`, a non-object `metadata`; unknown fields are ignored;
/// - `X-Idempotency-Key` (at most 256 characters; longer is 400 `VALIDATION_ERROR`
///   naming the header): the same key with the same body (compared as JSON, so key
///   order and whitespace do not matter) replays the first answer byte for byte — same
///   status, same user, even if it was changed or deleted since — and stores nothing;
///   the same key with a different body is 409 `IDEMPOTENCY_KEY_REUSED` ("Idempotency
///   key already used with a different request body"); a key is forgotten 24 hours
///   after its first use (the clock is the emulator's: see
///   [`advance_clock`](ConnectEmulator::advance_clock)). Keys are remembered only for
///   creates that succeeded, so a request refused with 400 can be corrected and sent
///   again under the same key (UNCONFIRMED: the vendor does not say whether a refused
///   request uses up its key). Requests are handled one at a time, so two concurrent
///   uses of one key never both create;
/// - there is **no uniqueness rule**: the vendor documents none, so two creates of the
///   same name and email under different keys (or none) make two users.
///
/// Modelled on the customers resource (UNCONFIRMED for users):
/// - get: 200 with the user; 404 `NOT_FOUND` for an unknown id;
/// - update (`PATCH`, merge patch): 200 with the updated user and a new `updatedAt`;
///   `null` clears `email`, `msisdn`, `identity` or `metadata`; `metadata` is replaced
///   as a whole, not merged; `name` cannot be cleared; an empty patch is 400
///   `VALIDATION_ERROR`; an unknown id is 404;
/// - delete: 204 with no body; 404 for an unknown id;
/// - list (`?limit=&offset=`): `{"items", "pagination": {"total", "limit", "offset"}}`
///   in creation order, `limit` 20 by default and 1 to 100, `offset` from 0; other
///   values are 400 `VALIDATION_ERROR`;
/// - any other path or method is 404 `NOT_FOUND`.
pub struct ConnectEmulator {
    server: EmulatorServer,
    api_key: String,
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    /// Users in creation order.
    users: Vec<Value>,
    /// `X-Idempotency-Key` → the create it answered.
    keys: HashMap<String, Remembered>,
    /// How far the emulator's clock runs ahead of the system clock.
    clock_offset: Duration,
}

#[derive(Debug)]
struct Remembered {
    body: Body,
    first_used: DateTime<Utc>,
    reply: Reply,
}

/// A request body as compared for idempotency: JSON when it parses, bytes otherwise.
#[derive(Debug, PartialEq)]
enum Body {
    Json(Value),
    Raw(Vec<u8>),
}

impl State {
    fn now(&self) -> DateTime<Utc> {
        let offset = chrono::Duration::from_std(self.clock_offset).unwrap_or_default();
        Utc::now() + offset
    }

    fn position(&self, user_id: &str) -> Option<usize> {
        self.users
            .iter()
            .position(|user| user["userId"].as_str() == Some(user_id))
    }
}

impl ConnectEmulator {
    /// Starts the emulator on a random loopback port (needs a tokio runtime).
    pub async fn start() -> std::io::Result<Self> {
        let api_key = format!("ck_emulator_{}", Uuid::new_v4().simple());
        let state = Arc::new(Mutex::new(State::default()));
        let handler = ConnectHandler {
            api_key: api_key.clone(),
            state: Arc::clone(&state),
        };
        Ok(Self {
            server: EmulatorServer::start(handler).await?,
            api_key,
            state,
        })
    }

    /// The base URL to give [`ConnectBuilder::with_base_url`]:
    /// `http://127.0.0.1:<port>/api/v1`.
    pub fn base_url(&self) -> String {
        format!("{}/api/v1", self.server.origin())
    }

    /// The API key the emulator accepts in `X-API-Key`.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// A builder set up for this emulator, to adjust before building.
    pub fn builder(&self) -> ConnectBuilder {
        ConnectBuilder::new()
            .with_base_url(self.base_url())
            .with_api_key(self.api_key.as_str())
    }

    /// A client for this emulator with default options.
    pub fn client(&self) -> Result<ConnectClient> {
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

    /// Moves the emulator's clock forward, for timestamps and for the 24 hours after
    /// which an idempotency key is forgotten: `advance_clock(Duration::from_secs(86_400))`
    /// expires every key used so far.
    pub fn advance_clock(&self, by: Duration) {
        let mut state = lock(&self.state);
        state.clock_offset = state.clock_offset.saturating_add(by);
    }
}

struct ConnectHandler {
    api_key: String,
    state: Arc<Mutex<State>>,
}

/// A Connect error body.
fn error(status: u16, code: &str, message: &str, details: Vec<Value>, hint: &str) -> Reply {
    Reply::json(
        status,
        &json!({ "message": message, "code": code, "details": details, "hint": hint }),
    )
}

fn not_found(what: &str) -> Reply {
    error(
        404,
        "NOT_FOUND",
        &format!("{what} not found"),
        Vec::new(),
        "Check the id or path.",
    )
}

fn detail(property: &str, code: &str, message: &str, suggestion: &str) -> Value {
    json!({ "message": message, "code": code, "property": property, "suggestion": suggestion })
}

fn invalid(details: Vec<Value>) -> Reply {
    error(
        400,
        "VALIDATION_ERROR",
        "Validation failed",
        details,
        "Correct the listed properties and send the request again.",
    )
}

impl Handler for ConnectHandler {
    fn handle(&self, request: &RecordedRequest) -> Reply {
        if request.header("x-api-key") != Some(self.api_key.as_str()) {
            return error(
                401,
                "UNAUTHORIZED",
                "Missing or invalid API key",
                Vec::new(),
                "Send a valid API key in the X-API-Key header.",
            );
        }
        let segments = request.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let mut state = lock(&self.state);
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["api", "v1", "users"]) => create(&mut state, request),
            ("GET", ["api", "v1", "users"]) => list(&state, request),
            ("GET", ["api", "v1", "users", id]) => match state.position(id) {
                Some(at) => Reply::json(200, &state.users[at]),
                None => not_found("User"),
            },
            ("PATCH", ["api", "v1", "users", id]) => update(&mut state, id, request),
            ("DELETE", ["api", "v1", "users", id]) => match state.position(id) {
                Some(at) => {
                    state.users.remove(at);
                    Reply::empty(204)
                }
                None => not_found("User"),
            },
            _ => not_found("Resource"),
        }
    }
}

fn create(state: &mut State, request: &RecordedRequest) -> Reply {
    let key = request.header("x-idempotency-key").map(str::to_owned);
    if let Some(key) = &key {
        if key.chars().count() > MAX_KEY_CHARS {
            return invalid(vec![detail(
                "X-Idempotency-Key",
                "TOO_LONG",
                "must be at most 256 characters",
                "Use a shorter key, such as a UUID.",
            )]);
        }
    }
    let body = match request.json() {
        Some(value) => Body::Json(value),
        None => Body::Raw(request.body.clone()),
    };
    let now = state.now();
    if let Some(key) = &key {
        state
            .keys
            .retain(|_, remembered| now - remembered.first_used < lifetime());
        if let Some(remembered) = state.keys.get(key) {
            if remembered.body == body {
                return remembered.reply.clone();
            }
            return error(
                409,
                "IDEMPOTENCY_KEY_REUSED",
                "Idempotency key already used with a different request body",
                Vec::new(),
                "Use a new X-Idempotency-Key for a different request, or send the original body again.",
            );
        }
    }
    let Body::Json(Value::Object(fields)) = &body else {
        return invalid(vec![detail(
            "body",
            "INVALID_TYPE",
            "must be a JSON object",
            "Send the user as a JSON object.",
        )]);
    };
    let mut problems = Vec::new();
    match fields.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => {}
        Some(Value::String(_)) | None | Some(Value::Null) => problems.push(detail(
            "name",
            "REQUIRED",
            "is required",
            "Give the user's name.",
        )),
        Some(_) => problems.push(detail(
            "name",
            "INVALID_TYPE",
            "must be a string",
            "Give the name as a string.",
        )),
    }
    problems.extend(check_optional(fields));
    if !problems.is_empty() {
        return invalid(problems);
    }
    let stamp = now.to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut user = Map::new();
    user.insert("userId".into(), json!(Uuid::new_v4().to_string()));
    for field in ["name", "email", "msisdn", "identity"] {
        if let Some(Value::String(value)) = fields.get(field) {
            user.insert(field.into(), json!(value));
        }
    }
    user.insert("customerIds".into(), json!([]));
    user.insert("customers".into(), json!([]));
    user.insert("createdAt".into(), json!(stamp));
    user.insert("updatedAt".into(), json!(stamp));
    let metadata = match fields.get("metadata") {
        Some(Value::Object(metadata)) => Value::Object(metadata.clone()),
        _ => json!({}),
    };
    user.insert("metadata".into(), metadata);
    let user = Value::Object(user);
    let reply = Reply::json(201, &user);
    state.users.push(user);
    if let Some(key) = key {
        state.keys.insert(
            key,
            Remembered {
                body,
                first_used: now,
                reply: reply.clone(),
            },
        );
    }
    reply
}

fn lifetime() -> chrono::Duration {
    chrono::Duration::from_std(KEY_LIFETIME).unwrap_or_default()
}

/// Problems with `email`, `msisdn`, `identity` and `metadata` (each may be absent or,
/// on update, `null`).
fn check_optional(fields: &Map<String, Value>) -> Vec<Value> {
    let mut problems = Vec::new();
    let text = |name: &str| match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.as_str())),
        Some(_) => Err(detail(
            name,
            "INVALID_TYPE",
            "must be a string",
            "Send a string.",
        )),
    };
    match text("email") {
        Ok(Some(email)) if !is_email(email) => problems.push(detail(
            "email",
            "INVALID_FORMAT",
            "must be a valid email address",
            "Use an address such as john.doe@example.com.",
        )),
        Err(problem) => problems.push(problem),
        Ok(_) => {}
    }
    match text("msisdn") {
        Ok(Some(msisdn)) if !is_e164(msisdn) => problems.push(detail(
            "msisdn",
            "INVALID_FORMAT",
            "must be a valid phone number",
            "Use E.164, such as +15551234567.",
        )),
        Err(problem) => problems.push(problem),
        Ok(_) => {}
    }
    if let Err(problem) = text("identity") {
        problems.push(problem);
    }
    match fields.get("metadata") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => problems.push(detail(
            "metadata",
            "INVALID_TYPE",
            "must be an object",
            "Send key/value pairs as a JSON object.",
        )),
    }
    problems
}

fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
}

fn update(state: &mut State, id: &str, request: &RecordedRequest) -> Reply {
    let Some(at) = state.position(id) else {
        return not_found("User");
    };
    let Some(Value::Object(fields)) = request.json() else {
        return invalid(vec![detail(
            "body",
            "INVALID_TYPE",
            "must be a JSON object",
            "Send a JSON merge patch.",
        )]);
    };
    let known = ["name", "email", "msisdn", "identity", "metadata"];
    if !fields.keys().any(|field| known.contains(&field.as_str())) {
        return invalid(vec![detail(
            "body",
            "REQUIRED",
            "nothing to update",
            "Send at least one property to change.",
        )]);
    }
    let mut problems = Vec::new();
    match fields.get("name") {
        None => {}
        Some(Value::String(name)) if !name.trim().is_empty() => {}
        Some(_) => problems.push(detail(
            "name",
            "INVALID_FORMAT",
            "must be a non-empty string and cannot be cleared",
            "Give the user's name.",
        )),
    }
    problems.extend(check_optional(&fields));
    if !problems.is_empty() {
        return invalid(problems);
    }
    let stamp = state.now().to_rfc3339_opts(SecondsFormat::Millis, true);
    let Some(user) = state.users.get_mut(at).and_then(Value::as_object_mut) else {
        return not_found("User");
    };
    for field in known {
        match fields.get(field) {
            None => {}
            Some(Value::Null) if field == "metadata" => {
                user.insert(field.into(), json!({}));
            }
            Some(Value::Null) => {
                user.remove(field);
            }
            Some(value) => {
                user.insert(field.into(), value.clone());
            }
        }
    }
    user.insert("updatedAt".into(), json!(stamp));
    Reply::json(200, &Value::Object(user.clone()))
}

fn list(state: &State, request: &RecordedRequest) -> Reply {
    let number = |name: &str, default: u64, range: std::ops::RangeInclusive<u64>| match request
        .query_param(name)
    {
        None => Ok(default),
        Some(raw) => raw
            .parse::<u64>()
            .ok()
            .filter(|value| range.contains(value))
            .ok_or_else(|| {
                detail(
                    name,
                    "INVALID_FORMAT",
                    &format!(
                        "must be a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                    "Correct the query parameter.",
                )
            }),
    };
    let limit = number("limit", DEFAULT_LIMIT, 1..=MAX_LIMIT);
    let offset = number("offset", 0, 0..=u64::MAX);
    let (limit, offset) = match (limit, offset) {
        (Ok(limit), Ok(offset)) => (limit, offset),
        (limit, offset) => {
            return invalid([limit.err(), offset.err()].into_iter().flatten().collect());
        }
    };
    let items: Vec<Value> = state
        .users
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .cloned()
        .collect();
    Reply::json(
        200,
        &json!({
            "items": items,
            "pagination": { "total": state.users.len(), "limit": limit, "offset": offset }
        }),
    )
}

impl std::fmt::Debug for ConnectEmulator {
    /// The address only: the emulator's credentials stay out of test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectEmulator")
            .field("address", &self.server.address())
            .finish_non_exhaustive()
    }
}
