//! The portable [`UserProvisioner`] on top of the native NetSapiens API.

use std::ops::RangeInclusive;
use std::time::Instant;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::capabilities::{Capabilities, FieldSupport, Problems};
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::outcome::{Accepted, CreateOutcome, DeleteOutcome, UpdateOutcome};
use crate::page::{ListUsers, PageCursor, UserPage};
use crate::provider::Provider;
use crate::provisioner::UserProvisioner;
use crate::recovery::{found, resolve_unknown_create_with, CreateLookup};
use crate::update::UserUpdate;
use crate::user::{Field, NewUser, ProviderAttributes, User, UserId};

use super::client::{CreateReply, NetSapiensClient};
use super::enums::{UserScope, YesNo};
use super::models::{
    Acknowledgement, CreateResult, CreateUser, ListQuery, NetSapiensUser, UpdateUser,
};
use super::validate;
use crate::visibility::VisibilityWait;

/// The attributes read from `netsapiens.<name>`.
const ATTRIBUTES: &[&str] = &[
    "extension",
    "synchronous",
    "department",
    "site",
    "time_zone",
];
/// Attributes that only a create can use.
const CREATE_ONLY: &[&str] = &["extension", "synchronous"];
const UNSUPPORTED: &[Field] = &[
    Field::DisplayName,
    Field::Password,
    Field::Phone,
    Field::Enabled,
    Field::Metadata,
];
/// A NetSapiens PUT replaces the user and must carry these; the login name is cleared by
/// leaving it out (the server resets it to `user@domain`).
const NOT_CLEARABLE: &[(Field, &str)] = &[
    (
        Field::GivenName,
        "a NetSapiens PUT replaces the user and must carry name-first-name",
    ),
    (
        Field::FamilyName,
        "a NetSapiens PUT replaces the user and must carry name-last-name",
    ),
    (
        Field::Email,
        "a NetSapiens PUT replaces the user and must carry an email address",
    ),
    (
        Field::Roles,
        "a NetSapiens PUT replaces the user and must carry its user-scope (one role)",
    ),
];
/// Users per page when the caller does not say.
const DEFAULT_PAGE: u32 = 100;

/// The field of the extension attribute, as errors name it.
const EXTENSION_FIELD: &str = "attributes[\"netsapiens.extension\"]";

/// NetSapiens users: `login-username`, first and last names and an email required, one
/// `user-scope` (a role) stored; the extension attribute is required unless the client
/// allocates extensions from a range.
pub(crate) const fn capabilities(allocates_extensions: bool) -> Capabilities {
    let capabilities = Capabilities::new()
        .with_field(Field::Email, FieldSupport::Required)
        .with_field(Field::GivenName, FieldSupport::Required)
        .with_field(Field::FamilyName, FieldSupport::Required)
        .with_field(Field::Roles, FieldSupport::Stored)
        .with_accepted_creates(true)
        .with_server_side_paging(true);
    if allocates_extensions {
        capabilities
    } else {
        capabilities.with_required_attributes(&["netsapiens.extension"])
    }
}

#[async_trait]
impl UserProvisioner for NetSapiensClient {
    fn provider(&self) -> Provider {
        Provider::NETSAPIENS
    }

    fn capabilities(&self) -> Capabilities {
        capabilities(self.config.extension_range.is_some())
    }

    fn validate_new_user(&self, user: &NewUser) -> Result<()> {
        self.check_new_user(user)
    }

