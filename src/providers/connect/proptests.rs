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
        "userId",
        "customerIds",
        "customers",
        "customerId",
        "createdAt",
        "details",
        "hint",
        "property",
        "pagination",
        "msisdn",
        "identity",
        "suggestion",
    ],
    texts: &["2023-11-07T06:31:56.123+01:00", "VALIDATION_ERROR"],
};

/// Error bodies of this provider's shape (see [`support::echoing_body`]).
const ECHOES: &[&str] = &[r#"{"message":{S},"details":[{"property":{BARE},"x":{S}}],"hint":{S}}"#];

fn every_response_model(response: &crate::http::RawResponse) {
    support::decodes_or_decode_error::<super::ConnectUser>(response);
    support::decodes_or_decode_error::<super::UserList>(response);
    support::decodes_or_decode_error::<super::ConnectErrorBody>(response);
}

/// The API key and, as the echoed credential, the user token.
fn auth(secret: &str) -> Auth {
    Auth::header("api_key", "x-api-key", &Secret::new("other-key-1"))
        .and_then(|auth| auth.with_bearer("user_token", &Secret::new(secret)))
        .unwrap()
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
        every_response_model(&support::raw(Provider::CONNECT, status, headers, body));
    }

    /// The error decoder reads arbitrary bodies and headers without a panic.
    #[test]
    fn the_error_decoder_never_panics(
        body in support::body(WORDS),
        headers in support::headers("hdr-secret-1".into()),
        status in 100u16..1000,
    ) {
        let response = support::raw(Provider::CONNECT, status, headers, body);
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
        let core = support::core(Provider::CONNECT, auth(&secret), super::errors::decode);
        let response = support::raw(Provider::CONNECT, status, headers, body);
        support::check_classification(&core, response, &secret)?;
    }
}
