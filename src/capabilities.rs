//! What a backend declares about itself, and the check of a [`NewUser`] against it that
//! every adapter makes before sending anything.

use std::fmt;

use crate::error::{Error, Result};
use crate::provider::Provider;
use crate::user::{Field, NewUser, UnsupportedFields};
use crate::validate;

/// What a backend does with one portable [`Field`] of a create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldSupport {
    /// A create without it is refused before sending; it is stored and read back.
    Required,
    /// Optional; stored and read back when given.
    Stored,
    /// Optional; kept, but as part of another field and read back there only (ECE keeps
    /// given and family names in its one `full_name`, read back as `display_name`;
    /// Connect's one `name` is the display name, else the person names, else the
    /// username).
    StoredIn(Field),
    /// The provider has no place for it: a create that sets it is refused with
    /// [`Error::Unsupported`] unless it chose
    /// [`ignoring_unsupported_fields`](NewUser::ignoring_unsupported_fields).
    NotStored,
}

impl FieldSupport {
    /// Whether a create must set the field.
    pub const fn is_required(self) -> bool {
        matches!(self, FieldSupport::Required)
    }

    /// Whether the value is read back in the same field.
    pub const fn is_stored(self) -> bool {
        matches!(self, FieldSupport::Required | FieldSupport::Stored)
    }

    /// Whether the value is kept at all (in this field or in another).
    pub const fn is_kept(self) -> bool {
        !matches!(self, FieldSupport::NotStored)
    }
}

/// What a backend supports, so a caller can choose before it calls: three behaviours
/// (idempotent creates, `Accepted` answers, server-side paging) and, per portable
/// [`Field`], whether a create requires it, stores it or cannot store it, plus the
/// [`Attributes`](crate::Attributes) a create requires.
///
/// [`check`](Self::check) predicts, without any request, every problem that the
/// backend's create would refuse for its field rules; each adapter's create runs this
/// same check first (and its own value rules after it) and reports all problems in one
/// error.
///
/// A backend written outside this crate describes itself with the builder methods:
///
/// ```
/// use user_provisioner::{Capabilities, Field, FieldSupport, NewUser};
///
/// const LDAP: Capabilities = Capabilities::new()
///     .with_field(Field::Email, FieldSupport::Required)
///     .with_field(Field::DisplayName, FieldSupport::Stored)
///     .with_server_side_paging(true);
///
/// assert_eq!(LDAP.field(Field::Email), FieldSupport::Required);
/// assert_eq!(LDAP.field(Field::Phone), FieldSupport::NotStored);
/// let problems = LDAP.check(&NewUser::new("jdoe").with_phone("+15551234567"));
/// let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
/// assert_eq!(fields, ["email", "phone"]); // email missing, phone not stored
/// ```
///
/// What the backend does with a field is only in its field table: read it with
/// [`field`](Self::field), or [`stores`](Self::stores) for "is it read back as such".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// The provider deduplicates creates by idempotency key, so a create can be re-sent
    /// safely with the same key
    /// ([`RequestOptions::with_idempotency_key`](crate::RequestOptions::with_idempotency_key)).
    pub idempotent_create: bool,
    /// A create may answer [`CreateOutcome::Accepted`](crate::CreateOutcome::Accepted)
    /// (the user is not readable yet).
    pub accepted_creates: bool,
    /// The provider pages lists itself; otherwise the adapter pages a full list.
    pub server_side_paging: bool,
    fields: [FieldSupport; Field::ALL.len()],
    e164_phones: bool,
    required_attributes: &'static [&'static str],
}

impl Default for Capabilities {
    fn default() -> Self {
        Self::new()
    }
}

impl Capabilities {
    /// A backend that requires a username and stores nothing else, with none of the
    /// three behaviours. Declare each field it does store with
    /// [`with_field`](Self::with_field): a field left out is refused rather than
    /// silently dropped.
    pub const fn new() -> Self {
        let mut fields = [FieldSupport::NotStored; Field::ALL.len()];
        fields[Field::Username.index()] = FieldSupport::Required;
        Self {
            idempotent_create: false,
            accepted_creates: false,
            server_side_paging: false,
            fields,
            e164_phones: false,
            required_attributes: &[],
        }
    }

    /// Says what the backend does with `field`.
    pub const fn with_field(mut self, field: Field, support: FieldSupport) -> Self {
        self.fields[field.index()] = support;
        self
    }

