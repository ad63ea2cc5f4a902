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
        "user_name",
        "full_name",
        "builtin",
        "security",
        "permissions",
        "elevated_permissions",
        "expires_at",
        "security_realm",
        "fields",
        "last_login_at",
    ],
    texts: &["ece_platform_admin", "user.user_name.conflict"],
};

/// Error bodies of this provider's shape (see [`support::echoing_body`]).
const ECHOES: &[&str] = &[r#"{"errors":[{"code":{BARE},"message":{S},"fields":[{BARE}]}]}"#];

fn every_response_model(response: &crate::http::RawResponse) {
    support::decodes_or_decode_error::<super::EceUser>(response);
    support::decodes_or_decode_error::<super::UserList>(response);
    support::decodes_or_decode_error::<super::EceErrorEntry>(response);
}

/// Basic auth with the credential as the password, or it as an API key.
fn auth(secret: &str, basic: bool) -> Auth {
    let secret = Secret::new(secret);
    if basic {
        Auth::basic("credentials", "admin", &secret).unwrap()
    } else {
        Auth::api_key_authorization("api_key", &secret).unwrap()
    }
}

support::decoder_properties!(Provider::ECE, super::errors::decode);
