//! Credentials and the headers that carry them.

use std::borrow::Cow;
use std::fmt;

use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};

use crate::error::{Error, Result};
use crate::secret::Secret;

/// How a client proves who it is. Header values are built once, marked sensitive (so
/// the HTTP stack never logs them) and kept out of `Debug`.
#[derive(Clone)]
pub(crate) struct Auth {
    scheme: &'static str,
    header: Option<(HeaderName, HeaderValue)>,
    /// A second credential header sent with the first (Connect: `X-API-Key` plus an
    /// optional user `Authorization: Bearer`).
    second: Option<(&'static str, HeaderName, HeaderValue)>,
    /// Every form in which the credential could be echoed back, for scrubbing.
    secrets: Vec<Secret>,
}

impl Auth {
    /// `Authorization: Bearer <token>`.
    #[cfg(any(feature = "jambonz", feature = "netsapiens", feature = "scim-client"))]
    pub(crate) fn bearer(field: &str, token: &Secret) -> Result<Self> {
        Self::authorization(field, "Bearer", "Bearer", token)
    }

    /// `Authorization: ApiKey <key>` (Elastic).
    #[cfg(feature = "ece")]
    pub(crate) fn api_key_authorization(field: &str, key: &Secret) -> Result<Self> {
        Self::authorization(field, "ApiKey", "ApiKey", key)
    }

    /// A custom header such as `X-API-Key: <key>`.
    #[cfg(feature = "connect")]
    pub(crate) fn header(field: &str, name: &'static str, key: &Secret) -> Result<Self> {
        check_not_empty(field, key)?;
        let name = HeaderName::from_static(name);
        Ok(Self {
            scheme: "ApiKeyHeader",
            header: Some((name, sensitive_value(field, key.expose())?)),
            second: None,
            secrets: vec![key.clone()],
        })
    }

    /// HTTP basic authentication.
    #[cfg(any(feature = "ece", feature = "scim-client"))]
    pub(crate) fn basic(field: &str, username: &str, password: &Secret) -> Result<Self> {
        if username.is_empty() {
            return Err(Error::config(field, "the user name is empty"));
        }
        if username.contains(':') {
            return Err(Error::config(
                field,
                "a basic-auth user name cannot contain ':'",
            ));
        }
        let encoded = base64(format!("{username}:{}", password.expose()).as_bytes());
        let value = sensitive_value(field, &format!("Basic {encoded}"))?;
        Ok(Self {
            scheme: "Basic",
            header: Some((AUTHORIZATION, value)),
            second: None,
            secrets: vec![password.clone(), Secret::new(encoded)],
        })
    }

    #[cfg(any(
        feature = "jambonz",
        feature = "netsapiens",
        feature = "ece",
        feature = "scim-client",
    ))]
    fn authorization(
        field: &str,
        scheme: &'static str,
        prefix: &str,
        token: &Secret,
    ) -> Result<Self> {
        check_not_empty(field, token)?;
        let value = sensitive_value(field, &format!("{prefix} {}", token.expose()))?;
        Ok(Self {
            scheme,
            header: Some((AUTHORIZATION, value)),
            second: None,
            secrets: vec![token.clone()],
        })
    }

    /// Adds `Authorization: Bearer <token>` to a credential carried in another header
    /// (Connect's `X-API-Key` plus a user token). Both values are sensitive and both are
    /// scrubbed from error text.
    #[cfg(feature = "connect")]
    pub(crate) fn with_bearer(mut self, field: &str, token: &Secret) -> Result<Self> {
        check_not_empty(field, token)?;
        if self
            .header
            .as_ref()
            .is_some_and(|(name, _)| *name == AUTHORIZATION)
        {
            return Err(Error::config(
                field,
                "the client already sends an Authorization header",
            ));
        }
        let value = sensitive_value(field, &format!("Bearer {}", token.expose()))?;
        self.second = Some(("Bearer", AUTHORIZATION, value));
        self.secrets.push(token.clone());
        Ok(self)
    }

    #[cfg(test)]
    pub(crate) fn header_pair(&self) -> Option<&(HeaderName, HeaderValue)> {
        self.header.as_ref()
    }

    /// Every credential header, in the order they are sent.
    pub(crate) fn header_pairs(&self) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> {
        let first = self.header.as_ref().map(|(name, value)| (name, value));
        let second = self.second.as_ref().map(|(_, name, value)| (name, value));
        first.into_iter().chain(second)
    }

    /// What one request's answers and errors must not show: these credentials and the
    /// secrets the request carried (a user's password, a PIN).
    pub(crate) fn scrubbing<'a>(&'a self, carried: &'a [Secret]) -> Scrubber<'a> {
        Scrubber {
            auth: self,
            carried,
        }
    }
}

/// The client's credentials and one request's secrets, borrowed: nothing is copied to
/// scrub an answer.
#[derive(Clone, Copy)]
pub(crate) struct Scrubber<'a> {
    auth: &'a Auth,
    carried: &'a [Secret],
}

