//! SCIM errors (RFC 7644 §3.12): a status, an optional `scimType` and a detail.

use std::fmt;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use user_provisioner::scim::filter::FilterError;
use user_provisioner::scim::model::{ErrorMessage, ScimType};
use user_provisioner::scim::schema::SCIM_JSON;

/// An error the bridge answers in the SCIM error schema
/// (`urn:ietf:params:scim:api:messages:2.0:Error`).
///
/// Its detail never carries a credential: it names fields and reasons, not values of
/// `password`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<ScimType>,
    detail: String,
}

impl ScimError {
    /// An error with this status, `scimType` and detail.
    pub fn new(status: StatusCode, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// A 400 with this `scimType`.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    /// A 400 `invalidFilter`.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidFilter, detail)
    }

    /// A 400 `invalidSyntax`.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidSyntax, detail)
    }

    /// A 400 `invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidValue, detail)
    }

    /// A 400 `invalidPath`.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidPath, detail)
    }

    /// A 400 `noTarget`.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::NoTarget, detail)
    }

    /// A 400 `mutability`.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::Mutability, detail)
    }

    /// A 409 `uniqueness`.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, Some(ScimType::Uniqueness), detail)
    }

    /// A 404 for a resource or endpoint that does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }

    /// A 401: no bearer token or not one the bridge accepts.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            None,
            "a valid bearer token is required",
        )
    }

    /// A 412: the `If-Match` version is not the resource's.
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, None, detail)
    }

    /// A 413: the body is larger than the bridge reads.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            format!("the request body is larger than {limit} bytes"),
        )
    }

    /// A 501: an operation RFC 7644 defines and the bridge does not support (`/Bulk`,
    /// `/Me`; RFC 7644 §3.12, table 8: "Service provider does not support the request
    /// operation").
    pub fn not_implemented(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, None, detail)
    }

    /// A 500 whose detail says what failed without internals a client should not see.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, None, detail)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `scimType`, where SCIM defines one for the error.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.scim_type
    }

    /// The human-readable detail.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The error as a SCIM error message.
    pub fn to_json(&self) -> serde_json::Value {
        let message = ErrorMessage::new(self.status.as_u16(), self.scim_type, self.detail.clone());
        serde_json::to_value(message).unwrap_or_default()
    }
}

/// A filter the SDK's reader refused is a 400 `invalidFilter` with its detail.
impl From<FilterError> for ScimError {
    fn from(error: FilterError) -> Self {
        Self::invalid_filter(error.detail())
    }
}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SCIM {}", self.status.as_u16())?;
        if let Some(scim_type) = self.scim_type {
            write!(f, " {scim_type}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

impl std::error::Error for ScimError {}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.to_json().to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"scim\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the SDK's filter reader refuses reaches the client as RFC 7644 says: a 400
    /// `invalidFilter` whose detail says where the reader stopped and why.
    #[test]
    fn a_refused_filter_is_a_400_invalid_filter() {
        for (filter, said) in [
            (r#"userName xx "a""#, "at byte 9"),
            (r#"userName eq "a" or"#, "at byte 18"),
            ("title eq (", "at byte 9"),
        ] {
            let error =
                ScimError::from(user_provisioner::scim::filter::parse(filter).expect_err(filter));
            assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{filter}");
            assert_eq!(error.scim_type(), Some(ScimType::InvalidFilter), "{filter}");
            assert!(
                error.detail().contains(said),
                "{filter}: {}",
                error.detail()
            );
        }
    }
}
