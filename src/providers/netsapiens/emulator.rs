//! A NetSapiens v2 users API on loopback, answering as the vendor documents it (see
//! [`providers::netsapiens`](crate::providers::netsapiens) for the facts and their
//! sources).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::error::Result;
use crate::providers::netsapiens::{NetSapiensBuilder, NetSapiensClient};

use crate::testing::server::{lock, EmulatorServer, Handler, RecordedRequest, Reply};

/// The token's own domain.
const OWN_DOMAIN: &str = "emulator.example";
/// How long an accepted (202) write takes to become readable, unless configured.
const DEFAULT_VISIBILITY_DELAY: Duration = Duration::from_millis(50);
/// `{user}` in a path and `user` in a body: at most this many characters.
const MAX_USER_LEN: usize = 16;
/// The 202 body of the vendor's example.
const ACCEPTED: &str = "Accepted";

/// Text fields, stored as sent.
const TEXT_FIELDS: &[&str] = &[
    "name-first-name",
    "name-last-name",
    "login-username",
    "department",
    "site",
    "time-zone",
    "voicemail-login-pin",
    "dial-plan",
    "dial-policy",
    "status-message",
    "language-token",
    "email-send-alert-new-voicemail-cc-list-csv",
    "caller-id-number",
    "caller-id-name",
    "caller-id-number-emergency",
    "service-code",
    "emergency-address-id",
];

/// Integer fields and their documented ranges (`None`: at least 0, no maximum).
const NUMBER_FIELDS: &[(&str, u64, Option<u64>)] = &[
    ("directory-name-number-dtmf-mapping", 100, Some(999)),
    ("ring-no-answer-timeout-seconds", 0, Some(3600)),
    ("limits-max-data-storage-kilobytes", 0, None),
    ("limits-max-active-calls-total", 0, Some(3600)),
    (
        "directory-override-order-duplicate-dtmf-mapping",
        0,
        Some(100),
    ),
    ("voicemail-greeting-index", 0, None),
    ("area-code", 100, Some(999)),
    (
        "music-on-hold-comfort-message-repeat-interval-seconds",
        0,
        Some(3600),
    ),
];

/// `yes`/`no` flags and the default the vendor documents for each (`None`: no default
/// documented, left out when unset).
const FLAG_FIELDS: &[(&str, Option<&str>)] = &[
    ("privacy", Some("no")),
    ("voicemail-user-control-enabled", Some("yes")),
    ("phone-numbers-to-allow-enabled", Some("yes")),
    ("phone-numbers-to-reject-enabled", Some("yes")),
    ("call-screening-enabled", Some("yes")),
    ("directory-annouce-in-dial-by-name-enabled", Some("yes")),
    ("voicemail-enabled", Some("yes")),
    ("voicemail-receive-broadcast-enabled", Some("yes")),
    ("reject-anonymous-calls-enabled", Some("no")),
    ("voicemail-playback-announce-datetime-received", Some("no")),
    ("voicemail-playback-announce-caller-id", Some("no")),
    ("voicemail-playback-sort-newest-to-oldest", Some("yes")),
    ("email-send-alert-new-voicemail-enabled", Some("no")),
    ("email-send-alert-new-missed-call-enabled", Some("no")),
    (
        "email-send-alert-data-storage-limit-reached-enabled",
        Some("no"),
    ),
    ("directory-name-visible-in-list-enabled", Some("yes")),
    ("call-recordings-hide-from-others-enabled", Some("no")),
    ("music-on-hold-randomized-enabled", Some("no")),
];

/// Fields with a closed set of values, and the default of each.
const ENUM_FIELDS: &[(&str, &[&str], Option<&str>)] = &[
    ("user-scope", USER_SCOPES, None),
    (
        "email-send-alert-new-voicemail-behavior",
        &[
            "no",
            "yes",
            "attnew",
            "attsave",
            "atttrash",
            "brief",
            "briefattnew",
            "briefattsave",
            "briefatttrash",
        ],
        Some("no"),
    ),
    (
        "voicemail-transcription-enabled",
        &["no", "Deepgram", "Google", "Mutare", "Voicebase"],
        Some("no"),
    ),
    (
        "recording-configuration",
        &[
            "yes",
            "yes-with-transcription",
            "yes-with-transcription-and-sentiment",
            "no",
        ],
        Some("no"),
    ),
];

