//! `user-provisioner <provider> create|get|update|delete|list` run as a process against
//! the four emulators (and, ignored by default, the real jambonz server): every command
//! on every provider in both output forms, dry runs, bad arguments, missing variables
//! and the exit code of each kind of failure. Every run also checks that no credential
//! and no password reaches stdout or stderr.

use std::path::PathBuf;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{json, Value};
use user_provisioner::testing::Emulators;

/// Every variable the providers read; each run starts without them.
const VARIABLES: &[&str] = &[
    "JAMBONZ_BASE_URL",
    "JAMBONZ_API_KEY",
    "JAMBONZ_API_KEY_FILE",
    "NETSAPIENS_BASE_URL",
    "NETSAPIENS_TOKEN",
    "NETSAPIENS_TOKEN_FILE",
    "NETSAPIENS_DOMAIN",
    "CONNECT_BASE_URL",
    "CONNECT_API_KEY",
    "CONNECT_API_KEY_FILE",
    "ECE_BASE_URL",
    "ECE_API_KEY",
    "ECE_API_KEY_FILE",
    "ECE_USERNAME",
    "ECE_PASSWORD",
    "ECE_PASSWORD_FILE",
    "SCIM_BASE_URL",
    "SCIM_TOKEN",
    "SCIM_TOKEN_FILE",
    "SCIM_USERNAME",
    "SCIM_PASSWORD",
    "SCIM_PASSWORD_FILE",
];

const PASSWORD: &str = "Str0ngP@ss1";
const NEW_PASSWORD: &str = "N3wP@ssw0rd!";

/// The command line with a chosen environment, and the secrets its output must not show.
#[derive(Clone)]
struct Cli {
    env: Vec<(String, String)>,
    secrets: Vec<String>,
}

impl Cli {
    fn new() -> Self {
        Self {
            env: Vec::new(),
            secrets: vec![PASSWORD.to_owned(), NEW_PASSWORD.to_owned()],
        }
    }

    /// Configured for all four emulators, each with its API key.
    fn for_emulators(emulators: &Emulators) -> Self {
        let cli = Self::new()
            .with("JAMBONZ_BASE_URL", emulators.jambonz.base_url())
            .with_secret("JAMBONZ_API_KEY", emulators.jambonz.api_key())
            .with("NETSAPIENS_BASE_URL", emulators.netsapiens.base_url())
            .with_secret("NETSAPIENS_TOKEN", emulators.netsapiens.token())
            .with("CONNECT_BASE_URL", emulators.connect.base_url())
            .with_secret("CONNECT_API_KEY", emulators.connect.api_key())
            .with("ECE_BASE_URL", emulators.ece.base_url())
            .with_secret("ECE_API_KEY", emulators.ece.api_key());
        let mut cli = cli;
        cli.secrets.push(emulators.ece.password().to_owned());
        cli
    }

    fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.env.retain(|(own, _)| own != name);
        self.env.push((name.to_owned(), value.into()));
        self
    }

    fn with_secret(mut self, name: &str, value: &str) -> Self {
        self.secrets.push(value.to_owned());
        self.with(name, value)
    }

    fn without(mut self, name: &str) -> Self {
        self.env.retain(|(own, _)| own != name);
        self
    }

    async fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "").await
    }

    /// Runs the binary on a blocking thread, so that the emulators keep serving.
    async fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let env = self.env.clone();
        let owned: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        let stdin = stdin.to_owned();
        let output = tokio::task::spawn_blocking(move || {
            let mut command = Command::cargo_bin("user-provisioner").unwrap();
            for variable in VARIABLES {
                command.env_remove(variable);
            }
            command
                .envs(env)
                .args(&owned)
                .write_stdin(stdin)
                .timeout(Duration::from_secs(60))
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let run = Run {
            args: args.join(" "),
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        };
        for secret in &self.secrets {
            assert!(
                !run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()),
                "`{}` printed a secret:\n{}{}",
                run.args,
                run.stdout,
                run.stderr
            );
        }
        run
    }
}

#[derive(Debug)]
struct Run {
    args: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "`{}`\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        if code == 0 {
            assert!(self.stderr.is_empty(), "`{}`: {}", self.args, self.stderr);
        } else {
            assert!(
                self.stderr.starts_with("error: "),
                "`{}`: {}",
                self.args,
                self.stderr
            );
            assert!(self.stdout.is_empty(), "`{}`: {}", self.args, self.stdout);
        }
        self
    }

    #[track_caller]
    fn ok(&self) -> &Self {
        self.expect(0)
    }

    /// Stdout as one JSON object, on one line.
    #[track_caller]
    fn json(&self) -> Value {
        let lines: Vec<&str> = self.stdout.lines().collect();
        assert_eq!(lines.len(), 1, "`{}`: {}", self.args, self.stdout);
        serde_json::from_str(lines[0]).unwrap()
    }

    /// Stdout as JSON lines.
    fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// The value of a row of a user's table (`username  ada`).
    #[track_caller]
    fn row(&self, name: &str) -> String {
        self.stdout
            .lines()
            .find_map(|line| {
                let rest = line.strip_prefix(name)?;
                rest.starts_with("  ").then(|| rest.trim().to_owned())
            })
            .unwrap_or_else(|| panic!("`{}`: no row {name:?} in\n{}", self.args, self.stdout))
    }
}

/// A file holding `text` and a newline, removed when the test ends.
struct TempFile(PathBuf);

