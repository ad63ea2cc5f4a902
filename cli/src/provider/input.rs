//! What the command line reads besides its arguments: `key=value` pairs, an extension
//! range, and passwords from stdin or a file (never from an argument, which other users
//! of the machine can see in the process list).

use std::io::BufRead;
use std::path::Path;

use serde_json::Value;
use user_provisioner::Secret;

use crate::exit::CliError;

/// `--attribute key=value` and `--metadata key=value`: the value as JSON when it parses
/// (`true`, `42`, `"42"`, `{"a":1}`), else as a string.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyValue {
    pub key: String,
    pub value: Value,
}

/// clap's parser of a [`KeyValue`].
pub fn key_value(text: &str) -> Result<KeyValue, String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not key=value"))?;
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("{text:?} has no key before '='"));
    }
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
    Ok(KeyValue {
        key: key.to_owned(),
        value,
    })
}

/// Where a password comes from.
#[derive(Debug, Clone, Copy)]
pub enum PasswordSource<'a> {
    Stdin,
    File(&'a Path),
}

impl PasswordSource<'_> {
    /// The first line of stdin or of the file, without its line ending. Reading stops
    /// at the first newline: the password cannot run on into what follows.
    pub fn read(self, what: &str) -> Result<Secret, CliError> {
        let mut line = String::new();
        let read = match self {
            PasswordSource::Stdin => std::io::stdin().lock().read_line(&mut line),
            PasswordSource::File(path) => std::fs::File::open(path)
                .and_then(|file| std::io::BufReader::new(file).read_line(&mut line)),
        };
        let origin = match self {
            PasswordSource::Stdin => "stdin".to_owned(),
            PasswordSource::File(path) => path.display().to_string(),
        };
        // The reader's error names the file, never its content.
        read.map_err(|error| {
            CliError::usage(format!("cannot read {what} from {origin}: {error}"))
        })?;
        while line.ends_with('\n') || line.ends_with('\r') {
            line.pop();
        }
        if line.is_empty() {
            return Err(CliError::usage(format!(
                "{what}: the first line of {origin} is empty"
            )));
        }
        Ok(Secret::new(line))
    }
}

/// The source `--password-stdin` or `--password-file` names, if either.
pub fn password_source(stdin: bool, file: Option<&Path>) -> Option<PasswordSource<'_>> {
    match (stdin, file) {
        (true, _) => Some(PasswordSource::Stdin),
        (false, Some(path)) => Some(PasswordSource::File(path)),
        (false, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_json_when_they_parse() {
        assert_eq!(key_value("a=true").unwrap().value, Value::Bool(true));
        assert_eq!(key_value("a=42").unwrap().value, serde_json::json!(42));
        assert_eq!(
            key_value("a=\"42\"").unwrap().value,
            serde_json::json!("42")
        );
        assert_eq!(
            key_value("a.b=x=y").unwrap().value,
            serde_json::json!("x=y")
        );
        assert_eq!(key_value("a=").unwrap().value, serde_json::json!(""));
        assert!(key_value("novalue").is_err());
        assert!(key_value("=x").is_err());
    }

    #[test]
    fn ranges() {
        use crate::backends::extension_range;
        assert_eq!(extension_range("7000-7999").unwrap(), 7000..=7999);
        assert!(extension_range("7999-7000").is_err());
        assert!(extension_range("7000").is_err());
        assert!(extension_range("a-b").is_err());
    }
}
