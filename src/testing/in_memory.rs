//! A `UserProvisioner` that keeps users in memory, for callers' unit tests.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use serde_json::{json, Value};

use crate::capabilities::{Capabilities, FieldSupport};
use crate::error::{ApiError, Error, Result};
use crate::idempotency::IdempotencyKey;
use crate::options::RequestOptions;
use crate::outcome::{Accepted, CreateOutcome, DeleteOutcome, UpdateOutcome};
use crate::page::{ListUsers, PageCursor, UserPage};
use crate::provider::Provider;
use crate::provisioner::{find_by_listing, UserProvisioner};
use crate::update::{Patch, UserUpdate};
use crate::user::{Field, NewUser, User, UserId, UserKey};
use crate::validate;

/// Makes the error an injected failure returns.
pub type FailureFactory = Arc<dyn Fn() -> Error + Send + Sync>;

/// One operation of [`UserProvisioner`], for failures injected into it alone
/// ([`InMemoryProvisioner::fail_next_op`]) and call counts
/// ([`InMemoryProvisioner::calls_to`]). `find_user` lists and `wait_until_visible`
/// reads, so they count (and fail) as [`List`](Operation::List) and
/// [`Get`](Operation::Get).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Operation {
    /// `create_user`.
    Create,
    /// `get_user`.
    Get,
    /// `update_user`.
    Update,
    /// `delete_user`.
    Delete,
    /// `list_users` (one call per page).
    List,
}

/// When the writes of an [`InMemoryProvisioner`] become readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Visibility {
    /// At once: creates answer `Created`, updates `Updated`, deletes `Deleted` (the
    /// default).
    #[default]
    Immediate,
    /// Creates, updates and deletes answer `Accepted`; the first `n` reads of the user
    /// (`get_user`) after a write still see it as it was (a created user is not found
    /// yet, a deleted one is still there), the next one sees the change. Lists see a
    /// change once it has been read (or `n` is 0).
    AfterReads(u32),
    /// Like [`AfterReads`](Visibility::AfterReads), but the change shows once this
    /// much time has passed since the write, however often it was read.
    AfterDelay(Duration),
}