const USER_SCOPES: &[&str] = &[
    "Basic User",
    "Simple User",
    "Advanced User",
    "Call Center Agent",
    "Site Manager",
    "Call Center Supervisor",
    "Office Manager",
    "Reseller",
    "Super User",
    "NDP",
    "No Portal",
];

/// Names that copies of the spec spell differently: (other spelling, vendor spelling).
const ALIASES: &[(&str, &str)] = &[
    ("email", "email-address"),
    (
        "directory-announce-in-dial-by-name-enabled",
        "directory-annouce-in-dial-by-name-enabled",
    ),
];

/// Required on create.
const REQUIRED: &[&str] = &[
    "user",
    "name-first-name",
    "name-last-name",
    "email-address",
    "user-scope",
];

/// A NetSapiens v2 emulator: `POST/GET /ns-api/v2/domains/{domain}/users`,
/// `GET .../users/count`, `GET/PUT/DELETE .../users/{user}`, and the vendor's
/// documented behaviour:
///
/// - `Authorization: Bearer <token>`; anything else is 401 `{"code":401,"message":...}`.
///   Every error body is `{"code": <status>, "message": "..."}`.
/// - Domains: `~` and [`domain`](Self::domain) (`emulator.example`) are the token's own
///   domain; domains added with [`with_domain`](Self::with_domain) are usable too (a
///   reseller's token). Any other domain is 403 `Domain not found or access denied`,
///   the vendor's example answer.
/// - Create: `user`, `name-first-name`, `name-last-name`, `email-address` and
///   `user-scope` are required (400 naming the field); integers outside their
///   documented range, flags other than `yes`/`no`, values outside a documented set,
///   an extension longer than 16 characters or one naming another endpoint (`~`,
///   `count`, `list`) are 400. Both spellings of the two disputed names
///   (`email-address`/`email`, `directory-annouce-…`/`directory-announce-…`) are
///   accepted; the vendor's spelling is stored and returned. Unknown and read-only
///   fields are ignored.
/// - 409 `UID already exists.` when the extension exists in the domain (UNCONFIRMED:
///   the vendor documents the 409 for the login; its example message suggests the
///   extension too), and 409 when the `login-username` (default `user@domain`) is used
///   anywhere in the system, every domain included.
/// - `"synchronous": "yes"`: 200 with the full user (the fields sent, the documented
///   defaults of unset flags and enums, `domain`, read-only `user-presence-status`,
///   `active-calls-total-current`, `account-status` `new`, `created-datetime` and
///   `last-modified-datetime` as `YYYY-MM-DD HH:MM:SS` in UTC). Otherwise 202
///   `{"code":202,"message":"Accepted"}`, and the user becomes readable (get, list,
///   count) only after the [visibility delay](Self::with_visibility_delay).
/// - Update (`PUT`, 202) and delete (`DELETE`, 202) are accepted writes too: their
///   effect becomes readable after the same delay, since the vendor describes 202 as
///   "the geo replication request" being processed. A 404 answers an unknown user.
///   `PUT` is a full replacement, as the v2 export's schema makes it: a body without
///   `name-first-name`, `name-last-name`, the email or `user-scope` is 400 naming the
///   field; every writable field the body leaves out is cleared (flags and enums back
///   to their documented defaults, the login back to `user@domain`); the identity and
///   the read-only fields are kept. A taken `login-username` is 409.
/// - Checks (uniqueness, existence) see every accepted write at once, readable or not;
///   reads see only what has become visible. A synchronous create waits for every
///   write accepted before it, as the vendor's "wait till the local copy has been
///   written" suggests.
/// - List: users by extension (numeric order), `start` 1-based (0 is read as 1),
///   `limit` 1..=1000 (default 100; 400 outside); count `{"total": n}`.
/// - `~` as the user is the token's own user; the emulator's token belongs to no user,
///   so it is 404.
pub struct NetSapiensEmulator {
    server: EmulatorServer,
    token: String,
    state: Arc<Mutex<State>>,
}

