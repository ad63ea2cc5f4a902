//! What the crate costs on top of a hand-written reqwest call, end to end, for every
//! provider: `cargo bench --bench overhead --features scim-client` (all of it, about
//! three minutes), or the cases whose name contains any of the words given:
//! `-- netsapiens`, `-- create`, `-- 'scim create'` (one word, quoted, for one case).
//! `--rounds=N`, `--sequential=N` and `--concurrent=N` change the rounds and the
//! requests per round. `--only=hand|native|portable|hand-portable` sends
//! `--sequential=N` requests of that side alone and times nothing, for a profiler:
//! instruction counts of the sides, taken one after the other, compare without noise
//! from the rest of the machine (`valgrind --tool=callgrind --separate-threads=yes
//! target/release/deps/overhead-* 'netsapiens create' --only=native --sequential=2000`;
//! the client is the first thread's file, the loopback server the second's).
//!
//! Both sides talk to one loopback HTTP/1.1 server on its own thread
//! (`support/server.rs`), which reads each whole request and answers it in one write
//! with a realistic body (`support/fixtures.rs`). For each provider, a GET of one user
//! and a create go through (i) the native client call, (ii) the portable
//! `UserProvisioner` call and (iii) a hand-written reqwest call that does what any
//! correct client must do for the same request: a client built like the crate's
//! (redirects off, 10 s connect timeout), a 30 s per-request timeout, the same headers
//! (user agent, accept, credentials, content type, Connect's idempotency key, SCIM's
//! `application/scim+json`), the path segment percent-encoded, the status checked, the
//! body read chunk by chunk within 1 MiB and decoded into the crate's own model with
//! `serde_json::from_slice`.
//!
//! Before anything is timed, the server records one request of each side and the bench
//! exits non-zero unless the crate's request and the hand-written one are the same
//! (method, path and query, every header and its value, the body; for Connect the
//! idempotency key differs per request, so only its presence is compared), and unless
//! each crate call sent exactly one request.
//!
//! Timed: one request at a time, and 64 in flight, both on a current-thread runtime.
//! Each round is cut into slices and every slice runs all sides back to back (the order
//! rotating), so that drift and bursts of load from elsewhere hit all of them alike.
//! The hand-written figure is the median of the rounds; a ratio is the median, over
//! all slices, of crate time ÷ hand-written time of the same slice (above 1 is slower);
//! the spread column says how far the rounds strayed (large when the machine was busy
//! with something else, such as a build).

#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/server.rs"]
mod server;
#[path = "support/stats.rs"]
mod stats;

use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use user_provisioner::futures::{stream, StreamExt};
use user_provisioner::providers::connect::{self, ConnectBuilder, ConnectClient};
use user_provisioner::providers::ece::{self, EceBuilder, EceClient};
use user_provisioner::providers::jambonz::{self, JambonzBuilder, JambonzClient};
use user_provisioner::providers::netsapiens::{self, NetSapiensBuilder, NetSapiensClient};
use user_provisioner::providers::scim::{ScimBuilder, ScimClient};
use user_provisioner::scim::model::{ScimUser, ServiceProviderConfig};
use user_provisioner::{CreateOutcome, NewUser, RequestOptions, UserId, UserProvisioner};

use server::{Recorded, Route, Server};
use stats::median;

/// What the crate sends as `User-Agent` (the bench is built with the crate's version).
const USER_AGENT_VALUE: &str = concat!("user-provisioner/", env!("CARGO_PKG_VERSION"));
/// The crate's default per-attempt timeout and connect timeout.
const TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The crate's default response limit.
const MAX_BODY: usize = 1024 * 1024;
const IN_FLIGHT: usize = 64;

const JAMBONZ_KEY: &str = "0d6f4c2e-bench-jambonz-key";
const NETSAPIENS_TOKEN: &str = "nss_0123456789abcdef0123456789abcdef";
const CONNECT_KEY: &str = "ck_live_4f1e9b7c2d5a8e3f6b0c";
const ECE_USER: &str = "admin";
const ECE_PASSWORD: &str = "ece-admin-pass-7731";
const SCIM_TOKEN: &str = "scim_tok_8c1f4e2a9b7d3c6e5f0a";
/// What SCIM requests accept and send (RFC 7644 §8.1), as the crate spells it.
const SCIM_ACCEPT: &str = "application/scim+json, application/json;q=0.9";
const SCIM_JSON: &str = "application/scim+json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Get,
    Create,
}

/// Who sends the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// Hand-written, the request of the native call.
    Hand,
    /// Hand-written, the request of the portable call where it differs.
    HandPortable,
    /// The provider client's own call.
    Native,
    /// The portable `UserProvisioner` call.
    Portable,
}

impl Side {
    fn label(self) -> &'static str {
        match self {
            Side::Hand => "hand-written",
            Side::HandPortable => "hand-written (portable's request)",
            Side::Native => "native",
            Side::Portable => "portable",
        }
    }
}

