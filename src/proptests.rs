//! Property tests of the crate-private decoders (issue 7, item 9): every response model
//! decoded through the crate's decoding path, every provider error decoder and the
//! core's classification of error answers, fed arbitrary bytes, arbitrary JSON and
//! provider-shaped JSON that echoes the client's credential. None may panic, each
//! result is `Ok` or a documented error, and no error shows the credential.
//!
//! The end-to-end properties through the public clients are in `tests/properties.rs`.

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::http::{Auth, ClientOptions, ErrorDecoder, HttpCore, RawResponse};
use crate::providers::{connect, ece, jambonz, netsapiens};
use crate::provisioner::Provider;
use crate::secret::Secret;

/// Names the decoders look for, so that arbitrary objects reach past the first field.
const KEYS: &[&str] = &[
    "user_sid",
    "name",
    "email",
    "msg",
    "code",
    "message",
    "errors",
    "fields",
    "details",
    "hint",
    "property",
    "items",
    "pagination",
    "total",
    "limit",
    "offset",
    "users",
    "user_name",
    "full_name",
    "builtin",
    "security",
    "roles",
    "permissions",
    "enabled",
    "password",
    "elevated_permissions",
    "expires_at",
    "security_realm",
    "type",
    "id",
    "metadata",
    "created_at",
    "last_login_at",
    "is_active",
    "force_change",
    "is_view_only",
    "account_sid",
    "userId",
    "customerIds",
    "customers",
    "customerId",
    "createdAt",
    "user",
    "domain",
    "email-address",
    "area-code",
    "voicemail-login-pin",
    "user-scope",
    "privacy",
    "account-status",
    "email-send-alert-new-voicemail-cc-list-csv",
    "directory-annouce-in-dial-by-name-enabled",
];

/// Texts the decoders give a meaning to, so that arbitrary values sometimes decode.
const TEXTS: &[&str] = &[
    "",
    " ",
    "0",
    "1",
    "yes",
    "no",
    "true",
    "Basic User",
    "a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d",
    "2025-05-04T09:42:00Z",
    "2023-11-07T06:31:56.123+01:00",
    "ece_platform_admin",
    "user.user_name.conflict",
    "a@x.com; b@x.com",
    "1001,1002",
    "18446744073709551616",
    "-1",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => prop::sample::select(TEXTS).prop_map(str::to_owned),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// Any JSON value, at most four levels deep and about 64 nodes large.
pub(crate) fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A body: arbitrary bytes, arbitrary JSON, or JSON damaged at an arbitrary byte.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..128),
        json_value().prop_map(|value| serde_json::to_vec(&value).unwrap()),
        (json_value(), any::<prop::sample::Index>()).prop_map(|(value, at)| {
            let mut bytes = serde_json::to_vec(&value).unwrap();
            let cut = at.index(bytes.len() + 1);
            bytes.truncate(cut);
            bytes
        }),
    ]
}

/// A credential: long enough to be scrubbed, with characters JSON may escape.
fn credential() -> impl Strategy<Value = String> {
    const CHARS: &[char] = &[
        'a', 'Z', '0', '9', '-', '_', '.', '/', '+', '=', '"', '\\', '<', '&', '~',
    ];
    prop::collection::vec(prop::sample::select(CHARS), 8..20)
        .prop_map(|chars| chars.into_iter().collect::<String>())
        .prop_filter("a credential must not be blank", |s| !s.trim().is_empty())
}

/// How a server may write a string in JSON.
#[derive(Debug, Clone, Copy)]
enum Escape {
    /// As serde_json writes it.
    Plain,
    /// With `/` written `\/` (PHP's `json_encode` default).
    Solidus,
    /// Every character as `\uXXXX`.
    Unicode,
}

