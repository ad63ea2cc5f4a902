//! Tools for tests, behind the `testing` feature (off by default): faults around any
//! backend and HTTP emulators of each provider.
//!
//! - [`Faulty`] wraps any [`UserProvisioner`](crate::UserProvisioner) (the in-memory
//!   [`MemoryProvisioner`](crate::providers::memory::MemoryProvisioner), an emulator's
//!   client, a backend of your own) and injects failures, latency and lost answers per
//!   [`Operation`], counting the calls.
//! - [`conformance`] is the portable contract as test cases, which a backend written
//!   in any crate runs against itself ([`conformance_suite!`](crate::conformance_suite)).
//! - Each emulator (such as [`JambonzEmulator`]) is a stateful HTTP server on
//!   `127.0.0.1` with a random port that speaks its provider's API as the vendor
//!   documents it (auth check, paths, status codes, error bodies, uniqueness rules), so
//!   the real adapter can be exercised end to end with no account and no network.
//!   Its [`EmulatorServer`] adds fault knobs ([`Fault`], [`FaultRule`]) and a log of
//!   every request ([`RecordedRequest`]).
//!
//! # A downstream test
//! ```
//! use user_provisioner::testing::{Fault, FaultRule, JambonzEmulator};
//! use user_provisioner::{NewUser, RequestOptions, UserProvisioner};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let jambonz = JambonzEmulator::start().await.unwrap();
//! let client = jambonz.client().unwrap();
//! let person = NewUser::new("ada").with_email("ada@example.com").with_password("Str0ngP@ss1");
//!
//! // The server stores the user, then the connection drops: the caller cannot know.
//! jambonz.server().inject(FaultRule::new(Fault::ActThenDrop).on("POST", "/v1/Users"));
//! let err = client.create_user(&person).await.unwrap_err();
//! assert!(err.is_outcome_unknown());
//! assert_eq!(jambonz.server().count("POST", "/v1/Users"), 1); // never re-sent
//! assert_eq!(jambonz.user_count(), 2); // the seeded `admin` and ada
//! # }
//! ```

#[cfg(all(
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]
mod all;
pub mod conformance;
mod faulty;
// The emulators' HTTP plumbing, built where some emulator uses it (a new emulator adds
// its feature here and to the re-export below).
#[cfg(any(
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]
pub(crate) mod server;

#[cfg(all(
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]
pub use all::Emulators;
// Each emulator lives beside its adapter (`providers::<name>::<Name>Emulator`); these
// re-exports keep the earlier paths. A new provider's emulator needs no line here.
#[cfg(feature = "connect")]
pub use crate::providers::connect::ConnectEmulator;
#[cfg(feature = "ece")]
pub use crate::providers::ece::EceEmulator;
pub use faulty::{FailureFactory, Faulty};

/// The in-memory backend under its earlier name, to ease migration: it is now
/// [`providers::memory::MemoryProvisioner`](crate::providers::memory::MemoryProvisioner),
/// always built, and its fault knobs (`fail_next`, `calls_to`, ...) are on [`Faulty`].
pub type InMemoryProvisioner = crate::providers::memory::MemoryProvisioner;
#[cfg(feature = "jambonz")]
pub use crate::providers::jambonz::JambonzEmulator;
/// Re-exported from [`providers::memory`](crate::providers::memory), to ease migration.
#[doc(no_inline)]
pub use crate::providers::memory::Visibility;
#[cfg(feature = "netsapiens")]
pub use crate::providers::netsapiens::NetSapiensEmulator;
/// Re-exported from the crate root, to ease migration.
#[doc(no_inline)]
pub use crate::Operation;
#[cfg(any(
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]
pub use server::{EmulatorServer, Fault, FaultRule, RecordedRequest};