// ---- the hand-written side ----------------------------------------------------------

/// The hand-written client: what any correct client of these APIs must do, no more.
struct Hand {
    client: reqwest::Client,
    user_agent: HeaderValue,
    json: HeaderValue,
    scim_accept: HeaderValue,
    scim_json: HeaderValue,
}

impl Hand {
    fn new() -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .expect("reqwest client");
        Self {
            client,
            user_agent: HeaderValue::from_static(USER_AGENT_VALUE),
            json: HeaderValue::from_static("application/json"),
            scim_accept: HeaderValue::from_static(SCIM_ACCEPT),
            scim_json: HeaderValue::from_static(SCIM_JSON),
        }
    }

    /// Sends one JSON request and decodes its 2xx body as `T`.
    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        url: url::Url,
        credentials: &[(HeaderName, HeaderValue)],
        extra: Option<(HeaderName, HeaderValue)>,
        body: Option<Vec<u8>>,
    ) -> T {
        self.send_as(
            &self.json,
            &self.json,
            method,
            url,
            credentials,
            extra,
            body,
        )
        .await
    }

    /// Sends one SCIM request (`application/scim+json`) and decodes its 2xx body as `T`.
    async fn send_scim<T: DeserializeOwned>(
        &self,
        method: Method,
        url: url::Url,
        credentials: &[(HeaderName, HeaderValue)],
        body: Option<Vec<u8>>,
    ) -> T {
        self.send_as(
            &self.scim_accept,
            &self.scim_json,
            method,
            url,
            credentials,
            None,
            body,
        )
        .await
    }

    /// Sends one request accepting `accept`, its body (if any) as `content_type`, and
    /// decodes its 2xx body as `T`.
    #[allow(clippy::too_many_arguments)]
    async fn send_as<T: DeserializeOwned>(
        &self,
        accept: &HeaderValue,
        content_type: &HeaderValue,
        method: Method,
        url: url::Url,
        credentials: &[(HeaderName, HeaderValue)],
        extra: Option<(HeaderName, HeaderValue)>,
        body: Option<Vec<u8>>,
    ) -> T {
        let mut builder = self
            .client
            .request(method, url)
            .timeout(TIMEOUT)
            .header(USER_AGENT, self.user_agent.clone())
            .header(ACCEPT, accept.clone());
        for (name, value) in credentials {
            builder = builder.header(name, value.clone());
        }
        if let Some((name, value)) = extra {
            builder = builder.header(name, value);
        }
        if let Some(body) = body {
            builder = builder
                .header(CONTENT_TYPE, content_type.clone())
                .body(body);
        }
        let mut response = builder.send().await.expect("hand-written send");
        let status = response.status();
        assert!(
            status.is_success(),
            "hand-written request answered {status}"
        );
        let declared = response.content_length().unwrap_or(0);
        assert!(declared <= MAX_BODY as u64, "body over the limit");
        let mut bytes = Vec::with_capacity(declared as usize);
        while let Some(chunk) = response.chunk().await.expect("hand-written body") {
            assert!(bytes.len() + chunk.len() <= MAX_BODY, "body over the limit");
            bytes.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&bytes).expect("hand-written decode")
    }
}

/// `base` with `segment` appended, percent-encoded.
fn with_segment(base: &url::Url, segment: &str) -> url::Url {
    let mut url = base.clone();
    url.path_segments_mut()
        .expect("a base URL with a path")
        .push(segment);
    url
}

fn sensitive(value: &str) -> HeaderValue {
    let mut value = HeaderValue::from_str(value).expect("header value");
    value.set_sensitive(true);
    value
}

fn body<T: Serialize>(request: &T) -> Vec<u8> {
    serde_json::to_vec(request).expect("encode")
}

fn created(outcome: CreateOutcome) {
    assert!(
        matches!(outcome, CreateOutcome::Created(_)),
        "expected a created user: {outcome:?}"
    );
}

// ---- one target per provider --------------------------------------------------------

struct Jambonz {
    client: JambonzClient,
    users: url::Url,
    credentials: Vec<(HeaderName, HeaderValue)>,
    sid: user_provisioner::uuid::Uuid,
    id: UserId,
    request: jambonz::CreateUser,
    portable_request: jambonz::CreateUser,
    new_user: NewUser,
}

impl Jambonz {
    fn new(server: &str) -> Self {
        let base = format!("{server}/jambonz/v1");
        Self {
            client: JambonzBuilder::new()
                .with_base_url(&base)
                .with_api_key(JAMBONZ_KEY)
                .build()
                .expect("jambonz client"),
            users: format!("{base}/Users").parse().expect("url"),
            credentials: vec![(AUTHORIZATION, sensitive(&format!("Bearer {JAMBONZ_KEY}")))],
            sid: fixtures::JAMBONZ_SID.parse().expect("uuid"),
            id: UserId::new(fixtures::JAMBONZ_SID),
            request: fixtures::jambonz_create(),
            portable_request: fixtures::jambonz_portable_create(),
            new_user: fixtures::jambonz_new_user(),
        }
    }

