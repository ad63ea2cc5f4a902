//! The decoder properties of this adapter (issue 7, item 9): every response model and
//! the error decoder fed arbitrary bytes, arbitrary JSON and error bodies of this
//! provider's shape echoing the client's credential. The strategies and checks are the
//! core's (`crate::proptests`); the words, models, decoder and credential are this
//! adapter's.

use proptest::prelude::*;
use reqwest::header::HeaderMap;

use crate::http::Auth;
use crate::proptests::{self as support, Vocabulary};
use crate::provider::Provider;
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

fn auth(secret: &str, _variant: bool) -> Auth {
    Auth::bearer("api_key", &Secret::new(secret)).unwrap()
}

support::decoder_properties!(Provider::JAMBONZ, super::errors::decode);

/// What the client property found: serde quotes the value it cannot read, so a success
/// body echoing the credential in a mistyped field leaked it through `Error::Decode`.
#[test]
fn a_decode_error_never_quotes_the_credential() {
    use crate::error::Error;

    let secret = "tok/abc+123456";
    let mut response = support::raw(
        Provider::JAMBONZ,
        200,
        HeaderMap::new(),
        br#"{"user_sid":"a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d","name":"n","is_active":"tok/abc+123456"}"#
            .to_vec(),
    );
    response.auth = Some(std::sync::Arc::new(auth(secret, false)));
    let error = response.json::<super::JambonzUser>().unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(matches!(error, Error::Decode { .. }), "{shown}");
    assert!(!shown.contains(secret), "{shown}");
}
