//! What a create, an update or a delete answered: done, or accepted and applied later.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::idempotency::IdempotencyKey;
use crate::provider::Provider;
use crate::user::{User, UserId};

/// Proof that a provider took a request whose effect may not be readable yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Accepted {
    /// The provider that accepted it.
    pub provider: Provider,
    /// The id the user will have, where known.
    pub id: Option<UserId>,
    /// The provider's request id, where sent.
    pub request_id: Option<String>,
    /// Whatever body the provider sent with its acceptance, when the call asked for it
    /// with [`RequestOptions::with_raw_json`](crate::RequestOptions::with_raw_json).
    pub raw: Option<Value>,
}

impl Accepted {
    /// An acceptance with nothing but the provider.
    pub fn new(provider: Provider) -> Self {
        Self {
            provider,
            id: None,
            request_id: None,
            raw: None,
        }
    }
}

/// The result of a create. Serialized as `{"created": user}` or `{"accepted": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[must_use]
#[non_exhaustive]
pub enum CreateOutcome {
    /// The user exists and can be read.
    Created(User),
    /// The provider took the request; the user may not be readable yet.
    Accepted(Accepted),
}

impl CreateOutcome {
    /// The id of the new user, where known.
    pub fn id(&self) -> Option<&UserId> {
        match self {
            CreateOutcome::Created(user) => Some(&user.id),
            CreateOutcome::Accepted(accepted) => accepted.id.as_ref(),
        }
    }

    /// The idempotency key the create was sent under, on providers that have them
    /// (Connect): the caller's or the one the client generated. Log it: sending the
    /// same create again under it (within the provider's retention, 24 hours on
    /// Connect) answers with this user instead of creating another.
    ///
    /// ```
    /// # async fn demo(p: &dyn user_provisioner::UserProvisioner, user: &user_provisioner::NewUser)
    /// #     -> Result<(), user_provisioner::Error> {
    /// use user_provisioner::RequestOptions;
    ///
    /// let outcome = p.create_user(user).await?;
    /// if let Some(key) = outcome.idempotency_key() {
    ///     println!("created under idempotency key {key}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        match self {
            CreateOutcome::Created(user) => user.idempotency_key.as_ref(),
            CreateOutcome::Accepted(_) => None,
        }
    }
}

/// The result of an update. Serialized as `{"updated": user}`, `"applied"` or
/// `{"accepted": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[must_use]
#[non_exhaustive]
pub enum UpdateOutcome {
    /// The provider applied the change and returned the user.
    Updated(User),
    /// The provider applied the change and returned no user (jambonz `204`).
    Applied,
    /// The provider took the change; it may not be readable yet.
    Accepted(Accepted),
}

/// The result of a delete. Serialized as `"deleted"` or `{"accepted": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[must_use]
#[non_exhaustive]
pub enum DeleteOutcome {
    /// The user is gone.
    Deleted,
    /// The provider took the request; the user may still be readable for a while.
    Accepted(Accepted),
}
