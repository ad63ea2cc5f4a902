//! Checks of what Connect would refuse, made before sending.

use crate::error::{Error, Result};
use crate::validate::{no_control, required_text};

pub(crate) use crate::validate::{e164 as msisdn, email};

/// `name`: required by the API; refused when blank or holding control characters.
pub(crate) fn name(field: &str, name: &str) -> Result<()> {
    required_text(field, name)
}

/// A user id used as a path segment.
pub(crate) fn user_id(field: &str, id: &str) -> Result<()> {
    required_text(field, id)
}

/// `identity` (personal or organisation number): free text, but not blank.
pub(crate) fn identity(field: &str, identity: &str) -> Result<()> {
    if identity.trim().is_empty() {
        return Err(Error::invalid_input(
            field,
            "must not be empty; leave it unset instead",
        ));
    }
    no_control(field, identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ids_and_identities() {
        assert!(name("name", "John Doe").is_ok());
        assert!(name("name", " ").is_err());
        assert!(name("name", "a\u{7}b").is_err());
        assert!(user_id("user_id", "").is_err());
        assert!(user_id("user_id", "usr_123").is_ok());
        assert!(identity("identity", "").is_err());
        assert!(identity("identity", "195001011234").is_ok());
    }
}
