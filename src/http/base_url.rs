//! The provider's base URL and the endpoints under it.

use std::net::IpAddr;

use url::{Host, Url};

use crate::error::{Error, Result};

/// An `http(s)` base URL whose path prefix (such as `/api/v1`) is kept when endpoints
/// are joined to it.
#[derive(Debug, Clone)]
pub(crate) struct BaseUrl(Url);

impl BaseUrl {
    /// Checks and normalises a base URL. Plain `http://` is accepted for loopback hosts,
    /// or anywhere when `allow_http` is set, so that credentials do not cross a network
    /// in clear text by accident.
    pub(crate) fn parse(field: &str, raw: &str, allow_http: bool) -> Result<Self> {
        let mut url = Url::parse(raw.trim())
            .map_err(|err| Error::config(field, format!("{raw:?} is not a URL: {err}")))?;
        match url.scheme() {
            "https" => {}
            "http" if allow_http || is_loopback(&url) => {}
            "http" => {
                return Err(Error::config(
                    field,
                    "plain http:// would send credentials unencrypted; use https://, a loopback \
                     host, or opt in with ClientOptions::with_allow_http(true)",
                ))
            }
            other => {
                return Err(Error::config(
                    field,
                    format!("scheme {other:?} is not supported; use https://"),
                ))
            }
        }
        if url.host().is_none() {
            return Err(Error::config(field, "the URL has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::config(
                field,
                "credentials in the URL are refused; pass them to the builder instead",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::config(
                field,
                "the URL must not have a query or fragment",
            ));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self(url))
    }

    /// The URL of `segments` under the base path, each segment percent-encoded so that
    /// a `/`, `?` or `#` in a user name stays inside its segment.
    pub(crate) fn endpoint<S: AsRef<str>>(
        &self,
        segments: &[S],
        query: &[(&'static str, String)],
    ) -> Result<Url> {
        let mut url = self.0.clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|()| Error::config("base_url", "the URL cannot have a path"))?;
            path.pop_if_empty();
            for segment in segments {
                let segment = segment.as_ref();
                if segment.is_empty() || segment == "." || segment == ".." {
                    return Err(Error::invalid_input(
                        "id",
                        format!("{segment:?} cannot be used as a path segment"),
                    ));
                }
                path.push(segment);
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    pub(crate) fn as_url(&self) -> &Url {
        &self.0
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(raw: &str) -> BaseUrl {
        BaseUrl::parse("base_url", raw, false).unwrap()
    }

    #[test]
    fn keeps_the_path_prefix_with_or_without_trailing_slash() {
        for raw in ["https://h/api/v1/", "https://h/api/v1"] {
            let url = base(raw).endpoint(&["Users", "abc"], &[]).unwrap();
            assert_eq!(url.as_str(), "https://h/api/v1/Users/abc", "{raw}");
        }
        let url = base("https://h").endpoint(&["users"], &[]).unwrap();
        assert_eq!(url.as_str(), "https://h/users");
    }

    #[test]
    fn a_segment_cannot_escape() {
        let url = base("https://h/v1")
            .endpoint(&["Users", "a/../b?x=1#f"], &[])
            .unwrap();
        assert_eq!(url.as_str(), "https://h/v1/Users/a%2F..%2Fb%3Fx=1%23f");
        assert_eq!(url.path_segments().unwrap().count(), 3);
        assert!(base("https://h/v1").endpoint(&[".."], &[]).is_err());
        assert!(base("https://h/v1").endpoint(&[""], &[]).is_err());
    }

    #[test]
    fn query_pairs_are_encoded() {
        let url = base("https://h/v2")
            .endpoint(&["users"], &[("start", "1".into()), ("q", "a&b".into())])
            .unwrap();
        assert_eq!(url.as_str(), "https://h/v2/users?start=1&q=a%26b");
    }

    #[test]
    fn http_only_for_loopback_or_opt_in() {
        assert!(BaseUrl::parse("u", "http://127.0.0.1:3000/v1", false).is_ok());
        assert!(BaseUrl::parse("u", "http://localhost/v1", false).is_ok());
        assert!(BaseUrl::parse("u", "http://[::1]:80/v1", false).is_ok());
        assert!(BaseUrl::parse("u", "http://api.example/v1", false).is_err());
        assert!(BaseUrl::parse("u", "http://api.example/v1", true).is_ok());
        assert!(BaseUrl::parse("u", "ftp://h/", true).is_err());
    }

    #[test]
    fn refuses_credentials_query_and_garbage() {
        assert!(BaseUrl::parse("u", "https://user:pw@h/v1", false).is_err());
        assert!(BaseUrl::parse("u", "https://h/v1?x=1", false).is_err());
        assert!(BaseUrl::parse("u", "not a url", false).is_err());
    }
}