/// A user as the server stores it: its JSON, with the vendor's names.
type Record = Map<String, Value>;
/// Users by domain and extension.
type Users = BTreeMap<(String, String), Record>;

#[derive(Debug)]
struct State {
    /// Domains the token may use besides its own.
    other_domains: BTreeSet<String>,
    visibility_delay: Duration,
    /// Every accepted write: what uniqueness and existence checks see.
    primary: Users,
    /// What reads see: `primary` without the writes still replicating.
    replica: Users,
    /// Writes still replicating, oldest first: the key, and the record or `None` for a
    /// deletion.
    replicating: VecDeque<(Instant, (String, String), Option<Record>)>,
}

impl State {
    /// Makes every write whose delay has passed readable.
    fn settle(&mut self) {
        let now = Instant::now();
        while self.replicating.front().is_some_and(|(at, ..)| *at <= now) {
            if let Some((_, key, record)) = self.replicating.pop_front() {
                self.apply(key, record);
            }
        }
    }

    /// Makes every write readable now.
    fn flush(&mut self) {
        while let Some((_, key, record)) = self.replicating.pop_front() {
            self.apply(key, record);
        }
    }

    fn apply(&mut self, key: (String, String), record: Option<Record>) {
        match record {
            Some(record) => self.replica.insert(key, record),
            None => self.replica.remove(&key),
        };
    }

    /// Records a write; `synchronous` makes it (and every earlier one) readable at once.
    fn write(&mut self, key: (String, String), record: Option<Record>, synchronous: bool) {
        match &record {
            Some(record) => self.primary.insert(key.clone(), record.clone()),
            None => self.primary.remove(&key),
        };
        if synchronous || self.visibility_delay.is_zero() {
            self.flush();
            self.apply(key, record);
        } else {
            let at = Instant::now() + self.visibility_delay;
            self.replicating.push_back((at, key, record));
        }
    }

    fn login_taken(&self, login: &str, except: Option<&(String, String)>) -> bool {
        self.primary.iter().any(|(key, record)| {
            Some(key) != except
                && record.get("login-username").and_then(Value::as_str) == Some(login)
        })
    }
}

impl NetSapiensEmulator {
    /// Starts the emulator on a random loopback port (needs a tokio runtime), with one
    /// domain and a visibility delay of 50 ms for accepted writes.
    pub async fn start() -> std::io::Result<Self> {
        let token = format!("nss_emulator_{}", Uuid::new_v4().simple());
        let state = Arc::new(Mutex::new(State {
            other_domains: BTreeSet::new(),
            visibility_delay: DEFAULT_VISIBILITY_DELAY,
            primary: Users::new(),
            replica: Users::new(),
            replicating: VecDeque::new(),
        }));
        let handler = NetSapiensHandler {
            token: token.clone(),
            state: Arc::clone(&state),
        };
        Ok(Self {
            server: EmulatorServer::start(handler).await?,
            token,
            state,
        })
    }

    /// How long an accepted (202) create, update or delete takes to become readable
    /// (default 50 ms; zero makes every write readable at once).
    pub fn with_visibility_delay(self, delay: Duration) -> Self {
        self.set_visibility_delay(delay);
        self
    }

    /// Changes the visibility delay of the writes accepted from now on.
    pub fn set_visibility_delay(&self, delay: Duration) {
        lock(&self.state).visibility_delay = delay;
    }

    /// Lets the token use another, initially empty, domain (as a reseller's token can).
    pub fn with_domain(self, domain: impl Into<String>) -> Self {
        lock(&self.state).other_domains.insert(domain.into());
        self
    }

