//! The portable [`UserProvisioner`] on top of the native ECE API.

use async_trait::async_trait;
use serde_json::Value;

use crate::capabilities::{Capabilities, FieldSupport, Problems};
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::outcome::{CreateOutcome, DeleteOutcome, UpdateOutcome};
use crate::page::{ListUsers, PageCursor, UserPage};
use crate::provider::Provider;
use crate::provisioner::{find_by_listing, UserProvisioner};
use crate::recovery::{found, resolve_unknown_create};
use crate::update::{Patch, UserUpdate};
use crate::user::{Field, NewUser, User, UserId, UserKey};

use super::client::{self, EceClient};
use super::models::{CreateUser, EceRole, EceUser, UpdateUser};
use super::validate;

/// ECE has no provider-specific portable attributes: any `ece.*` key is refused.
const ATTRIBUTES: &[&str] = &[];
const UNSUPPORTED: &[Field] = &[Field::Phone, Field::Metadata];
/// What a merge patch cannot clear. The email, the full name (display name, or given and
/// family names together), the roles and the enabled flag are cleared with `null`.
const NOT_CLEARABLE: &[(Field, &str)] = &[
    (Field::Username, "an ECE user name is the user's id"),
    (
        Field::Password,
        "an ECE password can be replaced, not cleared",
    ),
];

/// ECE users: `user_name` required; email, one `full_name` (the display name or the
/// person names, read back as the display name), password, roles and `enabled` stored.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::new()
    .with_field(Field::Email, FieldSupport::Stored)
    .with_field(Field::GivenName, FieldSupport::StoredIn(Field::DisplayName))
    .with_field(
        Field::FamilyName,
        FieldSupport::StoredIn(Field::DisplayName),
    )
    .with_field(Field::DisplayName, FieldSupport::Stored)
    .with_field(Field::Password, FieldSupport::Stored)
    .with_field(Field::Roles, FieldSupport::Stored)
    .with_field(Field::Enabled, FieldSupport::Stored);

#[async_trait]
impl UserProvisioner for EceClient {
    fn provider(&self) -> Provider {
        Provider::ECE
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn validate_new_user(&self, user: &NewUser) -> Result<()> {
        check_new_user(user)
    }

    fn validate_update(&self, id: &UserId, update: &UserUpdate) -> Result<()> {
        update.check_unsupported(Provider::ECE, UNSUPPORTED)?;
        update.check_clears(Provider::ECE, NOT_CLEARABLE)?;
        update.attributes.for_provider(Provider::ECE, ATTRIBUTES)?;
        if update
            .username
            .as_set()
            .is_some_and(|name| name != id.as_str())
        {
            return Err(Error::unsupported(
                Provider::ECE,
                "username",
                "an ECE user name is the user's id and cannot be changed; create a new user",
            ));
        }
        Ok(())
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "ece", operation = "create", user = %user.username, idempotency_key = options.idempotency_key().map(|key| key.as_str())))
    )]
    async fn create_user_opts(
        &self,
        user: &NewUser,
        options: &RequestOptions,
    ) -> Result<CreateOutcome> {
        // Refuses every `ece.*` attribute too: ECE has none.
        check_new_user(user)?;
        let mut request = CreateUser::new(user.username.clone(), roles(&user.roles));
        request.full_name = full_name(
            user.display_name.as_deref(),
            user.given_name.as_deref(),
            user.family_name.as_deref(),
        );
        request.email = user.email.clone();
        request.security.password = user.password.clone();
        request.security.enabled = user.enabled;
        match self.create_raw(&request, options).await {
            Ok((created, raw)) => Ok(CreateOutcome::Created(to_portable(created, raw))),
            Err(err) => {
                let lookup = || async {
                    let found = found(
                        self.get_raw(&request.user_name, &options.without_timeout())
                            .await,
                    )?;
                    Ok(found.map(|(user, raw)| to_portable(user, raw)))
                };
                Err(
                    resolve_unknown_create(Provider::ECE, self.create_recovery(), err, lookup)
                        .await,
                )
            }
        }
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "ece", operation = "get", user = %id))
    )]
    async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
        let (user, raw) = self.get_raw(id.as_str(), options).await?;
        Ok(to_portable(user, raw))
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "ece", operation = "update", user = %id))
    )]
    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome> {
        self.validate_update(id, update)?;
        let mut change = UpdateUser::new();
        change.full_name = full_name_patch(update)?;
        change.email = update.email.clone();
        if let Patch::Set(password) = &update.password {
            // ECE does not ask for the current password; a given one is not sent.
            change.security.password = Some(password.new.clone());
        }
        change.security.enabled = update.enabled.clone();
        change.security.roles = update.roles.as_ref().map(|names| roles(names));
        client::check_update(&change)?;
        if id.as_str().is_empty() {
            return Err(Error::invalid_input("id", "must not be empty"));
        }
        if change.is_empty() {
            return Err(Error::invalid_input(
                "update",
                "names no change ECE can apply; set at least one field",
            ));
        }
        let (user, raw) = self.update_raw(id.as_str(), &change, options).await?;
        Ok(UpdateOutcome::Updated(to_portable(user, raw)))
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "ece", operation = "delete", user = %id))
    )]
    async fn delete_user_opts(
        &self,
        id: &UserId,
        options: &RequestOptions,
    ) -> Result<DeleteOutcome> {
        EceClient::delete(self, id.as_str(), options).await?;
        Ok(DeleteOutcome::Deleted)
    }

    /// A username is the ECE user name, the user's id: one `GET` instead of a list.
    async fn find_user_opts(
        &self,
        key: &UserKey,
        options: &RequestOptions,
    ) -> Result<Option<User>> {
        key.check()?;
        match key {
            UserKey::Username(name) => found(
                self.get_user_opts(&UserId::new(name.as_str()), options)
                    .await,
            ),
            _ => find_by_listing(self, key, options).await,
        }
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(
            name = "user_provisioner.operation",
            skip_all,
            fields(provider = "ece", operation = "list")
        )
    )]
    async fn list_users_opts(
        &self,
        request: &ListUsers,
        options: &RequestOptions,
    ) -> Result<UserPage> {
        let after = request.cursor.as_ref().map(PageCursor::as_str);
        if after == Some("") {
            return Err(Error::invalid_input("cursor", "is empty"));
        }
        // Disabled users are portable users too (`enabled: Some(false)`).
        let mut rows = self.list_raw(true, options).await?;
        // The server's order is not documented; sorting by user name makes the cursor
        // (the last user name of a page) meaningful.
        rows.sort_by(|(a, _), (b, _)| a.user_name.cmp(&b.user_name));
        let remaining: Vec<(EceUser, Value)> = rows
            .into_iter()
            .filter(|(user, _)| after.is_none_or(|after| user.user_name.as_str() > after))
            .collect();
        let size = request
            .page_size
            .map_or(remaining.len(), |size| size.max(1) as usize);
        let more = remaining.len() > size;
        let users: Vec<User> = remaining
            .into_iter()
            .take(size)
            .map(|(user, raw)| to_portable(user, raw))
            .collect();
        let next = if more {
            users.last().map(|user| PageCursor::new(user.id.as_str()))
        } else {
            None
        };
        Ok(UserPage::new(users, next))
    }
}

