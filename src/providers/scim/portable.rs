//! The portable [`UserProvisioner`] on top of the native SCIM API.

use async_trait::async_trait;
use serde_json::Value;

use crate::capabilities::{Capabilities, FieldSupport, Problems};
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::outcome::{CreateOutcome, DeleteOutcome, UpdateOutcome};
use crate::page::{ListUsers, PageCursor, UserPage};
use crate::provider::Provider;
use crate::provisioner::{find_by_listing, UserProvisioner};
use crate::recovery::resolve_unknown_create;
use crate::scim::model::{PatchOp, Schema, SchemaAttribute, ScimUser};
use crate::update::{Patch, UserUpdate};
use crate::user::{Field, NewUser, User, UserId, UserKey};
use crate::validate;

use super::changes::{self, Change, ATTRIBUTES};
use super::client::{
    check_id, password_change_unsupported, Discovered, ListQuery, Patched, ScimClient,
};
use super::errors;
use super::Filter;

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

/// Where each portable field lives in a SCIM User.
const FIELD_PATHS: &[(Field, &str)] = &[
    (Field::Email, "emails"),
    (Field::GivenName, "name.givenName"),
    (Field::FamilyName, "name.familyName"),
    (Field::DisplayName, "displayName"),
    (Field::Password, "password"),
    (Field::Phone, "phoneNumbers"),
    (Field::Roles, "roles"),
    (Field::Enabled, "active"),
];

/// The capabilities a server's User schema gives: a field whose attribute the schema
/// lacks or makes read-only is not stored, one it requires is required. Without a
/// schema, RFC 7643's User ([`CAPABILITIES`]).
pub(crate) fn capabilities_of(schema: Option<&Schema>) -> Capabilities {
    let Some(schema) = schema else {
        return CAPABILITIES;
    };
    let mut capabilities = CAPABILITIES;
    for (field, path) in FIELD_PATHS {
        let support = match attribute_at(schema, path) {
            Found::Missing => FieldSupport::NotStored,
            Found::Attribute(attribute) if !attribute.is_writable() => FieldSupport::NotStored,
            Found::Attribute(attribute) if attribute.is_required() => FieldSupport::Required,
            _ => FieldSupport::Stored,
        };
        capabilities = capabilities.with_field(*field, support);
    }
    capabilities
}

enum Found<'a> {
    Attribute(&'a SchemaAttribute),
    /// A complex parent whose sub-attributes the schema does not list.
    Unlisted,
    Missing,
}

/// The definition at `path`; a sub-attribute of a parent that lists none counts as
/// there (a required sub-attribute of an optional parent is not required).
fn attribute_at<'a>(schema: &'a Schema, path: &str) -> Found<'a> {
    match (schema.attribute(path), path.split_once('.')) {
        (Some(found), None) => Found::Attribute(found),
        (Some(found), Some((parent, _))) => match schema.attribute(parent) {
            Some(parent) if !parent.is_required() && found.is_required() => Found::Unlisted,
            _ => Found::Attribute(found),
        },
        (None, Some((parent, _))) => match schema.attribute(parent) {
            Some(parent) if parent.sub_attributes.as_ref().is_none_or(Vec::is_empty) => {
                Found::Unlisted
            }
            _ => Found::Missing,
        },
        (None, None) => Found::Missing,
    }
}

#[async_trait]
impl UserProvisioner for ScimClient {
    fn provider(&self) -> Provider {
        Provider::SCIM
    }

    /// RFC 7643's User until the server was read ([`ScimClient::discover`]); after
    /// that, what the server's User schema says.
    fn capabilities(&self) -> Capabilities {
        self.discovered()
            .map_or(CAPABILITIES, |discovered| discovered.capabilities)
    }

    fn validate_new_user(&self, user: &NewUser) -> Result<()> {
        check_new_user(user, self.discovered())
    }

