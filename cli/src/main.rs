//! `user-provisioner`: create, inspect, fix and remove accounts on jambonz, NetSapiens,
//! Connect, Elastic Cloud Enterprise and any SCIM 2.0 application from a shell; import people from a CSV file; run
//! the SCIM bridge as a service.

mod backends;
mod exit;
mod import;
mod provider;
mod scim;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use exit::CliError;

/// One tool over five provisioning APIs.
#[derive(Debug, Parser)]
#[command(
    name = "user-provisioner",
    version,
    about = "Create and manage user accounts on jambonz, NetSapiens, Connect, Elastic Cloud Enterprise and any SCIM 2.0 application",
    after_help = "Credentials come from the environment (JAMBONZ_API_KEY, NETSAPIENS_TOKEN, \
CONNECT_API_KEY, ECE_API_KEY or ECE_USERNAME/ECE_PASSWORD, SCIM_TOKEN or \
SCIM_USERNAME/SCIM_PASSWORD) or from a file named by \
<NAME>_FILE (JAMBONZ_API_KEY_FILE=/run/secrets/jambonz), never from an argument.\n\n\
Exit codes: 0 success, 1 other failure, 2 bad arguments, 3 invalid input (nothing sent), \
4 not found, 5 conflict, 6 outcome unknown (look the user up before retrying).\n\n\
EXAMPLES:\n    \
user-provisioner jambonz list\n    \
user-provisioner ece create --username ada --password-file ada.pw --dry-run\n    \
user-provisioner netsapiens --extension-range 7000-7999 get 7001 --output json\n    \
user-provisioner import people.csv --to jambonz,ece\n    \
user-provisioner scim-app update 2819c223 --enabled false\n    \
user-provisioner scim serve --config bridge.toml"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Users on jambonz.
    Jambonz(provider::ProviderArgs),
    /// Users on NetSapiens v2.
    Netsapiens(provider::ProviderArgs),
    /// Users on Telness Connect.
    Connect(provider::ProviderArgs),
    /// Users on Elastic Cloud Enterprise.
    Ece(provider::ProviderArgs),
    /// Users on any SCIM 2.0 application (SCIM_BASE_URL, SCIM_TOKEN).
    #[command(name = "scim-app")]
    ScimApp(provider::ProviderArgs),
    /// Import people from a CSV file onto one or more providers.
    Import(import::ImportArgs),
    /// The SCIM 2.0 bridge.
    Scim(scim::ScimArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return CliError::other(format!("cannot start the runtime: {error}")).report()
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Jambonz(args) => provider::run(backends::ProviderName::Jambonz, args).await,
            Command::Netsapiens(args) => {
                provider::run(backends::ProviderName::Netsapiens, args).await
            }
            Command::Connect(args) => provider::run(backends::ProviderName::Connect, args).await,
            Command::Ece(args) => provider::run(backends::ProviderName::Ece, args).await,
            Command::ScimApp(args) => provider::run(backends::ProviderName::ScimApp, args).await,
            Command::Import(args) => import::run(args).await,
            Command::Scim(args) => scim::run(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => error.report(),
    }
}
