//! NetSapiens error bodies.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ErrorDetail;
use crate::http::{ErrorBody, RawResponse};

use super::wire;

/// A NetSapiens error body: `{"code": 409, "message": "UID already exists."}`.
///
/// `code` repeats the HTTP status; it becomes [`ApiError::code`](crate::ApiError::code)
/// as text. Decoding is lenient (a code sent as a string is accepted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NetSapiensErrorBody {
    /// `code`: the HTTP status the server meant.
    #[serde(default, deserialize_with = "wire::de_number")]
    pub code: Option<u16>,
    /// `message`: what went wrong and, sometimes, how to correct it.
    #[serde(default, deserialize_with = "wire::de_text")]
    pub message: Option<String>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Reads `{"code", "message"}`; any other body falls back to the core's text excerpt.
pub(crate) fn decode(response: &RawResponse) -> ErrorBody {
    match response.json_lenient::<NetSapiensErrorBody>() {
        Some(body) if body.code.is_some() || body.message.is_some() => ErrorBody {
            code: body.code.map(|code| code.to_string()),
            message: body.message.clone(),
            detail: ErrorDetail::new(body),
        },
        _ => ErrorBody::default(),
    }
}