    fn validate_update(&self, id: &UserId, update: &UserUpdate) -> Result<()> {
        validate::path_user("id", id.as_str())?;
        update.check_unsupported(Provider::NETSAPIENS, UNSUPPORTED)?;
        update.check_clears(Provider::NETSAPIENS, NOT_CLEARABLE)?;
        let attributes = update
            .attributes
            .for_provider(Provider::NETSAPIENS, ATTRIBUTES)?;
        if let Some(name) = CREATE_ONLY.iter().find(|name| attributes.contains(name)) {
            return Err(Error::unsupported(
                Provider::NETSAPIENS,
                attribute_field(name),
                "only a create uses it: the extension is the user's id and cannot change",
            ));
        }
        Ok(())
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "netsapiens", operation = "create", user = %user.username, idempotency_key = options.idempotency_key().map(|key| key.as_str())))
    )]
    async fn create_user_opts(
        &self,
        user: &NewUser,
        options: &RequestOptions,
    ) -> Result<CreateOutcome> {
        self.check_new_user(user)?;
        // Unknown attribute names were refused by the check.
        let attributes = user.attributes.known_for(Provider::NETSAPIENS);
        let email = user
            .email
            .clone()
            .ok_or_else(|| Error::invalid_input("email", "NetSapiens requires an email address"))?;
        let given = user.given_name.clone().ok_or_else(|| {
            Error::invalid_input(
                "given_name",
                "NetSapiens requires a first name (name-first-name)",
            )
        })?;
        let family = user.family_name.clone().ok_or_else(|| {
            Error::invalid_input(
                "family_name",
                "NetSapiens requires a last name (name-last-name)",
            )
        })?;
        if user.username.trim().is_empty() {
            return Err(Error::invalid_input("username", "must not be empty"));
        }
        let extension = extension_attribute(&attributes)?;
        let synchronous = attributes
            .bool("synchronous")?
            .unwrap_or(self.config.synchronous_creates);

        let target = match (extension, &self.config.extension_range) {
            (Some(extension), _) => Target::Given(extension),
            (None, Some(range)) => Target::Allocate(range.clone()),
            (None, None) => {
                return Err(Error::invalid_input(
                    attribute_field("extension"),
                    "NetSapiens users need an extension: set this attribute or configure \
                     NetSapiensBuilder::with_extension_range",
                ))
            }
        };
        let placeholder = match &target {
            Target::Given(extension) => extension.clone(),
            Target::Allocate(range) => range.start().to_string(),
        };
        let mut request = CreateUser::new(placeholder, given, family, email);
        request.login_username = Some(user.username.clone());
        request.user_scope = scope_from_roles(&user.roles)?.unwrap_or_default();
        request.synchronous = Some(YesNo::from(synchronous));
        request.settings.department = attributes.text("department")?.map(str::to_owned);
        request.settings.site = attributes.text("site")?.map(str::to_owned);
        request.settings.time_zone = attributes.text("time_zone")?.map(str::to_owned);
        // Everything is checked before the first request, the allocating list included.
        validate::create(&request).map_err(portable_field)?;

        let started = Instant::now();
        let (extension, reply) = match target {
            Target::Given(extension) => match self.send_create(&request, options).await {
                Ok(reply) => (extension, reply),
                Err(err) => {
                    let reply = self.recover_create(&request, err, options, started).await?;
                    (extension, reply)
                }
            },
            Target::Allocate(range) => {
                self.create_allocating(request, &range, options, started)
                    .await?
            }
        };
        Ok(outcome(extension, reply))
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "netsapiens", operation = "get", user = %id))
    )]
    async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
        validate::path_user("id", id.as_str())?;
        let (user, raw) = self.fetch_user(id.as_str(), options).await?;
        Ok(to_portable(user, raw))
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "netsapiens", operation = "update", user = %id))
    )]
    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome> {
        self.validate_update(id, update)?;
        let attributes = update.attributes.known_for(Provider::NETSAPIENS);
        let mut change = UpdateUser::new();
        change.login_username = update.username.clone();
        change.first_name = update.given_name.as_set().cloned();
        change.last_name = update.family_name.as_set().cloned();
        change.email = update.email.as_set().map(|email| vec![email.clone()]);
        if let Some(roles) = update.roles.as_set() {
            change.user_scope = Some(scope_from_roles(roles)?.ok_or_else(|| {
                Error::invalid_input("roles", "NetSapiens needs exactly one user-scope")
            })?);
        }
        change.settings.department = attributes.text("department")?.map(str::to_owned);
        change.settings.site = attributes.text("site")?.map(str::to_owned);
        change.settings.time_zone = attributes.text("time_zone")?.map(str::to_owned);
        validate::update(&change).map_err(portable_field)?;
        let ack = NetSapiensClient::update(self, id.as_str(), &change, options).await?;
        Ok(UpdateOutcome::Accepted(accepted(id.as_str(), ack, options)))
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "user_provisioner.operation", skip_all, fields(provider = "netsapiens", operation = "delete", user = %id))
    )]
    async fn delete_user_opts(
        &self,
        id: &UserId,
        options: &RequestOptions,
    ) -> Result<DeleteOutcome> {
        validate::path_user("id", id.as_str())?;
        let ack = NetSapiensClient::delete(self, id.as_str(), options).await?;
        Ok(DeleteOutcome::Accepted(accepted(id.as_str(), ack, options)))
    }

    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(
            name = "user_provisioner.operation",
            skip_all,
            fields(provider = "netsapiens", operation = "list")
        )
    )]
    async fn list_users_opts(
        &self,
        request: &ListUsers,
        options: &RequestOptions,
    ) -> Result<UserPage> {
        let start = match &request.cursor {
            None => self.config.list_start_base,
            Some(cursor) => cursor.as_str().parse::<u64>().map_err(|_| {
                Error::invalid_input(
                    "cursor",
                    format!(
                        "{:?} is not a NetSapiens page cursor (a start index)",
                        cursor.as_str()
                    ),
                )
            })?,
        };
        let limit = request
            .page_size
            .unwrap_or(DEFAULT_PAGE)
            .clamp(1, *validate::LIMIT_RANGE.end());
        let query = ListQuery::new(start, limit);
        let rows = self.list_with_raw(&query, options).await?;
        let next = query
            .next(rows.len())
            .map(|next| PageCursor::new(next.start.to_string()));
        let users = rows
            .into_iter()
            .map(|(user, raw)| to_portable(user, raw))
            .collect();
        Ok(UserPage::new(users, next))
    }
}

