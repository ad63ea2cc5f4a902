//! The portable contract every backend must keep: one set of test functions, run by
//! `tests/conformance.rs` against the crate's backends (emulators, the in-memory one and
//! the real jambonz server) and by `tests/outside_backend.rs` against a backend and a
//! decorator written outside the crate. Where a provider legitimately differs (a create
//! answered `Accepted`, duplicates recognised only by idempotency key), a case checks
//! the documented difference.

use std::sync::Arc;
use std::time::Duration;

use user_provisioner::{
    Accepted, CreateOutcome, DeleteOutcome, Error, Field, IdempotencyKey, ListUsers, NewUser,
    Provider, RequestOptions, UpdateOutcome, User, UserId, UserKey, UserProvisioner, UserUpdate,
    VisibilityWait,
};

/// `conformance_suite!(module, subject_constructor)` generates the module `module`
/// with one `#[tokio::test]` per case against the subject the async constructor builds
/// (a path from the test crate's root, e.g. `crate::in_memory`);
/// `conformance_suite!(ignored module, ...)` marks them as needing the real jambonz
/// server, `conformance_suite!(ignored_scim module, ...)` the real SCIM server (run
/// with `--ignored`, see README).
#[macro_export]
macro_rules! conformance_suite {
    (ignored $module:ident, $subject:path) => {
        $crate::conformance_suite!(@module $module, [ignore = "needs the real jambonz server: see README"], $subject);
    };
    (ignored_scim $module:ident, $subject:path) => {
        $crate::conformance_suite!(@module $module, [ignore = "needs the real SCIM server: see README"], $subject);
    };
    ($module:ident, $subject:path) => {
        $crate::conformance_suite!(@module $module, [allow(clippy::all)], $subject);
    };
    (@module $module:ident, [$attr:meta], $subject:path) => {
        mod $module {
            $crate::conformance_suite!(@cases [$attr], $subject,
            create_then_get_returns_the_same_person,
            a_duplicate_create_is_a_conflict,
            an_update_is_visible_on_the_next_read,
            an_update_reports_success_only_after_a_write_was_sent,
            an_update_that_cannot_be_applied_is_refused_before_any_request,
            list_pages_reach_every_user_once,
            delete_removes_the_user,
            an_unknown_user_is_not_found_everywhere,
            bad_input_is_refused_before_any_request,
            find_user_by_username_and_email,
            an_accepted_write_is_waited_for,
            raw_json_is_kept_only_when_asked);
        }
    };
    (@cases [$attr:meta], $subject:path, $($case:ident),*) => {
        $(
            #[tokio::test]
            #[$attr]
            async fn $case() {
                let subject = $subject().await;
                $crate::support::conformance::$case(&subject).await
            }
        )*
    };
}

