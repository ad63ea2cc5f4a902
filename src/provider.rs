//! Which platform a backend talks to ([`Provider`]), and the registry that reads a
//! provider back from its key: the adapters of this crate register theirs in
//! `providers::BUILT` (one line each, behind its feature), a backend outside the crate
//! with [`Provider::register`]. The core names no adapter.

use std::fmt;
use std::sync::Mutex;

use crate::error::{Error, Result};

/// Which platform a backend talks to: a short lowercase key and a display name.
///
/// Each adapter of this crate has its constant, defined in its module:
/// `Provider::JAMBONZ`, `Provider::NETSAPIENS`, `Provider::CONNECT`, `Provider::ECE`,
/// `Provider::SCIM` and `Provider::IN_MEMORY` (the in-memory backend, always built), each
/// with its adapter's feature. A backend written outside this
/// crate names its own in a constant with [`Provider::new`]. The constants work as
/// `match` patterns. A `Provider` is one pointer wide, so errors that carry it stay small.
///
/// ```
/// use user_provisioner::{Provider, ProviderInfo};
///
/// const LDAP: Provider = Provider::new(&ProviderInfo::new("ldap", "LDAP directory"));
/// assert_eq!(LDAP.key(), "ldap");
/// assert_eq!(LDAP.to_string(), "LDAP directory");
/// # #[cfg(feature = "jambonz")]
/// assert_eq!("jambonz".parse::<Provider>().unwrap(), Provider::JAMBONZ);
/// ```
// Derived comparisons keep the constants usable as `match` patterns.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Provider(&'static ProviderInfo);

/// What a [`Provider`] is: its key and display name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderInfo {
    key: &'static str,
    name: &'static str,
}

impl ProviderInfo {
    /// A short lowercase `key` (also the prefix of the provider's
    /// [`Attributes`](crate::Attributes), such as `ldap.` for `ldap`) and a display `name`.
    pub const fn new(key: &'static str, name: &'static str) -> Self {
        Self { key, name }
    }
}

impl Provider {
    /// The provider described by `info`, for a constant:
    /// `const LDAP: Provider = Provider::new(&ProviderInfo::new("ldap", "LDAP"));`.
    pub const fn new(info: &'static ProviderInfo) -> Self {
        Self(info)
    }

    /// The short lowercase key, also the prefix of the provider's keys in
    /// [`Attributes`](crate::Attributes) (`jambonz`, `netsapiens`, `connect`, `ece`).
    pub const fn key(self) -> &'static str {
        self.0.key
    }

    /// The display name, such as `Elastic Cloud Enterprise`.
    pub const fn name(self) -> &'static str {
        self.0.name
    }

    /// An example provider for the core's own tests, which must not depend on an adapter.
    #[cfg(test)]
    pub(crate) const EXAMPLE: Provider =
        Provider::new(&ProviderInfo::new("example", "example provider"));
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Provider").field(&self.key()).finish()
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl TryFrom<&str> for Provider {
    type Error = Error;

    /// As [`str::parse`]: the adapter of this crate with this key.
    fn try_from(key: &str) -> Result<Self> {
        key.parse()
    }
}

/// Providers read back by key that no adapter of this crate has: registered with
/// [`Provider::register`] or interned by deserialization. Bounded, so input cannot make
/// it grow without limit.
static KNOWN: Mutex<Vec<Provider>> = Mutex::new(Vec::new());
/// The most providers [`KNOWN`] holds.
const MAX_KNOWN: usize = 64;
/// The longest key deserialization interns.
const MAX_KEY_LEN: usize = 64;

impl Provider {
    /// Makes deserialization of `self`'s key give back `self` (with its display name).
    /// For a backend outside this crate: call it once (in the backend's constructor,
    /// say) so that stored [`User`](crate::User)s of that backend read back with its constant.
    /// Without it, an unknown key reads back as a provider whose name is its key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when another provider with this key is registered, or
    /// when 64 are registered already.
    pub fn register(self) -> Result<Self> {
        if let Ok(built) = self.key().parse::<Provider>() {
            return if built == self {
                Ok(self)
            } else {
                Err(Error::invalid_input(
                    "provider",
                    format!("the key {:?} is an adapter's of this crate", self.key()),
                ))
            };
        }
        let mut known = KNOWN
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match known.iter().find(|p| p.key() == self.key()) {
            Some(existing) if *existing == self => Ok(self),
            Some(existing) if existing.name() == existing.key() => {
                // An interned stand-in: the backend's own constant replaces it.
                known.retain(|p| p.key() != self.key());
                known.push(self);
                Ok(self)
            }
            Some(_) => Err(Error::invalid_input(
                "provider",
                format!(
                    "another provider with the key {:?} is registered",
                    self.key()
                ),
            )),
            None if known.len() >= MAX_KNOWN => Err(Error::invalid_input(
                "provider",
                format!("at most {MAX_KNOWN} providers can be registered"),
            )),
            None => {
                known.push(self);
                Ok(self)
            }
        }
    }

    /// The provider with `key`: a built adapter's, a registered one, or a new one whose
    /// name is its key (leaked once per key, within the registry's bound).
    fn from_key(key: &str) -> Result<Self> {
        if let Ok(provider) = key.parse::<Provider>() {
            return Ok(provider);
        }
        let mut known = KNOWN
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(provider) = known.iter().find(|p| p.key() == key) {
            return Ok(*provider);
        }
        let valid = !key.is_empty()
            && key.len() <= MAX_KEY_LEN
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !valid {
            return Err(Error::invalid_input(
                "provider",
                format!("{key:?} is not a provider key (1 to {MAX_KEY_LEN} of a-z, 0-9, _ and -)"),
            ));
        }
        if known.len() >= MAX_KNOWN {
            return Err(Error::invalid_input(
                "provider",
                format!("no adapter has the key {key:?} and {MAX_KNOWN} unknown providers are known already"),
            ));
        }
        let key: &'static str = Box::leak(key.to_owned().into_boxed_str());
        let info: &'static ProviderInfo = Box::leak(Box::new(ProviderInfo::new(key, key)));
        let provider = Provider::new(info);
        known.push(provider);
        Ok(provider)
    }
}

/// Written as its [`key`](Provider::key).
impl serde::Serialize for Provider {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

/// Read from a key: a built adapter's constant, a [registered](Provider::register)
/// provider, or (for a backend outside this crate that did not register) a provider
/// whose name is its key.
impl<'de> serde::Deserialize<'de> for Provider {
    // `String`, not `&str`: a key inside an escaped JSON string cannot be borrowed.
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let key = <String as serde::Deserialize>::deserialize(deserializer)?;
        Provider::from_key(&key).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Provider {
    type Err = Error;

    /// The adapter of this crate whose [`key`](Provider::key) this is (among the
    /// features built).
    fn from_str(key: &str) -> Result<Self> {
        built()
            .iter()
            .copied()
            .find(|provider| provider.key() == key)
            .ok_or_else(|| {
                let known: Vec<&str> = built().iter().map(|p| p.key()).collect();
                Error::invalid_input(
                    "provider",
                    format!(
                        "no adapter has the key {key:?}; built: {}",
                        known.join(", ")
                    ),
                )
            })
    }
}

/// The adapters built into this copy of the crate, as they registered themselves in
/// `providers::BUILT`: the one place the core reads the adapters' list.
fn built() -> &'static [Provider] {
    crate::providers::BUILT
}
