//! The SCIM 2.0 resource model (RFC 7643) and protocol messages (RFC 7644), shared by
//! the SCIM bridge (the `user-provisioner-bridge` crate) and the SCIM client adapter (feature
//! `scim-client`):
//! the [`ScimUser`] resource with its enterprise extension, [`ListResponse`],
//! [`PatchOp`], [`ErrorMessage`] with [`ScimType`], [`ServiceProviderConfig`] and the
//! [`Schema`] definitions of `/Schemas`.
//!
//! Everything reads leniently (a value of the wrong type is kept, not fatal) and writes
//! what the RFC spells.

mod config;
mod definition;
mod lenient;
mod messages;
mod user;

pub use config::{
    AuthenticationScheme, BulkConfig, FilterConfig, ServiceProviderConfig, Supported,
};
pub use definition::{AttributeType, Mutability, Returned, Schema, SchemaAttribute, Uniqueness};
pub use messages::{ErrorMessage, ListResponse, PatchOp, PatchOpKind, PatchOperation, ScimType};
pub use user::{
    Address, EnterpriseUser, GroupMembership, Manager, Meta, MultiValued, Name, ScimUser,
};
