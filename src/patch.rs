//! A field of a partial update that can be left alone, set, or cleared.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One field of a partial update: leave it unchanged, set it, or clear it.
///
/// Serialized inside a struct with `#[serde(default, skip_serializing_if =
/// "Patch::is_keep")]`: `Keep` is left out of the JSON, `Set(v)` is `v`, `Clear` is
/// `null`. That is the JSON Merge Patch (RFC 7396) meaning, and what jambonz reads for
/// `account_sid: null`. Deserializing gives back the same three states.
///
/// The portable [`UserUpdate`](crate::UserUpdate) and every native update model use it
/// the same way. There is deliberately no `From<Option<T>>`: `None` could mean "keep"
/// or "clear", so a conversion names its meaning ([`Patch::set_or_keep`],
/// [`Patch::set_or_clear`]).
///
/// ```
/// use user_provisioner::Patch;
///
/// let email: Patch<String> = Patch::Set("new@example.com".into());
/// assert!(email.is_set());
/// assert_eq!(Patch::<String>::default(), Patch::Keep);
/// assert_eq!(Patch::set_or_keep(None::<u32>), Patch::Keep);
/// assert_eq!(Patch::set_or_clear(None::<u32>), Patch::Clear);
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

    /// Whether the field is set to a value.
    pub fn is_set(&self) -> bool {
        matches!(self, Patch::Set(_))
    }

    /// Whether the field is cleared.
    pub fn is_clear(&self) -> bool {
        matches!(self, Patch::Clear)
    }

    /// The value being set, if any.
    pub fn as_set(&self) -> Option<&T> {
        match self {
            Patch::Set(value) => Some(value),
            _ => None,
        }
    }

    /// The same patch, borrowing the value.
    pub fn as_ref(&self) -> Patch<&T> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Set(value) => Patch::Set(value),
            Patch::Clear => Patch::Clear,
        }
    }

    /// The same patch with `f` applied to a set value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Set(value) => Patch::Set(f(value)),
            Patch::Clear => Patch::Clear,
        }
    }

    /// `Some(v)` sets, `None` keeps (the meaning of `Option` in a builder).
    pub fn set_or_keep(value: Option<T>) -> Self {
        value.map_or(Patch::Keep, Patch::Set)
    }

    /// `Some(v)` sets, `None` clears (the meaning of a nullable JSON field).
    pub fn set_or_clear(value: Option<T>) -> Self {
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
        // Reached only for a field present in the input (absent is `#[serde(default)]`,
        // `Keep`), so `null` here is an explicit clear.
        Option::<T>::deserialize(deserializer).map(Patch::set_or_clear)
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