/// A [`UserProvisioner`] that keeps users in memory: unique usernames and (case-blind)
/// emails, ids `mem-1`, `mem-2`, ..., creates deduplicated by idempotency key like a
/// provider that supports them, and failures on demand.
///
/// ```
/// use user_provisioner::testing::InMemoryProvisioner;
/// use user_provisioner::{NewUser, RequestOptions, UserProvisioner};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let provisioner = InMemoryProvisioner::new();
/// let options = RequestOptions::new();
/// provisioner.create_user_opts(&NewUser::new("ada").with_email("ada@example.com"), &options).await.unwrap();
/// let again = provisioner.create_user_opts(&NewUser::new("ada"), &options).await.unwrap_err();
/// assert!(again.is_conflict());
///
/// provisioner.fail_next(1, 503);
/// assert!(provisioner.get_user_opts(&"mem-1".into(), &options).await.unwrap_err().is_retryable());
/// assert_eq!(provisioner.get_user_opts(&"mem-1".into(), &options).await.unwrap().username.as_deref(), Some("ada"));
/// # }
/// ```
///
/// # Playing a provider
/// [`playing`](Self::playing) takes the [`Provider`] and the [`Capabilities`] of one
/// of this crate's adapters, so that code written for that provider meets its rules
/// without a server: required fields and attributes and fields it cannot store are
/// refused as the capabilities say (all problems at once, before the call counts),
/// fields it keeps elsewhere are read back there (Connect: no username, the name is the
/// display name), a `find_user` by a field it does not store is
/// [`Error::Unsupported`], and an idempotency key is refused where the provider has
/// none. NetSapiens also answers every write [`Accepted`], readable from the second
/// read ([`Visibility::AfterReads`]`(1)`).
///
/// ```
/// use user_provisioner::testing::{InMemoryProvisioner, Operation};
/// use user_provisioner::{CreateOutcome, Error, NewUser, Provider, UserKey, UserProvisioner};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// // NetSapiens' 202: the create is accepted, the user readable a little later.
/// let netsapiens = InMemoryProvisioner::playing(Provider::NETSAPIENS);
/// let person = NewUser::new("ada")
///     .with_email("ada@example.com")
///     .with_names("Ada", "Lovelace")
///     .with_attribute("netsapiens.extension", "1001");
/// let CreateOutcome::Accepted(accepted) = netsapiens.create_user(&person).await.unwrap() else {
///     panic!("NetSapiens accepts first")
/// };
/// let user = netsapiens.wait_until_visible(&accepted).await.unwrap();
/// assert_eq!(user.provider, Provider::NETSAPIENS);
///
/// // Everything NetSapiens would refuse, at once, before anything is stored.
/// let err = netsapiens.create_user(&NewUser::new("bob").with_phone("+15551234567")).await.unwrap_err();
/// assert!(matches!(err, Error::Refused { .. }));
/// assert_eq!(err.problems().len(), 5); // email, names, phone, extension
/// assert_eq!(netsapiens.calls_to(Operation::Create), 1);
///
/// // Connect keeps no username.
/// let connect = InMemoryProvisioner::playing(Provider::CONNECT);
/// let created = connect.create_user(&NewUser::new("cy").with_email("cy@example.com")).await.unwrap();
/// let CreateOutcome::Created(user) = created else { panic!() };
/// assert_eq!((user.username, user.display_name.as_deref()), (None, Some("cy")));
/// assert!(matches!(
///     connect.find_user(&UserKey::username("cy")).await,
///     Err(Error::Unsupported { .. })
/// ));
///
/// // One failure for one operation only.
/// connect.fail_next_op(Operation::Create, 1, 503);
/// assert!(connect.list_all_users().await.is_ok());
/// assert!(connect.create_user(&NewUser::new("di")).await.unwrap_err().is_retryable());
/// # }
/// ```
#[derive(Clone, Default)]
pub struct InMemoryProvisioner {
    state: Arc<Mutex<State>>,
}

struct State {
    provider: Provider,
    capabilities: Capabilities,
    visibility: Visibility,
    users: BTreeMap<u64, User>,
    pending: BTreeMap<u64, Pending>,
    next_id: u64,
    next_request: u64,
    failures: VecDeque<FailureFactory>,
    op_failures: HashMap<Operation, VecDeque<FailureFactory>>,
    idempotency: HashMap<IdempotencyKey, (String, CreateOutcome)>,
    calls: usize,
    op_calls: HashMap<Operation, usize>,
}

/// The capabilities of [`InMemoryProvisioner::new`]: every field stored, a username
/// required, creates deduplicated by idempotency key, lists paged.
const EVERYTHING: Capabilities = {
    let mut caps = Capabilities::new()
        .with_idempotent_create(true)
        .with_server_side_paging(true);
    let mut i = 1;
    while i < Field::ALL.len() {
        caps = caps.with_field(Field::ALL[i], FieldSupport::Stored);
        i += 1;
    }
    caps
};

impl Default for State {
    fn default() -> Self {
        Self {
            provider: Provider::IN_MEMORY,
            capabilities: EVERYTHING,
            visibility: Visibility::Immediate,
            users: BTreeMap::new(),
            pending: BTreeMap::new(),
            next_id: 0,
            next_request: 0,
            failures: VecDeque::new(),
            op_failures: HashMap::new(),
            idempotency: HashMap::new(),
            calls: 0,
            op_calls: HashMap::new(),
        }
    }
}

/// A write not readable yet.
struct Pending {
    /// The user as the change leaves it; `None` for a delete.
    after: Option<User>,
    reads_left: u32,
    ready_at: Option<Instant>,
}

impl Pending {
    fn is_ready(&self, now: Instant) -> bool {
        self.reads_left == 0 && self.ready_at.is_none_or(|at| now >= at)
    }
}