impl Scrubber<'_> {
    /// Replaces every occurrence of a secret in `text` with `***`; borrowed back when
    /// there was none.
    pub(crate) fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut text = Cow::Borrowed(text);
        for secret in self.auth.secrets.iter().chain(self.carried) {
            // A very short credential would match ordinary words; such credentials are
            // refused by providers anyway.
            if secret.expose().len() >= 4 && text.contains(secret.expose()) {
                text = Cow::Owned(text.replace(secret.expose(), "***"));
            }
        }
        text
    }

    /// A JSON body the client built (with `serde_json`), with every secret in it
    /// written as [`Secret::REDACTED`]: a string that is a secret, of any length, as a
    /// whole, and a secret of four or more characters inside a longer string too.
    /// A secret is looked for in its JSON-escaped form, which is how the body holds it.
    pub(crate) fn redact_json(&self, body: &[u8]) -> String {
        let mut text = String::from_utf8_lossy(body).into_owned();
        let mut secrets: Vec<&Secret> = self
            .auth
            .secrets
            .iter()
            .chain(self.carried)
            .filter(|secret| !secret.is_empty())
            .collect();
        // The longest first, so that a secret inside another does not leave part of it.
        secrets.sort_by_key(|secret| std::cmp::Reverse(secret.expose().len()));
        let whole = format!("\"{}\"", Secret::REDACTED);
        for secret in secrets {
            let Ok(quoted) = serde_json::to_string(secret.expose()) else {
                continue;
            };
            if text.contains(&quoted) {
                text = text.replace(&quoted, &whole);
            }
            let escaped = &quoted[1..quoted.len() - 1];
            if secret.expose().len() >= 4 && text.contains(escaped) {
                text = text.replace(escaped, Secret::REDACTED);
            }
        }
        text
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(***)", self.scheme)?;
        if let Some((scheme, _, _)) = &self.second {
            write!(f, " + {scheme}(***)")?;
        }
        Ok(())
    }
}

fn check_not_empty(field: &str, secret: &Secret) -> Result<()> {
    if secret.expose().trim().is_empty() {
        return Err(Error::config(field, "the credential is empty"));
    }
    Ok(())
}

fn sensitive_value(field: &str, value: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        Error::config(
            field,
            "the credential holds characters an HTTP header cannot carry",
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Standard base64 with padding (RFC 4648), for the basic-auth header (and the
/// emulators' check of it).
#[cfg(any(feature = "ece", feature = "scim-client"))]
pub(crate) fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
    }

    #[test]
    fn headers_are_sensitive_and_debug_hides_them() {
        let auth = Auth::bearer("api_key", &Secret::new("tok-123456")).unwrap();
        let (name, value) = auth.header_pair().unwrap();
        assert_eq!(name, AUTHORIZATION);
        assert!(value.is_sensitive());
        assert_eq!(value.to_str().unwrap(), "Bearer tok-123456");
        assert_eq!(format!("{auth:?}"), "Bearer(***)");

        let basic = Auth::basic("credentials", "admin", &Secret::new("pw-123456")).unwrap();
        assert_eq!(
            basic.header_pair().unwrap().1.to_str().unwrap(),
            "Basic YWRtaW46cHctMTIzNDU2"
        );
        assert!(!format!("{basic:?}").contains("pw-123456"));
    }

    #[test]
    fn a_second_bearer_header_is_sensitive_hidden_and_scrubbed() {
        let auth = Auth::header("api_key", "x-api-key", &Secret::new("key-123456"))
            .unwrap()
            .with_bearer("user_token", &Secret::new("jwt-abcdef"))
            .unwrap();
        let pairs: Vec<_> = auth.header_pairs().collect();
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].0.as_str(), "x-api-key");
        assert_eq!(pairs[0].1.to_str().unwrap(), "key-123456");
        assert_eq!(pairs[1].0, AUTHORIZATION);
        assert_eq!(pairs[1].1.to_str().unwrap(), "Bearer jwt-abcdef");
        assert!(pairs.iter().all(|(_, value)| value.is_sensitive()));
        assert_eq!(format!("{auth:?}"), "ApiKeyHeader(***) + Bearer(***)");
        assert_eq!(
            auth.scrubbing(&[]).scrub("k=key-123456 t=jwt-abcdef"),
            "k=*** t=***"
        );

        let bearer = Auth::bearer("api_key", &Secret::new("tok-123456")).unwrap();
        assert!(bearer
            .with_bearer("user_token", &Secret::new("jwt-abcdef"))
            .is_err());
        let plain = Auth::header("api_key", "x-api-key", &Secret::new("key-123456")).unwrap();
        assert!(plain.with_bearer("user_token", &Secret::new(" ")).is_err());
    }

    #[test]
    fn scrub_removes_raw_and_encoded_forms() {
        let basic = Auth::basic("credentials", "admin", &Secret::new("pw-123456")).unwrap();
        let text = basic
            .scrubbing(&[])
            .scrub("bad pw-123456 / YWRtaW46cHctMTIzNDU2");
        assert_eq!(text, "bad *** / ***");
    }

    #[test]
    fn redact_json_masks_secrets_whole_inside_and_escaped() {
        let auth = Auth::bearer("api_key", &Secret::new("tok-123456")).unwrap();
        let carried = [
            Secret::new("ab"),
            Secret::new("pa\"ss\\word"),
            Secret::new("Str0ngP@ss1"),
        ];
        let body = serde_json::json!({
            "pin": "ab",
            "name": "about ab",
            "password": "pa\"ss\\word",
            "note": "was Str0ngP@ss1 before",
            "key": "tok-123456",
        });
        let text = auth
            .scrubbing(&carried)
            .redact_json(serde_json::to_string(&body).unwrap().as_bytes());
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back,
            serde_json::json!({
                "pin": "<redacted>",
                "name": "about ab",
                "password": "<redacted>",
                "note": "was <redacted> before",
                "key": "<redacted>",
            })
        );
    }

    #[test]
    fn refuses_empty_and_unprintable_credentials() {
        assert!(Auth::bearer("api_key", &Secret::new("  ")).is_err());
        assert!(Auth::bearer("api_key", &Secret::new("a\nb")).is_err());
        assert!(Auth::basic("u", "a:b", &Secret::new("pw")).is_err());
    }
}
