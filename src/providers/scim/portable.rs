//! The portable [`UserProvisioner`] on top of the native SCIM API.

use async_trait::async_trait;
use serde_json::Value;

use crate::capabilities::{Capabilities, FieldSupport, Problems};
use crate::error::{resolve_unknown_create, Error, Result};
use crate::options::RequestOptions;
use crate::patch::Patch;
use crate::provisioner::{find_by_listing, Provider, UserKey, UserProvisioner};
use crate::scim::model::{PatchOp, ScimUser};
use crate::update::UserUpdate;
use crate::user::{
    CreateOutcome, DeleteOutcome, Field, ListUsers, NewUser, PageCursor, UpdateOutcome, User,
    UserId, UserPage,
};
use crate::validate;

use super::changes::{self, ATTRIBUTES};
use super::client::{ListQuery, Patched, ScimClient};
use super::errors;
use super::filter::Filter;

/// The portable fields SCIM has no place for.
const UNSUPPORTED: &[Field] = &[Field::Metadata];
const NOT_CLEARABLE: &[(Field, &str)] = &[
    (Field::Username, "SCIM requires a userName"),
    (
        Field::Password,
        "a SCIM password can be replaced, not cleared",
    ),
    (
        Field::Enabled,
        "SCIM's active is a flag: set it to true or false",
    ),
];

/// SCIM Users (RFC 7643 §4.1): `userName` required, every other portable field but
/// metadata stored; the server pages lists.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::new()
    .with_field(Field::Email, FieldSupport::Stored)
    .with_field(Field::GivenName, FieldSupport::Stored)
    .with_field(Field::FamilyName, FieldSupport::Stored)
    .with_field(Field::DisplayName, FieldSupport::Stored)
    .with_field(Field::Password, FieldSupport::Stored)
    .with_field(Field::Phone, FieldSupport::Stored)
    .with_field(Field::Roles, FieldSupport::Stored)
    .with_field(Field::Enabled, FieldSupport::Stored)
    .with_server_side_paging(true);

#[async_trait]
impl UserProvisioner for ScimClient {
    fn provider(&self) -> Provider {
        Provider::SCIM
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn validate_new_user(&self, user: &NewUser) -> Result<()> {
        check_new_user(user)
    }

    fn validate_update(&self, id: &UserId, update: &UserUpdate) -> Result<()> {
        if id.as_str().trim().is_empty() {
            return Err(Error::invalid_input("id", "is empty"));
        }
        update.check_unsupported(Provider::SCIM, UNSUPPORTED)?;
        update.check_clears(Provider::SCIM, NOT_CLEARABLE)?;
        changes::of_update(update)?;
        if let Patch::Set(name) = &update.username {
            validate::required_text("username", name)?;
        }
        if let Patch::Set(email) = &update.email {
            validate::email("email", email)?;
        }
        if let Patch::Set(phone) = &update.phone {
            validate::e164("phone", phone)?;
        }
        let announced = self.service_provider_config();
        if update.password.is_set() && announced.is_some_and(|c| !c.change_password.supported) {
            return Err(password_change_unsupported());
        }
        Ok(())
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "scim", operation = "create", user = %user.username, idempotency_key = options.idempotency_key().map(|key| key.as_str())))
    )]
    async fn create_user_opts(
        &self,
        user: &NewUser,
        options: &RequestOptions,
    ) -> Result<CreateOutcome> {
        check_new_user(user)?;
        let mut resource = ScimUser::new(user.username.clone());
        for change in changes::of_new_user(user)? {
            change.apply(&mut resource);
        }
        let created = match ScimClient::create(self, &resource, options).await {
            Ok(created) => created,
            Err(err) => {
                let lookup = || async {
                    let found = self.find_created(&resource, options).await?;
                    found.map(|(user, raw)| portable(user, raw)).transpose()
                };
                let look = self.create_recovery();
                return Err(resolve_unknown_create(Provider::SCIM, look, err, lookup).await);
            }
        };
        let raw = options.raw_of(&created);
        Ok(CreateOutcome::Created(portable(created, raw)?))
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "scim", operation = "get", user = %id))
    )]
    async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
        let (user, raw) = self.fetch(id.as_str(), options).await?;
        portable(user, raw)
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "scim", operation = "update", user = %id))
    )]
    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome> {
        self.validate_update(id, update)?;
        let changes = changes::of_update(update)?;
        let config = self.discover(options).await?.clone();
        if update.password.is_set() && !config.change_password.supported {
            return Err(password_change_unsupported());
        }
        // Read first: a PUT must carry every attribute, a new primary email keeps the
        // others, and the version read guards the write where the server has ETags.
        let (current, _) = self.fetch(id.as_str(), options).await?;
        let version = config
            .etag
            .supported
            .then(|| current.version().map(str::to_owned))
            .flatten();
        let mut next = current;
        for change in &changes {
            change.apply(&mut next);
        }
        if config.patch.supported {
            let after = changes::to_json(&next)?;
            let operations = changes
                .iter()
                .map(|change| change.operation(&after))
                .collect();
            let secrets = changes::passwords(&changes);
            let (patched, raw) = self
                .send_patch(
                    id.as_str(),
                    &PatchOp::new(operations),
                    version.as_deref(),
                    &secrets,
                    options,
                )
                .await?;
            return match patched {
                Patched::Returned(user) => Ok(UpdateOutcome::Updated(portable(*user, raw)?)),
                Patched::Applied { .. } => Ok(UpdateOutcome::Applied),
            };
        }
        let (user, raw) = self
            .send_replace(id.as_str(), &next, version.as_deref(), options)
            .await?;
        Ok(UpdateOutcome::Updated(portable(user, raw)?))
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "scim", operation = "delete", user = %id))
    )]
    async fn delete_user_opts(
        &self,
        id: &UserId,
        options: &RequestOptions,
    ) -> Result<DeleteOutcome> {
        ScimClient::delete(self, id.as_str(), options).await?;
        Ok(DeleteOutcome::Deleted)
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(
            name = "user_provisioner.operation",
            skip_all,
            fields(provider = "scim", operation = "list")
        )
    )]
    async fn list_users_opts(
        &self,
        request: &ListUsers,
        options: &RequestOptions,
    ) -> Result<UserPage> {
        let start = match &request.cursor {
            Some(cursor) => cursor
                .as_str()
                .parse::<u64>()
                .ok()
                .filter(|start| *start >= 1)
                .ok_or_else(|| {
                    Error::invalid_input("cursor", "is not a SCIM page cursor (a startIndex)")
                })?,
            None => 1,
        };
        let count = request.page_size.map(|size| size.max(1));
        let mut query = ListQuery::new().with_start_index(start);
        query.count = count;
        let (list, raw) = self.send_list(&query, options).await?;
        let returned = list.resources.len() as u64;
        let next_start = start + returned;
        let more = returned > 0
            && match list.total_results {
                Some(total) => next_start <= total,
                None => count.is_some_and(|count| returned >= u64::from(count)),
            };
        let mut raw = raw.into_iter();
        let users = list
            .resources
            .into_iter()
            .map(|user| portable(user, raw.next().unwrap_or(Value::Null)))
            .collect::<Result<Vec<User>>>()?;
        let next = more.then(|| PageCursor::new(next_start.to_string()));
        Ok(UserPage::new(users, next))
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(
            name = "user_provisioner.operation",
            skip_all,
            fields(provider = "scim", operation = "find")
        )
    )]
    async fn find_user_opts(
        &self,
        key: &UserKey,
        options: &RequestOptions,
    ) -> Result<Option<User>> {
        key.check()?;
        if !self.discover(options).await?.filter.supported {
            return find_by_listing(self, key, options).await;
        }
        let found = match key {
            UserKey::Username(name) => {
                let filter = Filter::equals("userName", name)?;
                self.find_one(&filter, |user| same_user_name(user, name), options)
                    .await
            }
            UserKey::Email(email) => {
                let filter = Filter::equals("emails.value", email)?;
                self.find_one(&filter, |user| has_email(user, email), options)
                    .await
            }
        };
        match found {
            Ok(found) => found.map(|(user, raw)| portable(user, raw)).transpose(),
            // A server that announces filters but cannot read this one (some filter on
            // `userName` only): every page is read instead.
            Err(err) if errors::is_invalid_filter(&err) => {
                find_by_listing(self, key, options).await
            }
            Err(err) => Err(err),
        }
    }
}

