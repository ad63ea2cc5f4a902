//! A backend that keeps users in memory: the reference implementation of
//! [`UserProvisioner`], always built, with no network. Read it first: it shows the whole
//! portable contract in a few hundred lines, without any wire format in the way, as
//! `object_store`'s `memory.rs` does for its trait.
//!
//! # The contract it shows
//! Every backend of this crate (and one written in another crate) keeps these rules;
//! `testing::conformance` (the `testing` feature) checks them against any backend.
//! - **Input is checked before anything is stored** (`portable.rs`):
//!   [`validate_new_user`](UserProvisioner::validate_new_user) and
//!   [`validate_update`](UserProvisioner::validate_update) refuse, against the
//!   [`Capabilities`], fields the backend cannot store and values it would refuse, all
//!   problems of a create at once; a refused call changes nothing.
//! - **Unique keys**: a username, or an email compared case-blind, already taken is a
//!   conflict ([`Error::is_conflict`](crate::Error::is_conflict)), on create and update.
//! - **Outcomes say what happened**: [`CreateOutcome::Created`](crate::CreateOutcome::Created) with the stored user
//!   when the write is readable at once, [`CreateOutcome::Accepted`](crate::CreateOutcome::Accepted) when it is readable
//!   later (here: a [`Visibility`] other than the immediate one, as NetSapiens' 202);
//!   [`UserProvisioner::wait_until_visible`] reads an accepted write until it shows.
//! - **Idempotent creates**: a create repeated with the same
//!   [`IdempotencyKey`](crate::IdempotencyKey) and the same body answers the first
//!   outcome again; the same key with another body is
//!   [`Error::IdempotencyKeyReused`](crate::Error::IdempotencyKeyReused). A backend whose
//!   capabilities have no idempotent create refuses a key.
//! - **Unknown ids are not found** on get, update and delete
//!   ([`Error::is_not_found`](crate::Error::is_not_found)).
//! - **Lists page with an opaque cursor** and reach every user once, in a stable order;
//!   `find_user` lists (the trait's default), refusing a key whose field is not stored.
//! - **Raw JSON only when asked**: a user's `raw` is kept when the call's
//!   [`RequestOptions`](crate::RequestOptions) ask for it, as the wire adapters do.
//!
//! # The modules
//! - `store.rs`: the users, the writes not yet readable and the idempotency records,
//!   behind one lock; uniqueness.
//! - `fields.rs`: how a user is stored under a set of capabilities (a field not kept
//!   is dropped, names kept in the display name are joined into it).
//! - `portable.rs`: the [`UserProvisioner`] implementation.
//!
//! Failures, latency and lost answers are not this backend's business: wrap it (or any
//! backend) in `testing::Faulty` (the `testing` feature) to inject them.
//!
//! ```
//! use user_provisioner::providers::memory::MemoryProvisioner;
//! use user_provisioner::{NewUser, RequestOptions, UserProvisioner};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let memory = MemoryProvisioner::new();
//! let options = RequestOptions::new();
//! memory.create_user_opts(&NewUser::new("ada").with_email("ada@example.com"), &options).await.unwrap();
//! let again = memory.create_user_opts(&NewUser::new("ada"), &options).await.unwrap_err();
//! assert!(again.is_conflict());
//! assert_eq!(memory.get_user(&"mem-1".into()).await.unwrap().username.as_deref(), Some("ada"));
//! # }
//! ```
//!
//! # Standing in for another backend
//! [`MemoryProvisioner::playing`] takes the [`Provider`] and the [`Capabilities`] of
//! any backend (an adapter of this crate, built against any URL: building sends
//! nothing), so that code written for that provider meets its rules without a server:
//! required fields and attributes, fields it cannot store refused (all problems at
//! once), fields it keeps elsewhere read back there (Connect: no username, the name is
//! the display name), a `find_user` by a field it does not store refused, an
//! idempotency key refused where the provider has none, and writes answered
//! `Accepted` where the provider accepts first.
//!
//! ```
//! # #[cfg(feature = "connect")]
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use user_provisioner::providers::connect::ConnectBuilder;
//! use user_provisioner::providers::memory::MemoryProvisioner;
//! use user_provisioner::{CreateOutcome, Error, NewUser, Provider, UserKey, UserProvisioner};
//!
//! // Connect keeps no username. Building the client sends nothing.
//! let real = ConnectBuilder::new().with_base_url("https://connect.example.com").with_api_key("k").build().unwrap();
//! let connect = MemoryProvisioner::playing(&real);
//! let created = connect.create_user(&NewUser::new("cy").with_email("cy@example.com")).await.unwrap();
//! let CreateOutcome::Created(user) = created else { panic!() };
//! assert_eq!(user.provider, Provider::CONNECT);
//! assert_eq!((user.username, user.display_name.as_deref()), (None, Some("cy")));
//! assert!(matches!(
//!     connect.find_user(&UserKey::username("cy")).await,
//!     Err(Error::Unsupported { .. })
//! ));
//! # }
//! # #[cfg(not(feature = "connect"))] fn main() {}
//! ```

