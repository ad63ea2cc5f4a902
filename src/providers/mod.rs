//! One module per provider, each behind its cargo feature.

#[cfg(feature = "jambonz")]
#[cfg_attr(docsrs, doc(cfg(feature = "jambonz")))]
pub mod jambonz;

#[cfg(feature = "connect")]
#[cfg_attr(docsrs, doc(cfg(feature = "connect")))]
pub mod connect;
#[cfg(feature = "ece")]
#[cfg_attr(docsrs, doc(cfg(feature = "ece")))]
pub mod ece;
#[cfg(feature = "netsapiens")]
#[cfg_attr(docsrs, doc(cfg(feature = "netsapiens")))]
pub mod netsapiens;
#[cfg(feature = "scim-client")]
#[cfg_attr(docsrs, doc(cfg(feature = "scim-client")))]
pub mod scim;

use crate::provider::Provider;

/// The adapters built into this copy of the crate: each registers its key here, one
/// line behind its feature. The core's registry (`Provider`'s `FromStr` and serde, in
/// `provider.rs`) reads this list and names no adapter itself.
pub(crate) const BUILT: &[Provider] = &[
    #[cfg(feature = "jambonz")]
    Provider::JAMBONZ,
    #[cfg(feature = "netsapiens")]
    Provider::NETSAPIENS,
    #[cfg(feature = "connect")]
    Provider::CONNECT,
    #[cfg(feature = "ece")]
    Provider::ECE,
    #[cfg(feature = "scim-client")]
    Provider::SCIM,
];

/// The capabilities of this crate's adapter for `provider` in its default configuration
/// (NetSapiens without an extension range), for the in-memory stand-in that plays it.
#[cfg(feature = "testing")]
pub(crate) fn default_capabilities(provider: Provider) -> Option<crate::Capabilities> {
    match provider {
        #[cfg(feature = "jambonz")]
        Provider::JAMBONZ => Some(jambonz::portable::CAPABILITIES),
        #[cfg(feature = "netsapiens")]
        Provider::NETSAPIENS => Some(netsapiens::portable::capabilities(false)),
        #[cfg(feature = "connect")]
        Provider::CONNECT => Some(connect::portable::CAPABILITIES),
        #[cfg(feature = "ece")]
        Provider::ECE => Some(ece::portable::CAPABILITIES),
        #[cfg(feature = "scim-client")]
        Provider::SCIM => Some(scim::portable::CAPABILITIES),
        _ => None,
    }
}
