//! Under `rustls-ring` (without `rustls`) a rustls provider the application installed
//! before building any client is the one the crate's clients use: the crate installs
//! ring's only when none is installed. Its own binary, because the provider is
//! process-wide state.
#![cfg(all(feature = "rustls-ring", not(feature = "rustls")))]

use rustls::crypto::{ring, CryptoProvider};
use user_provisioner::ClientOptions;

const CA_PEM: &[u8] = include_bytes!("fixtures/ece-tls/ca.pem");

#[test]
fn a_provider_the_application_installed_first_is_kept() {
    // Ring's provider narrowed to one key-exchange group: unlike ring's default, which
    // the crate would install.
    let own = CryptoProvider {
        kx_groups: vec![ring::kx_group::X25519],
        ..ring::default_provider()
    };
    assert!(own.install_default().is_ok());
    ClientOptions::new()
        .with_root_certificate_pem(CA_PEM)
        .expect("CA accepted");
    let installed = CryptoProvider::get_default().expect("a provider is installed");
    assert_eq!(
        installed.kx_groups.len(),
        1,
        "the application's provider was replaced"
    );
    assert!(ring::default_provider().kx_groups.len() > 1);
}
