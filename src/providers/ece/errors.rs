//! Elastic Cloud Enterprise error answers: the `{"errors": [...]}` body and the
//! `x-cloud-error-codes` header, as typed codes.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{ApiError, Error, ErrorDetail};
use crate::http::{ErrorBody, RawResponse};

/// The header in which ECE repeats the codes of an error answer.
pub const ERROR_CODES_HEADER: &str = "x-cloud-error-codes";

/// Every error code the ECE users API documents, plus [`Other`](EceErrorCode::Other)
/// for codes this crate does not know (other APIs' codes, codes added later).
///
/// ```
/// use user_provisioner::providers::ece::EceErrorCode;
///
/// let code = EceErrorCode::from("user.user_name.conflict");
/// assert_eq!(code, EceErrorCode::UserNameConflict);
/// assert_eq!(code.as_str(), "user.user_name.conflict");
/// assert_eq!(
///     EceErrorCode::from("user.something_new"),
///     EceErrorCode::Other("user.something_new".into())
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EceErrorCode {
    /// `user.user_name.invalid` (400, create): the user name is empty or contains
    /// special characters.
    UserNameInvalid,
    /// `user.roles.invalid` (400, create and update): some roles are not ECE roles.
    /// Which of this and [`RolesForbidden`](Self::RolesForbidden) a broken role
    /// combination gets is UNCONFIRMED; the client refuses such combinations before
    /// sending anyway.
    RolesInvalid,
    /// `user.roles.forbidden` (400, create and update): some roles are forbidden (the
    /// caller may not grant them, or, UNCONFIRMED, the combination breaks a role rule;
    /// the emulator answers this code for a broken combination).
    RolesForbidden,
    /// `user.restricted_field` (400, create and update): the request sets a field the
    /// server manages (such as `metadata`, `builtin` or `permissions`).
    RestrictedField,
    /// `user.user_name.conflict` (409, create): the user name is already in use.
    UserNameConflict,
    /// `user.not_found` (404, get, update, delete).
    NotFound,
    /// `user.cannot_modify` (400, update and delete): built-in users cannot be modified.
    CannotModify,
    /// `user.cannot_modify_external` (400, update and delete): users of an external
    /// realm (LDAP, SAML, Active Directory) cannot be modified.
    CannotModifyExternal,
    /// `user.restricted_deletion` (400, delete): this user cannot be deleted.
    RestrictedDeletion,
    /// `root.unauthorized.rbac.elevated_permissions_required` (449): the caller must
    /// elevate its permissions (re-authenticate for sensitive operations) first.
    ElevatedPermissionsRequired,
    /// Any other code, as the server spelt it.
    Other(String),
}

impl EceErrorCode {
    /// Every documented code, in the order of the vendor's reference.
    pub const DOCUMENTED: [EceErrorCode; 10] = [
        EceErrorCode::UserNameInvalid,
        EceErrorCode::RolesInvalid,
        EceErrorCode::RolesForbidden,
        EceErrorCode::RestrictedField,
        EceErrorCode::UserNameConflict,
        EceErrorCode::NotFound,
        EceErrorCode::CannotModify,
        EceErrorCode::CannotModifyExternal,
        EceErrorCode::RestrictedDeletion,
        EceErrorCode::ElevatedPermissionsRequired,
    ];

    /// The code as ECE spells it.
    pub fn as_str(&self) -> &str {
        match self {
            EceErrorCode::UserNameInvalid => "user.user_name.invalid",
            EceErrorCode::RolesInvalid => "user.roles.invalid",
            EceErrorCode::RolesForbidden => "user.roles.forbidden",
            EceErrorCode::RestrictedField => "user.restricted_field",
            EceErrorCode::UserNameConflict => "user.user_name.conflict",
            EceErrorCode::NotFound => "user.not_found",
            EceErrorCode::CannotModify => "user.cannot_modify",
            EceErrorCode::CannotModifyExternal => "user.cannot_modify_external",
            EceErrorCode::RestrictedDeletion => "user.restricted_deletion",
            EceErrorCode::ElevatedPermissionsRequired => {
                "root.unauthorized.rbac.elevated_permissions_required"
            }
            EceErrorCode::Other(code) => code,
        }
    }
}

impl From<&str> for EceErrorCode {
    fn from(code: &str) -> Self {
        match code {
            "user.user_name.invalid" => EceErrorCode::UserNameInvalid,
            "user.roles.invalid" => EceErrorCode::RolesInvalid,
            "user.roles.forbidden" => EceErrorCode::RolesForbidden,
            "user.restricted_field" => EceErrorCode::RestrictedField,
            "user.user_name.conflict" => EceErrorCode::UserNameConflict,
            "user.not_found" => EceErrorCode::NotFound,
            "user.cannot_modify" => EceErrorCode::CannotModify,
            "user.cannot_modify_external" => EceErrorCode::CannotModifyExternal,
            "user.restricted_deletion" => EceErrorCode::RestrictedDeletion,
            "root.unauthorized.rbac.elevated_permissions_required" => {
                EceErrorCode::ElevatedPermissionsRequired
            }
            other => EceErrorCode::Other(other.to_owned()),
        }
    }
}