    /// The base URL to give [`NetSapiensBuilder::with_base_url`]:
    /// `http://127.0.0.1:<port>/ns-api/v2`.
    pub fn base_url(&self) -> String {
        format!("{}/ns-api/v2", self.server.origin())
    }

    /// The bearer token the emulator accepts.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The token's own domain, which `~` names: `emulator.example`.
    pub fn domain(&self) -> &str {
        OWN_DOMAIN
    }

    /// A builder set up for this emulator (domain `~`), to adjust before building.
    pub fn builder(&self) -> NetSapiensBuilder {
        NetSapiensBuilder::new()
            .with_base_url(self.base_url())
            .with_token(self.token.as_str())
    }

    /// A client for this emulator with default options.
    pub fn client(&self) -> Result<NetSapiensClient> {
        self.builder().build()
    }

    /// Fault knobs and the request log.
    pub fn server(&self) -> &EmulatorServer {
        &self.server
    }

    /// How many users are stored in every domain, including accepted ones not readable
    /// yet.
    pub fn user_count(&self) -> usize {
        lock(&self.state).primary.len()
    }
}

struct NetSapiensHandler {
    token: String,
    state: Arc<Mutex<State>>,
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, &json!({ "code": status, "message": message }))
}

fn accepted() -> Reply {
    Reply::json(202, &json!({ "code": 202, "message": ACCEPTED }))
}

impl Handler for NetSapiensHandler {
    fn handle(&self, request: &RecordedRequest) -> Reply {
        let expected = format!("Bearer {}", self.token);
        if request.header("authorization") != Some(expected.as_str()) {
            return error(401, "Authentication Required");
        }
        let segments = request.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let mut state = lock(&self.state);
        state.settle();
        let (domain, rest) = match segments.as_slice() {
            ["ns-api", "v2", "domains", domain, "users", rest @ ..] => (*domain, rest),
            _ => return error(404, "Not Found"),
        };
        let domain = match domain {
            "~" | OWN_DOMAIN => OWN_DOMAIN.to_owned(),
            other if state.other_domains.contains(other) => other.to_owned(),
            _ => return error(403, "Domain not found or access denied"),
        };
        match (request.method.as_str(), rest) {
            ("POST", []) => create(&mut state, &domain, request),
            ("GET", []) => list(&state, &domain, request),
            ("GET", ["count"]) => {
                let total = state.replica.keys().filter(|(d, _)| *d == domain).count();
                Reply::json(200, &json!({ "total": total }))
            }
            (method, [user]) => {
                let key = (domain, (*user).to_owned());
                match method {
                    "GET" => match state.replica.get(&key) {
                        Some(record) => Reply::json(200, &Value::Object(record.clone())),
                        None => not_found(),
                    },
                    "PUT" => update(&mut state, key, request),
                    "DELETE" => {
                        if !state.primary.contains_key(&key) {
                            return not_found();
                        }
                        state.write(key, None, false);
                        accepted()
                    }
                    _ => error(405, "Method Not Allowed"),
                }
            }
            _ => error(404, "Not Found"),
        }
    }
}

fn not_found() -> Reply {
    error(404, "User not found")
}

