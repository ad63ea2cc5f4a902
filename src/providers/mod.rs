//! One module per provider, each behind its cargo feature, and [`memory`], the
//! in-memory reference backend, always built.

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

pub mod memory;

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
    Provider::IN_MEMORY,
];