    async fn run(&self, hand: &Hand, op: Op, side: Side) {
        let options = RequestOptions::new();
        match (op, side) {
            (Op::Get, Side::Hand | Side::HandPortable) => {
                let url = with_segment(&self.users, &self.sid.to_string());
                let _: jambonz::JambonzUser = hand
                    .send(Method::GET, url, &self.credentials, None, None)
                    .await;
            }
            (Op::Get, Side::Native) => {
                self.client.get(&self.sid, &options).await.expect("get");
            }
            (Op::Get, Side::Portable) => {
                self.client.get_user(&self.id).await.expect("get_user");
            }
            (Op::Create, Side::Hand | Side::HandPortable) => {
                let request = match side {
                    Side::Hand => &self.request,
                    _ => &self.portable_request,
                };
                let _: jambonz::CreatedUser = hand
                    .send(
                        Method::POST,
                        self.users.clone(),
                        &self.credentials,
                        None,
                        Some(body(request)),
                    )
                    .await;
            }
            (Op::Create, Side::Native) => {
                self.client
                    .create(&self.request, &options)
                    .await
                    .expect("create");
            }
            (Op::Create, Side::Portable) => {
                created(
                    self.client
                        .create_user(&self.new_user)
                        .await
                        .expect("create_user"),
                );
            }
        }
    }
}

struct NetSapiens {
    client: NetSapiensClient,
    users: url::Url,
    credentials: Vec<(HeaderName, HeaderValue)>,
    id: UserId,
    request: netsapiens::CreateUser,
    portable_request: netsapiens::CreateUser,
    new_user: NewUser,
}

impl NetSapiens {
    fn new(server: &str) -> Self {
        let base = format!("{server}/netsapiens/ns-api/v2");
        Self {
            client: NetSapiensBuilder::new()
                .with_base_url(&base)
                .with_token(NETSAPIENS_TOKEN)
                .with_domain(fixtures::NETSAPIENS_DOMAIN)
                .build()
                .expect("netsapiens client"),
            users: format!("{base}/domains/{}/users", fixtures::NETSAPIENS_DOMAIN)
                .parse()
                .expect("url"),
            credentials: vec![(
                AUTHORIZATION,
                sensitive(&format!("Bearer {NETSAPIENS_TOKEN}")),
            )],
            id: UserId::new(fixtures::NETSAPIENS_EXTENSION),
            request: fixtures::netsapiens_create(),
            portable_request: fixtures::netsapiens_portable_create(),
            new_user: fixtures::netsapiens_new_user(),
        }
    }

    async fn run(&self, hand: &Hand, op: Op, side: Side) {
        let options = RequestOptions::new();
        match (op, side) {
            (Op::Get, Side::Hand | Side::HandPortable) => {
                let url = with_segment(&self.users, fixtures::NETSAPIENS_EXTENSION);
                let _: netsapiens::NetSapiensUser = hand
                    .send(Method::GET, url, &self.credentials, None, None)
                    .await;
            }
            (Op::Get, Side::Native) => {
                self.client
                    .get(fixtures::NETSAPIENS_EXTENSION, &options)
                    .await
                    .expect("get");
            }
            (Op::Get, Side::Portable) => {
                self.client.get_user(&self.id).await.expect("get_user");
            }
            (Op::Create, Side::Hand | Side::HandPortable) => {
                let request = match side {
                    Side::Hand => &self.request,
                    _ => &self.portable_request,
                };
                let _: netsapiens::NetSapiensUser = hand
                    .send(
                        Method::POST,
                        self.users.clone(),
                        &self.credentials,
                        None,
                        Some(body(request)),
                    )
                    .await;
            }
            (Op::Create, Side::Native) => {
                let result = self
                    .client
                    .create(&self.request, &options)
                    .await
                    .expect("create");
                assert!(
                    matches!(result, netsapiens::CreateResult::Created(_)),
                    "a synchronous create is a created user: {result:?}"
                );
            }
            (Op::Create, Side::Portable) => {
                created(
                    self.client
                        .create_user(&self.new_user)
                        .await
                        .expect("create_user"),
                );
            }
        }
    }
}

struct Connect {
    client: ConnectClient,
    users: url::Url,
    credentials: Vec<(HeaderName, HeaderValue)>,
    id: UserId,
    request: connect::CreateUser,
    portable_request: connect::CreateUser,
    new_user: NewUser,
}

const IDEMPOTENCY_HEADER: HeaderName = HeaderName::from_static("x-idempotency-key");

