//! The fault-injection matrix: every adapter's create, get, update and delete through
//! every fault the emulators can inject, asserting the outcome, the requests the
//! emulator saw and the users it stores (never two for one create).
//!
//! Set `FAULTS_TABLE_OUT=<file>` to write the observed table as Markdown rows.
#![cfg(all(
    feature = "testing",
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use user_provisioner::hooks::Hooked;
use user_provisioner::testing::{
    ConnectEmulator, EceEmulator, EmulatorServer, Fault, FaultRule, JambonzEmulator,
    NetSapiensEmulator,
};
use user_provisioner::{
    ClientOptions, CreateLookup, CreateOutcome, DeleteOutcome, Error, NewUser, RequestOptions,
    RetryPolicy, UpdateOutcome, UserId, UserProvisioner, UserUpdate,
};

/// The per-attempt timeout of every client. Wide enough that a request reaches the
/// emulator within it on a loaded two-core machine (at 300 ms a busy CI machine once
/// timed out before the emulator had read the create, so no request was recorded).
const TIMEOUT: Duration = Duration::from_millis(1000);
/// How long the slow fault stalls: past the timeout, then the server acts.
const STALL: Duration = Duration::from_millis(1500);
/// The body size of the oversized fault.
const TEN_MIB: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Create,
    Get,
    Update,
    Delete,
}

const OPS: [Op; 4] = [Op::Create, Op::Get, Op::Update, Op::Delete];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Unavailable,
    RateLimited,
    ResetBeforeResponse,
    ActThen503,
    ActThenDrop,
    ResetMidBody,
    SlowerThanTimeout,
    RedirectElsewhere,
    TenMiBBody,
    InvalidJson,
    HtmlBadGateway,
    Unavailable500,
    ActThen500,
    RequestTimeout408,
    ActThenTenMiBBody,
}

const CASES: [Case; 15] = [
    Case::Unavailable,
    Case::RateLimited,
    Case::ResetBeforeResponse,
    Case::ActThen503,
    Case::ActThenDrop,
    Case::ResetMidBody,
    Case::SlowerThanTimeout,
    Case::RedirectElsewhere,
    Case::TenMiBBody,
    Case::InvalidJson,
    Case::HtmlBadGateway,
    Case::Unavailable500,
    Case::ActThen500,
    Case::RequestTimeout408,
    Case::ActThenTenMiBBody,
];

