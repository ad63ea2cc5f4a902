//! jambonz REST platform management API: users.
//!
//! Build a [`JambonzClient`] with [`JambonzBuilder`] (or [`JambonzBuilder::from_env`],
//! reading `JAMBONZ_BASE_URL` and `JAMBONZ_API_KEY`). The base URL includes the API
//! version: `https://api.jambonz.cloud/v1` for jambonz cloud, `http://host:3000/v1` or
//! `https://portal.example.com/api/v1` for a self-hosted server (plain `http://` to a
//! non-loopback host needs [`ClientOptions::with_allow_http`](crate::ClientOptions::with_allow_http)).
//!
//! The client exposes the native API ([`JambonzClient::create`],
//! [`get`](JambonzClient::get), [`update`](JambonzClient::update),
//! [`delete`](JambonzClient::delete), [`list`](JambonzClient::list))
//! with the typed models of [`models`], and implements [`UserProvisioner`](crate::UserProvisioner).
//!
//! # What the server really does, and how this client copes
//! Facts from the vendor's API reference and the open-source `jambonz-api-server`:
//! - **Create** answers `201 {"user_sid"}` (the reference says 200; any 2xx is
//!   accepted). There is no idempotency key, so a create is sent once: after a timeout,
//!   reset or 5xx the error reports an unknown outcome ([`Error::is_outcome_unknown`](crate::Error::is_outcome_unknown))
//!   and the create is **not** re-sent. A duplicate `name` or `email` is `422` →
//!   [`Error::Conflict`](crate::Error::Conflict). Older servers answered a duplicate
//!   email with a plain-text `403`, which surfaces as `PermissionDenied`.
//! - A create **without `initial_password` crashes the server**, so the client refuses
//!   to build one; unknown body fields become SQL columns (500), so only documented
//!   fields are ever sent.
//! - **Get** of an unknown sid answers `500 failure retrieving user`; the client
//!   reports [`Error::NotFound`](crate::Error::NotFound), keeping status 500 in the
//!   [`ApiError`](crate::ApiError). Flags come back as `0`/`1` or booleans; both decode.
//! - **Update** (`PUT`, `204`): always send `is_view_only` (leaving it out removes the
//!   view-only permission); a password change needs `old_password` and `new_password`
//!   (wrong old password: 403) and cannot be combined with a name change; a value equal
//!   to the stored one gives `500 database update failed`; `is_active`/`force_change` are
//!   applied only when `true`, and an update with nothing else is `400 no updates
//!   requested`. [`UpdateUser`] is checked for all of these before sending. An unknown
//!   sid is `400 ... user_sid does not exist` (404 on older servers) → `NotFound`.
//! - **Delete** answers `204` even for an unknown sid; the portable
//!   [`delete_user`](crate::UserProvisioner::delete_user) reads the user first so that an
//!   unknown id is `NotFound` everywhere. Deleting the last admin is refused by the server.
//! - **List** returns every user in no stable order, and `500` when there are none for a
//!   service-provider token (the client returns an empty list). The portable
//!   [`list_users`](crate::UserProvisioner::list_users) sorts by `user_sid` and pages on
//!   the client side with a `user_sid` cursor, so pages are stable across calls.
//! - Errors are `{"msg": "..."}` ([`JambonzErrorBody`]), except 401 and some 403s, which
//!   are plain text; both become an [`ApiError`](crate::ApiError) with the text as message.
//! - Rate limiting answers 429 with `RateLimit-Reset`, which the retry policy honours.
//!
//! # Portable mapping
//! | portable | jambonz |
//! | --- | --- |
//! | `username` | `name` |
//! | `email` (required) | `email` |
//! | `password` (required on create) | `initial_password`; on update `new_password` + `old_password` ([`PasswordChange::current`](crate::PasswordChange::current)) |
//! | `enabled` | `is_active` (default `true`; jambonz cannot disable through an update) |
//! | attribute `jambonz.account_sid` | `account_sid` (UUID) |
//! | attribute `jambonz.service_provider_sid` | `service_provider_sid` (UUID) |
//! | attribute `jambonz.is_view_only` | `is_view_only` (bool, default `false`) |
//! | attribute `jambonz.force_change` | `force_change` (bool, default `true`) |
//!
//! Names, display name, phone, roles and metadata have no jambonz field and are refused
//! unless the request chose [`UnsupportedFields::Ignore`](crate::UnsupportedFields::Ignore).

mod builder;
mod client;
pub(crate) mod errors;
pub mod models;
mod portable;
mod validate;

pub use builder::{JambonzBuilder, ENV_API_KEY, ENV_BASE_URL};
pub use client::JambonzClient;
pub use errors::JambonzErrorBody;
pub use models::{CreateUser, CreatedUser, JambonzUser, UpdateUser, UserSummary};
pub use validate::PasswordPolicy;