    fn validate_update(&self, id: &UserId, update: &UserUpdate) -> Result<()> {
        check_id(id.as_str())?;
        let not_stored: Vec<Field> = self.capabilities().not_stored_fields().collect();
        update.check_unsupported(Provider::SCIM, &not_stored)?;
        update.check_clears(Provider::SCIM, NOT_CLEARABLE)?;
        for change in changes::of_update(update)? {
            check_attribute_known(&change, self.discovered())?;
        }
        if let Patch::Set(name) = &update.username {
            validate::required_text("username", name)?;
        }
        if let Patch::Set(email) = &update.email {
            validate::email("email", email)?;
        }
        // A SCIM phone number is text (RFC 7643 §4.1.2 only recommends RFC 3966's
        // form): it is sent as written, in any form.
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
        // What needs no server's word first, so that bad input sends nothing at all;
        // then against what this server announced, where that says more.
        check_new_user(user, None)?;
        let discovered = self.discovery(options).await?;
        if discovered.capabilities != CAPABILITIES || discovered.user_schema.is_some() {
            check_new_user(user, Some(discovered))?;
        }
        let mut resource = ScimUser::new(user.username.clone());
        for change in changes::of_new_user(user)? {
            change.apply(&mut resource);
        }
        let resource = resource.with_declared_schemas();
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
        // Now with what the server announced.
        self.validate_update(id, update)?;
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
            change.clone().apply(&mut next);
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

/// Every problem of `user`, before any request: the capabilities' check (RFC 7643's
/// User, or what the server announced) and the `scim.` attributes' names and types (and,
/// with a server's User schema, whether it has them).
fn check_new_user(user: &NewUser, discovered: Option<&Discovered>) -> Result<()> {
    let capabilities = discovered.map_or(CAPABILITIES, |discovered| discovered.capabilities);
    let mut problems = Problems::of(&capabilities, Provider::SCIM, user, ATTRIBUTES);
    for (field, path) in FIELD_PATHS {
        if !capabilities.field(*field).is_kept() && CAPABILITIES.field(*field).is_kept() {
            let reason = format!(
                "the server's User schema has no writable `{path}`; leave it unset or use \
                 ignoring_unsupported_fields()"
            );
            problems.explain(field.name(), &reason);
        }
    }
    let attributes = user.attributes.known_for(Provider::SCIM);
    for name in ATTRIBUTES {
        problems.add(attributes.text(name).map(drop));
    }
    // Only a server's User schema can refuse a `scim.` attribute the names above allow.
    if discovered.is_some_and(|discovered| discovered.user_schema.is_some()) {
        if let Ok(changes) = changes::of_new_user(user) {
            for change in &changes {
                problems.add(check_attribute_known(change, discovered));
            }
        }
    }
    problems.finish()
}

/// Refuses a `scim.` attribute of the core User that the server's User schema lacks or
/// makes read-only (the server would refuse the whole request). The enterprise
/// extension has its own schema, which is not read: its attributes are sent, and a
/// server without the extension refuses them itself.
fn check_attribute_known(change: &Change, discovered: Option<&Discovered>) -> Result<()> {
    let (Change::Attribute(name, _), Some(schema)) =
        (change, discovered.and_then(|d| d.user_schema.as_ref()))
    else {
        return Ok(());
    };
    // `externalId` is a common attribute of every resource (RFC 7643 §3.1), in no
    // resource's schema.
    if name.starts_with("enterprise.") || *name == "externalId" {
        return Ok(());
    }
    match schema.attribute(name) {
        Some(attribute) if attribute.is_writable() => Ok(()),
        Some(_) => Err(Error::unsupported(
            Provider::SCIM,
            format!("attributes[\"scim.{name}\"]"),
            "the server's User schema makes it read-only",
        )),
        None => Err(Error::unsupported(
            Provider::SCIM,
            format!("attributes[\"scim.{name}\"]"),
            "the server's User schema has no such attribute",
        )),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(attributes: Value) -> Schema {
        serde_json::from_value(json!({"id": crate::scim::schema::USER, "attributes": attributes}))
            .unwrap()
    }

    #[test]
    fn a_user_schema_decides_what_is_stored_and_required() {
        let schema = schema(json!([
            {"name": "userName", "type": "string", "required": true},
            {"name": "emails", "type": "complex", "multiValued": true, "required": true},
            {"name": "name", "type": "complex"},
            {"name": "roles", "type": "complex", "mutability": "readOnly"},
            {"name": "active", "type": "boolean"}
        ]));
        let caps = capabilities_of(Some(&schema));
        assert_eq!(caps.field(Field::Email), FieldSupport::Required);
        // `name` lists no sub-attributes: its parts count as there.
        assert_eq!(caps.field(Field::GivenName), FieldSupport::Stored);
        assert_eq!(caps.field(Field::Roles), FieldSupport::NotStored);
        assert_eq!(caps.field(Field::Phone), FieldSupport::NotStored);
        assert_eq!(caps.field(Field::Password), FieldSupport::NotStored);
        assert_eq!(caps.field(Field::Enabled), FieldSupport::Stored);
        assert_eq!(caps.field(Field::Username), FieldSupport::Required);
        assert_eq!(capabilities_of(None), CAPABILITIES);
    }

    #[test]
    fn a_required_part_of_an_optional_name_is_not_required() {
        let schema = schema(json!([
            {"name": "name", "type": "complex", "subAttributes": [
                {"name": "givenName", "type": "string", "required": true}
            ]}
        ]));
        let caps = capabilities_of(Some(&schema));
        assert_eq!(caps.field(Field::GivenName), FieldSupport::Stored);
        assert_eq!(caps.field(Field::FamilyName), FieldSupport::NotStored);
    }
}
