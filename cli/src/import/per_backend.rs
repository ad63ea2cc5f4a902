//! Options given once for every backend (`--rate 10`) or for one (`--rate jambonz=5`).

use std::fmt;
use std::str::FromStr;

use crate::backends::ProviderName;
use crate::exit::CliError;

/// One item of such an option: a value, for one backend or for all.
#[derive(Debug, Clone, PartialEq)]
pub struct PerBackend<T> {
    backend: Option<ProviderName>,
    value: T,
}

impl<T> PerBackend<T> {
    /// The backend it is for; `None` for all.
    pub fn backend(&self) -> Option<ProviderName> {
        self.backend
    }
}

impl<T: FromStr> FromStr for PerBackend<T>
where
    T::Err: fmt::Display,
{
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (backend, value) = match text.split_once('=') {
            Some((name, value)) => (Some(name.parse::<ProviderName>()?), value),
            None => (None, text),
        };
        let value = value
            .trim()
            .parse::<T>()
            .map_err(|error| format!("{value:?}: {error}"))?;
        Ok(Self { backend, value })
    }
}

/// The value for `backend`: its own if given (the last one), else the one for all, else
/// `None`. Refuses a value for a backend that `to` leaves out, which would do nothing.
pub fn value_for<T: Clone>(
    option: &str,
    items: &[PerBackend<T>],
    backend: ProviderName,
    to: &[ProviderName],
) -> Result<Option<T>, CliError> {
    if let Some(stray) = items
        .iter()
        .filter_map(|item| item.backend)
        .find(|named| !to.contains(named))
    {
        return Err(CliError::usage(format!(
            "{option} {stray}=...: --to does not name {stray}"
        )));
    }
    let own = items
        .iter()
        .rev()
        .find(|item| item.backend == Some(backend));
    let all = items.iter().rev().find(|item| item.backend.is_none());
    Ok(own.or(all).map(|item| item.value.clone()))
}

/// A count of at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub usize);

impl FromStr for Count {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.parse::<usize>() {
            Ok(0) => Err("must be at least 1".into()),
            Ok(count) => Ok(Count(count)),
            Err(error) => Err(error.to_string()),
        }
    }
}

/// A rate above zero, per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate(pub f64);

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.parse::<f64>() {
            Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(Rate(rate)),
            Ok(_) => Err("must be a number above 0".into()),
            Err(error) => Err(error.to_string()),
        }
    }
}

/// An inclusive range of NetSapiens extensions, `1000-1999`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionRange(pub std::ops::RangeInclusive<u32>);

impl FromStr for ExtensionRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        crate::backends::extension_range(text).map(ExtensionRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TO: [ProviderName; 2] = [ProviderName::Jambonz, ProviderName::Ece];

    #[test]
    fn a_backend_of_its_own_wins_over_the_value_for_all() {
        let items: Vec<PerBackend<Rate>> = ["jambonz=5", "20"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let rate = |b| {
            value_for("--rate", &items, b, &TO)
                .unwrap()
                .map(|r: Rate| r.0)
        };
        assert_eq!(rate(ProviderName::Jambonz), Some(5.0));
        assert_eq!(rate(ProviderName::Ece), Some(20.0));
        assert_eq!(
            value_for::<Rate>("--rate", &[], ProviderName::Ece, &TO).unwrap(),
            None
        );
    }

    #[test]
    fn refuses_what_would_do_nothing_or_is_not_a_value() {
        let items: Vec<PerBackend<Count>> = vec!["connect=4".parse().unwrap()];
        let error = value_for("--concurrency", &items, ProviderName::Ece, &TO).unwrap_err();
        assert_eq!(
            error.message,
            "--concurrency connect=...: --to does not name connect"
        );
        assert!("0".parse::<PerBackend<Count>>().is_err());
        assert!("ece=-1".parse::<PerBackend<Rate>>().is_err());
        assert!("ece=0".parse::<PerBackend<Rate>>().is_err());
        assert!("ecx=3".parse::<PerBackend<Count>>().is_err());
        assert!("NaN".parse::<PerBackend<Rate>>().is_err());
    }

    #[test]
    fn reads_an_extension_range() {
        assert_eq!("1000-1999".parse(), Ok(ExtensionRange(1000..=1999)));
        assert!("1999-1000".parse::<ExtensionRange>().is_err());
        assert!("1000".parse::<ExtensionRange>().is_err());
    }
}