impl std::fmt::Debug for InMemoryProvisioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        let op_failures: usize = state.op_failures.values().map(VecDeque::len).sum();
        f.debug_struct("InMemoryProvisioner")
            .field("provider", &state.provider)
            .field("visibility", &state.visibility)
            .field("users", &state.users.len())
            .field("pending_writes", &state.pending.len())
            .field("pending_failures", &(state.failures.len() + op_failures))
            .finish()
    }
}

impl InMemoryProvisioner {
    /// An empty store that stores every portable field and answers at once.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store playing one of this crate's adapters: its [`Provider`] and its
    /// [`Capabilities`] in the default configuration (NetSapiens without an extension
    /// range, so the `netsapiens.extension` attribute is required), and for NetSapiens
    /// writes answered `Accepted` ([`Visibility::AfterReads`]`(1)`). Any other
    /// provider keeps the capabilities of [`new`](Self::new); set them with
    /// [`with_capabilities`](Self::with_capabilities).
    pub fn playing(provider: Provider) -> Self {
        let mut playing = Self::new().with_provider(provider);
        if let Some(capabilities) = crate::providers::default_capabilities(provider) {
            playing = playing.with_capabilities(capabilities);
        }
        if playing.capabilities().accepted_creates {
            playing = playing.with_visibility(Visibility::AfterReads(1));
        }
        playing
    }

    /// Names the users and errors after `provider`.
    pub fn with_provider(self, provider: Provider) -> Self {
        self.lock().provider = provider;
        self
    }

    /// What the store requires, keeps and refuses, and whether it deduplicates by
    /// idempotency key. [`Capabilities::accepted_creates`] follows the
    /// [`Visibility`]: it is true whenever writes are not immediate.
    pub fn with_capabilities(self, capabilities: Capabilities) -> Self {
        self.lock().capabilities = capabilities;
        self
    }

    /// When writes become readable; anything but [`Visibility::Immediate`] answers
    /// every create, update and delete `Accepted`.
    pub fn with_visibility(self, visibility: Visibility) -> Self {
        self.lock().visibility = visibility;
        self
    }

    /// Fails the next `count` calls (of any method) with the error a provider answering
    /// `status` gives, classified as for real providers (503 is `Server`, 409
    /// `Conflict`, ...). Nothing is changed by a failed call. Failures queued for one
    /// operation ([`fail_next_op`](Self::fail_next_op)) come first.
    pub fn fail_next(&self, count: usize, status: u16) {
        let make = self.status_failure(status);
        self.fail_next_with(count, move || make());
    }

    /// Fails the next `count` calls with errors made by `make`.
    pub fn fail_next_with(&self, count: usize, make: impl Fn() -> Error + Send + Sync + 'static) {
        let make: FailureFactory = Arc::new(make);
        let mut state = self.lock();
        for _ in 0..count {
            state.failures.push_back(Arc::clone(&make));
        }
    }

    /// Fails the next `count` calls of `operation` only, as
    /// [`fail_next`](Self::fail_next) does: other operations go through.
    pub fn fail_next_op(&self, operation: Operation, count: usize, status: u16) {
        let make = self.status_failure(status);
        self.fail_next_op_with(operation, count, move || make());
    }

    /// Fails the next `count` calls of `operation` with errors made by `make`.
    pub fn fail_next_op_with(
        &self,
        operation: Operation,
        count: usize,
        make: impl Fn() -> Error + Send + Sync + 'static,
    ) {
        let make: FailureFactory = Arc::new(make);
        let mut state = self.lock();
        let queue = state.op_failures.entry(operation).or_default();
        for _ in 0..count {
            queue.push_back(Arc::clone(&make));
        }
    }

    fn status_failure(&self, status: u16) -> FailureFactory {
        let provider = self.lock().provider;
        Arc::new(move || ApiError::new(provider, status, "injected failure").into_error())
    }