mod fields;
mod portable;
mod store;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::capabilities::{Capabilities, FieldSupport};
use crate::provider::Provider;
use crate::provisioner::UserProvisioner;
use crate::user::Field;

use store::State;

impl Provider {
    /// [`MemoryProvisioner`] (this module's backend), unless it was told to play
    /// another provider.
    pub const IN_MEMORY: Provider = Provider::new(&crate::ProviderInfo::new(
        "in-memory",
        "in-memory provisioner",
    ));
}

/// When the writes of a [`MemoryProvisioner`] become readable: a property of the
/// backend played (NetSapiens applies its writes a little after answering), not a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Visibility {
    /// At once: creates answer `Created`, updates `Updated`, deletes `Deleted` (the
    /// default).
    #[default]
    Immediate,
    /// Creates, updates and deletes answer `Accepted`; the first `n` reads of the user
    /// (`get_user`) after a write still see it as it was (a created user is not found
    /// yet, a deleted one is still there), the next one sees the change. Lists see a
    /// change once it has been read (or `n` is 0).
    AfterReads(u32),
    /// Like [`AfterReads`](Visibility::AfterReads), but the change shows once this
    /// much time has passed since the write, however often it was read.
    AfterDelay(Duration),
}

/// A [`UserProvisioner`] that keeps users in memory: unique usernames and (case-blind)
/// emails, ids `mem-1`, `mem-2`, ..., creates deduplicated by idempotency key. Clones
/// share one store. See the [module](self) for the contract it shows.
#[derive(Clone, Default)]
pub struct MemoryProvisioner {
    state: Arc<Mutex<State>>,
}

/// The capabilities of [`MemoryProvisioner::new`]: every field stored, a username
/// required, creates deduplicated by idempotency key, lists paged.
const EVERYTHING: Capabilities = {
    let mut caps = Capabilities::new()
        .with_idempotent_create(true)
        .with_server_side_paging(true);
    // From 1: the first field is the username, which `Capabilities::new` requires.
    let mut i = 1;
    while i < Field::ALL.len() {
        caps = caps.with_field(Field::ALL[i], FieldSupport::Stored);
        i += 1;
    }
    caps
};

impl std::fmt::Debug for MemoryProvisioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("MemoryProvisioner")
            .field("provider", &state.provider)
            .field("visibility", &state.visibility)
            .field("users", &state.users.len())
            .field("pending_writes", &state.pending.len())
            .finish()
    }
}

impl MemoryProvisioner {
    /// An empty store that stores every portable field and answers at once.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store standing in for `backend`: its [`Provider`] and its
    /// [`Capabilities`], and where those say creates are accepted first, writes
    /// answered `Accepted` and readable from the second read
    /// ([`Visibility::AfterReads`]`(1)`). Nothing is sent to `backend`.
    pub fn playing(backend: &dyn UserProvisioner) -> Self {
        let capabilities = backend.capabilities();
        let playing = Self::new()
            .with_provider(backend.provider())
            .with_capabilities(capabilities);
        if capabilities.accepted_creates {
            playing.with_visibility(Visibility::AfterReads(1))
        } else {
            playing
        }
    }

    /// Names the users and errors after `provider`.
    pub fn with_provider(self, provider: Provider) -> Self {
        self.lock().provider = provider;
        self
    }

    /// What the store requires, keeps and refuses, and whether it deduplicates by
    /// idempotency key. [`Capabilities::accepted_creates`] follows the
    /// [`Visibility`]: it is true whenever writes are not immediate.
    pub fn with_capabilities(self, capabilities: Capabilities) -> Self {
        self.lock().capabilities = capabilities;
        self
    }

    /// When writes become readable; anything but [`Visibility::Immediate`] answers
    /// every create, update and delete `Accepted`.
    pub fn with_visibility(self, visibility: Visibility) -> Self {
        self.lock().visibility = visibility;
        self
    }

    /// How many users are stored (readable or not yet).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no user is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held cannot leave the maps half-written in a way
        // that matters to a test double: keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The store, with the writes that have become readable applied.
    fn begin(&self) -> MutexGuard<'_, State> {
        let mut state = self.lock();
        state.settle(std::time::Instant::now(), None);
        state
    }
}
