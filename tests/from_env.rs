//! Every builder's `from_env` treats an empty variable as unset. Each case runs in a
//! child process with exactly its variables, so no test changes the environment of the
//! threads around it.
#![cfg(all(
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]

use user_provisioner::providers::connect::{self, ConnectBuilder};
use user_provisioner::providers::ece::{self, EceBuilder};
use user_provisioner::providers::jambonz::{self, JambonzBuilder};
use user_provisioner::providers::netsapiens::{self, NetSapiensBuilder};
#[cfg(feature = "scim-client")]
use user_provisioner::providers::scim::{self, ScimBuilder};
use user_provisioner::Error;

/// Set in the child, so the helpers below do nothing when run by hand with `--ignored`.
const CHILD: &str = "USER_PROVISIONER_FROM_ENV_CHILD";

/// Every variable any builder reads, removed in the child unless given.
const ALL: &[&str] = &[
    jambonz::ENV_BASE_URL,
    jambonz::ENV_API_KEY,
    netsapiens::ENV_BASE_URL,
    netsapiens::ENV_TOKEN,
    netsapiens::ENV_DOMAIN,
    connect::ENV_BASE_URL,
    connect::ENV_API_KEY,
    ece::ENV_BASE_URL,
    ece::ENV_API_KEY,
    ece::ENV_USERNAME,
    ece::ENV_PASSWORD,
    #[cfg(feature = "scim-client")]
    scim::ENV_BASE_URL,
    #[cfg(feature = "scim-client")]
    scim::ENV_TOKEN,
    #[cfg(feature = "scim-client")]
    scim::ENV_USERNAME,
    #[cfg(feature = "scim-client")]
    scim::ENV_PASSWORD,
];

/// Runs the ignored test `name` in a child process with `vars`; panics with its output
/// if it fails.
fn in_child(name: &str, vars: &[(&str, &str)]) {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command.args([
        "--exact",
        name,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for var in ALL {
        command.env_remove(var);
    }
    command.env(CHILD, "1");
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{name}: {text}");
    assert!(text.contains("1 passed"), "{name} did not run: {text}");
}

fn in_the_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// The `Config` error names `field` and the variable to set.
fn names(err: Error, field: &str, var: &str) {
    assert!(
        matches!(err, Error::Config { field: ref named, ref reason } if named == field && reason.contains(var)),
        "{err:?}"
    );
}

#[test]
fn jambonz_treats_an_empty_variable_as_unset() {
    in_child(
        "jambonz_child",
        &[
            (jambonz::ENV_BASE_URL, "https://api.jambonz.cloud/v1"),
            (jambonz::ENV_API_KEY, ""),
        ],
    );
}

#[test]
#[ignore = "run by jambonz_treats_an_empty_variable_as_unset"]
fn jambonz_child() {
    if in_the_child() {
        let err = JambonzBuilder::from_env().build().unwrap_err();
        names(err, "api_key", jambonz::ENV_API_KEY);
    }
}

#[test]
fn netsapiens_treats_an_empty_variable_as_unset() {
    in_child(
        "netsapiens_child",
        &[
            (netsapiens::ENV_BASE_URL, ""),
            (netsapiens::ENV_TOKEN, "nss_token-1234567890"),
        ],
    );
}

#[test]
#[ignore = "run by netsapiens_treats_an_empty_variable_as_unset"]
fn netsapiens_child() {
    if in_the_child() {
        let err = NetSapiensBuilder::from_env().build().unwrap_err();
        names(err, "base_url", netsapiens::ENV_BASE_URL);
    }
}

#[test]
fn connect_treats_an_empty_variable_as_unset() {
    in_child(
        "connect_child",
        &[
            (connect::ENV_BASE_URL, "https://connect.example.com/api/v1"),
            (connect::ENV_API_KEY, ""),
        ],
    );
}

#[test]
#[ignore = "run by connect_treats_an_empty_variable_as_unset"]
fn connect_child() {
    if in_the_child() {
        let err = ConnectBuilder::from_env().build().unwrap_err();
        names(err, "api_key", connect::ENV_API_KEY);
    }
}

#[test]
fn ece_treats_an_empty_variable_as_unset() {
    in_child(
        "ece_child",
        &[
            (ece::ENV_BASE_URL, "https://ece.example.com:12443/api/v1"),
            (ece::ENV_API_KEY, ""),
            (ece::ENV_USERNAME, "admin"),
            (ece::ENV_PASSWORD, "Adm1n-password"),
        ],
    );
}

#[test]
#[ignore = "run by ece_treats_an_empty_variable_as_unset"]
fn ece_child() {
    if in_the_child() {
        // The empty API key is unset, so the user name and password are used.
        let client = EceBuilder::from_env().build().unwrap();
        assert!(format!("{client:?}").contains("Basic(***)"), "{client:?}");
    }
}

#[test]
#[cfg(feature = "scim-client")]
fn scim_treats_an_empty_token_as_unset_and_falls_back_to_basic() {
    in_child(
        "scim_child",
        &[
            (scim::ENV_BASE_URL, "https://app.example.com/scim/v2"),
            (scim::ENV_TOKEN, ""),
            (scim::ENV_USERNAME, "provisioner"),
            (scim::ENV_PASSWORD, "Pr0v-password"),
        ],
    );
    in_child(
        "scim_without_credentials_child",
        &[(scim::ENV_BASE_URL, "https://app.example.com/scim/v2")],
    );
}

#[test]
#[cfg(feature = "scim-client")]
#[ignore = "run by scim_treats_an_empty_token_as_unset_and_falls_back_to_basic"]
fn scim_child() {
    if in_the_child() {
        let client = ScimBuilder::from_env().build().unwrap();
        let shown = format!("{client:?}");
        assert!(shown.contains("Basic(***)"), "{shown}");
        assert!(!shown.contains("Pr0v-password"), "{shown}");
    }
}

#[test]
#[cfg(feature = "scim-client")]
#[ignore = "run by scim_treats_an_empty_token_as_unset_and_falls_back_to_basic"]
fn scim_without_credentials_child() {
    if in_the_child() {
        let err = ScimBuilder::from_env().build().unwrap_err();
        names(err, "credentials", scim::ENV_TOKEN);
    }
}
