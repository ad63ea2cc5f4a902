//! `user-provisioner <provider> create|get|update|delete|list`: the portable calls on
//! one provider, configured from its environment variables.

mod input;
mod output;

use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use user_provisioner::{
    Error, ListUsers, NewUser, PageCursor, PasswordChange, RequestOptions, UserId, UserProvisioner,
    UserUpdate,
};

use crate::backends::{self, ProviderName, ProviderSettings};
use crate::exit::{CliError, Exit};
use input::{KeyValue, PasswordSource};
use output::{Output, Printer};

/// The heading of the options every call on a provider takes.
const PROVIDER_OPTIONS: &str = "Provider options";

const PROVIDER_EXAMPLES: &str = "\
EXAMPLES:
  export JAMBONZ_BASE_URL=https://jambonz.example.com/v1
  export JAMBONZ_API_KEY_FILE=/run/secrets/jambonz-api-key
  user-provisioner jambonz list --output json
  user-provisioner jambonz get 5f0c6c6e-1b0e-4c57-9d8a-6f3f8d1e2a4b
  user-provisioner netsapiens --extension-range 7000-7999 create --username ada \\
      --email ada@example.com --given-name Ada --family-name Lovelace
  user-provisioner ece --base-url https://ece.example.com:12443/api/v1 delete ada --dry-run
  user-provisioner scim-app create --username ada --email ada@example.com \\
      --attribute scim.externalId=hr-1815 --attribute scim.enterprise.department=Analytics

ENVIRONMENT:
  jambonz     JAMBONZ_BASE_URL, JAMBONZ_API_KEY
  netsapiens  NETSAPIENS_BASE_URL, NETSAPIENS_TOKEN, NETSAPIENS_DOMAIN (default ~)
  connect     CONNECT_BASE_URL, CONNECT_API_KEY
  ece         ECE_BASE_URL, ECE_API_KEY or ECE_USERNAME and ECE_PASSWORD
  scim-app    SCIM_BASE_URL (such as https://app.example.com/scim/v2),
              SCIM_TOKEN or SCIM_USERNAME and SCIM_PASSWORD
Each credential can instead be read from the file <VARIABLE>_FILE names.";

const CREATE_EXAMPLES: &str = "\
EXAMPLES:
  # jambonz: the initial password from a file, the user in an account
  user-provisioner jambonz create --username ada --email ada@example.com \\
      --attribute jambonz.account_sid=9f0c6c6e-1b0e-4c57-9d8a-6f3f8d1e2a4b \\
      --password-file ./ada.password
  # NetSapiens: the next free extension of a range; answered 202 (accepted)
  user-provisioner netsapiens --extension-range 7000-7999 create --username ada \\
      --email ada@example.com --given-name Ada --family-name Lovelace --role 'Basic User'
  # Connect: free-form metadata; JSON values are kept as JSON
  user-provisioner connect create --username ada --display-name 'Ada Lovelace' \\
      --email ada@example.com --metadata team=eng --metadata seats=3
  # ECE: show what would be sent, password masked, and send nothing
  printf '%s\\n' \"$ADA_PASSWORD\" | user-provisioner ece create --username ada \\
      --role ece_platform_viewer --password-stdin --dry-run

An --attribute or --metadata value is JSON when it parses as JSON (true, 42, {\"a\":1})
and a string otherwise; quote it as a JSON string to keep digits text: 'key=\"42\"'.";

const GET_EXAMPLES: &str = "\
EXAMPLES:
  user-provisioner jambonz get 5f0c6c6e-1b0e-4c57-9d8a-6f3f8d1e2a4b
  user-provisioner netsapiens get 7000 --output json";

const UPDATE_EXAMPLES: &str = "\
EXAMPLES:
  user-provisioner ece update ada --email ada@example.org --enabled false
  user-provisioner connect update 42 --clear-phone --metadata team=ops
  # jambonz asks for the current password with a new one
  user-provisioner jambonz update 5f0c6c6e-1b0e-4c57-9d8a-6f3f8d1e2a4b \\
      --password-file ./new.password --current-password-file ./old.password
  # read what the update needs, show the write, send nothing
  user-provisioner netsapiens update 7000 --given-name Augusta --dry-run";

const DELETE_EXAMPLES: &str = "\
EXAMPLES:
  user-provisioner jambonz delete 5f0c6c6e-1b0e-4c57-9d8a-6f3f8d1e2a4b
  user-provisioner ece delete ada --dry-run --output json";

const LIST_EXAMPLES: &str = "\
EXAMPLES:
  user-provisioner ece list
  user-provisioner netsapiens list --page-size 50
  user-provisioner netsapiens list --page-size 50 --cursor 51
  user-provisioner connect list --all --output json | jq -r .email

In JSON, each user is one line; when another page follows, a last line
{\"next_cursor\": \"…\"} gives the cursor to pass to --cursor.";

/// The calls on one provider.
#[derive(Debug, Args)]
#[command(after_help = PROVIDER_EXAMPLES)]
pub struct ProviderArgs {
    /// The API base URL, instead of <PROVIDER>_BASE_URL.
    #[arg(long, global = true, value_name = "URL", help_heading = PROVIDER_OPTIONS)]
    base_url: Option<String>,

    /// NetSapiens: allocate a new user's extension from this range (the lowest free).
    #[arg(
        long,
        global = true,
        value_name = "FROM-TO",
        value_parser = crate::backends::extension_range,
        help_heading = PROVIDER_OPTIONS
    )]
    extension_range: Option<RangeInclusive<u32>>,

    /// How results are printed.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = Output::Table,
        help_heading = PROVIDER_OPTIONS
    )]
    output: Output,

    #[command(subcommand)]
    command: ProviderCommand,
}

