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
        "user_sid",
        "msg",
        "is_active",
        "force_change",
        "is_view_only",
        "account_sid",
        "service_provider_sid",
        "scope",
        "email_validated",
        "phone",
    ],
    texts: &["a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d"],
};

/// Error bodies of this provider's shape (see [`support::echoing_body`]).
const ECHOES: &[&str] = &[r#"{"msg":{S}}"#];

fn every_response_model(response: &crate::http::RawResponse) {
    support::decodes_or_decode_error::<super::CreatedUser>(response);
    support::decodes_or_decode_error::<super::JambonzUser>(response);
    support::decodes_or_decode_error::<Vec<super::UserSummary>>(response);
    support::decodes_or_decode_error::<super::JambonzErrorBody>(response);
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
        every_response_model(&support::raw(Provider::JAMBONZ, status, headers, body));
    }

    /// The error decoder reads arbitrary bodies and headers without a panic.
    #[test]
    fn the_error_decoder_never_panics(
        body in support::body(WORDS),
        headers in support::headers("hdr-secret-1".into()),
        status in 100u16..1000,
    ) {
        let response = support::raw(Provider::JAMBONZ, status, headers, body);
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
        let core = support::core(Provider::JAMBONZ, auth(&secret), super::errors::decode);
        let response = support::raw(Provider::JAMBONZ, status, headers, body);
        support::check_classification(&core, response, &secret)?;
    }
}

/// What the client property found: serde quotes the value it cannot read, so a success
/// body echoing the credential in a mistyped field leaked it through `Error::Decode`.
#[test]
fn a_decode_error_never_quotes_the_credential() {
    use crate::error::Error;
    use serde_json::Value;

    let secret = "tok/abc+123456";
    let mut response = support::raw(
        Provider::JAMBONZ,
        200,
        HeaderMap::new(),
        br#"{"user_sid":"a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d","name":"n","is_active":"tok/abc+123456"}"#
            .to_vec(),
    );
    response.auth = Some(auth(secret));
    for error in [
        response.json::<super::JambonzUser>().unwrap_err(),
        response
            .decode_value::<super::JambonzUser>(&response.json::<Value>().unwrap())
            .unwrap_err(),
    ] {
        let shown = format!("{error} {error:?}");
        assert!(matches!(error, Error::Decode { .. }), "{shown}");
        assert!(!shown.contains(secret), "{shown}");
    }
}
