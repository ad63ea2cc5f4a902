//! The crate's one error type, and the provider error answer it carries ([`ApiError`]).
//! What follows a create whose outcome is unknown is in `recovery`.

use std::fmt;
use std::time::Duration;

use crate::capabilities::{InputProblem, ProblemKind};
use crate::http::DryRunRequest;
use crate::idempotency::IdempotencyKey;
use crate::provider::Provider;
use crate::recovery::{CreateLookup, Resend};
use crate::user::UserId;

/// Shorthand for results whose error is the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, grouped by what the caller can do about it.
///
/// Provider answers keep their full detail in an [`ApiError`] (status, provider code,
/// message, request id, the provider's typed error body). `Display` shows the provider's
/// code and message and never a credential: messages from the server are scrubbed of the
/// client's secrets before they are stored.
///
/// ```
/// # async fn demo(p: &dyn user_provisioner::UserProvisioner, user: &user_provisioner::NewUser) {
/// use user_provisioner::{Error, RequestOptions};
///
/// match p.create_user(user).await {
///     Ok(outcome) => println!("{outcome:?}"),
///     Err(Error::Conflict(api)) => println!("already exists: {}", api.message),
///     Err(Error::InvalidInput { field, reason }) => println!("fix {field}: {reason}"),
///     Err(other) if other.is_retryable() => println!("try again later: {other}"),
///     Err(other) => println!("failed: {other}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was refused before any request was sent.
    #[error("invalid input: {field}: {reason}")]
    InvalidInput {
        /// The field, as a path such as `email` or `attributes["jambonz.account_sid"]`.
        field: String,
        /// Why it was refused.
        reason: String,
    },

    /// The provider has no way to honour a field or operation; nothing was sent.
    #[error("{provider} does not support {field}: {reason}")]
    Unsupported {
        /// The provider that cannot honour it.
        provider: Provider,
        /// The portable field or operation.
        field: String,
        /// What to do instead.
        reason: String,
    },

    /// Several problems of one request, every one found before anything was sent: missing
    /// required fields, fields the provider cannot store, values it would refuse. A
    /// request with one problem is [`Error::InvalidInput`] or [`Error::Unsupported`]
    /// instead; [`Error::problems`] lists the problems of all three alike.
    #[error("{provider} refused the request before sending it ({} problems): {}", .problems.len(), problem_list(.problems))]
    Refused {
        /// The provider the request was meant for.
        provider: Provider,
        /// Every problem, in field order.
        problems: Vec<InputProblem>,
    },

    /// A client could not be built from its configuration.
    #[error("invalid configuration: {field}: {reason}")]
    Config {
        /// The setting (or environment variable) at fault.
        field: String,
        /// Why it was refused.
        reason: String,
    },

    /// The provider did not accept the credentials (HTTP 401).
    #[error("unauthenticated: {0}")]
    Unauthenticated(Box<ApiError>),

    /// The credentials are valid but may not do this (HTTP 403).
    #[error("permission denied: {0}")]
    PermissionDenied(Box<ApiError>),

    /// The user does not exist. Some providers say so with another status (jambonz
    /// answers 500 for an unknown user); the original status stays in the [`ApiError`].
    #[error("not found: {0}")]
    NotFound(Box<ApiError>),

    /// The user already exists, or the change collides with another user (HTTP 409,
    /// jambonz 422 on a duplicate name or email).
    #[error("conflict: {0}")]
    Conflict(Box<ApiError>),

    /// An idempotency key was reused with a different request body (Connect answers
    /// 409). Not a user conflict: the caller sent two different creates under one key.
    #[error("idempotency key reused for a different request: {0}")]
    IdempotencyKeyReused(Box<ApiError>),

    /// The provider refused the request for now (HTTP 429); see
    /// [`ApiError::retry_after`].
    #[error("rate limited: {0}")]
    RateLimited(Box<ApiError>),

    /// The provider failed (HTTP 5xx).
    #[error("server error: {0}")]
    Server(Box<ApiError>),

    /// Any other provider error (400, 422, ...), with its status and code.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// The provider accepted a write (202) but the result was still not readable when
    /// the caller's wait ended.
    #[error("{provider} accepted the request but {id} was not readable after {waited:?}")]
    NotYetVisible {
        /// The provider called.
        provider: Provider,
        /// The user waited for.
        id: crate::user::UserId,
        /// How long the client waited.
        waited: Duration,
    },

    /// A create may or may not have happened: the request may have reached the provider
    /// (timeout, reset, any 5xx, 408) and the client cannot tell whether it acted.
    ///
    /// [`Error::resend`] says what to do next:
    /// - [`Resend::WithKey`] on a provider with idempotency keys (Connect): the client's
    ///   own retries were used up; send the same create again under that key
    ///   ([`RequestOptions::with_idempotency_key`](crate::RequestOptions::with_idempotency_key))
    ///   and the provider answers with the first result instead of creating twice. No
    ///   lookup is made there (`lookup` is [`CreateLookup::Skipped`]).
    /// - [`Resend::LookUpFirst`] elsewhere: the provider cannot deduplicate a repeat, so
    ///   the client did not send it again. Instead it looked the user up by its unique
    ///   key (`lookup`); switch that off with
    ///   [`ClientOptions::with_create_recovery`](crate::ClientOptions::with_create_recovery).
    #[error("{provider} create outcome unknown: {cause}; {lookup}{}", resend_hint(.idempotency_key.as_ref()))]
    OutcomeUnknown {
        /// The provider called.
        provider: Provider,
        /// What ended the create.
        cause: Box<Error>,
        /// What the lookup found.
        lookup: CreateLookup,
        /// The idempotency key every attempt of the create carried, on providers that
        /// have them.
        idempotency_key: Option<IdempotencyKey>,
    },

    /// The provider answered the create with success (2xx), so the user **was
    /// created**, but neither its answer nor a read-back of the user could be read
    /// (a truncated, malformed or oversized body, and the lookup or replay failed too).
    ///
    /// Do not create the user again: read it by `id` when known, else look it up by
    /// its unique key (or, with `idempotency_key`, re-send under that key: the provider
    /// replays its answer). [`Error::is_outcome_unknown`] is true for this error, so code
    /// that looks before re-creating stays safe.
    #[error("{provider} created the user{} but its answer could not be read: {cause}", created_id(.id.as_ref()))]
    CreatedUnreadable {
        /// The provider called.
        provider: Provider,
        /// The new user's id, where known without the answer (a NetSapiens extension,
        /// an ECE user name).
        id: Option<UserId>,
        /// The idempotency key the create was sent under, on providers that have them.
        idempotency_key: Option<IdempotencyKey>,
        /// Why the answer could not be read ([`Error::Decode`] or
        /// [`Error::ResponseTooLarge`] with the 2xx status).
        cause: Box<Error>,
    },

    /// No complete answer arrived in time.
    #[error("{provider} did not answer within {after:?}")]
    Timeout {
        /// The provider called.
        provider: Provider,
        /// The limit that ran out.
        after: Duration,
        /// Whether the request may have reached the server (so a create may have happened).
        may_have_reached_server: bool,
    },

    /// The connection failed.
    #[error("could not reach {provider}: {message}")]
    Transport {
        /// The provider called.
        provider: Provider,
        /// What failed, without credentials.
        message: String,
        /// Whether the request may have reached the server (so a create may have happened).
        may_have_reached_server: bool,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A response did not have the documented shape.
    #[error("could not decode the {provider} response (HTTP {status}) at `{path}`: {reason}")]
    Decode {
        /// The provider called.
        provider: Provider,
        /// The HTTP status of the response.
        status: u16,
        /// Where decoding failed, such as `user_sid` or `[2].is_active`; `.` is the root.
        path: String,
        /// What was wrong there.
        reason: String,
    },

    /// A response body was larger than the client's limit; reading stopped there.
    #[error("the {provider} response (HTTP {status}) is larger than the {limit}-byte limit")]
    ResponseTooLarge {
        /// The provider called.
        provider: Provider,
        /// The HTTP status of the response.
        status: u16,
        /// The limit in bytes.
        limit: usize,
    },

    /// The provider answered with a redirect, which the client never follows so that no
    /// credential travels to another host.
    #[error(
        "{provider} answered with redirect {status}{}; redirects are not followed",
        redirect_target(.location.as_deref())
    )]
    Redirect {
        /// The provider called.
        provider: Provider,
        /// The 3xx status.
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },

    /// A dry run ([`RequestOptions::with_dry_run`](crate::RequestOptions::with_dry_run)):
    /// the first request that would have changed something was **not sent**; it is
    /// here as it would have gone out, with every credential and secret masked. The
    /// reads before it (an update's read of the stored user) were sent as usual.
    #[error("dry run: {} {} was not sent", .0.method, .0.url)]
    DryRun(Box<DryRunRequest>),
}

