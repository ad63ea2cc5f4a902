//! The jambonz API server under test, the real one or the emulator, reached through a
//! [`WireTap`] either way. In a file of its own so that the bridge's tests include it too
//! (`bridge/tests/support/mod.rs`).

use serde_json::{json, Value};
use user_provisioner::providers::jambonz::{CreateUser, JambonzBuilder, JambonzClient};
use user_provisioner::testing::JambonzEmulator;
use user_provisioner::NewUser;
use uuid::Uuid;

use super::{Seen, WireTap};

/// Why a real-server test is ignored in a plain `cargo test`, and how to run it.
pub const NEEDS_REAL_SERVER: &str = "needs the real jambonz server: see README";

/// Generates, for every listed `async fn case(target: &JambonzTarget)`, a test against
/// the emulator (`emulator::case`) and one against the real server (`real_server::case`,
/// ignored unless run with `--ignored` and the server's env file loaded).
#[macro_export]
macro_rules! on_both_jambonz_servers {
    ($($case:ident),* $(,)?) => {
        mod emulator {
            $(
                #[tokio::test]
                async fn $case() {
                    let target = $crate::support::JambonzTarget::emulator().await;
                    super::$case(&target).await
                }
            )*
        }
        mod real_server {
            $(
                #[tokio::test]
                #[ignore = "needs the real jambonz server: see README"]
                async fn $case() {
                    let target = $crate::support::JambonzTarget::real().await;
                    super::$case(&target).await
                }
            )*
        }
    };
}

/// A jambonz API server under test: the real one or the emulator.
pub struct JambonzTarget {
    /// `emulator` or `real server`, for assertion messages.
    pub name: &'static str,
    /// The admin API key.
    pub admin_key: String,
    /// An API key of `account_sid`.
    pub account_key: String,
    /// The seeded account, where the sample people are created (so that they are not
    /// administrators, whose number changes what DELETE answers).
    pub account_sid: Uuid,
    /// The seeded service provider.
    pub service_provider_sid: Uuid,
    /// Makes names unique per run, since the real server keeps its users.
    pub run: String,
    tap: WireTap,
    upstream_path: String,
    _emulator: Option<JambonzEmulator>,
}

impl JambonzTarget {
    /// The emulator, behind a wire tap.
    pub async fn emulator() -> Self {
        let emulator = JambonzEmulator::start().await.expect("jambonz emulator");
        let base = emulator.base_url();
        let mut target = Self::behind_tap(
            "emulator",
            &base,
            emulator.api_key().to_owned(),
            emulator.account_api_key().to_owned(),
            emulator.account_sid(),
            emulator.service_provider_sid(),
        )
        .await;
        target._emulator = Some(emulator);
        target
    }

    /// The real server named by the env file of `.ci/jambonz-server/start.sh`.
    pub async fn real() -> Self {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!(
                    "{name} is not set: start the real server with \
                     .ci/jambonz-server/start.sh and load its env file (see README)"
                )
            })
        };
        let uuid = |name: &str| var(name).parse::<Uuid>().expect(name);
        Self::behind_tap(
            "real server",
            &var("JAMBONZ_BASE_URL"),
            var("JAMBONZ_API_KEY"),
            var("JAMBONZ_ACCOUNT_API_KEY"),
            uuid("JAMBONZ_ACCOUNT_SID"),
            uuid("JAMBONZ_SERVICE_PROVIDER_SID"),
        )
        .await
    }

    async fn behind_tap(
        name: &'static str,
        base_url: &str,
        admin_key: String,
        account_key: String,
        account_sid: Uuid,
        service_provider_sid: Uuid,
    ) -> Self {
        let url = url::Url::parse(base_url).expect("base URL");
        let tap = WireTap::in_front_of(&url).await.expect("wire tap");
        Self {
            name,
            admin_key,
            account_key,
            account_sid,
            service_provider_sid,
            run: Uuid::new_v4().simple().to_string()[..8].to_owned(),
            tap,
            upstream_path: url.path().trim_end_matches('/').to_owned(),
            _emulator: None,
        }
    }

    /// The base URL through the tap (`http://127.0.0.1:<port>/v1`).
    pub fn base_url(&self) -> String {
        format!("{}{}", self.tap.origin(), self.upstream_path)
    }

    /// A builder with the admin key, to adjust.
    pub fn builder(&self) -> JambonzBuilder {
        self.builder_with_key(&self.admin_key)
    }

    /// A builder with another key.
    pub fn builder_with_key(&self, key: &str) -> JambonzBuilder {
        JambonzBuilder::new()
            .with_base_url(self.base_url())
            .with_api_key(key)
    }

    /// A client with the admin key.
    pub fn client(&self) -> JambonzClient {
        self.builder().build().expect("jambonz client")
    }

    /// Requests seen on the wire so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.tap.seen()
    }

    /// How many requests were sent so far.
    pub fn sent(&self) -> usize {
        self.tap.seen().len()
    }

    /// The `n`th sample person of this run, in the seeded account.
    pub fn person(&self, n: u32) -> NewUser {
        NewUser::new(format!("{}-user{n}", self.run))
            .with_email(format!("{}-user{n}@example.com", self.run))
            .with_password(format!("Str0ngP@ss{n}"))
            .with_attribute("jambonz.account_sid", self.account_sid.to_string())
    }

    /// The same person as a native create.
    pub fn native_person(&self, n: u32) -> CreateUser {
        let mut request = CreateUser::new(
            format!("{}-native{n}", self.run),
            format!("{}-native{n}@example.com", self.run),
            format!("Str0ngP@ss{n}"),
        );
        request.account_sid = Some(self.account_sid);
        request.force_change = false;
        request
    }

    /// A raw request with the admin key, for what the crate refuses to send and for
    /// setting up state; the status, headers and body as the server answered.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        self.raw_with_key(&self.admin_key, method, path, body).await
    }

    /// A raw request with `key`.
    pub async fn raw_with_key(
        &self,
        key: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let client = reqwest::Client::new();
        let mut request = client
            .request(method, format!("{}{path}", self.base_url()))
            .bearer_auth(key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("raw request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("raw body");
        (status, headers, text)
    }

    /// A new account with no users and an API key of it (`POST /Accounts`,
    /// `POST /ApiKeys`).
    pub async fn empty_account_key(&self) -> String {
        let (status, _, body) = self
            .raw(
                reqwest::Method::POST,
                "/Accounts",
                Some(json!({
                    "name": format!("{}-empty", self.run),
                    "service_provider_sid": self.service_provider_sid,
                })),
            )
            .await;
        assert_eq!(status, 201, "{}: add account: {body}", self.name);
        let account: Value = serde_json::from_str(&body).expect("account");
        let (status, _, body) = self
            .raw(
                reqwest::Method::POST,
                "/ApiKeys",
                Some(json!({ "account_sid": account["sid"] })),
            )
            .await;
        assert_eq!(status, 201, "{}: add api key: {body}", self.name);
        let key: Value = serde_json::from_str(&body).expect("api key");
        key["token"].as_str().expect("token").to_owned()
    }
}
