//! The portable [`UserProvisioner`] on top of the native Connect API.

use async_trait::async_trait;
use serde_json::Value;

use crate::capabilities::{Capabilities, FieldSupport, Problems};
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::outcome::{CreateOutcome, DeleteOutcome, UpdateOutcome};
use crate::page::{ListUsers, PageCursor, UserPage};
use crate::provider::Provider;
use crate::provisioner::UserProvisioner;
use crate::update::{Patch, UserUpdate};
use crate::user::{Field, NewUser, ProviderAttributes, User, UserId};

use super::client::ConnectClient;
use super::models::{ConnectUser, CreateUser, ListUsersQuery, UpdateUser};
use super::validate;

const ATTRIBUTES: &[&str] = &["identity"];
const UNSUPPORTED: &[Field] = &[Field::Password, Field::Roles, Field::Enabled];
/// Connect's one required `name` is made of these: it can be replaced, not cleared. The
/// email, phone (`msisdn`) and metadata are cleared with `null`.
const NOT_CLEARABLE: &[(Field, &str)] = &[
    (Field::DisplayName, CONNECT_NAME),
    (Field::GivenName, CONNECT_NAME),
    (Field::FamilyName, CONNECT_NAME),
    (Field::Username, CONNECT_NAME),
];
const CONNECT_NAME: &str =
    "Connect keeps one required name, made from the display, person and user names; set a new one instead";

/// Connect users: one `name` (the display name, else the person names, else the
/// username; read back as the display name), email, `msisdn` (E.164 only) and metadata
/// stored.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::new()
    .with_field(Field::Username, FieldSupport::StoredIn(Field::DisplayName))
    .with_field(Field::Email, FieldSupport::Stored)
    .with_field(Field::GivenName, FieldSupport::StoredIn(Field::DisplayName))
    .with_field(
        Field::FamilyName,
        FieldSupport::StoredIn(Field::DisplayName),
    )
    .with_field(Field::DisplayName, FieldSupport::Stored)
    .with_field(Field::Phone, FieldSupport::Stored)
    .with_field(Field::Metadata, FieldSupport::Stored)
    // `msisdn` takes E.164 only.
    .with_e164_phones(true)
    .with_idempotent_create(true)
    .with_server_side_paging(true);

