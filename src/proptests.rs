//! Property-test support for the crate-private decoders, and the core's own
//! provider-agnostic properties (issue 7, item 9; issue 12, item 12).
//!
//! Each adapter runs the same properties over its own response models, error decoder
//! and credential shape in `src/providers/<name>/proptests.rs`, with the strategies
//! below fed its own vocabulary; this module names no provider. The end-to-end
//! properties through the public clients are in `tests/properties.rs`.

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::http::{Auth, ClientOptions, ErrorBody, ErrorDecoder, HttpCore, RawResponse};
use crate::provider::Provider;
use crate::secret::Secret;

/// The words a provider's decoders give a meaning to, so that arbitrary JSON sometimes
/// reaches past the first field and decodes.
#[derive(Clone, Copy)]
pub(crate) struct Vocabulary {
    /// Object keys the decoders look for.
    pub(crate) keys: &'static [&'static str],
    /// String values the decoders read.
    pub(crate) texts: &'static [&'static str],
}

/// Words of any JSON API; each adapter adds its own.
const COMMON_KEYS: &[&str] = &[
    "id",
    "name",
    "email",
    "code",
    "message",
    "errors",
    "type",
    "metadata",
    "created_at",
    "enabled",
    "password",
    "roles",
    "items",
    "total",
    "limit",
    "offset",
    "user",
    "users",
];
const COMMON_TEXTS: &[&str] = &[
    "",
    " ",
    "0",
    "1",
    "true",
    "yes",
    "no",
    "-1",
    "2025-05-04T09:42:00Z",
];

/// A vocabulary with no provider's words: the core's own properties.
pub(crate) const COMMON: Vocabulary = Vocabulary {
    keys: COMMON_KEYS,
    texts: COMMON_TEXTS,
};

/// The configuration of every decoder property: failure seeds live beside the
/// integration tests' own, not in a top-level folder.
pub(crate) fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/lib.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

fn text(words: Vocabulary) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        1 => prop::sample::select(COMMON_TEXTS).prop_map(str::to_owned),
        2 => prop::sample::select(words.texts).prop_map(str::to_owned),
    ]
}

fn key(words: Vocabulary) -> impl Strategy<Value = String> {
    prop_oneof![
        1 => prop::sample::select(COMMON_KEYS).prop_map(str::to_owned),
        3 => prop::sample::select(words.keys).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// Any JSON value, at most four levels deep and about 64 nodes large.
pub(crate) fn json_value(words: Vocabulary) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        text(words).prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(words), inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A body: arbitrary bytes, arbitrary JSON, or JSON damaged at an arbitrary byte.
pub(crate) fn body(words: Vocabulary) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..128),
        json_value(words).prop_map(|value| serde_json::to_vec(&value).unwrap()),
        (json_value(words), any::<prop::sample::Index>()).prop_map(|(value, at)| {
            let mut bytes = serde_json::to_vec(&value).unwrap();
            let cut = at.index(bytes.len() + 1);
            bytes.truncate(cut);
            bytes
        }),
    ]
}

/// A credential: long enough to be scrubbed, with characters JSON may escape.
pub(crate) fn credential() -> impl Strategy<Value = String> {
    const CHARS: &[char] = &[
        'a', 'Z', '0', '9', '-', '_', '.', '/', '+', '=', '"', '\\', '<', '&', '~',
    ];
    prop::collection::vec(prop::sample::select(CHARS), 8..20)
        .prop_map(|chars| chars.into_iter().collect::<String>())
        .prop_filter("a credential must not be blank", |s| !s.trim().is_empty())
}

/// How a server may write a string in JSON.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Escape {
    /// As serde_json writes it.
    Plain,
    /// With `/` written `\/` (PHP's `json_encode` default).
    Solidus,
    /// Every character as `\uXXXX`.
    Unicode,
}

