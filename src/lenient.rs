//! Reading answers leniently: a read-only or informational field whose value does not
//! fit its typed field never fails the read. The typed field is left unset and the value
//! is kept, as the server sent it, with the model's unknown fields.
//!
//! A model opts in with [`lenient_model!`]: its derive becomes the strict decoding
//! (`#[serde(remote = "Self")]`), and the trait impls filter the map the strict decoding
//! reads, withholding every read-only entry that would not decode. Everything else (the
//! identity and writable fields) passes through unchanged, so their errors still name
//! the exact field path.

use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// Whether a JSON value fits a read-only field.
pub(crate) type Fits = fn(&Value) -> bool;

/// A response model whose read-only fields never fail a read.
pub(crate) trait Lenient: Sized {
    /// The JSON names of the read-only fields, each with the check its value must pass.
    const READ_ONLY: &'static [(&'static str, Fits)];

    /// The strict, derived decoding.
    fn strict<'de, D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;

    /// Where the values that did not fit are kept (the model's unknown fields).
    fn kept(&mut self) -> &mut Map<String, Value>;
}

/// A value of `T` decodes from `value` (for the fields decoded by `T`'s own impl).
pub(crate) fn fits<T: DeserializeOwned>(value: &Value) -> bool {
    T::deserialize(value).is_ok()
}

/// Decodes `T` from a map, withholding the read-only entries that do not fit.
pub(crate) fn deserialize<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: de::Deserializer<'de>,
    T: Lenient,
{
    deserializer.deserialize_map(LenientVisitor(PhantomData))
}

struct LenientVisitor<T>(PhantomData<T>);

impl<'de, T: Lenient> Visitor<'de> for LenientVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        let mut kept = Map::new();
        let filtered = Withhold {
            inner: map,
            read_only: T::READ_ONLY,
            kept: &mut kept,
            pending: None,
        };
        let mut model = T::strict(de::value::MapAccessDeserializer::new(filtered))?;
        model.kept().extend(kept);
        Ok(model)
    }
}

/// `T` by its strict decoding only: the fast path for an answer in which every value
/// fits, tried before the lenient decoding, which reads each read-only value twice (once
/// to check it). Where both succeed they give the same model.
// The SCIM client is the adapter that decodes this way first.
#[cfg(feature = "scim-client")]
pub(crate) struct Strict<T>(pub(crate) T);

#[cfg(feature = "scim-client")]
impl<'de, T: Lenient> serde::Deserialize<'de> for Strict<T> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::strict(deserializer).map(Strict)
    }
}

/// The map as the strict decoding sees it: read-only entries that do not fit are moved
/// to `kept` and never offered.
struct Withhold<'k, A> {
    inner: A,
    read_only: &'static [(&'static str, Fits)],
    kept: &'k mut Map<String, Value>,
    /// The value of a read-only key just offered (already read to check it).
    pending: Option<Value>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Withhold<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(key) = self.inner.next_key::<String>()? else {
                return Ok(None);
            };
            let Some((_, fits)) = self.read_only.iter().find(|(name, _)| *name == key) else {
                self.pending = None;
                return seed
                    .deserialize(IntoDeserializer::<A::Error>::into_deserializer(key))
                    .map(Some);
            };
            let value: Value = self.inner.next_value()?;
            if fits(&value) {
                self.pending = Some(value);
                return seed
                    .deserialize(IntoDeserializer::<A::Error>::into_deserializer(key))
                    .map(Some);
            }
            self.kept.insert(key, value);
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            Some(value) => seed.deserialize(value).map_err(de::Error::custom),
            None => self.inner.next_value_seed(seed),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// Makes a model lenient: `$model` derives `Serialize, Deserialize` with
/// `#[serde(remote = "Self")]` and has a flattened `other: Map<String, Value>`; the
/// listed JSON fields are read-only, each with the check its value must pass.
macro_rules! lenient_model {
    ($model:ty { $($name:literal => $fits:expr),* $(,)? }) => {
        impl $crate::lenient::Lenient for $model {
            const READ_ONLY: &'static [(&'static str, $crate::lenient::Fits)] =
                &[$(($name, $fits)),*];

            fn strict<'de, D: serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                <$model>::deserialize(deserializer)
            }

            fn kept(&mut self) -> &mut serde_json::Map<String, serde_json::Value> {
                &mut self.other
            }
        }

        impl<'de> serde::Deserialize<'de> for $model {
            fn deserialize<D: serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                $crate::lenient::deserialize(deserializer)
            }
        }

        impl serde::Serialize for $model {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                <$model>::serialize(self, serializer)
            }
        }
    };
}

pub(crate) use lenient_model;

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::{json, Map, Value};

    use super::fits;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(remote = "Self")]
    struct Row {
        id: String,
        #[serde(default)]
        count: Option<u32>,
        #[serde(default)]
        seen: Option<bool>,
        #[serde(flatten)]
        other: Map<String, Value>,
    }

    lenient_model!(Row {
        "count" => fits::<Option<u32>>,
    });

    #[test]
    fn a_read_only_misfit_is_kept_and_the_rest_stays_strict() {
        let row: Row = serde_json::from_value(json!({"id": "a", "count": -1, "x": 1})).unwrap();
        assert_eq!(row.count, None);
        assert_eq!(row.other.get("count"), Some(&json!(-1)));
        assert_eq!(row.other.get("x"), Some(&json!(1)));
        assert_eq!(serde_json::to_value(&row).unwrap()["count"], json!(-1));

        let fitting: Row = serde_json::from_value(json!({"id": "a", "count": 3})).unwrap();
        assert_eq!(fitting.count, Some(3));
        assert!(fitting.other.is_empty());

        let list = br#"[{"id":"a"},{"id":"b","seen":"maybe"}]"#;
        let mut deserializer = serde_json::Deserializer::from_slice(list);
        let err = serde_path_to_error::deserialize::<_, Vec<Row>>(&mut deserializer).unwrap_err();
        assert_eq!(err.path().to_string(), "[1].seen");
    }
}
