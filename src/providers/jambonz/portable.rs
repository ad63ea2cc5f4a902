//! The portable [`UserProvisioner`] on top of the native jambonz API.

use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

use crate::capabilities::{Capabilities, FieldSupport, Problems};
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::outcome::{CreateOutcome, DeleteOutcome, UpdateOutcome};
use crate::page::{ListUsers, PageCursor, UserPage};
use crate::provider::Provider;
use crate::provisioner::UserProvisioner;
use crate::recovery::resolve_unknown_create;
use crate::update::{Patch, UserUpdate};
use crate::user::{Field, NewUser, ProviderAttributes, User, UserId};

use super::client::JambonzClient;
use super::models::{CreateUser, JambonzUser, UpdateUser, UserSummary};
use super::validate;

const ATTRIBUTES: &[&str] = &[
    "account_sid",
    "service_provider_sid",
    "is_view_only",
    "force_change",
];
const UNSUPPORTED: &[Field] = &[
    Field::GivenName,
    Field::FamilyName,
    Field::DisplayName,
    Field::Phone,
    Field::Roles,
    Field::Metadata,
];
/// jambonz can clear none of the portable fields it stores.
const NOT_CLEARABLE: &[(Field, &str)] = &[
    (Field::Username, "jambonz requires a name"),
    (
        Field::Email,
        "jambonz requires an email address (the server answers 500 for a null one)",
    ),
    (
        Field::Password,
        "a jambonz password can be replaced, not cleared",
    ),
    (
        Field::Enabled,
        "jambonz's is_active is a flag: set it to true or false",
    ),
];

/// jambonz users: `name`, `email` and `initial_password` required, `is_active` stored.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::new()
    .with_field(Field::Email, FieldSupport::Required)
    .with_field(Field::Password, FieldSupport::Required)
    .with_field(Field::Enabled, FieldSupport::Stored);

#[async_trait]
impl UserProvisioner for JambonzClient {
    fn provider(&self) -> Provider {
        Provider::JAMBONZ
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn validate_new_user(&self, user: &NewUser) -> Result<()> {
        self.check_new_user(user)
    }

    fn validate_update(&self, id: &UserId, update: &UserUpdate) -> Result<()> {
        parse_sid("id", id.as_str())?;
        update.check_unsupported(Provider::JAMBONZ, UNSUPPORTED)?;
        update.check_clears(Provider::JAMBONZ, NOT_CLEARABLE)?;
        update
            .attributes
            .for_provider(Provider::JAMBONZ, ATTRIBUTES)?;
        if let Patch::Set(password) = &update.password {
            if password.current.is_none() {
                return Err(Error::invalid_input(
                    "password.current",
                    "jambonz needs the current password to set a new one",
                ));
            }
            if update.username.is_set() {
                return Err(Error::invalid_input(
                    "username",
                    "jambonz cannot change name and password in one update; send two",
                ));
            }
        }
        Ok(())
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "jambonz", operation = "create", user = %user.username, idempotency_key = options.idempotency_key().map(|key| key.as_str())))
    )]
    async fn create_user_opts(
        &self,
        user: &NewUser,
        options: &RequestOptions,
    ) -> Result<CreateOutcome> {
        self.check_new_user(user)?;
        // Unknown attribute names were refused by the check.
        let attributes = user.attributes.known_for(Provider::JAMBONZ);
        let email = user
            .email
            .clone()
            .ok_or_else(|| Error::invalid_input("email", "jambonz requires an email address"))?;
        let password = user.password.clone().ok_or_else(|| {
            Error::invalid_input("password", "jambonz requires an initial password")
        })?;
        let mut request = CreateUser::new(user.username.clone(), email, password);
        request.is_active = user.enabled.unwrap_or(true);
        request.account_sid = uuid_attribute(&attributes, "account_sid")?;
        request.service_provider_sid = uuid_attribute(&attributes, "service_provider_sid")?;
        if let Some(flag) = attributes.bool("is_view_only")? {
            request.is_view_only = flag;
        }
        if let Some(flag) = attributes.bool("force_change")? {
            request.force_change = flag;
        }

        let created = match JambonzClient::create(self, &request, options).await {
            Ok(created) => created,
            Err(err) => {
                let lookup = || async {
                    let found = self
                        .find_by_name_or_email(&request.name, &request.email, options)
                        .await?;
                    Ok(found.map(|row| from_summary(row, options)))
                };
                let look = self.create_recovery();
                return Err(resolve_unknown_create(Provider::JAMBONZ, look, err, lookup).await);
            }
        };
        let mut portable = User::new(Provider::JAMBONZ, created.user_sid.to_string());
        portable.username = Some(request.name);
        portable.email = Some(request.email);
        portable.enabled = Some(request.is_active);
        portable.raw = options.raw_of(&created);
        Ok(CreateOutcome::Created(portable))
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "jambonz", operation = "get", user = %id))
    )]
    async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
        let sid = parse_sid("id", id.as_str())?;
        let (row, raw) = self.fetch_user(&sid, options).await?;
        Ok(from_row(row, raw))
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "jambonz", operation = "update", user = %id))
    )]
    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome> {
        self.validate_update(id, update)?;
        let sid = parse_sid("id", id.as_str())?;
        let attributes = update
            .attributes
            .for_provider(Provider::JAMBONZ, ATTRIBUTES)?;
        let view_only = attributes.bool("is_view_only")?;
        let force_change = attributes.bool("force_change")?;
        let account_sid = uuid_attribute(&attributes, "account_sid")?;
        let service_provider_sid = uuid_attribute(&attributes, "service_provider_sid")?;
        let mut change = UpdateUser::new(view_only.unwrap_or(false));
        change.name = update.username.as_set().cloned();
        change.email = update.email.as_set().cloned();
        change.is_active = update.enabled.as_set().copied();
        change.force_change = force_change;
        if let Some(account) = account_sid {
            change.account_sid = Patch::Set(account);
        }
        if let Some(provider) = service_provider_sid {
            change.service_provider_sid = Patch::Set(provider);
        }
        if let Patch::Set(password) = &update.password {
            // validate_update refused a change without the current password.
            change.old_password = password.current.clone();
            change.new_password = Some(password.new.clone());
        }
        // Everything refusable without the stored row is refused before any request.
        self.check_update(&change)?;
        if view_only.is_none() {
            // The server clears view-only when the body leaves it out, so the stored
            // value is sent back unless the caller chose one. Read-modify-write: a
            // concurrent view-only change by another client can be overwritten.
            let (current, _) = self.fetch_user(&sid, options).await?;
            change.is_view_only = current.is_view_only.unwrap_or(false);
        }
        JambonzClient::update(self, &sid, &change, options).await?;
        Ok(UpdateOutcome::Applied)
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "jambonz", operation = "delete", user = %id))
    )]
    async fn delete_user_opts(
        &self,
        id: &UserId,
        options: &RequestOptions,
    ) -> Result<DeleteOutcome> {
        let sid = parse_sid("id", id.as_str())?;
        JambonzClient::delete(self, &sid, options).await?;
        Ok(DeleteOutcome::Deleted)
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(
            name = "user_provisioner.operation",
            skip_all,
            fields(provider = "jambonz", operation = "list")
        )
    )]
    async fn list_users_opts(
        &self,
        request: &ListUsers,
        options: &RequestOptions,
    ) -> Result<UserPage> {
        let after = request
            .cursor
            .as_ref()
            .map(|cursor| parse_sid("cursor", cursor.as_str()))
            .transpose()?;
        let mut rows = JambonzClient::list(self, options).await?;
        // The server's order is not stable; sorting by sid makes the cursor meaningful.
        rows.sort_by_key(|row| row.user_sid);
        let remaining: Vec<UserSummary> = rows
            .into_iter()
            .filter(|row| after.is_none_or(|after| row.user_sid > after))
            .collect();
        let size = request
            .page_size
            .map_or(remaining.len(), |size| size.max(1) as usize);
        let more = remaining.len() > size;
        let users: Vec<User> = remaining
            .into_iter()
            .take(size)
            .map(|row| from_summary(row, options))
            .collect();
        let next = if more {
            users.last().map(|user| PageCursor::new(user.id.as_str()))
        } else {
            None
        };
        Ok(UserPage::new(users, next))
    }
}

