//! A `UserProvisioner` that keeps users in memory, for callers' unit tests.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::Utc;
use serde_json::{json, Value};

use crate::error::{ApiError, Error, Result};
use crate::idempotency::IdempotencyKey;
use crate::options::RequestOptions;
use crate::patch::Patch;
use crate::provisioner::{Capabilities, Provider, UserProvisioner};
use crate::update::UserUpdate;
use crate::user::Field;
use crate::user::{
    CreateOutcome, DeleteOutcome, ListUsers, NewUser, PageCursor, UpdateOutcome, User, UserId,
    UserPage,
};
use crate::validate;

/// Makes the error an injected failure returns.
pub type FailureFactory = Arc<dyn Fn() -> Error + Send + Sync>;

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
#[derive(Clone, Default)]
pub struct InMemoryProvisioner {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    users: BTreeMap<u64, User>,
    next_id: u64,
    failures: VecDeque<FailureFactory>,
    idempotency: HashMap<IdempotencyKey, (String, CreateOutcome)>,
    calls: usize,
}

impl std::fmt::Debug for InMemoryProvisioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("InMemoryProvisioner")
            .field("users", &state.users.len())
            .field("pending_failures", &state.failures.len())
            .finish()
    }
}

impl InMemoryProvisioner {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fails the next `count` calls (of any method) with the error a provider answering
    /// `status` gives, classified as for real providers (503 is `Server`, 409
    /// `Conflict`, ...). Nothing is changed by a failed call.
    pub fn fail_next(&self, count: usize, status: u16) {
        self.fail_next_with(count, move || {
            ApiError::new(Provider::IN_MEMORY, status, "injected failure").into_error()
        });
    }

    /// Fails the next `count` calls with errors made by `make`.
    pub fn fail_next_with(&self, count: usize, make: impl Fn() -> Error + Send + Sync + 'static) {
        let make: FailureFactory = Arc::new(make);
        let mut state = self.lock();
        for _ in 0..count {
            state.failures.push_back(Arc::clone(&make));
        }
    }

    /// How many users are stored.
    pub fn len(&self) -> usize {
        self.lock().users.len()
    }

    /// Whether no user is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many trait calls were made, failed ones included.
    pub fn calls(&self) -> usize {
        self.lock().calls
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts the call and takes an injected failure if one is queued.
    fn begin(&self) -> Result<MutexGuard<'_, State>> {
        let mut state = self.lock();
        state.calls += 1;
        match state.failures.pop_front() {
            Some(make) => Err(make()),
            None => Ok(state),
        }
    }
}

fn not_found(id: &UserId) -> Error {
    ApiError::new(Provider::IN_MEMORY, 404, format!("no user {id}")).into_error()
}

