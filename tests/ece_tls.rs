//! `ClientOptions`' TLS settings, through the ECE client, against a loopback HTTPS server
//! whose certificate is issued by a private test CA (as a fresh ECE coordinator's is).
//!
//! The fixtures in `tests/fixtures/ece-tls/` were generated once with openssl for these
//! tests only: `ca.pem` (a CA valid until 2126, its key discarded) and `server.pem` /
//! `server.key` (P-256, SAN `localhost` and `127.0.0.1`, signed by that CA).
#![cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;
use user_provisioner::providers::ece::{EceBuilder, EceClient};
use user_provisioner::{ClientOptions, Error, RequestOptions, RetryPolicy};

const CA_PEM: &[u8] = include_bytes!("fixtures/ece-tls/ca.pem");
const SERVER_PEM: &[u8] = include_bytes!("fixtures/ece-tls/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("fixtures/ece-tls/server.key");

/// An HTTPS server on 127.0.0.1 that answers every request with one ECE user.
/// Returns its base URL.
async fn https_server() -> String {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(SERVER_PEM)
        .collect::<Result<_, _>>()
        .expect("server certificate");
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY).expect("server key");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that does not trust the certificate aborts the handshake.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let body = json!({ "user_name": "jdoe", "security": { "roles": [] } }).to_string();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://127.0.0.1:{port}/api/v1")
}

fn fast() -> ClientOptions {
    ClientOptions::new().with_retry_policy(
        RetryPolicy::new()
            .with_max_attempts(1)
            .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
            .with_jitter_seed(1),
    )
}

fn client(base_url: &str, options: ClientOptions) -> EceClient {
    EceBuilder::new()
        .with_base_url(base_url)
        .with_api_key("ece-tls-test-key")
        .with_client_options(options)
        .build()
        .expect("client")
}

#[tokio::test]
async fn an_untrusted_self_signed_coordinator_is_refused_by_default() {
    let url = https_server().await;
    let err = client(&url, fast())
        .get("jdoe", &RequestOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn trusting_the_coordinators_ca_connects_with_verification_on() {
    let url = https_server().await;
    let options = fast().with_root_certificate_pem(CA_PEM).expect("CA");
    let user = client(&url, options)
        .get("jdoe", &RequestOptions::new())
        .await
        .unwrap();
    assert_eq!(user.user_name, "jdoe");
}

#[tokio::test]
async fn accepting_invalid_certificates_is_an_explicit_opt_in() {
    let url = https_server().await;
    let options = fast().with_danger_accept_invalid_certs(true);
    assert!(format!("{options:?}").contains("accept_invalid_certs: true"));
    let user = client(&url, options)
        .get("jdoe", &RequestOptions::new())
        .await
        .unwrap();
    assert_eq!(user.user_name, "jdoe");
    // Turning it back off restores verification.
    let options = fast()
        .with_danger_accept_invalid_certs(true)
        .with_danger_accept_invalid_certs(false);
    let err = client(&url, options)
        .get("jdoe", &RequestOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[test]
fn unusable_certificates_are_refused_when_added() {
    let field_of = |result: Result<ClientOptions, Error>| match result {
        Err(Error::Config { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field_of(ClientOptions::new().with_root_certificate_pem(b"")),
        "root_certificate"
    );
    assert_eq!(
        field_of(ClientOptions::new().with_root_certificate_pem(b"not a certificate")),
        "root_certificate"
    );
    let junk = b"-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n";
    assert_eq!(
        field_of(ClientOptions::new().with_root_certificate_pem(junk)),
        "root_certificate"
    );
    // A bundle of two certificates is accepted.
    let mut bundle = CA_PEM.to_vec();
    bundle.extend_from_slice(SERVER_PEM);
    assert!(ClientOptions::new()
        .with_root_certificate_pem(&bundle)
        .is_ok());
}

#[test]
fn a_caller_supplied_client_keeps_its_own_tls_settings() {
    // What a caller does under `rustls-ring` before building a client of its own.
    #[cfg(all(feature = "rustls-ring", not(feature = "rustls")))]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let own = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client");
    let combined = [
        ClientOptions::new()
            .with_reqwest_client(own.clone())
            .with_root_certificate_pem(CA_PEM)
            .expect("CA"),
        ClientOptions::new()
            .with_reqwest_client(own.clone())
            .with_danger_accept_invalid_certs(true),
    ];
    for options in combined {
        let err = EceBuilder::new()
            .with_base_url("https://ece.example.com:12443/api/v1")
            .with_api_key("ece-tls-test-key")
            .with_client_options(options)
            .build()
            .unwrap_err();
        assert!(
            matches!(err, Error::Config { ref field, .. } if field == "client"),
            "{err:?}"
        );
    }
    // Alone, a caller's client is used as it is.
    EceBuilder::new()
        .with_base_url("https://ece.example.com:12443/api/v1")
        .with_api_key("ece-tls-test-key")
        .with_client_options(ClientOptions::new().with_reqwest_client(own))
        .build()
        .expect("caller's client");
}
