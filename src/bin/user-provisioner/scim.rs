//! `user-provisioner scim serve --config bridge.toml` (being built).

use std::process::ExitCode;

use crate::exit::CliError;

/// The SCIM bridge.
#[derive(Debug, clap::Args)]
pub struct ScimArgs {}

pub async fn run(_args: ScimArgs) -> Result<ExitCode, CliError> {
    Err(CliError::other("scim: not built yet"))
}
