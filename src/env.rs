//! Reading configuration from the environment, the same way for every builder.

/// The value of the environment variable `name`, if it is set to something: an empty
/// (or non-UTF-8) variable counts as unset, so `FOO=` in a shell or a container file
/// reports the variable as missing instead of configuring an empty credential or URL.
pub(crate) fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}
