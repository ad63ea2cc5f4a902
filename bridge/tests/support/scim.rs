//! A SCIM bridge served on loopback and a real HTTP client that speaks to it as an
//! identity provider does.
#![allow(dead_code)]

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use user_provisioner::testing::Emulators;
use user_provisioner_bridge::{
    AttributeRule, BackendRules, Deactivation, ScimBridge, ScimBridgeBuilder, ScimValue,
    SyncSettings,
};

/// The bearer token every test bridge accepts.
pub const TOKEN: &str = "test-token-0123456789abcdef";
/// The media type SCIM answers carry.
pub const SCIM_JSON: &str = "application/scim+json";
/// The core User schema.
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The bridge's extension.
pub const BRIDGE: &str = "urn:user-provisioner:params:scim:schemas:extension:bridge:2.0:User";
/// PATCH messages.
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A bridge serving `/scim/v2` on a loopback port, and a client for it.
pub struct ServedBridge {
    pub bridge: ScimBridge,
    pub base: String,
    pub http: reqwest::Client,
    server: JoinHandle<()>,
}

impl Drop for ServedBridge {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A listener on a free loopback port and the bridge base URL on it.
pub async fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/scim/v2", listener.local_addr().unwrap());
    (listener, base)
}

/// Sync settings for tests: retries without delay, three attempts.
pub fn quick() -> SyncSettings {
    SyncSettings::new()
        .with_retry_delays(Duration::ZERO, Duration::ZERO)
        .with_max_attempts(3)
}

/// The four provider emulators as backends, with the rules each provider needs (those
/// of the `scim_bridge` example), and [`quick`] sync settings.
pub fn four_emulators(emulators: &Emulators, builder: ScimBridgeBuilder) -> ScimBridgeBuilder {
    let account = emulators.jambonz.account_sid().to_string();
    builder
        .backend_with_rules(
            "jambonz",
            Arc::new(emulators.jambonz.client().unwrap()),
            BackendRules::new()
                .with_attribute(AttributeRule::fixed("jambonz.account_sid", account))
                .generate_missing_passwords(true),
        )
        .backend_with_rules(
            "netsapiens",
            Arc::new(
                emulators
                    .netsapiens
                    .builder()
                    .with_extension_range(7000..=7999)
                    .build()
                    .unwrap(),
            ),
            BackendRules::new()
                .on_deactivation(Deactivation::Delete)
                .with_attribute(AttributeRule::from_scim(
                    "netsapiens.department",
                    ScimValue::Department,
                )),
        )
        .backend_with_rules(
            "connect",
            Arc::new(emulators.connect.client().unwrap()),
            BackendRules::new().on_deactivation(Deactivation::Keep),
        )
        .backend_with_rules(
            "ece",
            Arc::new(emulators.ece.client().unwrap()),
            BackendRules::new().generate_missing_passwords(true),
        )
        .sync_settings(quick())
}

/// Builds the bridge `configure` describes at the listener's base URL and serves it.
pub async fn serve(configure: impl FnOnce(ScimBridgeBuilder) -> ScimBridgeBuilder) -> ServedBridge {
    let (listener, base) = listener().await;
    let bridge = configure(ScimBridge::builder(base.clone()).bearer_token(TOKEN))
        .build()
        .await
        .unwrap();
    serve_built(bridge, listener, base)
}

/// Serves an already built bridge.
pub fn serve_built(bridge: ScimBridge, listener: TcpListener, base: String) -> ServedBridge {
    let app = axum::Router::new().nest("/scim/v2", bridge.router());
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    ServedBridge {
        bridge,
        base,
        http: reqwest::Client::new(),
        server,
    }
}

/// An answer: status, headers and the body as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The `scimType` of an error answer.
    pub fn scim_type(&self) -> Option<&str> {
        self.body["scimType"].as_str()
    }

    /// The backend entry named `name` in the bridge extension.
    pub fn backend(&self, name: &str) -> Value {
        self.body[BRIDGE]["backends"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|entry| entry["backend"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Asserts a SCIM error with this status and scimType.
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        assert_eq!(self.scim_type(), scim_type, "{:#}", self.body);
        assert_eq!(
            self.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
            "{:#}",
            self.body
        );
        assert_eq!(self.body["status"], status.to_string());
        assert_eq!(self.headers["content-type"], SCIM_JSON);
    }
}

impl ServedBridge {
    /// Sends `method path` (relative to the base) with the test token and `body`.
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        self.send_with(
            method,
            path,
            body,
            &[("authorization", &format!("Bearer {TOKEN}"))],
        )
        .await
    }

    /// Sends with exactly these headers.
    pub async fn send_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", SCIM_JSON)
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None).await
    }

    /// `GET /Users?filter=…`, the filter URL-encoded.
    pub async fn filter(&self, filter: &str) -> Answer {
        let encoded: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        self.get(&format!("/Users?filter={encoded}")).await
    }
}

/// The user name when it is an email address, else one made from it.
pub fn email_of(user_name: &str) -> String {
    if user_name.contains('@') {
        user_name.to_owned()
    } else {
        format!("{user_name}@example.com")
    }
}