/// Where a create's extension comes from.
enum Target {
    /// The `netsapiens.extension` attribute.
    Given(String),
    /// The lowest free extension of the configured range.
    Allocate(RangeInclusive<u32>),
}

fn outcome(extension: String, reply: CreateReply) -> CreateOutcome {
    match reply.result {
        CreateResult::Created(user) => {
            let raw = reply.raw.unwrap_or(Value::Null);
            CreateOutcome::Created(to_portable(*user, raw))
        }
        CreateResult::Accepted(_) => {
            let mut accepted = Accepted::new(Provider::NETSAPIENS);
            accepted.id = Some(UserId::new(extension));
            accepted.request_id = reply.request_id;
            accepted.raw = reply.raw;
            CreateOutcome::Accepted(accepted)
        }
    }
}

fn accepted(id: &str, ack: Acknowledgement, options: &RequestOptions) -> Accepted {
    let mut accepted = Accepted::new(Provider::NETSAPIENS);
    accepted.id = Some(UserId::new(id));
    accepted.request_id = ack.request_id.clone();
    accepted.raw = Some(options.raw_of(&ack)).filter(|raw| !raw.is_null());
    accepted
}

impl NetSapiensClient {
    /// Every problem of `user`, before any request: the capabilities' check, then the
    /// server's formats (extension, login name, email, scope, settings).
    fn check_new_user(&self, user: &NewUser) -> Result<()> {
        let mut problems =
            Problems::of(&self.capabilities(), Provider::NETSAPIENS, user, ATTRIBUTES);
        problems.explain(
            EXTENSION_FIELD,
            "NetSapiens users need an extension: set this attribute or configure \
             NetSapiensBuilder::with_extension_range",
        );
        problems.check("username", || {
            validate::login_username(&user.username).map_err(portable_field)
        });
        if let Some(email) = &user.email {
            problems.check("email", || {
                validate::email_list("email", std::slice::from_ref(email))
            });
        }
        problems.add(scope_from_roles(&user.roles).map(drop));
        let attributes = user.attributes.known_for(Provider::NETSAPIENS);
        problems.check(EXTENSION_FIELD, || {
            match extension_attribute(&attributes)? {
                Some(extension) => validate::extension(EXTENSION_FIELD, &extension),
                None => Ok(()),
            }
        });
        problems.add(attributes.bool("synchronous").map(drop));
        for name in ["department", "site", "time_zone"] {
            problems.add(match attributes.text(name) {
                Ok(Some(text)) => validate::not_blank(&attribute_field(name), text),
                Ok(None) => Ok(()),
                Err(err) => Err(err),
            });
        }
        problems.finish()
    }
}