impl Connect {
    fn new(server: &str) -> Self {
        let base = format!("{server}/connect/api/v1");
        Self {
            client: ConnectBuilder::new()
                .with_base_url(&base)
                .with_api_key(CONNECT_KEY)
                .build()
                .expect("connect client"),
            users: format!("{base}/users").parse().expect("url"),
            credentials: vec![(HeaderName::from_static("x-api-key"), sensitive(CONNECT_KEY))],
            id: UserId::new(fixtures::CONNECT_USER_ID),
            request: fixtures::connect_create(),
            portable_request: fixtures::connect_portable_create(),
            new_user: fixtures::connect_new_user(),
        }
    }

    async fn run(&self, hand: &Hand, op: Op, side: Side) {
        let options = RequestOptions::new();
        match (op, side) {
            (Op::Get, Side::Hand | Side::HandPortable) => {
                let url = with_segment(&self.users, fixtures::CONNECT_USER_ID);
                let _: connect::ConnectUser = hand
                    .send(Method::GET, url, &self.credentials, None, None)
                    .await;
            }
            (Op::Get, Side::Native) => {
                self.client
                    .get(fixtures::CONNECT_USER_ID, &options)
                    .await
                    .expect("get");
            }
            (Op::Get, Side::Portable) => {
                self.client.get_user(&self.id).await.expect("get_user");
            }
            (Op::Create, Side::Hand | Side::HandPortable) => {
                let request = match side {
                    Side::Hand => &self.request,
                    _ => &self.portable_request,
                };
                // A fresh key per create, as the crate does when the caller gives none.
                let key = user_provisioner::uuid::Uuid::new_v4().to_string();
                let key = HeaderValue::from_str(&key).expect("key");
                let _: connect::ConnectUser = hand
                    .send(
                        Method::POST,
                        self.users.clone(),
                        &self.credentials,
                        Some((IDEMPOTENCY_HEADER, key)),
                        Some(body(request)),
                    )
                    .await;
            }
            (Op::Create, Side::Native) => {
                self.client
                    .create(&self.request, &options)
                    .await
                    .expect("create");
            }
            (Op::Create, Side::Portable) => {
                created(
                    self.client
                        .create_user(&self.new_user)
                        .await
                        .expect("create_user"),
                );
            }
        }
    }
}

struct Ece {
    client: EceClient,
    users: url::Url,
    credentials: Vec<(HeaderName, HeaderValue)>,
    id: UserId,
    request: ece::CreateUser,
    portable_request: ece::CreateUser,
    new_user: NewUser,
}

impl Ece {
    fn new(server: &str) -> Self {
        let base = format!("{server}/ece/api/v1");
        Self {
            client: EceBuilder::new()
                .with_base_url(&base)
                .with_basic_auth(ECE_USER, ECE_PASSWORD)
                .build()
                .expect("ece client"),
            users: format!("{base}/users").parse().expect("url"),
            credentials: vec![(AUTHORIZATION, basic_auth(ECE_USER, ECE_PASSWORD))],
            id: UserId::new(fixtures::ECE_USER_NAME),
            request: fixtures::ece_create(),
            portable_request: fixtures::ece_portable_create(),
            new_user: fixtures::ece_new_user(),
        }
    }

    async fn run(&self, hand: &Hand, op: Op, side: Side) {
        let options = RequestOptions::new();
        match (op, side) {
            (Op::Get, Side::Hand | Side::HandPortable) => {
                let url = with_segment(&self.users, fixtures::ECE_USER_NAME);
                let _: ece::EceUser = hand
                    .send(Method::GET, url, &self.credentials, None, None)
                    .await;
            }
            (Op::Get, Side::Native) => {
                self.client
                    .get(fixtures::ECE_USER_NAME, &options)
                    .await
                    .expect("get");
            }
            (Op::Get, Side::Portable) => {
                self.client.get_user(&self.id).await.expect("get_user");
            }
            (Op::Create, Side::Hand | Side::HandPortable) => {
                let request = match side {
                    Side::Hand => &self.request,
                    _ => &self.portable_request,
                };
                let _: ece::EceUser = hand
                    .send(
                        Method::POST,
                        self.users.clone(),
                        &self.credentials,
                        None,
                        Some(body(request)),
                    )
                    .await;
            }
            (Op::Create, Side::Native) => {
                self.client
                    .create(&self.request, &options)
                    .await
                    .expect("create");
            }
            (Op::Create, Side::Portable) => {
                created(
                    self.client
                        .create_user(&self.new_user)
                        .await
                        .expect("create_user"),
                );
            }
        }
    }
}

struct Scim {
    client: ScimClient,
    users: url::Url,
    credentials: Vec<(HeaderName, HeaderValue)>,
    id: UserId,
    /// Both with their declared `schemas`, as the crate sends them.
    request: ScimUser,
    portable_request: ScimUser,
    new_user: NewUser,
}