impl Case {
    fn label(self) -> &'static str {
        match self {
            Case::Unavailable => "503 then success",
            Case::RateLimited => "429 Retry-After: 1 then success",
            Case::ResetBeforeResponse => "reset before response",
            Case::ActThen503 => "act, then 503",
            Case::ActThenDrop => "act, then drop",
            Case::ResetMidBody => "act, reset mid-body",
            Case::SlowerThanTimeout => "slower than the timeout",
            Case::RedirectElsewhere => "307 to another host",
            Case::TenMiBBody => "10 MiB body",
            Case::InvalidJson => "act, truncated JSON",
            Case::HtmlBadGateway => "HTML 502 page, then success",
            Case::Unavailable500 => "500 then success",
            Case::ActThen500 => "act, then 500",
            Case::RequestTimeout408 => "408 then success",
            Case::ActThenTenMiBBody => "act, then a 10 MiB body",
        }
    }

    fn fault(self, elsewhere: &str) -> Fault {
        match self {
            Case::Unavailable => Fault::status(503),
            Case::RateLimited => Fault::rate_limited(1),
            Case::ResetBeforeResponse => Fault::ResetBeforeResponse,
            Case::ActThen503 => Fault::ActThenRespond(503),
            Case::ActThenDrop => Fault::ActThenDrop,
            Case::ResetMidBody => Fault::ActThenHalfBody,
            Case::SlowerThanTimeout => Fault::Delay(STALL),
            Case::RedirectElsewhere => Fault::RedirectTo(format!("{elsewhere}/elsewhere")),
            Case::TenMiBBody => Fault::OversizedBody(TEN_MIB),
            Case::InvalidJson => Fault::ActThenTruncatedJson,
            Case::HtmlBadGateway => Fault::html_bad_gateway(),
            Case::Unavailable500 => Fault::status(500),
            Case::ActThen500 => Fault::ActThenRespond(500),
            Case::RequestTimeout408 => Fault::status(408),
            Case::ActThenTenMiBBody => Fault::ActThenOversizedBody(TEN_MIB),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Adapter {
    Jambonz,
    NetSapiens,
    Connect,
    Ece,
}

enum Emulator {
    Jambonz(JambonzEmulator),
    NetSapiens(NetSapiensEmulator),
    Connect(ConnectEmulator),
    Ece(EceEmulator),
}

impl Emulator {
    fn server(&self) -> &EmulatorServer {
        match self {
            Emulator::Jambonz(e) => e.server(),
            Emulator::NetSapiens(e) => e.server(),
            Emulator::Connect(e) => e.server(),
            Emulator::Ece(e) => e.server(),
        }
    }

    fn user_count(&self) -> usize {
        match self {
            Emulator::Jambonz(e) => e.user_count(),
            Emulator::NetSapiens(e) => e.user_count(),
            Emulator::Connect(e) => e.user_count(),
            Emulator::Ece(e) => e.user_count(),
        }
    }
}

/// One adapter under test: its emulator, a portable client with fast options, and
/// the delays its retry policy asked for.
struct Subject {
    adapter: Adapter,
    emulator: Emulator,
    client: Box<dyn UserProvisioner>,
    slept: Arc<Mutex<Vec<Duration>>>,
    /// The path prefix of the users collection.
    users: &'static str,
    /// The method of an update.
    update_method: &'static str,
    serial: u32,
}

fn fast_options(slept: &Arc<Mutex<Vec<Duration>>>) -> ClientOptions {
    let record = Arc::clone(slept);
    ClientOptions::new()
        .with_timeout(TIMEOUT)
        .with_retry_policy(
            RetryPolicy::new()
                .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
                .with_jitter_seed(1)
                .with_sleeper(move |delay| {
                    record.lock().unwrap().push(delay);
                    async {}
                }),
        )
}

impl Subject {
    async fn start(adapter: Adapter) -> Self {
        let slept = Arc::new(Mutex::new(Vec::new()));
        let options = fast_options(&slept);
        let (emulator, client, users, update_method): (_, Box<dyn UserProvisioner>, _, _) =
            match adapter {
                Adapter::Jambonz => {
                    let e = JambonzEmulator::start().await.unwrap();
                    let c = e.builder().with_client_options(options).build().unwrap();
                    (Emulator::Jambonz(e), Box::new(c), "/v1/Users", "PUT")
                }
                Adapter::NetSapiens => {
                    let e = NetSapiensEmulator::start()
                        .await
                        .unwrap()
                        .with_visibility_delay(Duration::ZERO);
                    let c = e
                        .builder()
                        .with_client_options(options)
                        .with_synchronous_creates(true)
                        .build()
                        .unwrap();
                    let users = "/ns-api/v2/domains/~/users";
                    (Emulator::NetSapiens(e), Box::new(c), users, "PUT")
                }
                Adapter::Connect => {
                    let e = ConnectEmulator::start().await.unwrap();
                    let c = e.builder().with_client_options(options).build().unwrap();
                    (Emulator::Connect(e), Box::new(c), "/api/v1/users", "PATCH")
                }
                Adapter::Ece => {
                    let e = EceEmulator::start().await.unwrap();
                    let c = e.builder().with_client_options(options).build().unwrap();
                    (Emulator::Ece(e), Box::new(c), "/api/v1/users", "PATCH")
                }
            };
        // Through a hook layer, so the matrix also covers `Hooked`: the layer must change
        // no outcome.
        let client = Box::new(Hooked::new(Arc::from(client)));
        Self {
            adapter,
            emulator,
            client,
            slept,
            users,
            update_method,
            serial: 0,
        }
    }

    fn server(&self) -> &EmulatorServer {
        self.emulator.server()
    }

    /// A person no earlier case used.
    fn next_person(&mut self) -> NewUser {
        self.serial += 1;
        let n = self.serial;
        let name = format!("person{n}");
        let email = format!("person{n}@example.com");
        match self.adapter {
            Adapter::Jambonz => NewUser::new(name)
                .with_email(email)
                .with_password("Str0ngP@ss1"),
            Adapter::NetSapiens => NewUser::new(name)
                .with_email(email)
                .with_names("Ada", format!("Lovelace{n}"))
                .with_attribute("netsapiens.extension", format!("{}", 3000 + n)),
            Adapter::Connect => NewUser::new(name).with_email(email),
            Adapter::Ece => NewUser::new(name)
                .with_email(email)
                .with_display_name("Jane Doe")
                .with_password("Str0ng-Passw0rd!")
                .with_role("ece_deployment_viewer"),
        }
    }

    /// An update that changes the user (every case gets a new address).
    fn next_update(&mut self) -> UserUpdate {
        self.serial += 1;
        UserUpdate::new().with_email(format!("changed{}@example.com", self.serial))
    }

    /// Creates a user without faults, for the get, update and delete cases.
    async fn seed(&mut self) -> UserId {
        let person = self.next_person();
        match self
            .client
            .create_user_opts(&person, &RequestOptions::new())
            .await
        {
            Ok(CreateOutcome::Created(user)) => user.id,
            other => panic!("{:?}: seeding failed: {other:?}", self.adapter),
        }
    }

    /// The method and path prefix a case's fault applies to and is counted on.
    fn target(&self, op: Op, id: Option<&UserId>) -> (&'static str, String) {
        let item = || format!("{}/{}", self.users, id.expect("an id").as_str());
        match op {
            Op::Create => ("POST", self.users.to_owned()),
            Op::Get => ("GET", item()),
            Op::Update => (self.update_method, item()),
            Op::Delete => ("DELETE", item()),
        }
    }
}

/// What one case did.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observed {
    /// The outcome in short: the `Ok` variant or the error variant and status.
    outcome: String,
    /// Requests of the operation's method on its path.
    requests: usize,
    /// Users stored after the case minus before.
    users_added: i64,
}

fn summarize_error(err: &Error) -> String {
    match err {
        Error::OutcomeUnknown { cause, lookup, .. } => {
            let lookup = match lookup {
                CreateLookup::Found(_) => "Found".to_owned(),
                CreateLookup::NotFound => "NotFound".to_owned(),
                CreateLookup::Failed(err) => format!("Failed({})", summarize_error(err)),
                CreateLookup::Skipped => "Skipped".to_owned(),
                other => format!("{other:?}"),
            };
            format!("OutcomeUnknown({}; {lookup})", summarize_error(cause))
        }
        Error::CreatedUnreadable { cause, .. } => {
            format!("CreatedUnreadable({})", summarize_error(cause))
        }
        Error::Timeout { .. } => "Timeout".into(),
        Error::Transport { .. } => "Transport".into(),
        Error::Decode { status, .. } => format!("Decode({status})"),
        Error::ResponseTooLarge { status, .. } => format!("ResponseTooLarge({status})"),
        Error::Redirect { status, .. } => format!("Redirect({status})"),
        Error::Server(api) => format!("Server({})", api.status),
        Error::RateLimited(api) => format!("RateLimited({})", api.status),
        Error::NotFound(api) => format!("NotFound({})", api.status),
        Error::Conflict(api) => format!("Conflict({})", api.status),
        Error::Api(api) => format!("Api({})", api.status),
        other => format!("{other:?}"),
    }
}

fn accepted_code(raw: Option<&serde_json::Value>) -> String {
    match raw.and_then(|raw| raw.get("code")).and_then(|c| c.as_u64()) {
        Some(code) => format!("Accepted({code})"),
        None => "Accepted(-)".into(),
    }
}

/// Runs one case and returns what happened; panics on what must hold everywhere.
async fn run(subject: &mut Subject, elsewhere: &EmulatorServer, op: Op, case: Case) -> Observed {
    let id = match op {
        Op::Create => None,
        _ => Some(subject.seed().await),
    };
    let person = subject.next_person();
    let update = subject.next_update();
    let (method, path) = subject.target(op, id.as_ref());
    let server = subject.server();
    server.clear_requests();
    server.clear_faults();
    subject.slept.lock().unwrap().clear();
    let before = subject.emulator.user_count();
    server.inject(FaultRule::new(case.fault(&elsewhere.origin())).on(method, &path));

    let started = Instant::now();
    // Keeps the acceptances' bodies, whose code the matrix records.
    let options = RequestOptions::new().with_raw_json(true);
    let outcome = match op {
        Op::Create => match subject.client.create_user_opts(&person, &options).await {
            Ok(CreateOutcome::Created(user)) => {
                assert_eq!(user.email, person.email, "{:?}", subject.adapter);
                "Created".into()
            }
            Ok(CreateOutcome::Accepted(a)) => accepted_code(a.raw.as_ref()),
            Ok(other) => format!("{other:?}"),
            Err(err) => {
                if let Error::OutcomeUnknown {
                    lookup: CreateLookup::Found(user),
                    ..
                } = &err
                {
                    let email = user.email.as_deref();
                    assert_eq!(email, person.email.as_deref(), "{:?}", subject.adapter);
                }
                summarize_error(&err)
            }
        },
        Op::Get => match subject
            .client
            .get_user_opts(id.as_ref().unwrap(), &options)
            .await
        {
            Ok(user) => {
                assert_eq!(&user.id, id.as_ref().unwrap());
                "User".into()
            }
            Err(err) => summarize_error(&err),
        },
        Op::Update => {
            let id = id.as_ref().unwrap();
            match subject.client.update_user_opts(id, &update, &options).await {
                Ok(UpdateOutcome::Updated(_)) => "Updated".into(),
                Ok(UpdateOutcome::Applied) => "Applied".into(),
                Ok(UpdateOutcome::Accepted(a)) => accepted_code(a.raw.as_ref()),
                Ok(other) => format!("{other:?}"),
                Err(err) => summarize_error(&err),
            }
        }
        Op::Delete => match subject
            .client
            .delete_user_opts(id.as_ref().unwrap(), &options)
            .await
        {
            Ok(DeleteOutcome::Deleted) => "Deleted".into(),
            Ok(DeleteOutcome::Accepted(a)) => accepted_code(a.raw.as_ref()),
            Ok(other) => format!("{other:?}"),
            Err(err) => summarize_error(&err),
        },
    };
    if case == Case::SlowerThanTimeout {
        // The stalled request still acts when its delay ends, as a real server would.
        let acted = started + STALL + Duration::from_millis(250);
        tokio::time::sleep_until(acted.into()).await;
    }

    let server = subject.server();
    let requests = server.count(method, &path);
    let users_added = subject.emulator.user_count() as i64 - before as i64;
    let slept = subject.slept.lock().unwrap().clone();
    let context = format!("{:?} {op:?} {case:?}: {outcome}", subject.adapter);

    // What holds for every cell.
    assert!(users_added <= 1, "{context}: two users for one create");
    if op == Op::Create {
        let keys: BTreeSet<Option<String>> = server
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .map(|r| r.header("x-idempotency-key").map(str::to_owned))
            .collect();
        assert_eq!(keys.len(), 1, "{context}: one create, one key: {keys:?}");
        if subject.adapter == Adapter::Connect {
            assert!(keys.iter().all(Option::is_some), "{context}: keyed");
        }
    }
    if case == Case::RateLimited {
        assert_eq!(slept, [Duration::from_secs(1)], "{context}: Retry-After");
    } else {
        let max = Duration::from_millis(5);
        assert!(
            slept.iter().all(|d| *d <= max),
            "{context}: backoff {slept:?}"
        );
    }
    if case == Case::RedirectElsewhere {
        assert!(elsewhere.requests().is_empty(), "{context}: followed");
    }
    server.clear_faults();
    Observed {
        outcome,
        requests,
        users_added,
    }
}

/// The expected outcome, requests seen and users added of every cell.
fn expected(adapter: Adapter, op: Op, case: Case) -> (&'static str, usize, i64) {
    use Adapter::*;
    use Case::*;
    let ok = match (adapter, op) {
        (_, Op::Create) => "Created",
        (_, Op::Get) => "User",
        (Jambonz, Op::Update) => "Applied",
        // 202 Accepted, as NetSapiens answers writes.
        (NetSapiens, Op::Update | Op::Delete) => "Accepted(202)",
        (_, Op::Update) => "Updated",
        (_, Op::Delete) => "Deleted",
    };
    // Users a successful operation adds.
    let added = match op {
        Op::Create => 1,
        Op::Delete => -1,
        _ => 0,
    };
    // Creates of providers without idempotency keys are sent once and looked up.
    let once = op == Op::Create && adapter != Connect;
    // jambonz answers updates and deletes, Connect deletes, with an empty 204.
    let empty_answer = matches!(
        (adapter, op),
        (Jambonz, Op::Update | Op::Delete) | (Connect, Op::Delete)
    );
    // An act-then-fail delete is repeated and answered 404: the client counts it as
    // done, but the 202 acknowledgement of the lost first answer is not there.
    let acted = matches!(case, ActThen503 | ActThen500 | ActThenDrop | ResetMidBody);
    if acted && (adapter, op) == (NetSapiens, Op::Delete) {
        return ("Accepted(-)", 2, -1);
    }
    match case {
        Unavailable if once => ("OutcomeUnknown(Server(503); NotFound)", 1, 0),
        Unavailable => (ok, 2, added),
        RateLimited => (ok, 2, added),
        ResetBeforeResponse if once => ("OutcomeUnknown(Transport; NotFound)", 1, 0),
        ResetBeforeResponse => (ok, 2, added),
        ActThen503 if once => ("OutcomeUnknown(Server(503); Found)", 1, 1),
        ActThen503 => (ok, 2, added),
        ActThenDrop if once => ("OutcomeUnknown(Transport; Found)", 1, 1),
        ActThenDrop => (ok, 2, added),
        ResetMidBody if once => ("OutcomeUnknown(Transport; Found)", 1, 1),
        // An empty 204 body cannot be cut: the whole answer arrives before the reset.
        ResetMidBody if empty_answer => (ok, 1, added),
        ResetMidBody => (ok, 2, added),
        // The lookup runs before the stalled request acts; the user appears after.
        SlowerThanTimeout if once => ("OutcomeUnknown(Timeout; NotFound)", 1, 1),
        SlowerThanTimeout => (ok, 2, added),
        RedirectElsewhere => ("Redirect(307)", 1, 0),
        // A 200 says "created" though this fault did not act: the read-back finds
        // nothing, and the error still says created, never "nothing happened". Connect
        // re-sends under its key, and that create lands.
        TenMiBBody if once => ("CreatedUnreadable(ResponseTooLarge(200))", 1, 0),
        TenMiBBody if op == Op::Create => ("Created", 2, 1),
        TenMiBBody => ("ResponseTooLarge(200)", 1, 0),
        InvalidJson => match (adapter, op) {
            // The 201 said "created": the adapter reads the user back instead of failing;
            // Connect re-sends under the same key and gets the stored answer replayed.
            (Jambonz | NetSapiens | Ece, Op::Create) => ("Created", 1, 1),
            (Connect, Op::Create) => ("Created", 2, 1),
            (_, Op::Get) => ("Decode(200)", 1, 0),
            // Empty bodies (204) cannot be cut.
            _ if empty_answer => (ok, 1, added),
            // The 202 acknowledgement is read leniently: a cut one is an empty one.
            (NetSapiens, _) => ("Accepted(-)", 1, added),
            // ECE's delete answer `{}` is not read.
            (Ece, Op::Delete) => (ok, 1, added),
            (Connect | Ece, Op::Update) => ("Decode(200)", 1, 0),
            (Jambonz, _) | (Connect, Op::Delete) => unreachable!("empty answers"),
        },
        HtmlBadGateway if once => ("OutcomeUnknown(Server(502); NotFound)", 1, 0),
        HtmlBadGateway => (ok, 2, added),
        // Every 5xx and 408 of a send-once create is an unknown outcome, looked up.
        Unavailable500 if once => ("OutcomeUnknown(Server(500); NotFound)", 1, 0),
        Unavailable500 => (ok, 2, added),
        ActThen500 if once => ("OutcomeUnknown(Server(500); Found)", 1, 1),
        ActThen500 => (ok, 2, added),
        RequestTimeout408 if once => ("OutcomeUnknown(Api(408); NotFound)", 1, 0),
        RequestTimeout408 => (ok, 2, added),
        // The create acted and answered 2xx: read back (Connect: replayed), Created.
        ActThenTenMiBBody => match (adapter, op) {
            (Connect, Op::Create) => ("Created", 2, 1),
            (_, Op::Create) => ("Created", 1, 1),
            (_, Op::Get) => ("ResponseTooLarge(200)", 1, 0),
            // A 204 carries no body, so there is nothing too large to read.
            _ if empty_answer => (ok, 1, added),
            // Updates and deletes that acted but whose 2xx could not be read: not a
            // create, so not settled here (reported as left alone).
            (NetSapiens, _) => ("ResponseTooLarge(202)", 1, added),
            _ => ("ResponseTooLarge(200)", 1, added),
        },
    }
}

async fn matrix(adapter: Adapter) {
    #[cfg(feature = "tracing")]
    captured::start();
    let mut subject = Subject::start(adapter).await;
    // The host a redirect points to: it must never see a request.
    let elsewhere = JambonzEmulator::start().await.unwrap();
    let mut rows = Vec::new();
    let mut mismatches = Vec::new();
    for case in CASES {
        for op in OPS {
            let seen = run(&mut subject, elsewhere.server(), op, case).await;
            let (outcome, requests, users_added) = expected(adapter, op, case);
            let want = Observed {
                outcome: outcome.to_owned(),
                requests,
                users_added,
            };
            if seen != want {
                mismatches.push(format!("{adapter:?} {op:?} {case:?}: {seen:?} != {want:?}"));
            }
            rows.push(format!(
                "| {adapter:?} | {op:?} | {} | {} | {} | {:+} |",
                case.label(),
                seen.outcome,
                seen.requests,
                seen.users_added
            ));
        }
    }
    if let Ok(path) = std::env::var("FAULTS_TABLE_OUT") {
        let path = format!("{path}.{adapter:?}");
        std::fs::write(path, rows.join("\n") + "\n").unwrap();
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    #[cfg(feature = "tracing")]
    captured::assert_clean(&subject.secrets());
}

impl Subject {
    /// Every credential and password this subject's calls carry.
    fn secrets(&self) -> Vec<String> {
        let mut secrets = vec!["Str0ngP@ss1".to_owned(), "Str0ng-Passw0rd!".to_owned()];
        match &self.emulator {
            Emulator::Jambonz(e) => secrets.push(e.api_key().to_owned()),
            Emulator::NetSapiens(e) => secrets.push(e.token().to_owned()),
            Emulator::Connect(e) => secrets.push(e.api_key().to_owned()),
            Emulator::Ece(e) => {
                secrets.extend([e.password().to_owned(), e.api_key().to_owned()]);
            }
        }
        secrets
    }
}

/// Every span and event the crate reports during the fault matrix, captured as text, so
/// the matrix also proves that no secret reaches a trace.
#[cfg(feature = "tracing")]
mod captured {
    use std::fmt::Write as _;
    use std::sync::{Mutex, Once};

    use tracing::field::{Field, Visit};
    use tracing_subscriber::layer::{Context, SubscriberExt};
    use tracing_subscriber::Layer;

    static TEXT: Mutex<String> = Mutex::new(String::new());

    struct Text<'a>(&'a mut String);

    impl Visit for Text<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }

    struct Capture;

    impl<S: tracing::Subscriber> Layer<S> for Capture {
        fn on_new_span(
            &self,
            attrs: &tracing::span::Attributes<'_>,
            _: &tracing::span::Id,
            _: Context<'_, S>,
        ) {
            let mut text = TEXT.lock().unwrap();
            let _ = write!(text, "\nspan {}", attrs.metadata().name());
            attrs.record(&mut Text(&mut text));
        }
        fn on_record(
            &self,
            _: &tracing::span::Id,
            values: &tracing::span::Record<'_>,
            _: Context<'_, S>,
        ) {
            let mut text = TEXT.lock().unwrap();
            text.push_str("\nrecord");
            values.record(&mut Text(&mut text));
        }
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            let mut text = TEXT.lock().unwrap();
            let _ = write!(text, "\nevent {}", event.metadata().level());
            event.record(&mut Text(&mut text));
        }
    }

    /// Installs the capture for the whole test binary (once).
    pub fn start() {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let subscriber = tracing_subscriber::registry().with(Capture);
            tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        });
    }

    /// Everything captured (by every test running meanwhile too) holds none of
    /// `secrets`, and the crate did report what the matrix provoked.
    pub fn assert_clean(secrets: &[String]) {
        let text = TEXT.lock().unwrap();
        if let Ok(path) = std::env::var("FAULTS_TRACE_OUT") {
            std::fs::write(path, text.as_bytes()).unwrap();
        }
        for secret in secrets {
            assert!(!text.contains(secret.as_str()), "a secret reached a trace");
        }
        for expected in [
            "span user_provisioner.operation",
            "span user_provisioner.request",
            "span user_provisioner.attempt",
            "record status=",
            "retrying",
            "create outcome unknown",
            "lookup=",
        ] {
            assert!(text.contains(expected), "no {expected:?} in the traces");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jambonz_fault_matrix() {
    matrix(Adapter::Jambonz).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn netsapiens_fault_matrix() {
    matrix(Adapter::NetSapiens).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_fault_matrix() {
    matrix(Adapter::Connect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ece_fault_matrix() {
    matrix(Adapter::Ece).await;
}

/// An asynchronous NetSapiens create whose user the server stores, then answers 503,
/// becomes readable only after the visibility delay: the lookup polls within the call's
/// deadline and finds it, instead of answering `NotFound` at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn netsapiens_lookup_waits_out_the_visibility_delay() {
    const DELAY: Duration = Duration::from_millis(600);
    let emulator = NetSapiensEmulator::start()
        .await
        .unwrap()
        .with_visibility_delay(DELAY);
    let slept = Arc::new(Mutex::new(Vec::new()));
    let client = emulator
        .builder()
        .with_client_options(fast_options(&slept))
        .with_synchronous_creates(false)
        .build()
        .unwrap();
    let users = "/ns-api/v2/domains/~/users";
    let person = |n: u32| {
        NewUser::new(format!("late{n}"))
            .with_email(format!("late{n}@example.com"))
            .with_names("Ada", "Lovelace")
            .with_attribute("netsapiens.extension", format!("{}", 4000 + n))
    };

    // Stored, then 503: found once visible, one POST, one user.
    emulator
        .server()
        .inject(FaultRule::new(Fault::ActThenRespond(503)).on("POST", users));
    let started = Instant::now();
    let err = client
        .create_user_opts(&person(1), &RequestOptions::new())
        .await
        .unwrap_err();
    assert!(started.elapsed() >= DELAY, "{:?}", started.elapsed());
    match &err {
        Error::OutcomeUnknown {
            lookup: CreateLookup::Found(user),
            ..
        } => assert_eq!(user.id.as_str(), "4001"),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.resend(), Some(user_provisioner::Resend::LookUpFirst));
    assert_eq!(emulator.server().count("POST", users), 1);
    assert_eq!(emulator.user_count(), 1);

    // Refused without acting, with a call deadline shorter than the visibility window:
    // "not visible yet", never a premature NotFound.
    emulator
        .server()
        .inject(FaultRule::new(Fault::status(503)).on("POST", users));
    let short = RequestOptions::new().with_timeout(Duration::from_millis(800));
    let started = Instant::now();
    let err = client
        .create_user_opts(&person(2), &short)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    match &err {
        Error::OutcomeUnknown {
            lookup: CreateLookup::NotVisibleYet { waited },
            ..
        } => assert!(*waited >= Duration::from_millis(500), "{waited:?}"),
        other => panic!("{other:?}"),
    }
    assert!(
        elapsed < Duration::from_secs(2),
        "bounded by the call: {elapsed:?}"
    );
    assert!(err.to_string().contains("visible yet"), "{err}");
    assert_eq!(emulator.user_count(), 1);
}