fn json_string(text: &str, escape: Escape) -> String {
    match escape {
        Escape::Plain => serde_json::to_string(text).unwrap(),
        Escape::Solidus => serde_json::to_string(text).unwrap().replace('/', "\\/"),
        Escape::Unicode => {
            let mut out = String::from('"');
            for unit in text.encode_utf16() {
                out.push_str(&format!("\\u{unit:04x}"));
            }
            out.push('"');
            out
        }
    }
}

/// A provider-shaped error body that echoes `secret` in its strings (and keys).
fn echoing_body(secret: &str, template: usize, escape: Escape) -> Vec<u8> {
    let s = json_string(&format!("bad credential {secret}"), escape);
    let bare = json_string(secret, escape);
    let body = match template % 7 {
        0 => format!(r#"{{"msg":{s}}}"#),
        1 => format!(r#"{{"code":{bare},"message":{s}}}"#),
        2 => format!(r#"{{"errors":[{{"code":{bare},"message":{s},"fields":[{bare}]}}]}}"#),
        3 => format!(r#"{{"message":{s},"details":[{{"property":{bare},"x":{s}}}],"hint":{s}}}"#),
        4 => format!(r#"{{{bare}:1,"message":"denied"}}"#),
        5 => format!(r#"{{"code":401,"message":{s},"extra":[{bare}]}}"#),
        _ => format!("<html><body>{secret}</body></html>"),
    };
    body.into_bytes()
}

const HEADER_NAMES: &[&str] = &[
    "content-type",
    "x-request-id",
    "request-id",
    "x-cloud-error-codes",
    "retry-after",
    "ratelimit-reset",
];

/// Header values, some of which echo `secret`.
fn header_value(secret: String) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(
            &[
                "application/json",
                "text/html; charset=utf-8",
                "user.not_found, user.roles.invalid",
                " , ,",
                "0",
                "18446744073709551615",
                "Sun, 06 Nov 1994 08:49:37 GMT",
            ][..]
        )
        .prop_map(str::to_owned),
        (0u32..10_000, 0u32..10_000)
            .prop_map(|(year, offset)| { format!("Sun, 06 Nov {year:04} 08:49:37 +{offset:04}") }),
        prop::collection::vec(0x20u8..0x7f, 0..40)
            .prop_map(|bytes| String::from_utf8(bytes).unwrap()),
        Just(secret.clone()),
        Just(format!("req-{secret}")),
    ]
}

fn headers(secret: String) -> impl Strategy<Value = HeaderMap> {
    prop::collection::vec(
        (prop::sample::select(HEADER_NAMES), header_value(secret)),
        0..5,
    )
    .prop_map(|pairs| {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_str(&value) {
                map.append(HeaderName::from_static(name), value);
            }
        }
        map
    })
}

fn raw(provider: Provider, status: u16, headers: HeaderMap, body: Vec<u8>) -> RawResponse {
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    RawResponse {
        provider,
        status,
        headers,
        body,
        request_id,
        auth: None,
    }
}

/// Decodes `body` as `T` through the crate's path; only a `Decode` error may come back.
fn decodes_or_decode_error<T: DeserializeOwned>(response: &RawResponse) {
    match response.json::<T>() {
        Ok(_) | Err(Error::Decode { .. }) => {}
        Err(other) => panic!("{}: {other:?}", std::any::type_name::<T>()),
    }
    // The two-step path of the adapters that keep the raw JSON (jambonz, Connect,
    // NetSapiens): decode a `Value`, then the model from it.
    if let Ok(value) = response.json::<Value>() {
        match response.decode_value::<T>(&value) {
            Ok(_) | Err(Error::Decode { .. }) => {}
            Err(other) => panic!("{}: {other:?}", std::any::type_name::<T>()),
        }
    }
    let _ = response.json_lenient::<T>();
}

fn every_response_model(response: &RawResponse) {
    decodes_or_decode_error::<jambonz::CreatedUser>(response);
    decodes_or_decode_error::<jambonz::JambonzUser>(response);
    decodes_or_decode_error::<Vec<jambonz::UserSummary>>(response);
    decodes_or_decode_error::<netsapiens::NetSapiensUser>(response);
    decodes_or_decode_error::<Vec<netsapiens::NetSapiensUser>>(response);
    decodes_or_decode_error::<netsapiens::UserSettings>(response);
    decodes_or_decode_error::<Vec<netsapiens::UserSettings>>(response);
    decodes_or_decode_error::<netsapiens::Acknowledgement>(response);
    decodes_or_decode_error::<netsapiens::UserCount>(response);
    decodes_or_decode_error::<connect::ConnectUser>(response);
    decodes_or_decode_error::<connect::UserList>(response);
    decodes_or_decode_error::<ece::EceUser>(response);
    decodes_or_decode_error::<ece::UserList>(response);
    decodes_or_decode_error::<jambonz::JambonzErrorBody>(response);
    decodes_or_decode_error::<connect::ConnectErrorBody>(response);
    decodes_or_decode_error::<netsapiens::NetSapiensErrorBody>(response);
    decodes_or_decode_error::<ece::EceErrorEntry>(response);
}

const PROVIDERS: [Provider; 4] = [
    Provider::JAMBONZ,
    Provider::NETSAPIENS,
    Provider::CONNECT,
    Provider::ECE,
];

fn decoder(provider: Provider) -> ErrorDecoder {
    match provider {
        Provider::JAMBONZ => jambonz::errors::decode,
        Provider::NETSAPIENS => netsapiens::errors::decode,
        Provider::CONNECT => connect::errors::decode,
        Provider::ECE => ece::errors::decode,
        _ => unreachable!("only the four HTTP adapters are tested here"),
    }
}

/// A core for `provider` holding `secret` the way its builder does.
fn core(provider: Provider, secret: &str, basic: bool) -> HttpCore {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    let client = CLIENT.get_or_init(reqwest::Client::new).clone();
    let secret = Secret::new(secret);
    let auth = match provider {
        Provider::JAMBONZ | Provider::NETSAPIENS => Auth::bearer("api_key", &secret),
        Provider::CONNECT => Auth::header("api_key", "x-api-key", &Secret::new("other-key-1"))
            .and_then(|auth| auth.with_bearer("user_token", &secret)),
        Provider::ECE if basic => Auth::basic("credentials", "admin", &secret),
        Provider::ECE => Auth::api_key_authorization("api_key", &secret),
        _ => unreachable!("only the four HTTP adapters are tested here"),
    }
    .unwrap();
    HttpCore::new(
        provider,
        "http://127.0.0.1:9/api",
        auth,
        ClientOptions::new().with_reqwest_client(client),
        decoder(provider),
    )
    .unwrap()
}

/// The kind the core gives a status (before any adapter's own translation).
fn expected_kind(error: &Error, status: u16) -> bool {
    match status {
        401 => matches!(error, Error::Unauthenticated(_)),
        403 => matches!(error, Error::PermissionDenied(_)),
        404 => matches!(error, Error::NotFound(_)),
        409 => matches!(error, Error::Conflict(_)),
        429 => matches!(error, Error::RateLimited(_)),
        500..=599 => matches!(error, Error::Server(_)),
        _ => matches!(error, Error::Api(_)),
    }
}

fn escape() -> impl Strategy<Value = Escape> {
    prop_oneof![
        Just(Escape::Plain),
        Just(Escape::Solidus),
        Just(Escape::Unicode)
    ]
}

/// An error answer's body: arbitrary, or provider-shaped and echoing the credential.
fn error_body(secret: String) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        body(),
        (0usize..7, escape())
            .prop_map(move |(template, escape)| echoing_body(&secret, template, escape)),
    ]
}

proptest! {
    // Failure seeds live beside the integration tests' own, not in a top-level folder.
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/lib.proptest-regressions"
        ))),
        ..ProptestConfig::default()
    })]

    /// Every response model, fed arbitrary bytes or JSON, decodes or gives a `Decode`
    /// error whose status is the response's.
    #[test]
    fn response_models_never_panic(
        body in body(),
        status in 200u16..600,
        json_type in any::<bool>(),
    ) {
        let mut headers = HeaderMap::new();
        if !json_type {
            headers.insert("content-type", HeaderValue::from_static("text/html"));
        }
        for provider in PROVIDERS {
            every_response_model(&raw(provider, status, headers.clone(), body.clone()));
        }
    }

    /// Every provider's error decoder reads arbitrary bodies and headers without a panic.
    #[test]
    fn error_decoders_never_panic(
        body in body(),
        headers in headers("hdr-secret-1".into()),
        status in 100u16..1000,
    ) {
        for provider in PROVIDERS {
            let response = raw(provider, status, headers.clone(), body.clone());
            let decoded = decoder(provider)(&response);
            if let Some(message) = decoded.message {
                prop_assert!(message.len() <= body.len() * 6 + 64);
            }
        }
    }

    /// The core's classification of an error answer: the documented kind for the
    /// status, the status kept, and no credential in `Display` or `Debug`, even when the
    /// server echoes it (in a field, a key, a header, JSON-escaped).
    #[test]
    fn classification_is_total_and_never_shows_the_credential(
        (secret, body, headers) in credential().prop_flat_map(|secret| {
            (Just(secret.clone()), error_body(secret.clone()), headers(secret))
        }),
        status in prop_oneof![400u16..=599, Just(449u16)],
        provider in prop::sample::select(&PROVIDERS[..]),
        basic in any::<bool>(),
    ) {
        let core = core(provider, &secret, basic);
        let code = StatusCode::from_u16(status).unwrap();
        let error = core.classify(code, raw(provider, status, headers, body));
        prop_assert!(expected_kind(&error, status), "{status}: {error:?}");
        prop_assert_eq!(error.status(), Some(status));
        let api = error.api_error().unwrap();
        prop_assert_eq!(api.message.trim(), api.message.as_str());
        let shown = error.to_string();
        let debug = format!("{error:?}");
        prop_assert!(!shown.contains(&secret), "Display shows the credential: {}", shown);
        prop_assert!(!debug.contains(&secret), "Debug shows the credential: {}", debug);
    }
}