#[async_trait]
impl UserProvisioner for ConnectClient {
    fn provider(&self) -> Provider {
        Provider::CONNECT
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn validate_new_user(&self, user: &NewUser) -> Result<()> {
        check_new_user(user)
    }

    fn validate_update(&self, _id: &UserId, update: &UserUpdate) -> Result<()> {
        update.check_unsupported(Provider::CONNECT, UNSUPPORTED)?;
        update.check_clears(Provider::CONNECT, NOT_CLEARABLE)?;
        // `msisdn` takes E.164 only: checked here as at create, under the portable name.
        update.check_phone_form(&CAPABILITIES)?;
        update
            .attributes
            .for_provider(Provider::CONNECT, ATTRIBUTES)
            .map(drop)
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "connect", operation = "create", user = %user.username, idempotency_key = options.idempotency_key().map(|key| key.as_str())))
    )]
    async fn create_user_opts(
        &self,
        user: &NewUser,
        options: &RequestOptions,
    ) -> Result<CreateOutcome> {
        check_new_user(user)?;
        // Unknown attribute names were refused by the check.
        let attributes = user.attributes.known_for(Provider::CONNECT);
        let name = connect_name(
            user.display_name.as_deref(),
            user.given_name.as_deref(),
            user.family_name.as_deref(),
            Some(user.username.as_str()),
        )
        .ok_or_else(|| {
            Error::invalid_input(
                "username",
                "Connect requires a name: set display_name, given/family name or username",
            )
        })?;
        let mut request = CreateUser::new(name);
        request.email = user.email.clone();
        request.msisdn = user.phone.clone();
        request.identity = match identity_attribute(&attributes)? {
            Patch::Set(identity) => Some(identity),
            Patch::Keep | Patch::Clear => None,
        };
        if !user.metadata.is_empty() {
            request.metadata = Some(user.metadata.clone());
        }
        let created = ConnectClient::create(self, &request, options).await?;
        let raw = options.raw_of(&created.user);
        let mut portable = to_portable(created.user, raw);
        portable.idempotency_key = Some(created.idempotency_key);
        Ok(CreateOutcome::Created(portable))
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "connect", operation = "get", user = %id))
    )]
    async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
        let (user, raw) = self.fetch(id.as_str(), options).await?;
        Ok(to_portable(user, raw))
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "connect", operation = "update", user = %id))
    )]
    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome> {
        self.validate_update(id, update)?;
        let attributes = update
            .attributes
            .for_provider(Provider::CONNECT, ATTRIBUTES)?;
        let mut change = UpdateUser::new();
        change.name = connect_name(
            set(&update.display_name),
            set(&update.given_name),
            set(&update.family_name),
            set(&update.username),
        );
        let name_given = update.display_name.is_set()
            || update.given_name.is_set()
            || update.family_name.is_set()
            || update.username.is_set();
        if name_given && change.name.is_none() {
            return Err(Error::invalid_input(
                "name",
                "the display name, given/family name and username are all blank",
            ));
        }
        change.email = update.email.clone();
        change.msisdn = update.phone.clone();
        change.metadata = update.metadata.clone();
        change.identity = identity_attribute(&attributes)?;
        if change.is_empty() {
            return Err(Error::invalid_input(
                "update",
                "nothing to change; set at least one field",
            ));
        }
        match self.patch(id.as_str(), &change, options).await? {
            Some((user, raw)) => Ok(UpdateOutcome::Updated(to_portable(user, raw))),
            None => Ok(UpdateOutcome::Applied),
        }
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "connect", operation = "delete", user = %id))
    )]
    async fn delete_user_opts(
        &self,
        id: &UserId,
        options: &RequestOptions,
    ) -> Result<DeleteOutcome> {
        ConnectClient::delete(self, id.as_str(), options).await?;
        Ok(DeleteOutcome::Deleted)
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(
            name = "user_provisioner.operation",
            skip_all,
            fields(provider = "connect", operation = "list")
        )
    )]
    async fn list_users_opts(
        &self,
        request: &ListUsers,
        options: &RequestOptions,
    ) -> Result<UserPage> {
        let offset = match &request.cursor {
            None => 0,
            Some(cursor) => cursor.as_str().parse::<u64>().map_err(|_| {
                Error::invalid_input(
                    "cursor",
                    format!(
                        "{:?} is not a Connect page cursor (an offset)",
                        cursor.as_str()
                    ),
                )
            })?,
        };
        let mut query = ListUsersQuery::new();
        if let Some(size) = request.page_size {
            query = query.with_limit(size.max(1));
        }
        if offset > 0 {
            query = query.with_offset(offset);
        }
        let page = ConnectClient::list(self, &query, options).await?;
        let count = page.items.len() as u64;
        let start = page.pagination.offset.unwrap_or(offset);
        let next_offset = start.saturating_add(count);
        let more = count > 0
            && match (
                page.pagination.total,
                page.pagination.limit.or(query.limit.map(u64::from)),
            ) {
                (Some(total), _) => next_offset < total,
                // Without a total, a full page means there may be more.
                (None, Some(limit)) => count >= limit,
                (None, None) => false,
            };
        let users = page
            .items
            .into_iter()
            .map(|user| {
                let raw = options.raw_of(&user);
                to_portable(user, raw)
            })
            .collect();
        let next = more.then(|| PageCursor::new(next_offset.to_string()));
        Ok(UserPage::new(users, next))
    }
}

