//! SCIM 2.0 (RFC 7643, RFC 7644): the resource model ([`model`], with either feature)
//! and, with the `scim` feature, a bridge through which an identity provider (Okta,
//! Entra ID) provisions each person into every configured backend through one SCIM
//! endpoint. The SCIM *client*, which provisions into any SCIM service provider, is
//! [`providers::scim`](crate::providers::scim) (feature `scim-client`); both use this
//! module's [`model`].
//!
//! # The bridge
//!
//! [`ScimBridge`] is an axum [`Router`](axum::Router) over one or more
//! `Arc<dyn UserProvisioner>` backends. What the identity provider sends is checked
//! against every backend first (a user some backend would refuse is a 400 naming the
//! backend, the field and the reason, and nothing is stored or sent), then stored in
//! the [`BridgeStore`] (SQLite or PostgreSQL, through sqlx) with one queue row per
//! backend, then provisioned: within the request for up to
//! [`SyncSettings::with_inline_wait`], and after that by the worker, retrying each
//! backend with growing delays until it succeeds or is given up.
//!
//! - A create goes through [`ensure_user`](crate::orchestration::ensure_user): a user a
//!   crashed attempt made is found, never made twice. A create is only re-sent where the
//!   provider deduplicates it by idempotency key (Connect), under the same key on every
//!   attempt and every instance.
//! - Updates are the difference between what the backend last acknowledged and the SCIM
//!   user's current version, so changes made while a backend was down are applied once.
//! - `active: false` disables, deletes or keeps the account, or is refused, as each
//!   backend's [`Deactivation`] rule says.
//! - Passwords are write-only: never stored in the database, never returned; held in
//!   memory until every backend took them ([`SyncSettings::with_password_memory`]).
//! - Each backend's id, state, attempts and last error appear in the bridge's extension
//!   (`urn:user-provisioner:params:scim:schemas:extension:bridge:2.0:User`, attribute
//!   `backends`) and at `GET /Status`; `POST /Status/retry` queues what was given up.

#[cfg(feature = "scim")]
mod attributes;
#[cfg(feature = "scim")]
mod bridge;
#[cfg(feature = "scim")]
mod discovery;
#[cfg(feature = "scim")]
mod error;
#[cfg(feature = "scim")]
pub(crate) mod filter;
#[cfg(feature = "scim")]
mod mapping;
pub mod model;
#[cfg(feature = "scim")]
mod patch;
#[cfg(feature = "scim")]
mod projection;
#[cfg(feature = "scim")]
mod resource;
#[cfg(feature = "scim")]
mod router;
pub mod schema;
#[cfg(feature = "scim")]
mod store;
#[cfg(feature = "scim")]
mod sync;

#[cfg(feature = "scim")]
pub use bridge::{
    BackendStatus, BridgeConfigError, BridgeStatus, BridgeWorker, BuildError, ScimBridge,
    ScimBridgeBuilder, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_RESULTS,
};
#[cfg(feature = "scim")]
pub use error::ScimError;
#[cfg(feature = "scim")]
pub use mapping::{AttributeRule, BackendRules, Deactivation, ScimValue};
pub use model::ScimType;
#[cfg(feature = "scim")]
pub use store::{BridgeStore, StoreError, SyncState};
#[cfg(feature = "scim")]
pub use sync::SyncSettings;
