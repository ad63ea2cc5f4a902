//! The providers, configured from the environment as the builders' `from_env` reads it.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use user_provisioner::providers::{connect, ece, jambonz, netsapiens, scim};
use user_provisioner::UserProvisioner;

use crate::exit::{CliError, Exit};

/// A provider the command line talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ProviderName {
    Jambonz,
    Netsapiens,
    Connect,
    Ece,
    /// Any SCIM 2.0 application (`providers::scim`).
    #[value(name = "scim-app")]
    ScimApp,
}

impl ProviderName {
    pub const ALL: [ProviderName; 5] = [
        ProviderName::Jambonz,
        ProviderName::Netsapiens,
        ProviderName::Connect,
        ProviderName::Ece,
        ProviderName::ScimApp,
    ];

    /// The name on the command line and in configuration files.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderName::Jambonz => "jambonz",
            ProviderName::Netsapiens => "netsapiens",
            ProviderName::Connect => "connect",
            ProviderName::Ece => "ece",
            ProviderName::ScimApp => "scim-app",
        }
    }

    /// The prefix of the provider's attributes (`scim.` for the SCIM application): its
    /// adapter's [`Provider`](user_provisioner::Provider) key.
    pub fn attribute_prefix(self) -> &'static str {
        match self {
            ProviderName::ScimApp => user_provisioner::Provider::SCIM.key(),
            other => other.as_str(),
        }
    }

    /// The variable of the base URL.
    fn base_url_variable(self) -> &'static str {
        match self {
            ProviderName::Jambonz => jambonz::ENV_BASE_URL,
            ProviderName::Netsapiens => netsapiens::ENV_BASE_URL,
            ProviderName::Connect => connect::ENV_BASE_URL,
            ProviderName::Ece => ece::ENV_BASE_URL,
            ProviderName::ScimApp => scim::ENV_BASE_URL,
        }
    }

    /// The credential variables the provider reads, for error messages.
    pub fn credential_variables(self) -> &'static [&'static str] {
        match self {
            ProviderName::Jambonz => &[jambonz::ENV_API_KEY],
            ProviderName::Netsapiens => &[netsapiens::ENV_TOKEN],
            ProviderName::Connect => &[connect::ENV_API_KEY],
            ProviderName::Ece => &[ece::ENV_API_KEY, ece::ENV_USERNAME, ece::ENV_PASSWORD],
            ProviderName::ScimApp => &[scim::ENV_TOKEN, scim::ENV_USERNAME, scim::ENV_PASSWORD],
        }
    }

    /// The variables a provider needs, for the message of a missing one.
    fn configuration_hint(self) -> String {
        let credentials = match self.credential_variables() {
            [one] => format!("{one} (or {one}_FILE)"),
            [key, user, password] => {
                format!("{key} (or {key}_FILE), or {user} and {password} (or {password}_FILE)")
            }
            other => other.join(", "),
        };
        format!(
            "{} (or --base-url) and {credentials}",
            self.base_url_variable()
        )
    }
}

impl fmt::Display for ProviderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderName {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        ProviderName::ALL
            .into_iter()
            .find(|name| name.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown provider {text:?}: use jambonz, netsapiens, connect, ece or scim-app"
                )
            })
    }
}

/// Settings of a provider beyond its environment.
#[derive(Debug, Clone, Default)]
pub struct ProviderSettings {
    /// Overrides the `<PROVIDER>_BASE_URL` variable.
    pub base_url: Option<String>,
    /// NetSapiens: allocate extensions from this range.
    pub extension_range: Option<std::ops::RangeInclusive<u32>>,
}

