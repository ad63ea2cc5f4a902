//! jambonz error bodies.

use serde::{Deserialize, Serialize};

use crate::error::ErrorDetail;
use crate::http::{ErrorBody, RawResponse};

/// A jambonz error body: `{"msg": "invalid username or email"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JambonzErrorBody {
    /// The server's message.
    pub msg: String,
}

/// Reads `{"msg"}`; plain-text bodies (401, some 403) fall back to the text itself.
pub(crate) fn decode(response: &RawResponse) -> ErrorBody {
    match response.json_lenient::<JambonzErrorBody>() {
        Some(body) => ErrorBody {
            code: None,
            message: Some(body.msg.clone()),
            detail: ErrorDetail::new(body),
        },
        None => ErrorBody::default(),
    }
}
