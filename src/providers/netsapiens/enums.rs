//! The NetSapiens string enums, spelled as the server spells them.
//!
//! Every enum but [`YesNo`] has an `Other(String)` variant so that a value the server
//! adds later decodes instead of failing. A request carrying `Other` is refused before
//! sending: the vendor documents a closed set of values for each field.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A NetSapiens yes/no flag, sent as `"yes"` or `"no"`.
///
/// Decoding also accepts `true`/`false`, `1`/`0` and any letter case, which older
/// servers and other API versions use; anything else is a decode error.
///
/// ```
/// use user_provisioner::providers::netsapiens::YesNo;
///
/// assert_eq!(serde_json::to_string(&YesNo::from(true)).unwrap(), r#""yes""#);
/// assert_eq!(serde_json::from_str::<YesNo>(r#""NO""#).unwrap(), YesNo::No);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum YesNo {
    /// `"yes"`.
    Yes,
    /// `"no"`.
    No,
}

impl YesNo {
    /// `"yes"` or `"no"`.
    pub fn as_str(self) -> &'static str {
        match self {
            YesNo::Yes => "yes",
            YesNo::No => "no",
        }
    }

    /// Whether the flag is `"yes"`.
    pub fn is_yes(self) -> bool {
        self == YesNo::Yes
    }

    /// Reads the spellings servers use for a flag; `None` for anything else.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "1" | "on" => Some(YesNo::Yes),
            "no" | "n" | "false" | "0" | "off" => Some(YesNo::No),
            _ => None,
        }
    }
}

impl From<bool> for YesNo {
    fn from(value: bool) -> Self {
        if value {
            YesNo::Yes
        } else {
            YesNo::No
        }
    }
}

impl fmt::Display for YesNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for YesNo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for YesNo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        let parsed = match &value {
            serde_json::Value::String(text) => YesNo::parse(text),
            serde_json::Value::Bool(flag) => Some(YesNo::from(*flag)),
            serde_json::Value::Number(n) => match n.as_u64() {
                Some(1) => Some(YesNo::Yes),
                Some(0) => Some(YesNo::No),
                _ => None,
            },
            _ => None,
        };
        parsed.ok_or_else(|| D::Error::custom(format!("expected \"yes\" or \"no\", got {value}")))
    }
}

/// Defines a string enum with the server's spellings and an `Other(String)` fallback.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know, kept as the server sent it. Decoding
            /// only: a request carrying it is refused before sending.
            Other(String),
        }

        impl $name {
            /// Every documented value.
            pub const KNOWN: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The value as the server spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(text) => text,
                }
            }

            /// The documented value spelled `text` (exactly), else `Other(text)`.
            pub fn from_text(text: &str) -> Self {
                match text {
                    $( $text => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }

            /// The documented value whose spelling matches `text` ignoring letter case.
            pub fn parse_known(text: &str) -> Option<Self> {
                Self::KNOWN
                    .iter()
                    .find(|known| known.as_str().eq_ignore_ascii_case(text.trim()))
                    .cloned()
            }

            /// Whether this is one of the documented values.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }

            /// The documented spellings, for error messages.
            #[allow(dead_code, reason = "read-only enums are never checked for a request")]
            pub(crate) fn known_list() -> String {
                Self::KNOWN
                    .iter()
                    .map(|known| format!("{:?}", known.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(|text| $name::from_text(&text))
            }
        }
    };
}

string_enum! {
    /// `user-scope`: the permissions of the user in the API and portals (default
    /// `Basic User`).
    UserScope {
        /// `Basic User` (the default).
        BasicUser = "Basic User",
        /// `Simple User`.
        SimpleUser = "Simple User",
        /// `Advanced User`.
        AdvancedUser = "Advanced User",
        /// `Call Center Agent`.
        CallCenterAgent = "Call Center Agent",
        /// `Site Manager`.
        SiteManager = "Site Manager",
        /// `Call Center Supervisor`.
        CallCenterSupervisor = "Call Center Supervisor",
        /// `Office Manager`.
        OfficeManager = "Office Manager",
        /// `Reseller`.
        Reseller = "Reseller",
        /// `Super User`.
        SuperUser = "Super User",
        /// `NDP`.
        Ndp = "NDP",
        /// `No Portal`.
        NoPortal = "No Portal",
    }
}

#[allow(
    clippy::derivable_impls,
    reason = "the enum comes from a macro that derives no Default"
)]
impl Default for UserScope {
    fn default() -> Self {
        UserScope::BasicUser
    }
}