/// The portable form of a NetSapiens user; its id is the extension.
impl NetSapiensClient {
    /// After a create of `request` that failed: an unknown outcome becomes
    /// [`Error::OutcomeUnknown`] with what a lookup of the extension found (a 2xx that
    /// could not be read was already settled by [`send_create`](Self::send_create)).
    ///
    /// The user of an asynchronous create becomes readable only after the provider's
    /// visibility window, so there the lookup polls
    /// ([`wait_until_visible`](Self::wait_until_visible) with the default
    /// [`VisibilityWait`]) within what is left of the call's deadline (counted from
    /// `started`), and answers [`CreateLookup::NotVisibleYet`] rather than `NotFound`
    /// when the deadline ends first.
    pub(crate) async fn recover_create(
        &self,
        request: &CreateUser,
        err: Error,
        options: &RequestOptions,
        started: Instant,
    ) -> Result<CreateReply> {
        let extension = request.user.as_str();
        let synchronous = request.synchronous == Some(YesNo::Yes);
        let lookup = || async {
            let own = options.without_timeout();
            if synchronous {
                return match found(self.fetch_user(extension, &own).await) {
                    Ok(Some((user, raw))) => CreateLookup::Found(Box::new(to_portable(user, raw))),
                    Ok(None) => CreateLookup::NotFound,
                    Err(err) => CreateLookup::Failed(Box::new(err)),
                };
            }
            let window = VisibilityWait::new();
            let deadline = started + self.http.call_budget(options);
            let left = deadline.saturating_duration_since(Instant::now());
            let wait = window.with_deadline(window.deadline().min(left));
            match self.wait_until_visible(extension, &wait, &own).await {
                Ok(user) => {
                    let raw = options.raw_of(&user);
                    CreateLookup::Found(Box::new(to_portable(user, raw)))
                }
                Err(Error::NotYetVisible { .. }) if wait == window => CreateLookup::NotFound,
                Err(Error::NotYetVisible { waited, .. }) => CreateLookup::NotVisibleYet { waited },
                Err(err) => CreateLookup::Failed(Box::new(err)),
            }
        };
        let look = self.http.create_recovery();
        Err(resolve_unknown_create_with(Provider::NETSAPIENS, look, err, lookup).await)
    }
}

pub(crate) fn to_portable(user: NetSapiensUser, raw: Value) -> User {
    let mut portable = User::new(Provider::NETSAPIENS, user.user);
    portable.username = user.login_username;
    portable.email = user.email.into_iter().next();
    portable.given_name = user.first_name;
    portable.family_name = user.last_name;
    portable.roles = user
        .user_scope
        .iter()
        .map(|scope| scope.as_str().to_owned())
        .collect();
    portable.created_at = timestamp(user.created_datetime.as_deref());
    portable.updated_at = timestamp(user.last_modified_datetime.as_deref());
    portable.raw = raw;
    portable
}

/// RFC 3339 only: the server's zone-less `2023-07-28 19:56:11` is left in `raw`, since
/// its time zone is not documented.
fn timestamp(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc))
}

/// No roles: the server's default scope. One role: a documented `user-scope`.
fn scope_from_roles(roles: &[String]) -> Result<Option<UserScope>> {
    match roles {
        [] => Ok(None),
        [role] => UserScope::parse_known(role).map(Some).ok_or_else(|| {
            Error::invalid_input(
                "roles",
                format!(
                    "{role:?} is not a NetSapiens user-scope; use one of {}",
                    UserScope::known_list()
                ),
            )
        }),
        _ => Err(Error::invalid_input(
            "roles",
            "NetSapiens has one user-scope per user; give exactly one role",
        )),
    }
}

fn attribute_field(name: &str) -> String {
    ProviderAttributes::field_name(Provider::NETSAPIENS, name)
}

/// Names a refused field as the portable request calls it (`email`, not
/// `email-address`).
fn portable_field(err: Error) -> Error {
    match err {
        Error::InvalidInput { field, reason } => {
            let portable = match field.as_str() {
                "user" => attribute_field("extension"),
                "name-first-name" => "given_name".to_owned(),
                "name-last-name" => "family_name".to_owned(),
                "email-address" => "email".to_owned(),
                "login-username" => "username".to_owned(),
                "user-scope" => "roles".to_owned(),
                "department" | "site" => attribute_field(&field),
                "time-zone" => attribute_field("time_zone"),
                _ => field,
            };
            Error::invalid_input(portable, reason)
        }
        other => other,
    }
}

fn extension_attribute(attributes: &ProviderAttributes<'_>) -> Result<Option<String>> {
    match attributes.get("extension") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
        Some(_) => Err(Error::invalid_input(
            attributes.field("extension"),
            "must be a string or a non-negative integer",
        )),
    }
}
