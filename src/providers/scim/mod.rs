//! A SCIM 2.0 client (RFC 7643, RFC 7644): provisions users into any SCIM service
//! provider (collaboration suites, meeting platforms, code hosts, help desks) through
//! the same [`UserProvisioner`](crate::UserProvisioner) as the platform adapters.
//!
//! Build a [`ScimClient`] with [`ScimBuilder`] (or [`ScimBuilder::from_env`], reading
//! `SCIM_BASE_URL` and `SCIM_TOKEN`, or `SCIM_USERNAME` and `SCIM_PASSWORD` for basic
//! auth). The base URL is the one under which the server serves `/Users`
//! (`https://api.example.com/scim/v2`).
//!
//! The native API ([`ScimClient::create`], [`get`](ScimClient::get),
//! [`replace`](ScimClient::replace), [`patch`](ScimClient::patch),
//! [`delete`](ScimClient::delete), [`list`](ScimClient::list)) takes and returns the
//! typed [`ScimUser`](crate::scim::model::ScimUser) of [`crate::scim::model`], shared with
//! the SCIM bridge: core attributes and the enterprise extension typed, every other
//! extension kept as JSON, so any attribute the portable model lacks can be read and set.
//!
//! # What the server announces decides what the client does
//! `GET /ServiceProviderConfig` is read once, on the first call that needs it (or
//! [`ScimClient::discover`]), and kept ([`ScimClient::service_provider_config`]; pin it
//! with [`ScimBuilder::with_service_provider_config`] to send no discovery request):
//! - `patch.supported`: an update is a `PATCH` of `replace`/`remove` operations;
//!   otherwise a `PUT` of the whole resource as just read, with the change made. Either
//!   way the user is read first (a new primary email keeps the others; a PUT must carry
//!   every attribute, unknown extensions included).
//! - `etag.supported`: the update carries `If-Match` with the version read, so a change
//!   made by someone else in between is a [`Conflict`](crate::Error::Conflict) with
//!   status 412, not overwritten. A conditional update is sent once (its repeat would be
//!   refused as stale); an uncertain outcome is reported.
//! - `filter.supported`: [`find_user`](crate::UserProvisioner::find_user) asks
//!   `userName eq "…"` or `emails.value eq "…"`, the value quoted as RFC 7644 requires
//!   ([`Filter`]); otherwise, or when the server answers `invalidFilter`, every page is
//!   read.
//! - `changePassword.supported`: a password change to a server that does not announce
//!   it is refused before any write.
//! - The User schema (`/Schemas/urn:ietf:params:scim:schemas:core:2.0:User`, read with
//!   the configuration): [`capabilities`](crate::UserProvisioner::capabilities) follows
//!   it, so a field the server lacks or makes read-only (a phone number on a server
//!   without `phoneNumbers`) is refused before any write, naming the SCIM attribute, and
//!   one it requires is required. Until the server is read, the capabilities are RFC
//!   7643's User: call [`ScimClient::discover`] before handing the client to a layer
//!   that checks people without sending (the [SCIM bridge](crate::scim), which then
//!   sends each SCIM application only what it stores).
//!
//! # Creates are sent once
//! SCIM has no idempotency key. A create whose outcome is unknown (timeout, reset,
//! 5xx) is never re-sent: the user is looked up by `externalId` when the create set one
//! (attribute `scim.externalId`, a key the caller chooses) or else by `userName`, and
//! the error says what the lookup found
//! ([`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown)). A 2xx create whose body
//! cannot be read is read back the same way.
//!
//! # Errors
//! SCIM error messages (`urn:ietf:params:scim:api:messages:2.0:Error`) keep their
//! status, their `scimType` as [`Error::provider_code`](crate::Error::provider_code)
//! and their `detail` as the message; the whole message is the typed detail
//! ([`ErrorMessage`](crate::scim::model::ErrorMessage)). `uniqueness` (whatever the
//! status) and 412 are [`Error::Conflict`](crate::Error::Conflict); 404 is
//! [`Error::NotFound`](crate::Error::NotFound).
//!
//! # Portable mapping
//! | portable | SCIM User |
//! | --- | --- |
//! | `username` (required) | `userName` (unique without regard to case) |
//! | `email` | the primary (else first) of `emails`; a new one is `{"type": "work", "primary": true}` |
//! | `given_name`, `family_name` | `name.givenName`, `name.familyName` |
//! | `display_name` | `displayName` |
//! | `phone` | the primary (else first) of `phoneNumbers` |
//! | `password` | `password` (write-only, never read back) |
//! | `enabled` | `active` |
//! | `roles` | `roles[].value` |
//! | attributes `scim.externalId`, `scim.nickName`, `scim.title`, `scim.userType`, `scim.preferredLanguage`, `scim.locale`, `scim.timezone`, `scim.profileUrl` | the core attribute of that name (strings) |
//! | attributes `scim.enterprise.employeeNumber`, `…costCenter`, `…organization`, `…division`, `…department`, `…manager` (the manager's id) | the enterprise extension's attribute |
//!
//! Metadata has no SCIM attribute and is refused unless the request chose
//! [`UnsupportedFields::Ignore`](crate::UnsupportedFields::Ignore).

mod builder;
mod changes;
mod client;
mod errors;
pub(crate) mod portable;
#[cfg(test)]
mod proptests;

/// The filter writer, part of the SCIM protocol the SDK speaks both ways: re-exported
/// here where the client's queries use it.
pub use crate::scim::filter::Filter;
pub use builder::{ScimBuilder, ENV_BASE_URL, ENV_PASSWORD, ENV_TOKEN, ENV_USERNAME};
pub use client::{ListQuery, Patched, ScimClient};

impl crate::Provider {
    /// A SCIM 2.0 service provider (this module's adapter).
    pub const SCIM: crate::Provider = crate::Provider::new(&crate::ProviderInfo::new(
        "scim",
        "SCIM 2.0 service provider",
    ));
}