#[derive(Debug, Subcommand)]
enum ProviderCommand {
    /// Create a user.
    #[command(after_help = CREATE_EXAMPLES)]
    Create(CreateArgs),
    /// Show one user.
    #[command(after_help = GET_EXAMPLES)]
    Get(GetArgs),
    /// Change a user: only the fields named change.
    #[command(after_help = UPDATE_EXAMPLES)]
    Update(UpdateArgs),
    /// Delete a user.
    #[command(after_help = DELETE_EXAMPLES)]
    Delete(DeleteArgs),
    /// List users, a page at a time or all of them.
    #[command(after_help = LIST_EXAMPLES)]
    List(ListArgs),
}

/// Where a password comes from: never an argument.
#[derive(Debug, Args)]
struct PasswordArgs {
    /// Read the password from the first line of stdin.
    #[arg(long, conflicts_with = "password_file")]
    password_stdin: bool,

    /// Read the password from the first line of this file.
    #[arg(long, value_name = "PATH")]
    password_file: Option<PathBuf>,
}

impl PasswordArgs {
    fn source(&self) -> Option<PasswordSource<'_>> {
        input::password_source(self.password_stdin, self.password_file.as_deref())
    }
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// The login name.
    #[arg(long)]
    username: String,
    /// The email address.
    #[arg(long)]
    email: Option<String>,
    /// The given (first) name.
    #[arg(long)]
    given_name: Option<String>,
    /// The family (last) name.
    #[arg(long)]
    family_name: Option<String>,
    /// The name to display.
    #[arg(long)]
    display_name: Option<String>,
    /// The phone number, in E.164 form (+15551234567).
    #[arg(long)]
    phone: Option<String>,
    /// A role; repeat for several.
    #[arg(long = "role", value_name = "ROLE")]
    roles: Vec<String>,
    /// Create the account disabled.
    #[arg(long)]
    disabled: bool,
    /// A provider-specific setting, such as jambonz.account_sid=…; repeatable.
    #[arg(long = "attribute", value_name = "KEY=VALUE", value_parser = input::key_value)]
    attributes: Vec<KeyValue>,
    /// A free-form metadata entry, where the provider keeps metadata; repeatable.
    #[arg(long = "metadata", value_name = "KEY=VALUE", value_parser = input::key_value)]
    metadata: Vec<KeyValue>,
    /// Leave out the fields this provider cannot store instead of refusing the create.
    #[arg(long)]
    ignore_unsupported: bool,
    #[command(flatten)]
    password: PasswordArgs,
    /// Show the request that would be sent, with secrets masked, and send nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
struct GetArgs {
    /// The provider's id of the user.
    id: String,
}

