//! The decoder properties of this adapter (issue 7, item 9): every response model and
//! the error decoder fed arbitrary bytes, arbitrary JSON and error bodies of this
//! provider's shape echoing the client's credential. The strategies and checks are the
//! core's (`crate::proptests`); the words, models, decoder and credential are this
//! adapter's.

use proptest::prelude::*;

use crate::http::Auth;
use crate::proptests::{self as support, Vocabulary};
use crate::provider::Provider;
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
fn auth(secret: &str, _variant: bool) -> Auth {
    Auth::header("api_key", "x-api-key", &Secret::new("other-key-1"))
        .and_then(|auth| auth.with_bearer("user_token", &Secret::new(secret)))
        .unwrap()
}

support::decoder_properties!(Provider::CONNECT, super::errors::decode);
