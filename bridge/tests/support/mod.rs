//! The bridge's test support: its own (`scim`: a bridge served on a loopback port and
//! the SCIM requests identity providers send) and, included from the SDK's
//! `tests/support/` rather than copied, the jambonz target, the wire tap and the real
//! scim2-server target.
// Each test binary uses part of it; what one leaves unused is not dead.
#![allow(dead_code, unused_imports)]

#[path = "../../../tests/support/jambonz.rs"]
mod jambonz;
pub mod scim;
#[path = "../../../tests/support/scim_server.rs"]
pub mod scim_server;
#[path = "../../../tests/support/wiretap.rs"]
pub mod wiretap;

pub use jambonz::*;
pub use wiretap::{Seen, WireTap};