impl JambonzClient {
    /// Every problem of `user`, before any request: the capabilities' check, then the
    /// server's column sizes, the password policy and the attributes' types.
    fn check_new_user(&self, user: &NewUser) -> Result<()> {
        let mut problems = Problems::of(&CAPABILITIES, Provider::JAMBONZ, user, ATTRIBUTES);
        problems.check("username", || validate::name("username", &user.username));
        if let Some(email) = &user.email {
            problems.check("email", || validate::email("email", email));
        }
        if let Some(password) = &user.password {
            problems.check("password", || {
                self.password_policy.check("password", password)
            });
        }
        let attributes = user.attributes.known_for(Provider::JAMBONZ);
        for name in ["account_sid", "service_provider_sid"] {
            problems.add(uuid_attribute(&attributes, name).map(drop));
        }
        for name in ["is_view_only", "force_change"] {
            problems.add(attributes.bool(name).map(drop));
        }
        problems.finish()
    }

    /// The user whose name or email (both unique) matches, after an uncertain create.
    pub(crate) async fn find_by_name_or_email(
        &self,
        name: &str,
        email: &str,
        options: &RequestOptions,
    ) -> Result<Option<UserSummary>> {
        let rows = JambonzClient::list(self, &options.without_timeout()).await?;
        Ok(rows
            .into_iter()
            .find(|row| row.name == name || row.email.as_deref() == Some(email)))
    }
}

fn parse_sid(field: &str, value: &str) -> Result<Uuid> {
    Uuid::parse_str(value).map_err(|_| {
        Error::invalid_input(field, format!("{value:?} is not a jambonz sid (a UUID)"))
    })
}

fn uuid_attribute(attributes: &ProviderAttributes<'_>, name: &str) -> Result<Option<Uuid>> {
    match attributes.get(name) {
        None | Some(Value::Null) => Ok(None),
        // The field is named only for a refusal: formatting it costs more than the parse.
        Some(Value::String(text)) => match Uuid::parse_str(text) {
            Ok(sid) => Ok(Some(sid)),
            Err(_) => parse_sid(&attributes.field(name), text).map(Some),
        },
        Some(_) => Err(Error::invalid_input(
            attributes.field(name),
            "must be a UUID string",
        )),
    }
}

fn from_row(row: JambonzUser, raw: Value) -> User {
    let mut user = User::new(Provider::JAMBONZ, row.user_sid.to_string());
    user.username = Some(row.name);
    user.email = row.email;
    user.phone = row.phone;
    user.enabled = row.is_active;
    user.raw = raw;
    user
}

fn from_summary(row: UserSummary, options: &RequestOptions) -> User {
    let raw = options.raw_of(&row);
    let mut user = User::new(Provider::JAMBONZ, row.user_sid.to_string());
    user.username = Some(row.name);
    user.email = row.email;
    user.enabled = row.is_active;
    user.raw = raw;
    user
}
