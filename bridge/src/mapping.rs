//! How a SCIM user becomes each backend's portable user, and the rules that decide it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use user_provisioner::Secret;
use user_provisioner::UserProvisioner;
use user_provisioner::{Capabilities, FieldSupport};
use user_provisioner::{Field, NewUser, User, UserId};
use user_provisioner::{PasswordChange, UserUpdate};

use super::error::ScimError;
use user_provisioner::scim::attributes::get_ci;
use user_provisioner::scim::schema::{BRIDGE_USER, ENTERPRISE_USER};

/// What the bridge does on a backend when a user becomes inactive (`active: false`).
///
/// Deserialized (serde) from its name in lower case (`"delete"`), as a configuration
/// file spells it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Deactivation {
    /// [`Disable`](Self::Disable) where the backend stores an enabled flag
    /// ([`Field::Enabled`]), else [`Refuse`](Self::Refuse).
    #[default]
    Auto,
    /// Disable the account (jambonz `is_active`, ECE `enabled`); reactivating enables it.
    Disable,
    /// Delete the account; reactivating creates it again (a new id on the backend).
    Delete,
    /// Leave the account as it is; the backend's state carries a notice saying so.
    Keep,
    /// Refuse the change (400 `invalidValue`) before anything is stored or sent.
    Refuse,
}

/// A SCIM value a provider attribute can be taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScimValue {
    /// `userName`.
    UserName,
    /// `externalId`.
    ExternalId,
    /// The enterprise extension's `employeeNumber`.
    EmployeeNumber,
    /// The enterprise extension's `department`.
    Department,
    /// The enterprise extension's `organization`.
    Organization,
    /// The enterprise extension's `division`.
    Division,
    /// The enterprise extension's `costCenter`.
    CostCenter,
    /// The `phoneNumbers` value of this `type` (`"work"`), else none.
    PhoneNumber(String),
}

impl ScimValue {
    fn read(&self, document: &Map<String, Value>) -> Option<String> {
        let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
        let enterprise = |name: &str| {
            text(
                document
                    .get(ENTERPRISE_USER)
                    .and_then(Value::as_object)
                    .and_then(|extension| extension.get(name)),
            )
        };
        match self {
            ScimValue::UserName => text(document.get("userName")),
            ScimValue::ExternalId => text(document.get("externalId")),
            ScimValue::EmployeeNumber => enterprise("employeeNumber"),
            ScimValue::Department => enterprise("department"),
            ScimValue::Organization => enterprise("organization"),
            ScimValue::Division => enterprise("division"),
            ScimValue::CostCenter => enterprise("costCenter"),
            ScimValue::PhoneNumber(kind) => document
                .get("phoneNumbers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|phone| {
                    phone
                        .get("type")
                        .and_then(Value::as_str)
                        .is_some_and(|own| own.eq_ignore_ascii_case(kind))
                })
                .and_then(|phone| text(phone.get("value"))),
        }
    }

    fn name(&self) -> String {
        match self {
            ScimValue::UserName => "userName".into(),
            ScimValue::ExternalId => "externalId".into(),
            ScimValue::EmployeeNumber => format!("{ENTERPRISE_USER}:employeeNumber"),
            ScimValue::Department => format!("{ENTERPRISE_USER}:department"),
            ScimValue::Organization => format!("{ENTERPRISE_USER}:organization"),
            ScimValue::Division => format!("{ENTERPRISE_USER}:division"),
            ScimValue::CostCenter => format!("{ENTERPRISE_USER}:costCenter"),
            ScimValue::PhoneNumber(kind) => format!("phoneNumbers[type eq \"{kind}\"].value"),
        }
    }
}

/// A provider attribute (`netsapiens.extension`) the bridge sets on one backend's
/// users: a fixed value, or one taken from the SCIM user. A value the SCIM user sends
/// in the bridge extension's `attributes` wins over a rule.
///
/// ```
/// use user_provisioner_bridge::{AttributeRule, ScimValue};
///
/// // The NetSapiens extension is the last four digits of the work phone number.
/// let extension = AttributeRule::from_scim("netsapiens.extension", ScimValue::PhoneNumber("work".into()))
///     .last_digits(4)
///     .required();
/// let account = AttributeRule::fixed("jambonz.account_sid", "9351f46a-678c-43f5-b8a6-d4eb58d131af");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeRule {
    key: String,
    source: AttributeSource,
    last_digits: Option<usize>,
    required: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum AttributeSource {
    Fixed(Value),
    Scim(ScimValue),
}

