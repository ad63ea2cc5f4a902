//! `Capabilities` tell the truth: for every adapter (through its emulator) and the
//! in-memory provisioner, a user made of the required fields is created, one missing
//! any of them is refused naming it, every field is kept or refused as its
//! `FieldSupport` says, and a user with several problems is refused with all of them in
//! one error before anything is sent.
#![cfg(all(
    feature = "testing",
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use user_provisioner::providers::memory::MemoryProvisioner;
use user_provisioner::testing::{
    ConnectEmulator, EceEmulator, Faulty, JambonzEmulator, NetSapiensEmulator,
};
use user_provisioner::{
    CreateOutcome, Error, Field, FieldSupport, InputProblem, NewUser, Operation, ProblemKind,
    UserProvisioner,
};

/// One backend, with a count of what reached it.
struct Subject {
    name: &'static str,
    provisioner: Arc<dyn UserProvisioner>,
    sent: Box<dyn Fn() -> usize + Send + Sync>,
    /// A role the provider knows.
    role: &'static str,
    _keep: Box<dyn std::any::Any + Send + Sync>,
}

static NEXT: AtomicU32 = AtomicU32::new(1);

impl Subject {
    /// A user with the required fields and attributes of the subject's capabilities
    /// set to valid values, and nothing else.
    fn minimal(&self) -> NewUser {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let caps = self.provisioner.capabilities();
        let mut user = NewUser::new(format!("user{n}"));
        for field in caps.required_fields() {
            user = self.with_sample(user, field, n);
        }
        for key in caps.required_attributes() {
            user = user.with_attribute(*key, 1000 + n);
        }
        user
    }

    /// `user` with a valid value in `field`.
    fn with_sample(&self, mut user: NewUser, field: Field, n: u32) -> NewUser {
        match field {
            Field::Username => user.username = format!("user{n}"),
            Field::Email => user.email = Some(format!("user{n}@example.com")),
            Field::GivenName => user.given_name = Some("Ada".into()),
            Field::FamilyName => user.family_name = Some(format!("Number{n}")),
            Field::DisplayName => user.display_name = Some(format!("Ada {n}")),
            Field::Password => user = user.with_password(format!("Str0ngP@ss{n}")),
            Field::Phone => user.phone = Some(format!("+4670{:07}", n)),
            Field::Roles => user.roles = vec![self.role.to_owned()],
            Field::Enabled => user.enabled = Some(true),
            Field::Metadata => user = user.with_metadata("team", "a"),
            other => panic!("no sample for {other}"),
        }
        user
    }

    /// `user` without `field`.
    fn without(user: &NewUser, field: Field) -> NewUser {
        let mut user = user.clone();
        match field {
            Field::Username => user.username.clear(),
            Field::Email => user.email = None,
            Field::GivenName => user.given_name = None,
            Field::FamilyName => user.family_name = None,
            Field::DisplayName => user.display_name = None,
            Field::Password => user.password = None,
            Field::Phone => user.phone = None,
            Field::Roles => user.roles.clear(),
            Field::Enabled => user.enabled = None,
            Field::Metadata => user.metadata.clear(),
            other => panic!("cannot clear {other}"),
        }
        user
    }

    /// Creates `user`; on refusal, checks that nothing was sent and that every problem
    /// `Capabilities::check` predicted is among those reported.
    async fn create(&self, user: &NewUser) -> Result<CreateOutcome, Error> {
        let before = (self.sent)();
        let outcome = self.provisioner.create_user(user).await;
        if let Err(err) = &outcome {
            if !err.problems().is_empty() {
                assert_eq!((self.sent)(), before, "{}: sent after {err}", self.name);
                let reported = fields(&err.problems());
                let predicted = fields(&self.provisioner.capabilities().check(user));
                assert!(
                    predicted.is_subset(&reported),
                    "{}: predicted {predicted:?}, reported {reported:?}",
                    self.name
                );
            }
        }
        outcome
    }
}

fn fields(problems: &[InputProblem]) -> BTreeSet<(String, ProblemKind)> {
    problems
        .iter()
        .map(|problem| (problem.field.clone(), problem.kind))
        .collect()
}

fn problem_fields(err: &Error) -> BTreeSet<String> {
    err.problems().into_iter().map(|p| p.field).collect()
}

async fn jambonz() -> Subject {
    let emulator = Arc::new(JambonzEmulator::start().await.unwrap());
    let log = Arc::clone(&emulator);
    Subject {
        name: "jambonz",
        provisioner: Arc::new(emulator.client().unwrap()),
        sent: Box::new(move || log.server().requests().len()),
        role: "admin",
        _keep: Box::new(emulator),
    }
}

async fn netsapiens_with(range: bool) -> Subject {
    let emulator = Arc::new(NetSapiensEmulator::start().await.unwrap());
    let mut builder = emulator.builder();
    if range {
        builder = builder.with_extension_range(2000..=2999);
    }
    let log = Arc::clone(&emulator);
    Subject {
        name: if range {
            "netsapiens with an extension range"
        } else {
            "netsapiens"
        },
        provisioner: Arc::new(builder.build().unwrap()),
        sent: Box::new(move || log.server().requests().len()),
        role: "Basic User",
        _keep: Box::new(emulator),
    }
}

