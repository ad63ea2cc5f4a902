//! [`UserProvisioner`] for [`MemoryProvisioner`]: each method checks its input, then
//! applies it to the store under one lock, so a refused call changes nothing.

use std::time::Instant;

use async_trait::async_trait;
use chrono::Utc;
use serde_json::Value;

use super::fields::{display_name, kept};
use super::store::{fingerprint, not_found, parse_id};
use super::MemoryProvisioner;
use crate::capabilities::Capabilities;
use crate::error::{ApiError, Error, Result};
use crate::options::RequestOptions;
use crate::outcome::{CreateOutcome, DeleteOutcome, UpdateOutcome};
use crate::page::{ListUsers, PageCursor, UserPage};
use crate::provider::Provider;
use crate::provisioner::{find_by_listing, UserProvisioner};
use crate::update::{Patch, UserUpdate};
use crate::user::{Field, NewUser, User, UserId, UserKey};
use crate::validate;

#[async_trait]
impl UserProvisioner for MemoryProvisioner {
    fn provider(&self) -> Provider {
        self.lock().provider
    }

    fn capabilities(&self) -> Capabilities {
        self.lock().capabilities()
    }

    /// Fields the capabilities do not store (but the username, which an update leaves
    /// alone where it is not kept), clearing the user's unique key or its password, and
    /// values a provider would refuse.
    fn validate_update(&self, id: &UserId, update: &UserUpdate) -> Result<()> {
        let _ = id;
        let (provider, caps) = {
            let state = self.lock();
            (state.provider, state.capabilities())
        };
        let not_stored: Vec<Field> = caps
            .not_stored_fields()
            .filter(|field| *field != Field::Username)
            .collect();
        update.check_unsupported(provider, &not_stored)?;
        // A user keeps its username: it is the unique key of a lookup.
        update.check_clears(
            provider,
            &[
                (Field::Username, "the username is the user's unique key"),
                (Field::Password, "a password can be replaced, not cleared"),
            ],
        )?;
        if let Patch::Set(username) = &update.username {
            validate::required_text("username", username)?;
        }
        if let Patch::Set(email) = &update.email {
            validate::email("email", email)?;
        }
        // A phone number's form is checked only where the provider played requires one.
        update.check_phone_form(&caps)
    }

    async fn create_user_opts(
        &self,
        user: &NewUser,
        options: &RequestOptions,
    ) -> Result<CreateOutcome> {
        // A refused header fails the call before anything happens, as on the wire.
        options.check()?;
        let (provider, caps) = {
            let state = self.lock();
            (state.provider, state.capabilities())
        };
        caps.validate(provider, user)?;
        if !caps.idempotent_create {
            options
                .refuse_idempotency_key(provider, "an unknown outcome is reported as an error")?;
        }
        let mut state = self.begin();
        let print = fingerprint(user);
        if let Some(key) = options.idempotency_key() {
            if let Some((earlier, outcome)) = state.idempotency.get(key) {
                if *earlier == print {
                    return Ok(outcome.clone());
                }
                return Err(Error::IdempotencyKeyReused(Box::new(ApiError::new(
                    provider,
                    409,
                    "idempotency key reused with a different request",
                ))));
            }
        }
        let username = kept(&caps, Field::Username, Some(&user.username));
        let email = kept(&caps, Field::Email, user.email.as_deref());
        state.check_unique(None, username.as_deref(), email.as_deref())?;
        state.next_id += 1;
        let number = state.next_id;
        let now = Utc::now();
        let mut stored = User::new(provider, format!("mem-{number}"));
        stored.username = username;
        stored.email = email;
        stored.given_name = kept(&caps, Field::GivenName, user.given_name.as_deref());
        stored.family_name = kept(&caps, Field::FamilyName, user.family_name.as_deref());
        stored.display_name = display_name(
            &caps,
            user.display_name.as_deref(),
            user.given_name.as_deref(),
            user.family_name.as_deref(),
            Some(&user.username),
        );
        stored.phone = kept(&caps, Field::Phone, user.phone.as_deref());
        if caps.field(Field::Roles).is_stored() {
            stored.roles = user.roles.clone();
        }
        if caps.field(Field::Enabled).is_stored() {
            stored.enabled = Some(user.enabled.unwrap_or(true));
        }
        stored.created_at = Some(now);
        stored.updated_at = Some(now);
        // The stand-in for the provider's own JSON: the metadata, where it is stored.
        stored.raw = Value::Object(if caps.field(Field::Metadata).is_stored() {
            user.metadata.clone()
        } else {
            serde_json::Map::new()
        });
        let outcome = match state.write(number, Some(stored.clone())) {
            None => CreateOutcome::Created(answered(stored, options)),
            Some(accepted) => CreateOutcome::Accepted(accepted),
        };
        if let Some(key) = options.idempotency_key() {
            state
                .idempotency
                .insert(key.clone(), (print, outcome.clone()));
        }
        Ok(outcome)
    }

