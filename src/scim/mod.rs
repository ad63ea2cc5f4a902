//! A SCIM 2.0 bridge (RFC 7643, RFC 7644): an identity provider provisions each person
//! into every configured backend through one SCIM endpoint.

mod discovery;
mod error;
pub mod schema;

pub use error::{ScimError, ScimType};