impl TempFile {
    fn new(text: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "user-provisioner-cli-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        std::fs::write(&path, format!("{text}\n")).unwrap();
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// How many requests other than reads each emulator received.
fn writes(emulators: &Emulators) -> usize {
    [
        emulators.jambonz.server(),
        emulators.netsapiens.server(),
        emulators.connect.server(),
        emulators.ece.server(),
    ]
    .iter()
    .flat_map(|server| server.requests())
    .filter(|request| request.method != "GET")
    .count()
}

fn requests(emulators: &Emulators) -> usize {
    [
        emulators.jambonz.server(),
        emulators.netsapiens.server(),
        emulators.connect.server(),
        emulators.ece.server(),
    ]
    .iter()
    .map(|server| server.requests().len())
    .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn jambonz_every_command_in_both_forms() {
    let emulators = Emulators::start().await.unwrap();
    let cli = Cli::for_emulators(&emulators);
    let account = format!("jambonz.account_sid={}", emulators.jambonz.account_sid());

    let created = cli
        .run_with_stdin(
            &[
                "jambonz",
                "create",
                "--username",
                "ada",
                "--email",
                "ada@example.com",
                "--attribute",
                &account,
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        )
        .await;
    created.ok();
    let ada = created.row("id");
    assert_eq!(
        created.stdout.lines().next(),
        Some(&*format!("created jambonz user {ada}"))
    );
    assert_eq!(created.row("username"), "ada");
    assert_eq!(created.row("email"), "ada@example.com");
    let sent = emulators.jambonz.server().requests();
    let post = sent.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(post.json().unwrap()["initial_password"], json!(PASSWORD));

    let file = TempFile::new(PASSWORD);
    let grace = cli
        .run(&[
            "jambonz",
            "create",
            "--username",
            "grace",
            "--email",
            "grace@example.com",
            "--attribute",
            &account,
            "--password-file",
            file.path(),
            "--output",
            "json",
        ])
        .await;
    let grace = grace.ok().json();
    assert_eq!(grace["created"]["username"], json!("grace"));
    assert_eq!(grace["created"]["provider"], json!("jambonz"));
    assert!(grace["created"].get("raw").is_none());
    let grace = grace["created"]["id"].as_str().unwrap().to_owned();
    assert_eq!(emulators.jambonz.user_count(), 3);

    let got = cli.run(&["jambonz", "get", &ada]).await;
    got.ok();
    assert_eq!(got.row("id"), ada);
    assert_eq!(got.row("enabled"), "true");
    let got = cli.run(&["jambonz", "get", &ada, "--output", "json"]).await;
    let got = got.ok().json();
    assert_eq!(got["email"], json!("ada@example.com"));
    assert_eq!(got["id"], json!(ada));

    let updated = cli
        .run(&[
            "jambonz",
            "update",
            &ada,
            "--email",
            "ada@example.org",
            "--enabled",
            "false",
        ])
        .await;
    assert_eq!(updated.ok().stdout, format!("updated jambonz user {ada}\n"));
    let got = cli.run(&["jambonz", "get", &ada, "--output", "json"]).await;
    let got = got.ok().json();
    assert_eq!(got["email"], json!("ada@example.org"));
    assert_eq!(got["enabled"], json!(false));

    let new = TempFile::new(NEW_PASSWORD);
    let current = TempFile::new(PASSWORD);
    let changed = cli
        .run(&[
            "jambonz",
            "update",
            &ada,
            "--password-file",
            new.path(),
            "--current-password-file",
            current.path(),
            "--output",
            "json",
        ])
        .await;
    assert_eq!(
        changed.ok().json(),
        json!({ "applied": { "provider": "jambonz", "id": ada } })
    );
    let put = emulators
        .jambonz
        .server()
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PUT")
        .unwrap();
    let body = put.json().unwrap();
    assert_eq!(body["old_password"], json!(PASSWORD));
    assert_eq!(body["new_password"], json!(NEW_PASSWORD));
    // The emulator checks the old password: a second change from it is refused.
    cli.run(&[
        "jambonz",
        "update",
        &ada,
        "--password-file",
        new.path(),
        "--current-password-file",
        current.path(),
    ])
    .await
    .expect(1);

    let listed = cli.run(&["jambonz", "list"]).await;
    listed.ok();
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("USERNAME"),
        "{lines:?}"
    );
    assert!(lines
        .iter()
        .any(|line| line.starts_with(&ada) && line.contains("ada@example.org")));
    assert_eq!(lines.last(), Some(&"3 users"));
    for form in [
        &["jambonz", "list", "--output", "json"][..],
        &["jambonz", "list", "--all", "--output", "json"],
    ] {
        let listed = cli.run(form).await;
        let users = listed.ok().json_lines();
        assert_eq!(users.len(), 3, "{}", listed.stdout);
        assert!(users
            .iter()
            .all(|user| user["provider"] == json!("jambonz")));
        assert!(users.iter().any(|user| user["id"] == json!(grace)));
    }

    let deleted = cli.run(&["jambonz", "delete", &ada]).await;
    assert_eq!(deleted.ok().stdout, format!("deleted jambonz user {ada}\n"));
    let deleted = cli
        .run(&["jambonz", "delete", &grace, "--output", "json"])
        .await;
    assert_eq!(
        deleted.ok().json(),
        json!({ "deleted": { "provider": "jambonz", "id": grace } })
    );
    assert_eq!(emulators.jambonz.user_count(), 1);
    let gone = cli.run(&["jambonz", "get", &ada]).await;
    assert!(
        gone.expect(4).stderr.contains("not found"),
        "{}",
        gone.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn netsapiens_created_and_accepted_are_told_apart() {
    let emulators = Emulators::start().await.unwrap();
    emulators.netsapiens.set_visibility_delay(Duration::ZERO);
    let cli = Cli::for_emulators(&emulators);
    let create = |username: &'static str, given: &'static str| {
        vec![
            "netsapiens",
            "--extension-range",
            "7000-7999",
            "create",
            "--username",
            username,
            "--email",
            "someone@example.com",
            "--given-name",
            given,
            "--family-name",
            "Lovelace",
            "--role",
            "Basic User",
        ]
    };

    let created = cli.run(&create("ada", "Ada")).await;
    created.ok();
    assert_eq!(
        created.stdout.lines().next(),
        Some("created netsapiens user 7000")
    );
    assert_eq!(created.row("roles"), "Basic User");

    let mut asynchronous = create("grace", "Grace");
    asynchronous.extend([
        "--attribute",
        "netsapiens.synchronous=false",
        "--output",
        "json",
    ]);
    let accepted = cli.run(&asynchronous).await;
    let accepted = accepted.ok().json();
    assert_eq!(accepted["accepted"]["provider"], json!("netsapiens"));
    assert_eq!(accepted["accepted"]["id"], json!("7001"));
    assert!(accepted.get("created").is_none());

    let mut asynchronous = create("alan", "Alan");
    asynchronous.extend(["--attribute", "netsapiens.synchronous=false"]);
    let accepted = cli.run(&asynchronous).await;
    assert_eq!(
        accepted.ok().stdout,
        "accepted: netsapiens took the create; it may not be readable yet\nid          7002\n"
    );
    assert_eq!(emulators.netsapiens.user_count(), 3);

    let got = cli
        .run(&["netsapiens", "get", "7001", "--output", "json"])
        .await;
    assert_eq!(got.ok().json()["username"], json!("grace"));
    let got = cli.run(&["netsapiens", "get", "7000"]).await;
    assert_eq!(got.ok().row("given name"), "Ada");

    let updated = cli
        .run(&["netsapiens", "update", "7000", "--given-name", "Augusta"])
        .await;
    assert_eq!(
        updated.ok().stdout,
        "accepted: netsapiens took the update; it may not be readable yet\nid          7000\n"
    );
    let updated = cli
        .run(&[
            "netsapiens",
            "update",
            "7000",
            "--family-name",
            "King",
            "--output",
            "json",
        ])
        .await;
    assert_eq!(updated.ok().json()["accepted"]["id"], json!("7000"));
    let got = cli
        .run(&["netsapiens", "get", "7000", "--output", "json"])
        .await;
    let got = got.ok().json();
    assert_eq!(got["given_name"], json!("Augusta"));
    assert_eq!(got["family_name"], json!("King"));

    // Pages: a cursor in the last JSON line, and in the table's footer.
    let first = cli
        .run(&["netsapiens", "list", "--page-size", "2", "--output", "json"])
        .await;
    let lines = first.ok().json_lines();
    assert_eq!(lines.len(), 3, "{}", first.stdout);
    let cursor = lines[2]["next_cursor"].as_str().unwrap().to_owned();
    let next = cli
        .run(&[
            "netsapiens",
            "list",
            "--page-size",
            "2",
            "--cursor",
            &cursor,
            "--output",
            "json",
        ])
        .await;
    let rest = next.ok().json_lines();
    let mut seen: Vec<Value> = lines[..2]
        .iter()
        .chain(&rest)
        .map(|user| user["id"].clone())
        .collect();
    seen.retain(|id| !id.is_null());
    seen.sort_by_key(|id| id.as_str().unwrap().to_owned());
    assert_eq!(seen, [json!("7000"), json!("7001"), json!("7002")]);
    let table = cli.run(&["netsapiens", "list", "--page-size", "2"]).await;
    let footer = table.ok().stdout.lines().last().unwrap().to_owned();
    assert_eq!(footer, format!("2 users; next page: --cursor {cursor}"));
    let all = cli.run(&["netsapiens", "list", "--all"]).await;
    assert_eq!(all.ok().stdout.lines().last(), Some("3 users"));

    let deleted = cli
        .run(&["netsapiens", "delete", "7001", "--output", "json"])
        .await;
    assert_eq!(deleted.ok().json()["accepted"]["id"], json!("7001"));
    let deleted = cli.run(&["netsapiens", "delete", "7002"]).await;
    assert!(deleted
        .ok()
        .stdout
        .starts_with("accepted: netsapiens took the delete"));
    assert_eq!(emulators.netsapiens.user_count(), 1);
    cli.run(&["netsapiens", "get", "7001"]).await.expect(4);
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_every_command_in_both_forms() {
    let emulators = Emulators::start().await.unwrap();
    let cli = Cli::for_emulators(&emulators);

    let created = cli
        .run(&[
            "connect",
            "create",
            "--username",
            "ada",
            "--display-name",
            "Ada Lovelace",
            "--email",
            "ada@example.com",
            "--phone",
            "+15551234567",
            "--metadata",
            "team=eng",
            "--metadata",
            "seats=3",
            "--output",
            "json",
        ])
        .await;
    let created = created.ok().json();
    let user = &created["created"];
    assert_eq!(user["display_name"], json!("Ada Lovelace"));
    assert_eq!(user["phone"], json!("+15551234567"));
    assert!(user["idempotency_key"].is_string(), "{created}");
    let id = user["id"].as_str().unwrap().to_owned();
    let post = emulators
        .connect
        .server()
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    // A value that parses as JSON is JSON; anything else is a string.
    assert_eq!(
        post.json().unwrap()["metadata"],
        json!({ "team": "eng", "seats": 3 })
    );

    let table = cli
        .run(&[
            "connect",
            "create",
            "--username",
            "grace",
            "--display-name",
            "Grace Hopper",
            "--email",
            "grace@example.com",
        ])
        .await;
    table.ok();
    assert!(table.stdout.starts_with("created connect user "));
    assert!(!table.row("idempotency key").is_empty());

    let got = cli.run(&["connect", "get", &id]).await;
    assert_eq!(got.ok().row("display name"), "Ada Lovelace");
    let got = cli.run(&["connect", "get", &id, "--output", "json"]).await;
    assert_eq!(got.ok().json()["email"], json!("ada@example.com"));

    let updated = cli
        .run(&[
            "connect",
            "update",
            &id,
            "--clear-phone",
            "--metadata",
            "team=ops",
            "--output",
            "json",
        ])
        .await;
    let updated = updated.ok().json();
    assert_eq!(updated["updated"]["phone"], Value::Null);
    let patch = emulators
        .connect
        .server()
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(patch.json().unwrap()["metadata"], json!({ "team": "ops" }));
    let updated = cli
        .run(&["connect", "update", &id, "--email", "ada@example.org"])
        .await;
    updated.ok();
    assert!(updated
        .stdout
        .starts_with(&format!("updated connect user {id}\n")));
    assert_eq!(updated.row("email"), "ada@example.org");

    let listed = cli.run(&["connect", "list", "--output", "json"]).await;
    assert_eq!(listed.ok().json_lines().len(), 2);
    let listed = cli.run(&["connect", "list", "--all"]).await;
    assert_eq!(listed.ok().stdout.lines().last(), Some("2 users"));

    let deleted = cli.run(&["connect", "delete", &id]).await;
    assert_eq!(deleted.ok().stdout, format!("deleted connect user {id}\n"));
    assert_eq!(emulators.connect.user_count(), 1);
    cli.run(&["connect", "get", &id]).await.expect(4);
}

#[tokio::test(flavor = "multi_thread")]
async fn ece_every_command_in_both_forms() {
    let emulators = Emulators::start().await.unwrap();
    let cli = Cli::for_emulators(&emulators);
    let file = TempFile::new(PASSWORD);

    let created = cli
        .run(&[
            "ece",
            "create",
            "--username",
            "grace",
            "--email",
            "grace@example.com",
            "--given-name",
            "Grace",
            "--family-name",
            "Hopper",
            "--role",
            "ece_platform_viewer",
            "--password-file",
            file.path(),
        ])
        .await;
    created.ok();
    assert_eq!(
        created.stdout.lines().next(),
        Some("created ece user grace")
    );
    assert_eq!(created.row("display name"), "Grace Hopper");
    assert_eq!(created.row("roles"), "ece_platform_viewer");
    let created = cli
        .run_with_stdin(
            &[
                "ece",
                "create",
                "--username",
                "alan",
                "--password-stdin",
                "--disabled",
                "--output",
                "json",
            ],
            &format!("{PASSWORD}\n"),
        )
        .await;
    let created = created.ok().json();
    assert_eq!(created["created"]["id"], json!("alan"));
    assert_eq!(created["created"]["enabled"], json!(false));
    assert_eq!(emulators.ece.user_count(), 2);

    let got = cli.run(&["ece", "get", "grace", "--output", "json"]).await;
    assert_eq!(got.ok().json()["email"], json!("grace@example.com"));
    let got = cli.run(&["ece", "get", "alan"]).await;
    assert_eq!(got.ok().row("enabled"), "false");

    let updated = cli
        .run(&[
            "ece",
            "update",
            "grace",
            "--enabled",
            "false",
            "--output",
            "json",
        ])
        .await;
    assert_eq!(updated.ok().json()["updated"]["enabled"], json!(false));
    let updated = cli
        .run_with_stdin(
            &["ece", "update", "grace", "--password-stdin"],
            &format!("{NEW_PASSWORD}\n"),
        )
        .await;
    assert!(updated.ok().stdout.starts_with("updated ece user grace\n"));
    let patch = emulators
        .ece
        .server()
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        patch.json().unwrap()["security"]["password"],
        json!(NEW_PASSWORD)
    );

    let listed = cli.run(&["ece", "list"]).await;
    let text = &listed.ok().stdout;
    for name in ["admin", "readonly", "grace", "alan"] {
        assert!(text.lines().any(|line| line.starts_with(name)), "{text}");
    }
    let listed = cli.run(&["ece", "list", "--output", "json"]).await;
    assert_eq!(listed.ok().json_lines().len(), 4);

    let deleted = cli
        .run(&["ece", "delete", "grace", "--output", "json"])
        .await;
    assert_eq!(
        deleted.ok().json(),
        json!({ "deleted": { "provider": "ece", "id": "grace" } })
    );
    let deleted = cli.run(&["ece", "delete", "alan"]).await;
    assert_eq!(deleted.ok().stdout, "deleted ece user alan\n");
    assert_eq!(emulators.ece.user_count(), 0);
    cli.run(&["ece", "get", "grace"]).await.expect(4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_sends_no_write_and_shows_it_masked() {
    let emulators = Emulators::start().await.unwrap();
    let cli = Cli::for_emulators(&emulators);
    let account = format!("jambonz.account_sid={}", emulators.jambonz.account_sid());
    let stdin = format!("{PASSWORD}\n");

    let shown = cli
        .run_with_stdin(
            &[
                "jambonz",
                "create",
                "--username",
                "ada",
                "--email",
                "ada@example.com",
                "--attribute",
                &account,
                "--password-stdin",
                "--dry-run",
            ],
            &stdin,
        )
        .await;
    shown.ok();
    let lines: Vec<&str> = shown.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "dry run: nothing was sent; the request would have been:"
    );
    assert_eq!(
        lines[1],
        format!("POST {}/Users", emulators.jambonz.base_url())
    );
    assert!(
        lines.contains(&"authorization: Bearer ***"),
        "{}",
        shown.stdout
    );
    assert!(
        shown.stdout.contains(r#""initial_password":"<redacted>""#),
        "{}",
        shown.stdout
    );
    let shown = cli
        .run_with_stdin(
            &[
                "jambonz",
                "create",
                "--username",
                "ada",
                "--email",
                "ada@example.com",
                "--attribute",
                &account,
                "--password-stdin",
                "--dry-run",
                "--output",
                "json",
            ],
            &stdin,
        )
        .await;
    let request = shown.ok().json();
    let request = &request["dry_run"];
    assert_eq!(request["method"], json!("POST"));
    assert_eq!(request["headers"]["authorization"], json!("Bearer ***"));
    assert_eq!(request["body"]["name"], json!("ada"));
    assert_eq!(request["body"]["initial_password"], json!("<redacted>"));
    assert_eq!(
        request["body"]["account_sid"],
        json!(emulators.jambonz.account_sid())
    );

    let shown = cli
        .run(&[
            "netsapiens",
            "--extension-range",
            "7000-7999",
            "create",
            "--username",
            "ada",
            "--email",
            "ada@example.com",
            "--given-name",
            "Ada",
            "--family-name",
            "Lovelace",
            "--dry-run",
            "--output",
            "json",
        ])
        .await;
    let request = shown.ok().json();
    assert_eq!(request["dry_run"]["body"]["user"], json!("7000"));
    assert_eq!(
        request["dry_run"]["headers"]["authorization"],
        json!("Bearer ***")
    );

    let shown = cli
        .run(&[
            "connect",
            "create",
            "--username",
            "ada",
            "--display-name",
            "Ada",
            "--email",
            "ada@example.com",
            "--dry-run",
        ])
        .await;
    assert!(
        shown.ok().stdout.contains("\nx-api-key: ***\n"),
        "{}",
        shown.stdout
    );
    assert!(
        shown.stdout.contains("\nx-idempotency-key: "),
        "{}",
        shown.stdout
    );

    let shown = cli
        .run_with_stdin(
            &[
                "ece",
                "create",
                "--username",
                "ada",
                "--role",
                "ece_platform_viewer",
                "--password-stdin",
                "--dry-run",
                "--output",
                "json",
            ],
            &stdin,
        )
        .await;
    let request = shown.ok().json();
    assert_eq!(
        request["dry_run"]["headers"]["authorization"],
        json!("ApiKey ***")
    );
    assert_eq!(
        request["dry_run"]["body"]["security"]["password"],
        json!("<redacted>")
    );
    // Basic auth is masked too, and its password (from a file) never printed.
    let password = TempFile::new(emulators.ece.password());
    let basic = cli
        .clone()
        .without("ECE_API_KEY")
        .with("ECE_USERNAME", emulators.ece.username())
        .with("ECE_PASSWORD_FILE", password.path());
    let shown = basic.run(&["ece", "delete", "admin", "--dry-run"]).await;
    assert!(
        shown.ok().stdout.contains("\nauthorization: Basic ***\n"),
        "{}",
        shown.stdout
    );

    assert_eq!(writes(&emulators), 0, "a dry run sent a write");
    assert_eq!(emulators.jambonz.user_count(), 1);
    assert_eq!(emulators.netsapiens.user_count(), 0);
    assert_eq!(emulators.connect.user_count(), 0);
    assert_eq!(emulators.ece.user_count(), 0);

    // An update reads the stored user first (jambonz keeps its view-only flag) and
    // stops at its PUT; a delete stops at its DELETE.
    let created = cli
        .run_with_stdin(
            &[
                "jambonz",
                "create",
                "--username",
                "ada",
                "--email",
                "ada@example.com",
                "--attribute",
                &account,
                "--password-stdin",
                "--output",
                "json",
            ],
            &stdin,
        )
        .await;
    let id = created.ok().json()["created"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let server = emulators.jambonz.server();
    server.clear_requests();
    let shown = cli
        .run(&[
            "jambonz",
            "update",
            &id,
            "--email",
            "ada@example.org",
            "--dry-run",
            "--output",
            "json",
        ])
        .await;
    let request = shown.ok().json();
    assert_eq!(request["dry_run"]["method"], json!("PUT"));
    assert_eq!(
        request["dry_run"]["body"]["email"],
        json!("ada@example.org")
    );
    assert_eq!(request["dry_run"]["body"]["is_view_only"], json!(false));
    let path = format!("/v1/Users/{id}");
    assert_eq!(server.count("GET", &path), 1);
    assert_eq!(server.count("PUT", &path), 0);
    let shown = cli.run(&["jambonz", "delete", &id, "--dry-run"]).await;
    assert_eq!(
        shown.ok().stdout.lines().nth(1),
        Some(&*format!(
            "DELETE {}/Users/{id}",
            emulators.jambonz.base_url()
        ))
    );
    assert_eq!(server.count("DELETE", &path), 0);
    let got = cli.run(&["jambonz", "get", &id, "--output", "json"]).await;
    assert_eq!(got.ok().json()["email"], json!("ada@example.com"));

    // Refused input is refused before the dry run: exit 3, nothing sent.
    server.clear_requests();
    let refused = cli
        .run_with_stdin(
            &[
                "jambonz",
                "create",
                "--username",
                "bob",
                "--email",
                "not-an-email",
                "--password-stdin",
                "--dry-run",
            ],
            &stdin,
        )
        .await;
    assert!(
        refused.expect(3).stderr.contains("email"),
        "{}",
        refused.stderr
    );
    assert!(server.requests().is_empty());
    // A dry run of a user that does not exist fails at the read: exit 4.
    cli.run(&[
        "jambonz",
        "update",
        "5f0c6c6e-1b0e-4c57-9d8a-6f3f8d1e2a4b",
        "--email",
        "x@example.com",
        "--dry-run",
    ])
    .await
    .expect(4);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_arguments_exit_2_and_send_nothing() {
    let emulators = Emulators::start().await.unwrap();
    let cli = Cli::for_emulators(&emulators);
    let cases: &[&[&str]] = &[
        &["nosuch", "list"],
        &["jambonz", "get"],
        &["jambonz", "create"],
        &[
            "jambonz",
            "create",
            "--username",
            "ada",
            "--password",
            PASSWORD,
        ],
        &[
            "jambonz",
            "create",
            "--username",
            "ada",
            "--password-stdin",
            "--password-file",
            "/dev/null",
        ],
        &[
            "jambonz",
            "create",
            "--username",
            "ada",
            "--attribute",
            "novalue",
        ],
        &[
            "jambonz",
            "update",
            "x",
            "--email",
            "a@example.com",
            "--clear-email",
        ],
        &["jambonz", "update", "x", "--enabled", "maybe"],
        &[
            "jambonz",
            "update",
            "x",
            "--current-password-file",
            "/dev/null",
        ],
        &["jambonz", "list", "--all", "--cursor", "2"],
        &["jambonz", "list", "--page-size", "many"],
        &["jambonz", "list", "--output", "xml"],
        &["jambonz", "--extension-range", "7000-7999", "list"],
        &["netsapiens", "--extension-range", "7999-7000", "list"],
        &["netsapiens", "--extension-range", "seven", "list"],
        &[
            "ece",
            "create",
            "--username",
            "ada",
            "--password-file",
            "/nonexistent/password",
        ],
    ];
    for args in cases {
        cli.run(args).await.expect(2);
    }
    // Without a command, clap shows the usage (on stderr) and exits 2 as well.
    let bare = cli.run(&["jambonz"]).await;
    assert_eq!(bare.code, Some(2));
    assert!(bare.stdout.is_empty() && bare.stderr.contains("Usage: user-provisioner jambonz"));
    // An empty line on stdin is no password.
    cli.run_with_stdin(
        &["ece", "create", "--username", "ada", "--password-stdin"],
        "\n",
    )
    .await
    .expect(2);
    assert_eq!(requests(&emulators), 0, "a bad command line sent a request");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_variables_exit_2_name_the_variable_and_send_nothing() {
    let emulators = Emulators::start().await.unwrap();
    let cli = Cli::for_emulators(&emulators);
    let cases = [
        ("jambonz", "JAMBONZ_API_KEY"),
        ("jambonz", "JAMBONZ_BASE_URL"),
        ("netsapiens", "NETSAPIENS_TOKEN"),
        ("netsapiens", "NETSAPIENS_BASE_URL"),
        ("connect", "CONNECT_API_KEY"),
        ("connect", "CONNECT_BASE_URL"),
        ("ece", "ECE_API_KEY"),
        ("ece", "ECE_BASE_URL"),
    ];
    for (provider, variable) in cases {
        let without = cli.clone().without(variable);
        for args in [&[provider, "list"][..], &[provider, "delete", "someone"]] {
            let run = without.run(args).await;
            run.expect(2);
            assert!(
                run.stderr.contains(variable) && run.stderr.contains("not configured"),
                "{provider} without {variable}: {}",
                run.stderr
            );
        }
    }
    let half = cli
        .clone()
        .without("ECE_API_KEY")
        .with("ECE_USERNAME", "admin");
    let run = half.run(&["ece", "list"]).await;
    assert!(
        run.expect(2).stderr.contains("ECE_PASSWORD"),
        "{}",
        run.stderr
    );
    // A password is never an argument, so a variable cannot be replaced by one.
    let run = cli
        .clone()
        .without("JAMBONZ_API_KEY")
        .run(&["jambonz", "list", "--api-key", "x"])
        .await;
    run.expect(2);
    let run = cli
        .clone()
        .without("JAMBONZ_API_KEY")
        .with("JAMBONZ_API_KEY_FILE", "/nonexistent/key")
        .run(&["jambonz", "list"])
        .await;
    assert!(
        run.expect(2).stderr.contains("JAMBONZ_API_KEY_FILE"),
        "{}",
        run.stderr
    );
    assert_eq!(
        requests(&emulators),
        0,
        "a command without its configuration sent a request"
    );

    // A credential file instead of the variable; --base-url instead of its variable.
    let key = TempFile::new(emulators.jambonz.api_key());
    let from_file = cli
        .clone()
        .without("JAMBONZ_API_KEY")
        .without("JAMBONZ_BASE_URL")
        .with("JAMBONZ_API_KEY_FILE", key.path());
    let listed = from_file
        .run(&[
            "jambonz",
            "--base-url",
            &emulators.jambonz.base_url(),
            "list",
            "--output",
            "json",
        ])
        .await;
    assert_eq!(listed.ok().json_lines().len(), 1);
    let listed = from_file
        .run(&[
            "jambonz",
            "list",
            "--base-url",
            &emulators.jambonz.base_url(),
        ])
        .await;
    listed.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_exit_with_their_codes() {
    let emulators = Emulators::start().await.unwrap();
    let cli = Cli::for_emulators(&emulators);
    let stdin = format!("{PASSWORD}\n");
    let unknown = "5f0c6c6e-1b0e-4c57-9d8a-6f3f8d1e2a4b";

    // Not found: 4.
    for args in [
        &["jambonz", "get", unknown][..],
        &["jambonz", "delete", unknown],
        &["netsapiens", "get", "9999"],
        &["netsapiens", "update", "9999", "--given-name", "X"],
        &["connect", "get", unknown],
        &["connect", "delete", unknown],
        &["ece", "get", "nobody"],
        &["ece", "update", "nobody", "--enabled", "false"],
    ] {
        let run = cli.run(args).await;
        assert!(run.expect(4).stderr.contains("not found"), "{}", run.stderr);
    }

    // Conflict: 5.
    let run = cli
        .run_with_stdin(
            &[
                "jambonz",
                "create",
                "--username",
                "admin",
                "--email",
                "other@example.com",
                "--password-stdin",
            ],
            &stdin,
        )
        .await;
    assert!(run.expect(5).stderr.contains("conflict"), "{}", run.stderr);
    cli.run_with_stdin(
        &["ece", "create", "--username", "ada", "--password-stdin"],
        &stdin,
    )
    .await
    .ok();
    cli.run_with_stdin(
        &["ece", "create", "--username", "ada", "--password-stdin"],
        &stdin,
    )
    .await
    .expect(5);
    let taken = [
        "netsapiens",
        "create",
        "--username",
        "ada",
        "--email",
        "ada@example.com",
        "--given-name",
        "Ada",
        "--family-name",
        "Lovelace",
        "--attribute",
        "netsapiens.extension=\"7000\"",
    ];
    cli.run(&taken).await.ok();
    cli.run(&taken).await.expect(5);

    // Invalid input: 3, and nothing was sent.
    let before = writes(&emulators);
    let invalid: &[(&[&str], &str)] = &[
        (
            &[
                "jambonz",
                "create",
                "--username",
                "bob",
                "--email",
                "not-an-email",
                "--password-stdin",
            ],
            "email",
        ),
        (
            &[
                "jambonz",
                "create",
                "--username",
                "bob",
                "--email",
                "bob@example.com",
            ],
            "password",
        ),
        (
            &[
                "jambonz",
                "create",
                "--username",
                "bob",
                "--email",
                "bob@example.com",
                "--phone",
                "+15551234567",
                "--password-stdin",
            ],
            "phone",
        ),
        (&["jambonz", "update", unknown], "no change"),
        (&["jambonz", "get", "not-a-sid"], "id"),
        (
            &[
                "netsapiens",
                "create",
                "--username",
                "bob",
                "--email",
                "bob@example.com",
            ],
            "given_name",
        ),
        (
            &[
                "connect",
                "create",
                "--username",
                "bob",
                "--display-name",
                "Bob",
                "--phone",
                "555",
            ],
            "phone",
        ),
        (
            &[
                "ece",
                "create",
                "--username",
                "bob",
                "--attribute",
                "ece.tier=gold",
            ],
            "ece.tier",
        ),
    ];
    for (args, field) in invalid {
        let run = cli.run_with_stdin(args, &stdin).await;
        assert!(
            run.expect(3).stderr.contains(field),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert_eq!(writes(&emulators), before, "refused input was sent");
    // --ignore-unsupported leaves out what the provider cannot store instead.
    let run = cli
        .run_with_stdin(
            &[
                "jambonz",
                "create",
                "--username",
                "bob",
                "--email",
                "bob@example.com",
                "--phone",
                "+15551234567",
                "--attribute",
                &format!("jambonz.account_sid={}", emulators.jambonz.account_sid()),
                "--password-stdin",
                "--ignore-unsupported",
            ],
            &stdin,
        )
        .await;
    run.ok();
    assert!(!run.stdout.contains("+15551234567"));
}

/// Every `--help` has an EXAMPLES section.
#[test]
fn every_help_has_examples() {
    for provider in ["jambonz", "netsapiens", "connect", "ece"] {
        for command in [
            &[provider][..],
            &[provider, "create"],
            &[provider, "get"],
            &[provider, "update"],
            &[provider, "delete"],
            &[provider, "list"],
        ] {
            let output = Command::cargo_bin("user-provisioner")
                .unwrap()
                .args(command)
                .arg("--help")
                .output()
                .unwrap();
            let help = String::from_utf8(output.stdout).unwrap();
            assert_eq!(output.status.code(), Some(0), "{command:?}");
            assert!(help.contains("\nEXAMPLES:\n  "), "{command:?}:\n{help}");
            assert!(help.contains("user-provisioner "), "{command:?}");
        }
    }
}

/// The real jambonz server named by the env file of `.ci/jambonz-server/start.sh`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the real jambonz server: see README"]
async fn real_jambonz_server_create_get_update_delete() {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set: start the real server with .ci/jambonz-server/start.sh and load its env file")
        })
    };
    let cli = Cli::new()
        .with("JAMBONZ_BASE_URL", var("JAMBONZ_BASE_URL"))
        .with_secret("JAMBONZ_API_KEY", &var("JAMBONZ_API_KEY"));
    let account = format!("jambonz.account_sid={}", var("JAMBONZ_ACCOUNT_SID"));
    let name = format!("cli-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let email = format!("{name}@example.com");
    let stdin = format!("{PASSWORD}\n");

    let shown = cli
        .run_with_stdin(
            &[
                "jambonz",
                "create",
                "--username",
                &name,
                "--email",
                &email,
                "--attribute",
                &account,
                "--password-stdin",
                "--dry-run",
                "--output",
                "json",
            ],
            &stdin,
        )
        .await;
    assert_eq!(
        shown.ok().json()["dry_run"]["body"]["initial_password"],
        json!("<redacted>")
    );
    let created = cli
        .run_with_stdin(
            &[
                "jambonz",
                "create",
                "--username",
                &name,
                "--email",
                &email,
                "--attribute",
                &account,
                "--password-stdin",
                "--output",
                "json",
            ],
            &stdin,
        )
        .await;
    let created = created.ok().json();
    let id = created["created"]["id"].as_str().unwrap().to_owned();
    let again = cli
        .run_with_stdin(
            &[
                "jambonz",
                "create",
                "--username",
                &name,
                "--email",
                &email,
                "--attribute",
                &account,
                "--password-stdin",
            ],
            &stdin,
        )
        .await;
    again.expect(5);

    let got = cli.run(&["jambonz", "get", &id]).await;
    assert_eq!(got.ok().row("username"), name);
    let updated = cli
        .run(&[
            "jambonz",
            "update",
            &id,
            "--email",
            &format!("{name}@example.org"),
            "--enabled",
            "false",
        ])
        .await;
    updated.ok();
    let got = cli.run(&["jambonz", "get", &id, "--output", "json"]).await;
    let got = got.ok().json();
    assert_eq!(got["email"], json!(format!("{name}@example.org")));
    assert_eq!(got["enabled"], json!(false));
    let listed = cli.run(&["jambonz", "list", "--output", "json"]).await;
    assert!(listed
        .ok()
        .json_lines()
        .iter()
        .any(|user| user["id"] == json!(id)));

    cli.run(&["jambonz", "delete", &id, "--dry-run"]).await.ok();
    cli.run(&["jambonz", "get", &id]).await.ok();
    let deleted = cli.run(&["jambonz", "delete", &id]).await;
    assert_eq!(deleted.ok().stdout, format!("deleted jambonz user {id}\n"));
    cli.run(&["jambonz", "get", &id]).await.expect(4);
}

/// The SCIM client as `scim-app`, against the real SCIM server `.ci/scim-server.sh`
/// starts (the one announcing PATCH and ETags): the whole cycle, a `uniqueness`
/// conflict's exit code, an attribute of the enterprise extension, and the
/// configuration message without a token.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the real SCIM server: see README"]
async fn scim_app_on_the_real_scim_server() {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set: start the SCIM servers with `eval \"$(.ci/scim-server.sh start)\"`")
        })
    };
    let base = format!("{}/v2", var("USER_PROVISIONER_TEST_SCIM_URL"));
    let missing = Cli::new().with("SCIM_BASE_URL", base.clone());
    let refused = missing.run(&["scim-app", "list"]).await;
    refused.expect(2);
    assert!(
        refused.stderr.contains("SCIM_TOKEN") && refused.stderr.contains("SCIM_USERNAME"),
        "{}",
        refused.stderr
    );

    let cli = Cli::new()
        .with("SCIM_BASE_URL", base)
        .with_secret("SCIM_TOKEN", &var("USER_PROVISIONER_TEST_SCIM_TOKEN"));
    let name = format!("cli-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let email = format!("{name}@example.com");
    let department = "scim.enterprise.department=Analytics";
    let create = [
        "scim-app",
        "create",
        "--username",
        &name,
        "--email",
        &email,
        "--attribute",
        department,
        "--password-stdin",
        "--output",
        "json",
    ];
    let stdin = format!("{PASSWORD}\n");
    let created = cli.run_with_stdin(&create, &stdin).await;
    let id = created.ok().json()["created"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The same userName in another case: SCIM's `uniqueness`, exit code 5.
    let upper = name.to_uppercase();
    let again = cli
        .run(&[
            "scim-app",
            "create",
            "--username",
            &upper,
            "--email",
            &email,
        ])
        .await;
    again.expect(5);
    assert!(again.stderr.contains("uniqueness"), "{}", again.stderr);

    let updated = cli
        .run(&[
            "scim-app",
            "update",
            &id,
            "--enabled",
            "false",
            "--given-name",
            "Ada",
        ])
        .await;
    updated.ok();
    let got = cli.run(&["scim-app", "get", &id, "--output", "json"]).await;
    let got = got.ok().json();
    assert_eq!(got["username"], json!(name));
    assert_eq!(got["enabled"], json!(false));
    assert_eq!(got["given_name"], json!("Ada"));
    let listed = cli
        .run(&["scim-app", "list", "--all", "--output", "json"])
        .await;
    assert!(listed
        .ok()
        .json_lines()
        .iter()
        .any(|user| user["id"] == json!(id)));
    let deleted = cli.run(&["scim-app", "delete", &id]).await;
    assert_eq!(deleted.ok().stdout, format!("deleted scim-app user {id}\n"));
    cli.run(&["scim-app", "get", &id]).await.expect(4);
}
