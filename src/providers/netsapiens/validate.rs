//! Checks of what the NetSapiens server would refuse, made before sending.

use std::ops::RangeInclusive;

use crate::error::{Error, Result};

use super::enums::{
    RecordingConfiguration, UserScope, VoicemailAlertBehavior, VoicemailTranscription,
};
use super::models::{CreateUser, UpdateUser, UserSettings};

/// `{domain}` in the path: at most 64 characters.
pub(crate) const MAX_DOMAIN_LEN: usize = 64;
/// `{user}` in the path: at most 16 characters (third-party export of the spec).
pub(crate) const MAX_USER_LEN: usize = 16;
/// `limit` of a list.
pub(crate) const LIMIT_RANGE: RangeInclusive<u32> = 1..=1000;

/// A domain: `~` (the token's own domain) or 1 to 64 of `A-Z a-z 0-9 . _ -`.
pub(crate) fn domain(field: &str, domain: &str) -> Result<()> {
    if domain == "~" {
        return Ok(());
    }
    if domain.is_empty() {
        return Err(Error::invalid_input(
            field,
            "must not be empty (use \"~\" for the token's own domain)",
        ));
    }
    if domain.chars().count() > MAX_DOMAIN_LEN {
        return Err(Error::invalid_input(
            field,
            format!("must be at most {MAX_DOMAIN_LEN} characters"),
        ));
    }
    if let Some(bad) = domain
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(Error::invalid_input(
            field,
            format!(
                "{domain:?} holds {bad:?}; a domain is letters, digits, '.', '_' and '-', or \"~\""
            ),
        ));
    }
    if domain == "." || domain == ".." {
        return Err(Error::invalid_input(
            field,
            format!("{domain:?} is not a domain"),
        ));
    }
    Ok(())
}

/// A user in a path: `~` (the token's own user) or an extension.
pub(crate) fn path_user(field: &str, user: &str) -> Result<()> {
    if user == "~" {
        return Ok(());
    }
    extension(field, user)
}