    /// How many users are stored (readable or not yet).
    pub fn len(&self) -> usize {
        let state = self.lock();
        let created = state
            .pending
            .iter()
            .filter(|(id, _)| !state.users.contains_key(id))
            .count();
        state.users.len() + created
    }

    /// Whether no user is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many trait calls reached the store, failed ones included. A create or
    /// update whose input is refused reaches nothing, as it would send no request.
    pub fn calls(&self) -> usize {
        self.lock().calls
    }

    /// How many calls of `operation` reached the store, as [`calls`](Self::calls)
    /// counts them.
    pub fn calls_to(&self, operation: Operation) -> usize {
        self.lock().op_calls.get(&operation).copied().unwrap_or(0)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts the call, takes an injected failure if one is queued, and applies the
    /// writes that have become readable.
    fn begin(&self, operation: Operation) -> Result<MutexGuard<'_, State>> {
        let mut state = self.lock();
        state.calls += 1;
        *state.op_calls.entry(operation).or_default() += 1;
        let injected = state
            .op_failures
            .get_mut(&operation)
            .and_then(VecDeque::pop_front)
            .or_else(|| state.failures.pop_front());
        if let Some(make) = injected {
            return Err(make());
        }
        state.settle(Instant::now(), None);
        Ok(state)
    }
}

impl State {
    fn capabilities(&self) -> Capabilities {
        match self.visibility {
            Visibility::Immediate => self.capabilities,
            _ => self.capabilities.with_accepted_creates(true),
        }
    }

    /// Applies the pending writes that are ready, and `force`'s whatever its state.
    fn settle(&mut self, now: Instant, force: Option<u64>) {
        let ready: Vec<u64> = self
            .pending
            .iter()
            .filter(|(id, pending)| Some(**id) == force || pending.is_ready(now))
            .map(|(id, _)| *id)
            .collect();
        for id in ready {
            if let Some(pending) = self.pending.remove(&id) {
                match pending.after {
                    Some(user) => self.users.insert(id, user),
                    None => self.users.remove(&id),
                };
            }
        }
    }

    /// Records a write of user `number` (`None`: a delete): applied at once or left
    /// pending, as the visibility says. Returns the acceptance when pending.
    fn write(&mut self, number: u64, after: Option<User>) -> Option<Accepted> {
        let (reads_left, ready_at) = match self.visibility {
            Visibility::Immediate => {
                match after {
                    Some(user) => self.users.insert(number, user),
                    None => self.users.remove(&number),
                };
                return None;
            }
            Visibility::AfterReads(reads) => (reads, None),
            Visibility::AfterDelay(delay) => (0, Some(Instant::now() + delay)),
        };
        self.pending.insert(
            number,
            Pending {
                after,
                reads_left,
                ready_at,
            },
        );
        self.next_request += 1;
        let mut accepted = Accepted::new(self.provider);
        accepted.id = Some(UserId::new(format!("mem-{number}")));
        accepted.request_id = Some(format!("mem-request-{}", self.next_request));
        Some(accepted)
    }

    /// Every user for uniqueness: the readable ones and those created but not yet
    /// readable.
    fn all_users(&self) -> impl Iterator<Item = (u64, &User)> {
        let users = self.users.iter().map(|(id, user)| (*id, user));
        let pending = self
            .pending
            .iter()
            .filter_map(|(id, pending)| Some((*id, pending.after.as_ref()?)));
        users.chain(pending)
    }

    /// The current user `number` including a pending change (what the next write
    /// builds on).
    fn latest(&self, number: u64) -> Option<&User> {
        match self.pending.get(&number) {
            Some(pending) => pending.after.as_ref(),
            None => self.users.get(&number),
        }
    }
}

fn not_found(provider: Provider, id: &UserId) -> Error {
    ApiError::new(provider, 404, format!("no user {id}")).into_error()
}

fn conflict(provider: Provider, what: &str) -> Error {
    ApiError::new(provider, 409, format!("{what} is taken")).into_error()
}

