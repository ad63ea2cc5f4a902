//! Connect error bodies, and how a 409 on a create is told apart.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ApiError, ErrorDetail};
use crate::http::{ErrorBody, RawResponse};

/// A Connect error body:
/// `{"message", "code", "details": [{"message", "code", "property", "suggestion"}], "hint"}`.
///
/// Every field is optional so that a body missing one still decodes; fields the API adds
/// later are kept in [`ConnectErrorBody::other`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConnectErrorBody {
    /// What went wrong, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A machine-readable code such as `VALIDATION_ERROR` or `RATE_LIMIT_EXCEEDED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// One entry per problem, typically per invalid property.
    #[serde(default, deserialize_with = "super::models::null_as_default")]
    pub details: Vec<ConnectErrorDetail>,
    /// A suggestion on how to fix the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One entry of [`ConnectErrorBody::details`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConnectErrorDetail {
    /// What is wrong with this property.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A machine-readable code for this problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The request property at fault, such as `msisdn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// How to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Reads the documented JSON body; anything else (HTML from a proxy, plain text, an
/// empty body) leaves the message to the core, which keeps an excerpt of the text.
pub(crate) fn decode(response: &RawResponse) -> ErrorBody {
    match response.json_lenient::<ConnectErrorBody>() {
        Some(body) => ErrorBody {
            code: body.code.clone(),
            message: body.message.clone(),
            detail: ErrorDetail::new(body),
        },
        None => ErrorBody::default(),
    }
}

/// Whether a 409 answering a create (which always carries an `X-Idempotency-Key`) means
/// "this key was already used for a different body".
///
/// The vendor documents exactly one 409 for `POST /users`: a modified request under a
/// key already used. It does not document the body of that answer, so:
/// - a body whose `code` or `message` mentions idempotency is a key reuse;
/// - a body with a `code` or `message` that does not (for instance a duplicate email,
///   should the server ever report one as 409) stays a plain conflict;
/// - a 409 without either (empty, non-JSON, or JSON without those fields) is a key
///   reuse, because that is the only 409 the create is documented to answer.
///   UNCONFIRMED: the real body of the key-reuse answer.
pub(crate) fn is_idempotency_conflict(api: &ApiError) -> bool {
    if api.status != 409 {
        return false;
    }
    let Some(body) = api.detail.downcast_ref::<ConnectErrorBody>() else {
        return true;
    };
    let mentions = |text: &Option<String>| {
        text.as_deref()
            .is_some_and(|text| text.to_ascii_lowercase().contains("idempoten"))
    };
    if mentions(&body.code) || mentions(&body.message) {
        return true;
    }
    body.code.is_none() && body.message.is_none()
}
