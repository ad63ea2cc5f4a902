//! A field of a partial update that can be left alone, set, or cleared.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One field of a partial update: leave it unchanged, set it, or clear it.
///
/// Serialized inside a struct with `#[serde(default, skip_serializing_if =
/// "Patch::is_keep")]`: `Keep` is left out of the JSON, `Set(v)` is `v`, `Clear` is
/// `null`. That is the JSON Merge Patch (RFC 7396) meaning, and what jambonz reads for
/// `account_sid: null`. Deserializing gives back the same three states.
///
/// ```
/// use user_provisioner::Patch;
///
/// let email: Patch<String> = Patch::Set("new@example.com".into());
/// assert!(!email.is_keep());
/// assert_eq!(Patch::<String>::default(), Patch::Keep);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Leave the field as it is (sends nothing).
    #[default]
    Keep,
    /// Set the field (sends the value).
    Set(T),
    /// Clear the field (sends `null`).
    Clear,
}

impl<T> Patch<T> {
    /// Whether the field is left alone.
    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }

    /// The value being set, if any.
    pub fn as_set(&self) -> Option<&T> {
        match self {
            Patch::Set(value) => Some(value),
            _ => None,
        }
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// `Some(v)` sets, `None` clears.
    fn from(value: Option<T>) -> Self {
        value.map_or(Patch::Clear, Patch::Set)
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Set(value) => value.serialize(serializer),
            Patch::Keep | Patch::Clear => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(Patch::from)
    }
}

#[cfg(test)]
mod tests {
    use super::Patch;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Body {
        #[serde(default, skip_serializing_if = "Patch::is_keep")]
        a: Patch<u32>,
        #[serde(default, skip_serializing_if = "Patch::is_keep")]
        b: Patch<u32>,
        #[serde(default, skip_serializing_if = "Patch::is_keep")]
        c: Patch<u32>,
    }

    #[test]
    fn three_states_round_trip() {
        let body = Body {
            a: Patch::Keep,
            b: Patch::Set(7),
            c: Patch::Clear,
        };
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(json, r#"{"b":7,"c":null}"#);
        assert_eq!(serde_json::from_str::<Body>(&json).unwrap(), body);
    }
}