string_enum! {
    /// `email-send-alert-new-voicemail-behavior`: what the voicemail email carries and
    /// what happens to the message afterwards (default `no`).
    VoicemailAlertBehavior {
        /// `no`: no email.
        No = "no",
        /// `yes`: a hyperlink.
        Yes = "yes",
        /// `attnew`: attached, message left new.
        AttachLeaveNew = "attnew",
        /// `attsave`: attached, message moved to saved.
        AttachMoveToSaved = "attsave",
        /// `atttrash`: attached, message moved to trash.
        AttachMoveToTrash = "atttrash",
        /// `brief`: brief, with a hyperlink.
        Brief = "brief",
        /// `briefattnew`: brief (no HTML), message left new.
        BriefLeaveNew = "briefattnew",
        /// `briefattsave`: brief (no HTML), message moved to saved.
        BriefMoveToSaved = "briefattsave",
        /// `briefatttrash`: brief (no HTML), message moved to trash.
        BriefMoveToTrash = "briefatttrash",
    }
}

string_enum! {
    /// `voicemail-transcription-enabled`: `no` or the transcription vendor (default `no`).
    VoicemailTranscription {
        /// `no`: voicemails are not transcribed.
        No = "no",
        /// `Deepgram`.
        Deepgram = "Deepgram",
        /// `Google`.
        Google = "Google",
        /// `Mutare`.
        Mutare = "Mutare",
        /// `Voicebase`.
        Voicebase = "Voicebase",
    }
}

string_enum! {
    /// `recording-configuration`: whether the user's calls are recorded (default `no`).
    RecordingConfiguration {
        /// `yes`.
        Yes = "yes",
        /// `yes-with-transcription`.
        YesWithTranscription = "yes-with-transcription",
        /// `yes-with-transcription-and-sentiment`.
        YesWithTranscriptionAndSentiment = "yes-with-transcription-and-sentiment",
        /// `no`.
        No = "no",
    }
}

string_enum! {
    /// `account-status` (read-only). The values come from a third-party export of the
    /// vendor's spec (UNCONFIRMED).
    AccountStatus {
        /// `standard`.
        Standard = "standard",
        /// `reset`.
        Reset = "reset",
        /// `new`.
        New = "new",
        /// `pwd reset`.
        PasswordReset = "pwd reset",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip_and_unknown_ones_are_kept() {
        for scope in UserScope::KNOWN {
            let json = serde_json::to_string(scope).unwrap();
            assert_eq!(&serde_json::from_str::<UserScope>(&json).unwrap(), scope);
        }
        let other: UserScope = serde_json::from_str(r#""Galactic Overlord""#).unwrap();
        assert_eq!(other, UserScope::Other("Galactic Overlord".into()));
        assert_eq!(
            serde_json::to_string(&other).unwrap(),
            r#""Galactic Overlord""#
        );
        assert_eq!(
            UserScope::parse_known("office manager"),
            Some(UserScope::OfficeManager)
        );
        assert_eq!(UserScope::parse_known("nobody"), None);
    }

    #[test]
    fn flags_decode_leniently_and_refuse_nonsense() {
        for (json, expected) in [
            (r#""yes""#, YesNo::Yes),
            (r#""No""#, YesNo::No),
            ("true", YesNo::Yes),
            ("0", YesNo::No),
        ] {
            assert_eq!(serde_json::from_str::<YesNo>(json).unwrap(), expected);
        }
        assert!(serde_json::from_str::<YesNo>(r#""maybe""#).is_err());
        assert!(serde_json::from_str::<YesNo>("2").is_err());
    }
}
