//! Checks of what Connect would refuse, made before sending.

use crate::error::{Error, Result};

/// `name`: required by the API; refused when blank or holding control characters.
pub(crate) fn name(field: &str, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    no_control(field, name)
}

/// A user id used as a path segment.
pub(crate) fn user_id(field: &str, id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    no_control(field, id)
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

/// `msisdn` in E.164 form: `+`, a country code not starting with 0, at most 15 digits
/// in all, nothing else (no spaces, dashes or parentheses).
pub(crate) fn msisdn(field: &str, msisdn: &str) -> Result<()> {
    let refuse = |why: &str| {
        Err(Error::invalid_input(
            field,
            format!("{msisdn:?} is not an E.164 number such as +15551234567: {why}"),
        ))
    };
    let Some(digits) = msisdn.strip_prefix('+') else {
        return refuse("it must start with +");
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return refuse("only digits may follow the +");
    }
    if digits.starts_with('0') {
        return refuse("a country code never starts with 0");
    }
    if !(2..=15).contains(&digits.len()) {
        return refuse("it must have 2 to 15 digits");
    }
    Ok(())
}

/// A deliberately plain check: one `@`, a non-empty local part, a dotted domain, no
/// spaces.
pub(crate) fn email(field: &str, email: &str) -> Result<()> {
    let malformed = |why: &str| {
        Err(Error::invalid_input(
            field,
            format!("{email:?} is not an email address: {why}"),
        ))
    };
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return malformed("it contains spaces or control characters");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return malformed("there is no @");
    };
    if local.is_empty() {
        return malformed("nothing before the @");
    }
    if domain.contains('@') {
        return malformed("more than one @");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|label| label.is_empty()) {
        return malformed("the domain must be like example.com");
    }
    Ok(())
}

fn no_control(field: &str, text: &str) -> Result<()> {
    if text.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msisdns() {
        for good in ["+15551234567", "+46701234567", "+12", "+123456789012345"] {
            assert!(msisdn("msisdn", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "+",
            "15551234567",
            "+1 555 123 4567",
            "+1-555-1234567",
            "+05551234567",
            "+1234567890123456",
            "+1",
            "+1555123456a",
            "++15551234567",
        ] {
            assert!(msisdn("msisdn", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert!(email("email", "john.doe@example.com").is_ok());
        for bad in ["", "plain", "@example.com", "a@b", "a b@c.com", "a@@b.com"] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }

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
