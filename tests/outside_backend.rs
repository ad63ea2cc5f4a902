//! What a crate that depends on user-provisioner can build on the trait alone (an
//! integration test is such a crate: it sees only the public API): a decorator that
//! audits every call of any backend, and a fifth backend of its own, both passing the
//! same conformance suite as the crate's adapters.
#![cfg(all(feature = "testing", feature = "jambonz"))]

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::JambonzTarget;
use user_provisioner::conformance_suite;
use user_provisioner::providers::memory::MemoryProvisioner;
use user_provisioner::testing::conformance::Subject;
use user_provisioner::{
    async_trait, Accepted, ApiError, Capabilities, CreateOutcome, DeleteOutcome, Error, Field,
    FieldSupport, ListUsers, NewUser, PageCursor, Patch, Provider, ProviderInfo, RequestOptions,
    Result, UpdateOutcome, User, UserId, UserKey, UserPage, UserProvisioner, UserUpdate,
    VisibilityWait,
};

conformance_suite!(audited_in_memory, crate::audited_in_memory);
conformance_suite!(audited_jambonz_emulator, crate::audited_jambonz_emulator);
conformance_suite!(toy_directory, crate::toy_directory);

// ---- a decorator: audits every call of any backend --------------------------------

/// One audited call.
#[derive(Debug, Clone, PartialEq)]
struct AuditEntry {
    provider: Provider,
    operation: &'static str,
    succeeded: bool,
    took: Duration,
}

/// Wraps any backend and records each call's operation, outcome and latency.
#[derive(Debug)]
struct Audited {
    inner: Arc<dyn UserProvisioner>,
    log: Arc<Mutex<Vec<AuditEntry>>>,
}

impl Audited {
    fn new(inner: Arc<dyn UserProvisioner>) -> Self {
        Self {
            inner,
            log: Arc::default(),
        }
    }

    fn record<T>(&self, operation: &'static str, started: Instant, result: &Result<T>) {
        self.log.lock().unwrap().push(AuditEntry {
            provider: self.inner.provider(),
            operation,
            succeeded: result.is_ok(),
            took: started.elapsed(),
        });
    }
}

#[async_trait]
impl UserProvisioner for Audited {
    fn provider(&self) -> Provider {
        self.inner.provider()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn create_user_opts(
        &self,
        user: &NewUser,
        options: &RequestOptions,
    ) -> Result<CreateOutcome> {
        let started = Instant::now();
        let result = self.inner.create_user_opts(user, options).await;
        self.record("create", started, &result);
        result
    }

    async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
        let started = Instant::now();
        let result = self.inner.get_user_opts(id, options).await;
        self.record("get", started, &result);
        result
    }

    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome> {
        let started = Instant::now();
        let result = self.inner.update_user_opts(id, update, options).await;
        self.record("update", started, &result);
        result
    }

    async fn delete_user_opts(
        &self,
        id: &UserId,
        options: &RequestOptions,
    ) -> Result<DeleteOutcome> {
        let started = Instant::now();
        let result = self.inner.delete_user_opts(id, options).await;
        self.record("delete", started, &result);
        result
    }

    async fn list_users_opts(
        &self,
        request: &ListUsers,
        options: &RequestOptions,
    ) -> Result<UserPage> {
        let started = Instant::now();
        let result = self.inner.list_users_opts(request, options).await;
        self.record("list", started, &result);
        result
    }

    // Forwarded so the inner backend's own, cheaper versions are used.
    async fn find_user_opts(
        &self,
        key: &UserKey,
        options: &RequestOptions,
    ) -> Result<Option<User>> {
        let started = Instant::now();
        let result = self.inner.find_user_opts(key, options).await;
        self.record("find", started, &result);
        result
    }

    async fn wait_until_visible_opts(
        &self,
        accepted: &Accepted,
        wait: &VisibilityWait,
        options: &RequestOptions,
    ) -> Result<User> {
        self.inner
            .wait_until_visible_opts(accepted, wait, options)
            .await
    }
}