impl AttributeRule {
    /// Every user gets `value`.
    pub fn fixed(key: impl Into<String>, value: impl Into<Value>) -> Self {
        Self {
            key: key.into(),
            source: AttributeSource::Fixed(value.into()),
            last_digits: None,
            required: false,
        }
    }

    /// Each user gets its own `value` (left unset where the user has none).
    pub fn from_scim(key: impl Into<String>, value: ScimValue) -> Self {
        Self {
            key: key.into(),
            source: AttributeSource::Scim(value),
            last_digits: None,
            required: false,
        }
    }

    /// Keeps only the last `count` digits of the value (all its digits when fewer).
    pub fn last_digits(mut self, count: usize) -> Self {
        self.last_digits = Some(count);
        self
    }

    /// A user without the value is refused (400 `invalidValue`) instead of being sent
    /// without the attribute.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The attribute's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    fn value(&self, document: &Map<String, Value>) -> Result<Option<Value>, ScimError> {
        let value = match &self.source {
            AttributeSource::Fixed(value) => Some(value.clone()),
            AttributeSource::Scim(source) => {
                source.read(document).map(|text| match self.last_digits {
                    Some(count) => {
                        let digits: Vec<char> = text.chars().filter(char::is_ascii_digit).collect();
                        let start = digits.len().saturating_sub(count);
                        Value::from(digits[start..].iter().collect::<String>())
                    }
                    None => Value::from(text),
                })
            }
        };
        let value = value.filter(|value| value.as_str() != Some(""));
        if value.is_none() && self.required {
            let source = match &self.source {
                AttributeSource::Scim(source) => source.name(),
                AttributeSource::Fixed(_) => "its rule".into(),
            };
            return Err(ScimError::invalid_value(format!(
                "{} is required and is taken from {source}, which the user does not have",
                self.key
            )));
        }
        Ok(value)
    }
}

/// How the bridge maps SCIM users onto one backend.
///
/// ```
/// use user_provisioner_bridge::{AttributeRule, BackendRules, Deactivation, ScimValue};
///
/// let rules = BackendRules::new()
///     .on_deactivation(Deactivation::Delete)
///     .with_attribute(AttributeRule::from_scim("netsapiens.department", ScimValue::Department))
///     .generate_missing_passwords(true);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BackendRules {
    deactivation: Deactivation,
    attributes: Vec<AttributeRule>,
    generate_passwords: bool,
}

impl BackendRules {
    /// [`Deactivation::Auto`], no attribute rules, no generated passwords.
    pub fn new() -> Self {
        Self::default()
    }

    /// What `active: false` does on this backend.
    pub fn on_deactivation(mut self, deactivation: Deactivation) -> Self {
        self.deactivation = deactivation;
        self
    }

    /// Adds a provider attribute rule.
    pub fn with_attribute(mut self, rule: AttributeRule) -> Self {
        self.attributes.push(rule);
        self
    }

    /// Where the backend requires a password ([`FieldSupport::Required`], jambonz) and
    /// the identity provider sends none (Entra ID never does), create the account with
    /// a random 20-character one that nobody learns: the person
    /// sets their own through the backend's reset. Off by default: such a user is
    /// refused.
    pub fn generate_missing_passwords(mut self, generate: bool) -> Self {
        self.generate_passwords = generate;
        self
    }

    fn deactivation_for(&self, capabilities: &Capabilities) -> Deactivation {
        match self.deactivation {
            Deactivation::Auto if capabilities.field(Field::Enabled).is_stored() => {
                Deactivation::Disable
            }
            Deactivation::Auto => Deactivation::Refuse,
            other => other,
        }
    }
}

/// One configured backend: its name in the bridge, the provisioner and its rules.
#[derive(Debug, Clone)]
pub(crate) struct BackendSpec {
    pub name: String,
    pub provisioner: Arc<dyn UserProvisioner>,
    pub rules: BackendRules,
}

/// The portable fields a backend holds for a user, as last sent and acknowledged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct PortableState {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Value>,
}

/// What a backend should hold for a user.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Desired {
    /// An account with these fields.
    Present {
        state: PortableState,
        /// Why the backend's account differs from the SCIM user by rule.
        notice: Option<String>,
    },
    /// No account.
    Absent,
}

