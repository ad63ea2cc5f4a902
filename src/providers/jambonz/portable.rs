//! The portable [`UserProvisioner`] on top of the native jambonz API.

use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{resolve_unknown_create, Error, Result};
use crate::options::RequestOptions;
use crate::patch::Patch;
use crate::provisioner::{Capabilities, Provider, UserProvisioner};
use crate::user::{
    CreateOutcome, DeleteOutcome, Field, ListUsers, NewUser, PageCursor, ProviderAttributes,
    UpdateOutcome, User, UserId, UserPage, UserUpdate,
};

use super::client::JambonzClient;
use super::models::{CreateUser, JambonzUser, UpdateUser, UserSummary};

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

#[async_trait]
impl UserProvisioner for JambonzClient {
    fn provider(&self) -> Provider {
        Provider::Jambonz
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            idempotent_create: false,
            accepted_creates: false,
            server_side_paging: false,
            password: true,
            person_names: false,
            display_name: false,
            phone: false,
            roles: false,
            metadata: false,
        }
    }

    async fn create_user(&self, user: &NewUser, options: &RequestOptions) -> Result<CreateOutcome> {
        user.check_unsupported(Provider::Jambonz, UNSUPPORTED)?;
        let attributes = user
            .attributes
            .for_provider(Provider::Jambonz, ATTRIBUTES)?;
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
                    Ok(found.map(from_summary))
                };
                let look = self.create_recovery();
                return Err(resolve_unknown_create(Provider::Jambonz, look, err, lookup).await);
            }
        };
        let mut portable = User::new(Provider::Jambonz, created.user_sid.to_string());
        portable.username = Some(request.name);
        portable.email = Some(request.email);
        portable.enabled = Some(request.is_active);
        portable.raw = serde_json::to_value(&created).unwrap_or(Value::Null);
        Ok(CreateOutcome::Created(portable))
    }

    async fn get_user(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
        let sid = parse_sid("id", id.as_str())?;
        let (row, raw) = self.fetch_user(&sid, options).await?;
        Ok(from_row(row, raw))
    }

    async fn update_user(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome> {
        let sid = parse_sid("id", id.as_str())?;
        update.check_unsupported(Provider::Jambonz, UNSUPPORTED)?;
        let attributes = update
            .attributes
            .for_provider(Provider::Jambonz, ATTRIBUTES)?;
        let view_only = attributes.bool("is_view_only")?;
        let force_change = attributes.bool("force_change")?;
        let account_sid = uuid_attribute(&attributes, "account_sid")?;
        let service_provider_sid = uuid_attribute(&attributes, "service_provider_sid")?;
        if update.enabled == Some(false) {
            return Err(Error::unsupported(
                Provider::Jambonz,
                "enabled",
                "the jambonz server applies is_active only when true, so a user cannot be \
                 disabled through the API",
            ));
        }
        let password = match &update.password {
            None => None,
            Some(change) => {
                let current = change.current.clone().ok_or_else(|| {
                    Error::invalid_input(
                        "password.current",
                        "jambonz needs the current password to set a new one",
                    )
                })?;
                if update.username.is_some() {
                    return Err(Error::invalid_input(
                        "username",
                        "jambonz cannot change name and password in one update; send two",
                    ));
                }
                Some((current, change.new.clone()))
            }
        };
        // Everything that can be refused without the stored row is refused before the
        // read, so bad input sends nothing.
        let mut probe = UpdateUser::new(false);
        probe.name = update.username.clone();
        probe.email = update.email.clone();
        probe.is_active = Some(true);
        if let Some((old, new)) = &password {
            probe.old_password = Some(old.clone());
            probe.new_password = Some(new.clone());
        }
        self.check_update(&probe)?;

        let (current, _) = self.fetch_user(&sid, options).await?;
        let mut change =
            UpdateUser::new(view_only.unwrap_or(current.is_view_only.unwrap_or(false)));
        // The server answers 500 for a value equal to the stored one, so only real
        // changes are sent.
        change.name = update.username.clone().filter(|name| *name != current.name);
        change.email = update
            .email
            .clone()
            .filter(|email| Some(email) != current.email.as_ref());
        if let Some((old, new)) = password {
            change.old_password = Some(old);
            change.new_password = Some(new);
        }
        if update.enabled == Some(true) && current.is_active != Some(true) {
            change.is_active = Some(true);
        }
        if force_change == Some(true) && current.force_change != Some(true) {
            change.force_change = Some(true);
        }
        if let Some(account) = account_sid.filter(|sid| current.account_sid != Some(*sid)) {
            change.account_sid = Patch::Set(account);
        }
        if let Some(provider) =
            service_provider_sid.filter(|sid| current.service_provider_sid != Some(*sid))
        {
            change.service_provider_sid = Patch::Set(provider);
        }

        let view_only_changes = Some(change.is_view_only) != current.is_view_only;
        if change == UpdateUser::new(change.is_view_only) && !view_only_changes {
            return Ok(UpdateOutcome::Applied);
        }
        JambonzClient::update(self, &sid, &change, options).await?;
        Ok(UpdateOutcome::Applied)
    }

    async fn delete_user(&self, id: &UserId, options: &RequestOptions) -> Result<DeleteOutcome> {
        let sid = parse_sid("id", id.as_str())?;
        // jambonz answers 204 for an unknown sid; reading first gives NotFound instead.
        self.fetch_user(&sid, options).await?;
        JambonzClient::delete(self, &sid, options).await?;
        Ok(DeleteOutcome::Deleted)
    }

    async fn list_users(&self, request: &ListUsers, options: &RequestOptions) -> Result<UserPage> {
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
        let users: Vec<User> = remaining.into_iter().take(size).map(from_summary).collect();
        let next = if more {
            users.last().map(|user| PageCursor::new(user.id.as_str()))
        } else {
            None
        };
        Ok(UserPage::new(users, next))
    }
}

impl JambonzClient {
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
        Some(Value::String(text)) => parse_sid(&attributes.field(name), text).map(Some),
        Some(_) => Err(Error::invalid_input(
            attributes.field(name),
            "must be a UUID string",
        )),
    }
}

fn from_row(row: JambonzUser, raw: Value) -> User {
    let mut user = User::new(Provider::Jambonz, row.user_sid.to_string());
    user.username = Some(row.name);
    user.email = row.email;
    user.phone = row.phone;
    user.enabled = row.is_active;
    user.raw = raw;
    user
}

fn from_summary(row: UserSummary) -> User {
    let raw = serde_json::to_value(&row).unwrap_or(Value::Null);
    let mut user = User::new(Provider::Jambonz, row.user_sid.to_string());
    user.username = Some(row.name);
    user.email = row.email;
    user.enabled = row.is_active;
    user.raw = raw;
    user
}
