//! Filters written (RFC 7644 §3.4.2.2), built so that no value can change what the
//! filter means.

use std::fmt;

use crate::{Error, Result};

/// A filter expression (for the SCIM client's `providers::scim::ListQuery`, feature
/// `scim-client`): `attribute eq "value"`,
/// with the value quoted and escaped as the RFC's JSON string rules ask, so that a
/// quote or a backslash in it is part of the value and never of the expression.
///
/// ```
/// use user_provisioner::scim::filter::Filter;
///
/// let filter = Filter::equals("userName", r#"o"brien\x"#)?;
/// assert_eq!(filter.as_str(), r#"userName eq "o\"brien\\x""#);
/// assert!(Filter::equals("userName or 1", "x").is_err());
/// # Ok::<(), user_provisioner::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter(String);

impl Filter {
    /// `attribute eq "value"`. `attribute` is an attribute path: names of letters,
    /// digits, `_`, `-` and `$` joined by `.`, optionally after a schema URN
    /// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an attribute path that is not one.
    pub fn equals(attribute: &str, value: &str) -> Result<Self> {
        check_path(attribute)?;
        // serde_json writes exactly the JSON string grammar RFC 7644's compValue uses.
        let quoted = serde_json::Value::from(value).to_string();
        Ok(Self(format!("{attribute} eq {quoted}")))
    }

    /// A filter written by hand, sent as it is. For expressions [`equals`](Self::equals)
    /// cannot build (`and`, `sw`, value paths); quoting its values is the caller's job.
    pub fn raw(expression: impl Into<String>) -> Self {
        Self(expression.into())
    }

    /// The expression as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_path(attribute: &str) -> Result<()> {
    let name_part = match attribute.rfind(':') {
        Some(at)
            if attribute
                .get(..4)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("urn:")) =>
        {
            &attribute[at + 1..]
        }
        _ => attribute,
    };
    let valid = !name_part.is_empty()
        && !attribute
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '(' | ')' | '[' | ']'))
        && name_part.split('.').all(|name| {
            name.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$'))
        });
    if valid {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "filter.attribute",
            format!("{attribute:?} is not a SCIM attribute path"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_as_json_strings() {
        let filter = Filter::equals("emails.value", "a\"b\\c\u{1}").unwrap();
        assert_eq!(filter.as_str(), r#"emails.value eq "a\"b\\c\u0001""#);
    }

    #[test]
    fn urn_paths_are_attribute_paths() {
        assert!(Filter::equals(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "42"
        )
        .is_ok());
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "user name",
            "userName\"",
            "a..b",
            "emails[type eq \"work\"]",
            "1abc",
        ] {
            assert!(Filter::equals(bad, "x").is_err(), "{bad}");
        }
    }
}