fn parse_id(id: &UserId) -> Option<u64> {
    id.as_str().strip_prefix("mem-")?.parse().ok()
}

fn same_email(a: &Option<String>, b: &str) -> bool {
    a.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(b))
}

fn check_unique(
    state: &State,
    skip: Option<u64>,
    username: Option<&str>,
    email: Option<&str>,
) -> Result<()> {
    for (id, user) in state.all_users() {
        if Some(id) == skip {
            continue;
        }
        if username.is_some() && user.username.as_deref() == username {
            return Err(conflict(state.provider, "the username"));
        }
        if let Some(email) = email {
            if same_email(&user.email, email) {
                return Err(conflict(state.provider, "the email"));
            }
        }
    }
    Ok(())
}

/// Everything a create carries, for telling a replay from a different request.
fn fingerprint(user: &NewUser) -> String {
    json!({
        "username": user.username, "email": user.email, "given": user.given_name,
        "family": user.family_name, "display": user.display_name, "phone": user.phone,
        "roles": user.roles, "enabled": user.enabled, "metadata": user.metadata,
        "password": user.password.as_ref().map(|p| p.expose().len()),
        "attributes": user.attributes.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect::<BTreeMap<_, _>>(),
    })
    .to_string()
}

/// The value of a text field as the store keeps it: as such when stored, else nothing.
fn kept(caps: &Capabilities, field: Field, value: Option<&str>) -> Option<String> {
    value
        .filter(|_| caps.field(field).is_stored())
        .map(str::to_owned)
}

/// The display name as a provider with one name field makes it: the display name, else
/// the person names kept in it joined by a space, else a username kept in it.
fn display_name(
    caps: &Capabilities,
    display: Option<&str>,
    given: Option<&str>,
    family: Option<&str>,
    username: Option<&str>,
) -> Option<String> {
    let into_display = |field| caps.field(field) == FieldSupport::StoredIn(Field::DisplayName);
    fn present(text: Option<&str>) -> Option<&str> {
        text.map(str::trim).filter(|text| !text.is_empty())
    }
    if let Some(display) = present(display).filter(|_| caps.field(Field::DisplayName).is_kept()) {
        return Some(display.to_owned());
    }
    let names: Vec<&str> = [(Field::GivenName, given), (Field::FamilyName, family)]
        .into_iter()
        .filter(|(field, _)| into_display(*field))
        .filter_map(|(_, text)| present(text))
        .collect();
    if !names.is_empty() {
        return Some(names.join(" "));
    }
    present(username)
        .filter(|_| into_display(Field::Username))
        .map(str::to_owned)
}

#[async_trait]
impl UserProvisioner for InMemoryProvisioner {
    fn provider(&self) -> Provider {
        self.lock().provider
    }

    fn capabilities(&self) -> Capabilities {
        self.lock().capabilities()
    }