/// One backend under test.
pub struct Subject {
    pub name: &'static str,
    pub provisioner: Arc<dyn UserProvisioner>,
    /// The `n`th sample person, valid for this provider.
    pub person: Box<dyn Fn(u32) -> NewUser + Send + Sync>,
    /// An id in this provider's format that names no user.
    pub absent_id: UserId,
    /// The methods of the requests the backend has received so far (`None` when it has
    /// no wire).
    pub requests: Box<dyn Fn() -> Option<Vec<String>> + Send + Sync>,
    /// Keeps the emulator alive.
    pub _emulator: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl Subject {
    pub fn person(&self, n: u32) -> NewUser {
        (self.person)(n)
    }

    /// The methods of the requests sent since `before` requests had been seen.
    pub fn sent_since(&self, before: &Option<Vec<String>>) -> Option<Vec<String>> {
        let now = (self.requests)()?;
        let skip = before.as_ref().map_or(0, Vec::len);
        Some(now.into_iter().skip(skip).collect())
    }
}

/// What the provider documents as a duplicate create.
enum DuplicateRule {
    /// The same person again is refused as a conflict (unique username, email, login).
    Conflict,
    /// No uniqueness rule is documented; creates are deduplicated only by idempotency
    /// key: the same key and body answer the first user again, the same key with another
    /// body is 409 ([`Error::IdempotencyKeyReused`]), and a new key is a new user.
    IdempotencyKeyOnly,
}

fn duplicate_rule(subject: &Subject) -> DuplicateRule {
    match subject.provisioner.provider() {
        // The `POST /users` reference names no unique field; its only 409 is key reuse.
        Provider::CONNECT => DuplicateRule::IdempotencyKeyOnly,
        _ => DuplicateRule::Conflict,
    }
}

/// Reads `id` until `done` holds for the result, for a write the provider answered
/// `Accepted` (readable later, the documented difference); panics after about a second.
async fn read_until(
    subject: &Subject,
    id: &UserId,
    done: impl Fn(&Result<User, Error>) -> bool,
) -> Result<User, Error> {
    for _ in 0..50 {
        let read = subject.provisioner.get_user(id).await;
        if done(&read) {
            return read;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{}: an accepted write never became readable", subject.name)
}

fn options() -> RequestOptions {
    RequestOptions::new()
}

/// Creates a user and returns it once readable: `Created` directly, `Accepted` after
/// reading it back (the documented difference of providers that accept first).
async fn create_readable(subject: &Subject, user: &NewUser) -> User {
    let p = &subject.provisioner;
    match p.create_user(user).await {
        Ok(CreateOutcome::Created(created)) => {
            assert_eq!(created.provider, p.provider(), "{}", subject.name);
            created
        }
        Ok(CreateOutcome::Accepted(accepted)) => {
            assert!(
                p.capabilities().accepted_creates,
                "{}: Accepted from a provider that says it never accepts",
                subject.name
            );
            let id = accepted.id.expect("an accepted create names the user");
            for _ in 0..50 {
                match p.get_user(&id).await {
                    Ok(user) => return user,
                    Err(err) if err.is_not_found() => {
                        tokio::time::sleep(Duration::from_millis(20)).await
                    }
                    Err(err) => panic!("{}: {err}", subject.name),
                }
            }
            panic!("{}: accepted user never became readable", subject.name)
        }
        Ok(other) => panic!(
            "{}: an outcome this suite does not know: {other:?}",
            subject.name
        ),
        Err(err) => panic!("{}: create failed: {err}", subject.name),
    }
}

pub async fn create_then_get_returns_the_same_person(subject: &Subject) {
    let person = subject.person(1);
    let created = create_readable(subject, &person).await;
    let read = subject
        .provisioner
        .get_user(&created.id)
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", subject.name));
    assert_eq!(read.id, created.id, "{}", subject.name);
    assert_eq!(read.email, person.email, "{}", subject.name);
    let caps = subject.provisioner.capabilities();
    let person_names = caps.stores(Field::GivenName) && caps.stores(Field::FamilyName);
    if person_names || read.username.is_some() {
        assert_eq!(
            read.username.as_deref(),
            Some(person.username.as_str()),
            "{}",
            subject.name
        );
    }
}

pub async fn a_duplicate_create_is_a_conflict(subject: &Subject) {
    let person = subject.person(2);
    let first = create_readable(subject, &person).await;
    match duplicate_rule(subject) {
        DuplicateRule::Conflict => {
            let err = subject
                .provisioner
                .create_user(&person)
                .await
                .expect_err(subject.name);
            assert!(err.is_conflict(), "{}: {err:?}", subject.name);
        }
        DuplicateRule::IdempotencyKeyOnly => {
            assert_key_only_duplicates(subject, &person, &first).await
        }
    }
}

/// The documented difference of a provider without a uniqueness rule: the duplicate is
/// recognised by its idempotency key, and a changed body under a used key is a 409.
async fn assert_key_only_duplicates(subject: &Subject, person: &NewUser, first: &User) {
    let p = &subject.provisioner;
    let name = subject.name;
    assert!(p.capabilities().idempotent_create, "{name}");
    let count = || async { p.list_all_users().await.unwrap().len() };
    let before = count().await;
    let again = create_readable(subject, person).await;
    assert_ne!(again.id, first.id, "{name}: a new key is a new user");
    assert_eq!(count().await, before + 1, "{name}");

    let keyed = options().with_idempotency_key(IdempotencyKey::new("dup-2").unwrap());
    let Ok(CreateOutcome::Created(original)) = p.create_user_opts(person, &keyed).await else {
        panic!("{name}: keyed create failed")
    };
    let Ok(CreateOutcome::Created(replayed)) = p.create_user_opts(person, &keyed).await else {
        panic!("{name}: the replay failed")
    };
    assert_eq!(
        replayed.id, original.id,
        "{name}: the same key is the same user"
    );
    assert_eq!(
        count().await,
        before + 2,
        "{name}: the replay stored nothing"
    );

    let changed = person.clone().with_email("someone.else@example.com");
    let err = p.create_user_opts(&changed, &keyed).await.expect_err(name);
    assert!(
        matches!(err, Error::IdempotencyKeyReused(ref api) if api.status == 409),
        "{name}: {err:?}"
    );
    assert_eq!(count().await, before + 2, "{name}");
}

pub async fn an_update_is_visible_on_the_next_read(subject: &Subject) {
    let created = create_readable(subject, &subject.person(3)).await;
    let update = UserUpdate::new().with_email("changed3@example.com");
    let outcome = subject
        .provisioner
        .update_user(&created.id, &update)
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", subject.name));
    if let UpdateOutcome::Updated(user) = &outcome {
        assert_eq!(
            user.email.as_deref(),
            Some("changed3@example.com"),
            "{}",
            subject.name
        );
    }
    let read = match &outcome {
        // Accepted: the change must become readable, not necessarily at once.
        UpdateOutcome::Accepted(_) => read_until(subject, &created.id, |read| {
            matches!(read, Ok(user) if user.email.as_deref() == Some("changed3@example.com"))
        })
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", subject.name)),
        _ => subject
            .provisioner
            .get_user(&created.id)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", subject.name)),
    };
    assert_eq!(
        read.email.as_deref(),
        Some("changed3@example.com"),
        "{}",
        subject.name
    );
}

pub async fn list_pages_reach_every_user_once(subject: &Subject) {
    let mut ids = Vec::new();
    for n in 10..15 {
        ids.push(create_readable(subject, &subject.person(n)).await.id);
    }
    // A real server keeps the users of earlier runs: the page count follows the total.
    let total = subject.provisioner.list_all_users().await.unwrap().len();
    let most_pages = total / 2 + 3;
    let mut seen = Vec::new();
    let mut request = ListUsers::new().with_page_size(2);
    let mut pages = 0;
    loop {
        let page = subject
            .provisioner
            .list_users(&request)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", subject.name));
        pages += 1;
        assert!(pages <= most_pages, "{}: paging does not end", subject.name);
        seen.extend(page.users.into_iter().map(|u| u.id));
        match page.next {
            Some(cursor) => request = request.with_cursor(cursor),
            None => break,
        }
    }
    for id in &ids {
        assert_eq!(
            seen.iter().filter(|s| *s == id).count(),
            1,
            "{}: {id}",
            subject.name
        );
    }
    let all = subject.provisioner.list_all_users().await.unwrap();
    assert_eq!(all.len(), seen.len(), "{}", subject.name);
}

pub async fn delete_removes_the_user(subject: &Subject) {
    let created = create_readable(subject, &subject.person(4)).await;
    let outcome = subject
        .provisioner
        .delete_user(&created.id)
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", subject.name));
    let read = match outcome {
        DeleteOutcome::Deleted => subject.provisioner.get_user(&created.id).await,
        // Accepted: the user must disappear, not necessarily at once.
        DeleteOutcome::Accepted(_) => {
            read_until(
                subject,
                &created.id,
                |read| matches!(read, Err(err) if err.is_not_found()),
            )
            .await
        }
        other => panic!(
            "{}: an outcome this suite does not know: {other:?}",
            subject.name
        ),
    };
    let err = read.expect_err(subject.name);
    assert!(err.is_not_found(), "{}: {err:?}", subject.name);
}

pub async fn an_unknown_user_is_not_found_everywhere(subject: &Subject) {
    let p = &subject.provisioner;
    let id = &subject.absent_id;
    let get = p.get_user(id).await.expect_err(subject.name);
    assert!(get.is_not_found(), "{}: get: {get:?}", subject.name);
    let update = p
        .update_user_opts(
            id,
            &UserUpdate::new().with_email("x@example.com"),
            &options(),
        )
        .await
        .expect_err(subject.name);
    assert!(
        update.is_not_found(),
        "{}: update: {update:?}",
        subject.name
    );
    let delete = p.delete_user(id).await.expect_err(subject.name);
    assert!(
        delete.is_not_found(),
        "{}: delete: {delete:?}",
        subject.name
    );
}

pub async fn bad_input_is_refused_before_any_request(subject: &Subject) {
    let before = (subject.requests)();
    let mut blank = subject.person(5);
    blank.username = " ".into();
    let bad_email = subject.person(6).with_email("not-an-email");
    for user in [blank, bad_email] {
        let err = subject
            .provisioner
            .create_user(&user)
            .await
            .expect_err(subject.name);
        assert!(
            matches!(err, Error::InvalidInput { .. }),
            "{}: {err:?}",
            subject.name
        );
    }
    assert_eq!(
        (subject.requests)(),
        before,
        "{}: something was sent",
        subject.name
    );
}

/// A write among `methods`: what an update must have sent before it reports success.
fn has_write(methods: &[String]) -> bool {
    methods
        .iter()
        .any(|method| matches!(method.as_str(), "PUT" | "PATCH" | "POST"))
}

pub async fn an_update_reports_success_only_after_a_write_was_sent(subject: &Subject) {
    let p = &subject.provisioner;
    let created = create_readable(subject, &subject.person(20)).await;
    let email = "acknowledged20@example.com";
    let before = (subject.requests)();
    let outcome = p
        .update_user_opts(
            &created.id,
            &UserUpdate::new().with_email(email),
            &options(),
        )
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", subject.name));
    if let Some(sent) = subject.sent_since(&before) {
        assert!(
            has_write(&sent),
            "{}: {outcome:?} after sending only {sent:?}",
            subject.name
        );
    }
    let read = read_until(
        subject,
        &created.id,
        |read| matches!(read, Ok(user) if user.email.as_deref() == Some(email)),
    )
    .await;
    assert!(read.is_ok(), "{}", subject.name);
}

pub async fn an_update_that_cannot_be_applied_is_refused_before_any_request(subject: &Subject) {
    let p = &subject.provisioner;
    let created = create_readable(subject, &subject.person(21)).await;
    let caps = p.capabilities();
    let provider = p.provider();
    let mut refusals: Vec<(UserUpdate, String)> = vec![(UserUpdate::new(), "update".to_owned())];
    if !caps.stores(Field::Roles) {
        refusals.push((UserUpdate::new().with_roles(["viewer"]), "roles".into()));
    }
    if !caps.stores(Field::Phone) {
        refusals.push((UserUpdate::new().with_phone("+15551234567"), "phone".into()));
    }
    if !caps.stores(Field::DisplayName) {
        refusals.push((
            UserUpdate::new().with_display_name("Someone"),
            "display_name".into(),
        ));
    }
    if provider != Provider::IN_MEMORY {
        let key = format!("{}.no_such_setting", provider.key());
        refusals.push((UserUpdate::new().with_attribute(key.clone(), 1), key));
    }
    let before = (subject.requests)();
    for (update, field) in refusals {
        let err = p
            .update_user(&created.id, &update)
            .await
            .expect_err(subject.name);
        let named = match &err {
            Error::InvalidInput { field, reason } | Error::Unsupported { field, reason, .. } => {
                assert!(!reason.is_empty(), "{}: no reason", subject.name);
                field.clone()
            }
            other => panic!("{}: {field}: {other:?}", subject.name),
        };
        assert!(
            named.contains(&field),
            "{}: refused naming {named:?}, not {field:?}",
            subject.name
        );
    }
    assert_eq!(
        (subject.requests)(),
        before,
        "{}: something was sent",
        subject.name
    );
}

pub async fn find_user_by_username_and_email(subject: &Subject) {
    let p = &subject.provisioner;
    let person = subject.person(30);
    let created = create_readable(subject, &person).await;
    let email = person.email.clone().unwrap().to_uppercase();
    let by_email = p
        .find_user(&UserKey::email(email))
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", subject.name));
    assert_eq!(
        by_email.map(|u| u.id),
        Some(created.id.clone()),
        "{}",
        subject.name
    );
    match p
        .find_user(&UserKey::username(person.username.clone()))
        .await
    {
        Ok(found) => assert_eq!(found.map(|u| u.id), Some(created.id), "{}", subject.name),
        // The documented difference: Connect stores no username.
        Err(Error::Unsupported { field, .. }) if p.provider() == Provider::CONNECT => {
            assert_eq!(field, "username")
        }
        Err(err) => panic!("{}: {err:?}", subject.name),
    }
    let nobody = p
        .find_user(&UserKey::email("nobody.at.all@example.com"))
        .await
        .unwrap();
    assert!(nobody.is_none(), "{}", subject.name);
}

pub async fn an_accepted_write_is_waited_for(subject: &Subject) {
    let p = &subject.provisioner;
    let wait = VisibilityWait::new()
        .with_backoff(Duration::from_millis(10), Duration::from_millis(50))
        .with_deadline(Duration::from_secs(3));
    if let Ok(CreateOutcome::Accepted(accepted)) = p.create_user(&subject.person(31)).await {
        let user = p
            .wait_until_visible_opts(&accepted, &wait, &options())
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", subject.name));
        assert_eq!(Some(&user.id), accepted.id.as_ref(), "{}", subject.name);
    }
    // An id that never becomes readable ends in NotYetVisible, on every backend.
    let mut never = Accepted::new(p.provider());
    never.id = Some(subject.absent_id.clone());
    let short = wait.with_deadline(Duration::from_millis(200));
    let err = p
        .wait_until_visible_opts(&never, &short, &options())
        .await
        .expect_err(subject.name);
    assert!(
        matches!(err, Error::NotYetVisible { .. }),
        "{}: {err:?}",
        subject.name
    );
}

/// A read returns the provider's own JSON in `User::raw` only when the call asks for it
/// (`RequestOptions::with_raw_json`), so that every other read decodes once.
pub async fn raw_json_is_kept_only_when_asked(subject: &Subject) {
    let created = create_readable(subject, &subject.person(7)).await;
    let p = &subject.provisioner;
    let plain = p
        .get_user(&created.id)
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", subject.name));
    assert!(plain.raw.is_null(), "{}: {}", subject.name, plain.raw);
    let with_raw = p
        .get_user_opts(&created.id, &options().with_raw_json(true))
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", subject.name));
    assert!(
        with_raw.raw.is_object(),
        "{}: {}",
        subject.name,
        with_raw.raw
    );
    assert_eq!(with_raw.id, plain.id, "{}", subject.name);
    assert_eq!(with_raw.email, plain.email, "{}", subject.name);
}
