//! Create a user unless it already exists, never twice.

use serde_json::Value;

use crate::error::{ApiError, Error, Result};

use crate::options::RequestOptions;
use crate::outcome::{Accepted, CreateOutcome};
use crate::provisioner::UserProvisioner;
use crate::recovery::{CreateLookup, Resend};
use crate::user::{NewUser, User, UserId};
use crate::visibility::VisibilityWait;

use super::identity::Identity;

/// What [`ensure_user`] found or did.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
#[non_exhaustive]
pub enum Ensured {
    /// This call created the user.
    Created(User),
    /// This call's create was accepted and is not readable yet (NetSapiens' 202).
    Accepted(Accepted),
    /// The user was there already; this call created nothing.
    AlreadyExisted(Existing),
}

impl Ensured {
    /// The user's id, where known.
    pub fn id(&self) -> Option<&UserId> {
        match self {
            Ensured::Created(user) => Some(&user.id),
            Ensured::Accepted(accepted) => accepted.id.as_ref(),
            Ensured::AlreadyExisted(existing) => Some(&existing.user.id),
        }
    }

    /// Whether this call created the user (readable or accepted).
    pub fn created_by_this_call(&self) -> bool {
        matches!(self, Ensured::Created(_) | Ensured::Accepted(_))
    }
}

/// A user that existed before [`ensure_user`] was called.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Existing {
    /// The user as the provider has it.
    pub user: User,
    /// The portable fields asked for that the existing user has otherwise; empty when
    /// it matches. A field the provider did not report is not counted (it may not
    /// store it).
    pub differences: Vec<Difference>,
    /// How it was found.
    pub found: FoundBy,
}

/// How [`ensure_user`] learnt that the user existed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FoundBy {
    /// A lookup before creating ([`LookFirst`]).
    LookupBeforeCreate,
    /// The create answered a conflict and a lookup found the user.
    Conflict,
    /// The create's outcome was unknown and a lookup found the user. It may be this
    /// call's own create that made it; a rollback leaves it alone all the same.
    LookupAfterUnknownOutcome,
}

/// One portable field whose existing value is not the one asked for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Difference {
    /// The portable field: `email`, `given_name`, `family_name`, `display_name`,
    /// `phone`, `roles` or `enabled`.
    pub field: &'static str,
    /// What the create asked for.
    pub asked: Value,
    /// What the existing user has.
    pub found: Value,
}

/// Whether [`ensure_user`] looks the user up before creating.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum LookFirst {
    /// Where a create cannot tell a duplicate: the backend deduplicates creates by
    /// idempotency key ([`Capabilities::idempotent_create`](crate::Capabilities)) and
    /// the call carries no key of the caller's. Such a provider (Connect) documents no
    /// uniqueness rule, so each create without the same key makes a new user.
    #[default]
    Auto,
    /// Always (one more read per call).
    Always,
    /// Never: rely on the provider's conflict answer.
    Never,
}

/// How [`ensure_user_opts`] works.
///
/// ```
/// use std::time::Duration;
/// use user_provisioner::orchestration::{EnsureOptions, LookFirst};
/// use user_provisioner::{RequestOptions, VisibilityWait};
///
/// let options = EnsureOptions::new()
///     .with_look_first(LookFirst::Always)
///     .with_visibility_wait(VisibilityWait::new().with_deadline(Duration::from_secs(5)))
///     .with_request_options(RequestOptions::new().with_timeout(Duration::from_secs(20)));
/// ```
#[derive(Debug, Clone, Default)]
pub struct EnsureOptions {
    look_first: LookFirst,
    visibility: VisibilityWait,
    request: RequestOptions,
}

impl EnsureOptions {
    /// Look first where the provider cannot tell a duplicate; wait for an accepted
    /// user as [`VisibilityWait::new`] does; the client's request defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// When to look the user up before creating.
    pub fn with_look_first(mut self, look_first: LookFirst) -> Self {
        self.look_first = look_first;
        self
    }

    /// How long a conflict's lookup waits for a user that a provider accepting writes
    /// first ([`Capabilities::accepted_creates`](crate::Capabilities)) does not show yet.
    pub fn with_visibility_wait(mut self, wait: VisibilityWait) -> Self {
        self.visibility = wait;
        self
    }