    async fn create_user_opts(
        &self,
        user: &NewUser,
        options: &RequestOptions,
    ) -> Result<CreateOutcome> {
        // A refused header fails the call before anything happens, as on the wire.
        options.check()?;
        let (provider, caps) = {
            let state = self.lock();
            (state.provider, state.capabilities())
        };
        caps.validate(provider, user)?;
        if !caps.idempotent_create {
            options
                .refuse_idempotency_key(provider, "an unknown outcome is reported as an error")?;
        }
        let mut state = self.begin(Operation::Create)?;
        let print = fingerprint(user);
        if let Some(key) = options.idempotency_key() {
            if let Some((earlier, outcome)) = state.idempotency.get(key) {
                if *earlier == print {
                    return Ok(outcome.clone());
                }
                return Err(Error::IdempotencyKeyReused(Box::new(ApiError::new(
                    provider,
                    409,
                    "idempotency key reused with a different request",
                ))));
            }
        }
        let username = kept(&caps, Field::Username, Some(&user.username));
        let email = kept(&caps, Field::Email, user.email.as_deref());
        check_unique(&state, None, username.as_deref(), email.as_deref())?;
        state.next_id += 1;
        let number = state.next_id;
        let now = Utc::now();
        let mut stored = User::new(provider, format!("mem-{number}"));
        stored.username = username;
        stored.email = email;
        stored.given_name = kept(&caps, Field::GivenName, user.given_name.as_deref());
        stored.family_name = kept(&caps, Field::FamilyName, user.family_name.as_deref());
        stored.display_name = display_name(
            &caps,
            user.display_name.as_deref(),
            user.given_name.as_deref(),
            user.family_name.as_deref(),
            Some(&user.username),
        );
        stored.phone = kept(&caps, Field::Phone, user.phone.as_deref());
        if caps.field(Field::Roles).is_stored() {
            stored.roles = user.roles.clone();
        }
        if caps.field(Field::Enabled).is_stored() {
            stored.enabled = Some(user.enabled.unwrap_or(true));
        }
        stored.created_at = Some(now);
        stored.updated_at = Some(now);
        // The stand-in for the provider's own JSON: the metadata, where it is stored.
        stored.raw = Value::Object(if caps.field(Field::Metadata).is_stored() {
            user.metadata.clone()
        } else {
            serde_json::Map::new()
        });
        let outcome = match state.write(number, Some(stored.clone())) {
            None => CreateOutcome::Created(answered(stored, options)),
            Some(accepted) => CreateOutcome::Accepted(accepted),
        };
        if let Some(key) = options.idempotency_key() {
            state
                .idempotency
                .insert(key.clone(), (print, outcome.clone()));
        }
        Ok(outcome)
    }

