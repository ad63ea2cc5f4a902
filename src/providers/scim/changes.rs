//! The portable fields and attributes as changes of a SCIM User: applied to the typed
//! resource for a create or a PUT, and written as PATCH operations. One mapping, so a
//! PATCH and a PUT of the same update leave the same resource.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::provider::Provider;
use crate::scim::model::{EnterpriseUser, Manager, MultiValued, Name, PatchOperation, ScimUser};
use crate::scim::schema::ENTERPRISE_USER;
use crate::secret::Secret;
use crate::update::{Patch, UserUpdate};
use crate::user::{Attributes, NewUser};

/// The `scim.` attributes: core attributes the portable model lacks, and the enterprise
/// extension's (`scim.enterprise.department`). All are strings.
pub(crate) const ATTRIBUTES: &[&str] = &[
    "externalId",
    "nickName",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "profileUrl",
    "enterprise.employeeNumber",
    "enterprise.costCenter",
    "enterprise.organization",
    "enterprise.division",
    "enterprise.department",
    "enterprise.manager",
];

/// One change of a user.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    UserName(String),
    /// The primary email: set, or removed.
    Email(Option<String>),
    /// The primary phone number: set, or removed.
    Phone(Option<String>),
    GivenName(Option<String>),
    FamilyName(Option<String>),
    DisplayName(Option<String>),
    Password(Secret),
    Active(bool),
    Roles(Option<Vec<String>>),
    /// A `scim.` attribute (one of [`ATTRIBUTES`]), set or removed.
    Attribute(&'static str, Option<String>),
}

/// What a create sets, beyond `userName`.
pub(crate) fn of_new_user(user: &NewUser) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    let optional = [
        (&user.email, Change::Email as fn(Option<String>) -> Change),
        (&user.phone, Change::Phone),
        (&user.given_name, Change::GivenName),
        (&user.family_name, Change::FamilyName),
        (&user.display_name, Change::DisplayName),
    ];
    for (value, change) in optional {
        if let Some(value) = value {
            changes.push(change(Some(value.clone())));
        }
    }
    if let Some(password) = &user.password {
        changes.push(Change::Password(password.clone()));
    }
    if let Some(enabled) = user.enabled {
        changes.push(Change::Active(enabled));
    }
    if !user.roles.is_empty() {
        changes.push(Change::Roles(Some(user.roles.clone())));
    }
    changes.extend(attributes(&user.attributes)?);
    Ok(changes)
}

/// What an update changes.
pub(crate) fn of_update(update: &UserUpdate) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    if let Patch::Set(name) = &update.username {
        changes.push(Change::UserName(name.clone()));
    }
    let optional = [
        (&update.email, Change::Email as fn(Option<String>) -> Change),
        (&update.phone, Change::Phone),
        (&update.given_name, Change::GivenName),
        (&update.family_name, Change::FamilyName),
        (&update.display_name, Change::DisplayName),
    ];
    for (patch, change) in optional {
        match patch {
            Patch::Set(value) => changes.push(change(Some(value.clone()))),
            Patch::Clear => changes.push(change(None)),
            Patch::Keep => {}
        }
    }
    if let Patch::Set(password) = &update.password {
        changes.push(Change::Password(password.new.clone()));
    }
    if let Patch::Set(enabled) = update.enabled {
        changes.push(Change::Active(enabled));
    }
    match &update.roles {
        Patch::Set(roles) => changes.push(Change::Roles(Some(roles.clone()))),
        Patch::Clear => changes.push(Change::Roles(None)),
        Patch::Keep => {}
    }
    changes.extend(attributes(&update.attributes)?);
    Ok(changes)
}

/// The `scim.` attributes as changes; `null` removes. Names outside [`ATTRIBUTES`] and
/// values that are not strings are refused.
fn attributes(attributes: &Attributes) -> Result<Vec<Change>> {
    let own = attributes.for_provider(Provider::SCIM, ATTRIBUTES)?;
    let mut changes = Vec::new();
    for name in ATTRIBUTES {
        if own.contains(name) {
            let value = own.text(name)?.map(str::to_owned);
            changes.push(Change::Attribute(name, value));
        }
    }
    Ok(changes)
}

