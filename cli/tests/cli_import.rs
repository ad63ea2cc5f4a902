//! `user-provisioner import` run as a process against the crate's emulators: a
//! 1,000-row import with injected faults, its failures CSV fed back in, the same file
//! run again, a Ctrl-C, and the refusals (malformed CSV, missing variables) that send
//! nothing.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use user_provisioner::testing::{ConnectEmulator, EceEmulator, Fault, FaultRule, JambonzEmulator};
use user_provisioner::UserProvisioner;

const HEADER: &str =
    "username,email,given_name,family_name,display_name,phone,password,roles,attr:jambonz.account_sid";

/// A fresh directory for one test's files.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("cli-import-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).unwrap();
        Dir(path)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `count` people with every column filled in (given and family names are left out on
/// jambonz, which cannot store them).
fn people(count: usize, account_sid: &str) -> String {
    let mut csv = format!("{HEADER}\n");
    for n in 0..count {
        csv.push_str(&format!(
            "person{n:04},person{n:04}@example.com,Person,Number{n},Person Number{n},+1555{n:07},\
             Str0ng-P@ss-{n:04},,{account_sid}\n"
        ));
    }
    csv
}

/// The variables that configure each emulator, as an operator would export them.
fn jambonz_env(jambonz: &JambonzEmulator) -> Vec<(String, String)> {
    vec![
        ("JAMBONZ_BASE_URL".into(), jambonz.base_url()),
        ("JAMBONZ_API_KEY".into(), jambonz.api_key().into()),
    ]
}

fn ece_env(ece: &EceEmulator) -> Vec<(String, String)> {
    vec![
        ("ECE_BASE_URL".into(), ece.base_url()),
        ("ECE_API_KEY".into(), ece.api_key().into()),
    ]
}

fn connect_env(connect: &ConnectEmulator) -> Vec<(String, String)> {
    vec![
        ("CONNECT_BASE_URL".into(), connect.base_url()),
        ("CONNECT_API_KEY".into(), connect.api_key().into()),
    ]
}

/// Runs the binary in `dir` with only `env` set (nothing of the host's environment),
/// on a blocking thread so that the emulators on this runtime keep serving.
async fn run(dir: &Dir, env: &[(String, String)], args: &[&str], stdin: Option<String>) -> Output {
    let mut command = Command::cargo_bin("user-provisioner").unwrap();
    command
        .env_clear()
        .envs(env.iter().cloned())
        .current_dir(&dir.0)
        .args(args)
        .timeout(Duration::from_secs(300));
    if let Some(stdin) = stdin {
        command.write_stdin(stdin);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The `--output json` summary.
fn summary(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "no JSON summary ({error}); stdout: {}\nstderr: {}",
            stdout(output),
            stderr(output)
        )
    })
}

/// One backend's counts from the summary.
fn counts(summary: &Value, backend: &str) -> BTreeMap<String, u64> {
    let entry = summary["backends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["backend"] == backend)
        .unwrap_or_else(|| panic!("no {backend} in {summary}"));
    [
        "rows",
        "created",
        "accepted",
        "already_existed",
        "found_after_unknown_outcome",
        "failed",
        "unfinished",
        "rate_limited",
    ]
    .iter()
    .map(|key| (key.to_string(), entry[key].as_u64().unwrap()))
    .collect()
}

/// The failures CSV: its header, and each line as (username, backend, error).
fn failures(path: &Path) -> (Vec<String>, Vec<(String, String, String)>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (user, backend, error) = (column("username"), column("backend"), column("error"));
    let lines = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            (
                record[user].to_owned(),
                record[backend].to_owned(),
                record[error].to_owned(),
            )
        })
        .collect();
    (header, lines)
}