fn audited_subject(subject: Subject) -> Subject {
    let audited = Arc::new(Audited::new(Arc::clone(subject.provisioner())));
    subject.with_provisioner(audited)
}

async fn audited_in_memory() -> Subject {
    audited_subject(
        Subject::new(
            "audited in-memory",
            Arc::new(MemoryProvisioner::new()),
            |n| {
                NewUser::new(format!("user{n}"))
                    .with_email(format!("user{n}@example.com"))
                    .with_password(format!("Str0ngP@ss{n}"))
            },
            "mem-999999",
        )
        // The in-memory backend stores no attribute of its own, so it refuses none.
        .accepting_any_attribute(),
    )
}

async fn audited_jambonz_emulator() -> Subject {
    let target = Arc::new(JambonzTarget::emulator().await);
    let people = Arc::clone(&target);
    let wire = Arc::clone(&target);
    audited_subject(
        Subject::new(
            "audited jambonz emulator",
            Arc::new(target.client()),
            move |n| people.person(n),
            "0b7e4f8a-4b7e-4f8a-9c3d-2e5f7b8a9c1d",
        )
        .with_requests(move || wire.seen().into_iter().map(|s| s.method).collect())
        .keeping(target),
    )
}

#[tokio::test]
async fn the_audit_log_sees_every_call_with_its_outcome() {
    let audited = Audited::new(Arc::new(MemoryProvisioner::new()));
    let log = Arc::clone(&audited.log);
    let backend: Arc<dyn UserProvisioner> = Arc::new(audited);
    let person = NewUser::new("ada")
        .with_email("ada@example.com")
        .with_password("Str0ngP@ss1");
    let CreateOutcome::Created(user) = backend.create_user(&person).await.unwrap() else {
        panic!("in-memory creates are Created")
    };
    backend.get_user(&user.id).await.unwrap();
    assert!(backend
        .create_user(&person)
        .await
        .unwrap_err()
        .is_conflict());
    let _ = backend.delete_user(&user.id).await.unwrap();
    let seen: Vec<(&str, bool)> = log
        .lock()
        .unwrap()
        .iter()
        .map(|entry| (entry.operation, entry.succeeded))
        .collect();
    assert_eq!(
        seen,
        [
            ("create", true),
            ("get", true),
            ("create", false),
            ("delete", true)
        ]
    );
    assert!(log
        .lock()
        .unwrap()
        .iter()
        .all(|entry| entry.provider == backend.provider()));
    assert!(!format!("{:?}", log.lock().unwrap()).contains("Str0ngP@ss1"));
}

// ---- a fifth backend, written outside the crate -------------------------------------

/// The toy backend's identity: nothing in the crate names it.
const TOY: Provider = Provider::new(&ProviderInfo::new("toy", "Toy directory"));

/// The toy backend's own typed error body, carried in `ApiError::detail`.
#[derive(Debug, Clone, PartialEq)]
struct ToyError {
    reason: &'static str,
}

/// An in-process directory with unique usernames and emails, as a provider outside this
/// crate would implement the trait: its own provider identity, capabilities, error
/// detail and paging.
#[derive(Debug, Default)]
struct ToyDirectory {
    users: Mutex<BTreeMap<u64, User>>,
    next_id: Mutex<u64>,
    calls: Arc<Mutex<Vec<String>>>,
}

impl ToyDirectory {
    fn refuse(status: u16, reason: &'static str) -> Error {
        ApiError::new(TOY, status, reason)
            .with_detail(ToyError { reason })
            .into_error()
    }

    fn id_of(id: &UserId) -> Result<u64> {
        id.as_str().parse().map_err(|_| Error::InvalidInput {
            field: "id".into(),
            reason: format!("{:?} is not a toy id (a number)", id.as_str()),
        })
    }

    fn check_email(email: &str) -> Result<()> {
        let valid = email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
        if valid {
            Ok(())
        } else {
            Err(Error::InvalidInput {
                field: "email".into(),
                reason: "is not an email address".into(),
            })
        }
    }

