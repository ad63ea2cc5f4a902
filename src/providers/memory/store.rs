//! The store: users by number, the writes not yet readable, the idempotency records,
//! and the uniqueness rules, all behind the one lock of a
//! [`MemoryProvisioner`](super::MemoryProvisioner).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde_json::json;

use super::{Visibility, EVERYTHING};
use crate::capabilities::Capabilities;
use crate::error::{ApiError, Error, Result};
use crate::idempotency::IdempotencyKey;
use crate::outcome::{Accepted, CreateOutcome};
use crate::provider::Provider;
use crate::user::{NewUser, User, UserId};

pub(super) struct State {
    pub(super) provider: Provider,
    pub(super) capabilities: Capabilities,
    pub(super) visibility: Visibility,
    /// The readable users, by the number of their id (`mem-<number>`).
    pub(super) users: BTreeMap<u64, User>,
    pub(super) pending: BTreeMap<u64, Pending>,
    pub(super) next_id: u64,
    next_request: u64,
    /// What each idempotency key was first used for: the create's fingerprint and its
    /// outcome.
    pub(super) idempotency: HashMap<IdempotencyKey, (String, CreateOutcome)>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            provider: Provider::IN_MEMORY,
            capabilities: EVERYTHING,
            visibility: Visibility::Immediate,
            users: BTreeMap::new(),
            pending: BTreeMap::new(),
            next_id: 0,
            next_request: 0,
            idempotency: HashMap::new(),
        }
    }
}

/// A write not readable yet.
pub(super) struct Pending {
    /// The user as the change leaves it; `None` for a delete.
    after: Option<User>,
    pub(super) reads_left: u32,
    ready_at: Option<Instant>,
}

impl Pending {
    fn is_ready(&self, now: Instant) -> bool {
        self.reads_left == 0 && self.ready_at.is_none_or(|at| now >= at)
    }
}

impl State {
    /// The capabilities as callers see them: a store whose writes are not immediate
    /// accepts first.
    pub(super) fn capabilities(&self) -> Capabilities {
        match self.visibility {
            Visibility::Immediate => self.capabilities,
            _ => self.capabilities.with_accepted_creates(true),
        }
    }

    /// How many users are stored, readable or created but not yet readable.
    pub(super) fn len(&self) -> usize {
        let created = self
            .pending
            .iter()
            .filter(|(id, _)| !self.users.contains_key(id))
            .count();
        self.users.len() + created
    }

    /// Applies the pending writes that are ready, and `force`'s whatever its state.
    pub(super) fn settle(&mut self, now: Instant, force: Option<u64>) {
        let ready: Vec<u64> = self
            .pending
            .iter()
            .filter(|(id, pending)| Some(**id) == force || pending.is_ready(now))
            .map(|(id, _)| *id)
            .collect();
        for id in ready {
            if let Some(pending) = self.pending.remove(&id) {
                match pending.after {
                    Some(user) => self.users.insert(id, user),
                    None => self.users.remove(&id),
                };
            }
        }
    }

    /// Records a write of user `number` (`None`: a delete): applied at once or left
    /// pending, as the visibility says. Returns the acceptance when pending.
    pub(super) fn write(&mut self, number: u64, after: Option<User>) -> Option<Accepted> {
        let (reads_left, ready_at) = match self.visibility {
            Visibility::Immediate => {
                match after {
                    Some(user) => self.users.insert(number, user),
                    None => self.users.remove(&number),
                };
                return None;
            }
            Visibility::AfterReads(reads) => (reads, None),
            Visibility::AfterDelay(delay) => (0, Some(Instant::now() + delay)),
        };
        self.pending.insert(
            number,
            Pending {
                after,
                reads_left,
                ready_at,
            },
        );
        self.next_request += 1;
        let mut accepted = Accepted::new(self.provider);
        accepted.id = Some(UserId::new(format!("mem-{number}")));
        accepted.request_id = Some(format!("mem-request-{}", self.next_request));
        Some(accepted)
    }

    /// Every user for uniqueness: the readable ones and those created but not yet
    /// readable.
    fn all_users(&self) -> impl Iterator<Item = (u64, &User)> {
        let users = self.users.iter().map(|(id, user)| (*id, user));
        let pending = self
            .pending
            .iter()
            .filter_map(|(id, pending)| Some((*id, pending.after.as_ref()?)));
        users.chain(pending)
    }

    /// The current user `number` including a pending change (what the next write
    /// builds on).
    pub(super) fn latest(&self, number: u64) -> Option<&User> {
        match self.pending.get(&number) {
            Some(pending) => pending.after.as_ref(),
            None => self.users.get(&number),
        }
    }

    /// Refuses a username or (case-blind) email another user than `skip` has.
    pub(super) fn check_unique(
        &self,
        skip: Option<u64>,
        username: Option<&str>,
        email: Option<&str>,
    ) -> Result<()> {
        for (id, user) in self.all_users() {
            if Some(id) == skip {
                continue;
            }
            if username.is_some() && user.username.as_deref() == username {
                return Err(conflict(self.provider, "the username"));
            }
            if let Some(email) = email {
                if same_email(&user.email, email) {
                    return Err(conflict(self.provider, "the email"));
                }
            }
        }
        Ok(())
    }
}

pub(super) fn not_found(provider: Provider, id: &UserId) -> Error {
    ApiError::new(provider, 404, format!("no user {id}")).into_error()
}

fn conflict(provider: Provider, what: &str) -> Error {
    ApiError::new(provider, 409, format!("{what} is taken")).into_error()
}

/// The number of an id this store gave out; `None` for any other id (not found).
pub(super) fn parse_id(id: &UserId) -> Option<u64> {
    id.as_str().strip_prefix("mem-")?.parse().ok()
}

fn same_email(a: &Option<String>, b: &str) -> bool {
    a.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(b))
}

/// Everything a create carries, for telling a replay from a different request. The
/// password only by its length: the store keeps no secret, even in a fingerprint.
pub(super) fn fingerprint(user: &NewUser) -> String {
    json!({
        "username": user.username, "email": user.email, "given": user.given_name,
        "family": user.family_name, "display": user.display_name, "phone": user.phone,
        "roles": user.roles, "enabled": user.enabled, "metadata": user.metadata,
        "password": user.password.as_ref().map(|p| p.expose().len()),
        "attributes": user.attributes.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect::<BTreeMap<_, _>>(),
    })
    .to_string()
}