impl From<String> for EceErrorCode {
    fn from(code: String) -> Self {
        match EceErrorCode::from(code.as_str()) {
            EceErrorCode::Other(_) => EceErrorCode::Other(code),
            known => known,
        }
    }
}

impl fmt::Display for EceErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EceErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EceErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(EceErrorCode::from)
    }
}

/// One entry of an ECE error body (`BasicFailedReplyElement`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EceErrorEntry {
    /// The structured code.
    pub code: EceErrorCode,
    /// The human-readable message.
    #[serde(default)]
    pub message: String,
    /// The request fields the error is about, where it names any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Anything else the server sent in the entry.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The typed detail of an ECE error answer: every `{code, message, fields}` entry of the
/// body and every code of the `x-cloud-error-codes` header. Found in
/// [`ApiError::detail`] (`detail.downcast_ref::<EceError>()`), or through [`EceError::of`].
///
/// ```
/// # async fn demo(client: &user_provisioner::providers::ece::EceClient) {
/// use user_provisioner::providers::ece::{EceError, EceErrorCode};
/// use user_provisioner::RequestOptions;
///
/// if let Err(err) = client.delete("admin", &RequestOptions::new()).await {
///     match EceError::of(&err) {
///         Some(ece) if ece.is_elevated_permissions_required() => {
///             println!("elevate permissions first")
///         }
///         Some(ece) if ece.has(&EceErrorCode::CannotModify) => println!("built-in user"),
///         _ => println!("failed: {err}"),
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct EceError {
    /// The entries of the body's `errors` array, in order. Empty when the body was empty,
    /// not JSON or not in the documented shape; entries that do not have a `code` are
    /// left out.
    pub errors: Vec<EceErrorEntry>,
    /// The codes of the `x-cloud-error-codes` header (comma-separated, possibly
    /// repeated), in order.
    pub header_codes: Vec<EceErrorCode>,
}

impl EceError {
    /// The ECE detail of a crate error, when it is an ECE answer.
    pub fn of(error: &Error) -> Option<&EceError> {
        error.api_error()?.detail.downcast_ref()
    }

    /// The codes of the answer: those of the body's entries, or, when the body had
    /// none, those of the header.
    pub fn codes(&self) -> Vec<&EceErrorCode> {
        if self.errors.is_empty() {
            self.header_codes.iter().collect()
        } else {
            self.errors.iter().map(|entry| &entry.code).collect()
        }
    }

    /// The first code of the answer (see [`codes`](Self::codes)).
    pub fn code(&self) -> Option<&EceErrorCode> {
        self.errors
            .first()
            .map(|entry| &entry.code)
            .or_else(|| self.header_codes.first())
    }

    /// Whether the body or the header carries `code`.
    pub fn has(&self, code: &EceErrorCode) -> bool {
        self.errors.iter().any(|entry| entry.code == *code) || self.header_codes.contains(code)
    }

    /// Whether the server asks for elevated permissions
    /// (`root.unauthorized.rbac.elevated_permissions_required`, HTTP 449). The crate
    /// reports such an answer as [`Error::PermissionDenied`].
    pub fn is_elevated_permissions_required(&self) -> bool {
        self.has(&EceErrorCode::ElevatedPermissionsRequired)
    }

    fn message(&self) -> Option<String> {
        let messages: Vec<&str> = self
            .errors
            .iter()
            .map(|entry| entry.message.trim())
            .filter(|message| !message.is_empty())
            .collect();
        (!messages.is_empty()).then(|| messages.join("; "))
    }
}

/// Reads the body's entries (leniently) and the header's codes.
pub(crate) fn decode(response: &RawResponse) -> ErrorBody {
    let errors = response
        .json_lenient::<Value>()
        .and_then(|mut body| match body.get_mut("errors").map(Value::take) {
            Some(Value::Array(entries)) => Some(entries),
            _ => None,
        })
        .unwrap_or_default()
        .into_iter()
        .filter_map(|entry| serde_json::from_value::<EceErrorEntry>(entry).ok())
        .collect();
    let header_codes = response
        .headers
        .get_all(ERROR_CODES_HEADER)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(EceErrorCode::from)
        .collect();
    let detail = EceError {
        errors,
        header_codes,
    };
    ErrorBody {
        code: detail.code().map(|code| code.as_str().to_owned()),
        message: detail.message(),
        detail: ErrorDetail::new(detail),
    }
}

/// 449, or the elevated-permissions code under any status: a permission problem.
pub(crate) fn needs_elevated_permissions(api: &ApiError) -> bool {
    api.status == 449
        || (400..500).contains(&api.status)
            && api
                .detail
                .downcast_ref::<EceError>()
                .is_some_and(EceError::is_elevated_permissions_required)
}

/// Translates ECE's statuses the core does not know into the crate's kinds.
pub(crate) fn map_error(error: Error) -> Error {
    error.reclassify(needs_elevated_permissions, Error::PermissionDenied)
}
