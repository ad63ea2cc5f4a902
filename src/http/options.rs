//! Settings shared by every provider client.

use std::time::Duration;

#[cfg(any(
    feature = "http-base",
    feature = "rustls",
    feature = "rustls-ring",
    feature = "native-tls"
))]
use crate::error::{Error, Result};
#[cfg(any(
    feature = "http-base",
    feature = "rustls",
    feature = "rustls-ring",
    feature = "native-tls"
))]
use crate::http::error_chain;
use crate::http::retry::RetryPolicy;

/// Connection settings shared by every provider's builder: timeouts, retries, the
/// response size limit, plain-HTTP opt-in and an optional caller-built `reqwest` client.
///
/// ```
/// use std::time::Duration;
/// use user_provisioner::{ClientOptions, RetryPolicy};
///
/// let options = ClientOptions::new()
///     .with_timeout(Duration::from_secs(10))
///     .with_retry_policy(RetryPolicy::new().with_max_attempts(4))
///     .with_max_response_bytes(256 * 1024);
/// ```
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: usize,
    pub(crate) allow_http: bool,
    pub(crate) create_recovery: bool,
    pub(crate) client: Option<reqwest::Client>,
    /// Extra trusted roots for the client this crate builds.
    #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
    pub(crate) root_certificates: Vec<reqwest::Certificate>,
    /// Whether the client this crate builds skips certificate verification.
    #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
    pub(crate) accept_invalid_certs: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            max_response_bytes: 1024 * 1024,
            allow_http: false,
            create_recovery: true,
            client: None,
            #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
            root_certificates: Vec::new(),
            #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
            accept_invalid_certs: false,
        }
    }
}

impl ClientOptions {
    /// The defaults: 30 s per attempt, 10 s to connect, [`RetryPolicy::default`],
    /// 1 MiB response limit, HTTPS only (plain HTTP to loopback hosts allowed).
    pub fn new() -> Self {
        Self::default()
    }