impl Error {
    pub(crate) fn invalid_input(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    // Client settings are checked where a client is built: the HTTP core, or a TLS probe.
    #[cfg(any(
        feature = "http-base",
        feature = "rustls",
        feature = "rustls-ring",
        feature = "native-tls"
    ))]
    pub(crate) fn config(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Config {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn unsupported(
        provider: Provider,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error::Unsupported {
            provider,
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The one error for `problems` found before sending: `None` when there are none,
    /// [`Error::InvalidInput`] or [`Error::Unsupported`] for one, [`Error::Refused`] for
    /// several. For backends written outside this crate, after
    /// [`Capabilities::check`](crate::Capabilities::check) and checks of their own.
    ///
    /// ```
    /// use user_provisioner::{Error, InputProblem, Provider, ProviderInfo};
    ///
    /// const LDAP: Provider = Provider::new(&ProviderInfo::new("ldap", "LDAP"));
    /// assert!(Error::from_problems(LDAP, Vec::new()).is_none());
    /// let one = Error::from_problems(LDAP, vec![InputProblem::invalid("email", "is required")]);
    /// assert!(matches!(one, Some(Error::InvalidInput { .. })));
    /// let two = Error::from_problems(LDAP, vec![
    ///     InputProblem::invalid("email", "is required"),
    ///     InputProblem::unsupported("phone", "LDAP here keeps no phone"),
    /// ]).unwrap();
    /// assert_eq!(two.problems().len(), 2);
    /// ```
    pub fn from_problems(provider: Provider, mut problems: Vec<InputProblem>) -> Option<Error> {
        match problems.len() {
            0 => None,
            1 => problems.pop().map(|problem| problem.into_error(provider)),
            _ => Some(Error::Refused { provider, problems }),
        }
    }

    /// Every problem of the input this error reports, each with its field and reason:
    /// one for [`Error::InvalidInput`] and [`Error::Unsupported`], all of them for
    /// [`Error::Refused`], none for any other error.
    ///
    /// ```
    /// # async fn demo(p: &dyn user_provisioner::UserProvisioner, user: &user_provisioner::NewUser) {
    /// if let Err(err) = p.create_user(user).await {
    ///     for problem in err.problems() {
    ///         eprintln!("fix {}: {}", problem.field, problem.reason);
    ///     }
    /// }
    /// # }
    /// ```
    pub fn problems(&self) -> Vec<InputProblem> {
        match self {
            Error::InvalidInput { field, reason } => {
                vec![InputProblem::invalid(field.clone(), reason.clone())]
            }
            Error::Unsupported { field, reason, .. } => {
                vec![InputProblem::unsupported(field.clone(), reason.clone())]
            }
            Error::Refused { problems, .. } => problems.clone(),
            _ => Vec::new(),
        }
    }

    /// Turns a provider error that `matches` into another kind, keeping the answer whole.
    /// For providers that signal a meaning with an unusual status (jambonz reports an
    /// unknown user as 500).
    #[cfg(any(
        feature = "jambonz",
        feature = "connect",
        feature = "ece",
        feature = "scim-client",
    ))]
    pub(crate) fn reclassify(
        self,
        matches: impl FnOnce(&ApiError) -> bool,
        into: fn(Box<ApiError>) -> Error,
    ) -> Error {
        match self.api_error() {
            Some(api) if matches(api) => match self {
                Error::Unauthenticated(api)
                | Error::PermissionDenied(api)
                | Error::NotFound(api)
                | Error::Conflict(api)
                | Error::IdempotencyKeyReused(api)
                | Error::RateLimited(api)
                | Error::Server(api)
                | Error::Api(api) => into(api),
                other => other,
            },
            _ => self,
        }
    }

    /// A short name of the kind of error, for traces and metrics (never its message,
    /// which may quote what a server sent).
    // Read only by the HTTP core's spans and events.
    #[cfg(all(feature = "tracing", feature = "http-base"))]
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } => "invalid_input",
            Error::Refused { .. } => "refused",
            Error::Unsupported { .. } => "unsupported",
            Error::Config { .. } => "config",
            Error::Unauthenticated(_) => "unauthenticated",
            Error::PermissionDenied(_) => "permission_denied",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::IdempotencyKeyReused(_) => "idempotency_key_reused",
            Error::RateLimited(_) => "rate_limited",
            Error::Server(_) => "server",
            Error::Api(_) => "api",
            Error::NotYetVisible { .. } => "not_yet_visible",
            Error::OutcomeUnknown { .. } => "outcome_unknown",
            Error::CreatedUnreadable { .. } => "created_unreadable",
            Error::Timeout { .. } => "timeout",
            Error::Transport { .. } => "transport",
            Error::Decode { .. } => "decode",
            Error::ResponseTooLarge { .. } => "response_too_large",
            Error::Redirect { .. } => "redirect",
            Error::DryRun(_) => "dry_run",
        }
    }

    /// The provider's answer behind this error, if the error came from one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::OutcomeUnknown { cause, .. } => cause.api_error(),
            Error::Unauthenticated(api)
            | Error::PermissionDenied(api)
            | Error::NotFound(api)
            | Error::Conflict(api)
            | Error::IdempotencyKeyReused(api)
            | Error::RateLimited(api)
            | Error::Server(api)
            | Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The HTTP status the provider answered with, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Decode { status, .. }
            | Error::ResponseTooLarge { status, .. }
            | Error::Redirect { status, .. } => Some(*status),
            Error::OutcomeUnknown { cause, .. } | Error::CreatedUnreadable { cause, .. } => {
                cause.status()
            }
            other => other.api_error().map(|api| api.status),
        }
    }

    /// The provider's own error code (such as `user.user_name.conflict`), if it sent one.
    pub fn provider_code(&self) -> Option<&str> {
        self.api_error().and_then(|api| api.code.as_deref())
    }

    /// The provider's request id, if it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.api_error().and_then(|api| api.request_id.as_deref())
    }

    /// How long the provider asked the caller to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api_error().and_then(|api| api.retry_after)
    }

    /// Whether the same call might succeed later: rate limits, server errors, timeouts
    /// and connection failures.
    ///
    /// This says nothing about whether *re-sending* is safe: a create that timed out may
    /// have happened (see `may_have_reached_server`). The client's own retries only
    /// repeat what the provider makes safe to repeat.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited(_)
            | Error::Server(_)
            | Error::Timeout { .. }
            | Error::NotYetVisible { .. } => true,
            Error::Transport { .. } => true,
            Error::Api(api) => api.status == 408,
            _ => false,
        }
    }

    /// Whether the user already exists or the change collides with another user.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::Conflict(_))
    }

    /// Whether the user does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound(_))
    }

    /// A 2xx answer whose body could not be read (malformed or over the size limit):
    /// the provider acted (a create created the user) but its reply is unreadable.
    #[cfg(feature = "http-base")]
    pub(crate) fn is_unreadable_success(&self) -> bool {
        matches!(
            self,
            Error::Decode { status, .. } | Error::ResponseTooLarge { status, .. }
                if (200..300).contains(status)
        )
    }

    /// Whether the request may have reached the provider without the caller learning the
    /// outcome: for a create, the user may or may not exist now. True for timeouts and
    /// resets after sending, every 5xx and 408 (a server may fail after acting), and
    /// [`Error::OutcomeUnknown`]; also for [`Error::CreatedUnreadable`], whose user does
    /// exist, so that code which looks before creating again stays right.
    ///
    /// [`Error::resend`] says whether sending the create again is safe.
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            Error::OutcomeUnknown { .. } | Error::CreatedUnreadable { .. } => true,
            Error::Timeout {
                may_have_reached_server,
                ..
            }
            | Error::Transport {
                may_have_reached_server,
                ..
            } => *may_have_reached_server,
            Error::Server(_) => true,
            Error::Api(api) => api.status == 408,
            _ => false,
        }
    }

    /// The idempotency key the failed create was sent under, on providers that have
    /// them (Connect): the caller's
    /// ([`RequestOptions::with_idempotency_key`](crate::RequestOptions::with_idempotency_key))
    /// or the one the client generated. Present on every error of a keyed create the
    /// provider answered or may have acted on (4xx, 5xx, timeouts, resets, retries used
    /// up); `None` for errors raised before sending and for providers without keys.
    ///
    /// ```
    /// # async fn demo(p: &dyn user_provisioner::UserProvisioner, user: &user_provisioner::NewUser) {
    /// use user_provisioner::RequestOptions;
    ///
    /// if let Err(err) = p.create_user(user).await {
    ///     if let Some(key) = err.idempotency_key() {
    ///         eprintln!("create failed; its idempotency key was {key}");
    ///     }
    /// }
    /// # }
    /// ```
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        match self {
            Error::OutcomeUnknown {
                idempotency_key, ..
            }
            | Error::CreatedUnreadable {
                idempotency_key, ..
            } => idempotency_key.as_ref(),
            other => other
                .api_error()
                .and_then(|api| api.idempotency_key.as_ref()),
        }
    }

    /// For a create whose outcome is unknown ([`is_outcome_unknown`](Self::is_outcome_unknown)),
    /// whether sending it again is safe and how; `None` when the outcome is known (the
    /// error says what happened).
    ///
    /// - [`Resend::WithKey`]: send the same create again under this key; the provider
    ///   recognises the repeat and answers with the first result.
    /// - [`Resend::LookUpFirst`]: do not send it again as it is; a repeat could create
    ///   a second user or answer `Conflict` for the caller's own. Check what the
    ///   client's lookup found ([`Error::OutcomeUnknown`]'s `lookup`): `Found` means the
    ///   user exists; `NotFound` means it did not exist after the provider's
    ///   visibility window, so creating again is reasonable once no request of this
    ///   create can still be in flight; `NotVisibleYet`, `Failed` or `Skipped` mean
    ///   read again later before deciding. For [`Error::CreatedUnreadable`] the user
    ///   exists: read it.
    ///
    /// ```
    /// # async fn demo(p: &dyn user_provisioner::UserProvisioner, user: &user_provisioner::NewUser) {
    /// use user_provisioner::{RequestOptions, Resend};
    ///
    /// match p.create_user(user).await {
    ///     Ok(outcome) => println!("{outcome:?}"),
    ///     Err(err) => match err.resend() {
    ///         Some(Resend::WithKey(key)) => {
    ///             let again = RequestOptions::new().with_idempotency_key(key);
    ///             let _ = p.create_user_opts(user, &again).await;
    ///         }
    ///         Some(Resend::LookUpFirst) => println!("look before creating again: {err}"),
    ///         _ => println!("failed: {err}"),
    ///     },
    /// }
    /// # }
    /// ```
    pub fn resend(&self) -> Option<Resend> {
        if !self.is_outcome_unknown() {
            return None;
        }
        Some(match self.idempotency_key() {
            Some(key) => Resend::WithKey(key.clone()),
            None => Resend::LookUpFirst,
        })
    }

    /// The error of a create sent under `key`, as the caller gets it: one whose outcome
    /// is unknown (itself, or because an earlier attempt was `uncertain`) becomes
    /// [`Error::OutcomeUnknown`] with the key; a provider answer keeps the key in its
    /// [`ApiError`].
    #[cfg(feature = "http-base")]
    pub(crate) fn sent_with_key(
        mut self,
        provider: Provider,
        key: &IdempotencyKey,
        uncertain: bool,
    ) -> Error {
        match &mut self {
            Error::OutcomeUnknown {
                idempotency_key, ..
            }
            | Error::CreatedUnreadable {
                idempotency_key, ..
            } => {
                idempotency_key.get_or_insert_with(|| key.clone());
                return self;
            }
            _ => {}
        }
        if let Some(api) = self.api_error_mut() {
            api.idempotency_key = Some(key.clone());
        }
        if uncertain || self.is_outcome_unknown() {
            return Error::OutcomeUnknown {
                provider,
                cause: Box::new(self),
                lookup: CreateLookup::Skipped,
                idempotency_key: Some(key.clone()),
            };
        }
        self
    }

    #[cfg(feature = "http-base")]
    fn api_error_mut(&mut self) -> Option<&mut ApiError> {
        match self {
            Error::Unauthenticated(api)
            | Error::PermissionDenied(api)
            | Error::NotFound(api)
            | Error::Conflict(api)
            | Error::IdempotencyKeyReused(api)
            | Error::RateLimited(api)
            | Error::Server(api)
            | Error::Api(api) => Some(api),
            _ => None,
        }
    }
}

