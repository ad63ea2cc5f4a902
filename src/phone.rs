//! Phone numbers as people write them, read with a default region and written in E.164.
//!
//! Identity providers send phone numbers as their users typed them (`312-555-0100`,
//! `(312) 555-0100`, `+1 312 555 0100`); a provider that stores E.164 only (Connect's
//! `msisdn`) refuses all but the last. The rules for reading them (which digits are a
//! trunk prefix, how long a number of each country is) are libphonenumber's, through the
//! `phonenumber` crate: its metadata follows Google's releases, which a hand-written
//! parser would not.
//!
//! ```
//! use user_provisioner::phone::to_e164;
//!
//! assert_eq!(to_e164("phone", "(312) 555-0100", Some("US")).unwrap(), "+13125550100");
//! assert_eq!(to_e164("phone", "+46 70 123 45 67", None).unwrap(), "+46701234567");
//! assert!(to_e164("phone", "312-555-0100", None).is_err()); // which country?
//! ```

use std::str::FromStr;

use phonenumber::country::Id;
use phonenumber::Mode;

use crate::error::{Error, Result};

/// The longest text read as a phone number (libphonenumber's own limit).
const MAX_PHONE_TEXT: usize = 250;

/// `text`, a phone number in any common written form, in E.164 (`+13125550100`).
/// `region` is the ISO 3166-1 alpha-2 code (`"US"`, `"SE"`) a number written without a
/// country code is read in; without one only international forms (`+1 312…`,
/// `tel:+1-312…`) are read.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`: a number that cannot be read, or is not a
/// valid number of its country, or is written without a country code and no region is
/// given, or an unknown `region`.
pub fn to_e164(field: &str, text: &str, region: Option<&str>) -> Result<String> {
    let country = match region {
        Some(code) => Some(region_id(code).ok_or_else(|| {
            Error::invalid_input(
                field,
                format!("{code:?} is not an ISO 3166-1 region code such as \"US\""),
            )
        })?),
        None => None,
    };
    let international = {
        let trimmed = text.trim_start();
        trimmed.starts_with('+') || trimmed.to_ascii_lowercase().starts_with("tel:+")
    };
    if country.is_none() && !international {
        return Err(Error::invalid_input(
            field,
            format!(
                "{text:?} has no country code (+…) and no default region was given to read \
                 it in"
            ),
        ));
    }
    // libphonenumber allows 250 characters; a longer text is no phone number, and the
    // parser is never handed an unbounded input from the network.
    if text.len() > MAX_PHONE_TEXT {
        return Err(Error::invalid_input(
            field,
            format!(
                "is {} bytes long; a phone number is at most {MAX_PHONE_TEXT}",
                text.len()
            ),
        ));
    }
    // The port has panicked on malformed input before (rust-phonenumber issues #32, #43,
    // fixed since). The text comes from identity providers, so a panic left in the
    // parser is caught here and told as an unreadable number, never taking the process
    // (or the bridge's request task) down.
    let read = std::panic::catch_unwind(|| {
        let number = phonenumber::parse(country, text).map_err(|why| why.to_string())?;
        let valid = phonenumber::is_valid(&number);
        Ok::<_, String>((valid, number.format().mode(Mode::E164).to_string()))
    });
    let (valid, e164) = match read {
        Ok(Ok(read)) => read,
        Ok(Err(why)) => {
            return Err(Error::invalid_input(
                field,
                format!("{text:?} cannot be read as a phone number: {why}"),
            ))
        }
        Err(_) => {
            return Err(Error::invalid_input(
                field,
                format!("{text:?} cannot be read as a phone number"),
            ))
        }
    };
    if !valid {
        let place = region.map_or_else(String::new, |code| format!(" (read in region {code})"));
        return Err(Error::invalid_input(
            field,
            format!("{text:?} is not a valid phone number{place}"),
        ));
    }
    Ok(e164)
}

/// Whether `region` is an ISO 3166-1 alpha-2 code libphonenumber has metadata for
/// (`"US"`, `"se"`: case does not matter).
pub fn is_known_region(region: &str) -> bool {
    region_id(region).is_some()
}

fn region_id(code: &str) -> Option<Id> {
    Id::from_str(&code.trim().to_ascii_uppercase()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_written_forms_become_e164() {
        for written in [
            "312-555-0100",
            "(312) 555-0100",
            "312.555.0100",
            "312 555 0100",
            "1-312-555-0100",
            "+1 312 555 0100",
            "+1 (312) 555-0100",
            "tel:+1-312-555-0100",
        ] {
            assert_eq!(
                to_e164("phone", written, Some("US")).unwrap(),
                "+13125550100",
                "{written}"
            );
        }
        assert_eq!(
            to_e164("phone", "070-123 45 67", Some("se")).unwrap(),
            "+46701234567"
        );
        // An international form needs no region, and another region does not change it.
        assert_eq!(
            to_e164("phone", "+46 70 123 45 67", Some("US")).unwrap(),
            "+46701234567"
        );
    }

    #[test]
    fn what_cannot_be_read_is_an_error_naming_the_field() {
        for (text, region) in [
            ("not a number", Some("US")),
            ("12", Some("US")),
            ("555-0100", Some("US")),
            ("312-555-0100", None),
            ("312-555-0100", Some("XX")),
        ] {
            let err = to_e164("phoneNumbers", text, region).unwrap_err();
            assert!(
                matches!(err, Error::InvalidInput { ref field, .. } if field == "phoneNumbers"),
                "{text} {region:?}: {err:?}"
            );
        }
        let missing = to_e164("phone", "312-555-0100", None).unwrap_err();
        assert!(missing.to_string().contains("region"), "{missing}");
    }

    #[test]
    fn regions_are_iso_codes() {
        assert!(is_known_region("US") && is_known_region("se"));
        assert!(!is_known_region("XX") && !is_known_region("USA") && !is_known_region(""));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Whatever an identity provider writes in a phone number is read or refused,
        /// never a panic (the parser has had panics on malformed input).
        #[test]
        fn any_text_is_read_or_refused(
            text in "[0-9+()#*:;=xX tel.,/-]{0,40}|\\PC{0,40}",
            region in proptest::option::of("US|SE|CH|GB|DE|IN|XX"),
        ) {
            let _ = to_e164("phone", &text, region.as_deref());
        }
    }

    #[test]
    fn known_malformed_inputs_are_refused() {
        // Inputs that once panicked the parser (rust-phonenumber #43, #32), and a long one.
        for (text, region) in [
            ("  2 22#:", None),
            ("  2 22#:", Some("US")),
            ("003-836-4618x3001", Some("CH")),
        ] {
            let refused = to_e164("phone", text, region);
            assert!(refused.is_err(), "{text} {region:?}: {refused:?}");
        }
        let long = "1".repeat(MAX_PHONE_TEXT + 1);
        assert!(to_e164("phone", &long, Some("US")).is_err());
    }
}