/// The body as an object with every name in the vendor's spelling.
fn body(request: &RecordedRequest) -> std::result::Result<Record, Reply> {
    let Some(Value::Object(mut map)) = request.json() else {
        return Err(error(400, "The request body must be a JSON object"));
    };
    for (other, vendor) in ALIASES {
        if let Some(value) = map.remove(*other) {
            map.entry(*vendor).or_insert(value);
        }
    }
    Ok(map)
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Checks and normalises the known writable fields of `body` into `record`; unknown
/// and read-only fields are ignored.
fn merge_fields(body: &Record, record: &mut Record) -> std::result::Result<(), Reply> {
    let bad = |name: &str, why: String| Err(error(400, &format!("Invalid {name}: {why}")));
    for name in TEXT_FIELDS {
        match body.get(*name) {
            None => {}
            Some(Value::String(text)) => {
                record.insert((*name).into(), json!(text));
            }
            Some(Value::Number(n)) => {
                record.insert((*name).into(), json!(n.to_string()));
            }
            Some(other) => return bad(name, format!("expected a string, got {other}")),
        }
    }
    if let Some(value) = body.get("email-address") {
        let Some(text) = value.as_str() else {
            return bad("email-address", format!("expected a string, got {value}"));
        };
        let addresses: Vec<&str> = text.split(';').map(str::trim).collect();
        if let Some(address) = addresses.iter().find(|a| {
            let parts = a.split_once('@');
            !parts.is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        }) {
            return bad(
                "email-address",
                format!("{address:?} is not an email address"),
            );
        }
        record.insert("email-address".into(), json!(addresses.join(";")));
    }
    for (name, min, max) in NUMBER_FIELDS {
        let Some(value) = body.get(*name) else {
            continue;
        };
        let number = match value {
            Value::Number(n) => n.as_u64(),
            Value::String(text) => text.trim().parse::<u64>().ok(),
            _ => None,
        };
        let in_range = |n: &u64| *n >= *min && max.is_none_or(|max| *n <= max);
        match number.filter(in_range) {
            Some(number) => {
                record.insert((*name).into(), json!(number));
            }
            None => {
                let range = match max {
                    Some(max) => format!("{min} to {max}"),
                    None => format!("{min} or more"),
                };
                return bad(name, format!("{value} is not an integer from {range}"));
            }
        }
    }
    for (name, _) in FLAG_FIELDS {
        let Some(value) = body.get(*name) else {
            continue;
        };
        match value.as_str() {
            Some(flag @ ("yes" | "no")) => {
                record.insert((*name).into(), json!(flag));
            }
            _ => return bad(name, format!("{value} is not \"yes\" or \"no\"")),
        }
    }
    for (name, allowed, _) in ENUM_FIELDS {
        let Some(value) = body.get(*name) else {
            continue;
        };
        match value.as_str().filter(|v| allowed.contains(v)) {
            Some(text) => {
                record.insert((*name).into(), json!(text));
            }
            None => {
                return bad(
                    name,
                    format!("{value} is not one of {}", allowed.join(", ")),
                );
            }
        }
    }
    Ok(())
}

fn create(state: &mut State, domain: &str, request: &RecordedRequest) -> Reply {
    let body = match body(request) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    if let Some(missing) = REQUIRED
        .iter()
        .find(|name| body.get(**name).is_none_or(|v| v.is_null() || v == ""))
    {
        return error(400, &format!("Missing required field: {missing}"));
    }
    let user = match body.get("user") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(n)) if n.is_u64() => n.to_string(),
        _ => return error(400, "Invalid user: expected an extension"),
    };
    if user.chars().count() > MAX_USER_LEN
        || matches!(user.as_str(), "~" | "count" | "list")
        || user.chars().any(|c| c.is_control() || c == '/')
    {
        return error(
            400,
            &format!(
                "Invalid user: {user:?} is not an extension of 1 to {MAX_USER_LEN} characters"
            ),
        );
    }
    let synchronous = match body.get("synchronous") {
        None => false,
        Some(value) => match value.as_str() {
            Some("yes") => true,
            Some("no") => false,
            _ => return error(400, "Invalid synchronous: must be \"yes\" or \"no\""),
        },
    };
    let mut record = Record::new();
    record.insert("domain".into(), json!(domain));
    record.insert("user".into(), json!(user));
    if let Err(reply) = merge_fields(&body, &mut record) {
        return reply;
    }
    let key = (domain.to_owned(), user.clone());
    if state.primary.contains_key(&key) {
        return error(409, "UID already exists.");
    }
    let login = record
        .get("login-username")
        .and_then(Value::as_str)
        .map_or_else(|| format!("{user}@{domain}"), str::to_owned);
    if state.login_taken(&login, None) {
        return error(409, &format!("login-username {login} already exists."));
    }
    record.insert("login-username".into(), json!(login));
    apply_defaults(&mut record);
    let stamp = now();
    record.insert("user-presence-status".into(), json!("inactive"));
    record.insert("active-calls-total-current".into(), json!(0));
    record.insert("account-status".into(), json!("new"));
    record.insert("created-datetime".into(), json!(stamp));
    record.insert("last-modified-datetime".into(), json!(stamp));
    state.write(key, Some(record.clone()), synchronous);
    if synchronous {
        Reply::json(200, &Value::Object(record))
    } else {
        accepted()
    }
}

