//! A SCIM 2.0 service provider (RFC 7643, RFC 7644) through which an identity provider
//! (Okta, Entra ID) provisions each person into every configured backend through one
//! SCIM endpoint. The SCIM protocol itself (the resource model, schemas, the filter
//! grammar, the PATCH and error messages) is the SDK's
//! [`user_provisioner::scim`]; the SCIM *client*, which provisions into any SCIM service
//! provider, is the SDK's `providers::scim` (its feature `scim-client`).
//!
//! # Layers
//!
//! - `router`: HTTP only. It reads a request into a call on the service and writes the
//!   answer (or the [`ScimError`]) back; it holds no rule of its own.
//! - `service`: the rules. What a client sends is checked against every backend,
//!   `userName` is kept unique (a POST of a taken one, a re-sent one included, is a 409
//!   `uniqueness`), and versions (ETags) are compared.
//! - [`BridgeStore`] and the sync engine sit below the service: the state and queue in
//!   SQL, and the worker that provisions each backend.
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
//! - A create goes through [`ensure_user`](user_provisioner::orchestration::ensure_user): a user a
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
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod bridge;
mod discovery;
mod error;
mod mapping;
mod patch;
mod projection;
mod query;
mod resource;
mod router;
mod service;
mod store;
mod sync;

pub use bridge::{
    BackendStatus, BridgeConfigError, BridgeStatus, BridgeWorker, BuildError, ScimBridge,
    ScimBridgeBuilder, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_RESULTS,
};
pub use error::ScimError;
pub use mapping::{AttributeRule, BackendRules, Deactivation, ScimValue};
pub use store::{BridgeStore, StoreError, SyncState};
pub use sync::SyncSettings;
/// Re-exported from the SDK: the `scimType` of an error, which [`ScimError`] carries.
pub use user_provisioner::scim::ScimType;

/// The README's code blocks, compiled as doc tests: the bridge's block here (it is
/// marked to compile only where the SDK's `scim` feature is not a feature of the crate
/// under test), the SDK's blocks again along with it.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