impl Scim {
    fn new(server: &str) -> Self {
        let base = format!("{server}/scim/v2");
        // Pinned, so that no call reads /ServiceProviderConfig or /Schemas first: each
        // timed call is its one request.
        let config = ServiceProviderConfig::new()
            .with_patch(true)
            .with_etag(true)
            .with_filter(true, Some(100))
            .with_change_password(true);
        Self {
            client: ScimBuilder::new()
                .with_base_url(&base)
                .with_bearer_token(SCIM_TOKEN)
                .with_service_provider_config(config)
                .build()
                .expect("scim client"),
            users: format!("{base}/Users").parse().expect("url"),
            credentials: vec![(AUTHORIZATION, sensitive(&format!("Bearer {SCIM_TOKEN}")))],
            id: UserId::new(fixtures::SCIM_USER_ID),
            request: fixtures::scim_create(),
            portable_request: fixtures::scim_portable_create(),
            new_user: fixtures::scim_new_user(),
        }
    }

    async fn run(&self, hand: &Hand, op: Op, side: Side) {
        let options = RequestOptions::new();
        match (op, side) {
            (Op::Get, Side::Hand | Side::HandPortable) => {
                let url = with_segment(&self.users, fixtures::SCIM_USER_ID);
                let _: ScimUser = hand
                    .send_scim(Method::GET, url, &self.credentials, None)
                    .await;
            }
            (Op::Get, Side::Native) => {
                self.client
                    .get(fixtures::SCIM_USER_ID, &options)
                    .await
                    .expect("get");
            }
            (Op::Get, Side::Portable) => {
                self.client.get_user(&self.id).await.expect("get_user");
            }
            (Op::Create, Side::Hand | Side::HandPortable) => {
                let request = match side {
                    Side::Hand => &self.request,
                    _ => &self.portable_request,
                };
                let _: ScimUser = hand
                    .send_scim(
                        Method::POST,
                        self.users.clone(),
                        &self.credentials,
                        Some(body(request)),
                    )
                    .await;
            }
            (Op::Create, Side::Native) => {
                self.client
                    .create(&self.request, &options)
                    .await
                    .expect("create");
            }
            (Op::Create, Side::Portable) => {
                created(
                    self.client
                        .create_user(&self.new_user)
                        .await
                        .expect("create_user"),
                );
            }
        }
    }
}

/// The basic-auth header reqwest itself makes, built once as a hand-written client would.
fn basic_auth(user: &str, password: &str) -> HeaderValue {
    let request = reqwest::Client::new()
        .get("http://127.0.0.1/")
        .basic_auth(user, Some(password))
        .build()
        .expect("a request");
    let mut value = request
        .headers()
        .get(AUTHORIZATION)
        .expect("a basic-auth header")
        .clone();
    value.set_sensitive(true);
    value
}

// Five values, built once; boxing them would add an indirection to every timed call.
#[allow(clippy::large_enum_variant)]
enum Target {
    Jambonz(Jambonz),
    NetSapiens(NetSapiens),
    Connect(Connect),
    Ece(Ece),
    Scim(Scim),
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Jambonz(_) => "jambonz",
            Target::NetSapiens(_) => "netsapiens",
            Target::Connect(_) => "connect",
            Target::Ece(_) => "ece",
            Target::Scim(_) => "scim",
        }
    }

    async fn run(&self, hand: &Hand, op: Op, side: Side) {
        match self {
            Target::Jambonz(target) => target.run(hand, op, side).await,
            Target::NetSapiens(target) => target.run(hand, op, side).await,
            Target::Connect(target) => target.run(hand, op, side).await,
            Target::Ece(target) => target.run(hand, op, side).await,
            Target::Scim(target) => target.run(hand, op, side).await,
        }
    }

    /// Whether the portable create sends another body than the native one, so that it
    /// needs a hand-written baseline of its own.
    fn portable_differs(&self, op: Op) -> bool {
        if op == Op::Get {
            return false;
        }
        match self {
            Target::Jambonz(t) => body(&t.request) != body(&t.portable_request),
            Target::NetSapiens(t) => body(&t.request) != body(&t.portable_request),
            Target::Connect(t) => body(&t.request) != body(&t.portable_request),
            Target::Ece(t) => body(&t.request) != body(&t.portable_request),
            Target::Scim(t) => body(&t.request) != body(&t.portable_request),
        }
    }
}

