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

    /// A user without the value is not created on the backend: its state there is
    /// `blocked`, naming the value, until a change supplies it (400 `invalidValue` when
    /// no backend can take the user, or the backend is [`strict`](BackendRules::strict)).
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The attribute's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The rule's value for the user; `Err` with the reason when the rule is
    /// [`required`](Self::required) and the user has no value for it.
    fn value(&self, document: &Map<String, Value>) -> Result<Option<Value>, String> {
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
            return Err(format!(
                "{} is required and is taken from {source}, which the user does not have",
                self.key
            ));
        }
        Ok(value)
    }
}

/// How the bridge maps SCIM users onto one backend.
///
/// What the backend cannot store, or would refuse, is left out of what is sent to it and
/// said in its notice (the `notice` of its entry in the user's bridge extension and in
/// `/Status`); a value it requires that the user lacks keeps the user `blocked` there
/// until a change supplies it. [`strict`](Self::strict) refuses such a user instead.
///
/// ```
/// use user_provisioner_bridge::{AttributeRule, BackendRules, Deactivation, ScimValue};
///
/// let rules = BackendRules::new()
///     .on_deactivation(Deactivation::Delete)
///     .with_attribute(AttributeRule::from_scim("netsapiens.department", ScimValue::Department))
///     .generate_missing_passwords(true)
///     .strict(false);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BackendRules {
    deactivation: Deactivation,
    attributes: Vec<AttributeRule>,
    generate_passwords: bool,
    strict: bool,
}

impl BackendRules {
    /// [`Deactivation::Auto`], no attribute rules, no generated passwords, lenient.
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
    /// the identity provider sends none (Entra ID never does), or sends one the
    /// backend's policy refuses (jambonz takes 8 to 20 characters; Okta generates 36),
    /// create the account with a random 20-character one that nobody learns: the person
    /// sets their own through the backend's reset. Off by default: a refused password is
    /// left out (said in the notice), and a backend that requires one keeps the user
    /// `blocked` until a password it takes is sent.
    pub fn generate_missing_passwords(mut self, generate: bool) -> Self {
        self.generate_passwords = generate;
        self
    }

    /// Refuse (400 `invalidValue`, naming the backend and the field, before anything is
    /// stored) a user or change with a value this backend would refuse, or without a
    /// value it requires, instead of leaving the value out or keeping the user `blocked`
    /// here. Fields the backend has no place for at all are left out either way. Off by
    /// default: one backend's rule then never stops the person on the others.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
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
    /// The region (ISO 3166-1 alpha-2) a phone number without a country code is read in.
    pub phone_region: Option<String>,
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

/// One value of [`PortableState`] (or the password), as a backend's check names it: a
/// portable [`Field`] the bridge maps, or a provider attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    Field(Field),
    Attribute(String),
}

impl Slot {
    /// The slot a portable check's problem names (`email`, `attributes["k"]`), in the
    /// SDK's own spelling ([`Field::name`]); `None` for a field the bridge does not map
    /// (roles, metadata) and for anything else.
    fn of(field: &str) -> Option<Slot> {
        // `password.current`: jambonz's change needs the current one.
        if field.starts_with("password.") {
            return Some(Slot::Field(Field::Password));
        }
        if let Some(found) = Field::ALL
            .into_iter()
            .find(|known| known.name() == field && !matches!(known, Field::Roles | Field::Metadata))
        {
            return Some(Slot::Field(found));
        }
        let quoted = field.strip_prefix("attributes[")?.strip_suffix(']')?;
        Some(Slot::Attribute(serde_json::from_str(quoted).ok()?))
    }

    /// The SCIM attribute the value comes from, for notices and refusals.
    fn scim_name(&self) -> String {
        let name = match self {
            Slot::Attribute(key) => return key.clone(),
            Slot::Field(Field::Username) => "userName",
            Slot::Field(Field::Email) => "emails",
            Slot::Field(Field::GivenName) => "name.givenName",
            Slot::Field(Field::FamilyName) => "name.familyName",
            Slot::Field(Field::DisplayName) => "displayName",
            Slot::Field(Field::Phone) => "phoneNumbers",
            Slot::Field(Field::Enabled) => "active",
            Slot::Field(Field::Password) => "password",
            Slot::Field(other) => other.name(),
        };
        name.into()
    }
}