/// What the classification property found: a credential the server echoes JSON-escaped
/// (`\/` for `/`, as PHP writes it) passed the text scrub and came back in the message.
#[test]
fn an_escaped_echo_of_the_credential_is_scrubbed() {
    let secret = "tok/abc+123456";
    let core = core(Provider::NETSAPIENS, secret, false);
    let body =
        br#"{"code":401,"message":"bad token tok\/abc+123456","x":{"tok\u002fabc+123456":1}}"#;
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", HeaderValue::from_static("tok/abc+123456"));
    let response = raw(Provider::NETSAPIENS, 401, headers, body.to_vec());
    let error = core.classify(StatusCode::UNAUTHORIZED, response);
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert_eq!(error.api_error().unwrap().message, "bad token ***");
}

/// What the client property found: serde quotes the value it cannot read, so a success
/// body echoing the credential in a mistyped field leaked it through `Error::Decode`.
#[test]
fn a_decode_error_never_quotes_the_credential() {
    let secret = "tok/abc+123456";
    let mut response = raw(
        Provider::JAMBONZ,
        200,
        HeaderMap::new(),
        br#"{"user_sid":"a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d","name":"n","is_active":"tok/abc+123456"}"#
            .to_vec(),
    );
    response.auth = Some(Auth::bearer("api_key", &Secret::new(secret)).unwrap());
    for error in [
        response.json::<jambonz::JambonzUser>().unwrap_err(),
        response
            .decode_value::<jambonz::JambonzUser>(&response.json::<Value>().unwrap())
            .unwrap_err(),
    ] {
        let shown = format!("{error} {error:?}");
        assert!(matches!(error, Error::Decode { .. }), "{shown}");
        assert!(!shown.contains(secret), "{shown}");
    }
}