    async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
        options.check()?;
        let mut state = self.begin(Operation::Get)?;
        let provider = state.provider;
        let number = parse_id(id).ok_or_else(|| not_found(provider, id))?;
        if let Some(pending) = state.pending.get_mut(&number) {
            // This read still sees the user as it was; a later one sees the change.
            pending.reads_left = pending.reads_left.saturating_sub(1);
        }
        state
            .users
            .get(&number)
            .map(|user| answered(user.clone(), options))
            .ok_or_else(|| not_found(provider, id))
    }

    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome> {
        options.check()?;
        let (provider, caps) = {
            let state = self.lock();
            (state.provider, state.capabilities())
        };
        let not_stored: Vec<Field> = caps
            .not_stored_fields()
            .filter(|field| *field != Field::Username)
            .collect();
        update.check_unsupported(provider, &not_stored)?;
        // A user keeps its username: it is the unique key of a lookup.
        update.check_clears(
            provider,
            &[
                (Field::Username, "the username is the user's unique key"),
                (Field::Password, "a password can be replaced, not cleared"),
            ],
        )?;
        if let Patch::Set(username) = &update.username {
            validate::required_text("username", username)?;
        }
        if let Patch::Set(email) = &update.email {
            validate::email("email", email)?;
        }
        if let Patch::Set(phone) = &update.phone {
            validate::e164("phone", phone)?;
        }
        let mut state = self.begin(Operation::Update)?;
        let number = parse_id(id)
            .filter(|n| state.latest(*n).is_some())
            .ok_or_else(|| not_found(provider, id))?;
        check_unique(
            &state,
            Some(number),
            kept(
                &caps,
                Field::Username,
                update.username.as_set().map(String::as_str),
            )
            .as_deref(),
            update.email.as_set().map(String::as_str),
        )?;
        let Some(mut user) = state.latest(number).cloned() else {
            return Err(not_found(provider, id));
        };
        let set = |field: &mut Option<String>, which: Field, patch: &Patch<String>| match patch {
            Patch::Keep => {}
            Patch::Set(value) => {
                if let Some(value) = kept(&caps, which, Some(value)) {
                    *field = Some(value);
                }
            }
            Patch::Clear => *field = None,
        };
        set(&mut user.username, Field::Username, &update.username);
        set(&mut user.email, Field::Email, &update.email);
        set(&mut user.given_name, Field::GivenName, &update.given_name);
        set(
            &mut user.family_name,
            Field::FamilyName,
            &update.family_name,
        );
        set(&mut user.phone, Field::Phone, &update.phone);
        if update.display_name.is_clear() {
            user.display_name = None;
        }
        let names_given = update.display_name.is_set()
            || update.given_name.is_set()
            || update.family_name.is_set();
        if names_given {
            if let Some(name) = display_name(
                &caps,
                update.display_name.as_set().map(String::as_str),
                update.given_name.as_set().map(String::as_str),
                update.family_name.as_set().map(String::as_str),
                None,
            ) {
                user.display_name = Some(name);
            }
        }
        match update.enabled {
            Patch::Keep => {}
            Patch::Set(enabled) => user.enabled = Some(enabled),
            Patch::Clear => user.enabled = None,
        }
        match &update.roles {
            Patch::Keep => {}
            Patch::Set(roles) => user.roles = roles.clone(),
            Patch::Clear => user.roles.clear(),
        }
        match &update.metadata {
            Patch::Keep => {}
            Patch::Set(metadata) => user.raw = Value::Object(metadata.clone()),
            Patch::Clear => user.raw = Value::Object(serde_json::Map::new()),
        }
        user.updated_at = Some(Utc::now());
        // A change still pending is overtaken by this one.
        state.settle(Instant::now(), Some(number));
        Ok(match state.write(number, Some(user.clone())) {
            None => UpdateOutcome::Updated(answered(user, options)),
            Some(accepted) => UpdateOutcome::Accepted(accepted),
        })
    }

    async fn delete_user_opts(
        &self,
        id: &UserId,
        options: &RequestOptions,
    ) -> Result<DeleteOutcome> {
        options.check()?;
        let mut state = self.begin(Operation::Delete)?;
        let provider = state.provider;
        let number = parse_id(id)
            .filter(|n| state.latest(*n).is_some())
            .ok_or_else(|| not_found(provider, id))?;
        state.settle(Instant::now(), Some(number));
        Ok(match state.write(number, None) {
            None => DeleteOutcome::Deleted,
            Some(accepted) => DeleteOutcome::Accepted(accepted),
        })
    }

    async fn list_users_opts(
        &self,
        request: &ListUsers,
        options: &RequestOptions,
    ) -> Result<UserPage> {
        options.check()?;
        let after = match &request.cursor {
            None => 0,
            Some(cursor) => cursor
                .as_str()
                .parse::<u64>()
                .map_err(|_| Error::invalid_input("cursor", "not a cursor of this provisioner"))?,
        };
        let state = self.begin(Operation::List)?;
        let size = request.page_size.map_or(100, |size| size.max(1) as usize);
        let mut remaining = state.users.range(after + 1..);
        let users: Vec<User> = remaining
            .by_ref()
            .take(size)
            .map(|(_, u)| answered(u.clone(), options))
            .collect();
        let next = match (remaining.next(), users.last()) {
            (Some(_), Some(last)) => parse_id(&last.id).map(|n| PageCursor::new(n.to_string())),
            _ => None,
        };
        Ok(UserPage::new(users, next))
    }

    /// Refuses a key whose field the store does not keep, as the provider played would
    /// (Connect stores no username).
    async fn find_user_opts(
        &self,
        key: &UserKey,
        options: &RequestOptions,
    ) -> Result<Option<User>> {
        options.check()?;
        find_by_listing(self, key, options).await
    }
}

impl Provider {
    /// [`InMemoryProvisioner`], unless it was told to play another provider.
    pub const IN_MEMORY: Provider = Provider::new(&crate::ProviderInfo::new(
        "in-memory",
        "in-memory provisioner",
    ));
}

/// A stored user as a call sees it: `raw` only when the call keeps raw JSON, as on the
/// wire adapters.
fn answered(mut user: User, options: &RequestOptions) -> User {
    if !options.keeps_raw_json() {
        user.raw = Value::Null;
    }
    user
}