    /// The [`Attributes`](crate::Attributes) keys a create must carry, in full
    /// (`netsapiens.extension`).
    pub const fn with_required_attributes(mut self, keys: &'static [&'static str]) -> Self {
        self.required_attributes = keys;
        self
    }

    /// The provider stores phone numbers in E.164 only (`+15551234567`, Connect's
    /// `msisdn`): [`check`](Self::check) refuses a phone number in any other form. Off by
    /// default: a provider that stores a phone number as text takes it as written.
    pub const fn with_e164_phones(mut self, e164: bool) -> Self {
        self.e164_phones = e164;
        self
    }

    /// Whether the provider stores phone numbers in E.164 only
    /// ([`with_e164_phones`](Self::with_e164_phones)).
    pub const fn e164_phones(&self) -> bool {
        self.e164_phones
    }

    /// Sets [`idempotent_create`](Self::idempotent_create).
    pub const fn with_idempotent_create(mut self, idempotent: bool) -> Self {
        self.idempotent_create = idempotent;
        self
    }

    /// Sets [`accepted_creates`](Self::accepted_creates).
    pub const fn with_accepted_creates(mut self, accepted: bool) -> Self {
        self.accepted_creates = accepted;
        self
    }

    /// Sets [`server_side_paging`](Self::server_side_paging).
    pub const fn with_server_side_paging(mut self, paging: bool) -> Self {
        self.server_side_paging = paging;
        self
    }

    /// What the backend does with `field`.
    pub const fn field(&self, field: Field) -> FieldSupport {
        self.fields[field.index()]
    }

    /// Whether the backend stores `field` and reads it back as such: the field is
    /// [`Required`](FieldSupport::Required) or [`Stored`](FieldSupport::Stored)
    /// ([`FieldSupport::is_stored`]). A field kept only inside another
    /// ([`StoredIn`](FieldSupport::StoredIn)) is not.
    ///
    /// ```
    /// use user_provisioner::{Capabilities, Field, FieldSupport};
    ///
    /// let caps = Capabilities::new()
    ///     .with_field(Field::Phone, FieldSupport::Stored)
    ///     .with_field(Field::GivenName, FieldSupport::StoredIn(Field::DisplayName));
    /// assert!(caps.stores(Field::Username) && caps.stores(Field::Phone));
    /// assert!(!caps.stores(Field::GivenName) && !caps.stores(Field::Roles));
    /// ```
    pub const fn stores(&self, field: Field) -> bool {
        self.field(field).is_stored()
    }

    /// Every portable field with what the backend does with it.
    pub fn fields(&self) -> impl Iterator<Item = (Field, FieldSupport)> + '_ {
        Field::ALL
            .into_iter()
            .map(|field| (field, self.field(field)))
    }

    /// The fields a create must set.
    pub fn required_fields(&self) -> impl Iterator<Item = Field> + '_ {
        self.fields()
            .filter(|(_, support)| support.is_required())
            .map(|(field, _)| field)
    }

    /// The fields the backend cannot store.
    pub fn not_stored_fields(&self) -> impl Iterator<Item = Field> + '_ {
        self.fields()
            .filter(|(_, support)| !support.is_kept())
            .map(|(field, _)| field)
    }

    /// The attribute keys a create must carry, such as `netsapiens.extension` (unless the
    /// NetSapiens client allocates extensions from a range).
    pub const fn required_attributes(&self) -> &'static [&'static str] {
        self.required_attributes
    }

    /// Every problem of `user` that these capabilities predict, without any request:
    /// a required field or attribute missing or blank, a field set that the backend
    /// cannot store (unless `user` ignores such fields), an email malformed, a phone
    /// number not in E.164 where the provider stores only that
    /// ([`e164_phones`](Self::e164_phones)). Empty when none is found. An adapter's create makes this check and
    /// then its own value rules (lengths, password policy, role names), and refuses with
    /// every problem at once.
    ///
    /// ```
    /// use user_provisioner::{Capabilities, Field, FieldSupport, NewUser, ProblemKind};
    ///
    /// let caps = Capabilities::new().with_field(Field::Email, FieldSupport::Stored);
    /// let problems = caps.check(&NewUser::new(" ").with_email("nope").with_enabled(false));
    /// let found: Vec<(&str, ProblemKind)> =
    ///     problems.iter().map(|p| (p.field.as_str(), p.kind)).collect();
    /// assert_eq!(found, [
    ///     ("username", ProblemKind::Invalid),
    ///     ("email", ProblemKind::Invalid),
    ///     ("enabled", ProblemKind::Unsupported),
    /// ]);
    /// ```
    pub fn check(&self, user: &NewUser) -> Vec<InputProblem> {
        let mut problems = Vec::new();
        for (field, support) in self.fields() {
            let set = user.is_set(field);
            match support {
                FieldSupport::Required => required(user, field, &mut problems),
                FieldSupport::NotStored if set => {
                    if user.unsupported_fields == UnsupportedFields::Reject {
                        problems.push(InputProblem::unsupported(
                            field.name(),
                            "the provider has no such field; leave it unset or use \
                             ignoring_unsupported_fields()",
                        ));
                    }
                    continue;
                }
                _ => {}
            }
            if !set || problems.iter().any(|p| p.field == field.name()) {
                continue;
            }
            let text = user.text(field).unwrap_or_default();
            let format = match field {
                Field::Email => validate::email(field.name(), text),
                Field::Phone if self.e164_phones => validate::e164(field.name(), text),
                _ => Ok(()),
            };
            if let Err(err) = format {
                problems.extend(err.problems());
            }
        }
        for key in self.required_attributes {
            if user
                .attributes
                .get(key)
                .is_none_or(serde_json::Value::is_null)
            {
                problems.push(InputProblem::invalid(
                    format!("attributes[{key:?}]"),
                    "is required by this provider; set it with with_attribute",
                ));
            }
        }
        problems
    }

    /// [`check`](Self::check) as one error for `provider`: `Ok` when nothing is wrong,
    /// else what [`Error::from_problems`] makes of the problems.
    pub fn validate(&self, provider: Provider, user: &NewUser) -> Result<()> {
        match Error::from_problems(provider, self.check(user)) {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}

/// A required field: present, and for text not blank and free of control characters.
fn required(user: &NewUser, field: Field, problems: &mut Vec<InputProblem>) {
    if !user.is_set(field) {
        problems.push(InputProblem::invalid(
            field.name(),
            "is required by this provider",
        ));
        return;
    }
    let blank = match field {
        Field::Password => user.password.as_ref().is_some_and(|p| p.is_empty()),
        _ => false,
    };
    if blank {
        problems.push(InputProblem::invalid(field.name(), "must not be empty"));
    }
    if let Some(text) = user.text(field) {
        if let Err(err) = validate::required_text(field.name(), text) {
            problems.extend(err.problems());
        }
    }
}

/// What kind of problem an [`InputProblem`] is: which single error it would be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A value missing or refused ([`Error::InvalidInput`] when alone).
    Invalid,
    /// A field the provider cannot store ([`Error::Unsupported`] when alone).
    Unsupported,
}