    async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
        options.check()?;
        let mut state = self.begin();
        let provider = state.provider;
        let number = parse_id(id).ok_or_else(|| not_found(provider, id))?;
        if let Some(pending) = state.pending.get_mut(&number) {
            // This read still sees the user as it was; a later one sees the change.
            pending.reads_left = pending.reads_left.saturating_sub(1);
        }
        state
            .users
            .get(&number)
            .map(|user| answered(user.clone(), options))
            .ok_or_else(|| not_found(provider, id))
    }

    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome> {
        options.check()?;
        self.validate_update(id, update)?;
        let mut state = self.begin();
        let (provider, caps) = (state.provider, state.capabilities());
        let number = parse_id(id)
            .filter(|n| state.latest(*n).is_some())
            .ok_or_else(|| not_found(provider, id))?;
        state.check_unique(
            Some(number),
            kept(
                &caps,
                Field::Username,
                update.username.as_set().map(String::as_str),
            )
            .as_deref(),
            update.email.as_set().map(String::as_str),
        )?;
        let Some(mut user) = state.latest(number).cloned() else {
            return Err(not_found(provider, id));
        };
        let set = |field: &mut Option<String>, which: Field, patch: &Patch<String>| match patch {
            Patch::Keep => {}
            Patch::Set(value) => {
                if let Some(value) = kept(&caps, which, Some(value)) {
                    *field = Some(value);
                }
            }
            Patch::Clear => *field = None,
        };
        set(&mut user.username, Field::Username, &update.username);
        set(&mut user.email, Field::Email, &update.email);
        set(&mut user.given_name, Field::GivenName, &update.given_name);
        set(
            &mut user.family_name,
            Field::FamilyName,
            &update.family_name,
        );
        set(&mut user.phone, Field::Phone, &update.phone);
        if update.display_name.is_clear() {
            user.display_name = None;
        }
        let names_given = update.display_name.is_set()
            || update.given_name.is_set()
            || update.family_name.is_set();
        if names_given {
            if let Some(name) = display_name(
                &caps,
                update.display_name.as_set().map(String::as_str),
                update.given_name.as_set().map(String::as_str),
                update.family_name.as_set().map(String::as_str),
                None,
            ) {
                user.display_name = Some(name);
            }
        }
        match update.enabled {
            Patch::Keep => {}
            Patch::Set(enabled) => user.enabled = Some(enabled),
            Patch::Clear => user.enabled = None,
        }
        match &update.roles {
            Patch::Keep => {}
            Patch::Set(roles) => user.roles = roles.clone(),
            Patch::Clear => user.roles.clear(),
        }
        match &update.metadata {
            Patch::Keep => {}
            Patch::Set(metadata) => user.raw = Value::Object(metadata.clone()),
            Patch::Clear => user.raw = Value::Object(serde_json::Map::new()),
        }
        user.updated_at = Some(Utc::now());
        // A change still pending is overtaken by this one.
        state.settle(Instant::now(), Some(number));
        Ok(match state.write(number, Some(user.clone())) {
            None => UpdateOutcome::Updated(answered(user, options)),
            Some(accepted) => UpdateOutcome::Accepted(accepted),
        })
    }

    async fn delete_user_opts(
        &self,
        id: &UserId,
        options: &RequestOptions,
    ) -> Result<DeleteOutcome> {
        options.check()?;
        let mut state = self.begin();
        let provider = state.provider;
        let number = parse_id(id)
            .filter(|n| state.latest(*n).is_some())
            .ok_or_else(|| not_found(provider, id))?;
        state.settle(Instant::now(), Some(number));
        Ok(match state.write(number, None) {
            None => DeleteOutcome::Deleted,
            Some(accepted) => DeleteOutcome::Accepted(accepted),
        })
    }

    async fn list_users_opts(
        &self,
        request: &ListUsers,
        options: &RequestOptions,
    ) -> Result<UserPage> {
        options.check()?;
        // The cursor is the number of the last user of the previous page: stable while
        // users come and go, as the ids only grow.
        let after = match &request.cursor {
            None => 0,
            Some(cursor) => cursor
                .as_str()
                .parse::<u64>()
                .map_err(|_| Error::invalid_input("cursor", "not a cursor of this provisioner"))?,
        };
        let state = self.begin();
        let size = request.page_size.map_or(100, |size| size.max(1) as usize);
        let mut remaining = state.users.range(after + 1..);
        let users: Vec<User> = remaining
            .by_ref()
            .take(size)
            .map(|(_, u)| answered(u.clone(), options))
            .collect();
        let next = match (remaining.next(), users.last()) {
            (Some(_), Some(last)) => parse_id(&last.id).map(|n| PageCursor::new(n.to_string())),
            _ => None,
        };
        Ok(UserPage::new(users, next))
    }

    /// A search of the listing, which refuses a key whose field the store does not
    /// keep, as the provider played would (Connect stores no username).
    async fn find_user_opts(
        &self,
        key: &UserKey,
        options: &RequestOptions,
    ) -> Result<Option<User>> {
        // The header check first, as every other method: a refused header is refused
        // whatever the key.
        options.check()?;
        find_by_listing(self, key, options).await
    }
}

/// A stored user as a call sees it: `raw` only when the call keeps raw JSON, as on the
/// wire adapters.
fn answered(mut user: User, options: &RequestOptions) -> User {
    if !options.keeps_raw_json() {
        user.raw = Value::Null;
    }
    user
}