impl PortableState {
    fn text_slot(&mut self, slot: &Slot) -> Option<&mut Option<String>> {
        match slot {
            Slot::Field(Field::Email) => Some(&mut self.email),
            Slot::Field(Field::GivenName) => Some(&mut self.given_name),
            Slot::Field(Field::FamilyName) => Some(&mut self.family_name),
            Slot::Field(Field::DisplayName) => Some(&mut self.display_name),
            Slot::Field(Field::Phone) => Some(&mut self.phone),
            _ => None,
        }
    }

    fn is_set(&self, slot: &Slot) -> bool {
        match slot {
            Slot::Field(Field::Username) => !self.username.is_empty(),
            Slot::Field(Field::Email) => self.email.is_some(),
            Slot::Field(Field::GivenName) => self.given_name.is_some(),
            Slot::Field(Field::FamilyName) => self.family_name.is_some(),
            Slot::Field(Field::DisplayName) => self.display_name.is_some(),
            Slot::Field(Field::Phone) => self.phone.is_some(),
            Slot::Field(Field::Enabled) => self.enabled.is_some(),
            Slot::Attribute(key) => self.attributes.contains_key(key),
            // The password is never held in the state; roles and metadata are not mapped.
            Slot::Field(_) => false,
        }
    }

    /// Leaves the value out; false for one that cannot be (the username).
    fn leave_out(&mut self, slot: &Slot) -> bool {
        match slot {
            Slot::Field(Field::Enabled) => self.enabled = None,
            Slot::Attribute(key) => return self.attributes.remove(key).is_some(),
            other => match self.text_slot(other) {
                Some(value) => *value = None,
                None => return false,
            },
        }
        true
    }

    /// Takes `old`'s value of the slot (a change the backend refuses is not applied);
    /// false when it is `old`'s already.
    fn keep_old(&mut self, slot: &Slot, old: &PortableState) -> bool {
        let before = self.clone();
        match slot {
            Slot::Field(Field::Username) => self.username = old.username.clone(),
            Slot::Field(Field::Enabled) => self.enabled = old.enabled,
            Slot::Attribute(key) => match old.attributes.get(key) {
                Some(value) => {
                    self.attributes.insert(key.clone(), value.clone());
                }
                None => {
                    self.attributes.remove(key);
                }
            },
            Slot::Field(Field::Email) => self.email = old.email.clone(),
            Slot::Field(Field::GivenName) => self.given_name = old.given_name.clone(),
            Slot::Field(Field::FamilyName) => self.family_name = old.family_name.clone(),
            Slot::Field(Field::DisplayName) => self.display_name = old.display_name.clone(),
            Slot::Field(Field::Phone) => self.phone = old.phone.clone(),
            // The password is never held in the state; roles and metadata are not mapped.
            Slot::Field(_) => return false,
        }
        *self != before
    }
}

/// What a backend should hold for a user.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Desired {
    /// An account with these fields.
    Present(Box<Present>),
    /// No account.
    Absent,
}

/// The fields a backend should hold, before its own check of them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Present {
    pub state: PortableState,
    /// Why the backend's account differs from the SCIM user by rule: the SCIM values
    /// it has no place for, a deactivation it keeps.
    pub notes: Vec<String>,
    /// Values the backend's rules require that the user lacks (`(field, reason)`).
    pub missing: Vec<(String, String)>,
    /// Why the phone number could not be written in E.164, when it could not.
    pub phone_problem: Option<String>,
}

/// Whether a backend can take a user or change: what to send, or why it cannot.
#[derive(Debug)]
pub(crate) enum Fit<T> {
    /// What to send.
    Fits(T),
    /// The backend cannot take it as it stands: why, naming the field.
    CannotTake(String),
}

