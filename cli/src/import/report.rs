//! What an import did: the counts per backend, the failures CSV, and the summary on
//! stdout (a table, or one JSON object with `--output json`).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use user_provisioner::orchestration::{Ensured, FoundBy};

use crate::backends::ProviderName;
use crate::exit::CliError;

use super::rows::{Columns, Row};

/// One backend's results.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Rows sent to this backend.
    pub rows: u64,
    /// Created by this run and readable.
    pub created: u64,
    /// Created by this run, accepted and not readable yet (NetSapiens' 202).
    pub accepted: u64,
    /// There already: this run created nothing (a lookup found the user, or the
    /// provider refused the create as a duplicate and a lookup found it).
    pub already_existed: u64,
    /// Of those, the ones found by the lookup after a create whose answer was lost
    /// (most likely created by this run; nobody is created twice either way).
    pub found_after_unknown_outcome: u64,
    /// Of those, the ones whose email, names, phone, roles or enabled flag differ from
    /// the row (an import only creates; it changes nobody).
    pub differing: u64,
    /// Failed; each is a line of the failures CSV.
    pub failed: u64,
    /// Not finished when the import was interrupted; each is a line of the failures CSV.
    pub unfinished: u64,
    /// 429 answers met; each paused the backend, then the row was sent again.
    pub rate_limited: u64,
}

impl Counts {
    /// Counts one success.
    pub fn add(&mut self, ensured: &Ensured) {
        match ensured {
            Ensured::Created(_) => self.created += 1,
            Ensured::Accepted(_) => self.accepted += 1,
            Ensured::AlreadyExisted(existing) => {
                self.already_existed += 1;
                if existing.found == FoundBy::LookupAfterUnknownOutcome {
                    self.found_after_unknown_outcome += 1;
                }
                if !existing.differences.is_empty() {
                    self.differing += 1;
                }
            }
            // A kind of success this build does not know yet still succeeded.
            _ => self.created += 1,
        }
    }
}

/// The failures CSV, written as failures happen so that an interrupted run keeps them.
pub struct Failures {
    path: PathBuf,
    writer: csv::Writer<File>,
    written: u64,
}

impl Failures {
    /// Creates (or empties) the file and writes its header. The file may hold the
    /// input's passwords, so on Unix only its owner may read it.
    pub fn create(path: &Path, columns: &Columns) -> Result<Self, CliError> {
        let cannot = |error: &dyn std::fmt::Display| {
            CliError::usage(format!(
                "cannot write the failures CSV {}: {error}",
                path.display()
            ))
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|e| cannot(&e))?;
        let mut writer = csv::Writer::from_writer(file);
        writer
            .write_record(columns.failures_header())
            .and_then(|()| writer.flush().map_err(csv::Error::from))
            .map_err(|e| cannot(&e))?;
        Ok(Self {
            path: path.to_owned(),
            writer,
            written: 0,
        })
    }

    /// One row that did not succeed on `backend`, with why.
    pub fn write(
        &mut self,
        columns: &Columns,
        row: &Row,
        backend: ProviderName,
        error: &str,
    ) -> Result<(), CliError> {
        let mut cells = columns.failure_cells(row);
        // One line per failure, whatever the provider's message holds.
        let error = error.replace(['\r', '\n'], " ");
        cells.extend([backend.as_str(), error.as_str()]);
        self.writer
            .write_record(cells)
            .and_then(|()| self.writer.flush().map_err(csv::Error::from))
            .map_err(|error| {
                CliError::other(format!("cannot write {}: {error}", self.path.display()))
            })?;
        self.written += 1;
        Ok(())
    }

    /// Lines written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The summary printed on stdout at the end.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The input as named on the command line.
    pub input: String,
    /// Rows read (those skipped included).
    pub rows: usize,
    /// Rows whose `backend` cell names a provider `--to` leaves out.
    pub skipped: usize,
    pub elapsed_seconds: f64,
    /// Whether Ctrl-C stopped the import.
    pub interrupted: bool,
    pub backends: Vec<BackendSummary>,
    pub failures: FailuresSummary,
    /// The command that retries the failures, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<String>,
}

/// One backend in the summary.
#[derive(Debug, Serialize)]
pub struct BackendSummary {
    pub backend: &'static str,
    #[serde(flatten)]
    pub counts: Counts,
}