fn routes() -> Vec<Route> {
    use fixtures::*;
    let users = format!("/netsapiens/ns-api/v2/domains/{NETSAPIENS_DOMAIN}/users");
    vec![
        Route::json("GET", "/jambonz/v1/Users/", 200, JAMBONZ_USER),
        Route::json("POST", "/jambonz/v1/Users", 201, JAMBONZ_CREATED),
        Route::json("GET", format!("{users}/"), 200, NETSAPIENS_USER),
        Route::json("POST", users, 200, NETSAPIENS_USER),
        Route::json("GET", "/connect/api/v1/users/", 200, CONNECT_USER),
        Route::json("POST", "/connect/api/v1/users", 201, CONNECT_USER),
        Route::json("GET", "/ece/api/v1/users/", 200, ECE_USER),
        Route::json("POST", "/ece/api/v1/users", 200, ECE_USER),
        Route::typed(
            "GET",
            "/scim/v2/Users/",
            200,
            "application/scim+json; charset=utf-8",
            &[("etag", SCIM_VERSION)],
            SCIM_USER,
        ),
        Route::typed(
            "POST",
            "/scim/v2/Users",
            201,
            "application/scim+json; charset=utf-8",
            &[("etag", SCIM_VERSION), ("location", SCIM_LOCATION)],
            SCIM_CREATED,
        ),
    ]
}

// ---- proving both sides send the same request ---------------------------------------

/// A request with headers in a fixed order and Connect's per-request key reduced to
/// its presence.
fn normalised(mut request: Recorded) -> Recorded {
    for (name, value) in &mut request.headers {
        if name == IDEMPOTENCY_HEADER.as_str() && !value.is_empty() {
            *value = "<present>".into();
        }
    }
    request.headers.sort();
    request
}

async fn record_one(server: &Server, target: &Target, hand: &Hand, op: Op, side: Side) -> Recorded {
    server.record();
    target.run(hand, op, side).await;
    let mut requests = server.stop_recording();
    if requests.len() != 1 {
        fail(&format!(
            "{} {op:?} ({}) sent {} requests, not exactly one: {requests:#?}",
            target.name(),
            side.label(),
            requests.len()
        ));
    }
    normalised(requests.remove(0))
}

async fn verify(server: &Server, target: &Target, hand: &Hand, op: Op, sides: &[Side]) {
    let baseline = record_one(server, target, hand, op, Side::Hand).await;
    let portable_baseline = if sides.contains(&Side::HandPortable) {
        record_one(server, target, hand, op, Side::HandPortable).await
    } else {
        baseline.clone()
    };
    for (side, expected) in [
        (Side::Native, &baseline),
        (Side::Portable, &portable_baseline),
    ] {
        let actual = record_one(server, target, hand, op, side).await;
        if &actual != expected {
            fail(&describe_difference(
                target.name(),
                op,
                side,
                &actual,
                expected,
            ));
        }
    }
    println!(
        "verified {} {op:?}: {} {} with {} headers and a {}-byte body, the same from the \
         crate (native and portable) and by hand{}",
        target.name(),
        baseline.method,
        baseline.target,
        baseline.headers.len(),
        baseline.body.len(),
        if sides.contains(&Side::HandPortable) {
            format!(
                " (the portable call sends another body, {} bytes, matched by its own \
                 hand-written baseline)",
                portable_baseline.body.len()
            )
        } else {
            String::new()
        }
    );
}

fn describe_difference(
    name: &str,
    op: Op,
    side: Side,
    actual: &Recorded,
    expected: &Recorded,
) -> String {
    let mut text = format!(
        "{name} {op:?}: the {} call's request differs from the hand-written one\n",
        side.label()
    );
    if actual.method != expected.method || actual.target != expected.target {
        text += &format!(
            "  crate: {} {}\n  hand:  {} {}\n",
            actual.method, actual.target, expected.method, expected.target
        );
    }
    for header in &actual.headers {
        if !expected.headers.contains(header) {
            text += &format!("  header only from the crate: {}: {}\n", header.0, header.1);
        }
    }
    for header in &expected.headers {
        if !actual.headers.contains(header) {
            text += &format!("  header only by hand: {}: {}\n", header.0, header.1);
        }
    }
    if actual.body != expected.body {
        text += &format!(
            "  crate body: {}\n  hand body:  {}\n",
            String::from_utf8_lossy(&actual.body),
            String::from_utf8_lossy(&expected.body)
        );
    }
    text
}

fn fail(message: &str) -> ! {
    eprintln!("overhead bench: {message}");
    std::process::exit(1);
}

// ---- timing -------------------------------------------------------------------------

struct Settings {
    rounds: usize,
    sequential: usize,
    concurrent: usize,
    filters: Vec<String>,
    only: Option<Side>,
}

impl Settings {
    fn from_args() -> Self {
        let mut settings = Self {
            rounds: 5,
            sequential: 3000,
            concurrent: 20_000,
            filters: Vec::new(),
            only: None,
        };
        for arg in std::env::args().skip(1) {
            let number = |prefix: &str| {
                arg.strip_prefix(prefix)
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|n| *n > 0)
            };
            if let Some(n) = number("--rounds=") {
                settings.rounds = n;
            } else if let Some(n) = number("--sequential=") {
                settings.sequential = n;
            } else if let Some(n) = number("--concurrent=") {
                settings.concurrent = n;
            } else if let Some(side) = arg.strip_prefix("--only=") {
                settings.only = Some(match side {
                    "hand" => Side::Hand,
                    "native" => Side::Native,
                    "portable" => Side::Portable,
                    "hand-portable" => Side::HandPortable,
                    other => fail(&format!(
                        "--only={other}: use hand, native, portable or hand-portable"
                    )),
                });
            } else if !arg.starts_with('-') {
                settings.filters.push(arg.to_ascii_lowercase());
            }
        }
        settings
    }

    fn wants(&self, case: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| case.contains(f.as_str()))
    }
}

