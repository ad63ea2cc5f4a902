//! A string that holds a credential and never prints it.

use std::fmt;

/// A credential (token, API key, password) that never appears in `Debug` output,
/// error messages or logs.
///
/// `Secret` has no `Display` implementation and its `Debug` prints `Secret(***)`, so it
/// cannot leak through `{}`/`{:?}` formatting by accident. Read the value with
/// [`Secret::expose`] at the one place it must go on the wire. The buffer is overwritten
/// when the value is dropped (best effort: copies made by the caller or by the HTTP stack
/// are out of this type's reach).
///
/// ```
/// use user_provisioner::Secret;
///
/// let token = Secret::new("s3cr3t-token");
/// assert_eq!(format!("{token:?}"), "Secret(***)");
/// assert_eq!(token.expose(), "s3cr3t-token");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself. Call this only where the value is sent to its provider.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the credential is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of characters (not bytes) in the credential, for length rules.
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }

    /// Serializes the exposed value. For request models only: `Secret` itself does not
    /// implement `Serialize`, so a model has to opt in field by field.
    #[cfg_attr(
        not(feature = "jambonz"),
        allow(
            dead_code,
            reason = "used by some adapters only; one-feature builds stay warning-free"
        )
    )]
    pub(crate) fn serialize_exposed<S: serde::Serializer>(
        secret: &Secret,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(secret.expose())
    }

    /// [`Secret::serialize_exposed`] for an optional field.
    pub(crate) fn serialize_exposed_opt<S: serde::Serializer>(
        secret: &Option<Secret>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match secret {
            Some(secret) => serializer.serialize_str(secret.expose()),
            None => serializer.serialize_none(),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.fill(0);
        // Keeps the compiler from treating the wipe as a dead store.
        std::hint::black_box(&bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_hides_the_value() {
        let secret = Secret::new("hunter2-very-secret");
        let printed = format!("{secret:?} {:#?}", Some(&secret));
        assert!(!printed.contains("hunter2"), "{printed}");
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(Secret::new("pässwörd").char_count(), 8);
    }
}