impl BackendSpec {
    /// What this backend should hold for the SCIM user `document`.
    pub fn desired(&self, document: &Map<String, Value>) -> Result<Desired, ScimError> {
        let capabilities = self.provisioner.capabilities();
        let stores = |field: Field| capabilities.field(field) != FieldSupport::NotStored;
        let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
        let name = document.get("name").and_then(Value::as_object);
        let name_part = |part: &str| text(name.and_then(|name| name.get(part)));
        let active = document
            .get("active")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let mut notice = None;
        let enabled = if active {
            stores(Field::Enabled).then_some(true)
        } else {
            match self.rules.deactivation_for(&capabilities) {
                Deactivation::Disable if stores(Field::Enabled) => Some(false),
                Deactivation::Disable | Deactivation::Refuse | Deactivation::Auto => {
                    return Err(self.refusal(
                        "active",
                        "cannot deactivate a user; set its Deactivation rule to Delete or Keep",
                    ))
                }
                Deactivation::Delete => return Ok(Desired::Absent),
                Deactivation::Keep => {
                    notice = Some(
                        "inactive in SCIM, kept active here by the bridge's Deactivation::Keep rule"
                            .to_owned(),
                    );
                    stores(Field::Enabled).then_some(true)
                }
            }
        };
        let mut state = PortableState {
            username: text(document.get("userName")).unwrap_or_default(),
            email: stores(Field::Email)
                .then(|| pick(document, "emails"))
                .flatten(),
            given_name: stores(Field::GivenName)
                .then(|| name_part("givenName"))
                .flatten(),
            family_name: stores(Field::FamilyName)
                .then(|| name_part("familyName"))
                .flatten(),
            display_name: stores(Field::DisplayName)
                .then(|| text(document.get("displayName")).or_else(|| name_part("formatted")))
                .flatten(),
            phone: stores(Field::Phone)
                .then(|| pick(document, "phoneNumbers"))
                .flatten(),
            enabled,
            attributes: BTreeMap::new(),
        };
        let prefix = format!("{}.", self.provisioner.provider().key());
        for rule in &self.rules.attributes {
            if let Some(value) = rule.value(document)? {
                state.attributes.insert(rule.key.clone(), value);
            }
        }
        let sent = document
            .get(BRIDGE_USER)
            .and_then(Value::as_object)
            .and_then(|bridge| get_ci(bridge, "attributes"))
            .and_then(Value::as_object);
        for (key, value) in sent.into_iter().flatten() {
            if key.starts_with(&prefix) {
                state.attributes.insert(key.clone(), value.clone());
            }
        }
        Ok(Desired::Present { state, notice })
    }

    /// The create for `state`, with `password` or, where the rules allow, a generated
    /// one when the backend requires a password.
    pub fn new_user(
        &self,
        state: &PortableState,
        password: Option<Secret>,
    ) -> Result<NewUser, ScimError> {
        let capabilities = self.provisioner.capabilities();
        let mut user = NewUser::new(state.username.clone());
        user.email = state.email.clone();
        user.given_name = state.given_name.clone();
        user.family_name = state.family_name.clone();
        user.display_name = state.display_name.clone();
        user.phone = state.phone.clone();
        user.enabled = state.enabled;
        for (key, value) in &state.attributes {
            user.attributes.insert(key.clone(), value.clone());
        }
        let password_support = capabilities.field(Field::Password);
        user.password = match password {
            Some(password) if password_support.is_stored() => Some(password),
            Some(_) => None,
            None if password_support == FieldSupport::Required && self.rules.generate_passwords => {
                Some(generated_password())
            }
            None if password_support == FieldSupport::Required => {
                return Err(self.refusal(
                    "password",
                    "requires a password: send one, or let its rules generate missing passwords",
                ))
            }
            None => None,
        };
        Ok(user)
    }

    /// The update from `old` to `new` for the account `id`, checked as the backend
    /// checks it before any request. A password change the backend cannot take (jambonz
    /// needs the current password, which an identity provider never sends) is left out
    /// rather than refusing the rest, and said in the notice. Empty when nothing changed.
    pub fn checked_update(
        &self,
        id: &UserId,
        old: &PortableState,
        new: &PortableState,
        password: Option<Secret>,
    ) -> Result<(UserUpdate, Option<String>), user_provisioner::Error> {
        let with_password = password.is_some();
        let update = update_between(old, new, password);
        if update.is_empty() {
            return Ok((update, None));
        }
        match self.provisioner.validate_update(id, &update) {
            Ok(()) => Ok((update, None)),
            Err(refused) if with_password => {
                let update = update_between(old, new, None);
                if !update.is_empty() {
                    self.provisioner.validate_update(id, &update)?;
                }
                Ok((
                    update,
                    Some(format!("the new password was not applied: {refused}")),
                ))
            }
            Err(refused) => Err(refused),
        }
    }

