//! `user-provisioner scim serve` run as a process: it reads its configuration and token,
//! answers a SCIM create by provisioning every backend, and stops cleanly on SIGTERM.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use user_provisioner::testing::Emulators;

const TOKEN: &str = "cli-scim-token-0123456789";

/// The binary with only the variables given (no developer's provider variables leak in).
fn bridge_command(config: &std::path::Path, env: &[(&str, String)]) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("user-provisioner"));
    command
        .args(["scim", "serve", "--config"])
        .arg(config)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

fn emulator_env(emulators: &Emulators) -> Vec<(&'static str, String)> {
    vec![
        ("SCIM_BRIDGE_TOKEN", TOKEN.to_owned()),
        ("JAMBONZ_BASE_URL", emulators.jambonz.base_url()),
        ("JAMBONZ_API_KEY", emulators.jambonz.api_key().to_owned()),
        ("NETSAPIENS_BASE_URL", emulators.netsapiens.base_url()),
        ("NETSAPIENS_TOKEN", emulators.netsapiens.token().to_owned()),
        (
            "NETSAPIENS_DOMAIN",
            emulators.netsapiens.domain().to_owned(),
        ),
        ("CONNECT_BASE_URL", emulators.connect.base_url()),
        ("CONNECT_API_KEY", emulators.connect.api_key().to_owned()),
        ("ECE_BASE_URL", emulators.ece.base_url()),
        ("ECE_API_KEY", emulators.ece.api_key().to_owned()),
    ]
}

fn write_config(dir: &std::path::Path, port: u16, emulators: &Emulators) -> std::path::PathBuf {
    let config = format!(
        r#"
listen = "127.0.0.1:{port}"
base_url = "http://127.0.0.1:{port}/scim/v2"
database = "sqlite:{db}"

[sync]
max_attempts = 3
first_retry_seconds = 0
inline_wait_seconds = 10

[[backends]]
name = "jambonz"
provider = "jambonz"
generate_missing_passwords = true
attributes = {{ "jambonz.account_sid" = "{account}" }}

[[backends]]
name = "netsapiens"
provider = "netsapiens"
extension_range = "7000-7999"
deactivation = "delete"
[[backends.rules]]
key = "netsapiens.department"
from = "department"

[[backends]]
name = "connect"
provider = "connect"
deactivation = "keep"

[[backends]]
name = "ece"
provider = "ece"
generate_missing_passwords = true
"#,
        db = dir.join("bridge.db").display(),
        account = emulators.jambonz.account_sid(),
    );
    let path = dir.join("bridge.toml");
    std::fs::write(&path, config).unwrap();
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cli-scim-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits for the line saying the bridge listens; returns it.
fn wait_until_listening(child: &mut Child) -> String {
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let line = lines.next().unwrap().unwrap();
    assert!(line.contains("listening on"), "{line}");
    // Keep draining so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    line
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("the bridge did not stop within 5 s of SIGTERM");
}

#[tokio::test(flavor = "multi_thread")]
async fn scim_serve_answers_a_create_on_every_backend_and_stops_on_sigterm() {
    let emulators = Emulators::start().await.unwrap();
    let dir = temp_dir();
    let port = free_port();
    let config = write_config(&dir, port, &emulators);
    let env = emulator_env(&emulators);
    let mut child = tokio::task::spawn_blocking(move || {
        let mut child = bridge_command(&config, &env)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        wait_until_listening(&mut child);
        child
    })
    .await
    .unwrap();
    let seeded = emulators.jambonz.user_count();

    let base = format!("http://127.0.0.1:{port}/scim/v2");
    let http = reqwest::Client::new();
    let answer = http
        .post(format!("{base}/Users"))
        .bearer_auth(TOKEN)
        .json(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ada.lovelace",
            "name": { "givenName": "Ada", "familyName": "Lovelace" },
            "emails": [{ "value": "ada@example.com", "type": "work", "primary": true }],
            "active": true
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let created: Value = answer.json().await.unwrap();
    let backends = created["urn:user-provisioner:params:scim:schemas:extension:bridge:2.0:User"]
        ["backends"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(backends.len(), 4);
    for backend in &backends {
        assert_eq!(backend["state"], "synced", "{backend:#}");
    }
    assert_eq!(emulators.jambonz.user_count(), seeded + 1);
    assert_eq!(emulators.netsapiens.user_count(), 1);
    assert_eq!(emulators.connect.user_count(), 1);
    assert_eq!(emulators.ece.user_count(), 1);
    let unauthorized = http.get(format!("{base}/Users")).send().await.unwrap();
    assert_eq!(unauthorized.status(), 401);

    let status = tokio::task::spawn_blocking(move || terminate(&mut child))
        .await
        .unwrap();
    assert!(status.success(), "a clean exit on SIGTERM: {status:?}");
    assert!(
        dir.join("bridge.db").exists(),
        "the state is kept in the SQLite file"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_configuration_or_a_missing_token_is_exit_2_with_a_clear_message() {
    let emulators = Emulators::start().await.unwrap();
    let dir = temp_dir();
    let config = write_config(&dir, free_port(), &emulators);
    let mut env = emulator_env(&emulators);
    env.retain(|(name, _)| *name != "SCIM_BRIDGE_TOKEN");
    let missing_token = bridge_command(&config, &env).output().unwrap();
    assert_eq!(missing_token.status.code(), Some(2));
    let message = String::from_utf8_lossy(&missing_token.stderr);
    assert!(message.contains("SCIM_BRIDGE_TOKEN"), "{message}");

    let mut env = emulator_env(&emulators);
    env.retain(|(name, _)| *name != "ECE_API_KEY");
    let missing_credential = bridge_command(&config, &env).output().unwrap();
    assert_eq!(missing_credential.status.code(), Some(2));
    let message = String::from_utf8_lossy(&missing_credential.stderr);
    assert!(message.contains("ECE_API_KEY"), "{message}");

    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "base_url = \"http://x\"\n[[backends]]\nname = \"b\"\nprovider = \"nope\"\n",
    )
    .unwrap();
    let unknown_provider = bridge_command(&bad, &emulator_env(&emulators))
        .output()
        .unwrap();
    assert_eq!(unknown_provider.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown_provider.stderr).contains("unknown provider"));

    std::fs::write(
        &bad,
        "base_url = \"http://x\"\nlisten_on = \"typo\"\nbackends = []\n",
    )
    .unwrap();
    let unknown_key = bridge_command(&bad, &emulator_env(&emulators))
        .output()
        .unwrap();
    assert_eq!(unknown_key.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown_key.stderr).contains("listen_on"));

    let help = Command::new(assert_cmd::cargo::cargo_bin("user-provisioner"))
        .args(["scim", "serve", "--help"])
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("[[backends]]"));
    assert_eq!(emulators.ece.user_count(), 0, "nothing was sent");
    let _ = std::fs::remove_dir_all(&dir);
}
