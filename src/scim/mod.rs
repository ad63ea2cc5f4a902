//! SCIM 2.0 (RFC 7643, RFC 7644) as both sides speak it: the resource model and the
//! protocol messages ([`model`]: the user, the list response, the PATCH message, the
//! error message), the schema URNs ([`schema`]), and the filter grammar ([`filter`]:
//! read and written).
//!
//! Two crates build on it: the SCIM *client*, which provisions into any SCIM service
//! provider, is [`providers::scim`](crate::providers::scim) (feature `scim-client`), and
//! the SCIM *bridge*, a service provider through which an identity provider (Okta,
//! Entra ID) provisions each person into every configured backend, is the
//! `user-provisioner-bridge` crate of this workspace. Neither depends on the other.

// The table of User attributes the filter reader resolves paths against, also what the
// bridge crate's PATCH, projection and discovery documents are built on. Public only so
// that the bridge (another crate) shares the one table; hidden, because its shape
// follows the bridge's needs and is no stable API of the SDK.
#[doc(hidden)]
pub mod attributes;
pub mod filter;
pub mod model;
pub mod schema;

pub use model::ScimType;