    /// The options of every request (an idempotency key goes to the create only).
    pub fn with_request_options(mut self, options: RequestOptions) -> Self {
        self.request = options;
        self
    }

    /// The request options.
    pub fn request_options(&self) -> &RequestOptions {
        &self.request
    }

    /// The options of reads: the call's, without the create's idempotency key.
    fn read_options(&self) -> RequestOptions {
        self.request.without_idempotency_key()
    }
}

/// Creates `user` on `backend` unless it exists already, with the default
/// [`EnsureOptions`]; see [`ensure_user_opts`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use user_provisioner::orchestration::{ensure_user, Ensured};
/// use user_provisioner::providers::memory::MemoryProvisioner;
/// use user_provisioner::NewUser;
///
/// let backend = MemoryProvisioner::new();
/// let ada = NewUser::new("ada").with_email("ada@example.com");
/// assert!(matches!(ensure_user(&backend, &ada).await.unwrap(), Ensured::Created(_)));
///
/// let again = NewUser::new("ada").with_email("ada@example.org");
/// let Ensured::AlreadyExisted(existing) = ensure_user(&backend, &again).await.unwrap() else {
///     panic!("ada exists")
/// };
/// assert_eq!(existing.differences[0].field, "email");
/// assert_eq!(backend.len(), 1);
/// # }
/// ```
pub async fn ensure_user(backend: &dyn UserProvisioner, user: &NewUser) -> Result<Ensured> {
    ensure_user_opts(backend, user, &EnsureOptions::new()).await
}

/// Creates `user` on `backend` unless it exists already; never sends a create that
/// could make a second user.
///
/// - The user is looked up first where [`LookFirst`] says so.
/// - A conflict is looked up by username (by email where the provider stores no
///   username), waiting for it on providers that accept writes first; a conflict with
///   some other user (the email is taken, the username is free) stays an error.
/// - An unknown outcome is resolved by the client's own lookup, or by looking again
///   here; on a provider with idempotency keys the create is sent once more under the
///   same key, which the provider answers with its first result. A lookup that finds
///   nothing leaves the error as it is: decide later, once nothing can be in flight.
/// - A 2xx whose answer was unreadable ([`Error::CreatedUnreadable`]) is read back and
///   reported as [`Ensured::Created`].
///
/// # Errors
/// The create's error when the user was not found, or the lookup's error; a
/// [`Error::RateLimited`] only where sending the whole call again is safe (nothing
/// this call sent can have created the user).
pub async fn ensure_user_opts(
    backend: &dyn UserProvisioner,
    user: &NewUser,
    options: &EnsureOptions,
) -> Result<Ensured> {
    let look_first = match options.look_first {
        LookFirst::Always => true,
        LookFirst::Never => false,
        LookFirst::Auto => {
            backend.capabilities().idempotent_create && options.request.idempotency_key().is_none()
        }
    };
    // What a lookup needs, made only when one is due: a create that succeeds, the
    // usual case, pays nothing for it.
    let lookup = || (Identity::of(user), options.read_options());
    if look_first {
        let (identity, read) = lookup();
        if let Some(found) = identity.find(backend, &read).await? {
            return Ok(existing(user, found, FoundBy::LookupBeforeCreate));
        }
    }
    let error = match backend.create_user_opts(user, &options.request).await {
        Ok(CreateOutcome::Created(created)) => return Ok(Ensured::Created(created)),
        Ok(CreateOutcome::Accepted(accepted)) => return Ok(Ensured::Accepted(accepted)),
        Err(error) => error,
    };
    let (identity, read) = lookup();
    if error.is_conflict() {
        return match find_waiting(backend, &identity, options, &read).await {
            Ok(Some(found)) => Ok(existing(user, found, FoundBy::Conflict)),
            // Nothing of this call was created, so the caller may send it all again.
            Err(lookup @ Error::RateLimited(_)) => Err(lookup),
            Ok(None) | Err(_) => Err(error),
        };
    }
    if let Error::CreatedUnreadable { id, .. } = &error {
        let read_back = match id {
            Some(id) => crate::recovery::found(backend.get_user_opts(id, &patient(&read)).await),
            None => identity.find(backend, &patient(&read)).await,
        };
        return match read_back {
            Ok(Some(created)) => Ok(Ensured::Created(created)),
            _ => Err(error),
        };
    }
    if !error.is_outcome_unknown() {
        return Err(error);
    }
    resolve_unknown(backend, user, &identity, options, &read, error).await
}

