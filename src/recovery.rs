//! What follows a create whose outcome is unknown: the lookup of its user
//! ([`CreateLookup`]), the read-back of a create whose 2xx answer could not be read, and
//! whether re-sending is safe ([`Resend`]). The two types are API in every build; each
//! lookup function is built for the adapters that make it (and `found` for
//! `ensure_user` too).

use std::fmt;
use std::time::Duration;

use crate::error::Error;
// Only the lookup functions below use these, and they are built only where they are used.
#[cfg(any(
    feature = "jambonz",
    feature = "netsapiens",
    feature = "ece",
    feature = "scim-client",
    feature = "orchestration"
))]
use crate::error::Result;
use crate::idempotency::IdempotencyKey;
#[cfg(any(
    feature = "jambonz",
    feature = "netsapiens",
    feature = "ece",
    feature = "scim-client"
))]
use crate::provider::Provider;
use crate::user::User;
#[cfg(any(
    feature = "jambonz",
    feature = "netsapiens",
    feature = "ece",
    feature = "scim-client"
))]
use crate::user::UserId;

/// Whether re-sending a create whose outcome is unknown is safe; see [`Error::resend`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resend {
    /// Safe: send the same create again with this key
    /// ([`RequestOptions::with_idempotency_key`](crate::RequestOptions::with_idempotency_key)).
    /// The provider answers a repeat with the first result, so at most one user exists.
    WithKey(IdempotencyKey),
    /// Not safe: the provider cannot recognise a repeat. Look the user up first (the
    /// client already did once: see [`CreateLookup`]) and create again only if it is
    /// still absent once the provider's visibility window has passed.
    LookUpFirst,
}

/// What a client found when it looked up the user of a create whose outcome is unknown.
#[derive(Debug)]
#[non_exhaustive]
pub enum CreateLookup {
    /// A user with the create's unique key exists: most likely the one just created,
    /// though it may have existed before (compare its fields with what you sent).
    Found(Box<User>),
    /// No user with that key existed when the lookup ran. The create did not take
    /// effect *yet*: a request still being processed by the server (after a client-side
    /// timeout) or an asynchronously replicating provider may still add the user, so
    /// read again later before creating anew.
    NotFound,
    /// The provider makes a new user readable only after a delay (NetSapiens
    /// asynchronous creates), and the call's deadline ended before that window did,
    /// with no user seen: the create may still appear. Read again later.
    NotVisibleYet {
        /// How long the client polled.
        waited: Duration,
    },
    /// The lookup failed as well.
    Failed(Box<Error>),
    /// No lookup was made: the client was told not to look
    /// ([`ClientOptions::with_create_recovery`](crate::ClientOptions::with_create_recovery)),
    /// or the create carried an idempotency key, which settles it instead
    /// ([`Resend::WithKey`]).
    Skipped,
}

impl CreateLookup {
    /// A short name of the result, for traces.
    // Read only by the event of an unknown create, in the adapters that look one up.
    #[cfg(all(
        feature = "tracing",
        any(
            feature = "jambonz",
            feature = "netsapiens",
            feature = "ece",
            feature = "scim-client"
        )
    ))]
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            CreateLookup::Found(_) => "found",
            CreateLookup::NotFound => "not_found",
            CreateLookup::NotVisibleYet { .. } => "not_visible_yet",
            CreateLookup::Failed(_) => "failed",
            CreateLookup::Skipped => "skipped",
        }
    }
}

impl fmt::Display for CreateLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreateLookup::Found(user) => write!(f, "a lookup found user {}", user.id),
            CreateLookup::NotFound => f.write_str("a lookup found no such user"),
            CreateLookup::NotVisibleYet { waited } => write!(
                f,
                "no such user was visible yet after {} ms of lookups",
                waited.as_millis()
            ),
            CreateLookup::Failed(err) => write!(f, "the lookup failed too: {err}"),
            CreateLookup::Skipped => f.write_str("no lookup was made"),
        }
    }
}

/// Turns an error that leaves a create's outcome unknown into [`Error::OutcomeUnknown`]
/// carrying what `lookup` finds; any other error, and one already settled
/// ([`Error::OutcomeUnknown`], [`Error::CreatedUnreadable`]), passes through unchanged.
#[cfg(any(feature = "jambonz", feature = "ece", feature = "scim-client"))]
pub(crate) async fn resolve_unknown_create<Fut>(
    provider: Provider,
    look: bool,
    error: Error,
    lookup: impl FnOnce() -> Fut,
) -> Error
where
    Fut: std::future::Future<Output = Result<Option<User>>>,
{
    resolve_unknown_create_with(provider, look, error, || async {
        match lookup().await {
            Ok(Some(user)) => CreateLookup::Found(Box::new(user)),
            Ok(None) => CreateLookup::NotFound,
            Err(err) => CreateLookup::Failed(Box::new(err)),
        }
    })
    .await
}

/// [`resolve_unknown_create`] with a lookup that gives its [`CreateLookup`] itself, for
/// providers whose "not found" may only mean "not visible yet".
#[cfg(any(
    feature = "jambonz",
    feature = "netsapiens",
    feature = "ece",
    feature = "scim-client",
))]
pub(crate) async fn resolve_unknown_create_with<Fut>(
    provider: Provider,
    look: bool,
    error: Error,
    lookup: impl FnOnce() -> Fut,
) -> Error
where
    Fut: std::future::Future<Output = CreateLookup>,
{
    if !error.is_outcome_unknown()
        || matches!(
            error,
            Error::OutcomeUnknown { .. } | Error::CreatedUnreadable { .. }
        )
    {
        return error;
    }
    let lookup = if look {
        lookup().await
    } else {
        CreateLookup::Skipped
    };
    crate::trace::outcome_unknown(provider, &error, &lookup);
    Error::OutcomeUnknown {
        provider,
        cause: Box::new(error),
        lookup,
        idempotency_key: None,
    }
}

/// After a create answered 2xx whose body could not be read (see
/// [`Error::is_unreadable_success`]): the user exists, so it is read back with
/// `read_back` (unless create recovery is off); when that finds nothing or fails, the
/// result is [`Error::CreatedUnreadable`] with the `id` known without the answer. Any
/// other error passes through.
#[cfg(any(
    feature = "jambonz",
    feature = "netsapiens",
    feature = "ece",
    feature = "scim-client",
))]
pub(crate) async fn read_back_created<T, Fut>(
    provider: Provider,
    look: bool,
    id: Option<&str>,
    error: Error,
    read_back: impl FnOnce() -> Fut,
) -> Result<T>
where
    Fut: std::future::Future<Output = Result<Option<T>>>,
{
    if !error.is_unreadable_success() {
        return Err(error);
    }
    if look {
        if let Ok(Some(created)) = read_back().await {
            return Ok(created);
        }
    }
    Err(Error::CreatedUnreadable {
        provider,
        id: id.map(UserId::from),
        idempotency_key: None,
        cause: Box::new(error),
    })
}

/// A read's result with "not found" as `None`, for lookups.
// Used by the adapters' lookups and by `ensure_user`.
#[cfg(any(feature = "netsapiens", feature = "ece", feature = "orchestration"))]
pub(crate) fn found<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}