    /// Time limit of one attempt, from sending to the last byte of the body.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time limit for opening a connection (only for the client this crate builds).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How failed attempts are retried.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body read; a larger one fails with
    /// [`Error::ResponseTooLarge`] after reading no more than this.
    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Allows `http://` base URLs on non-loopback hosts, sending credentials unencrypted.
    /// Meant for self-hosted servers on a trusted network only.
    pub fn with_allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Uses a client you built (for proxies, custom roots, a shared pool).
    ///
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`: a client that follows
    /// redirects forwards headers such as `X-API-Key` to wherever the server points.
    /// The crate refuses any response that arrives from another origin, but it cannot
    /// unsend a header the client already forwarded. Without this option the crate
    /// builds its own client with redirects off.
    ///
    /// A client you supply keeps its own TLS settings: combining it with
    /// [`with_root_certificate_pem`](Self::with_root_certificate_pem) or
    /// [`with_danger_accept_invalid_certs`](Self::with_danger_accept_invalid_certs) is
    /// refused with [`Error::Config`] when the provider client is built, rather than
    /// silently ignoring the certificate settings. Configure TLS on your own
    /// `reqwest::ClientBuilder` instead.
    ///
    /// With the `rustls-ring` feature (and not `rustls`) reqwest carries no rustls crypto
    /// provider of its own and its `ClientBuilder::build` panics while none is installed:
    /// install one before building your client, for example with
    /// `rustls::crypto::ring::default_provider().install_default()`.
    pub fn with_reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Trusts the CA certificate(s) in `pem` in addition to the system's roots, for
    /// servers whose certificate is issued by a private CA or is self-signed (an Elastic
    /// Cloud Enterprise coordinator's default certificate, for instance). Certificate
    /// verification stays on: the server must still present a certificate that chains to
    /// a trusted root and names the host of the base URL.
    ///
    /// `pem` may hold several `-----BEGIN CERTIFICATE-----` blocks (a bundle); each is
    /// trusted. Can be called more than once. Applies to the client this crate builds
    /// only (see [`with_reqwest_client`](Self::with_reqwest_client)).
    ///
    /// ```no_run
    /// use user_provisioner::ClientOptions;
    ///
    /// let pem = std::fs::read("/etc/ece/coordinator-ca.pem").expect("CA file");
    /// let options = ClientOptions::new().with_root_certificate_pem(&pem)?;
    /// # Ok::<(), user_provisioner::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming `root_certificate` when `pem` holds no certificate block,
    /// a block that is not valid base64, or a certificate the TLS library cannot parse.
    #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls")))
    )]
    pub fn with_root_certificate_pem(mut self, pem: &[u8]) -> Result<Self> {
        let certificates = reqwest::Certificate::from_pem_bundle(pem).map_err(|err| {
            Error::config(
                "root_certificate",
                format!("not a PEM certificate bundle: {err}"),
            )
        })?;
        if certificates.is_empty() {
            return Err(Error::config(
                "root_certificate",
                "no -----BEGIN CERTIFICATE----- block found",
            ));
        }
        // The TLS library parses the certificates only when a client is built: a probe
        // client that trusts nothing else reports an unusable certificate now, with the
        // setting's name, instead of later from an unrelated `build()`.
        install_crypto_provider();
        reqwest::Client::builder()
            .tls_certs_only(certificates.iter().cloned())
            .build()
            .map_err(|err| {
                Error::config(
                    "root_certificate",
                    format!(
                        "the TLS library refused the certificate: {}",
                        error_chain(&err)
                    ),
                )
            })?;
        self.root_certificates.extend(certificates);
        Ok(self)
    }

    /// **DANGER: turns off TLS certificate verification** for the client this crate builds.
    ///
    /// With `true`, the client accepts *any* certificate from *any* server: expired,
    /// self-signed, issued for another host. Anyone who can intercept the connection
    /// (a proxy, a compromised router, DNS spoofing) can then impersonate the server and
    /// read every credential and password the client sends. Prefer
    /// [`with_root_certificate_pem`](Self::with_root_certificate_pem) with the server's
    /// CA certificate, which keeps verification on.
    ///
    /// Meant only for a throwaway lab installation (such as a fresh ECE coordinator with
    /// its generated self-signed certificate) on a network you control. Off by default;
    /// nothing in this crate turns it on for you, and no environment variable does.
    /// Applies to the client this crate builds only (see
    /// [`with_reqwest_client`](Self::with_reqwest_client)). `Debug` of the options shows
    /// whether it is on.
    #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls")))
    )]
    pub fn with_danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Whether a create whose outcome is unknown (timeout, reset, 5xx or 408 on a
    /// provider without idempotency keys) is followed by a lookup of the user by its
    /// unique key, reported in [`Error::OutcomeUnknown`] (default: on), and a create
    /// answered 2xx with an unreadable body by a read-back of the user (off, such a
    /// create is [`Error::CreatedUnreadable`] at once). The lookup gets the client's own
    /// deadline, since the call's may be spent; on a provider whose new users become
    /// readable only after a delay (NetSapiens asynchronous creates) it polls within
    /// what is left of the call's deadline.
    pub fn with_create_recovery(mut self, look_up: bool) -> Self {
        self.create_recovery = look_up;
        self
    }

    /// Time limit of one attempt.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The client this crate sends through: the caller's, or one built from these
    /// settings.
    #[cfg(feature = "http-base")]
    pub(crate) fn build_client(&self) -> Result<reqwest::Client> {
        if let Some(client) = &self.client {
            #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
            if !self.root_certificates.is_empty() || self.accept_invalid_certs {
                return Err(Error::config(
                    "client",
                    "root certificates and accept-invalid-certs apply only to the client \
                     this crate builds; a client given with with_reqwest_client keeps its \
                     own TLS settings, so configure them on its reqwest::ClientBuilder",
                ));
            }
            return Ok(client.clone());
        }
        install_crypto_provider();
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout);
        #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
        let builder = {
            let mut builder = builder;
            if !self.root_certificates.is_empty() {
                builder = builder.tls_certs_merge(self.root_certificates.iter().cloned());
            }
            if self.accept_invalid_certs {
                builder = builder.tls_danger_accept_invalid_certs(true);
            }
            builder
        };
        builder.build().map_err(|err| {
            Error::config(
                "client",
                format!("could not build the HTTP client: {}", error_chain(&err)),
            )
        })
    }
}

/// With `rustls-ring` (and not `rustls`), reqwest brings no rustls crypto provider of its
/// own and panics when a client is built while none is installed, so ring's is installed
/// as the process default first. A provider the application installed is kept; losing
/// the race to another thread installing one is just as good.
#[cfg(all(feature = "rustls-ring", not(feature = "rustls")))]
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// The other TLS choices need no process-wide provider. (Called where a client is built:
/// by the HTTP core, or to probe a root certificate with TLS on.)
#[cfg(all(
    not(all(feature = "rustls-ring", not(feature = "rustls"))),
    any(
        feature = "http-base",
        feature = "rustls",
        feature = "rustls-ring",
        feature = "native-tls"
    )
))]
fn install_crypto_provider() {}
