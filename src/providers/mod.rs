//! One module per provider, each behind its cargo feature.

#[cfg(feature = "jambonz")]
#[cfg_attr(docsrs, doc(cfg(feature = "jambonz")))]
pub mod jambonz;

#[cfg(feature = "netsapiens")]
#[cfg_attr(docsrs, doc(cfg(feature = "netsapiens")))]
pub mod netsapiens;
