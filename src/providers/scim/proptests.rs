//! The decoder properties of this adapter (issue 7, item 9): every response model and
//! the error decoder fed arbitrary bytes, arbitrary JSON and SCIM error messages echoing
//! the client's credential. The strategies and checks are the core's
//! (`crate::proptests`); the words, models, decoder and credential are this adapter's.
//! With the bridge built too, every filter this client writes is read back by the
//! bridge's filter parser as the one value it was given.

use proptest::prelude::*;

use crate::http::Auth;
use crate::proptests::{self as support, Vocabulary};
use crate::provider::Provider;
use crate::scim::model::{ErrorMessage, ListResponse, Schema, ScimUser, ServiceProviderConfig};
use crate::secret::Secret;

const WORDS: Vocabulary = Vocabulary {
    keys: &[
        "schemas",
        "userName",
        "emails",
        "value",
        "primary",
        "active",
        "meta",
        "version",
        "Resources",
        "totalResults",
        "startIndex",
        "status",
        "scimType",
        "detail",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "patch",
        "supported",
        "attributes",
        "subAttributes",
        "mutability",
    ],
    texts: &["uniqueness", "readOnly", "W/\"1\"", "409", "complex"],
};

/// Error bodies of this provider's shape (see [`support::echoing_body`]).
const ECHOES: &[&str] = &[
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":{S}}"#,
    r#"{"status":"409","scimType":{S},"detail":"taken"}"#,
];

/// The JSON names of [`ScimUser`]'s typed fields; every other key lands in `other`.
const MODEL_KEYS: &[&str] = &[
    "schemas",
    "id",
    "externalId",
    "meta",
    "userName",
    "name",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
];

fn every_response_model(response: &crate::http::RawResponse) {
    support::decodes_or_decode_error::<ScimUser>(response);
    support::decodes_or_decode_error::<ListResponse<ScimUser>>(response);
    support::decodes_or_decode_error::<ServiceProviderConfig>(response);
    support::decodes_or_decode_error::<Schema>(response);
    support::decodes_or_decode_error::<ErrorMessage>(response);
}

fn auth(secret: &str, basic: bool) -> Auth {
    if basic {
        Auth::basic("basic_auth", "provisioner", &Secret::new(secret)).unwrap()
    } else {
        Auth::bearer("bearer_token", &Secret::new(secret)).unwrap()
    }
}

support::decoder_properties!(Provider::SCIM, super::errors::decode);

proptest! {
    #![proptest_config(support::config())]

    /// The SDK's filter writer and its reader (`scim::filter`, which the bridge answers
    /// queries with) are two implementations of RFC 7644's filter grammar: whatever the
    /// value (quotes, backslashes, control characters, any Unicode), the reader reads
    /// back exactly one comparison on exactly that value; only U+0000, which the reader
    /// refuses by design, is not read back.
    #[test]
    fn every_filter_value_reads_back_as_itself(value in any::<String>()) {
        use crate::scim::filter::{parse, AttrPath, CompValue, Compare, CompareOp, Expr};
        let filter = super::Filter::equals("userName", &value).unwrap();
        let read = parse(filter.as_str());
        if value.contains('\0') {
            prop_assert!(read.is_err());
        } else {
            prop_assert_eq!(
                read.unwrap(),
                Expr::Compare(Compare {
                    path: AttrPath::core("userName", None),
                    op: CompareOp::Eq,
                    value: CompValue::Str(value),
                })
            );
        }
    }
}

proptest! {
    #![proptest_config(support::config())]

    /// Whatever a caller passes as an attribute path, building a filter answers (a
    /// filter or an `InvalidInput`) and never panics, multi-byte characters included.
    #[test]
    fn any_attribute_path_is_built_or_refused(attribute in any::<String>(), value in any::<String>()) {
        if let Ok(filter) = super::Filter::equals(&attribute, &value) {
            prop_assert!(filter.as_str().starts_with(attribute.as_str()));
        }
    }

    /// A resource with any keys decodes or is a decode error, and every key not in the
    /// model is kept; declaring its schemas never panics on a key.
    #[test]
    fn any_keys_are_kept_and_declared_safely(keys in proptest::collection::vec(any::<String>(), 0..6)) {
        let mut object = serde_json::Map::new();
        object.insert("userName".into(), "jdoe".into());
        for key in &keys {
            object.insert(key.clone(), serde_json::Value::from(1));
        }
        if let Ok(user) = serde_json::from_value::<ScimUser>(serde_json::Value::Object(object)) {
            for key in keys.iter().filter(|key| !MODEL_KEYS.contains(&key.as_str())) {
                prop_assert!(user.other.contains_key(key), "{key:?} was dropped");
            }
            let declared = user.declared_schemas();
            prop_assert_eq!(declared[0].as_str(), crate::scim::schema::USER);
        }
    }
}