/// The problems, one after another, for a message.
fn problem_list(problems: &[InputProblem]) -> String {
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    shown.join("; ")
}

impl InputProblem {
    /// The error for this problem alone.
    pub(crate) fn into_error(self, provider: Provider) -> Error {
        match self.kind {
            ProblemKind::Unsupported => Error::unsupported(provider, self.field, self.reason),
            ProblemKind::Invalid => Error::invalid_input(self.field, self.reason),
        }
    }
}

/// `; safe to re-send under idempotency key <key>` when there is one.
fn resend_hint(key: Option<&IdempotencyKey>) -> String {
    key.map(|key| format!("; safe to re-send under idempotency key {key}"))
        .unwrap_or_default()
}

/// ` <id>` when the id is known.
fn created_id(id: Option<&UserId>) -> String {
    id.map(|id| format!(" {id}")).unwrap_or_default()
}

/// ` to <location>` when the redirect named one.
fn redirect_target(location: Option<&str>) -> String {
    location
        .map(|location| format!(" to {location}"))
        .unwrap_or_default()
}

/// A provider's error answer, kept whole.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The provider that answered.
    pub provider: Provider,
    /// The HTTP status.
    pub status: u16,
    /// The provider's own error code, when it sends one.
    pub code: Option<String>,
    /// The provider's message (for a non-JSON body, a short excerpt of it).
    pub message: String,
    /// The request id from the response headers, when the provider sends one.
    pub request_id: Option<String>,
    /// The delay the provider asked for: `Retry-After` on a 429 or 503, `RateLimit-Reset`
    /// on a 429. `None` on any other answer, whatever headers it carried.
    pub retry_after: Option<Duration>,
    /// The idempotency key the request carried, for a create on a provider with keys
    /// (see [`Error::idempotency_key`]).
    pub idempotency_key: Option<IdempotencyKey>,
    /// The provider's typed error body.
    pub detail: ErrorDetail,
}