/// Where the failures went.
#[derive(Debug, Serialize)]
pub struct FailuresSummary {
    pub path: PathBuf,
    /// Lines written (one per row and backend that did not succeed).
    pub lines: u64,
}

impl Summary {
    /// Builds the summary; `elapsed` is the time spent sending.
    pub fn new(
        input: String,
        rows: usize,
        skipped: usize,
        elapsed: Duration,
        interrupted: bool,
        backends: Vec<BackendSummary>,
        failures: &Failures,
    ) -> Self {
        let retry = (failures.written() > 0).then(|| {
            let to: Vec<&str> = backends.iter().map(|b| b.backend).collect();
            format!(
                "user-provisioner import {} --to {}",
                shell_word(&failures.path().display().to_string()),
                to.join(",")
            )
        });
        Self {
            input,
            rows,
            skipped,
            elapsed_seconds: (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            interrupted,
            backends,
            failures: FailuresSummary {
                path: failures.path().to_owned(),
                lines: failures.written(),
            },
            retry,
        }
    }

    /// Whether every row succeeded on every backend it was for.
    pub fn all_succeeded(&self) -> bool {
        !self.interrupted && self.failures.lines == 0
    }

    /// Prints the table or the JSON object on stdout.
    pub fn print(&self, json: bool) -> Result<(), CliError> {
        let text = if json {
            serde_json::to_string(self).map_err(|e| CliError::other(e.to_string()))? + "\n"
        } else {
            self.table()
        };
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`| head`) is not the import's failure.
        let _ = stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush());
        Ok(())
    }

    fn table(&self) -> String {
        let mut out = format!(
            "{}: {} rows in {:.1}s{}{}\n",
            self.input,
            self.rows,
            self.elapsed_seconds,
            if self.skipped > 0 {
                format!(" ({} for no backend of --to, skipped)", self.skipped)
            } else {
                String::new()
            },
            if self.interrupted {
                ", interrupted"
            } else {
                ""
            },
        );
        let mut headings = vec![
            "backend", "rows", "created", "accepted", "existed", "failed",
        ];
        let unfinished = self.backends.iter().any(|b| b.counts.unfinished > 0);
        if unfinished {
            headings.push("unfinished");
        }
        let mut lines = vec![headings.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
        for backend in &self.backends {
            let c = &backend.counts;
            let mut line = vec![
                backend.backend.to_string(),
                c.rows.to_string(),
                c.created.to_string(),
                c.accepted.to_string(),
                c.already_existed.to_string(),
                c.failed.to_string(),
            ];
            if unfinished {
                line.push(c.unfinished.to_string());
            }
            lines.push(line);
        }
        let widths: Vec<usize> = (0..headings.len())
            .map(|i| lines.iter().map(|l| l[i].len()).max().unwrap_or(0))
            .collect();
        for line in &lines {
            let cells: Vec<String> = line
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (cell, width))| {
                    if i == 0 {
                        format!("{cell:<width$}")
                    } else {
                        format!("{cell:>width$}")
                    }
                })
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        let lost: u64 = self
            .backends
            .iter()
            .map(|b| b.counts.found_after_unknown_outcome)
            .sum();
        if lost > 0 {
            out.push_str(&format!(
                "{lost} of the existing were found by a lookup after a create whose answer \
                 was lost (most likely this run's)\n"
            ));
        }
        let differing: u64 = self.backends.iter().map(|b| b.counts.differing).sum();
        if differing > 0 {
            out.push_str(&format!(
                "{differing} existing users differ from their rows (left as they are: an \
                 import only creates)\n"
            ));
        }
        match &self.retry {
            Some(retry) => out.push_str(&format!(
                "{} failures in {}; retry them with: {retry}\n",
                self.failures.lines,
                self.failures.path.display()
            )),
            None => out.push_str(&format!(
                "no failures ({} holds only its header)\n",
                self.failures.path.display()
            )),
        }
        out
    }
}

/// `text` quoted for a POSIX shell where it needs to be.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./,:=+@%".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_a_shell_would_split() {
        assert_eq!(shell_word("people.failures.csv"), "people.failures.csv");
        assert_eq!(shell_word("my people.csv"), "'my people.csv'");
        assert_eq!(shell_word("it's.csv"), r"'it'\''s.csv'");
    }
}
