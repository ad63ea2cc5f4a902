//! A string that holds a credential and never prints it.

use std::cell::Cell;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
    /// What the portable types ([`NewUser`](crate::NewUser),
    /// [`UserUpdate`](crate::UserUpdate), [`PasswordChange`](crate::PasswordChange))
    /// write in place of a secret, unless serialized through [`Exposed`]. Reading it
    /// back is refused: a redacted record never turns into a password of `<redacted>`.
    pub const REDACTED: &'static str = "<redacted>";

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
    #[cfg(feature = "jambonz")]
    pub(crate) fn serialize_exposed<S: serde::Serializer>(
        secret: &Secret,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(secret.expose())
    }

    /// [`Secret::serialize_exposed`] for an optional field.
    #[cfg(any(
        feature = "jambonz",
        feature = "netsapiens",
        feature = "ece",
        feature = "scim-client",
        feature = "scim",
    ))]
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

thread_local! {
    /// Whether the serialization running on this thread was asked, through [`Exposed`],
    /// to write secrets. Serialization is synchronous, so the flag cannot leak into
    /// another task; a guard restores it even if a serializer panics.
    static EXPOSING: Cell<bool> = const { Cell::new(false) };
}

/// Serializes `T` with the secrets of the portable types in clear: the explicit opt-in
/// for storing a [`NewUser`](crate::NewUser) or [`UserUpdate`](crate::UserUpdate) with
/// its password (in a job queue, say). Serialized directly, those types write
/// [`Secret::REDACTED`] instead.
///
/// Works through any nesting: `Exposed(&jobs)` for a `Vec<NewUser>` writes every
/// password. Native request models are not affected (they always send their secrets).
///
/// ```
/// use user_provisioner::{Exposed, NewUser};
///
/// let person = NewUser::new("jdoe").with_password("Str0ngP@ss!");
/// let logged = serde_json::to_string(&person).unwrap();
/// assert!(!logged.contains("Str0ngP@ss!"));
/// let stored = serde_json::to_string(&Exposed(&person)).unwrap();
/// let back: NewUser = serde_json::from_str(&stored).unwrap();
/// assert_eq!(back.password.unwrap().expose(), "Str0ngP@ss!");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Exposed<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> Serialize for Exposed<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Restore(bool);
        impl Drop for Restore {
            fn drop(&mut self) {
                EXPOSING.with(|flag| flag.set(self.0));
            }
        }
        let _restore = Restore(EXPOSING.with(|flag| flag.replace(true)));
        self.0.serialize(serializer)
    }
}

/// Serde helpers for the secrets of the portable types: [`Secret::REDACTED`] unless
/// [`Exposed`], and a refusal to read the marker back.
pub(crate) mod portable {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        secret: &Secret,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if EXPOSING.with(Cell::get) {
            serializer.serialize_str(secret.expose())
        } else {
            serializer.serialize_str(Secret::REDACTED)
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Secret, D::Error> {
        let secret = Secret::deserialize(deserializer)?;
        if secret.expose() == Secret::REDACTED {
            return Err(serde::de::Error::custom(
                "this secret was serialized redacted; serialize with user_provisioner::Exposed to keep it",
            ));
        }
        Ok(secret)
    }

    pub(crate) mod option {
        use super::*;

        pub(crate) fn serialize<S: Serializer>(
            secret: &Option<Secret>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match secret {
                Some(secret) => super::serialize(secret, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Secret>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapped(#[serde(deserialize_with = "super::deserialize")] Secret);
            Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(secret)| secret))
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

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
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