/// Whether `changes` set a password (whose value travels in the request).
pub(crate) fn passwords(changes: &[Change]) -> Vec<&Secret> {
    changes
        .iter()
        .filter_map(|change| match change {
            Change::Password(secret) => Some(secret),
            _ => None,
        })
        .collect()
}

impl Change {
    /// The attribute path the change writes (RFC 7644 §3.10).
    fn path(&self) -> String {
        match self {
            Change::UserName(_) => "userName".into(),
            Change::Email(_) => "emails".into(),
            Change::Phone(_) => "phoneNumbers".into(),
            Change::GivenName(_) => "name.givenName".into(),
            Change::FamilyName(_) => "name.familyName".into(),
            Change::DisplayName(_) => "displayName".into(),
            Change::Password(_) => "password".into(),
            Change::Active(_) => "active".into(),
            Change::Roles(_) => "roles".into(),
            Change::Attribute(name, _) => match name.strip_prefix("enterprise.") {
                Some(name) => format!("{ENTERPRISE_USER}:{name}"),
                None => (*name).to_owned(),
            },
        }
    }

    /// Makes the change on `user`, its values moved there.
    pub(crate) fn apply(self, user: &mut ScimUser) {
        match self {
            Change::UserName(name) => user.user_name = name,
            Change::Email(email) => set_primary(&mut user.emails, email),
            Change::Phone(phone) => set_primary(&mut user.phone_numbers, phone),
            Change::GivenName(given) => {
                name_of(user).given_name = given;
                drop_empty_name(user);
            }
            Change::FamilyName(family) => {
                name_of(user).family_name = family;
                drop_empty_name(user);
            }
            Change::DisplayName(display) => user.display_name = display,
            Change::Password(password) => user.password = Some(password),
            Change::Active(active) => user.active = Some(active),
            Change::Roles(roles) => {
                user.roles = roles.into_iter().flatten().map(MultiValued::new).collect();
            }
            Change::Attribute(name, value) => set_attribute(user, name, value),
        }
    }

    /// The change as a PATCH operation, given the resource `after` every change was
    /// applied: `replace` of the path's new value, or `remove` where none is left.
    pub(crate) fn operation(&self, after: &Value) -> PatchOperation {
        let path = self.path();
        if let Change::Password(password) = self {
            return PatchOperation::replace(path, password.expose());
        }
        match value_at(after, &path) {
            Some(value) if !is_empty(value) => PatchOperation::replace(path, value.clone()),
            _ => PatchOperation::remove(path),
        }
    }
}

/// The value at an attribute path of a resource: `name.givenName`, `urn:…:User:title`.
fn value_at<'a>(resource: &'a Value, path: &str) -> Option<&'a Value> {
    let (mut value, rest) = match path.rfind(':') {
        Some(at) if path.starts_with("urn:") => (resource.get(&path[..at])?, &path[at + 1..]),
        _ => (resource, path),
    };
    for name in rest.split('.') {
        value = value.get(name)?;
    }
    Some(value)
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// Sets the primary value (else the first), adds one as the primary `work` value when
/// there is none, or removes it.
fn set_primary(values: &mut Vec<MultiValued>, value: Option<String>) {
    let at = values
        .iter()
        .position(|item| item.primary == Some(true))
        .or(if values.is_empty() { None } else { Some(0) });
    match (at, value) {
        (Some(at), Some(value)) => values[at].value = Some(value),
        (None, Some(value)) => values.push(MultiValued::primary(value, "work")),
        (Some(at), None) => {
            values.remove(at);
        }
        (None, None) => {}
    }
}

fn name_of(user: &mut ScimUser) -> &mut Name {
    user.name.get_or_insert_with(Name::default)
}