#[derive(Debug, Args)]
struct UpdateArgs {
    /// The provider's id of the user.
    id: String,
    /// A new login name.
    #[arg(long)]
    username: Option<String>,
    /// A new email address.
    #[arg(long, conflicts_with = "clear_email")]
    email: Option<String>,
    /// Remove the email address.
    #[arg(long)]
    clear_email: bool,
    /// A new given (first) name.
    #[arg(long, conflicts_with = "clear_names")]
    given_name: Option<String>,
    /// A new family (last) name.
    #[arg(long, conflicts_with = "clear_names")]
    family_name: Option<String>,
    /// Remove the given and family names.
    #[arg(long)]
    clear_names: bool,
    /// A new display name.
    #[arg(long, conflicts_with = "clear_display_name")]
    display_name: Option<String>,
    /// Remove the display name.
    #[arg(long)]
    clear_display_name: bool,
    /// A new phone number, in E.164 form.
    #[arg(long, conflicts_with = "clear_phone")]
    phone: Option<String>,
    /// Remove the phone number.
    #[arg(long)]
    clear_phone: bool,
    /// Replace the roles with these; repeat for several.
    #[arg(long = "role", value_name = "ROLE", conflicts_with = "clear_roles")]
    roles: Vec<String>,
    /// Remove every role.
    #[arg(long)]
    clear_roles: bool,
    /// Enable or disable the account.
    #[arg(long, value_name = "true|false")]
    enabled: Option<bool>,
    /// Replace the metadata with these entries; repeatable.
    #[arg(
        long = "metadata",
        value_name = "KEY=VALUE",
        value_parser = input::key_value,
        conflicts_with = "clear_metadata"
    )]
    metadata: Vec<KeyValue>,
    /// Remove the metadata.
    #[arg(long)]
    clear_metadata: bool,
    /// A provider-specific setting; repeatable.
    #[arg(long = "attribute", value_name = "KEY=VALUE", value_parser = input::key_value)]
    attributes: Vec<KeyValue>,
    /// A new password (with --password-stdin or --password-file).
    #[command(flatten)]
    password: PasswordArgs,
    /// The current password, from the first line of this file (jambonz asks for it).
    #[arg(long, value_name = "PATH")]
    current_password_file: Option<PathBuf>,
    /// Show the write that would be sent, with secrets masked, and send nothing (reads
    /// the update needs are still made).
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
struct DeleteArgs {
    /// The provider's id of the user.
    id: String,
    /// Show the request that would be sent and send nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// The most users on the page.
    #[arg(long, value_name = "N", conflicts_with = "all")]
    page_size: Option<u32>,
    /// Where to continue: the cursor the previous page printed.
    #[arg(long, conflicts_with = "all")]
    cursor: Option<String>,
    /// Every page, one after the other.
    #[arg(long)]
    all: bool,
}

pub async fn run(name: ProviderName, args: ProviderArgs) -> Result<ExitCode, CliError> {
    if args.extension_range.is_some() && name != ProviderName::Netsapiens {
        return Err(CliError::usage(format!(
            "--extension-range applies to netsapiens only, not {name}"
        )));
    }
    let settings = ProviderSettings {
        base_url: args.base_url,
        extension_range: args.extension_range,
    };
    // Configuration first: a missing variable ends the command before stdin is read.
    let backend = backends::from_env(name, &settings)?;
    let mut printer = Printer::new(args.output);
    match args.command {
        ProviderCommand::Create(create) => create_user(&backend, create, &mut printer).await?,
        ProviderCommand::Get(get) => {
            let user = backend
                .get_user_opts(&UserId::new(get.id), &RequestOptions::new())
                .await;
            settle(user, &mut printer, |printer, user| printer.user(&user))?;
        }
        ProviderCommand::Update(update) => {
            update_user(name, &backend, update, &mut printer).await?
        }
        ProviderCommand::Delete(delete) => {
            let id = UserId::new(delete.id);
            let options = RequestOptions::new().with_dry_run(delete.dry_run);
            let outcome = backend.delete_user_opts(&id, &options).await;
            settle(outcome, &mut printer, |printer, outcome| {
                printer.deleted(name, &id, &outcome)
            })?;
        }
        ProviderCommand::List(list) => list_users(&backend, list, &mut printer).await?,
    }
    printer.flush()?;
    Ok(Exit::Success.code())
}

