//! Checks of what the jambonz server would refuse, made before sending.

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::validate;

/// The password rules of the server, checked locally.
///
/// The default follows jambonz's default policy: 8 to 20 characters, no digit or
/// special character required. A server whose administrator tightened the policy
/// (`/PasswordSettings`) can be mirrored here so that weak passwords fail before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasswordPolicy {
    /// Fewest characters.
    pub min_len: usize,
    /// Most characters.
    pub max_len: usize,
    /// Whether a digit is required.
    pub require_digit: bool,
    /// Whether a character that is neither a letter nor a digit is required.
    pub require_special: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_len: 8,
            max_len: 20,
            require_digit: false,
            require_special: false,
        }
    }
}

impl PasswordPolicy {
    /// The default policy (8 to 20 characters).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the length range.
    pub fn with_length(mut self, min_len: usize, max_len: usize) -> Self {
        self.min_len = min_len;
        self.max_len = max_len.max(min_len);
        self
    }

    /// Requires a digit.
    pub fn with_digit_required(mut self, required: bool) -> Self {
        self.require_digit = required;
        self
    }

    /// Requires a special character.
    pub fn with_special_required(mut self, required: bool) -> Self {
        self.require_special = required;
        self
    }

    pub(crate) fn check(&self, field: &str, password: &Secret) -> Result<()> {
        let len = password.char_count();
        if len < self.min_len || len > self.max_len {
            return Err(Error::invalid_input(
                field,
                format!(
                    "must be {} to {} characters long (it has {len})",
                    self.min_len, self.max_len
                ),
            ));
        }
        let text = password.expose();
        if self.require_digit && !text.chars().any(|c| c.is_ascii_digit()) {
            return Err(Error::invalid_input(field, "must contain a digit"));
        }
        if self.require_special && text.chars().all(char::is_alphanumeric) {
            return Err(Error::invalid_input(
                field,
                "must contain a special character",
            ));
        }
        Ok(())
    }
}

/// The users table's column size for `name` and `email`.
const MAX_TEXT_LEN: usize = 255;

pub(crate) fn name(field: &str, name: &str) -> Result<()> {
    validate::required_text(field, name)?;
    validate::max_chars(field, name, MAX_TEXT_LEN)
}

pub(crate) fn email(field: &str, email: &str) -> Result<()> {
    validate::max_chars(field, email, MAX_TEXT_LEN)?;
    validate::email(field, email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_must_fit_the_column() {
        assert!(email("email", "a@b.co").is_ok());
        assert!(email("email", &format!("{}@example.com", "a".repeat(243))).is_ok());
        assert!(email("email", &format!("{}@example.com", "a".repeat(244))).is_err());
        assert!(
            email("email", "plain").is_err(),
            "the core format check still applies"
        );
    }

    #[test]
    fn passwords() {
        let policy = PasswordPolicy::default();
        assert!(policy.check("p", &Secret::new("12345678")).is_ok());
        assert!(policy.check("p", &Secret::new("1234567")).is_err());
        assert!(policy.check("p", &Secret::new("x".repeat(21))).is_err());
        let strict = policy.with_digit_required(true).with_special_required(true);
        assert!(strict.check("p", &Secret::new("abcdefgh")).is_err());
        assert!(strict.check("p", &Secret::new("abcdefg1")).is_err());
        assert!(strict.check("p", &Secret::new("abcdef1!")).is_ok());
    }

    #[test]
    fn names() {
        assert!(name("name", "jdoe").is_ok());
        assert!(name("name", "  ").is_err());
        assert!(name("name", "a\u{0}b").is_err());
        assert!(name("name", &"n".repeat(256)).is_err());
    }
}
