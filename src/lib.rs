//! Create and manage user accounts on several provider platforms through one typed,
//! async interface.
//!
//! | provider | module | feature | create answers |
//! | --- | --- | --- | --- |
//! | jambonz | [`providers::jambonz`] | `jambonz` | `201 {user_sid}` → [`CreateOutcome::Created`] |
//! | NetSapiens v2 | [`providers::netsapiens`] | `netsapiens` | `200` + user → [`CreateOutcome::Created`] (synchronous), `202` → [`CreateOutcome::Accepted`] |
//! | Telness Connect | [`providers::connect`] | `connect` | `200`/`201` + user → [`CreateOutcome::Created`]; deduplicated by `X-Idempotency-Key` |
//! | Elastic Cloud Enterprise | [`providers::ece`] | `ece` | `200` + user → [`CreateOutcome::Created`] |
//!
//! Every adapter implements [`UserProvisioner`], so services can hold any of them as
//! `Arc<dyn UserProvisioner>`, and also exposes its provider's complete typed API for
//! whatever the portable model does not cover.
//!
//! For tests, the `testing` feature adds `testing::InMemoryProvisioner` and a local
//! emulator of each provider with fault knobs and a request log (see the `testing`
//! module, documented when that feature is on, as on docs.rs).
//!
//! # Guarantees
//! - "Created" and "accepted, not yet readable" are different variants of
//!   [`CreateOutcome`], never a flag.
//! - A create is re-sent only where the provider deduplicates it by idempotency key.
//!   Elsewhere an uncertain outcome is [`Error::OutcomeUnknown`], carrying what a lookup
//!   of the user by its unique key found ([`CreateLookup`]); the create is never sent
//!   twice.
//! - Bad input is refused before any request, with [`Error::InvalidInput`] naming the
//!   field and the reason. A portable field a provider cannot store is refused with
//!   [`Error::Unsupported`] unless the caller chose [`UnsupportedFields::Ignore`].
//! - Provider errors keep status, provider code, message and request id ([`ApiError`]).
//!   Response bodies are read up to a limit ([`ClientOptions::with_max_response_bytes`]).
//! - Credentials live in [`Secret`]s, travel in headers marked sensitive, never appear
//!   in `Debug`, `Display` or error text, and never follow a redirect.
//!
//! # Example
//! ```no_run
//! use user_provisioner::providers::jambonz::JambonzBuilder;
//! use user_provisioner::{CreateOutcome, NewUser, RequestOptions, UserProvisioner};
//!
//! # async fn run() -> Result<(), user_provisioner::Error> {
//! let jambonz = JambonzBuilder::new()
//!     .with_base_url("https://api.jambonz.cloud/v1")
//!     .with_api_key("my-api-key")
//!     .build()?;
//! let person = NewUser::new("jdoe")
//!     .with_email("jdoe@example.com")
//!     .with_password("Str0ngP@ss!");
//! if let CreateOutcome::Created(user) = jambonz.create_user(&person, &RequestOptions::new()).await? {
//!     println!("jambonz user {}", user.id);
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Dead code is checked in the full build (clippy runs with every feature). A build with
// some adapters left out leaves parts of the shared core unused, by design.
#![cfg_attr(
    not(all(
        feature = "jambonz",
        feature = "netsapiens",
        feature = "connect",
        feature = "ece"
    )),
    allow(dead_code, unused_imports, unused_macros)
)]

mod error;
mod http;
mod idempotency;
mod lenient;
mod options;
mod patch;
mod provisioner;
mod secret;
mod user;
mod validate;

#[cfg(all(
    test,
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]
mod proptests;

pub mod providers;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use error::{ApiError, CreateLookup, Error, ProviderErrorDetail, Result};
pub use http::{ClientOptions, RetryPolicy, Sleeper};
pub use idempotency::{IdempotencyKey, MAX_IDEMPOTENCY_KEY_LEN};
pub use options::RequestOptions;
pub use patch::Patch;
pub use provisioner::{Capabilities, Provider, UserProvisioner};
pub use secret::Secret;
pub use user::{
    Accepted, Attributes, CreateOutcome, DeleteOutcome, ListUsers, NewUser, PageCursor,
    PasswordChange, UnsupportedFields, UpdateOutcome, User, UserId, UserPage, UserUpdate,
};

/// The README's code blocks, compiled as doc tests so the README cannot drift.
#[cfg(all(
    doctest,
    feature = "testing",
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
