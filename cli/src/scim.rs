//! `user-provisioner scim serve --config bridge.toml`: the SCIM bridge as a service.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use serde::Deserialize;
use user_provisioner_bridge::{
    AttributeRule, BackendRules, BridgeStore, Deactivation, ScimBridge, ScimBridgeBuilder,
    ScimValue, SyncSettings,
};

use crate::backends::{self, ProviderName, ProviderSettings};
use crate::exit::{CliError, Exit};

const CONFIG_EXAMPLE: &str = r#"EXAMPLES:
    SCIM_BRIDGE_TOKEN=$(cat /run/secrets/scim-token) \
    JAMBONZ_BASE_URL=https://jambonz.example.com/v1 JAMBONZ_API_KEY_FILE=/run/secrets/jambonz \
      user-provisioner scim serve --config bridge.toml

bridge.toml:
    listen = "0.0.0.0:8080"
    base_url = "https://bridge.example.com/scim/v2"   # the address the identity provider uses
    token_env = "SCIM_BRIDGE_TOKEN"                   # the bearer token's variable (the default)
    database = "sqlite:/var/lib/scim-bridge/state.db" # or postgres://… (the default: sqlite:scim-bridge.db)
    default_phone_region = "US"   # phone numbers without +country code are read as US ones;
                                  # every number read is sent in E.164 (none: only +… is read)

    [sync]                      # all optional
    max_attempts = 10
    first_retry_seconds = 1
    max_retry_seconds = 300
    lease_seconds = 120
    inline_wait_seconds = 10

    [[backends]]
    name = "jambonz"            # how the bridge's extension and /Status name it
    provider = "jambonz"        # jambonz, netsapiens, connect, ece or scim-app; credentials from its variables
    generate_missing_passwords = true   # also in place of a password jambonz refuses
    attributes = { "jambonz.account_sid" = "9351f46a-678c-43f5-b8a6-d4eb58d131af" }
    # strict = true             # refuse (400) a person this backend cannot take, instead of
                                # leaving the value out or keeping the person blocked here

    [[backends]]
    name = "netsapiens"
    provider = "netsapiens"
    extension_range = "7000-7999"   # or a rule taking the extension from a SCIM value:
    deactivation = "delete"         # auto (default), disable, delete, keep or refuse
    [[backends.rules]]
    key = "netsapiens.department"
    from = "department"             # userName, externalId, employeeNumber, department,
                                    # organization, division, costCenter, phone:<type>
    # last_digits = 4
    # required = true

The bridge serves /scim/v2 on the listen address and stops on SIGTERM or Ctrl-C after the
requests in flight."#;

/// The SCIM bridge.
#[derive(Debug, clap::Args)]
pub struct ScimArgs {
    #[command(subcommand)]
    command: ScimCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ScimCommand {
    /// Serve the SCIM 2.0 bridge over the configured backends.
    #[command(after_help = CONFIG_EXAMPLE)]
    Serve {
        /// The bridge's configuration file (TOML).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
}

/// `bridge.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BridgeConfig {
    #[serde(default = "default_listen")]
    listen: String,
    base_url: String,
    #[serde(default = "default_token_env")]
    token_env: String,
    #[serde(default = "default_database")]
    database: String,
    max_body_bytes: Option<usize>,
    max_results: Option<usize>,
    /// The region (ISO 3166-1 alpha-2) phone numbers without a country code are read in.
    default_phone_region: Option<String>,
    #[serde(default)]
    sync: SyncConfig,
    backends: Vec<BackendConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SyncConfig {
    max_attempts: Option<u32>,
    first_retry_seconds: Option<f64>,
    max_retry_seconds: Option<f64>,
    lease_seconds: Option<f64>,
    inline_wait_seconds: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackendConfig {
    name: String,
    provider: String,
    base_url: Option<String>,
    extension_range: Option<String>,
    #[serde(default)]
    deactivation: Deactivation,
    #[serde(default)]
    generate_missing_passwords: bool,
    /// Refuse what this backend cannot take instead of leaving it out or blocking.
    #[serde(default)]
    strict: bool,
    #[serde(default)]
    attributes: BTreeMap<String, toml::Value>,
    #[serde(default)]
    rules: Vec<RuleConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleConfig {
    key: String,
    from: String,
    last_digits: Option<usize>,
    #[serde(default)]
    required: bool,
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}

fn default_token_env() -> String {
    "SCIM_BRIDGE_TOKEN".into()
}

fn default_database() -> String {
    "sqlite:scim-bridge.db".into()
}

pub async fn run(args: ScimArgs) -> Result<ExitCode, CliError> {
    match args.command {
        ScimCommand::Serve { config } => serve(&config).await,
    }
}

async fn serve(path: &std::path::Path) -> Result<ExitCode, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| CliError::usage(format!("cannot read {}: {error}", path.display())))?;
    let config: BridgeConfig = toml::from_str(&text)
        .map_err(|error| CliError::usage(format!("{}: {error}", path.display())))?;
    let token = std::env::var(&config.token_env)
        .ok()
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            CliError::usage(format!(
                "the bearer token is read from {}, which is not set",
                config.token_env
            ))
        })?;
    let mut builder = ScimBridge::builder(config.base_url.clone()).bearer_token(token);
    for backend in &config.backends {
        let (name, provisioner, rules) = backend_of(backend)?;
        builder = builder.backend_with_rules(name, provisioner, rules);
    }
    builder = bridge_settings(builder, &config)?;
    let store = BridgeStore::open(&config.database).await.map_err(|error| {
        CliError::other(format!(
            "cannot open the database {}: {error}",
            redacted(&config.database)
        ))
    })?;
    let bridge = builder
        .store(store)
        .build()
        .await
        .map_err(|error| CliError::usage(format!("{}: {error}", path.display())))?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|error| CliError::other(format!("cannot listen on {}: {error}", config.listen)))?;
    let address = listener
        .local_addr()
        .map_err(|error| CliError::other(format!("cannot listen on {}: {error}", config.listen)))?;
    let worker = bridge.spawn_worker();
    let app = axum::Router::new().nest("/scim/v2", bridge.router());
    let names: Vec<&str> = config
        .backends
        .iter()
        .map(|backend| backend.name.as_str())
        .collect();
    eprintln!(
        "scim bridge: listening on http://{address}/scim/v2 (public base URL {}); backends: {}; state in {}",
        config.base_url,
        names.join(", "),
        redacted(&config.database)
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|error| CliError::other(format!("the server failed: {error}")))?;
    worker.stop();
    bridge.store().close().await;
    eprintln!("scim bridge: stopped");
    Ok(Exit::Success.code())
}

