//! The decoder properties of this adapter (issue 7, item 9): every response model and
//! the error decoder fed arbitrary bytes, arbitrary JSON and error bodies of this
//! provider's shape echoing the client's credential. The strategies and checks are the
//! core's (`crate::proptests`); the words, models, decoder and credential are this
//! adapter's.

use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::http::Auth;
use crate::proptests::{self as support, Vocabulary};
use crate::provider::Provider;
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

fn auth(secret: &str, _variant: bool) -> Auth {
    Auth::bearer("api_key", &Secret::new(secret)).unwrap()
}

support::decoder_properties!(Provider::NETSAPIENS, super::errors::decode);

/// What the classification property found: a credential the server echoes JSON-escaped
/// (`\/` for `/`, as PHP writes it) passed the text scrub and came back in the message.
#[test]
fn an_escaped_echo_of_the_credential_is_scrubbed() {
    use reqwest::StatusCode;

    let secret = "tok/abc+123456";
    let core = support::core(
        Provider::NETSAPIENS,
        auth(secret, false),
        super::errors::decode,
    );
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
