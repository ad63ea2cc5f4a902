//! The request a dry run stops at: what would have been sent, with its secrets masked.

use std::fmt;

use serde::Serialize;

use crate::provider::Provider;

/// A request that a dry run did not send ([`Error::DryRun`](crate::Error::DryRun)),
/// exactly as the client had built it: method, URL, the headers the client sets and the
/// body, with credentials and the secrets the request carries masked.
///
/// `Display` writes it as an HTTP request: the request line, one header a line, a blank
/// line and the body.
///
/// ```
/// # async fn demo(p: &dyn user_provisioner::UserProvisioner, id: &user_provisioner::UserId) {
/// use user_provisioner::{Error, RequestOptions};
///
/// let dry = RequestOptions::new().with_dry_run(true);
/// if let Err(Error::DryRun(request)) = p.delete_user_opts(id, &dry).await {
///     assert_eq!(request.method, "DELETE");
///     assert!(request.header("authorization").is_none_or(|value| value.ends_with("***")));
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DryRunRequest {
    /// The provider the request was meant for.
    pub provider: Provider,
    /// The HTTP method, such as `POST`.
    pub method: String,
    /// The whole URL, query included.
    pub url: String,
    /// The headers the client would have sent, in order, each as its lowercase name and
    /// its value. A credential shows only its scheme: `Bearer ***`, `ApiKey ***`,
    /// `Basic ***`, or `***` for a bare key. (The HTTP stack adds framing headers such as
    /// `content-length` and `host` when it sends; they are not listed.)
    pub headers: Vec<(String, String)>,
    /// The JSON body byte for byte as it would have been sent, except that every
    /// secret the request carries (a password, a PIN) is written as
    /// [`Secret::REDACTED`](crate::Secret::REDACTED); `None` for a request without a
    /// body.
    pub body: Option<String>,
}

impl DryRunRequest {
    /// The value of the header `name` (in any case); the first one if it repeats.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(own, _)| own.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body parsed as JSON; `None` without a body (or, which the crate never
    /// builds, one that is not JSON).
    pub fn body_json(&self) -> Option<serde_json::Value> {
        self.body
            .as_deref()
            .and_then(|body| serde_json::from_str(body).ok())
    }
}

impl fmt::Display for DryRunRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.url)?;
        for (name, value) in &self.headers {
            write!(f, "\n{name}: {value}")?;
        }
        if let Some(body) = &self.body {
            write!(f, "\n\n{body}")?;
        }
        Ok(())
    }
}
