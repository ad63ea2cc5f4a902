//! The HTTP core every adapter sends through, and the public types that configure it.
//!
//! [`ClientOptions`], [`RetryPolicy`], [`Sleeper`] and [`DryRunRequest`] are part of the
//! API in every build. The machinery (the connection in `client`, credentials, base
//! URLs, response reading) is built only with the internal `http-base` feature, which
//! every HTTP adapter's feature enables. Adapters describe a request (`ApiRequest`) and
//! decode a response; they never touch `reqwest` themselves.
//!
//! A helper that only some adapters call (an auth scheme, a request option) carries a
//! `cfg` naming those adapters' features, so that a build with other adapters reports
//! nothing unused; a new adapter that needs it adds its feature there.

// `pub(crate)` for the emulators, which check basic credentials with its base64.
#[cfg(feature = "http-base")]
pub(crate) mod auth;
#[cfg(feature = "http-base")]
mod base_url;
#[cfg(feature = "http-base")]
mod client;
mod dry_run;
mod options;
#[cfg(feature = "http-base")]
mod response;
mod retry;

#[cfg(feature = "http-base")]
pub(crate) use auth::Auth;
#[cfg(feature = "http-base")]
pub(crate) use client::{ApiRequest, HttpCore};
// For the decoder properties, which build a core by hand.
#[cfg(all(test, feature = "http-base"))]
pub(crate) use client::ErrorDecoder;
pub use dry_run::DryRunRequest;
pub use options::ClientOptions;
#[cfg(feature = "http-base")]
pub(crate) use response::{ErrorBody, RawResponse};
pub use retry::{RetryPolicy, Sleeper};

/// The error and its causes on one line: reqwest's own `Display` stops at the top.
/// (For errors of building a client: in the HTTP core, or probing a root certificate.)
#[cfg(any(
    feature = "http-base",
    feature = "rustls",
    feature = "rustls-ring",
    feature = "native-tls"
))]
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