/// One problem of a request found before sending: the field, as a path such as `email`
/// or `attributes["netsapiens.extension"]`, and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct InputProblem {
    /// The field at fault.
    pub field: String,
    /// Why it is refused.
    pub reason: String,
    /// Which kind of problem.
    pub kind: ProblemKind,
}

impl InputProblem {
    /// A value missing or refused.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
            kind: ProblemKind::Invalid,
        }
    }

    /// A field the provider cannot store.
    pub fn unsupported(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
            kind: ProblemKind::Unsupported,
        }
    }
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// The problems of one create, gathered by an adapter: [`Capabilities::check`] first,
/// then the adapter's own rules, each field's checked only if the core found nothing
/// wrong with it.
#[cfg(feature = "http-base")]
#[derive(Debug)]
pub(crate) struct Problems {
    provider: Provider,
    found: Vec<InputProblem>,
}

#[cfg(feature = "http-base")]
impl Problems {
    /// Starts with what `capabilities` predict for `user`, and refuses attributes under
    /// `provider`'s prefix that are not in `known`.
    pub(crate) fn of(
        capabilities: &Capabilities,
        provider: Provider,
        user: &NewUser,
        known: &[&str],
    ) -> Self {
        let mut found = capabilities.check(user);
        let prefix = provider.key();
        for (key, _) in user.attributes.iter() {
            let Some(name) = key
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('.'))
            else {
                continue;
            };
            if !known.contains(&name) {
                let known = if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                };
                found.push(InputProblem::invalid(
                    format!("attributes[{key:?}]"),
                    format!("{provider} has no attribute `{name}`; known: {known}"),
                ));
            }
        }
        Self { provider, found }
    }

    /// Whether a problem names `field` already.
    #[cfg(any(
        feature = "jambonz",
        feature = "netsapiens",
        feature = "connect",
        feature = "ece",
    ))]
    pub(crate) fn has(&self, field: &str) -> bool {
        self.found.iter().any(|problem| problem.field == field)
    }

    /// Adds the problems of a failed check.
    pub(crate) fn add(&mut self, result: Result<()>) {
        if let Err(err) = result {
            let problems = err.problems();
            if problems.is_empty() {
                // Not an input error: keep it visible rather than lose it.
                self.found
                    .push(InputProblem::invalid("request", err.to_string()));
            }
            self.found.extend(problems);
        }
    }

    /// Runs `check` unless `field` has a problem already.
    #[cfg(any(
        feature = "jambonz",
        feature = "netsapiens",
        feature = "connect",
        feature = "ece",
    ))]
    pub(crate) fn check(&mut self, field: &str, check: impl FnOnce() -> Result<()>) {
        if !self.has(field) {
            self.add(check());
        }
    }

    /// Changes the reason of the problem of `field`, for a hint only the adapter knows.
    #[cfg(any(feature = "netsapiens", feature = "scim-client"))]
    pub(crate) fn explain(&mut self, field: &str, reason: &str) {
        for problem in self.found.iter_mut().filter(|p| p.field == field) {
            problem.reason = reason.to_owned();
        }
    }

    /// `Ok` when nothing was found, else one error with every problem.
    pub(crate) fn finish(self) -> Result<()> {
        match Error::from_problems(self.provider, self.found) {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_fields_are_refused_unless_ignored() {
        let caps = Capabilities::new();
        let user = NewUser::new("a").with_phone("+15551234567");
        let err = caps.validate(Provider::EXAMPLE, &user).unwrap_err();
        assert!(matches!(err, Error::Unsupported { ref field, .. } if field == "phone"));
        assert!(caps
            .validate(Provider::EXAMPLE, &user.ignoring_unsupported_fields())
            .is_ok());
    }

    #[test]
    fn several_problems_are_one_refusal_listing_all() {
        let caps = Capabilities::new()
            .with_field(Field::Email, FieldSupport::Required)
            .with_required_attributes(&["example.account"]);
        let user = NewUser::new("a").with_phone("x").with_metadata("k", 1);
        let err = caps.validate(Provider::EXAMPLE, &user).unwrap_err();
        let Error::Refused { provider, problems } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*provider, Provider::EXAMPLE);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "email",
                "phone",
                "metadata",
                "attributes[\"example.account\"]"
            ]
        );
        assert_eq!(err.problems(), *problems);
        assert!(err.to_string().contains("4 problems"), "{err}");
        assert!(!err.is_retryable() && !err.is_outcome_unknown());
    }

    #[test]
    fn a_value_of_a_field_not_stored_is_not_checked_when_ignored() {
        let caps = Capabilities::new();
        let user = NewUser::new("a")
            .with_phone("not a number")
            .ignoring_unsupported_fields();
        assert!(caps.check(&user).is_empty());
    }

    #[test]
    fn a_phone_format_is_checked_only_where_the_provider_requires_one() {
        let text = Capabilities::new().with_field(Field::Phone, FieldSupport::Stored);
        let e164 = text.with_e164_phones(true);
        assert!(!text.e164_phones() && e164.e164_phones());
        let local = NewUser::new("a").with_phone("312-555-0100");
        assert!(text.check(&local).is_empty());
        let problems = e164.check(&local);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "phone");
        assert!(e164
            .check(&NewUser::new("a").with_phone("+13125550100"))
            .is_empty());
    }

    #[test]
    fn summaries_follow_the_field_table() {
        let caps = Capabilities::new()
            .with_field(Field::GivenName, FieldSupport::Stored)
            .with_field(
                Field::FamilyName,
                FieldSupport::StoredIn(Field::DisplayName),
            )
            .with_field(Field::Phone, FieldSupport::Required);
        // The family name is kept only inside the display name, so not stored as such.
        assert!(caps.stores(Field::GivenName) && !caps.stores(Field::FamilyName));
        assert!(caps.stores(Field::Phone) && !caps.stores(Field::Password));
        assert_eq!(
            caps.required_fields().collect::<Vec<_>>(),
            [Field::Username, Field::Phone]
        );
    }

    #[test]
    fn single_problems_keep_their_old_variants() {
        let invalid =
            Error::from_problems(Provider::EXAMPLE, vec![InputProblem::invalid("a", "b")]);
        assert!(matches!(invalid, Some(Error::InvalidInput { ref field, .. }) if field == "a"));
        let unsupported =
            Error::from_problems(Provider::EXAMPLE, vec![InputProblem::unsupported("a", "b")]);
        assert!(matches!(
            unsupported,
            Some(Error::Unsupported {
                provider: Provider::EXAMPLE,
                ..
            })
        ));
    }
}