impl<T> Fit<T> {
    /// What fits, turned by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Fit<U> {
        match self {
            Fit::Fits(value) => Fit::Fits(f(value)),
            Fit::CannotTake(reason) => Fit::CannotTake(reason),
        }
    }
}

/// A create a backend takes: the user to send, the state it will hold, the notice.
#[derive(Debug)]
pub(crate) struct Creation {
    pub user: NewUser,
    pub state: PortableState,
    pub notice: Option<String>,
}

/// An update a backend takes (empty when nothing changed), the state it will hold and
/// the notice.
#[derive(Debug)]
pub(crate) struct Change {
    pub update: UserUpdate,
    pub state: PortableState,
    pub notice: Option<String>,
}

/// How many rounds of leaving values out a check may take: each leaves one value out
/// at least, and a user has fewer values than this.
const MAX_ROUNDS: usize = 16;

impl BackendSpec {
    /// What this backend should hold for the SCIM user `document`: the values it
    /// stores, phone numbers in E.164 where they can be read, ECE's and Connect's one
    /// name from `displayName`, else `name.formatted`, else given and family names.
    ///
    /// # Errors
    /// A deactivation the backend's rules refuse.
    pub fn desired(&self, document: &Map<String, Value>) -> Result<Desired, ScimError> {
        let capabilities = self.provisioner.capabilities();
        let stores = |field: Field| capabilities.field(field) != FieldSupport::NotStored;
        let text = |value: Option<&Value>| {
            value
                .and_then(Value::as_str)
                .filter(|text| !text.trim().is_empty())
                .map(str::to_owned)
        };
        let name = document.get("name").and_then(Value::as_object);
        let name_part = |part: &str| text(name.and_then(|name| name.get(part)));
        let active = document
            .get("active")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let mut notes = Vec::new();
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
                    notes.push(
                        "inactive in SCIM, kept active here by the bridge's Deactivation::Keep rule"
                            .to_owned(),
                    );
                    stores(Field::Enabled).then_some(true)
                }
            }
        };
        let (given, family) = (name_part("givenName"), name_part("familyName"));
        let joined = match (&given, &family) {
            (Some(given), Some(family)) => Some(format!("{given} {family}")),
            (one, other) => one.clone().or_else(|| other.clone()),
        };
        let display = text(document.get("displayName")).or_else(|| name_part("formatted"));
        // A backend that keeps the person names only inside its one name (ECE's
        // full_name, Connect's name) gets that name in the portable order, and no names
        // beside it that its adapter would have to reconcile.
        let folded =
            capabilities.field(Field::GivenName) == FieldSupport::StoredIn(Field::DisplayName);
        let (given_name, family_name, display_name) = if folded {
            (None, None, display.clone().or(joined))
        } else {
            (
                given.clone().filter(|_| stores(Field::GivenName)),
                family.clone().filter(|_| stores(Field::FamilyName)),
                display.clone().filter(|_| stores(Field::DisplayName)),
            )
        };
        let (phone, phone_problem) = match pick(document, "phoneNumbers") {
            Some(written) if stores(Field::Phone) => {
                match user_provisioner::phone::to_e164(
                    "phoneNumbers",
                    &written,
                    self.phone_region.as_deref(),
                ) {
                    Ok(e164) => (Some(e164), None),
                    // Sent as written: a backend that stores text takes it, one that
                    // stores E.164 only refuses it in its check, and it is left out.
                    Err(problem) => (Some(written), Some(problem_reason(&problem))),
                }
            }
            _ => (None, None),
        };
        let mut state = PortableState {
            username: text(document.get("userName")).unwrap_or_default(),
            email: pick(document, "emails").filter(|_| stores(Field::Email)),
            given_name,
            family_name,
            display_name,
            phone,
            enabled,
            attributes: BTreeMap::new(),
        };
        let unstored: Vec<&str> = [
            (Field::Email, pick(document, "emails").is_some(), "emails"),
            (Field::GivenName, given.is_some(), "name.givenName"),
            (Field::FamilyName, family.is_some(), "name.familyName"),
            (Field::DisplayName, display.is_some(), "displayName"),
            (
                Field::Phone,
                pick(document, "phoneNumbers").is_some(),
                "phoneNumbers",
            ),
        ]
        .into_iter()
        .filter(|(field, sent, _)| *sent && !stores(*field))
        .map(|(_, _, name)| name)
        .collect();
        if !unstored.is_empty() {
            notes.push(format!(
                "not stored by {}: {}",
                self.provisioner.provider().name(),
                unstored.join(", ")
            ));
        }
        let mut missing = Vec::new();
        let prefix = format!("{}.", self.provisioner.provider().key());
        for rule in &self.rules.attributes {
            match rule.value(document) {
                Ok(Some(value)) => {
                    state.attributes.insert(rule.key.clone(), value);
                }
                Ok(None) => {}
                Err(reason) => missing.push((rule.key.clone(), reason)),
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
                missing.retain(|(field, _)| field != key);
            }
        }
        Ok(Desired::Present(Box::new(Present {
            state,
            notes,
            missing,
            phone_problem,
        })))
    }

    /// The create of `present` on this backend, with `password` (the identity
    /// provider's, if any): what the backend refuses left out (a refused password
    /// replaced by a generated one where the rules say so), or why it cannot take the
    /// user (a value it requires is missing).
    ///
    /// # Errors
    /// A [`strict`](BackendRules::strict) backend's refusal, naming the field.
    pub fn plan_create(
        &self,
        present: &Present,
        password: Option<Secret>,
    ) -> Result<Fit<Creation>, ScimError> {
        let capabilities = self.provisioner.capabilities();
        let provider = self.provisioner.provider().name();
        let mut state = present.state.clone();
        let mut notes = present.notes.clone();
        let mut blocked: Vec<(String, String)> = present.missing.clone();
        let mut left_out: BTreeMap<String, String> = BTreeMap::new();
        let support = capabilities.field(Field::Password);
        let mut password = match password {
            Some(password) if support.is_kept() => Some(password),
            Some(_) => {
                notes.push(format!("not stored by {provider}: password"));
                None
            }
            None => None,
        };
        let mut generated = false;
        if password.is_none() && support.is_required() && self.rules.generate_passwords {
            password = Some(generated_password());
            generated = true;
        }
        for _ in 0..MAX_ROUNDS {
            if !blocked.is_empty() {
                break;
            }
            let user = self.new_user(&state, password.clone());
            let refused = match self.provisioner.validate_new_user(&user) {
                Ok(()) => {
                    return Ok(Fit::Fits(Creation {
                        user,
                        state,
                        notice: joined(&notes),
                    }))
                }
                Err(refused) => refused,
            };
            let problems = refused.problems();
            if problems.is_empty() {
                blocked.push(("user".into(), format!("refused: {refused}")));
                break;
            }
            let mut changed = false;
            for problem in problems {
                let Some(slot) = Slot::of(&problem.field) else {
                    blocked.push((problem.field.clone(), problem.reason.clone()));
                    continue;
                };
                let field = slot.scim_name();
                if slot == Slot::Field(Field::Password) {
                    if password.is_none() || generated {
                        let reason = match left_out.get(&field) {
                            Some(why) => format!(
                                "the identity provider's password was refused ({why}), and \
                                 {provider} requires one: send a password it takes, or let its \
                                 rules generate missing passwords"
                            ),
                            None if generated => format!("refused: {}", problem.reason),
                            None => format!(
                                "missing, and {provider} requires one: send one, or let its \
                                 rules generate missing passwords"
                            ),
                        };
                        blocked.push((field, reason));
                        continue;
                    }
                    if self.rules.strict {
                        return Err(
                            self.refusal(&field, &format!("refuses it: {}", problem.reason))
                        );
                    }
                    changed = true;
                    if self.rules.generate_passwords {
                        password = Some(generated_password());
                        generated = true;
                        notes.push(format!(
                            "password: the identity provider's was refused ({}); a generated \
                             one was set",
                            problem.reason
                        ));
                    } else {
                        password = None;
                        left_out.insert(field.clone(), problem.reason.clone());
                        notes.push(format!("password: left out ({})", problem.reason));
                    }
                    continue;
                }
                if state.is_set(&slot) {
                    let reason = match (&slot, &present.phone_problem) {
                        (Slot::Field(Field::Phone), Some(why)) => why.clone(),
                        _ => problem.reason.clone(),
                    };
                    if self.rules.strict {
                        return Err(self.refusal(&field, &format!("refuses it: {reason}")));
                    }
                    if state.leave_out(&slot) {
                        changed = true;
                        notes.push(format!("{field}: left out ({reason})"));
                        left_out.insert(field, reason);
                    } else {
                        blocked.push((field, format!("refused: {reason}")));
                    }
                    continue;
                }
                let reason = match left_out.get(&field) {
                    Some(why) => format!("refused ({why}), and {provider} requires it"),
                    None => format!("missing, and {provider} requires it"),
                };
                blocked.push((field, reason));
            }
            if !changed && blocked.is_empty() {
                blocked.push(("user".into(), format!("refused: {refused}")));
            }
        }
        if blocked.is_empty() {
            blocked.push((
                "user".into(),
                "refused after every value was left out".into(),
            ));
        }
        if self.rules.strict {
            let (field, reason) = &blocked[0];
            return Err(self.refusal(field, reason));
        }
        Ok(Fit::CannotTake(
            blocked
                .iter()
                .map(|(field, reason)| format!("{field}: {reason}"))
                .collect::<Vec<_>>()
                .join("; "),
        ))
    }

    /// The NewUser of `state` with `password`.
    fn new_user(&self, state: &PortableState, password: Option<Secret>) -> NewUser {
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
        user.password = password;
        user
    }

    /// The update from `old` to `present` for the account `id`, checked as the backend
    /// checks it before any request: a change it refuses is not applied and said in the
    /// notice (jambonz cannot take a new password without the current one, which an
    /// identity provider never sends; nor clear an email). Empty when nothing changed.
    ///
    /// # Errors
    /// A [`strict`](BackendRules::strict) backend's refusal, naming the field.
    pub fn plan_update(
        &self,
        id: &UserId,
        old: &PortableState,
        present: &Present,
        password: Option<Secret>,
    ) -> Result<Fit<Change>, ScimError> {
        let old = self.comparable(old);
        let mut state = present.state.clone();
        let mut notes = present.notes.clone();
        let mut password = password;
        for _ in 0..MAX_ROUNDS {
            let update = update_between(&old, &state, password.clone());
            let refused = if update.is_empty() {
                None
            } else {
                self.provisioner.validate_update(id, &update).err()
            };
            let Some(refused) = refused else {
                return Ok(Fit::Fits(Change {
                    update,
                    state,
                    notice: joined(&notes),
                }));
            };
            let problems = refused.problems();
            let mut changed = false;
            for problem in &problems {
                let slot = Slot::of(&problem.field);
                let field = slot
                    .as_ref()
                    .map_or_else(|| problem.field.clone(), Slot::scim_name);
                let reason = match (&slot, &present.phone_problem) {
                    (Some(Slot::Field(Field::Phone)), Some(why)) => why.clone(),
                    _ => problem.reason.clone(),
                };
                let applied = match &slot {
                    Some(Slot::Field(Field::Password)) if password.is_some() => {
                        password = None;
                        true
                    }
                    Some(slot) => state.keep_old(slot, &old),
                    None => false,
                };
                if !applied {
                    continue;
                }
                if self.rules.strict {
                    return Err(self.refusal(&field, &format!("refuses it: {reason}")));
                }
                changed = true;
                notes.push(match slot {
                    Some(Slot::Field(Field::Password)) => {
                        format!("the new password was not applied: {reason}")
                    }
                    _ => format!("{field}: the change was not applied ({reason})"),
                });
            }
            if !changed {
                return Ok(Fit::CannotTake(format!("refuses the change: {refused}")));
            }
        }
        Ok(Fit::CannotTake(
            "refuses the change after every refused value was left out".into(),
        ))
    }

    /// `old` as this version of the bridge states it: a backend that keeps the person
    /// names only inside its one name holds no names beside it (a state synced before
    /// the names were folded in had them).
    fn comparable(&self, old: &PortableState) -> PortableState {
        let capabilities = self.provisioner.capabilities();
        let mut old = old.clone();
        if capabilities.field(Field::GivenName) == FieldSupport::StoredIn(Field::DisplayName) {
            old.given_name = None;
            old.family_name = None;
        }
        old
    }

    /// A 400 naming this backend, the SCIM field and the reason.
    pub fn refusal(&self, field: &str, reason: &str) -> ScimError {
        ScimError::invalid_value(format!(
            "{field}: backend {:?} ({}) {reason}",
            self.name,
            self.provisioner.provider().name()
        ))
    }

    /// Why this backend cannot take a user, naming it, for a refusal of them all.
    pub fn cannot_take(&self, reason: &str) -> String {
        format!(
            "backend {:?} ({}) cannot take it: {reason}",
            self.name,
            self.provisioner.provider().name()
        )
    }
}