    fn taken(&self, except: Option<u64>, username: Option<&str>, email: Option<&str>) -> bool {
        self.users.lock().unwrap().iter().any(|(id, user)| {
            Some(*id) != except
                && (username.is_some() && user.username.as_deref() == username
                    || email.is_some_and(|email| {
                        user.email
                            .as_deref()
                            .is_some_and(|own| own.eq_ignore_ascii_case(email))
                    }))
        })
    }

    fn called(&self, operation: &str) {
        self.calls.lock().unwrap().push(operation.to_owned());
    }
}

#[async_trait]
impl UserProvisioner for ToyDirectory {
    fn provider(&self) -> Provider {
        TOY
    }

    fn capabilities(&self) -> Capabilities {
        TOY_CAPABILITIES
    }

    async fn create_user_opts(&self, user: &NewUser, _: &RequestOptions) -> Result<CreateOutcome> {
        // The crate's own check of what the capabilities say, all problems at once.
        self.capabilities().validate(TOY, user)?;
        if user.username.trim().is_empty() {
            return Err(Error::InvalidInput {
                field: "username".into(),
                reason: "is blank".into(),
            });
        }
        self.called("POST");
        if self.taken(None, Some(&user.username), user.email.as_deref()) {
            return Err(Self::refuse(409, "username or email taken"));
        }
        let id = {
            let mut next = self.next_id.lock().unwrap();
            *next += 1;
            *next
        };
        let mut stored = User::new(TOY, id.to_string());
        stored.username = Some(user.username.clone());
        stored.email = user.email.clone();
        stored.given_name = user.given_name.clone();
        stored.family_name = user.family_name.clone();
        stored.enabled = Some(user.enabled.unwrap_or(true));
        self.users.lock().unwrap().insert(id, stored.clone());
        Ok(CreateOutcome::Created(stored))
    }

    async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
        let id = Self::id_of(id)?;
        self.called("GET");
        let mut user = self
            .users
            .lock()
            .unwrap()
            .get(&id)
            .cloned()
            .ok_or_else(|| Self::refuse(404, "no such user"))?;
        // The directory's own record, only for a caller who asks for it.
        if options.keeps_raw_json() {
            user.raw = serde_json::json!({ "id": user.id.as_str(), "name": user.username });
        }
        Ok(user)
    }

    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        _: &RequestOptions,
    ) -> Result<UpdateOutcome> {
        let id = Self::id_of(id)?;
        if update.is_empty() {
            return Err(Error::InvalidInput {
                field: "update".into(),
                reason: "names no change".into(),
            });
        }
        let unsupported = [
            ("roles", !update.roles.is_keep()),
            ("phone", !update.phone.is_keep()),
            ("display_name", !update.display_name.is_keep()),
            ("password", !update.password.is_keep()),
            ("metadata", !update.metadata.is_keep()),
        ];
        if let Some((field, _)) = unsupported.iter().find(|(_, named)| *named) {
            return Err(Error::Unsupported {
                provider: TOY,
                field: (*field).into(),
                reason: "the toy directory has no such field".into(),
            });
        }
        if update.username.is_clear() {
            return Err(Error::Unsupported {
                provider: TOY,
                field: "username".into(),
                reason: "cannot be cleared: it is the user's unique key".into(),
            });
        }
        if let Some(key) = update.attributes.iter().map(|(key, _)| key).next() {
            return Err(Error::InvalidInput {
                field: key.to_owned(),
                reason: "the toy directory has no attributes".into(),
            });
        }
        if let Patch::Set(email) = &update.email {
            Self::check_email(email)?;
        }
        self.called("PUT");
        let new_username = update.username.as_set().map(String::as_str);
        let new_email = update.email.as_set().map(String::as_str);
        if self.taken(Some(id), new_username, new_email) {
            return Err(Self::refuse(409, "username or email taken"));
        }
        let mut users = self.users.lock().unwrap();
        let user = users
            .get_mut(&id)
            .ok_or_else(|| Self::refuse(404, "no such user"))?;
        if let Some(username) = new_username {
            user.username = Some(username.to_owned());
        }
        match &update.email {
            Patch::Set(email) => user.email = Some(email.clone()),
            Patch::Clear => user.email = None,
            _ => {}
        }
        match update.enabled {
            Patch::Set(enabled) => user.enabled = Some(enabled),
            Patch::Clear => user.enabled = None,
            _ => {}
        }
        Ok(UpdateOutcome::Updated(user.clone()))
    }

    async fn delete_user_opts(&self, id: &UserId, _: &RequestOptions) -> Result<DeleteOutcome> {
        let id = Self::id_of(id)?;
        self.called("DELETE");
        match self.users.lock().unwrap().remove(&id) {
            Some(_) => Ok(DeleteOutcome::Deleted),
            None => Err(Self::refuse(404, "no such user")),
        }
    }

    async fn list_users_opts(&self, request: &ListUsers, _: &RequestOptions) -> Result<UserPage> {
        let after = match &request.cursor {
            Some(cursor) => {
                Some(
                    cursor
                        .as_str()
                        .parse::<u64>()
                        .map_err(|_| Error::InvalidInput {
                            field: "cursor".into(),
                            reason: "is not a toy cursor".into(),
                        })?,
                )
            }
            None => None,
        };
        self.called("GET");
        let size = request.page_size.unwrap_or(50).max(1) as usize;
        let users = self.users.lock().unwrap();
        let mut page: Vec<(u64, User)> = users
            .iter()
            .filter(|(id, _)| after.is_none_or(|after| **id > after))
            .take(size + 1)
            .map(|(id, user)| (*id, user.clone()))
            .collect();
        let more = page.len() > size;
        page.truncate(size);
        let next = more
            .then(|| {
                page.last()
                    .map(|(id, _)| PageCursor::from_stored(id.to_string()))
            })
            .flatten();
        Ok(UserPage::new(
            page.into_iter().map(|(_, user)| user).collect(),
            next,
        ))
    }
}