pub(crate) fn json_string(text: &str, escape: Escape) -> String {
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

/// Error bodies of no provider's shape that echo the credential; each adapter adds
/// templates of its own shape. `{S}` is a JSON string holding the credential in a
/// message, `{BARE}` the credential alone as a JSON string, `{SECRET}` it unquoted.
pub(crate) const COMMON_ECHOES: &[&str] = &[
    r#"{{BARE}:1,"message":"denied"}"#,
    r#"{"code":401,"message":{S},"extra":[{BARE}]}"#,
    "<html><body>{SECRET}</body></html>",
];

/// `template` with the credential filled in, written as `escape` says.
pub(crate) fn echoing_body(template: &str, secret: &str, escape: Escape) -> Vec<u8> {
    let s = json_string(&format!("bad credential {secret}"), escape);
    let bare = json_string(secret, escape);
    template
        .replace("{S}", &s)
        .replace("{BARE}", &bare)
        .replace("{SECRET}", secret)
        .into_bytes()
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

pub(crate) fn headers(secret: String) -> impl Strategy<Value = HeaderMap> {
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

pub(crate) fn raw(
    provider: Provider,
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
) -> RawResponse {
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
        secrets: Vec::new(),
    }
}

/// Decodes `body` as `T` through the crate's path; only a `Decode` error may come back.
pub(crate) fn decodes_or_decode_error<T: DeserializeOwned>(response: &RawResponse) {
    match response.json::<T>() {
        Ok(_) | Err(Error::Decode { .. }) => {}
        Err(other) => panic!("{}: {other:?}", std::any::type_name::<T>()),
    }
    let _ = response.json_lenient::<T>();
}

/// The kind the core gives a status (before any adapter's own translation).
pub(crate) fn expected_kind(error: &Error, status: u16) -> bool {
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

pub(crate) fn escape() -> impl Strategy<Value = Escape> {
    prop_oneof![
        Just(Escape::Plain),
        Just(Escape::Solidus),
        Just(Escape::Unicode)
    ]
}

/// An error answer's body: arbitrary, or shaped by one of `echoes` (the adapter's and
/// [`COMMON_ECHOES`]) and echoing the credential.
pub(crate) fn error_body(
    words: Vocabulary,
    echoes: &'static [&'static str],
    secret: String,
) -> impl Strategy<Value = Vec<u8>> {
    let templates: Vec<&'static str> = echoes.iter().chain(COMMON_ECHOES).copied().collect();
    prop_oneof![
        body(words),
        (prop::sample::select(templates), escape())
            .prop_map(move |(template, escape)| echoing_body(template, &secret, escape)),
    ]
}

/// A shared `reqwest` client: building one per case would dominate the run time.
pub(crate) fn shared_client() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(reqwest::Client::new).clone()
}

/// A core for `provider` with `auth`, the way a builder makes one.
pub(crate) fn core(provider: Provider, auth: Auth, decoder: ErrorDecoder) -> HttpCore {
    HttpCore::new(
        provider,
        "http://127.0.0.1:9/api",
        auth,
        ClientOptions::new().with_reqwest_client(shared_client()),
        decoder,
    )
    .unwrap()
}

/// The classification property for one error answer: the documented kind for the
/// status, the status kept, a trimmed message, and no credential in `Display` or
/// `Debug`, even when the server echoes it.
pub(crate) fn check_classification(
    core: &HttpCore,
    response: RawResponse,
    secret: &str,
) -> Result<(), TestCaseError> {
    let status = response.status;
    let code = StatusCode::from_u16(status).unwrap();
    let error = core.classify(code, response);
    prop_assert!(expected_kind(&error, status), "{status}: {error:?}");
    prop_assert_eq!(error.status(), Some(status));
    let api = error.api_error().unwrap();
    prop_assert_eq!(api.message.trim(), api.message.as_str());
    let shown = error.to_string();
    let debug = format!("{error:?}");
    prop_assert!(
        !shown.contains(secret),
        "Display shows the credential: {}",
        shown
    );
    prop_assert!(
        !debug.contains(secret),
        "Debug shows the credential: {}",
        debug
    );
    Ok(())
}

/// An error decoder's property for one answer: no panic, and a message bounded by the
/// body (an escaped body may grow, but never without limit).
pub(crate) fn check_error_decoder(
    decoder: ErrorDecoder,
    response: &RawResponse,
) -> Result<(), TestCaseError> {
    let decoded = decoder(response);
    if let Some(message) = decoded.message {
        prop_assert!(message.len() <= response.body.len() * 6 + 64);
    }
    Ok(())
}

/// A decoder that reads nothing: what the core does on its own.
fn no_decoder(_: &RawResponse) -> ErrorBody {
    ErrorBody::default()
}

proptest! {
    #![proptest_config(config())]

    /// The core's classification of an error answer with no adapter's decoder: the
    /// core's own fallbacks keep the status and scrub an echoed credential.
    #[test]
    fn the_core_classifies_any_answer_without_showing_the_credential(
        (secret, body, headers) in credential().prop_flat_map(|secret| {
            (Just(secret.clone()), error_body(COMMON, &[], secret.clone()), headers(secret))
        }),
        status in prop_oneof![400u16..=599, Just(449u16)],
    ) {
        let auth = Auth::bearer("api_key", &Secret::new(secret.as_str())).unwrap();
        let core = core(Provider::EXAMPLE, auth, no_decoder);
        check_classification(&core, raw(Provider::EXAMPLE, status, headers, body), &secret)?;
    }

    /// A `Value` decodes from any body or gives a `Decode` error.
    #[test]
    fn any_body_decodes_as_json_or_gives_a_decode_error(
        body in body(COMMON),
        status in 200u16..600,
    ) {
        decodes_or_decode_error::<Value>(&raw(Provider::EXAMPLE, status, HeaderMap::new(), body));
    }
}

/// The three decoder properties every adapter runs, from its own module: its `WORDS`
/// and `ECHOES`, `every_response_model(&RawResponse)`, `auth(secret, variant) -> Auth`
/// (`variant` picks a second auth scheme where the provider has one) and error decoder.
macro_rules! decoder_properties {
    ($provider:expr, $decode:path) => {
        proptest! {
            #![proptest_config($crate::proptests::config())]

            /// Every response model, fed arbitrary bytes or JSON, decodes or gives a
            /// `Decode` error.
            #[test]
            fn response_models_never_panic(
                body in $crate::proptests::body(WORDS),
                status in 200u16..600,
                json_type in any::<bool>(),
            ) {
                let mut headers = reqwest::header::HeaderMap::new();
                if !json_type {
                    headers.insert(
                        "content-type",
                        reqwest::header::HeaderValue::from_static("text/html"),
                    );
                }
                every_response_model(&$crate::proptests::raw($provider, status, headers, body));
            }

            /// The error decoder reads arbitrary bodies and headers without a panic.
            #[test]
            fn the_error_decoder_never_panics(
                body in $crate::proptests::body(WORDS),
                headers in $crate::proptests::headers("hdr-secret-1".into()),
                status in 100u16..1000,
            ) {
                let response = $crate::proptests::raw($provider, status, headers, body);
                $crate::proptests::check_error_decoder($decode, &response)?;
            }

            /// The core's classification of this provider's error answers: the documented
            /// kind, the status kept, and no credential shown, even when the server
            /// echoes it.
            #[test]
            fn classification_is_total_and_never_shows_the_credential(
                (secret, body, headers) in $crate::proptests::credential().prop_flat_map(|secret| {
                    (
                        Just(secret.clone()),
                        $crate::proptests::error_body(WORDS, ECHOES, secret.clone()),
                        $crate::proptests::headers(secret),
                    )
                }),
                status in prop_oneof![400u16..=599, Just(449u16)],
                variant in any::<bool>(),
            ) {
                let core = $crate::proptests::core($provider, auth(&secret, variant), $decode);
                let response = $crate::proptests::raw($provider, status, headers, body);
                $crate::proptests::check_classification(&core, response, &secret)?;
            }
        }
    };
}
pub(crate) use decoder_properties;