async fn sequential<F, Fut>(n: usize, call: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let started = Instant::now();
    for _ in 0..n {
        call().await;
    }
    started.elapsed()
}

async fn concurrent<F, Fut>(n: usize, call: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let started = Instant::now();
    stream::iter(0..n)
        .map(|_| call())
        .buffer_unordered(IN_FLIGHT)
        .for_each(|()| async {})
        .await;
    started.elapsed()
}

/// What the rounds of one case measured.
struct Measured {
    sides: Vec<Side>,
    /// Per side, µs per request of each round.
    rounds: Vec<Vec<f64>>,
    /// Per side, the time of each slice, in the same order for every side.
    slices: Vec<Vec<f64>>,
    /// Requests per side and round.
    requests: usize,
}

impl Measured {
    fn index(&self, side: Side) -> Option<usize> {
        self.sides.iter().position(|s| *s == side)
    }

    /// The median µs per request of `side` over the rounds.
    fn per_request(&self, side: Side) -> Option<f64> {
        Some(median(self.rounds[self.index(side)?].clone()))
    }

    /// `side`'s time over `base`'s: the median of the ratios of the same slice, each
    /// pair run back to back, so a burst of load elsewhere falls on both of a pair.
    fn ratio(&self, side: Side, base: Side) -> f64 {
        let (Some(side), Some(base)) = (self.index(side), self.index(base)) else {
            return f64::NAN;
        };
        median(
            self.slices[side]
                .iter()
                .zip(&self.slices[base])
                .map(|(a, b)| a / b)
                .collect(),
        )
    }

    /// The baseline of the portable call: its own hand-written request where that
    /// differs from the native one's.
    fn portable_base(&self) -> Side {
        if self.index(Side::HandPortable).is_some() {
            Side::HandPortable
        } else {
            Side::Hand
        }
    }

    /// The widest distance of a round from its side's median, relative to that median:
    /// how busy the machine was with something else.
    fn spread(&self) -> f64 {
        self.rounds
            .iter()
            .flat_map(|rounds| {
                let mid = median(rounds.clone());
                rounds.iter().map(move |r| (r - mid).abs() / mid)
            })
            .fold(0.0, f64::max)
    }
}

/// Times every side of one case, `rounds` times. Each round is cut into slices, and
/// every slice runs each side in turn (the order rotating), so that drift and bursts
/// of load from elsewhere on the machine land on all sides alike.
async fn measure(
    target: &Target,
    hand: &Hand,
    op: Op,
    sides: &[Side],
    rounds: usize,
    requests: usize,
    in_flight: bool,
) -> Measured {
    let slices = if in_flight { 5 } else { 10 }.min(requests);
    let per_slice = requests / slices;
    let mut measured = Measured {
        sides: sides.to_vec(),
        rounds: vec![Vec::new(); sides.len()],
        slices: vec![Vec::new(); sides.len()],
        requests: per_slice * slices,
    };
    for round in 0..rounds {
        let mut total = vec![Duration::ZERO; sides.len()];
        for slice in 0..slices {
            for step in 0..sides.len() {
                let index = (round + slice + step) % sides.len();
                let side = sides[index];
                let call = || target.run(hand, op, side);
                let elapsed = if in_flight {
                    concurrent(per_slice, call).await
                } else {
                    sequential(per_slice, call).await
                };
                total[index] += elapsed;
                measured.slices[index].push(elapsed.as_secs_f64());
            }
        }
        for (index, total) in total.into_iter().enumerate() {
            measured.rounds[index].push(total.as_secs_f64() * 1e6 / measured.requests as f64);
        }
    }
    measured
}

