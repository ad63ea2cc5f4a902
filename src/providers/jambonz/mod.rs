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
//! Observed on the real open-source jambonz-api-server v0.9.6, which the crate's tests run
//! against (`tests/jambonz_server.rs`; the same test functions run against
//! `testing::JambonzEmulator` too):
//! - **Create** answers `201 {"user_sid"}` (the reference says 200; any 2xx is
//!   accepted). There is no idempotency key, so a create is sent once: after a timeout,
//!   a reset or an uncertain server error the error reports an unknown outcome
//!   ([`Error::is_outcome_unknown`](crate::Error::is_outcome_unknown)), the user is looked
//!   up by name and email, and the create is **not** re-sent. A duplicate `name` or
//!   `email` is `422 {"msg":"invalid username or email"}` →
//!   [`Error::Conflict`](crate::Error::Conflict). The server's check is not atomic: two
//!   concurrent creates of one name can both succeed.
//! - A create **without `initial_password` crashes the server**, so the client cannot
//!   build one; unknown body fields become SQL columns (500), so only documented fields
//!   are ever sent. A password outside 8..=20 characters is `400` (checked locally by
//!   [`PasswordPolicy`]); an unknown `account_sid` is a 500 and stores nothing.
//! - **Get** of an unknown sid answers `500 failure retrieving user`; the client
//!   reports [`Error::NotFound`](crate::Error::NotFound), keeping status 500 in the
//!   [`ApiError`](crate::ApiError). `is_active`, `force_change` and `email_validated`
//!   come back as `0`/`1`, `is_view_only` as a boolean; both decode. `scope` is the
//!   stored column (`read-write`), while the list computes `admin` /
//!   `service_provider` / `account`.
//! - **Update** (`PUT`, `204`): the server applies every field the body names, `true`
//!   and `false` alike (`is_active: false` deactivates, `force_change: false` clears
//!   force-change), and a value equal to the stored one is a 204 too. `is_view_only` is
//!   always sent, because leaving it out removes view-only; with it present the server
//!   never answers `400 no updates requested`. A password change needs `old_password`
//!   and `new_password` (wrong old password: plain-text `403 Forbidden`; new equal to old:
//!   500, refused locally), cannot be combined with a name change, and clears
//!   force-change. Clearing `account_sid` or `service_provider_sid` is refused by the
//!   server (no promotion) and so locally. The server does **not** check that a new
//!   name or email is unique: an update can give two users one email. An unknown sid is
//!   `400 ... user_sid does not exist` → `NotFound`.
//! - **Delete** of an unknown sid answers `204` when the server has two or more active
//!   administrators and `500 Cannot read properties of undefined (reading 'user_sid')`
//!   when it has exactly one; [`JambonzClient::delete`] reads the user first, so an
//!   unknown sid is `NotFound` either way. Deleting the only active administrator is
//!   `400 Bad request`.
//! - **List** returns every user the token may see in no stable order, and `500 failure
//!   retrieving users list` when there are none (an account token whose account has no
//!   users); the client returns an empty list. The portable
//!   [`list_users`](crate::UserProvisioner::list_users) sorts by `user_sid` and pages on
//!   the client side with a `user_sid` cursor, so pages are stable across calls.
//! - Errors are `{"msg": "..."}` ([`JambonzErrorBody`]), except 401 (`Unauthorized`, with
//!   `WWW-Authenticate: Bearer realm="Users"`) and some 403s, which are plain text; both
//!   become an [`ApiError`](crate::ApiError) with the text as message.
//! - **Rate limits**: every answer carries express-rate-limit's `RateLimit-Policy`,
//!   `-Limit`, `-Remaining` and `-Reset` (the seconds to the end of the window). Only a
//!   `429` makes them retry advice; on a 201, 422 or 500 they are ignored.

//! # Portable mapping
//! | portable | jambonz |
//! | --- | --- |
//! | `username` | `name` |
//! | `email` (required) | `email` |
//! | `password` (required on create) | `initial_password`; on update `new_password` + `old_password` ([`PasswordChange::current`](crate::PasswordChange::current)) |
//! | `enabled` | `is_active` (default `true`) |
//! | attribute `jambonz.account_sid` | `account_sid` (UUID) |
//! | attribute `jambonz.service_provider_sid` | `service_provider_sid` (UUID) |
//! | attribute `jambonz.is_view_only` | `is_view_only` (bool, default `false`) |
//! | attribute `jambonz.force_change` | `force_change` (bool, default `true` on create) |
//!
//! Names, display name, phone, roles and metadata have no jambonz field and are refused
//! unless the request chose [`UnsupportedFields::Ignore`](crate::UnsupportedFields::Ignore).

mod builder;
mod client;
pub(crate) mod errors;
pub mod models;
pub(crate) mod portable;

// The provider's emulator lives beside its adapter, so a provider is one folder.
#[cfg(feature = "testing")]
mod emulator;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub use emulator::JambonzEmulator;
#[cfg(test)]
mod proptests;
mod validate;

pub use builder::{JambonzBuilder, ENV_API_KEY, ENV_BASE_URL};
pub use client::JambonzClient;
pub use errors::JambonzErrorBody;
pub use models::{CreateUser, CreatedUser, JambonzUser, UpdateUser, UserSummary};
pub use validate::PasswordPolicy;

impl crate::Provider {
    /// jambonz (this module's adapter).
    pub const JAMBONZ: crate::Provider =
        crate::Provider::new(&crate::ProviderInfo::new("jambonz", "jambonz"));
}
