//! The decoder properties of this adapter (issue 7, item 9): every response model and
//! the error decoder fed arbitrary bytes, arbitrary JSON and error bodies of this
//! provider's shape echoing the client's credential. The strategies and checks are the
//! core's (`crate::proptests`); the words, models, decoder and credential are this
//! adapter's.

use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::http::Auth;
use crate::proptests::{self as support, Vocabulary};
use crate::provisioner::Provider;
use crate::secret::Secret;

const WORDS: Vocabulary = Vocabulary {
    keys: &[
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
        "name-first-name",
        "login-username",
    ],
    texts: &[
        "Basic User",
        "a@x.com; b@x.com",
        "1001,1002",
        "18446744073709551616",
        "2023-11-07T06:31:56.123+01:00",
    ],
};

/// Error bodies of this provider's shape (see [`support::echoing_body`]).
const ECHOES: &[&str] = &[r#"{"code":{BARE},"message":{S}}"#];

fn every_response_model(response: &crate::http::RawResponse) {
    support::decodes_or_decode_error::<super::NetSapiensUser>(response);
    support::decodes_or_decode_error::<Vec<super::NetSapiensUser>>(response);
    support::decodes_or_decode_error::<super::UserSettings>(response);
    support::decodes_or_decode_error::<Vec<super::UserSettings>>(response);
    support::decodes_or_decode_error::<super::Acknowledgement>(response);
    support::decodes_or_decode_error::<super::UserCount>(response);
    support::decodes_or_decode_error::<super::NetSapiensErrorBody>(response);
}

fn auth(secret: &str) -> Auth {
    Auth::bearer("api_key", &Secret::new(secret)).unwrap()
}

proptest! {
    #![proptest_config(support::config())]

    /// Every response model, fed arbitrary bytes or JSON, decodes or gives a `Decode`
    /// error.
    #[test]
    fn response_models_never_panic(
        body in support::body(WORDS),
        status in 200u16..600,
        json_type in any::<bool>(),
    ) {
        let mut headers = HeaderMap::new();
        if !json_type {
            headers.insert("content-type", HeaderValue::from_static("text/html"));
        }
        every_response_model(&support::raw(Provider::NETSAPIENS, status, headers, body));
    }

    /// The error decoder reads arbitrary bodies and headers without a panic.
    #[test]
    fn the_error_decoder_never_panics(
        body in support::body(WORDS),
        headers in support::headers("hdr-secret-1".into()),
        status in 100u16..1000,
    ) {
        let response = support::raw(Provider::NETSAPIENS, status, headers, body);
        support::check_error_decoder(super::errors::decode, &response)?;
    }

    /// The core's classification of this provider's error answers: the documented
    /// kind, the status kept, and no credential shown, even when the server echoes it.
    #[test]
    fn classification_is_total_and_never_shows_the_credential(
        (secret, body, headers) in support::credential().prop_flat_map(|secret| {
            (
                Just(secret.clone()),
                support::error_body(WORDS, ECHOES, secret.clone()),
                support::headers(secret),
            )
        }),
        status in prop_oneof![400u16..=599, Just(449u16)],
    ) {
        let core = support::core(Provider::NETSAPIENS, auth(&secret), super::errors::decode);
        let response = support::raw(Provider::NETSAPIENS, status, headers, body);
        support::check_classification(&core, response, &secret)?;
    }
}

/// What the classification property found: a credential the server echoes JSON-escaped
/// (`\/` for `/`, as PHP writes it) passed the text scrub and came back in the message.
#[test]
fn an_escaped_echo_of_the_credential_is_scrubbed() {
    use reqwest::StatusCode;

    let secret = "tok/abc+123456";
    let core = support::core(Provider::NETSAPIENS, auth(secret), super::errors::decode);
    let body =
        br#"{"code":401,"message":"bad token tok\/abc+123456","x":{"tok\u002fabc+123456":1}}"#;
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", HeaderValue::from_static("tok/abc+123456"));
    let response = support::raw(Provider::NETSAPIENS, 401, headers, body.to_vec());
    let error = core.classify(StatusCode::UNAUTHORIZED, response);
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert_eq!(error.api_error().unwrap().message, "bad token ***");
}