/// Every username of the imported people a backend holds (not its built-in users).
async fn usernames(backend: &dyn UserProvisioner) -> Vec<String> {
    backend
        .list_all_users()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|user| user.username)
        .filter(|name| name.starts_with("person"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_rows_with_faults_then_the_failures_csv_completes_them() {
    const ROWS: usize = 1000;
    // 250 requests per second, so the import meets the limit and pauses for it.
    let jambonz = Arc::new(
        JambonzEmulator::start()
            .await
            .unwrap()
            .with_rate_limit(250, Duration::from_secs(1)),
    );
    let ece = Arc::new(EceEmulator::start().await.unwrap());
    let dir = Dir::new();
    dir.write(
        "people.csv",
        &people(ROWS, &jambonz.account_sid().to_string()),
    );
    let env: Vec<_> = jambonz_env(&jambonz)
        .into_iter()
        .chain(ece_env(&ece))
        .collect();

    // Faults all through the run: refusals the client cannot retry (a create without an
    // idempotency key is never sent twice, and its lookup finds nothing), creates that
    // happened but whose answer was lost (the lookup finds them), and 429s.
    let injector = {
        let (jambonz, ece) = (Arc::clone(&jambonz), Arc::clone(&ece));
        tokio::spawn(async move {
            let (jambonz_server, ece_server) = (jambonz.server(), ece.server());
            for round in 0u32.. {
                jambonz_server.inject(FaultRule::new(Fault::status(503)).on("POST", "/v1/Users"));
                ece_server.inject(FaultRule::new(Fault::status(503)).on("POST", "/api/v1/users"));
                if round % 3 == 0 {
                    jambonz_server
                        .inject(FaultRule::new(Fault::ActThenDrop).on("POST", "/v1/Users"));
                    ece_server
                        .inject(FaultRule::new(Fault::ActThenDrop).on("POST", "/api/v1/users"));
                }
                if round % 40 == 0 && round < 200 {
                    ece_server
                        .inject(FaultRule::new(Fault::rate_limited(1)).on("POST", "/api/v1/users"));
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        })
    };
    let output = run(
        &dir,
        &env,
        &[
            "import",
            "people.csv",
            "--to",
            "jambonz,ece",
            "--output",
            "json",
            "--concurrency",
            "8",
        ],
        None,
    )
    .await;
    injector.abort();
    jambonz.server().clear_faults();
    ece.server().clear_faults();

    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let first = summary(&output);
    assert_eq!(first["rows"], ROWS);
    let failures_path = dir.path("people.failures.csv");
    assert_eq!(
        first["failures"]["path"],
        failures_path.file_name().unwrap().to_str().unwrap()
    );
    let (header, lines) = failures(&failures_path);
    let mut expected_header: Vec<&str> = HEADER.split(',').collect();
    expected_header.extend(["backend", "error"]);
    assert_eq!(header, expected_header);

    // What each backend holds, to hold the failures against.
    let jambonz_users: HashSet<String> = usernames(&jambonz.client().unwrap())
        .await
        .into_iter()
        .collect();
    let ece_users: HashSet<String> = usernames(&ece.client().unwrap())
        .await
        .into_iter()
        .collect();
    let mut failed_total = 0;
    // Per backend, the failed rows that are there all the same.
    let mut held_failed = BTreeMap::new();
    for (backend, held, stored, seeded) in [
        ("jambonz", &jambonz_users, jambonz.user_count(), 1),
        ("ece", &ece_users, ece.user_count(), 0),
    ] {
        let c = counts(&first, backend);
        // Every row reported once on each backend.
        assert_eq!(c["rows"], ROWS as u64);
        assert_eq!(
            c["created"] + c["already_existed"] + c["failed"],
            ROWS as u64,
            "{backend}: {c:?}"
        );
        assert!(c["failed"] > 0, "{backend}: the 503s failed some rows");
        assert!(
            c["found_after_unknown_outcome"] > 0,
            "{backend}: lost answers were found by lookup"
        );
        let failed_here: Vec<_> = lines.iter().filter(|(_, b, _)| b == backend).collect();
        assert_eq!(failed_here.len() as u64, c["failed"], "{backend}");
        // A failed row is not there, unless its create's outcome stayed unknown (the
        // lookup after it failed too): then it may be.
        let mut there = 0;
        for (user, _, error) in &failed_here {
            if held.contains(user) {
                assert!(
                    !error.contains("a lookup found no such user"),
                    "{user} on {backend}: {error}"
                );
                there += 1;
            }
        }
        // Nobody twice, every success stored.
        assert_eq!(
            stored - seeded,
            ROWS - c["failed"] as usize + there,
            "{backend}"
        );
        assert_eq!(held.len(), stored - seeded, "{backend}: each person once");
        held_failed.insert(backend, there as u64);
        failed_total += c["failed"];
    }
    assert_eq!(first["failures"]["lines"], failed_total);
    // One line per row and backend, each naming why.
    let distinct: HashSet<_> = lines
        .iter()
        .map(|(user, backend, _)| (user, backend))
        .collect();
    assert_eq!(distinct.len(), lines.len());
    assert!(
        lines
            .iter()
            .all(|(_, _, error)| error.contains("503") || error.contains("rate")),
        "{lines:?}"
    );
    assert!(first["retry"]
        .as_str()
        .unwrap()
        .starts_with("user-provisioner import"));

    // The failures CSV, fed back in, retries exactly those rows on exactly those backends.
    jambonz.server().clear_requests();
    ece.server().clear_requests();
    let output = run(
        &dir,
        &env,
        &[
            "import",
            "people.failures.csv",
            "--to",
            "jambonz,ece",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let retry = summary(&output);
    for backend in ["jambonz", "ece"] {
        let c = counts(&retry, backend);
        let failed_before = counts(&first, backend)["failed"];
        assert_eq!(
            c["rows"], failed_before,
            "{backend}: only the rows that failed there"
        );
        assert_eq!(c["already_existed"], held_failed[backend], "{backend}");
        assert_eq!(
            c["created"],
            failed_before - held_failed[backend],
            "{backend}"
        );
        assert_eq!(c["failed"], 0);
    }
    // One create per row, plus one per 429 (the create was refused, then sent again).
    assert_eq!(
        jambonz.server().count("POST", "/v1/Users") as u64,
        counts(&first, "jambonz")["failed"] + counts(&retry, "jambonz")["rate_limited"]
    );
    assert_eq!(
        ece.server().count("POST", "/api/v1/users") as u64,
        counts(&first, "ece")["failed"]
    );
    assert_eq!(jambonz.user_count(), ROWS + 1);
    assert_eq!(ece.user_count(), ROWS);
    let (_, lines) = failures(&dir.path("people.failures.failures.csv"));
    assert!(lines.is_empty());

    // The same file again creates nobody.
    let output = run(
        &dir,
        &env,
        &[
            "import",
            "people.csv",
            "--to",
            "jambonz,ece",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let again = summary(&output);
    for backend in ["jambonz", "ece"] {
        let c = counts(&again, backend);
        assert_eq!(
            (c["created"], c["already_existed"], c["failed"]),
            (0, ROWS as u64, 0),
            "{backend}"
        );
    }
    assert_eq!(jambonz.user_count(), ROWS + 1);
    assert_eq!(ece.user_count(), ROWS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connect_gets_nobody_twice_whatever_the_faults() {
    // Connect has no uniqueness rule: a second create of a person makes a second user.
    // Its creates carry idempotency keys, so a lost answer is sent again under the same
    // key, and the import looks each person up before creating.
    const ROWS: usize = 300;
    let connect = Arc::new(ConnectEmulator::start().await.unwrap());
    let dir = Dir::new();
    dir.write("people.csv", &people(ROWS, ""));
    let env = connect_env(&connect);
    let injector = {
        let connect = Arc::clone(&connect);
        tokio::spawn(async move {
            for round in 0u32.. {
                let fault = match round % 3 {
                    0 => FaultRule::new(Fault::ActThenDrop),
                    1 => FaultRule::new(Fault::status(503)).times(3),
                    _ => FaultRule::new(Fault::ActThenRespond(502)),
                };
                connect.server().inject(fault.on("POST", "/api/v1/users"));
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
        })
    };
    let output = run(
        &dir,
        &env,
        &[
            "import",
            "people.csv",
            "--to",
            "connect",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    injector.abort();
    connect.server().clear_faults();
    let first = summary(&output);
    let c = counts(&first, "connect");
    assert_eq!(c["rows"], ROWS as u64);
    assert_eq!(
        c["created"] + c["already_existed"] + c["failed"],
        ROWS as u64,
        "{c:?}"
    );
    assert_eq!(
        output.status.code(),
        Some(if c["failed"] == 0 { 0 } else { 1 }),
        "{}",
        stderr(&output)
    );
    let (_, lines) = failures(&dir.path("people.failures.csv"));
    assert_eq!(lines.len() as u64, c["failed"]);
    // A failed create may still have happened (its outcome is unknown): at most the
    // failed ones are missing, and nobody is there twice.
    let emails = |users: Vec<user_provisioner::User>| -> Vec<String> {
        users.into_iter().filter_map(|u| u.email).collect()
    };
    let held = emails(connect.client().unwrap().list_all_users().await.unwrap());
    let distinct: HashSet<&String> = held.iter().collect();
    assert_eq!(distinct.len(), held.len(), "a person created twice");
    assert!(held.len() as u64 >= ROWS as u64 - c["failed"]);

    let output = run(
        &dir,
        &env,
        &[
            "import",
            "people.failures.csv",
            "--to",
            "connect",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(connect.user_count(), ROWS);
    let output = run(
        &dir,
        &env,
        &[
            "import",
            "people.csv",
            "--to",
            "connect",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        counts(&summary(&output), "connect")["already_existed"],
        ROWS as u64
    );
    assert_eq!(connect.user_count(), ROWS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_csv_is_exit_3_naming_the_line_and_sends_nothing() {
    let jambonz = JambonzEmulator::start().await.unwrap();
    let dir = Dir::new();
    let env = jambonz_env(&jambonz);
    let cases = [
        (
            "username,email,password\nada,ada@example.com,Str0ngP@ss1\ngrace,grace@example.com\n",
            "people.csv line 3: 2 cells where the header has 3",
        ),
        (
            "username,emial\nada,ada@example.com\n",
            "people.csv line 1: unknown column \"emial\"",
        ),
        (
            "email\nada@example.com\n",
            "people.csv line 1: no username column",
        ),
        (
            "username,email\nada,a@example.com\n,b@example.com\n",
            "people.csv line 3: the username is empty",
        ),
        (
            "username,backend\nada,jambon\n",
            "people.csv line 2: unknown provider \"jambon\"",
        ),
        (
            "username\nada\nbob\nada\n",
            "people.csv line 4: username \"ada\" is also on line 2 for jambonz",
        ),
    ];
    for (csv, message) in cases {
        dir.write("people.csv", csv);
        let output = run(
            &dir,
            &env,
            &["import", "people.csv", "--to", "jambonz"],
            None,
        )
        .await;
        assert_eq!(
            output.status.code(),
            Some(3),
            "{csv:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(message),
            "{csv:?}: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty());
    }
    // From standard input too.
    let output = run(
        &dir,
        &env,
        &["import", "-", "--to", "jambonz"],
        Some("username,phone\n\"ada\n".into()),
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("stdin line"),
        "{}",
        stderr(&output)
    );
    assert!(jambonz.server().requests().is_empty(), "nothing sent");
    assert!(!dir.path("people.failures.csv").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_variables_and_bad_arguments_are_exit_2_and_send_nothing() {
    let jambonz = JambonzEmulator::start().await.unwrap();
    let dir = Dir::new();
    dir.write("people.csv", &people(3, &jambonz.account_sid().to_string()));
    let env = jambonz_env(&jambonz);

    // jambonz is configured, ECE is not: neither gets anything.
    let output = run(
        &dir,
        &env,
        &["import", "people.csv", "--to", "jambonz,ece"],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("ece is not configured") && message.contains("ECE_BASE_URL"),
        "{message}"
    );
    assert!(message.contains("nothing was sent"), "{message}");
    assert!(!message.contains(jambonz.api_key()), "{message}");
    // A key without its URL names what is missing too.
    let only_key = [("JAMBONZ_API_KEY".to_owned(), "k".to_owned())];
    let output = run(
        &dir,
        &only_key,
        &["import", "people.csv", "--to", "jambonz"],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("JAMBONZ_BASE_URL"),
        "{}",
        stderr(&output)
    );

    for args in [
        &["import", "people.csv"][..],
        &["import", "people.csv", "--to", "jambonz,zoom"],
        &["import", "people.csv", "--to", "jambonz", "--rate", "0"],
        &[
            "import",
            "people.csv",
            "--to",
            "jambonz",
            "--concurrency",
            "0",
        ],
        &[
            "import",
            "people.csv",
            "--to",
            "jambonz",
            "--concurrency",
            "ece=4",
        ],
        &[
            "import",
            "people.csv",
            "--to",
            "jambonz",
            "--extension-range",
            "1000-1999",
        ],
        &[
            "import",
            "people.csv",
            "--to",
            "jambonz",
            "--failures",
            "people.csv",
        ],
        &[
            "import",
            "people.csv",
            "--to",
            "jambonz",
            "--failures",
            "no/such/dir/f.csv",
        ],
        &["import", "nobody.csv", "--to", "jambonz"],
    ] {
        let output = run(&dir, &env, args, None).await;
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).is_empty());
    }
    assert!(jambonz.server().requests().is_empty(), "nothing sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_documents_columns_failures_exit_codes_and_examples() {
    let dir = Dir::new();
    let output = run(&dir, &[], &["import", "--help"], None).await;
    assert_eq!(output.status.code(), Some(0));
    let help = stdout(&output);
    for text in [
        "attr:<provider>.<name>",
        "attr:jambonz.account_sid",
        "roles",
        "people.failures.csv",
        "Exit codes: 0",
        "3 a malformed CSV",
        "--concurrency <[NAME=]N>",
        "--rate <[NAME=]R>",
        "--no-progress",
        "--output <OUTPUT>",
        "--extension-range <FIRST-LAST>",
        "user-provisioner import people.failures.csv --to jambonz,ece",
    ] {
        assert!(help.contains(text), "{text:?} missing from:\n{help}");
    }
    let short = run(&dir, &[], &["import", "-h"], None).await;
    assert!(stdout(&short).contains("see --help"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_input_a_table_summary_and_progress_lines_at_the_set_pace() {
    let ece = EceEmulator::start().await.unwrap();
    let dir = Dir::new();
    let env = ece_env(&ece);
    let csv = people(15, "");
    let started = std::time::Instant::now();
    let output = run(
        &dir,
        &env,
        &["import", "-", "--to", "ece", "--rate", "5"],
        Some(csv.clone()),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        took >= Duration::from_millis(2500),
        "15 rows at 5 a second took {took:?}"
    );
    let table = stdout(&output);
    assert!(table.starts_with("stdin: 15 rows in "), "{table}");
    let row = table.lines().find(|l| l.starts_with("ece ")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells, ["ece", "15", "15", "0", "0", "0"], "{table}");
    assert!(table.contains("no failures"), "{table}");
    // Not a terminal: a plain line every 2 seconds and a last one.
    let progress = stderr(&output);
    let lines: Vec<&str> = progress.lines().filter(|l| l.starts_with('[')).collect();
    assert!(lines.len() >= 2, "{progress}");
    assert!(
        lines.last().unwrap().contains("ece 15/15 (failed 0"),
        "{progress}"
    );
    let (header, failed) = failures(&dir.path("stdin.failures.csv"));
    assert!(failed.is_empty());
    assert_eq!(header.last().map(String::as_str), Some("error"));

    // Again, quietly: nothing new, no progress.
    let output = run(
        &dir,
        &env,
        &["import", "-", "--to", "ece", "--no-progress"],
        Some(csv),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    let row = stdout(&output)
        .lines()
        .find(|l| l.starts_with("ece "))
        .map(str::to_owned)
        .unwrap();
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["ece", "15", "0", "0", "15", "0"]
    );
    assert_eq!(ece.user_count(), 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_a_provider_refuses_fail_alone_and_dry_run_finds_them_first() {
    let jambonz = JambonzEmulator::start().await.unwrap();
    let dir = Dir::new();
    let env = jambonz_env(&jambonz);
    let sid = jambonz.account_sid();
    dir.write(
        "people.csv",
        &format!(
            "username,email,password,attr:jambonz.account_sid\n\
             ada,ada@example.com,Str0ngP@ss1,{sid}\n\
             grace,not-an-address,Str0ngP@ss2,{sid}\n\
             alan,alan@example.com,,{sid}\n"
        ),
    );
    let output = run(
        &dir,
        &env,
        &["import", "people.csv", "--to", "jambonz", "--dry-run"],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let problems = stderr(&output);
    assert!(
        problems.contains("line 3: grace on jambonz")
            && problems.contains("line 4: alan on jambonz"),
        "{problems}"
    );
    assert!(stdout(&output).contains("2 problems; nothing was sent"));
    assert!(jambonz.server().requests().is_empty());

    let output = run(
        &dir,
        &env,
        &[
            "import",
            "people.csv",
            "--to",
            "jambonz",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let c = counts(&summary(&output), "jambonz");
    assert_eq!((c["created"], c["failed"]), (1, 2));
    let (_, lines) = failures(&dir.path("people.failures.csv"));
    let failed: Vec<&str> = lines.iter().map(|(user, _, _)| user.as_str()).collect();
    assert_eq!(failed, ["grace", "alan"]);
    assert!(
        lines
            .iter()
            .all(|(_, _, error)| error.contains("email") || error.contains("password")),
        "{lines:?}"
    );
    assert_eq!(
        jambonz.server().count("POST", "/v1/Users"),
        1,
        "refused rows are never sent"
    );
    // The failures CSV keeps the input's cells, passwords included, for the retry.
    let text = std::fs::read_to_string(dir.path("people.failures.csv")).unwrap();
    assert!(text.contains("grace,not-an-address,Str0ngP@ss2,"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path("people.failures.csv"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the failures CSV is its owner's only");
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_writes_the_unfinished_rows_to_the_failures_csv() {
    const ROWS: usize = 100;
    let ece = EceEmulator::start().await.unwrap();
    let dir = Dir::new();
    dir.write("people.csv", &people(ROWS, ""));
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_user-provisioner"))
        .env_clear()
        .envs(ece_env(&ece))
        .current_dir(&dir.0)
        .args([
            "import",
            "people.csv",
            "--to",
            "ece",
            "--rate",
            "20",
            "--output",
            "json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let first = summary(&output);
    assert_eq!(first["interrupted"], true);
    let c = counts(&first, "ece");
    assert!(c["unfinished"] > 0 && c["created"] > 0, "{c:?}");
    assert_eq!(
        c["created"] + c["failed"] + c["unfinished"],
        ROWS as u64,
        "{c:?}"
    );
    let (_, lines) = failures(&dir.path("people.failures.csv"));
    assert_eq!(lines.len() as u64, c["unfinished"] + c["failed"]);
    assert!(lines
        .iter()
        .all(|(_, _, error)| error.starts_with("interrupted")));

    let env = ece_env(&ece);
    let output = run(
        &dir,
        &env,
        &[
            "import",
            "people.failures.csv",
            "--to",
            "ece",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(ece.user_count(), ROWS);
}
