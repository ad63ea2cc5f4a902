//! `user-provisioner import people.csv --to jambonz,ece`: every row ensured on every
//! backend through the library's [`Bulk`], with a progress display, a summary and a
//! failures CSV that is the next run's input.
//!
//! Each backend gets a [`Bulk`] of its own, fed only the rows that are for it (a row of
//! a failures CSV is for the one backend that failed it); the results of all of them are
//! merged as they complete.

mod per_backend;
mod progress;
mod report;
mod rows;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use user_provisioner::futures::{stream, StreamExt};
use user_provisioner::orchestration::{Bulk, BulkResult, Ensured, Limits};
use user_provisioner::UserProvisioner;

use crate::backends::{self, ProviderName, ProviderSettings};
use crate::exit::{CliError, Exit};

use per_backend::{value_for, Count, ExtensionRange, PerBackend, Rate};
use progress::{Display, Mode};
use report::{BackendSummary, Counts, Failures, Summary};
use rows::{Row, Table};

/// How many failures and notes are printed on stderr; the rest are only in the
/// failures CSV (the summary counts them all).
const NOTES_SHOWN: usize = 20;

const AFTER_HELP: &str = "The columns, the failures CSV, exit codes and examples: see --help.";

const AFTER_LONG_HELP: &str = "\
Columns (a header line first, in any order; only username is required):
  username                the login name
  email, given_name, family_name, display_name, phone (E.164: +15551234567)
  password                the initial password, as written (jambonz requires one)
  roles                   role names separated by ';' (admin;viewer)
  enabled                 true or false
  attr:<provider>.<name>  a provider attribute: attr:jambonz.account_sid,
                          attr:netsapiens.extension, attr:connect.identity, ...; a cell
                          true or false is a boolean, any other is text
  backend, error          written by the failures CSV: a row whose backend cell is set
                          goes to that backend only (if --to names it; else it is
                          skipped); the error cell is ignored
Any other column is refused, so that a misspelt one is not silently dropped. Cells are
trimmed (passwords excepted); an empty cell is not sent. A field a provider cannot store
(given_name on jambonz) is left out on that provider. A username may appear once per
backend (case ignored). The whole file is read and checked before anything is sent.

Each row is ensured on each backend: looked up where the provider needs it, created unless
it exists; an existing user is reported, never changed. Running the same file again creates
nobody twice.

Failures: each row that did not succeed on a backend (refused, failed, or cut off by
Ctrl-C) is a line of the failures CSV, written as it happens: the input's columns as read,
passwords included (on Unix the file is readable by its owner only), then backend and
error. The default is the input's name with .failures.csv for .csv (people.csv ->
people.failures.csv; stdin.failures.csv for -); it is rewritten on every run, holding only
its header when nothing failed. Importing it with the same --to retries exactly those rows
on exactly those backends.

Progress goes to stderr: a bar per backend on a terminal, a line every 2 seconds (and a last
one) otherwise, none with --no-progress. Failures are printed there too (the first 20). The
summary goes to stdout.

Exit codes: 0 every row succeeded on every backend it was for; 1 some did not (the failures
CSV has them) or the import was interrupted; 2 bad arguments, missing variables or an
unwritable failures CSV (nothing sent); 3 a malformed CSV, the message naming the line
(nothing sent).

Examples:
  # Credentials from the environment or from files, never from arguments:
  export JAMBONZ_BASE_URL=https://jambonz.example.com/v1
  export JAMBONZ_API_KEY_FILE=/run/secrets/jambonz
  export ECE_BASE_URL=https://ece.example.com:12443/api/v1 ECE_API_KEY_FILE=/run/secrets/ece
  user-provisioner import people.csv --to jambonz,ece
  # 16 users in flight on each backend, jambonz paced at 5 a second:
  user-provisioner import people.csv --to jambonz,ece --concurrency 16 --rate jambonz=5
  # Retry what failed:
  user-provisioner import people.failures.csv --to jambonz,ece
  # From a pipe, NetSapiens extensions allocated one at a time:
  hr-export | user-provisioner import - --to netsapiens --extension-range 1000-1999 \\
      --concurrency netsapiens=1 --failures retry.csv
  # Check every row against every backend without sending anything:
  user-provisioner import people.csv --to jambonz,ece --dry-run
  # For a script:
  user-provisioner import people.csv --to ece --no-progress --output json";

/// Import people from a CSV file.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP, after_long_help = AFTER_LONG_HELP)]
pub struct ImportArgs {
    /// The people CSV; `-` reads standard input.
    #[arg(value_name = "CSV")]
    input: PathBuf,