/// The bridge-level settings of `config`: limits, phone region, sync.
fn bridge_settings(
    mut builder: ScimBridgeBuilder,
    config: &BridgeConfig,
) -> Result<ScimBridgeBuilder, CliError> {
    if let Some(bytes) = config.max_body_bytes {
        builder = builder.max_body_bytes(bytes);
    }
    if let Some(results) = config.max_results {
        builder = builder.max_results(results);
    }
    if let Some(region) = &config.default_phone_region {
        builder = builder.with_default_phone_region(region.clone());
    }
    Ok(builder.sync_settings(sync_settings(&config.sync)?))
}

fn backend_of(
    config: &BackendConfig,
) -> Result<
    (
        String,
        std::sync::Arc<dyn user_provisioner::UserProvisioner>,
        BackendRules,
    ),
    CliError,
> {
    let provider: ProviderName = config
        .provider
        .parse()
        .map_err(|error: String| CliError::usage(format!("backend {:?}: {error}", config.name)))?;
    let settings = ProviderSettings {
        base_url: config.base_url.clone(),
        extension_range: config
            .extension_range
            .as_deref()
            .map(|range| parse_range(&config.name, range))
            .transpose()?,
    };
    let provisioner = backends::from_env(provider, &settings)?;
    Ok((config.name.clone(), provisioner, rules_of(config)?))
}

/// A backend's rules as its `[[backends]]` table says.
fn rules_of(config: &BackendConfig) -> Result<BackendRules, CliError> {
    let mut rules = BackendRules::new()
        .on_deactivation(config.deactivation)
        .generate_missing_passwords(config.generate_missing_passwords)
        .strict(config.strict);
    for (key, value) in &config.attributes {
        let value = serde_json::to_value(value).map_err(|error| {
            CliError::usage(format!(
                "backend {:?}: attribute {key}: {error}",
                config.name
            ))
        })?;
        rules = rules.with_attribute(AttributeRule::fixed(key.clone(), value));
    }
    for rule in &config.rules {
        let mut attribute =
            AttributeRule::from_scim(rule.key.clone(), scim_value(&config.name, &rule.from)?);
        if let Some(digits) = rule.last_digits {
            attribute = attribute.last_digits(digits);
        }
        if rule.required {
            attribute = attribute.required();
        }
        rules = rules.with_attribute(attribute);
    }
    Ok(rules)
}

