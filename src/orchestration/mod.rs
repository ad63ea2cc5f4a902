//! Provisioning many people on many platforms: [`ensure_user`], [`FanOut`] (one person
//! on several backends, with rollback) and [`Bulk`] (a stream of people, with
//! per-backend concurrency and rate limits). Behind the `orchestration` feature (on by
//! default).
//!
//! Everything here is written against [`UserProvisioner`](crate::UserProvisioner) alone,
//! so it works the same for this crate's adapters, for [`MemoryProvisioner`](crate::providers::memory::MemoryProvisioner)
//! and for backends written outside the crate.
//!
//! - [`ensure_user`] never creates a user twice: an existing user (a conflict, an unknown
//!   outcome whose lookup found it, or a lookup before creating where the provider
//!   cannot tell a duplicate) comes back as [`Ensured::AlreadyExisted`] with the
//!   portable fields that differ from what was asked.
//! - [`FanOut`] runs one operation on every backend at once and reports each backend's
//!   result; with rollback on, a failure anywhere deletes what this call created (never
//!   what already existed) and every rollback step is reported, failed ones included.
//! - [`Bulk`] streams results back in completion order, each with its input's index,
//!   with memory that does not grow with the number of users. A 429 pauses that
//!   backend's whole queue for the advised delay, then the refused request is sent again
//!   (a 429 means the server did not act).

mod bulk;
mod ensure;
mod fan_out;
mod gate;
mod identity;

pub use bulk::{BackendProgress, Bulk, BulkProgress, BulkResult, Limits};
pub use ensure::{
    ensure_user, ensure_user_opts, Difference, EnsureOptions, Ensured, Existing, FoundBy, LookFirst,
};
pub use fan_out::{BackendResult, FanOut, FanOutReport, RollbackAction, RollbackStep, Targeted};
pub use identity::Identity;
