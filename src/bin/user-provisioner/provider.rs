//! `user-provisioner <provider> create|get|update|delete|list` (being built).

use std::process::ExitCode;

use crate::backends::ProviderName;
use crate::exit::CliError;

/// The calls on one provider.
#[derive(Debug, clap::Args)]
pub struct ProviderArgs {}

pub async fn run(name: ProviderName, _args: ProviderArgs) -> Result<ExitCode, CliError> {
    Err(CliError::other(format!("{name}: not built yet")))
}