async fn toy_directory() -> Subject {
    let toy = ToyDirectory::default();
    let calls = Arc::clone(&toy.calls);
    Subject::new(
        "toy directory",
        Arc::new(toy),
        |n| {
            NewUser::new(format!("user{n}"))
                .with_email(format!("user{n}@example.com"))
                .with_names("User", format!("Number{n}"))
        },
        "999999",
    )
    .with_requests(move || calls.lock().unwrap().clone())
}

#[tokio::test]
async fn the_toy_backends_errors_carry_its_own_detail() {
    let toy = ToyDirectory::default();
    let err = toy.get_user(&UserId::new("42")).await.unwrap_err();
    assert!(err.is_not_found());
    let api = err.api_error().unwrap();
    assert_eq!(api.provider, TOY);
    assert_eq!(
        api.detail.downcast_ref::<ToyError>(),
        Some(&ToyError {
            reason: "no such user"
        })
    );
    assert_eq!(
        err.to_string(),
        "not found: Toy directory answered HTTP 404: no such user"
    );
}

/// What the toy directory stores, described with the public builder.
const TOY_CAPABILITIES: Capabilities = Capabilities::new()
    .with_field(Field::Email, FieldSupport::Stored)
    .with_field(Field::GivenName, FieldSupport::Stored)
    .with_field(Field::FamilyName, FieldSupport::Stored)
    .with_field(Field::Enabled, FieldSupport::Stored)
    .with_server_side_paging(true);

#[tokio::test]
async fn the_toy_backend_reports_every_problem_at_once_through_the_public_check() {
    let toy = ToyDirectory::default();
    let person = NewUser::new("ada")
        .with_email("not-an-email")
        .with_phone("+15551234567")
        .with_role("admin");
    let err = toy.create_user(&person).await.unwrap_err();
    let fields: Vec<String> = err.problems().into_iter().map(|p| p.field).collect();
    assert_eq!(fields.len(), 3, "{err}");
    for field in ["email", "phone", "roles"] {
        assert!(fields.iter().any(|f| f == field), "{field} in {fields:?}");
    }
    assert!(
        toy.calls.lock().unwrap().is_empty(),
        "nothing was stored or sent"
    );
}