/// The provider configured from its environment variables and `settings`; a
/// credential may instead come from the file that `<VARIABLE>_FILE` names (a mounted
/// secret), so that it is never an argument other users of the machine can see.
pub fn from_env(
    name: ProviderName,
    settings: &ProviderSettings,
) -> Result<Arc<dyn UserProvisioner>, CliError> {
    // Each builder: its credential from a file where one is named, the base URL from
    // the command line where given, then built behind the trait.
    macro_rules! build {
        ($builder:expr, $variable:expr, $with_credential:ident $(, $extra:expr)?) => {{
            let mut builder = $builder;
            if let Some(credential) = credential_file($variable)? {
                builder = builder.$with_credential(credential);
            }
            if let Some(url) = &settings.base_url {
                builder = builder.with_base_url(url.clone());
            }
            $(builder = $extra(builder);)?
            builder
                .build()
                .map(|client| Arc::new(client) as Arc<dyn UserProvisioner>)
        }};
    }
    let configured: Result<Arc<dyn UserProvisioner>, user_provisioner::Error> = match name {
        ProviderName::Jambonz => build!(
            jambonz::JambonzBuilder::from_env(),
            jambonz::ENV_API_KEY,
            with_api_key
        ),
        ProviderName::Netsapiens => build!(
            netsapiens::NetSapiensBuilder::from_env(),
            netsapiens::ENV_TOKEN,
            with_token,
            |builder: netsapiens::NetSapiensBuilder| match &settings.extension_range {
                Some(range) => builder.with_extension_range(range.clone()),
                None => builder,
            }
        ),
        ProviderName::Connect => build!(
            connect::ConnectBuilder::from_env(),
            connect::ENV_API_KEY,
            with_api_key
        ),
        ProviderName::Ece => {
            let password = credential_file(ece::ENV_PASSWORD)?;
            build!(
                ece::EceBuilder::from_env(),
                ece::ENV_API_KEY,
                with_api_key,
                |builder: ece::EceBuilder| match password {
                    Some(password) => builder.with_basic_auth(
                        std::env::var(ece::ENV_USERNAME).unwrap_or_default(),
                        password,
                    ),
                    None => builder,
                }
            )
        }
        ProviderName::ScimApp => {
            let password = credential_file(scim::ENV_PASSWORD)?;
            build!(
                scim::ScimBuilder::from_env(),
                scim::ENV_TOKEN,
                with_bearer_token,
                |builder: scim::ScimBuilder| match password {
                    Some(password) => builder.with_basic_auth(
                        std::env::var(scim::ENV_USERNAME).unwrap_or_default(),
                        password,
                    ),
                    None => builder,
                }
            )
        }
    };
    configured.map_err(|error| {
        let problem = match &error {
            user_provisioner::Error::Config { field, reason } => format!("{field}: {reason}"),
            other => other.to_string(),
        };
        CliError::new(
            Exit::Usage,
            format!(
                "{name} is not configured: {problem}; {name} needs {}",
                name.configuration_hint()
            ),
        )
    })
}

/// The first line of the file `<variable>_FILE` names, if that is set.
fn credential_file(variable: &str) -> Result<Option<String>, CliError> {
    let Some(path) = std::env::var_os(format!("{variable}_FILE")) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path).map_err(|error| {
        CliError::usage(format!(
            "{variable}_FILE names {}, which cannot be read: {error}",
            std::path::Path::new(&path).display()
        ))
    })?;
    Ok(Some(
        text.lines().next().unwrap_or_default().trim().to_owned(),
    ))
}

/// A NetSapiens extension range, `7000-7999`: clap's parser of `--extension-range`, and the
/// bridge configuration's `extension_range`.
pub fn extension_range(text: &str) -> Result<std::ops::RangeInclusive<u32>, String> {
    let (from, to) = text
        .split_once('-')
        .ok_or_else(|| format!("{text:?} is not FROM-TO, such as 7000-7999"))?;
    let number = |part: &str| {
        part.trim()
            .parse::<u32>()
            .map_err(|_| format!("{part:?} in {text:?} is not an extension number"))
    };
    let (from, to) = (number(from)?, number(to)?);
    if from > to {
        return Err(format!("{text:?} ends before it starts"));
    }
    Ok(from..=to)
}