/// Every problem of `user`, before any request: the capabilities' check, then the one
/// `name` Connect requires and the `connect.identity` attribute.
fn check_new_user(user: &NewUser) -> Result<()> {
    let mut problems = Problems::of(&CAPABILITIES, Provider::CONNECT, user, ATTRIBUTES);
    let name = connect_name(
        user.display_name.as_deref(),
        user.given_name.as_deref(),
        user.family_name.as_deref(),
        Some(user.username.as_str()),
    );
    match name {
        None => problems.add(Err(Error::invalid_input(
            "username",
            "Connect requires a name: set display_name, given/family name or username",
        ))),
        Some(name) => {
            // Named after the field the name was taken from.
            let from = [
                ("display_name", user.display_name.as_deref()),
                ("given_name", user.given_name.as_deref()),
                ("family_name", user.family_name.as_deref()),
            ]
            .into_iter()
            .find(|(_, text)| text.is_some_and(|text| !text.trim().is_empty()))
            .map_or("username", |(field, _)| field);
            problems.check(from, || validate::name(from, &name));
        }
    }
    let attributes = user.attributes.known_for(Provider::CONNECT);
    problems.add(match identity_attribute(&attributes) {
        Ok(Patch::Set(identity)) => validate::identity(&attributes.field("identity"), &identity),
        Ok(_) => Ok(()),
        Err(err) => Err(err),
    });
    problems.finish()
}

/// Connect's one `name`: the display name, else given and family names joined by a
/// space (either alone if only one is set), else the username.
fn connect_name(
    display: Option<&str>,
    given: Option<&str>,
    family: Option<&str>,
    username: Option<&str>,
) -> Option<String> {
    fn present(text: Option<&str>) -> Option<&str> {
        text.map(str::trim).filter(|text| !text.is_empty())
    }
    if let Some(display) = present(display) {
        return Some(display.to_owned());
    }
    let names: Vec<&str> = [present(given), present(family)]
        .into_iter()
        .flatten()
        .collect();
    if !names.is_empty() {
        return Some(names.join(" "));
    }
    present(username).map(str::to_owned)
}

/// The `connect.identity` attribute: a string sets it, `null` clears it (on update).
/// The text a patch sets, if it sets one.
fn set(patch: &Patch<String>) -> Option<&str> {
    patch.as_set().map(String::as_str)
}

fn identity_attribute(attributes: &ProviderAttributes<'_>) -> Result<Patch<String>> {
    match attributes.get("identity") {
        None => Ok(Patch::Keep),
        Some(Value::Null) => Ok(Patch::Clear),
        Some(Value::String(identity)) => Ok(Patch::Set(identity.clone())),
        Some(_) => Err(Error::invalid_input(
            attributes.field("identity"),
            "must be a string (or null to clear it)",
        )),
    }
}

fn to_portable(user: ConnectUser, raw: Value) -> User {
    let mut portable = User::new(Provider::CONNECT, user.user_id);
    portable.display_name = Some(user.name);
    portable.email = user.email;
    portable.phone = user.msisdn;
    portable.created_at = user.created_at;
    portable.updated_at = user.updated_at;
    portable.raw = raw;
    portable
}

#[cfg(test)]
mod tests {
    use super::connect_name;

    #[test]
    fn name_prefers_display_then_person_names_then_username() {
        assert_eq!(
            connect_name(Some("JD"), Some("Jane"), Some("Doe"), Some("jdoe")).as_deref(),
            Some("JD")
        );
        assert_eq!(
            connect_name(None, Some("Jane"), Some("Doe"), Some("jdoe")).as_deref(),
            Some("Jane Doe")
        );
        assert_eq!(
            connect_name(Some(" "), None, Some("Doe"), Some("jdoe")).as_deref(),
            Some("Doe")
        );
        assert_eq!(
            connect_name(None, None, None, Some("jdoe")).as_deref(),
            Some("jdoe")
        );
        assert_eq!(connect_name(None, None, None, Some("  ")), None);
        assert_eq!(connect_name(None, None, None, None), None);
    }
}
