//! `user-provisioner import people.csv --to jambonz,ece` (being built).

use std::process::ExitCode;

use crate::exit::CliError;

/// Import people from a CSV file.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {}

pub async fn run(_args: ImportArgs) -> Result<ExitCode, CliError> {
    Err(CliError::other("import: not built yet"))
}
