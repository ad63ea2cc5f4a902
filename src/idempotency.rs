//! Checked idempotency keys.

use std::fmt;

use uuid::Uuid;

use crate::error::Error;

/// The longest key a provider accepts (Connect documents 256 characters).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 256;

/// A key that lets a provider recognise a repeated create and answer it without acting
/// twice.
///
/// Valid keys are 1 to 256 characters of visible ASCII (`!` to `~`), which is what an
/// HTTP header carries without escaping. Build one from a [`Uuid`] (always valid) or
/// check a caller string with [`IdempotencyKey::new`].
///
/// ```
/// use user_provisioner::IdempotencyKey;
///
/// let key = IdempotencyKey::new("onboarding-4711")?;
/// assert_eq!(key.as_str(), "onboarding-4711");
/// assert!(IdempotencyKey::new("").is_err());
/// assert!(IdempotencyKey::new("x".repeat(257)).is_err());
/// # Ok::<(), user_provisioner::Error>(())
/// ```
///
/// Serialized as the bare string; deserializing checks it as [`IdempotencyKey::new`]
/// does.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct IdempotencyKey(String);

impl<'de> serde::Deserialize<'de> for IdempotencyKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = <String as serde::Deserialize>::deserialize(deserializer)?;
        IdempotencyKey::new(key).map_err(serde::de::Error::custom)
    }
}

impl IdempotencyKey {
    /// Checks a caller-chosen key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `idempotency_key` when the key is empty, longer
    /// than [`MAX_IDEMPOTENCY_KEY_LEN`], or holds anything but visible ASCII.
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        if key.is_empty() {
            return Err(Error::invalid_input("idempotency_key", "must not be empty"));
        }
        if key.len() > MAX_IDEMPOTENCY_KEY_LEN {
            return Err(Error::invalid_input(
                "idempotency_key",
                format!(
                    "is {} characters long, the limit is {MAX_IDEMPOTENCY_KEY_LEN}",
                    key.len()
                ),
            ));
        }
        if let Some(bad) = key.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(Error::invalid_input(
                "idempotency_key",
                format!("holds {bad:?}; only visible ASCII characters are allowed"),
            ));
        }
        Ok(Self(key))
    }

    /// A fresh random (version 4 UUID) key.
    pub fn random() -> Self {
        Self::from(Uuid::new_v4())
    }

    /// The key as sent in the header.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Uuid> for IdempotencyKey {
    fn from(value: Uuid) -> Self {
        Self(value.hyphenated().to_string())
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Error> {
        Self::new(value)
    }
}

impl TryFrom<&str> for IdempotencyKey {
    type Error = Error;
    fn try_from(value: &str) -> Result<Self, Error> {
        Self::new(value)
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdempotencyKey").field(&self.0).finish()
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_limit_and_refuses_one_more() {
        assert!(IdempotencyKey::new("k".repeat(256)).is_ok());
        let err = IdempotencyKey::new("k".repeat(257)).unwrap_err();
        assert!(err.to_string().contains("idempotency_key"), "{err}");
    }

    #[test]
    fn refuses_spaces_and_non_ascii() {
        assert!(IdempotencyKey::new("a b").is_err());
        assert!(IdempotencyKey::new("clé").is_err());
        assert!(IdempotencyKey::new("line\nbreak").is_err());
    }

    #[test]
    fn uuid_keys_are_hyphenated() {
        let id = Uuid::nil();
        assert_eq!(
            IdempotencyKey::from(id).as_str(),
            "00000000-0000-0000-0000-000000000000"
        );
    }
}