impl ApiError {
    /// A provider answer with a status and message; set the rest with the `with_*`
    /// methods. For test doubles that must fail the way a provider does.
    pub fn new(provider: Provider, status: u16, message: impl Into<String>) -> Self {
        Self {
            provider,
            status,
            code: None,
            message: message.into(),
            request_id: None,
            retry_after: None,
            idempotency_key: None,
            detail: ErrorDetail::none(),
        }
    }

    /// Sets the provider's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Sets the provider's typed error body (see [`ErrorDetail`]).
    pub fn with_detail<T: std::any::Any + fmt::Debug + Send + Sync>(mut self, detail: T) -> Self {
        self.detail = ErrorDetail::new(detail);
        self
    }

    /// Sets the advised delay.
    pub fn with_retry_after(mut self, delay: Duration) -> Self {
        self.retry_after = Some(delay);
        self
    }

    /// The crate error for this answer, chosen by status as for every provider: 401
    /// `Unauthenticated`, 403 `PermissionDenied`, 404 `NotFound`, 409 `Conflict`, 429
    /// `RateLimited`, 5xx `Server`, anything else `Api`. Adapters then translate their
    /// provider's own conventions.
    pub fn into_error(self) -> Error {
        let api = Box::new(self);
        match api.status {
            401 => Error::Unauthenticated(api),
            403 => Error::PermissionDenied(api),
            404 => Error::NotFound(api),
            409 => Error::Conflict(api),
            429 => Error::RateLimited(api),
            500..=599 => Error::Server(api),
            _ => Error::Api(api),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} answered HTTP {}", self.provider, self.status)?;
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " (request id {request_id})")?;
        }
        if let Some(delay) = self.retry_after {
            write!(f, " (retry after {delay:?})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
impl ApiError {
    /// A bare answer with only a status, for unit tests.
    pub(crate) fn for_status(status: u16) -> Box<ApiError> {
        Box::new(ApiError::new(Provider::EXAMPLE, status, ""))
    }
}

/// The provider's typed error body behind an [`ApiError`], for callers that need more
/// than [`ApiError::code`] and [`ApiError::message`]: read it as the adapter's own type
/// with [`downcast_ref`](Self::downcast_ref). Each adapter names its type in its module
/// docs (`JambonzErrorBody`, `NetSapiensErrorBody`, `ConnectErrorBody`, `EceError`); a
/// backend written outside this crate can carry its own with [`ErrorDetail::new`].
///
/// Empty when the body was empty, not JSON, or not in the provider's documented shape.
///
/// ```
/// use user_provisioner::{ApiError, ErrorDetail, Provider, ProviderInfo};
///
/// #[derive(Debug, PartialEq)]
/// struct LdapError { result_code: String }
///
/// const LDAP: Provider = Provider::new(&ProviderInfo::new("ldap", "LDAP"));
/// let api = ApiError::new(LDAP, 409, "taken")
///     .with_detail(LdapError { result_code: "entryAlreadyExists".into() });
/// assert_eq!(api.detail.downcast_ref::<LdapError>().unwrap().result_code, "entryAlreadyExists");
/// assert!(api.detail.downcast_ref::<String>().is_none());
/// assert!(ErrorDetail::none().is_none());
/// ```
#[derive(Clone, Default)]
pub struct ErrorDetail(Option<std::sync::Arc<dyn DetailValue>>);

/// What an [`ErrorDetail`] can hold: any `Debug` value that can cross threads.
trait DetailValue: std::any::Any + fmt::Debug + Send + Sync {
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<T: std::any::Any + fmt::Debug + Send + Sync> DetailValue for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl ErrorDetail {
    /// A detail holding `value`, the provider's typed error body.
    pub fn new<T: std::any::Any + fmt::Debug + Send + Sync>(value: T) -> Self {
        Self(Some(std::sync::Arc::new(value)))
    }

    /// No detail.
    pub fn none() -> Self {
        Self(None)
    }

    /// Whether there is no detail.
    pub fn is_none(&self) -> bool {
        self.0.is_none()
    }

    /// The detail as `T`, if it is one.
    pub fn downcast_ref<T: std::any::Any>(&self) -> Option<&T> {
        self.0
            .as_deref()
            .and_then(|value| value.as_any().downcast_ref())
    }
}

impl fmt::Debug for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(value) => fmt::Debug::fmt(value, f),
            None => f.write_str("None"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16) -> Box<ApiError> {
        let mut api = ApiError::for_status(status);
        api.code = Some("E1".into());
        api.message = "boom".into();
        api.request_id = Some("req-1".into());
        api.retry_after = Some(Duration::from_secs(2));
        api
    }

    #[test]
    fn display_names_provider_status_code_message_and_request_id() {
        let shown = Error::Conflict(api(422)).to_string();
        assert_eq!(
            shown,
            "conflict: example provider answered HTTP 422 [E1]: boom (request id req-1) (retry after 2s)"
        );
    }

    #[test]
    fn helpers_read_through_to_the_api_error() {
        let err = Error::RateLimited(api(429));
        assert_eq!(err.status(), Some(429));
        assert_eq!(err.provider_code(), Some("E1"));
        assert_eq!(err.request_id(), Some("req-1"));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
        assert!(err.is_retryable());
        assert!(!err.is_conflict());
        assert!(Error::Conflict(api(409)).is_conflict());
        assert!(!Error::invalid_input("email", "bad").is_retryable());
    }

    #[test]
    fn redirect_display_shows_the_location_without_debug_quoting() {
        let to = |location: Option<&str>| Error::Redirect {
            provider: Provider::EXAMPLE,
            status: 307,
            location: location.map(str::to_owned),
        };
        assert_eq!(
            to(Some("http://elsewhere.example/x")).to_string(),
            "example provider answered with redirect 307 to http://elsewhere.example/x; redirects \
             are not followed"
        );
        assert_eq!(
            to(None).to_string(),
            "example provider answered with redirect 307; redirects are not followed"
        );
    }

    #[test]
    fn every_5xx_and_408_leave_a_create_unknown() {
        for status in [500, 501, 502, 503, 504, 599] {
            assert!(Error::Server(api(status)).is_outcome_unknown(), "{status}");
        }
        assert!(Error::Api(api(408)).is_outcome_unknown());
        assert!(!Error::Api(api(400)).is_outcome_unknown());
        assert!(!Error::Conflict(api(409)).is_outcome_unknown());
    }

    #[test]
    fn resend_advice_follows_the_key() {
        let key = IdempotencyKey::new("k-1").unwrap();
        let keyed = Error::Server(api(503)).sent_with_key(Provider::EXAMPLE, &key, false);
        assert!(matches!(keyed, Error::OutcomeUnknown { .. }), "{keyed:?}");
        assert_eq!(keyed.idempotency_key(), Some(&key));
        assert_eq!(keyed.resend(), Some(Resend::WithKey(key.clone())));
        assert!(keyed.to_string().contains("idempotency key k-1"), "{keyed}");
        // A known outcome keeps its variant and the key; nothing to re-send.
        let refused = Error::Api(api(400)).sent_with_key(Provider::EXAMPLE, &key, false);
        assert!(matches!(refused, Error::Api(_)), "{refused:?}");
        assert_eq!(refused.idempotency_key(), Some(&key));
        assert_eq!(refused.resend(), None);
        // After an uncertain attempt, even a refusal leaves the outcome unknown.
        let late = Error::Api(api(400)).sent_with_key(Provider::EXAMPLE, &key, true);
        assert_eq!(late.resend(), Some(Resend::WithKey(key)));
        // Without a key: look first.
        assert_eq!(Error::Server(api(500)).resend(), Some(Resend::LookUpFirst));
    }

    #[test]
    fn created_unreadable_says_it_was_created() {
        let err = Error::CreatedUnreadable {
            provider: Provider::EXAMPLE,
            id: Some(UserId::new("jdoe")),
            idempotency_key: None,
            cause: Box::new(Error::ResponseTooLarge {
                provider: Provider::EXAMPLE,
                status: 200,
                limit: 10,
            }),
        };
        let shown = err.to_string();
        assert!(
            shown.starts_with("example provider created the user jdoe"),
            "{shown}"
        );
        assert_eq!(err.status(), Some(200));
        assert!(err.is_outcome_unknown());
        assert_eq!(err.resend(), Some(Resend::LookUpFirst));
    }

    #[test]
    fn error_stays_small() {
        assert!(
            // A `Result<(), Error>` of nine words at most: large payloads are boxed.
            std::mem::size_of::<Error>() <= 72,
            "{}",
            std::mem::size_of::<Error>()
        );
    }
}