/// Notes as one notice.
fn joined(notes: &[String]) -> Option<String> {
    (!notes.is_empty()).then(|| notes.join("; "))
}

/// The reason of a one-field input error (`field: reason` else).
fn problem_reason(error: &user_provisioner::Error) -> String {
    error
        .problems()
        .first()
        .map_or_else(|| error.to_string(), |problem| problem.reason.clone())
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

#[cfg(test)]
mod tests {
    use serde_json::json;
    use user_provisioner::providers::memory::MemoryProvisioner;

    use super::*;

    fn spec(capabilities: Capabilities, rules: BackendRules) -> BackendSpec {
        BackendSpec {
            name: "directory".into(),
            provisioner: Arc::new(MemoryProvisioner::new().with_capabilities(capabilities)),
            rules,
            phone_region: Some("US".into()),
        }
    }

    fn stores(fields: &[Field]) -> Capabilities {
        fields.iter().fold(Capabilities::new(), |caps, field| {
            caps.with_field(*field, FieldSupport::Stored)
        })
    }

    fn present(spec: &BackendSpec, document: Value) -> Present {
        let Value::Object(document) = document else {
            panic!("not an object")
        };
        match spec.desired(&document).unwrap() {
            Desired::Present(present) => *present,
            Desired::Absent => panic!("absent"),
        }
    }

    #[test]
    fn problems_name_the_values_they_concern() {
        assert_eq!(Slot::of("email"), Some(Slot::Field(Field::Email)));
        assert_eq!(
            Slot::of("password.current"),
            Some(Slot::Field(Field::Password))
        );
        assert_eq!(
            Slot::of("attributes[\"netsapiens.extension\"]"),
            Some(Slot::Attribute("netsapiens.extension".into()))
        );
        assert_eq!(Slot::of("update"), None);
        assert_eq!(Slot::Field(Field::Phone).scim_name(), "phoneNumbers");
        assert_eq!(Slot::of("roles"), None);
    }

    #[test]
    fn one_name_backends_get_the_display_name_else_formatted_else_the_names() {
        let folded = Capabilities::new()
            .with_field(Field::DisplayName, FieldSupport::Stored)
            .with_field(Field::GivenName, FieldSupport::StoredIn(Field::DisplayName))
            .with_field(
                Field::FamilyName,
                FieldSupport::StoredIn(Field::DisplayName),
            );
        let spec = spec(folded, BackendRules::new());
        let names =
            json!({ "givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada King" });
        for (document, expected) in [
            (
                json!({ "userName": "a", "displayName": "Countess", "name": names }),
                "Countess",
            ),
            (json!({ "userName": "a", "name": names }), "Ada King"),
            (
                json!({ "userName": "a", "name": { "givenName": "Ada", "familyName": "Lovelace" } }),
                "Ada Lovelace",
            ),
        ] {
            let state = present(&spec, document).state;
            assert_eq!(state.display_name.as_deref(), Some(expected));
            assert_eq!((state.given_name, state.family_name), (None, None));
        }
    }

    #[test]
    fn phones_are_e164_where_they_can_be_read_and_as_written_elsewhere() {
        let spec = spec(stores(&[Field::Phone]), BackendRules::new());
        let phone = |written: &str| {
            present(
                &spec,
                json!({ "userName": "a", "phoneNumbers": [{ "value": written }] }),
            )
        };
        for written in ["312-555-0100", "(312) 555-0100", "+1 312 555 0100"] {
            let read = phone(written);
            assert_eq!(
                read.state.phone.as_deref(),
                Some("+13125550100"),
                "{written}"
            );
            assert_eq!(read.phone_problem, None);
        }
        let unreadable = phone("front desk");
        assert_eq!(unreadable.state.phone.as_deref(), Some("front desk"));
        assert!(unreadable.phone_problem.is_some());
        // A backend that stores text takes it as written.
        let Fit::Fits(creation) = spec.plan_create(&unreadable, None).unwrap() else {
            panic!("a text backend takes it")
        };
        assert_eq!(creation.user.phone.as_deref(), Some("front desk"));
    }

    #[test]
    fn an_e164_backend_leaves_an_unreadable_phone_out_and_a_strict_one_refuses_it() {
        let caps = stores(&[Field::Phone]).with_e164_phones(true);
        let document = json!({ "userName": "a", "phoneNumbers": [{ "value": "555-0100" }] });
        let lenient = spec(caps, BackendRules::new());
        let Fit::Fits(creation) = lenient
            .plan_create(&present(&lenient, document.clone()), None)
            .unwrap()
        else {
            panic!("left out, not refused")
        };
        assert_eq!(creation.state.phone, None);
        assert!(creation
            .notice
            .is_some_and(|notice| notice.contains("phoneNumbers")));
        let strict = spec(caps, BackendRules::new().strict(true));
        let refused = strict
            .plan_create(&present(&strict, document), None)
            .unwrap_err();
        assert!(
            refused.detail().contains("phoneNumbers"),
            "{}",
            refused.detail()
        );
        assert!(
            refused.detail().contains("directory"),
            "{}",
            refused.detail()
        );
    }

    #[test]
    fn a_required_value_missing_blocks_and_a_strict_backend_refuses() {
        let caps = Capabilities::new().with_field(Field::Email, FieldSupport::Required);
        let document = json!({ "userName": "a", "displayName": "A" });
        let lenient = spec(caps, BackendRules::new());
        let Fit::CannotTake(reason) = lenient
            .plan_create(&present(&lenient, document.clone()), None)
            .unwrap()
        else {
            panic!("blocked")
        };
        assert!(reason.contains("emails"), "{reason}");
        let strict = spec(caps, BackendRules::new().strict(true));
        let refused = strict
            .plan_create(&present(&strict, document), None)
            .unwrap_err();
        assert!(refused.detail().contains("emails"), "{}", refused.detail());
    }

    #[test]
    fn a_required_password_is_generated_or_blocks() {
        let caps = Capabilities::new().with_field(Field::Password, FieldSupport::Required);
        let document = json!({ "userName": "a" });
        let generating = spec(caps, BackendRules::new().generate_missing_passwords(true));
        let Fit::Fits(creation) = generating
            .plan_create(&present(&generating, document.clone()), None)
            .unwrap()
        else {
            panic!("generated")
        };
        assert_eq!(creation.user.password.map(|p| p.char_count()), Some(20));
        let without = spec(caps, BackendRules::new());
        let Fit::CannotTake(reason) = without
            .plan_create(&present(&without, document), None)
            .unwrap()
        else {
            panic!("blocked")
        };
        assert!(reason.contains("password"), "{reason}");
    }
}
