//! NetSapiens API v2: users of a domain.
//!
//! Build a [`NetSapiensClient`] with [`NetSapiensBuilder`] (or
//! [`NetSapiensBuilder::from_env`], reading `NETSAPIENS_BASE_URL`, `NETSAPIENS_TOKEN`
//! and, optionally, `NETSAPIENS_DOMAIN`). The base URL includes the API path:
//! `https://pbx.example.com/ns-api/v2`. The token is an API key (`nss_…`, `nsr_…`,
//! `nsd_…`, `nsu_…`) or an OAuth access token, sent as `Authorization: Bearer`.
//!
//! A client works in one domain (default `~`, "the token's own domain"; at most 64
//! characters); [`NetSapiensClient::for_domain`] gives a client for another domain that
//! shares the connection pool. The native API is [`NetSapiensClient::create`],
//! [`get`](NetSapiensClient::get), [`list`](NetSapiensClient::list),
//! [`count`](NetSapiensClient::count), [`update`](NetSapiensClient::update),
//! [`delete`](NetSapiensClient::delete) and
//! [`wait_until_visible`](NetSapiensClient::wait_until_visible), with the typed models of
//! [`models`]; the client also implements [`UserProvisioner`](crate::UserProvisioner).
//!
//! # What the server does, and how this client copes
//! - **Create** (`POST /domains/{domain}/users`) takes [`CreateUser`]: every field the
//!   vendor documents, with its exact JSON name; unset fields are left out. With
//!   `"synchronous": "yes"` the server waits until the user can be read and answers
//!   **200** with it ([`CreateResult::Created`], portable [`CreateOutcome::Created`](crate::CreateOutcome::Created));
//!   otherwise it answers **202** with an untyped body ([`CreateResult::Accepted`],
//!   portable [`CreateOutcome::Accepted`](crate::CreateOutcome::Accepted)), and
//!   [`wait_until_visible`](NetSapiensClient::wait_until_visible) polls
//!   `GET .../users/{user}` with doubling delays until the user appears or its deadline
//!   passes ([`Error::NotYetVisible`](crate::Error::NotYetVisible)). The outcome follows
//!   the status the server sent. There is no idempotency key: a create is sent once, and
//!   after a timeout, reset or 5xx the error reports an unknown outcome
//!   ([`Error::is_outcome_unknown`](crate::Error::is_outcome_unknown)).
//! - **409** on create: the `login-username` is taken (it is unique across the whole
//!   system) → [`Error::Conflict`](crate::Error::Conflict). The vendor's example message
//!   is `UID already exists.`, so a taken extension is likely a 409 too (UNCONFIRMED).
//! - **Get** `GET .../users/{user}`, **list** `GET .../users?start=&limit=` (limit
//!   1..=1000), **count** `GET .../users/count` (`{"total"}`), **update** `PUT
//!   .../users/{user}` → **202**, **delete** `DELETE .../users/{user}` → **202**. The
//!   extension is one percent-encoded path segment; `~` as the user means the token's own
//!   user. `count` and `list` cannot be extensions (they name other endpoints).
//! - Errors are `{"code": <int>, "message": "..."}` ([`NetSapiensErrorBody`]): 400 →
//!   [`Error::Api`](crate::Error::Api), 401 → `Unauthenticated`, 403 →
//!   `PermissionDenied` (such as "Domain not found or access denied"), 404 → `NotFound`,
//!   409 → `Conflict`.
//! - Checked before sending, with zero requests: the domain (`~`, or 1 to 64 of
//!   `A-Z a-z 0-9 . _ -`), the extension (1 to 16 characters), required names, each
//!   email address, every documented range (`directory-name-number-dtmf-mapping` and
//!   `area-code` 100..=999, `ring-no-answer-timeout-seconds`,
//!   `limits-max-active-calls-total` and
//!   `music-on-hold-comfort-message-repeat-interval-seconds` 0..=3600,
//!   `directory-override-order-duplicate-dtmf-mapping` 0..=100; the `>= 0` fields are
//!   unsigned), every enum (an `Other(..)` value is refused), the voicemail PIN (digits)
//!   and the list `limit`.
//! - Decoding is lenient where servers and spec copies differ: flags as `yes`/`no`,
//!   booleans or `0`/`1`, numbers as strings, `""` for unset, `email-address` or `email`,
//!   `directory-annouce-…` or `directory-announce-…`, unknown enum values as `Other`,
//!   unknown fields kept in [`NetSapiensUser::other`].
//!
//! # Verified and UNCONFIRMED
//! Verified against the vendor's create page and the facts collected for this crate: the
//! JSON name, range, default and allowed values of every create field (a golden JSON
//! test pins all 50 names); the 200/202 behaviour of `synchronous`; the 409 on a taken
//! login; the `{code, message}` error body; the endpoints and their 202 answers; the
//! domain limit of 64 characters and `~`.
//!
//! UNCONFIRMED (no public source settles it):
//! - Two names are spelled differently by different copies of the spec. Sent as the
//!   vendor's docs spell them, `email-address` and
//!   `directory-annouce-in-dial-by-name-enabled` (sic); both spellings decode.
//! - `voicemail-login-pin`, `caller-id-number` and `caller-id-number-emergency` are sent
//!   as JSON strings: the vendor's create page types the first two as strings, while
//!   another summary says integer; responses are accepted either way.
//! - `start` of a list is 1-based as the vendor's documentation says, while a
//!   third-party export of the spec says 0-based;
//!   [`NetSapiensBuilder::with_list_start_base`] switches.
//! - The 16-character limit of an extension, the domain character set, the
//!   `account-status` values and the `limit` range come from a third-party export.
//! - Whether a taken extension answers 409; what `PUT` does with fields left out. The
//!   v2 export requires the names, the email and the scope in a PUT body, like a full
//!   replacement, and the vendor documents no partial PUT; so an update reads the user,
//!   applies the change and sends every writable field (the last writer wins; see
//!   [`NetSapiensClient::update`]).
//! - `time-zone` is sent as given: the vendor lists zone names (`US/Eastern`, …) but the
//!   list is long and changes, so it is not checked locally.
//! - `created-datetime` is written `2023-07-28 19:56:11` without a zone; only RFC 3339
//!   values are mapped to [`User::created_at`](crate::User::created_at).
//!
//! # Portable mapping
//! | portable | NetSapiens |
//! | --- | --- |
//! | id ([`UserId`](crate::UserId)) | `user`, the extension, within the client's domain |
//! | `username` | `login-username` |
//! | `email` (required on create) | `email-address` (one address) |
//! | `given_name`, `family_name` (required on create) | `name-first-name`, `name-last-name` |
//! | `roles` (at most one) | `user-scope`, matched case-insensitively against the documented scopes; none → `Basic User` |
//! | attribute `netsapiens.extension` (string or integer) | `user`; without it, allocated from [`NetSapiensBuilder::with_extension_range`] |
//! | attribute `netsapiens.synchronous` (bool) | `synchronous` (default from [`NetSapiensBuilder::with_synchronous_creates`], `true`) |
//! | attributes `netsapiens.department`, `netsapiens.site`, `netsapiens.time_zone` | `department`, `site`, `time-zone` |
//!
//! Display name, password, phone, enabled and metadata have no NetSapiens field and are
//! refused unless the request chose
//! [`UnsupportedFields::Ignore`](crate::UnsupportedFields::Ignore). Update and delete
//! answer [`UpdateOutcome::Accepted`](crate::UpdateOutcome::Accepted) and
//! [`DeleteOutcome::Accepted`](crate::DeleteOutcome::Accepted) (the server's 202). The
//! portable list pages on the server; its cursor is the next `start`.
//!
//! # Allocating extensions, and the race
//! With an extension range configured and no `netsapiens.extension` attribute, the
//! portable create lists the domain's users (every page), takes the lowest extension of
//! the range that no user holds, and creates; on a 409 it tries the next free one, at
//! most [`NetSapiensBuilder::with_allocation_attempts`] times (default 5). This is not
//! atomic: another writer may take the same extension between the list and the create.
//! The server's 409 makes the loser move on, so concurrent allocators converge, but a
//! create that another writer made with `synchronous: no` may not be listed yet, and
//! because a taken login is also a 409 (which no other extension can fix), the attempts
//! are capped and the last 409 is returned. Callers with many concurrent writers should
//! allocate extensions themselves and pass `netsapiens.extension`.

mod allocate;
mod builder;
mod client;
mod enums;
pub(crate) mod errors;
pub mod models;
pub(crate) mod portable;

// The provider's emulator lives beside its adapter, so a provider is one folder.
#[cfg(feature = "testing")]
mod emulator;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub use emulator::NetSapiensEmulator;
#[cfg(test)]
mod proptests;
mod validate;
mod wait;
mod wire;

pub use crate::visibility::VisibilityWait;
pub use builder::{NetSapiensBuilder, ENV_BASE_URL, ENV_DOMAIN, ENV_TOKEN};
pub use client::NetSapiensClient;
pub use enums::{
    AccountStatus, RecordingConfiguration, UserScope, VoicemailAlertBehavior,
    VoicemailTranscription, YesNo,
};
pub use errors::NetSapiensErrorBody;
pub use models::{
    Acknowledgement, CreateResult, CreateUser, ListQuery, NetSapiensUser, UpdateUser, UserCount,
    UserSettings,
};

impl crate::Provider {
    /// NetSapiens v2 (this module's adapter).
    pub const NETSAPIENS: crate::Provider =
        crate::Provider::new(&crate::ProviderInfo::new("netsapiens", "NetSapiens"));
}
