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