async fn netsapiens() -> Subject {
    netsapiens_with(false).await
}

async fn connect() -> Subject {
    let emulator = Arc::new(ConnectEmulator::start().await.unwrap());
    let log = Arc::clone(&emulator);
    Subject {
        name: "connect",
        provisioner: Arc::new(emulator.client().unwrap()),
        sent: Box::new(move || log.server().requests().len()),
        role: "admin",
        _keep: Box::new(emulator),
    }
}

async fn ece() -> Subject {
    let emulator = Arc::new(EceEmulator::start().await.unwrap());
    let log = Arc::clone(&emulator);
    Subject {
        name: "ece",
        provisioner: Arc::new(emulator.client().unwrap()),
        sent: Box::new(move || log.server().requests().len()),
        role: "ece_platform_viewer",
        _keep: Box::new(emulator),
    }
}

/// The in-memory backend, standing in for `played` (an emulator's client) when given;
/// its calls counted by `Faulty`.
async fn in_memory_playing(played: Option<Subject>, role: &'static str) -> Subject {
    let memory = match played {
        Some(played) => MemoryProvisioner::playing(&*played.provisioner),
        None => MemoryProvisioner::new(),
    };
    let memory = Arc::new(Faulty::new(memory));
    let log = Arc::clone(&memory);
    Subject {
        name: "in-memory",
        provisioner: memory,
        sent: Box::new(move || log.calls_to(Operation::Create)),
        role,
        _keep: Box::new(()),
    }
}

async fn subjects() -> Vec<Subject> {
    vec![
        jambonz().await,
        netsapiens().await,
        netsapiens_with(true).await,
        connect().await,
        ece().await,
        in_memory_playing(None, "admin").await,
        in_memory_playing(Some(netsapiens().await), "Basic User").await,
        in_memory_playing(Some(connect().await), "admin").await,
    ]
}

#[tokio::test]
async fn a_user_of_the_required_fields_alone_is_created() {
    for subject in subjects().await {
        let user = subject.minimal();
        assert!(
            subject.provisioner.capabilities().check(&user).is_empty(),
            "{}",
            subject.name
        );
        let outcome = subject
            .create(&user)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", subject.name));
        assert!(outcome.id().is_some(), "{}", subject.name);
    }
}

#[tokio::test]
async fn a_user_missing_any_required_field_or_attribute_is_refused_naming_it() {
    for subject in subjects().await {
        let caps = subject.provisioner.capabilities();
        let mut cases: Vec<(NewUser, String)> = caps
            .required_fields()
            .map(|field| {
                (
                    Subject::without(&subject.minimal(), field),
                    field.name().to_owned(),
                )
            })
            .collect();
        for key in caps.required_attributes() {
            let mut user = subject.minimal();
            user.attributes = Default::default();
            cases.push((user, format!("attributes[{key:?}]")));
        }
        for (user, field) in cases {
            let predicted: Vec<String> = caps.check(&user).into_iter().map(|p| p.field).collect();
            assert_eq!(predicted, std::slice::from_ref(&field), "{}", subject.name);
            let err = subject.create(&user).await.expect_err(subject.name);
            assert!(
                matches!(&err, Error::InvalidInput { field: named, .. } if *named == field),
                "{}: {field}: {err:?}",
                subject.name
            );
        }
    }
}