fn print_table(title: &str, cases: &[(String, Measured)], per_second: bool) -> Vec<f64> {
    println!();
    println!("{title}");
    println!(
        "{:<18} {:>16} {:>8} {:>10} {:>8}   notes",
        "case", "hand-written", "native", "portable", "spread"
    );
    let format_hand = |us: f64| {
        if per_second {
            format!("{:.0} req/s", 1e6 / us)
        } else {
            format!("{us:.1} µs/req")
        }
    };
    let mut ratios = Vec::new();
    for (case, measured) in cases {
        let Some(hand) = measured.per_request(Side::Hand) else {
            continue;
        };
        let native = measured.ratio(Side::Native, Side::Hand);
        let portable = measured.ratio(Side::Portable, measured.portable_base());
        ratios.extend([native, portable]);
        let note = match measured.per_request(Side::HandPortable) {
            Some(base) => format!(
                "portable ratio against its own hand-written request: {}",
                format_hand(base)
            ),
            None => String::new(),
        };
        println!(
            "{:<18} {:>16} {:>7.2}x {:>9.2}x {:>7.0}%   {}",
            case,
            format_hand(hand),
            native,
            portable,
            measured.spread() * 100.0,
            note
        );
    }
    println!(
        "(hand-written: median of the rounds; ratios: median over the slices of crate time \
         / hand-written time, each pair run back to back; spread: the farthest any round \
         strayed from its side's median, large when the machine was busy elsewhere)"
    );
    ratios
}

fn main() {
    let settings = Settings::from_args();
    let server = Server::start(routes());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let url = server.url();
    let hand = Hand::new();
    let targets = [
        Target::Jambonz(Jambonz::new(&url)),
        Target::NetSapiens(NetSapiens::new(&url)),
        Target::Connect(Connect::new(&url)),
        Target::Ece(Ece::new(&url)),
        Target::Scim(Scim::new(&url)),
    ];
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "user-provisioner overhead: crate vs hand-written reqwest over loopback HTTP/1.1; \
         {cores} cores (std::thread::available_parallelism); client on one current-thread \
         runtime, server on its own thread"
    );

    let started = Instant::now();
    let (sequential_figures, concurrent_figures) = runtime.block_on(async {
        let mut cases = Vec::new();
        for target in &targets {
            for op in [Op::Get, Op::Create] {
                let case = format!(
                    "{} {}",
                    target.name(),
                    if op == Op::Get { "get" } else { "create" }
                );
                if !settings.wants(&case) {
                    continue;
                }
                let mut sides = vec![Side::Hand, Side::Native, Side::Portable];
                if target.portable_differs(op) {
                    sides.push(Side::HandPortable);
                }
                verify(&server, target, &hand, op, &sides).await;
                cases.push((case, target, op, sides));
            }
        }
        if cases.is_empty() {
            fail(&format!("no case matches {:?}", settings.filters));
        }
        if let Some(side) = settings.only {
            for (case, target, op, sides) in &cases {
                if !sides.contains(&side) {
                    continue;
                }
                let sent = measure(target, &hand, *op, &[side], 1, settings.sequential, false)
                    .await
                    .requests;
                eprintln!("{case}: {sent} requests of {} only", side.label());
            }
            std::process::exit(0);
        }
        let before = server.requests();
        let mut timed = 0usize;
        let mut sequential_figures = Vec::new();
        let mut concurrent_figures = Vec::new();
        for (case, target, op, sides) in &cases {
            // Warm-up: connections opened (64 of them for the concurrent rounds), code
            // and allocator paths hot.
            timed += measure(target, &hand, *op, sides, 1, 300, false)
                .await
                .requests
                * sides.len();
            timed += measure(target, &hand, *op, sides, 1, 2000, true)
                .await
                .requests
                * sides.len();
            let sequential_run = measure(
                target,
                &hand,
                *op,
                sides,
                settings.rounds,
                settings.sequential,
                false,
            )
            .await;
            timed += sequential_run.requests * sides.len() * settings.rounds;
            sequential_figures.push((case.clone(), sequential_run));
            let concurrent_run = measure(
                target,
                &hand,
                *op,
                sides,
                settings.rounds,
                settings.concurrent,
                true,
            )
            .await;
            timed += concurrent_run.requests * sides.len() * settings.rounds;
            concurrent_figures.push((case.clone(), concurrent_run));
            eprintln!("{case}: done after {:.1?}", started.elapsed());
        }
        let sent = server.requests() - before;
        let expected = timed as u64;
        if sent != expected {
            fail(&format!(
                "the server answered {sent} requests while {expected} were timed: some call \
                 sent more than one"
            ));
        }
        (sequential_figures, concurrent_figures)
    });

    let mut ratios = print_table(
        &format!(
            "one request at a time: {} rounds x {} requests, in slices of {}",
            settings.rounds,
            settings.sequential,
            settings.sequential / 10.min(settings.sequential)
        ),
        &sequential_figures,
        false,
    );
    ratios.extend(print_table(
        &format!(
            "{IN_FLIGHT} in flight: {} rounds x {} requests, in slices of {}; a ratio is also \
             hand-written throughput / crate throughput",
            settings.rounds,
            settings.concurrent,
            settings.concurrent / 5.min(settings.concurrent)
        ),
        &concurrent_figures,
        true,
    ));
    let within = ratios.iter().filter(|ratio| **ratio <= 1.05).count();
    println!();
    println!(
        "target crate / hand-written <= 1.05: {within} of {} ratios meet it; total time {:.1?}",
        ratios.len(),
        started.elapsed()
    );
}