fn drop_empty_name(user: &mut ScimUser) {
    if user.name.as_ref().is_some_and(Name::is_empty) {
        user.name = None;
    }
}

fn set_attribute(user: &mut ScimUser, name: &str, value: Option<String>) {
    if let Some(name) = name.strip_prefix("enterprise.") {
        let enterprise = user.enterprise.get_or_insert_with(EnterpriseUser::default);
        let field = match name {
            "employeeNumber" => &mut enterprise.employee_number,
            "costCenter" => &mut enterprise.cost_center,
            "organization" => &mut enterprise.organization,
            "division" => &mut enterprise.division,
            "department" => &mut enterprise.department,
            _ => {
                enterprise.manager = value.map(|id| Manager {
                    value: Some(id),
                    ..Manager::default()
                });
                return;
            }
        };
        *field = value;
        if *enterprise == EnterpriseUser::default() {
            user.enterprise = None;
        }
        return;
    }
    let field = match name {
        "externalId" => &mut user.external_id,
        "nickName" => &mut user.nick_name,
        "title" => &mut user.title,
        "userType" => &mut user.user_type,
        "preferredLanguage" => &mut user.preferred_language,
        "locale" => &mut user.locale,
        "timezone" => &mut user.timezone,
        _ => &mut user.profile_url,
    };
    *field = value;
}

/// The resource as JSON, for reading the values a PATCH sends.
pub(crate) fn to_json(user: &ScimUser) -> Result<Value> {
    serde_json::to_value(user).map_err(|err| Error::invalid_input("user", err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn applied(user: &ScimUser, changes: &[Change]) -> ScimUser {
        let mut next = user.clone();
        for change in changes {
            change.clone().apply(&mut next);
        }
        next
    }

    #[test]
    fn a_new_primary_email_keeps_the_other_emails() {
        let mut user = ScimUser::new("jdoe");
        user.emails = vec![
            MultiValued::new("home@example.com"),
            MultiValued::primary("work@example.com", "work"),
        ];
        let next = applied(&user, &[Change::Email(Some("new@example.com".into()))]);
        let op = Change::Email(None).operation(&to_json(&next).unwrap());
        assert_eq!(
            serde_json::to_value(op).unwrap(),
            json!({"op": "replace", "path": "emails", "value": [
                {"value": "home@example.com"},
                {"value": "new@example.com", "type": "work", "primary": true}
            ]})
        );
    }

    #[test]
    fn a_cleared_value_is_removed() {
        let mut user = ScimUser::new("jdoe");
        user.name = Some(Name::new("Jane", "Doe"));
        let changes = [Change::GivenName(None), Change::FamilyName(None)];
        let next = applied(&user, &changes);
        assert_eq!(next.name, None);
        let json = to_json(&next).unwrap();
        let ops: Vec<Value> = changes
            .iter()
            .map(|change| serde_json::to_value(change.operation(&json)).unwrap())
            .collect();
        assert_eq!(
            ops,
            [
                json!({"op": "remove", "path": "name.givenName"}),
                json!({"op": "remove", "path": "name.familyName"})
            ]
        );
    }

    #[test]
    fn enterprise_attributes_write_under_the_extension_urn() {
        let change = Change::Attribute("enterprise.department", Some("Tours".into()));
        let next = applied(&ScimUser::new("jdoe"), std::slice::from_ref(&change));
        assert_eq!(
            next.enterprise.as_ref().unwrap().department.as_deref(),
            Some("Tours")
        );
        let op = change.operation(&to_json(&next).unwrap());
        assert_eq!(
            op.path.as_deref(),
            Some(&*format!("{ENTERPRISE_USER}:department"))
        );
        assert_eq!(op.value, Some(json!("Tours")));
    }

    #[test]
    fn unknown_attributes_and_non_strings_are_refused() {
        let update = UserUpdate::new().with_attribute("scim.shoeSize", "44");
        assert!(of_update(&update).is_err());
        let update = UserUpdate::new().with_attribute("scim.title", 7);
        assert!(of_update(&update).is_err());
    }
}