fn scim_value(backend: &str, from: &str) -> Result<ScimValue, CliError> {
    Ok(match from.to_ascii_lowercase().as_str() {
        "username" => ScimValue::UserName,
        "externalid" => ScimValue::ExternalId,
        "employeenumber" => ScimValue::EmployeeNumber,
        "department" => ScimValue::Department,
        "organization" => ScimValue::Organization,
        "division" => ScimValue::Division,
        "costcenter" => ScimValue::CostCenter,
        other => match other.strip_prefix("phone:") {
            Some(kind) if !kind.is_empty() => ScimValue::PhoneNumber(kind.to_owned()),
            _ => {
                return Err(CliError::usage(format!(
                    "backend {backend:?}: a rule's `from` is one of userName, externalId, \
                     employeeNumber, department, organization, division, costCenter or \
                     phone:<type>, not {from:?}"
                )))
            }
        },
    })
}

fn parse_range(backend: &str, text: &str) -> Result<std::ops::RangeInclusive<u32>, CliError> {
    backends::extension_range(text)
        .map_err(|reason| CliError::usage(format!("backend {backend:?}: extension_range {reason}")))
}

fn sync_settings(config: &SyncConfig) -> Result<SyncSettings, CliError> {
    let seconds = |name: &str, value: Option<f64>| -> Result<Option<Duration>, CliError> {
        value
            .map(|value| {
                Duration::try_from_secs_f64(value).map_err(|_| {
                    CliError::usage(format!(
                        "sync.{name} must be a number of seconds, not {value}"
                    ))
                })
            })
            .transpose()
    };
    let mut settings = SyncSettings::new();
    if let Some(attempts) = config.max_attempts {
        settings = settings.with_max_attempts(attempts);
    }
    let first = seconds("first_retry_seconds", config.first_retry_seconds)?;
    let max = seconds("max_retry_seconds", config.max_retry_seconds)?;
    if first.is_some() || max.is_some() {
        let defaults = (Duration::from_secs(1), Duration::from_secs(300));
        settings =
            settings.with_retry_delays(first.unwrap_or(defaults.0), max.unwrap_or(defaults.1));
    }
    if let Some(lease) = seconds("lease_seconds", config.lease_seconds)? {
        settings = settings.with_lease(lease);
    }
    if let Some(wait) = seconds("inline_wait_seconds", config.inline_wait_seconds)? {
        settings = settings.with_inline_wait(wait);
    }
    Ok(settings)
}

/// A database URL without its password, for messages.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// SIGTERM (a service manager's stop) or Ctrl-C.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use user_provisioner::providers::memory::MemoryProvisioner;
    use user_provisioner_bridge::{BridgeConfigError, BuildError};

    use super::*;

    const CONFIG: &str = r#"
base_url = "http://127.0.0.1:8080/scim/v2"
default_phone_region = "SE"

[[backends]]
name = "jambonz"
provider = "jambonz"
generate_missing_passwords = true
strict = true

[[backends]]
name = "connect"
provider = "connect"
"#;

    fn config(text: &str) -> BridgeConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn strict_is_a_backend_key_and_off_by_default() {
        let config = config(CONFIG);
        assert_eq!(
            rules_of(&config.backends[0]).unwrap(),
            BackendRules::new()
                .generate_missing_passwords(true)
                .strict(true)
        );
        assert_eq!(rules_of(&config.backends[1]).unwrap(), BackendRules::new());
        let typo = CONFIG.replace("strict = true", "stricter = true");
        let refused = toml::from_str::<BridgeConfig>(&typo).unwrap_err();
        assert!(refused.to_string().contains("stricter"), "{refused}");
        let not_a_flag = CONFIG.replace("strict = true", "strict = \"yes\"");
        assert!(toml::from_str::<BridgeConfig>(&not_a_flag).is_err());
    }

    #[tokio::test]
    async fn default_phone_region_is_a_bridge_key_checked_when_the_bridge_is_built() {
        let config = config(CONFIG);
        assert_eq!(config.default_phone_region.as_deref(), Some("SE"));
        let builder = |config: &BridgeConfig| {
            let builder = ScimBridge::builder(config.base_url.clone())
                .bearer_token("a-token-of-sixteen-chars")
                .backend("directory", Arc::new(MemoryProvisioner::new()));
            bridge_settings(builder, config).unwrap()
        };
        assert!(builder(&config).build().await.is_ok());
        let bad = self::config(&CONFIG.replace("\"SE\"", "\"Sweden\""));
        let built = builder(&bad).build().await;
        assert!(
            matches!(
                built,
                Err(BuildError::Config(BridgeConfigError::BadPhoneRegion(ref region)))
                    if region == "Sweden"
            ),
            "{built:?}"
        );
        let without = self::config(&CONFIG.replace("default_phone_region = \"SE\"\n", ""));
        assert_eq!(without.default_phone_region, None);
        assert!(builder(&without).build().await.is_ok());
    }
}
