//! Under `rustls-ring` (without `rustls`) reqwest has no rustls provider of its own and
//! panics at `build()` while none is installed: the crate installs ring's first. One test
//! in its own binary, because the provider is process-wide state that any other test
//! building a client would set before this one looks.
#![cfg(all(feature = "rustls-ring", not(feature = "rustls")))]

use rustls::crypto::CryptoProvider;
use user_provisioner::{ClientOptions, Error};

const CA_PEM: &[u8] = include_bytes!("fixtures/ece-tls/ca.pem");

/// The key-exchange groups of a provider by name: ring's differ from aws-lc-rs' (which
/// leads with the post-quantum X25519MLKEM768), so they tell the two apart.
fn kx_group_names(provider: &CryptoProvider) -> Vec<String> {
    provider
        .kx_groups
        .iter()
        .map(|group| format!("{:?}", group.name()))
        .collect()
}

#[test]
fn building_a_client_installs_ring_when_no_provider_is_installed() {
    assert!(
        CryptoProvider::get_default().is_none(),
        "nothing installed a provider yet"
    );
    // The probe client that checks a root certificate is the first client this crate
    // builds here; without the install it would panic inside reqwest.
    ClientOptions::new()
        .with_root_certificate_pem(CA_PEM)
        .expect("CA accepted");
    let installed = CryptoProvider::get_default().expect("a provider is installed");
    assert_eq!(
        kx_group_names(installed),
        kx_group_names(&rustls::crypto::ring::default_provider())
    );
    // Building again keeps the one installed, and a second process-wide install now
    // fails, as it would for an application that installed its own first.
    let junk = b"-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n";
    assert!(matches!(
        ClientOptions::new().with_root_certificate_pem(junk),
        Err(Error::Config { .. })
    ));
    assert!(std::ptr::eq(
        CryptoProvider::get_default().expect("still installed"),
        installed
    ));
    assert!(rustls::crypto::ring::default_provider()
        .install_default()
        .is_err());
}