/// A SCIM user as Okta's default mappings send it.
pub fn okta_user(user_name: &str, given: &str, family: &str) -> Value {
    json!({
        "schemas": [USER],
        "userName": user_name,
        "name": { "givenName": given, "familyName": family },
        "emails": [{ "primary": true, "value": email_of(user_name), "type": "work" }],
        "displayName": format!("{given} {family}"),
        "locale": "en-US",
        "externalId": format!("00u{}", user_name.len()),
        "groups": [],
        "password": "Sup3r-secret!pass",
        "active": true
    })
}

/// A SCIM user as Entra ID's default mappings send it (no password).
pub fn entra_user(user_name: &str, given: &str, family: &str, external_id: &str) -> Value {
    json!({
        "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": external_id,
        "userName": user_name,
        "active": true,
        "displayName": format!("{given} {family}"),
        "emails": [{ "primary": true, "type": "work", "value": email_of(user_name) }],
        "meta": { "resourceType": "User" },
        "name": { "formatted": format!("{given} {family}"), "familyName": family, "givenName": given },
        "title": "Engineer",
        "preferredLanguage": "en-US",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "1001",
            "department": "Support"
        }
    })
}

/// Where a [`Stalling`] backend's create hangs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StallAt {
    /// Before the create reaches the store.
    BeforeSending,
    /// After the store created the user, so that only the answer is lost.
    AfterCreating,
}

/// The in-memory backend, whose next `count` creates never answer, as a backend that
/// hangs while its bridge instance dies; it counts every create that reached it.
#[derive(Debug)]
pub struct Stalling {
    inner: std::sync::Arc<
        user_provisioner::testing::Faulty<user_provisioner::providers::memory::MemoryProvisioner>,
    >,
    at: StallAt,
    stalls_left: std::sync::atomic::AtomicUsize,
    creates: std::sync::atomic::AtomicUsize,
}

impl Stalling {
    /// A backend that stalls nothing (it only counts).
    pub fn counting(
        inner: std::sync::Arc<
            user_provisioner::testing::Faulty<
                user_provisioner::providers::memory::MemoryProvisioner,
            >,
        >,
    ) -> std::sync::Arc<Self> {
        Self::stalling_next(inner, StallAt::BeforeSending, 0)
    }

    /// A backend whose next `count` creates hang at `at`.
    pub fn stalling_next(
        inner: std::sync::Arc<
            user_provisioner::testing::Faulty<
                user_provisioner::providers::memory::MemoryProvisioner,
            >,
        >,
        at: StallAt,
        count: usize,
    ) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Self {
            inner,
            at,
            stalls_left: std::sync::atomic::AtomicUsize::new(count),
            creates: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// How many creates reached this backend.
    pub fn creates(&self) -> usize {
        self.creates.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl user_provisioner::UserProvisioner for Stalling {
    fn provider(&self) -> user_provisioner::Provider {
        self.inner.provider()
    }

    fn capabilities(&self) -> user_provisioner::Capabilities {
        self.inner.capabilities()
    }

    fn validate_new_user(&self, user: &user_provisioner::NewUser) -> user_provisioner::Result<()> {
        self.inner.validate_new_user(user)
    }

    fn validate_update(
        &self,
        id: &user_provisioner::UserId,
        update: &user_provisioner::UserUpdate,
    ) -> user_provisioner::Result<()> {
        self.inner.validate_update(id, update)
    }

    async fn create_user_opts(
        &self,
        user: &user_provisioner::NewUser,
        options: &user_provisioner::RequestOptions,
    ) -> user_provisioner::Result<user_provisioner::CreateOutcome> {
        use std::sync::atomic::Ordering;
        self.creates.fetch_add(1, Ordering::SeqCst);
        let stall = self
            .stalls_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if stall {
            if self.at == StallAt::AfterCreating {
                let _created = self.inner.create_user_opts(user, options).await?;
            }
            std::future::pending::<()>().await;
        }
        self.inner.create_user_opts(user, options).await
    }

    async fn get_user_opts(
        &self,
        id: &user_provisioner::UserId,
        options: &user_provisioner::RequestOptions,
    ) -> user_provisioner::Result<user_provisioner::User> {
        self.inner.get_user_opts(id, options).await
    }

    async fn update_user_opts(
        &self,
        id: &user_provisioner::UserId,
        update: &user_provisioner::UserUpdate,
        options: &user_provisioner::RequestOptions,
    ) -> user_provisioner::Result<user_provisioner::UpdateOutcome> {
        self.inner.update_user_opts(id, update, options).await
    }

    async fn delete_user_opts(
        &self,
        id: &user_provisioner::UserId,
        options: &user_provisioner::RequestOptions,
    ) -> user_provisioner::Result<user_provisioner::DeleteOutcome> {
        self.inner.delete_user_opts(id, options).await
    }

    async fn list_users_opts(
        &self,
        request: &user_provisioner::ListUsers,
        options: &user_provisioner::RequestOptions,
    ) -> user_provisioner::Result<user_provisioner::UserPage> {
        self.inner.list_users_opts(request, options).await
    }

    async fn find_user_opts(
        &self,
        key: &user_provisioner::UserKey,
        options: &user_provisioner::RequestOptions,
    ) -> user_provisioner::Result<Option<user_provisioner::User>> {
        self.inner.find_user_opts(key, options).await
    }
}