    /// The providers to create each row on, comma-separated (jambonz, netsapiens, connect,
    /// ece, scim-app), each configured from its environment variables.
    #[arg(
        long,
        required = true,
        value_delimiter = ',',
        value_name = "PROVIDERS",
        ignore_case = true
    )]
    to: Vec<ProviderName>,

    /// Rows in flight at once on each backend (default 8): N for every backend, NAME=N
    /// for one; comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "[NAME=]N")]
    concurrency: Vec<PerBackend<Count>>,

    /// At most R rows started per second on each backend (each one create, plus a lookup
    /// where the provider needs one; default: no pace): R for every backend, NAME=R for
    /// one. A 429 pauses that backend for the delay it advises, whatever the pace.
    #[arg(long, value_delimiter = ',', value_name = "[NAME=]R")]
    rate: Vec<PerBackend<Rate>>,

    /// Where the rows that failed go (default: the input's name with .failures.csv
    /// instead of .csv; see --help).
    #[arg(long, value_name = "PATH")]
    failures: Option<PathBuf>,

    /// No progress display on stderr (failures are still printed there).
    #[arg(long)]
    no_progress: bool,

    /// The summary on stdout: a table, or one JSON object.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    output: OutputFormat,

    /// NetSapiens: allocate extensions from this range for rows without an
    /// attr:netsapiens.extension (FIRST-LAST, such as 1000-1999).
    #[arg(long, value_name = "FIRST-LAST")]
    extension_range: Option<ExtensionRange>,

    /// A provider's base URL instead of its <PROVIDER>_BASE_URL variable (NAME=URL;
    /// repeated for several).
    #[arg(long, value_name = "NAME=URL")]
    base_url: Vec<PerBackend<String>>,

    /// Read and check every row against every backend it is for; send nothing.
    #[arg(long)]
    dry_run: bool,
}

/// How the summary is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OutputFormat {
    /// Aligned columns.
    Table,
    /// One JSON object.
    Json,
}

/// The input: a file, or standard input.
struct Input {
    path: Option<PathBuf>,
}

impl Input {
    fn new(path: &Path) -> Self {
        Self {
            path: (path != Path::new("-")).then(|| path.to_owned()),
        }
    }

    /// How messages and the summary name it.
    fn name(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| "stdin".to_owned(), |path| path.display().to_string())
    }

    /// `people.csv` → `people.failures.csv`; `-` → `stdin.failures.csv`.
    fn default_failures(&self) -> PathBuf {
        let Some(path) = &self.path else {
            return PathBuf::from("stdin.failures.csv");
        };
        let is_csv = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
        let stem = if is_csv {
            path.with_extension("")
        } else {
            path.clone()
        };
        let mut name = stem.into_os_string();
        name.push(".failures.csv");
        PathBuf::from(name)
    }

    /// Reads it all and checks it.
    fn read(&self, to: &[ProviderName]) -> Result<Table, CliError> {
        let name = self.name();
        match &self.path {
            None => rows::read(std::io::stdin().lock(), &name, to),
            Some(path) => {
                let file = std::fs::File::open(path)
                    .map_err(|error| CliError::usage(format!("cannot read {name}: {error}")))?;
                rows::read(std::io::BufReader::new(file), &name, to)
            }
        }
    }
}

/// One backend of the import.
struct Backend {
    name: ProviderName,
    provisioner: Arc<dyn UserProvisioner>,
    limits: Limits,
}

pub async fn run(args: ImportArgs) -> Result<ExitCode, CliError> {
    let mut to: Vec<ProviderName> = Vec::new();
    for name in &args.to {
        if !to.contains(name) {
            to.push(*name);
        }
    }
    if args.extension_range.is_some() && !to.contains(&ProviderName::Netsapiens) {
        return Err(CliError::usage(
            "--extension-range is for netsapiens, which --to does not name",
        ));
    }
    let backends = configure(&args, &to)?;
    let input = Input::new(&args.input);
    let table = input.read(&to)?;
    if args.dry_run {
        return Ok(dry_run(&input, &table, &backends, args.output));
    }
    let failures_path = args
        .failures
        .clone()
        .unwrap_or_else(|| input.default_failures());
    if input
        .path
        .as_deref()
        .is_some_and(|path| same_file(path, &failures_path))
    {
        return Err(CliError::usage(format!(
            "--failures {} is the input itself; name another file",
            failures_path.display()
        )));
    }
    let mut failures = Failures::create(&failures_path, &table.columns)?;
    let summary = import(&input, table, &backends, &mut failures, args.no_progress).await?;
    summary.print(args.output == OutputFormat::Json)?;
    Ok(if summary.all_succeeded() {
        Exit::Success.code()
    } else {
        Exit::Other.code()
    })
}