/// An extension (`user`): 1 to 16 characters, no spaces or control characters.
pub(crate) fn extension(field: &str, user: &str) -> Result<()> {
    if user.is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    if user.chars().count() > MAX_USER_LEN {
        return Err(Error::invalid_input(
            field,
            format!("must be at most {MAX_USER_LEN} characters"),
        ));
    }
    if matches!(user, "~" | "." | ".." | "count" | "list") {
        return Err(Error::invalid_input(
            field,
            format!(
                "{user:?} cannot be an extension (it names the token's user or another endpoint)"
            ),
        ));
    }
    if user.chars().any(|c| c.is_control()) {
        return Err(Error::invalid_input(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

pub(crate) fn not_blank(field: &str, text: &str) -> Result<()> {
    crate::validate::required_text(field, text)
}

/// One address as the core checks it, without `;` or `,`: NetSapiens keeps a list of
/// addresses in one `;`-separated field.
fn email(field: &str, email: &str) -> Result<()> {
    if email.contains([';', ',']) {
        return Err(Error::invalid_input(
            field,
            format!("{email:?} is not an email address: it contains a separator (; or ,)"),
        ));
    }
    crate::validate::email(field, email)
}

pub(crate) fn email_list(field: &str, emails: &[String]) -> Result<()> {
    if emails.is_empty() {
        return Err(Error::invalid_input(
            field,
            "at least one email address is required",
        ));
    }
    emails.iter().try_for_each(|address| email(field, address))
}

fn in_range<T>(field: &str, value: Option<T>, range: RangeInclusive<T>) -> Result<()>
where
    T: PartialOrd + std::fmt::Display + Copy,
{
    match value {
        Some(value) if !range.contains(&value) => Err(Error::invalid_input(
            field,
            format!("must be {}..={} (got {value})", range.start(), range.end()),
        )),
        _ => Ok(()),
    }
}

fn known<T>(
    field: &str,
    value: Option<&T>,
    is_known: fn(&T) -> bool,
    list: fn() -> String,
) -> Result<()> {
    match value {
        Some(value) if !is_known(value) => Err(Error::invalid_input(
            field,
            format!("is not a documented value; use one of {}", list()),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn scope(field: &str, scope: &UserScope) -> Result<()> {
    known(
        field,
        Some(scope),
        UserScope::is_known,
        UserScope::known_list,
    )
}

fn digits(field: &str, text: &str, max: usize) -> Result<()> {
    if text.is_empty() || text.len() > max || !text.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::invalid_input(
            field,
            format!("must be 1 to {max} digits"),
        ));
    }
    Ok(())
}

fn caller_id(field: &str, text: &str) -> Result<()> {
    not_blank(field, text)?;
    if text.chars().count() > 32 || text.chars().any(char::is_whitespace) {
        return Err(Error::invalid_input(
            field,
            "must be at most 32 characters without spaces",
        ));
    }
    Ok(())
}

/// Every range, enum and format of the optional settings.
pub(crate) fn settings(s: &UserSettings) -> Result<()> {
    in_range(
        "directory-name-number-dtmf-mapping",
        s.directory_name_number_dtmf_mapping,
        100..=999,
    )?;
    in_range(
        "ring-no-answer-timeout-seconds",
        s.ring_no_answer_timeout_seconds,
        0..=3600,
    )?;
    in_range(
        "limits-max-active-calls-total",
        s.limits_max_active_calls_total,
        0..=3600,
    )?;
    in_range(
        "directory-override-order-duplicate-dtmf-mapping",
        s.directory_override_order_duplicate_dtmf_mapping,
        0..=100,
    )?;
    in_range("area-code", s.area_code, 100..=999)?;
    in_range(
        "music-on-hold-comfort-message-repeat-interval-seconds",
        s.music_on_hold_comfort_message_repeat_interval_seconds,
        0..=3600,
    )?;
    known(
        "email-send-alert-new-voicemail-behavior",
        s.email_send_alert_new_voicemail_behavior.as_ref(),
        VoicemailAlertBehavior::is_known,
        VoicemailAlertBehavior::known_list,
    )?;
    known(
        "voicemail-transcription-enabled",
        s.voicemail_transcription_enabled.as_ref(),
        VoicemailTranscription::is_known,
        VoicemailTranscription::known_list,
    )?;
    known(
        "recording-configuration",
        s.recording_configuration.as_ref(),
        RecordingConfiguration::is_known,
        RecordingConfiguration::known_list,
    )?;
    if let Some(pin) = &s.voicemail_login_pin {
        digits("voicemail-login-pin", pin.expose(), 32)?;
    }
    if let Some(number) = &s.caller_id_number {
        caller_id("caller-id-number", number)?;
    }
    if let Some(number) = &s.caller_id_number_emergency {
        caller_id("caller-id-number-emergency", number)?;
    }
    if let Some(list) = &s.email_send_alert_new_voicemail_cc_list_csv {
        for entry in list {
            if entry.trim().is_empty() || entry.contains(',') || entry.chars().any(char::is_control)
            {
                return Err(Error::invalid_input(
                    "email-send-alert-new-voicemail-cc-list-csv",
                    format!("{entry:?} is not a user (no empty entries or commas)"),
                ));
            }
        }
    }
    for (field, text) in [
        ("department", &s.department),
        ("site", &s.site),
        ("time-zone", &s.time_zone),
        ("dial-plan", &s.dial_plan),
        ("dial-policy", &s.dial_policy),
        ("language-token", &s.language_token),
        ("service-code", &s.service_code),
        ("emergency-address-id", &s.emergency_address_id),
    ] {
        if let Some(text) = text {
            not_blank(field, text)?;
        }
    }
    Ok(())
}

pub(crate) fn create(request: &CreateUser) -> Result<()> {
    extension("user", &request.user)?;
    not_blank("name-first-name", &request.first_name)?;
    not_blank("name-last-name", &request.last_name)?;
    if let Some(login) = &request.login_username {
        login_username(login)?;
    }
    email_list("email-address", &request.email)?;
    scope("user-scope", &request.user_scope)?;
    settings(&request.settings)
}

pub(crate) fn update(change: &UpdateUser) -> Result<()> {
    if change.is_empty() {
        return Err(Error::invalid_input(
            "update",
            "sets nothing; a PUT needs at least one field",
        ));
    }
    if let Some(first) = &change.first_name {
        not_blank("name-first-name", first)?;
    }
    if let Some(last) = &change.last_name {
        not_blank("name-last-name", last)?;
    }
    if let Some(login) = change.login_username.as_set() {
        login_username(login)?;
    }
    if let Some(emails) = &change.email {
        email_list("email-address", emails)?;
    }
    if let Some(scope_value) = &change.user_scope {
        scope("user-scope", scope_value)?;
    }
    settings(&change.settings)
}

pub(crate) fn login_username(login: &str) -> Result<()> {
    not_blank("login-username", login)?;
    if login.chars().any(char::is_whitespace) {
        return Err(Error::invalid_input(
            "login-username",
            "must not contain spaces",
        ));
    }
    Ok(())
}

pub(crate) fn limit(limit: u32) -> Result<()> {
    in_range("limit", Some(limit), LIMIT_RANGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        for good in [
            "~",
            "acme",
            "acme.example.com",
            "test.12123",
            "my_domain-1",
            &"d".repeat(64),
        ] {
            assert!(domain("domain", good).is_ok(), "{good}");
        }
        for bad in ["", "a b", "a/b", "*", "..", &"d".repeat(65), "ünï"] {
            assert!(domain("domain", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn extensions() {
        assert!(extension("user", "1001").is_ok());
        assert!(extension("user", "~").is_err());
        assert!(path_user("user", "~").is_ok());
        assert!(extension("user", "").is_err());
        assert!(extension("user", &"1".repeat(17)).is_err());
        assert!(extension("user", "10\n1").is_err());
    }

    #[test]
    fn emails() {
        assert!(email_list("e", &["a@b.co".into(), "c.d+x@e.example.com".into()]).is_ok());
        for bad in [
            "",
            "plain",
            "a@b",
            "a@@b.co",
            "a b@c.co",
            "a@b.co;c@d.co",
            "a@b.co,c@d.co",
            "a@.b.co",
            "a@b.co.",
            "a@b..co",
        ] {
            assert!(email_list("e", &[bad.into()]).is_err(), "{bad}");
        }
        assert!(email_list("e", &[]).is_err());
    }
}
