//! SCIM error answers (RFC 7644 §3.12) and what they mean to the crate.

use crate::error::{ApiError, Error, ErrorDetail};
use crate::http::{ErrorBody, RawResponse};
use crate::scim::model::{ErrorMessage, ScimType};

/// Reads a SCIM error message: `scimType` becomes the code, `detail` the message, and
/// the whole message is the typed detail ([`ErrorMessage`]). A body that is not one
/// (a proxy's HTML page) falls back to its text.
pub(crate) fn decode(response: &RawResponse) -> ErrorBody {
    match response.json_lenient::<ErrorMessage>() {
        Some(message) if message.detail.is_some() || message.scim_type.is_some() => ErrorBody {
            code: message.scim_type.clone(),
            message: message.detail.clone(),
            detail: ErrorDetail::new(message),
        },
        _ => ErrorBody::default(),
    }
}

/// The SCIM meanings the status alone does not carry: `uniqueness` is a conflict
/// whatever the status (some servers answer it with 400), and so is a 412 (the
/// `If-Match` version is no longer the resource's: someone else changed it).
pub(crate) fn classify(error: Error) -> Error {
    error.reclassify(is_conflict, Error::Conflict)
}

fn is_conflict(api: &ApiError) -> bool {
    api.status == 412 || scim_type(api) == Some(ScimType::Uniqueness)
}

/// The answer's `scimType`, when it is one RFC 7644 defines.
fn scim_type(api: &ApiError) -> Option<ScimType> {
    api.code.as_deref().and_then(ScimType::parse)
}

/// An error that says the server cannot read the filter (`invalidFilter`), so the
/// lookup can fall back to reading every page.
pub(crate) fn is_invalid_filter(error: &Error) -> bool {
    error
        .api_error()
        .is_some_and(|api| api.status == 400 && scim_type(api) == Some(ScimType::InvalidFilter))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Provider;

    #[test]
    fn uniqueness_and_a_failed_precondition_are_conflicts() {
        let uniqueness = ApiError::new(Provider::SCIM, 400, "taken").with_code("uniqueness");
        assert!(classify(uniqueness.into_error()).is_conflict());
        let stale = ApiError::new(Provider::SCIM, 412, "changed");
        assert!(classify(stale.into_error()).is_conflict());
        let other = ApiError::new(Provider::SCIM, 400, "bad").with_code("mutability");
        assert!(!classify(other.into_error()).is_conflict());
    }
}
