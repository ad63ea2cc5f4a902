//! Elastic Cloud Enterprise platform API: users.
//!
//! Build an [`EceClient`] with [`EceBuilder`] (or [`EceBuilder::from_env`], reading
//! `ECE_BASE_URL` and `ECE_API_KEY`, or `ECE_USERNAME` and `ECE_PASSWORD`). The base
//! URL includes the API path: `https://{coordinator}:12443/api/v1`. Credentials are an
//! API key, sent as `Authorization: ApiKey <key>`, or a user name and password, sent as
//! HTTP basic auth.
//!
//! The client exposes the native API ([`EceClient::create`], [`get`](EceClient::get),
//! [`update`](EceClient::update), [`delete`](EceClient::delete),
//! [`list`](EceClient::list)) with the typed models of [`models`], and implements
//! [`UserProvisioner`](crate::UserProvisioner).
//!
//! # Self-signed coordinator certificates
//! A fresh ECE installation serves the API with a certificate signed by its own CA.
//! Trust that CA with
//! [`ClientOptions::with_root_certificate_pem`](crate::ClientOptions::with_root_certificate_pem):
//! certificate and host name verification stay on. For a throwaway lab only,
//! [`ClientOptions::with_danger_accept_invalid_certs`](crate::ClientOptions::with_danger_accept_invalid_certs)
//! turns verification off; read its warning first. Neither is ever read from the
//! environment. Both apply to the client this crate builds; a caller-supplied
//! `reqwest::Client` keeps its own TLS settings (the combination is refused).
//!
//! # What the server does, and how this client copes
//! Facts from the vendor's API reference (the Swagger 2.0 `apidocs.json` of
//! `elastic/cloud-sdk-go` and the ECE "create user" page):
//! - **Create**: `POST /users` → `200` with the `User`. There is no idempotency key, so
//!   a create is sent once: after a timeout, reset or 5xx the error reports an unknown
//!   outcome ([`Error::is_outcome_unknown`](crate::Error::is_outcome_unknown)) and the
//!   create is **not** re-sent.
//! - **Get**: `GET /users/{user_name}`; **list**: `GET /users` with
//!   `include_disabled` (default `false`) → `{"users": [...]}`, no server paging.
//! - **Update**: `PATCH /users/{user_name}` with a JSON Merge Patch ([`UpdateUser`]):
//!   a left-out field keeps its value, `null` reverts it to its default or removes it.
//!   `200` with the updated `User`. A merge patch is repeatable, so it is retried like a
//!   read.
//! - **Delete**: `DELETE /users/{user_name}` → `200 {}`.
//! - Read-only or server-managed fields (`permissions`, `metadata`, `builtin`,
//!   `elevated_permissions`, `security_realm`) are decoded but never sent; the server
//!   answers `user.restricted_field` when a request sets one.
//!
//! # Errors
//! ECE answers `{"errors": [{"code", "message", "fields"}]}` and repeats the codes in
//! the `x-cloud-error-codes` header. Every answer keeps all entries and all header codes
//! in an [`EceError`] ([`ApiError::detail`](crate::ApiError::detail) as an `EceError`,
//! or [`EceError::of`]); when the body is empty or not JSON the header's codes are used.
//! [`ApiError::code`](crate::ApiError::code) is the first code, and the message joins
//! the entries' messages.
//!
//! | status | code ([`EceErrorCode`]) | crate error |
//! | --- | --- | --- |
//! | 400 | `user.user_name.invalid`, `user.roles.invalid`, `user.roles.forbidden`, `user.restricted_field`, `user.cannot_modify`, `user.cannot_modify_external`, `user.restricted_deletion` | [`Error::Api`](crate::Error::Api) |
//! | 404 | `user.not_found` | [`Error::NotFound`](crate::Error::NotFound) |
//! | 409 | `user.user_name.conflict` | [`Error::Conflict`](crate::Error::Conflict) |
//! | 449 | `root.unauthorized.rbac.elevated_permissions_required` | [`Error::PermissionDenied`](crate::Error::PermissionDenied), with [`EceError::is_elevated_permissions_required`] |
//! | 401 / 403 / 5xx | any | `Unauthenticated` / `PermissionDenied` / `Server` |
//!
//! The 449 status and its code come from the vendor's create-user page (ECE 2.x) and
//! PROVIDERS.md; `apidocs.json` does not list them for the users paths. The
//! elevated-permissions code under any other 4xx status is also `PermissionDenied`.
//!
//! # Local checks
//! Made before any request, so bad input sends nothing:
//! - **Roles** ([`EceRole`]): `ece_platform_admin` must be the only role;
//!   `ece_deployment_manager` and `ece_deployment_viewer` cannot be held together; no
//!   empty or repeated role. Unknown role names are sent as they are.
//! - <a id="user-names"></a>**User names** of a create: not empty, and only ASCII
//!   letters, digits, `.`, `_`, `-` and `@`. The vendor says only "not empty and no
//!   special characters"; the exact server rule is **UNCONFIRMED**, so this set may be
//!   stricter or looser than the server's. Get, update and delete accept any non-empty
//!   name (users of external realms may have other characters); the name is
//!   percent-encoded in the path.
//! - Email: one `@` with text on both sides, no spaces. Passwords: not empty (the
//!   server's password policy is not documented).
//!
//! # Portable mapping
//! | portable | ECE |
//! | --- | --- |
//! | `username` (the [`UserId`](crate::UserId)) | `user_name` (cannot be changed) |
//! | `display_name`, else `given_name` + `" "` + `family_name` | `full_name` (read back as `display_name`; a display name wins over the names) |
//! | `email` | `email` |
//! | `password` | `security.password` (an update's `current` password is not sent: ECE does not ask for it) |
//! | `roles` | `security.roles` ([`EceRole`] names) |
//! | `enabled` | `security.enabled` |
//! | `created_at` / `updated_at` (read) | `metadata.created_at` / `metadata.updated_at` |
//!
//! `phone` and `metadata` have no ECE field and are refused unless the request chose
//! [`UnsupportedFields::Ignore`](crate::UnsupportedFields::Ignore); there are no `ece.*`
//! attributes. The portable [`list_users`](crate::UserProvisioner::list_users) includes
//! disabled users, sorts by user name and pages on the client side with a user-name
//! cursor. `User::raw`, kept when a call asks with
//! [`RequestOptions::with_raw_json`](crate::RequestOptions::with_raw_json), is the
//! server's JSON without any `security.password`.
//!
//! # UNCONFIRMED
//! - The server's exact user-name character rule (see above) and password policy.
//! - Whether a create requires a password ([`NewUserSecurity::password`] is optional).
//! - The order of `GET /users`, and whether the `x-cloud-error-codes` header can carry
//!   several codes (it is read as a comma-separated list).

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
pub use emulator::EceEmulator;
#[cfg(test)]
mod proptests;
mod validate;

pub use builder::{EceBuilder, ENV_API_KEY, ENV_BASE_URL, ENV_PASSWORD, ENV_USERNAME};
pub use client::EceClient;
pub use errors::{EceError, EceErrorCode, EceErrorEntry, ERROR_CODES_HEADER};
pub use models::{
    CreateUser, EceRole, EceUser, ElevatedPermissions, NewUserSecurity, RealmType, SecurityPatch,
    SecurityRealm, UpdateUser, UserList, UserMetadata, UserSecurity,
};

impl crate::Provider {
    /// Elastic Cloud Enterprise (this module's adapter).
    pub const ECE: crate::Provider =
        crate::Provider::new(&crate::ProviderInfo::new("ece", "Elastic Cloud Enterprise"));
}