fn conflict(what: &str) -> Error {
    ApiError::new(Provider::IN_MEMORY, 409, format!("{what} is taken")).into_error()
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
    for (id, user) in &state.users {
        if Some(*id) == skip {
            continue;
        }
        if username.is_some() && user.username.as_deref() == username {
            return Err(conflict("the username"));
        }
        if let Some(email) = email {
            if same_email(&user.email, email) {
                return Err(conflict("the email"));
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

fn check_new_user(user: &NewUser) -> Result<()> {
    validate::required_text("username", &user.username)?;
    if let Some(email) = &user.email {
        validate::email("email", email)?;
    }
    if let Some(phone) = &user.phone {
        validate::e164("phone", phone)?;
    }
    Ok(())
}

#[async_trait]
impl UserProvisioner for InMemoryProvisioner {
    fn provider(&self) -> Provider {
        Provider::IN_MEMORY
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            idempotent_create: true,
            accepted_creates: false,
            server_side_paging: true,
            password: true,
            person_names: true,
            display_name: true,
            phone: true,
            roles: true,
            metadata: true,
        }
    }

    async fn create_user_opts(
        &self,
        user: &NewUser,
        options: &RequestOptions,
    ) -> Result<CreateOutcome> {
        check_new_user(user)?;
        let mut state = self.begin()?;
        let print = fingerprint(user);
        if let Some(key) = options.idempotency_key() {
            if let Some((earlier, outcome)) = state.idempotency.get(key) {
                if *earlier == print {
                    return Ok(outcome.clone());
                }
                return Err(Error::IdempotencyKeyReused(Box::new(ApiError::new(
                    Provider::IN_MEMORY,
                    409,
                    "idempotency key reused with a different request",
                ))));
            }
        }
        check_unique(&state, None, Some(&user.username), user.email.as_deref())?;
        state.next_id += 1;
        let number = state.next_id;
        let now = Utc::now();
        let mut stored = User::new(Provider::IN_MEMORY, format!("mem-{number}"));
        stored.username = Some(user.username.clone());
        stored.email = user.email.clone();
        stored.given_name = user.given_name.clone();
        stored.family_name = user.family_name.clone();
        stored.display_name = user.display_name.clone();
        stored.phone = user.phone.clone();
        stored.roles = user.roles.clone();
        stored.enabled = Some(user.enabled.unwrap_or(true));
        stored.created_at = Some(now);
        stored.updated_at = Some(now);
        stored.raw = Value::Object(user.metadata.clone());
        state.users.insert(number, stored.clone());
        let outcome = CreateOutcome::Created(stored);
        if let Some(key) = options.idempotency_key() {
            state
                .idempotency
                .insert(key.clone(), (print, outcome.clone()));
        }
        Ok(outcome)
    }

    async fn get_user_opts(&self, id: &UserId, _options: &RequestOptions) -> Result<User> {
        let state = self.begin()?;
        parse_id(id)
            .and_then(|n| state.users.get(&n).cloned())
            .ok_or_else(|| not_found(id))
    }

    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        _options: &RequestOptions,
    ) -> Result<UpdateOutcome> {
        update.check_unsupported(Provider::IN_MEMORY, &[])?;
        // A user keeps its username: it is the unique key of a lookup.
        update.check_clears(
            Provider::IN_MEMORY,
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
        let mut state = self.begin()?;
        let number = parse_id(id)
            .filter(|n| state.users.contains_key(n))
            .ok_or_else(|| not_found(id))?;
        check_unique(
            &state,
            Some(number),
            update.username.as_set().map(String::as_str),
            update.email.as_set().map(String::as_str),
        )?;
        let Some(user) = state.users.get_mut(&number) else {
            return Err(not_found(id));
        };
        fn set<T: Clone>(field: &mut Option<T>, patch: &Patch<T>) {
            match patch {
                Patch::Keep => {}
                Patch::Set(value) => *field = Some(value.clone()),
                Patch::Clear => *field = None,
            }
        }
        set(&mut user.username, &update.username);
        set(&mut user.email, &update.email);
        set(&mut user.given_name, &update.given_name);
        set(&mut user.family_name, &update.family_name);
        set(&mut user.display_name, &update.display_name);
        set(&mut user.phone, &update.phone);
        set(&mut user.enabled, &update.enabled);
        match &update.roles {
            Patch::Keep => {}
            Patch::Set(roles) => user.roles = roles.clone(),
            Patch::Clear => user.roles.clear(),
        }
        match &update.metadata {
            Patch::Keep => {}
            Patch::Set(metadata) => user.raw = Value::Object(metadata.clone()),
            Patch::Clear => user.raw = Value::Null,
        }
        user.updated_at = Some(Utc::now());
        Ok(UpdateOutcome::Updated(user.clone()))
    }

    async fn delete_user_opts(
        &self,
        id: &UserId,
        _options: &RequestOptions,
    ) -> Result<DeleteOutcome> {
        let mut state = self.begin()?;
        parse_id(id)
            .and_then(|n| state.users.remove(&n))
            .map(|_| DeleteOutcome::Deleted)
            .ok_or_else(|| not_found(id))
    }

    async fn list_users_opts(
        &self,
        request: &ListUsers,
        _options: &RequestOptions,
    ) -> Result<UserPage> {
        let after = match &request.cursor {
            None => 0,
            Some(cursor) => cursor
                .as_str()
                .parse::<u64>()
                .map_err(|_| Error::invalid_input("cursor", "not a cursor of this provisioner"))?,
        };
        let state = self.begin()?;
        let size = request.page_size.map_or(100, |size| size.max(1) as usize);
        let mut remaining = state.users.range(after + 1..);
        let users: Vec<User> = remaining
            .by_ref()
            .take(size)
            .map(|(_, u)| u.clone())
            .collect();
        let next = match (remaining.next(), users.last()) {
            (Some(_), Some(last)) => parse_id(&last.id).map(|n| PageCursor::new(n.to_string())),
            _ => None,
        };
        Ok(UserPage::new(users, next))
    }
}

impl Provider {
    /// [`InMemoryProvisioner`], unless it was told to play another provider.
    pub const IN_MEMORY: Provider = Provider::new(&crate::ProviderInfo::new(
        "in-memory",
        "in-memory provisioner",
    ));
}