#[tokio::test]
async fn every_field_is_kept_or_refused_as_its_support_says() {
    for subject in subjects().await {
        let caps = subject.provisioner.capabilities();
        for (field, support) in caps.fields() {
            if support.is_required() {
                continue;
            }
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let user = subject.with_sample(subject.minimal(), field, n);
            let outcome = subject.create(&user).await;
            match support {
                FieldSupport::NotStored => {
                    let err = outcome.expect_err(subject.name);
                    assert!(
                        matches!(&err, Error::Unsupported { field: named, .. } if named == field.name()),
                        "{}: {field}: {err:?}",
                        subject.name
                    );
                    let ignored = user.ignoring_unsupported_fields();
                    let _ = subject
                        .create(&ignored)
                        .await
                        .unwrap_or_else(|err| panic!("{}: {field} ignored: {err}", subject.name));
                }
                _ => {
                    let outcome =
                        outcome.unwrap_or_else(|err| panic!("{}: {field}: {err}", subject.name));
                    if let (CreateOutcome::Created(created), true) = (&outcome, support.is_stored())
                    {
                        let read = match field {
                            Field::Email => created.email.is_some(),
                            Field::DisplayName => created.display_name.is_some(),
                            Field::Phone => created.phone.is_some(),
                            Field::Roles => !created.roles.is_empty(),
                            Field::Enabled => created.enabled.is_some(),
                            _ => true,
                        };
                        assert!(read, "{}: {field} stored but not read back", subject.name);
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn netsapiens_requires_the_extension_only_without_a_range() {
    let plain = netsapiens().await.provisioner.capabilities();
    assert_eq!(plain.required_attributes(), ["netsapiens.extension"]);
    let ranged = netsapiens_with(true).await;
    let caps = ranged.provisioner.capabilities();
    assert!(caps.required_attributes().is_empty());
    let user = ranged.minimal();
    assert!(user.attributes.is_empty());
    let outcome = ranged.create(&user).await.unwrap();
    assert_eq!(outcome.id().map(|id| id.as_str()), Some("2000"));
}

#[tokio::test]
async fn a_plain_new_user_names_every_field_each_provider_wants() {
    let plain = NewUser::new("jdoe");
    let expected: [(&str, Subject, &[&str]); 4] = [
        ("jambonz", jambonz().await, &["email", "password"]),
        (
            "netsapiens",
            netsapiens().await,
            &[
                "email",
                "given_name",
                "family_name",
                "attributes[\"netsapiens.extension\"]",
            ],
        ),
        ("connect", connect().await, &[]),
        ("ece", ece().await, &[]),
    ];
    for (name, subject, fields) in expected {
        let caps = subject.provisioner.capabilities();
        let predicted: Vec<String> = caps.check(&plain).into_iter().map(|p| p.field).collect();
        assert_eq!(predicted, fields, "{name}");
        match subject.create(&plain).await {
            Ok(_) => assert!(fields.is_empty(), "{name}"),
            Err(err) => {
                let reported: Vec<String> = err.problems().into_iter().map(|p| p.field).collect();
                assert_eq!(reported, fields, "{name}: {err}");
            }
        }
    }
}

/// Every problem at once, on every adapter: missing required fields, fields not
/// stored, a malformed email and the adapter's own value rules; nothing is sent.
#[tokio::test]
async fn several_problems_are_reported_in_one_error_before_anything_is_sent() {
    let cases: Vec<(Subject, NewUser, &[&str])> = vec![
        (
            jambonz().await,
            NewUser::new("jdoe")
                .with_email("not-an-email")
                .with_phone("+15551234567")
                .with_role("admin")
                .with_attribute("jambonz.account_sid", "not-a-uuid")
                .with_attribute("jambonz.acount_sid", "typo"),
            &[
                "email",
                "password",
                "phone",
                "roles",
                "attributes[\"jambonz.acount_sid\"]",
                "attributes[\"jambonz.account_sid\"]",
            ],
        ),
        (
            jambonz().await,
            NewUser::new(format!("j{}", "x".repeat(300)))
                .with_email("a@b.co")
                .with_password("short"),
            &["username", "password"],
        ),
        (
            netsapiens().await,
            NewUser::new("has space")
                .with_password("Str0ngP@ss!")
                .with_given_name_only("Ada")
                .with_role("Basic User")
                .with_role("Office Manager"),
            &[
                "email",
                "family_name",
                "password",
                "attributes[\"netsapiens.extension\"]",
                "username",
                "roles",
            ],
        ),
        (
            connect().await,
            NewUser::new(" ")
                .with_email("a@@b.co")
                .with_phone("555-1234")
                .with_password("Str0ngP@ss!")
                .with_enabled(false)
                .with_attribute("connect.identity", " "),
            &[
                "email",
                "password",
                "phone",
                "enabled",
                "username",
                "attributes[\"connect.identity\"]",
            ],
        ),
        (
            ece().await,
            NewUser::new("j doe")
                .with_email("plain")
                .with_phone("+15551234567")
                .with_metadata("k", 1)
                .with_role("ece_platform_admin")
                .with_role("ece_platform_viewer")
                // A display name unlike the names is ECE's full_name, not a problem.
                .with_display_name("Jane")
                .with_names("Ada", "Lovelace"),
            &["email", "phone", "metadata", "username", "roles"],
        ),
    ];
    for (subject, user, expected) in cases {
        let before = (subject.sent)();
        let err = subject.create(&user).await.expect_err(subject.name);
        let Error::Refused { provider, problems } = &err else {
            panic!("{}: {err:?}", subject.name)
        };
        assert_eq!(*provider, subject.provisioner.provider());
        let reported: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(reported, expected, "{}: {err}", subject.name);
        assert!(problems.iter().all(|p| !p.reason.is_empty()));
        assert_eq!(
            (subject.sent)(),
            before,
            "{}: something was sent",
            subject.name
        );
        assert_eq!(
            problem_fields(&err).len(),
            expected.len(),
            "{}",
            subject.name
        );
    }
}

/// `NewUser` has no builder for one person name; the test needs one.
trait GivenNameOnly {
    fn with_given_name_only(self, given: &str) -> Self;
}

impl GivenNameOnly for NewUser {
    fn with_given_name_only(mut self, given: &str) -> Self {
        self.given_name = Some(given.to_owned());
        self
    }
}
