//! Create and manage user accounts on several provider platforms through one typed,
//! async interface.
//!
//! | provider | module | feature | create answers |
//! | --- | --- | --- | --- |
//! | jambonz | [`providers::jambonz`] | `jambonz` | `201 {user_sid}` → [`CreateOutcome::Created`] |
//! | NetSapiens v2 | [`providers::netsapiens`] | `netsapiens` | `200` + user → [`CreateOutcome::Created`] (synchronous), `202` → [`CreateOutcome::Accepted`] |
//! | Telness Connect | [`providers::connect`] | `connect` | `200`/`201` + user → [`CreateOutcome::Created`]; deduplicated by `X-Idempotency-Key` |
//! | Elastic Cloud Enterprise | [`providers::ece`] | `ece` | `200` + user → [`CreateOutcome::Created`] |
//! | any SCIM 2.0 service provider | `providers::scim` | `scim-client` | `201` + resource → [`CreateOutcome::Created`]; PATCH or PUT and `If-Match` as the server announces |
//!
//! Every adapter implements [`UserProvisioner`], so services can hold any of them as
//! `Arc<dyn UserProvisioner>`, and also exposes its provider's complete typed API for
//! whatever the portable model does not cover.
//!
//! [`providers::memory`] keeps users in memory, always built: the reference
//! implementation of the trait, and a stand-in for any backend in tests. The `testing`
//! feature adds `testing::Faulty` (failures, lost answers and latency around any
//! backend), `testing::conformance` (the portable contract as test cases a backend of
//! any crate runs against itself) and a local emulator of each provider with fault
//! knobs and a request log (see the `testing` module, documented when that feature is
//! on, as on docs.rs).
//!
//! The SCIM 2.0 bridge for identity providers and the operator command line are crates
//! of their own in the same workspace (`user-provisioner-bridge`,
//! `user-provisioner-cli`), built on this one; a service that adds this crate compiles
//! neither.
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
//!   [`Error::Unsupported`] unless the caller chose [`UnsupportedFields::Ignore`]. A
//!   create with several problems is refused with all of them at once
//!   ([`Error::Refused`], [`Error::problems`]); [`Capabilities`] says per [`Field`]
//!   what each backend requires, stores or cannot store, and
//!   [`Capabilities::check`] predicts the problems without a call.
//! - Provider errors keep status, provider code, message and request id ([`ApiError`]).
//!   Response bodies are read up to a limit ([`ClientOptions::with_max_response_bytes`]).
//! - Credentials live in [`Secret`]s, travel in headers marked sensitive, never appear
//!   in `Debug`, `Display` or error text, and never follow a redirect.
//!
//! # Example
//! One person on two providers through the portable trait. This runs as it is, on the
//! crate's local emulators (the `testing` feature); against real providers, build the
//! clients with their builders instead (`JambonzBuilder::from_env()`, ...).
//! ```
//! # #[cfg(all(feature = "testing", feature = "jambonz", feature = "ece"))]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), user_provisioner::Error> {
//! use std::sync::Arc;
//! use user_provisioner::testing::{EceEmulator, JambonzEmulator};
//! use user_provisioner::{CreateOutcome, NewUser, RequestOptions, UserProvisioner};
//!
//! let jambonz = JambonzEmulator::start().await.expect("loopback port");
//! let ece = EceEmulator::start().await.expect("loopback port");
//! let backends: Vec<Arc<dyn UserProvisioner>> =
//!     vec![Arc::new(jambonz.client()?), Arc::new(ece.client()?)];
//!
//! let person = NewUser::new("jdoe")
//!     .with_email("jdoe@example.com")
//!     .with_password("Str0ngP@ss!");
//! for backend in &backends {
//!     match backend.create_user(&person).await? {
//!         CreateOutcome::Created(user) => println!("{}: created {}", backend.provider(), user.id),
//!         CreateOutcome::Accepted(_) => println!("{}: accepted", backend.provider()),
//!         // More outcomes may come: the enum is `#[non_exhaustive]`.
//!         other => println!("{}: {other:?}", backend.provider()),
//!     }
//! }
//! # Ok(()) }
//! # #[cfg(not(all(feature = "testing", feature = "jambonz", feature = "ece")))]
//! # fn main() {}
//! ```
//!
//! # Feature flags
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `jambonz` | yes | [`providers::jambonz`] |
//! | `netsapiens` | yes | [`providers::netsapiens`] |
//! | `connect` | yes | [`providers::connect`] |
//! | `ece` | yes | [`providers::ece`] |
//! | `rustls` | yes | TLS through rustls with the aws-lc-rs provider (its `aws-lc-sys` builds the AWS-LC C library, about 400 C and assembly files: a C compiler is needed and most of a clean build's time goes there) |
//! | `rustls-ring` | no | TLS through rustls with the `ring` provider instead (use with `default-features = false`): no aws-lc-sys, a lighter build, though ring still compiles about 30 C and assembly files of its own, so a C compiler is still needed. Building a client installs ring's provider as the process default when none is installed; one the application installed first is kept. A client of your own for [`ClientOptions::with_reqwest_client`] needs a provider installed before it is built |
//! | `native-tls` | no | TLS through the platform's library (use with `default-features = false`) |
//! | `http2` | yes | HTTP/2, negotiated through ALPN on TLS connections (adds `h2`); without it every request is HTTP/1.1 |
//! | `orchestration` | yes | [`orchestration`]: `ensure_user`, fan-out with rollback, bulk at the rate limit (adds `futures`) |
//! | `testing` | no | `testing`: `Faulty`, the public `conformance` suite, and an emulator of each provider with fault knobs |
//! | `scim-client` | no | `providers::scim`: the SCIM 2.0 client adapter (turns on `scim`) |
//! | `scim` | no | `scim`: the SCIM 2.0 protocol both sides speak (resource model, schemas, filter grammar, PATCH and error messages); no dependency of its own |
//!
//! # Public dependencies
//! Types of these crates appear in the API, and each is re-exported at the crate root,
//! so code that names them can use the crate's own copy (`user_provisioner::reqwest::Client`)
//! instead of matching versions by hand:
//! [`reqwest`] (a custom client: [`ClientOptions::with_reqwest_client`]),
//! [`serde_json`] (raw answers, metadata, attributes), [`chrono`] (timestamps),
//! [`uuid`] (jambonz and Connect ids), [`url`] (base URLs) and [`async_trait`](macro@async_trait) (to
//! implement [`UserProvisioner`]). A major release of any of them is a major release of
//! this crate.
//!
//! A service that talks to one provider builds only that adapter:
//! `user-provisioner = { version = "0.1", default-features = false, features = ["rustls", "ece"] }`
//! (add `"http2"` to keep HTTP/2; `"rustls-ring"` instead of `"rustls"` for the lightest
//! TLS build).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// No lint is allowed crate-wide: the HTTP core is built with the internal `http-base`
// feature (which every HTTP adapter's feature turns on), and a helper that only some
// adapters call is built for their features alone, so every feature combination
// reports its dead code.

