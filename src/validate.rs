//! Input checks shared by the adapters, made before any request is sent.

use crate::error::{Error, Result};

/// Text a provider requires: not blank, no control characters.
pub(crate) fn required_text(field: &str, text: &str) -> Result<()> {
    let blank = if text.is_ascii() {
        text.bytes().all(|byte| byte.is_ascii_whitespace())
    } else {
        text.trim().is_empty()
    };
    if blank {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    no_control(field, text)
}

/// No control characters (they break headers, logs and some providers' storage).
pub(crate) fn no_control(field: &str, text: &str) -> Result<()> {
    // ASCII text (nearly every name and address) is checked byte by byte.
    let control = if text.is_ascii() {
        text.bytes().any(|byte| byte.is_ascii_control())
    } else {
        text.chars().any(char::is_control)
    };
    if control {
        return Err(Error::invalid_input(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// At most `max` characters.
#[cfg(feature = "jambonz")]
pub(crate) fn max_chars(field: &str, text: &str, max: usize) -> Result<()> {
    // A text of no more bytes than `max` has no more characters either.
    if text.len() > max && text.chars().count() > max {
        return Err(Error::invalid_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

/// A deliberately plain email check: one `@`, a non-empty local part, a dotted domain,
/// no spaces. Full RFC 5322 parsing would accept addresses that providers and mail
/// systems refuse.
pub(crate) fn email(field: &str, email: &str) -> Result<()> {
    let malformed = |why: &str| {
        Err(Error::invalid_input(
            field,
            format!("{email:?} is not an email address: {why}"),
        ))
    };
    let spaced = if email.is_ascii() {
        email
            .bytes()
            .any(|byte| byte.is_ascii_whitespace() || byte.is_ascii_control())
    } else {
        email.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    if spaced {
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
    // At least two labels, none empty.
    if !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return malformed("the domain must be like example.com");
    }
    Ok(())
}

/// A phone number in E.164 form: `+`, a country code not starting with 0, 2 to 15
/// digits in all, nothing else (no spaces, dashes or parentheses).
pub(crate) fn e164(field: &str, number: &str) -> Result<()> {
    let refuse = |why: &str| {
        Err(Error::invalid_input(
            field,
            format!("{number:?} is not an E.164 number such as +15551234567: {why}"),
        ))
    };
    let Some(digits) = number.strip_prefix('+') else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for good in ["a@b.co", "first.last+tag@sub.example.com"] {
            assert!(email("email", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a@b..com",
            "a b@c.com",
            "a@.com",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn e164_numbers() {
        for good in ["+15551234567", "+46701234567", "+12", "+123456789012345"] {
            assert!(e164("phone", good).is_ok(), "{good}");
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
            assert!(e164("phone", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn texts() {
        assert!(required_text("name", "John Doe").is_ok());
        assert!(required_text("name", " ").is_err());
        assert!(required_text("name", "a\u{7}b").is_err());
        assert!(max_chars("name", "abc", 3).is_ok());
        assert!(max_chars("name", "abcd", 3).is_err());
    }
}