fn update(state: &mut State, key: (String, String), request: &RecordedRequest) -> Reply {
    let body = match body(request) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let Some(before) = state.primary.get(&key).cloned() else {
        return not_found();
    };
    // The v2 export requires these in a PUT body: a PUT is a full replacement.
    if let Some(missing) = REQUIRED
        .iter()
        .filter(|name| **name != "user")
        .find(|name| body.get(**name).is_none_or(|v| v.is_null() || v == ""))
    {
        return error(400, &format!("Missing required field: {missing}"));
    }
    let mut record = Record::new();
    for name in SERVER_SET {
        if let Some(value) = before.get(*name) {
            record.insert((*name).into(), value.clone());
        }
    }
    if let Err(reply) = merge_fields(&body, &mut record) {
        return reply;
    }
    let login = record
        .get("login-username")
        .and_then(Value::as_str)
        .map_or_else(|| format!("{}@{}", key.1, key.0), str::to_owned);
    if state.login_taken(&login, Some(&key)) {
        return error(409, &format!("login-username {login} already exists."));
    }
    record.insert("login-username".into(), json!(login));
    apply_defaults(&mut record);
    record.insert("last-modified-datetime".into(), json!(now()));
    state.write(key, Some(record), false);
    accepted()
}

/// What a PUT cannot change: the identity and the read-only fields the server keeps.
const SERVER_SET: &[&str] = &[
    "domain",
    "user",
    "user-presence-status",
    "active-calls-total-current",
    "account-status",
    "created-datetime",
];

/// The documented defaults of the flags, enums and language a body left unset.
fn apply_defaults(record: &mut Record) {
    for (name, default) in FLAG_FIELDS {
        if let Some(default) = default {
            record.entry(*name).or_insert_with(|| json!(default));
        }
    }
    for (name, _, default) in ENUM_FIELDS {
        if let Some(default) = default {
            record.entry(*name).or_insert_with(|| json!(default));
        }
    }
    record
        .entry("language-token")
        .or_insert_with(|| json!("en_US"));
}

fn list(state: &State, domain: &str, request: &RecordedRequest) -> Reply {
    let param = |name: &str, default: u64| -> std::result::Result<u64, Reply> {
        match request.query_param(name) {
            None => Ok(default),
            Some(text) => text
                .trim()
                .parse::<u64>()
                .map_err(|_| error(400, &format!("Invalid {name}: {text:?} is not an integer"))),
        }
    };
    let (start, limit) = match (param("start", 1), param("limit", 100)) {
        (Ok(start), Ok(limit)) => (start, limit),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    if !(1..=1000).contains(&limit) {
        return error(400, "Invalid limit: must be 1 to 1000");
    }
    let mut users: Vec<&Record> = state
        .replica
        .iter()
        .filter(|((d, _), _)| d == domain)
        .map(|(_, record)| record)
        .collect();
    users.sort_by_key(|record| {
        let user = record
            .get("user")
            .and_then(Value::as_str)
            .unwrap_or_default();
        (user.parse::<u64>().map_or(u64::MAX, |n| n), user.to_owned())
    });
    let skip = usize::try_from(start.max(1) - 1).unwrap_or(usize::MAX);
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    let page: Vec<Value> = users
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|record| Value::Object(record.clone()))
        .collect();
    Reply::json(200, &Value::Array(page))
}

impl std::fmt::Debug for NetSapiensEmulator {
    /// The address only: the emulator's credentials stay out of test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetSapiensEmulator")
            .field("address", &self.server.address())
            .finish_non_exhaustive()
    }
}