impl ScimClient {
    /// The user an uncertain create may have made: by `externalId` when the create set
    /// one (the caller's own key), else by `userName`.
    async fn find_created(
        &self,
        sent: &ScimUser,
        options: &RequestOptions,
    ) -> Result<Option<(ScimUser, Value)>> {
        let options = options.without_timeout();
        if let Some(external) = &sent.external_id {
            let filter = Filter::equals("externalId", external)?;
            let same = |user: &ScimUser| user.external_id.as_deref() == Some(external.as_str());
            return self.find_one(&filter, same, &options).await;
        }
        let filter = Filter::equals("userName", &sent.user_name)?;
        self.find_one(
            &filter,
            |user| same_user_name(user, &sent.user_name),
            &options,
        )
        .await
    }
}

/// Every problem of `user`, before any request: the capabilities' check and the `scim.`
/// attributes' names and types.
fn check_new_user(user: &NewUser) -> Result<()> {
    let mut problems = Problems::of(&CAPABILITIES, Provider::SCIM, user, ATTRIBUTES);
    let attributes = user.attributes.known_for(Provider::SCIM);
    for name in ATTRIBUTES {
        problems.add(attributes.text(name).map(drop));
    }
    problems.finish()
}

/// SCIM's `userName` is unique without regard to case (RFC 7643 §4.1.1), so a lookup
/// compares it so too: the server may keep it in another case than sent.
fn same_user_name(user: &ScimUser, name: &str) -> bool {
    user.user_name.eq_ignore_ascii_case(name)
}

fn has_email(user: &ScimUser, email: &str) -> bool {
    user.emails.iter().any(|own| {
        own.value
            .as_deref()
            .is_some_and(|own| own.eq_ignore_ascii_case(email))
    })
}

fn password_change_unsupported() -> Error {
    Error::unsupported(
        Provider::SCIM,
        "password",
        "the server does not announce password changes (changePassword.supported is false)",
    )
}

/// The portable user of a SCIM User. A resource without an `id` cannot be addressed,
/// so it is a decode error rather than a user nobody can read again.
pub(crate) fn portable(user: ScimUser, raw: Value) -> Result<User> {
    let id = user
        .id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Error::Decode {
            provider: Provider::SCIM,
            status: 200,
            path: "id".into(),
            reason: "the resource has no id".into(),
        })?;
    let mut portable = User::new(Provider::SCIM, id);
    portable.email = user.primary_email().map(str::to_owned);
    portable.phone = user.primary_phone().map(str::to_owned);
    if let Some(name) = &user.name {
        portable.given_name = name.given_name.clone();
        portable.family_name = name.family_name.clone();
    }
    portable.display_name = user.display_name.clone();
    portable.roles = user
        .roles
        .iter()
        .filter_map(|role| role.value.clone())
        .collect();
    portable.enabled = user.active;
    if let Some(meta) = &user.meta {
        portable.created_at = meta.created;
        portable.updated_at = meta.last_modified;
    }
    portable.username = Some(user.user_name);
    portable.raw = raw;
    Ok(portable)
}