/// An unknown create: what the client's lookup found, else one more lookup, else (with
/// an idempotency key) one more create under the same key.
async fn resolve_unknown(
    backend: &dyn UserProvisioner,
    user: &NewUser,
    identity: &Identity,
    options: &EnsureOptions,
    read: &RequestOptions,
    error: Error,
) -> Result<Ensured> {
    let error = match error {
        Error::OutcomeUnknown {
            lookup: CreateLookup::Found(found),
            ..
        } => return Ok(existing(user, *found, FoundBy::LookupAfterUnknownOutcome)),
        // The client looked after the provider's visibility window: not there.
        error @ Error::OutcomeUnknown {
            lookup: CreateLookup::NotFound,
            ..
        } => return Err(error),
        error => error,
    };
    // Rate limits are waited out here: handing a 429 back would invite the caller
    // to send the whole call again, and this create may have happened.
    if let Ok(Some(found)) = identity.find(backend, &patient(read)).await {
        return Ok(existing(user, found, FoundBy::LookupAfterUnknownOutcome));
    }
    let Some(Resend::WithKey(key)) = error.resend() else {
        return Err(error);
    };
    let again = patient(&options.request).with_idempotency_key(key);
    match backend.create_user_opts(user, &again).await {
        Ok(CreateOutcome::Created(created)) => Ok(Ensured::Created(created)),
        Ok(CreateOutcome::Accepted(accepted)) => Ok(Ensured::Accepted(accepted)),
        Err(_) => Err(error),
    }
}

/// `options` with 429s waited out by the client.
fn patient(options: &RequestOptions) -> RequestOptions {
    options.clone().with_rate_limit_retries(true)
}

/// Looks the user up; on a provider that accepts writes first, keeps looking within
/// the visibility wait while it is not shown yet.
async fn find_waiting(
    backend: &dyn UserProvisioner,
    identity: &Identity,
    options: &EnsureOptions,
    read: &RequestOptions,
) -> Result<Option<User>> {
    if !backend.capabilities().accepted_creates {
        return identity.find(backend, read).await;
    }
    let provider = backend.provider();
    let name = UserId::new(identity.username.as_str());
    let found = crate::visibility::poll(
        provider,
        &name,
        &options.visibility,
        read,
        |call| async move {
            match identity.find(backend, &call).await? {
                Some(user) => Ok(user),
                None => Err(ApiError::new(provider, 404, "not visible yet").into_error()),
            }
        },
    )
    .await;
    match found {
        Ok(user) => Ok(Some(user)),
        Err(Error::NotYetVisible { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

fn existing(asked: &NewUser, user: User, found: FoundBy) -> Ensured {
    Ensured::AlreadyExisted(Existing {
        differences: differences(asked, &user),
        user,
        found,
    })
}

/// The portable fields set in `asked` that `found` reports with another value.
pub(crate) fn differences(asked: &NewUser, found: &User) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut text = |field: &'static str, asked: &Option<String>, found: &Option<String>| {
        if let (Some(a), Some(f)) = (asked, found) {
            let same = if field == "email" {
                a.eq_ignore_ascii_case(f)
            } else {
                a == f
            };
            if !same {
                out.push(Difference {
                    field,
                    asked: Value::from(a.as_str()),
                    found: Value::from(f.as_str()),
                });
            }
        }
    };
    text("email", &asked.email, &found.email);
    text("given_name", &asked.given_name, &found.given_name);
    text("family_name", &asked.family_name, &found.family_name);
    text("display_name", &asked.display_name, &found.display_name);
    text("phone", &asked.phone, &found.phone);
    if !asked.roles.is_empty() && !found.roles.is_empty() {
        let mut a = asked.roles.clone();
        let mut f = found.roles.clone();
        a.sort();
        f.sort();
        if a != f {
            out.push(Difference {
                field: "roles",
                asked: Value::from(asked.roles.clone()),
                found: Value::from(found.roles.clone()),
            });
        }
    }
    if let (Some(a), Some(f)) = (asked.enabled, found.enabled) {
        if a != f {
            out.push(Difference {
                field: "enabled",
                asked: Value::from(a),
                found: Value::from(f),
            });
        }
    }
    out
}
