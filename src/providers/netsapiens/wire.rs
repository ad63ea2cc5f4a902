//! How NetSapiens values travel: lists joined into one string, and lenient decoding of
//! what servers send back (numbers as strings, empty strings for unset values).

use serde::{Deserialize, Deserializer, Serializer};
use serde_json::Value;

use crate::secret::Secret;

use super::enums::YesNo;

/// `["a@x.com", "b@x.com"]` is sent as `"a@x.com;b@x.com"`.
pub(crate) fn semicolon_list<S: Serializer>(
    list: &[String],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&list.join(";"))
}

/// [`semicolon_list`] for an optional field.
pub(crate) fn semicolon_list_opt<S: Serializer>(
    list: &Option<Vec<String>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match list {
        Some(list) => serializer.serialize_str(&list.join(";")),
        None => serializer.serialize_none(),
    }
}

/// `["1001", "1002"]` is sent as `"1001,1002"`.
pub(crate) fn comma_list_opt<S: Serializer>(
    list: &Option<Vec<String>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match list {
        Some(list) => serializer.serialize_str(&list.join(",")),
        None => serializer.serialize_none(),
    }
}

fn split_list<E: serde::de::Error>(
    value: Option<Value>,
    separators: &[char],
) -> Result<Option<Vec<String>>, E> {
    let items = |text: &str| -> Vec<String> {
        text.split(separators)
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    };
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(items(&text))),
        Some(Value::Array(values)) => values
            .into_iter()
            .map(|value| match value {
                Value::String(text) => Ok(text),
                other => Err(E::custom(format!(
                    "expected a string in the list, got {other}"
                ))),
            })
            .collect::<Result<Vec<_>, E>>()
            .map(Some),
        Some(other) => Err(E::custom(format!(
            "expected a list as a string, got {other}"
        ))),
    }
}

/// A `;`-separated list (also accepts `,` and a JSON array); missing or `null` is empty.
pub(crate) fn de_semicolon_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    Ok(split_list(Option::<Value>::deserialize(deserializer)?, &[';', ','])?.unwrap_or_default())
}

/// An optional `;`-separated list.
pub(crate) fn de_semicolon_list_opt<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    split_list(Option::<Value>::deserialize(deserializer)?, &[';', ','])
}

/// An optional `,`-separated list.
pub(crate) fn de_comma_list_opt<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    split_list(Option::<Value>::deserialize(deserializer)?, &[','])
}

/// A flag; `null` and `""` are unset.
pub(crate) fn de_yes_no<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<YesNo>, D::Error> {
    use serde::de::Error;
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(value) => YesNo::deserialize(value)
            .map(Some)
            .map_err(D::Error::custom),
    }
}

/// A non-negative integer sent as a number or a numeric string; `null` and `""` are unset.
pub(crate) fn de_number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    use serde::de::Error;
    let number = match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => return Ok(None),
        Some(Value::String(text)) => text.trim().parse::<u64>().map_err(|_| {
            D::Error::custom(format!("expected a non-negative integer, got {text:?}"))
        })?,
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| D::Error::custom(format!("expected a non-negative integer, got {n}")))?,
        Some(other) => {
            return Err(D::Error::custom(format!(
                "expected an integer, got {other}"
            )))
        }
    };
    T::try_from(number)
        .map(Some)
        .map_err(|_| D::Error::custom(format!("{number} is out of range")))
}

/// An integer of any sign sent as a number or a numeric string (the spec sets no
/// minimum for counters such as `active-calls-total-current`); `null` and `""` are unset.
pub(crate) fn de_integer<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    use serde::de::Error;
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => text
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected an integer, got {text:?}"))),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("expected an integer, got {n}"))),
        Some(other) => Err(D::Error::custom(format!(
            "expected an integer, got {other}"
        ))),
    }
}

/// Text that servers may send as a number (extensions, caller ids); `null` is unset.
pub(crate) fn de_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    use serde::de::Error;
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(D::Error::custom(format!("expected text, got {other}"))),
    }
}

/// [`de_text`] for a required field.
pub(crate) fn de_text_required<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    use serde::de::Error;
    de_text(deserializer)?.ok_or_else(|| D::Error::custom("expected text, got null"))
}

/// A PIN sent as a string or a number.
pub(crate) fn de_secret<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Secret>, D::Error> {
    Ok(de_text(deserializer)?
        .filter(|text| !text.is_empty())
        .map(Secret::new))
}