/// Every backend of `to` from its environment, with its limits; all the variables
/// missing are named at once.
fn configure(args: &ImportArgs, to: &[ProviderName]) -> Result<Vec<Backend>, CliError> {
    let unnamed_url = args.base_url.iter().any(|url| url.backend().is_none());
    if unnamed_url && to.len() > 1 {
        return Err(CliError::usage(
            "--base-url takes NAME=URL when --to names several providers",
        ));
    }
    let mut backends = Vec::with_capacity(to.len());
    let mut missing = Vec::new();
    for &name in to {
        let settings = ProviderSettings {
            base_url: value_for("--base-url", &args.base_url, name, to)?,
            extension_range: args.extension_range.clone().map(|range| range.0),
        };
        let mut limits = Limits::new();
        if let Some(Count(count)) = value_for("--concurrency", &args.concurrency, name, to)? {
            limits = limits.with_concurrency(count);
        }
        if let Some(Rate(rate)) = value_for("--rate", &args.rate, name, to)? {
            limits = limits.with_requests_per_second(rate);
        }
        match backends::from_env(name, &settings) {
            Ok(provisioner) => backends.push(Backend {
                name,
                provisioner,
                limits,
            }),
            Err(error) => missing.push(error.message),
        }
    }
    if missing.is_empty() {
        Ok(backends)
    } else {
        Err(CliError::new(
            Exit::Usage,
            format!("{}\n       nothing was sent", missing.join("\n       ")),
        ))
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// One result, with the row and the backend it is about.
struct Outcome {
    lane: usize,
    /// The position in the lane's rows.
    position: usize,
    result: BulkResult,
}

/// Sends every row to every backend it is for, writing failures as they come.
async fn import(
    input: &Input,
    table: Table,
    backends: &[Backend],
    failures: &mut Failures,
    no_progress: bool,
) -> Result<Summary, CliError> {
    let Table {
        columns,
        rows,
        skipped,
    } = table;
    let rows: Arc<Vec<Row>> = Arc::new(rows);
    // Each lane's rows, as positions in `rows`.
    let lanes: Vec<Arc<Vec<usize>>> = backends
        .iter()
        .map(|backend| {
            Arc::new(
                rows.iter()
                    .enumerate()
                    .filter(|(_, row)| row.is_for(backend.name))
                    .map(|(i, _)| i)
                    .collect(),
            )
        })
        .collect();
    let display = Display::new(
        Mode::detect(no_progress),
        &backends
            .iter()
            .zip(&lanes)
            .map(|(backend, lane)| (backend.name, lane.len() as u64))
            .collect::<Vec<_>>(),
    );
    let mut counts: Vec<Counts> = lanes
        .iter()
        .map(|lane| Counts {
            rows: lane.len() as u64,
            ..Counts::default()
        })
        .collect();
    let mut reported: Vec<Vec<bool>> = lanes.iter().map(|lane| vec![false; lane.len()]).collect();

    let streams = backends
        .iter()
        .zip(&lanes)
        .enumerate()
        .map(|(lane, (backend, positions))| {
            let hook = display.clone();
            let bulk = Bulk::new()
                .with_backend(Arc::clone(&backend.provisioner), backend.limits)
                .with_progress(move |progress| {
                    if let Some(counters) = progress.backends.first() {
                        hook.update(lane, counters);
                    }
                });
            let (rows, feed) = (Arc::clone(&rows), Arc::clone(positions));
            let users = stream::iter(0..feed.len()).map(move |k| rows[feed[k]].user.clone());
            bulk.create(users).map(move |result| Outcome {
                lane,
                position: result.index,
                result,
            })
        });
    let mut results = stream::select_all(streams);

    let lines = display.spawn_lines();
    let started = Instant::now();
    let mut notes = Notes::new(display.clone(), failures.path().to_owned());
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    let (mut listening, mut interrupted) = (true, false);
    loop {
        let outcome = tokio::select! {
            outcome = results.next() => outcome,
            signal = &mut interrupt, if listening => {
                listening = false;
                // Without a Ctrl-C handler the import runs on, as it would have.
                if signal.is_err() {
                    continue;
                }
                interrupted = true;
                None
            }
        };
        let Some(Outcome {
            lane,
            position,
            result,
        }) = outcome
        else {
            break;
        };
        let Some(seen) = reported[lane].get_mut(position) else {
            continue;
        };
        *seen = true;
        let row = &rows[lanes[lane][position]];
        let name = backends[lane].name;
        counts[lane].rate_limited += u64::from(result.rate_limit_waits);
        match &result.result {
            Ok(ensured) => {
                counts[lane].add(ensured);
                if let Ensured::AlreadyExisted(existing) = ensured {
                    if !existing.differences.is_empty() {
                        let fields: Vec<&str> =
                            existing.differences.iter().map(|d| d.field).collect();
                        notes.show(format!(
                            "line {}: {} exists on {name} with another {}",
                            row.line,
                            row.user.username,
                            fields.join(", ")
                        ));
                    }
                }
            }
            Err(error) => {
                counts[lane].failed += 1;
                let error = error.to_string();
                failures.write(&columns, row, name, &error)?;
                notes.show(format!(
                    "line {}: {} failed on {name}: {error}",
                    row.line, row.user.username
                ));
            }
        }
    }
    // Dropping the bulks stops them; a create cut off in flight has an unknown outcome,
    // which the retry's ensure resolves by looking the user up.
    drop(results);
    let elapsed = started.elapsed();
    if let Some(lines) = lines {
        lines.abort();
    }
    display.finish();
    if interrupted {
        for (lane, seen) in reported.iter().enumerate() {
            let name = backends[lane].name;
            for position in seen
                .iter()
                .enumerate()
                .filter(|(_, s)| !**s)
                .map(|(p, _)| p)
            {
                counts[lane].unfinished += 1;
                failures.write(
                    &columns,
                    &rows[lanes[lane][position]],
                    name,
                    "interrupted before this row finished (the retry looks it up first \
                     where a create may have been sent)",
                )?;
            }
        }
        eprintln!(
            "interrupted: the rows not finished are in {} too",
            failures.path().display()
        );
    }
    notes.finish();
    let summary = backends
        .iter()
        .zip(counts)
        .map(|(backend, counts)| BackendSummary {
            backend: backend.name.as_str(),
            counts,
        })
        .collect();
    Ok(Summary::new(
        input.name(),
        rows.len() + skipped,
        skipped,
        elapsed,
        interrupted,
        summary,
        failures,
    ))
}

/// Failures and differences printed on stderr, up to [`NOTES_SHOWN`].
struct Notes {
    display: Display,
    failures: PathBuf,
    shown: usize,
    hidden: usize,
}

impl Notes {
    fn new(display: Display, failures: PathBuf) -> Self {
        Self {
            display,
            failures,
            shown: 0,
            hidden: 0,
        }
    }

    fn show(&mut self, line: String) {
        if self.shown < NOTES_SHOWN {
            self.shown += 1;
            self.display.println(&line);
        } else {
            self.hidden += 1;
        }
    }

    fn finish(&self) {
        if self.hidden > 0 {
            eprintln!(
                "... and {} more (the failures are all in {})",
                self.hidden,
                self.failures.display()
            );
        }
    }
}

/// `--dry-run`: every row checked by every backend it is for, nothing sent.
fn dry_run(input: &Input, table: &Table, backends: &[Backend], output: OutputFormat) -> ExitCode {
    let mut problems = Vec::new();
    for row in &table.rows {
        for backend in backends.iter().filter(|b| row.is_for(b.name)) {
            if let Err(error) = backend.provisioner.validate_new_user(&row.user) {
                eprintln!(
                    "line {}: {} on {}: {error}",
                    row.line, row.user.username, backend.name
                );
                problems.push(serde_json::json!({
                    "line": row.line,
                    "username": row.user.username,
                    "backend": backend.name.as_str(),
                    "error": error.to_string(),
                }));
            }
        }
    }
    let text = match output {
        OutputFormat::Json => serde_json::json!({
            "input": input.name(),
            "rows": table.rows.len() + table.skipped,
            "skipped": table.skipped,
            "problems": problems,
        })
        .to_string(),
        OutputFormat::Table => format!(
            "{}: {} rows checked against {}, {} problems; nothing was sent",
            input.name(),
            table.rows.len(),
            backends
                .iter()
                .map(|b| b.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            problems.len()
        ),
    };
    println!("{text}");
    if problems.is_empty() {
        Exit::Success.code()
    } else {
        Exit::InvalidInput.code()
    }
}