    /// A 400 naming this backend, the SCIM field and the reason.
    pub fn refusal(&self, field: &str, reason: &str) -> ScimError {
        ScimError::invalid_value(format!(
            "{field}: backend {:?} ({}) {reason}",
            self.name,
            self.provisioner.provider().name()
        ))
    }
}

/// The first `primary` value of `emails` or `phoneNumbers`, else the first one.
fn pick(document: &Map<String, Value>, attribute: &str) -> Option<String> {
    let values = document.get(attribute)?.as_array()?;
    values
        .iter()
        .find(|value| value.get("primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| values.first())
        .and_then(|value| value.get("value"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The update that turns `old` into `new`, with `password` when it changed; `None` when
/// nothing changed.
pub(crate) fn update_between(
    old: &PortableState,
    new: &PortableState,
    password: Option<Secret>,
) -> UserUpdate {
    let mut update = UserUpdate::new();
    if old.username != new.username {
        update = update.with_username(new.username.clone());
    }
    macro_rules! text_field {
        ($field:ident, $set:ident, $clear:ident) => {
            if old.$field != new.$field {
                update = match &new.$field {
                    Some(value) => update.$set(value.clone()),
                    None => update.$clear(),
                };
            }
        };
    }
    text_field!(email, with_email, clear_email);
    text_field!(display_name, with_display_name, clear_display_name);
    text_field!(phone, with_phone, clear_phone);
    if old.given_name != new.given_name || old.family_name != new.family_name {
        update = match (&new.given_name, &new.family_name) {
            (Some(given), Some(family)) => update.with_names(given.clone(), family.clone()),
            (None, None) => update.clear_names(),
            (Some(given), None) => update.with_given_name(given.clone()),
            (None, Some(family)) => update.with_family_name(family.clone()),
        };
    }
    if old.enabled != new.enabled {
        if let Some(enabled) = new.enabled {
            update = update.with_enabled(enabled);
        }
    }
    for (key, value) in &new.attributes {
        if old.attributes.get(key) != Some(value) {
            update = update.with_attribute(key.clone(), value.clone());
        }
    }
    if let Some(password) = password {
        update = update.with_password(PasswordChange::new(password));
    }
    update
}

/// The fields an existing backend user holds, as a state to compare with the desired one:
/// what the backend did not report, or reports in another case, is taken as desired.
pub(crate) fn state_of(found: &User, desired: &PortableState) -> PortableState {
    // Only what the bridge asks for is compared: a field it leaves unset may hold a
    // value the backend derived (Connect's name from the username).
    let reported = |own: &Option<String>, wanted: &Option<String>| match (own, wanted) {
        (Some(value), Some(wanted)) if !value.eq_ignore_ascii_case(wanted) => Some(value.clone()),
        _ => wanted.clone(),
    };
    PortableState {
        username: match &found.username {
            Some(name) if !name.eq_ignore_ascii_case(&desired.username) => name.clone(),
            _ => desired.username.clone(),
        },
        email: reported(&found.email, &desired.email),
        given_name: reported(&found.given_name, &desired.given_name),
        family_name: reported(&found.family_name, &desired.family_name),
        display_name: reported(&found.display_name, &desired.display_name),
        phone: reported(&found.phone, &desired.phone),
        enabled: found.enabled.or(desired.enabled),
        attributes: desired.attributes.clone(),
    }
}

/// A password nobody knows, for backends that require one at create: 20 characters
/// (jambonz allows 8 to 20) with an upper and lower case letter, a digit and a symbol,
/// 16 of them drawn from v4 UUIDs' random bits (about 95 bits).
fn generated_password() -> Secret {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut random = [0u8; 32];
    random[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    random[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    let mut password = String::from("Gq7!");
    for pair in random.chunks(2) {
        let value = usize::from(pair[0]) << 8 | usize::from(pair[1]);
        password.push(char::from(ALPHABET[value % ALPHABET.len()]));
    }
    Secret::new(password)
}