mod capabilities;
/// Environment variables for the adapters' `from_env` builders.
#[cfg(feature = "http-base")]
mod env;
mod error;
mod http;
mod idempotency;
/// Tolerant model readers, shared by the adapters and the SCIM resource model.
#[cfg(any(feature = "http-base", feature = "scim"))]
mod lenient;
mod operation;
mod options;
mod outcome;
mod page;
mod provider;
mod provisioner;
mod recovery;
mod secret;
/// Spans and events of the HTTP core and of create recovery.
#[cfg(feature = "http-base")]
mod trace;
mod update;
mod user;
mod validate;
mod visibility;

/// Property-test support, shared by the adapters' own decoder properties.
#[cfg(all(test, feature = "http-base"))]
mod proptests;

pub mod hooks;
#[cfg(feature = "orchestration")]
#[cfg_attr(docsrs, doc(cfg(feature = "orchestration")))]
pub mod orchestration;
#[cfg(feature = "phone")]
#[cfg_attr(docsrs, doc(cfg(feature = "phone")))]
pub mod phone;
pub mod providers;
#[cfg(feature = "scim")]
#[cfg_attr(docsrs, doc(cfg(feature = "scim")))]
pub mod scim;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

/// Re-exported so that `#[user_provisioner::async_trait]` implements [`UserProvisioner`]
/// (and decorators of it) outside this crate without a dependency of your own.
pub use async_trait::async_trait;
// The crates whose types appear in this crate's API, re-exported so that a caller uses
// exactly the versions the crate was built with (a `reqwest::Client` of another reqwest
// release is a different type): see "Public dependencies" on the front page.
/// Re-exported with the `orchestration` feature, whose [`orchestration::Bulk`] hands out
/// a `futures` stream.
#[cfg(feature = "orchestration")]
pub use futures;
pub use {chrono, reqwest, serde_json, url, uuid};

pub use capabilities::{Capabilities, FieldSupport, InputProblem, ProblemKind};
pub use error::{ApiError, Error, ErrorDetail, Result};
pub use http::{ClientOptions, DryRunRequest, RetryPolicy, Sleeper};
pub use idempotency::{IdempotencyKey, MAX_IDEMPOTENCY_KEY_LEN};
pub use operation::Operation;
pub use options::RequestOptions;
pub use outcome::{Accepted, CreateOutcome, DeleteOutcome, UpdateOutcome};
pub use page::{ListUsers, PageCursor, UserPage};
pub use provider::{Provider, ProviderInfo};
pub use provisioner::UserProvisioner;
pub use recovery::{CreateLookup, Resend};
pub use secret::{Exposed, Secret};
pub use update::{PasswordChange, Patch, UserUpdate};
pub use user::{Attributes, Field, NewUser, UnsupportedFields, User, UserId, UserKey};
pub use visibility::VisibilityWait;

/// The README's code blocks, compiled as doc tests so the README cannot drift.
#[cfg(all(
    doctest,
    feature = "scim",
    feature = "scim-client",
    feature = "testing",
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
