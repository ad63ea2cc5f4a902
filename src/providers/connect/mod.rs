//! Telness Connect API (SeamlessOS): users.
//!
//! Build a [`ConnectClient`] with [`ConnectBuilder`] (or [`ConnectBuilder::from_env`],
//! reading `CONNECT_BASE_URL` and `CONNECT_API_KEY`). The base URL is given at
//! onboarding; the vendor's documentation lives under
//! `https://connect.telnesstech.com/api/v1`. Every request carries `X-API-Key`; an
//! optional user JWT ([`ConnectBuilder::with_user_token`]) is sent as
//! `Authorization: Bearer` as well, to act as that user. Both travel in sensitive
//! headers and are scrubbed from any error text.
//!
//! The client exposes the native API ([`ConnectClient::create`],
//! [`get`](ConnectClient::get), [`update`](ConnectClient::update),
//! [`delete`](ConnectClient::delete), [`list`](ConnectClient::list)) with the typed
//! models of [`models`], and implements [`UserProvisioner`](crate::UserProvisioner).
//!
//! # Idempotent creates: retrying safely
//! Connect is the one provider here that deduplicates creates. `POST /users` reads an
//! `X-Idempotency-Key` (at most 256 characters): the same key with the same body returns
//! the first result; the same key with a changed body is answered `409`; keys expire
//! after 24 hours.
//!
//! Every create this client sends carries a key: the caller's
//! ([`RequestOptions::with_idempotency_key`](crate::RequestOptions::with_idempotency_key),
//! a checked [`IdempotencyKey`](crate::IdempotencyKey)), or else a fresh UUID v4 made
//! **once per logical call**, before the first attempt, and sent unchanged on every retry
//! attempt of that call. Because of that key, a create is retried like a read: after a
//! timeout, a reset connection, 500/502/503/504 and 429 (honouring `Retry-After`),
//! within the [`RetryPolicy`](crate::RetryPolicy). Two separate calls get two different
//! keys, so two deliberate creates of similar people are never merged.
//!
//! The native [`ConnectClient::create`] returns the key it used in
//! [`CreatedUser::idempotency_key`]. If the process dies or the call's retries run out
//! with an unknown outcome ([`Error::is_outcome_unknown`](crate::Error::is_outcome_unknown)),
//! send the **same body** again with that key within 24 hours: the server returns the
//! user it created, or creates it now, never twice. For the portable
//! [`create_user`](crate::UserProvisioner::create_user), which cannot return the key,
//! choose and store the key yourself before calling. Tests can fix the generated keys
//! with [`ConnectBuilder::with_idempotency_key_generator`].
//!
//! A `409` answering a create becomes [`Error::IdempotencyKeyReused`](crate::Error::IdempotencyKeyReused),
//! not [`Error::Conflict`](crate::Error::Conflict), when the body's `code` or `message`
//! mentions idempotency, or when the body has neither (the only 409 the vendor documents
//! for this endpoint is the key reuse). A 409 whose body names another reason stays a
//! `Conflict`. UNCONFIRMED: the vendor does not document the 409 body, nor whether a
//! duplicate user is ever reported as 409.
//!
//! # What is documented and what is modelled
//! - **Create** (`POST /users`) is from the vendor's reference: body `name` (required),
//!   `email`, `msisdn` (E.164, checked locally), `identity`, `metadata` (object);
//!   response `userId`, `name`, `email`, `msisdn`, `identity`, `customerIds`,
//!   `customers[{customerId, name}]`, `createdAt`/`updatedAt` (RFC 3339, decoded as
//!   `DateTime<Utc>`), `metadata`. The success status is UNCONFIRMED: 200 and 201 (any
//!   2xx with a user body) are accepted. Unknown response fields are kept in `other`.
//! - **Get, update, delete and list** of users are UNCONFIRMED: they are modelled on
//!   the same API's customers resource — `GET /users/{userId}`,
//!   `PATCH /users/{userId}` (merge patch; the updated user or an empty answer),
//!   `DELETE /users/{userId}`, and `GET /users?limit=&offset=` answering
//!   `{"items": [...], "pagination": {"total", "limit", "offset"}}` (a bare array is
//!   accepted too).
//! - **Errors** are `{"message", "code", "details": [{"message", "code", "property",
//!   "suggestion"}], "hint"}` ([`ConnectErrorBody`], in
//!   [`ApiError::detail`](crate::ApiError::detail)); statuses 400 →
//!   [`Error::Api`](crate::Error::Api), 401 → `Unauthenticated`, 403 →
//!   `PermissionDenied`, 404 → `NotFound`, 409 → `Conflict` or `IdempotencyKeyReused`
//!   (above), 429 → `RateLimited` with [`ApiError::retry_after`](crate::ApiError::retry_after)
//!   from `Retry-After`, 5xx → `Server`.
//!
//! # Portable mapping
//! | portable | Connect |
//! | --- | --- |
//! | `display_name`, else `given_name` + `family_name`, else `username` | `name` (one field; the others are not stored) |
//! | `email` | `email` |
//! | `phone` (E.164) | `msisdn` |
//! | `metadata` | `metadata` |
//! | attribute `connect.identity` (string; `null` clears it on update) | `identity` |
//! | `userId` | [`User::id`](crate::User::id) |
//! | `name` | [`User::display_name`](crate::User::display_name) (`username` stays `None`: Connect has no login name) |
//! | `createdAt`, `updatedAt` | `created_at`, `updated_at` |
//!
//! Password, roles and enabled have no Connect field and are refused unless the request
//! chose [`UnsupportedFields::Ignore`](crate::UnsupportedFields::Ignore) (on update they
//! are always refused). List pages use the offset as the cursor.

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
pub use emulator::ConnectEmulator;
#[cfg(test)]
mod proptests;
mod validate;

pub use builder::{ConnectBuilder, IdempotencyKeyGenerator, ENV_API_KEY, ENV_BASE_URL};
pub use client::ConnectClient;
pub use errors::{ConnectErrorBody, ConnectErrorDetail};
pub use models::{
    ConnectUser, CreateUser, CreatedUser, CustomerRef, ListUsersQuery, Pagination, UpdateUser,
    UserList,
};

impl crate::Provider {
    /// Telness Tech Connect (this module's adapter).
    pub const CONNECT: crate::Provider =
        crate::Provider::new(&crate::ProviderInfo::new("connect", "Connect"));
}