/// Every problem of `user`, before any request: the capabilities' check, then the user
/// name's characters, the role rules and an empty password.
fn check_new_user(user: &NewUser) -> Result<()> {
    let mut problems = Problems::of(&CAPABILITIES, Provider::ECE, user, ATTRIBUTES);
    problems.check("username", || {
        validate::new_user_name("username", &user.username)
    });
    problems.add(validate::roles("roles", &roles(&user.roles)));
    if user.password.as_ref().is_some_and(|p| p.is_empty()) {
        problems.add(Err(Error::invalid_input("password", "must not be empty")));
    }
    problems.finish()
}

fn roles(names: &[String]) -> Vec<EceRole> {
    names
        .iter()
        .map(|name| EceRole::from(name.as_str()))
        .collect()
}

/// ECE's one `full_name`: the display name, else the given and family names joined by a
/// space. A display name unlike the names wins, as Connect's one name does: the names
/// are kept only inside it ([`FieldSupport::StoredIn`]), and an identity provider's
/// display name is often not the two names joined (`"Ada Lovelace (Ops)"`).
fn full_name(display: Option<&str>, given: Option<&str>, family: Option<&str>) -> Option<String> {
    if let Some(display) = display {
        return Some(display.to_owned());
    }
    match (given, family) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (Some(given), Some(family)) => Some(format!("{given} {family}")),
    }
}

/// The `full_name` of an update: set from the names that are set (as on create),
/// cleared by clearing the display name or both person names. One person name cleared
/// alone is refused: ECE keeps one `full_name`, and clearing it would drop the other.
fn full_name_patch(update: &UserUpdate) -> Result<Patch<String>> {
    let set = full_name(
        update.display_name.as_set().map(String::as_str),
        update.given_name.as_set().map(String::as_str),
        update.family_name.as_set().map(String::as_str),
    );
    if let Some(name) = set {
        return Ok(Patch::Set(name));
    }
    let (given, family) = (update.given_name.is_clear(), update.family_name.is_clear());
    if update.display_name.is_clear() || (given && family) {
        return Ok(Patch::Clear);
    }
    if given || family {
        return Err(Error::unsupported(
            Provider::ECE,
            if given { "given_name" } else { "family_name" },
            "cannot be cleared alone: ECE keeps one full_name; clear display_name, or both \
             given and family names, to clear it",
        ));
    }
    Ok(Patch::Keep)
}

fn to_portable(user: EceUser, mut raw: Value) -> User {
    // A password is never handed on, should a server echo one.
    if let Some(security) = raw.get_mut("security").and_then(Value::as_object_mut) {
        security.remove("password");
    }
    let mut portable = User::new(Provider::ECE, user.user_name.clone());
    portable.username = Some(user.user_name);
    portable.email = user.email;
    portable.display_name = user.full_name;
    portable.roles = user
        .security
        .roles
        .iter()
        .map(|role| role.as_str().to_owned())
        .collect();
    portable.enabled = user.security.enabled;
    if let Some(metadata) = user.metadata {
        portable.created_at = metadata.created_at;
        portable.updated_at = metadata.updated_at;
    }
    portable.raw = raw;
    portable
}
