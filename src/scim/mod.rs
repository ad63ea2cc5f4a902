//! A SCIM 2.0 bridge (RFC 7643, RFC 7644): an identity provider provisions each person
//! into every configured backend through one SCIM endpoint.

// The protocol modules are pure functions of JSON and query text; the router is their
// caller. Until it is wired in, their items are used only by their tests.
#[cfg_attr(not(test), allow(dead_code))]
mod attributes;
mod error;
#[cfg_attr(not(test), allow(dead_code))]
mod filter;
#[cfg_attr(not(test), allow(dead_code))]
mod patch;
#[cfg_attr(not(test), allow(dead_code))]
mod projection;
pub mod schema;

pub use error::{ScimError, ScimType};