/// Prints a call's result, or the request a dry run stopped at (a success: exit 0).
fn settle<T>(
    result: Result<T, Error>,
    printer: &mut Printer,
    print: impl FnOnce(&mut Printer, T),
) -> Result<(), CliError> {
    match result {
        Ok(value) => {
            print(printer, value);
            Ok(())
        }
        Err(Error::DryRun(request)) => {
            printer.dry_run(&request);
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}

fn pairs(entries: Vec<KeyValue>) -> serde_json::Map<String, serde_json::Value> {
    entries
        .into_iter()
        .map(|KeyValue { key, value }| (key, value))
        .collect()
}

async fn create_user(
    backend: &Arc<dyn UserProvisioner>,
    args: CreateArgs,
    printer: &mut Printer,
) -> Result<(), CliError> {
    let mut person = NewUser::new(args.username).with_roles(args.roles);
    person.email = args.email;
    person.given_name = args.given_name;
    person.family_name = args.family_name;
    person.display_name = args.display_name;
    person.phone = args.phone;
    if args.disabled {
        person.enabled = Some(false);
    }
    for KeyValue { key, value } in args.attributes {
        person = person.with_attribute(key, value);
    }
    person = person.with_metadata_map(pairs(args.metadata));
    if args.ignore_unsupported {
        person = person.ignoring_unsupported_fields();
    }
    if let Some(source) = args.password.source() {
        person.password = Some(source.read("the password")?);
    }
    let options = RequestOptions::new().with_dry_run(args.dry_run);
    let outcome = backend.create_user_opts(&person, &options).await;
    settle(outcome, printer, |printer, outcome| {
        printer.created(&outcome)
    })
}

async fn update_user(
    name: ProviderName,
    backend: &Arc<dyn UserProvisioner>,
    args: UpdateArgs,
    printer: &mut Printer,
) -> Result<(), CliError> {
    let mut update = UserUpdate::new();
    if let Some(username) = args.username {
        update = update.with_username(username);
    }
    if let Some(email) = args.email {
        update = update.with_email(email);
    }
    if args.clear_email {
        update = update.clear_email();
    }
    if let Some(given) = args.given_name {
        update = update.with_given_name(given);
    }
    if let Some(family) = args.family_name {
        update = update.with_family_name(family);
    }
    if args.clear_names {
        update = update.clear_names();
    }
    if let Some(display) = args.display_name {
        update = update.with_display_name(display);
    }
    if args.clear_display_name {
        update = update.clear_display_name();
    }
    if let Some(phone) = args.phone {
        update = update.with_phone(phone);
    }
    if args.clear_phone {
        update = update.clear_phone();
    }
    if !args.roles.is_empty() {
        update = update.with_roles(args.roles);
    }
    if args.clear_roles {
        update = update.clear_roles();
    }
    if let Some(enabled) = args.enabled {
        update = update.with_enabled(enabled);
    }
    if !args.metadata.is_empty() {
        update = update.with_metadata_map(pairs(args.metadata));
    }
    if args.clear_metadata {
        update = update.clear_metadata();
    }
    for KeyValue { key, value } in args.attributes {
        update = update.with_attribute(key, value);
    }
    let current = args
        .current_password_file
        .as_deref()
        .map(PasswordSource::File);
    match (args.password.source(), current) {
        (Some(source), current) => {
            let mut change = PasswordChange::new(source.read("the new password")?);
            if let Some(current) = current {
                change = change.with_current(current.read("the current password")?);
            }
            update = update.with_password(change);
        }
        (None, Some(_)) => {
            return Err(CliError::usage(
                "--current-password-file needs the new password too \
                 (--password-stdin or --password-file)",
            ))
        }
        (None, None) => {}
    }
    let id = UserId::new(args.id);
    let options = RequestOptions::new().with_dry_run(args.dry_run);
    let outcome = backend.update_user_opts(&id, &update, &options).await;
    settle(outcome, printer, |printer, outcome| {
        printer.updated(name, &id, &outcome)
    })
}

async fn list_users(
    backend: &Arc<dyn UserProvisioner>,
    args: ListArgs,
    printer: &mut Printer,
) -> Result<(), CliError> {
    let options = RequestOptions::new();
    if args.all {
        let users = backend.list_all_users_opts(&options).await;
        return settle(users, printer, |printer, users| printer.users(&users, None));
    }
    let mut request = ListUsers::new();
    if let Some(size) = args.page_size {
        request = request.with_page_size(size);
    }
    if let Some(cursor) = args.cursor {
        request = request.with_cursor(PageCursor::from_stored(cursor));
    }
    let page = backend.list_users_opts(&request, &options).await;
    settle(page, printer, |printer, page| {
        printer.users(&page.users, page.next.as_ref())
    })
}
