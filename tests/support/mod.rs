//! What the suites that run against both the real jambonz server and `JambonzEmulator`
//! share: one description of a target, reached through a [`WireTap`] either way, so the
//! same test function sees the same surface on both.
// Each test binary uses part of it; what one leaves unused is not dead.
#![allow(dead_code, unused_imports)]

mod jambonz;
#[cfg(feature = "scim-client")]
pub mod scim_server;
pub mod wiretap;

pub use jambonz::*;
pub use wiretap::{Seen, WireTap};
