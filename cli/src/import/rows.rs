//! The people CSV: its columns, and each row as the user to ensure and the backends it
//! is for. The whole file is read and checked before anything is sent, so a malformed
//! file (exit 3) sends nothing.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

use user_provisioner::NewUser;

use crate::backends::ProviderName;
use crate::exit::{CliError, Exit};

/// The column a row's `backend` cell narrows it with; written by the failures CSV.
pub const BACKEND: &str = "backend";
/// What went wrong, in the failures CSV; ignored on input.
pub const ERROR: &str = "error";
/// The prefix of a provider attribute's column (`attr:jambonz.account_sid`).
const ATTRIBUTE: &str = "attr:";

/// What one header cell is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    Username,
    Email,
    GivenName,
    FamilyName,
    DisplayName,
    Phone,
    Password,
    Roles,
    Enabled,
    Attribute(String),
    Backend,
    Error,
}

impl Column {
    const NAMED: [(&'static str, Column); 11] = [
        ("username", Column::Username),
        ("email", Column::Email),
        ("given_name", Column::GivenName),
        ("family_name", Column::FamilyName),
        ("display_name", Column::DisplayName),
        ("phone", Column::Phone),
        ("password", Column::Password),
        ("roles", Column::Roles),
        ("enabled", Column::Enabled),
        (BACKEND, Column::Backend),
        (ERROR, Column::Error),
    ];

    fn parse(name: &str) -> Result<Column, String> {
        if let Some(key) = name.strip_prefix(ATTRIBUTE) {
            let known = ProviderName::ALL.iter().any(|p| {
                key.strip_prefix(p.attribute_prefix())
                    .is_some_and(|rest| rest.len() > 1 && rest.starts_with('.'))
            });
            return if known {
                Ok(Column::Attribute(key.to_owned()))
            } else {
                Err(format!(
                    "column {name:?}: an attribute column is attr:<provider>.<name> \
                     (attr:jambonz.account_sid), the provider one of jambonz, netsapiens, \
                     connect, ece, scim (the scim-app backend)"
                ))
            };
        }
        Column::NAMED
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|(_, column)| column.clone())
            .ok_or_else(|| {
                format!(
                    "unknown column {name:?}; the columns are {}, and attr:<provider>.<name>",
                    Column::NAMED.map(|(known, _)| known).join(", ")
                )
            })
    }
}

/// The input's columns: what each is, and which go to the failures CSV.
#[derive(Debug)]
pub struct Columns {
    header: csv::StringRecord,
    columns: Vec<Column>,
}

impl Columns {
    /// The failures CSV's header: the input's columns but `backend` and `error`, then
    /// those two.
    pub fn failures_header(&self) -> Vec<&str> {
        let mut header: Vec<&str> = self.kept().map(|i| &self.header[i]).collect();
        header.extend([BACKEND, ERROR]);
        header
    }

    /// A row's cells for the failures CSV, as read, in [`failures_header`](Self::failures_header)'s order.
    pub fn failure_cells<'a>(&self, row: &'a Row) -> Vec<&'a str> {
        self.kept()
            .map(|i| row.record.get(i).unwrap_or_default())
            .collect()
    }

    /// The positions of the columns copied to the failures CSV.
    fn kept(&self) -> impl Iterator<Item = usize> + '_ {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, column)| !matches!(column, Column::Backend | Column::Error))
            .map(|(i, _)| i)
    }
}

/// One person of the file.
pub struct Row {
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    /// The cells as read, copied to the failures CSV.
    record: csv::StringRecord,
    /// What is ensured on each backend.
    pub user: NewUser,
    /// The `backend` cell: only this backend (if `--to` names it).
    only: Option<ProviderName>,
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the record: its password cell is as written. The user masks it.
        f.debug_struct("Row")
            .field("line", &self.line)
            .field("user", &self.user)
            .field("only", &self.only)
            .finish_non_exhaustive()
    }
}

impl Row {
    /// Whether the row goes to `backend`, one of `--to`.
    pub fn is_for(&self, backend: ProviderName) -> bool {
        self.only.is_none_or(|only| only == backend)
    }
}

/// The file read and checked.
#[derive(Debug)]
pub struct Table {
    pub columns: Columns,
    pub rows: Vec<Row>,
    /// Rows whose `backend` cell names a provider that `--to` leaves out.
    pub skipped: usize,
}

/// Reads and checks the whole CSV; `source` names it in errors (`people.csv`, `stdin`).
///
/// # Errors
/// [`Exit::InvalidInput`] naming the line: no header, an unknown or repeated column, no
/// `username` column, a row with another number of cells than the header, text that is
/// not UTF-8, an empty username, an `enabled` or `backend` cell that is not one, or a
/// username that appears twice for one backend (two concurrent ensures of one person
/// could both create on a provider without a uniqueness rule).
pub fn read(input: impl Read, source: &str, to: &[ProviderName]) -> Result<Table, CliError> {
    let invalid = |line: u64, message: String| {
        CliError::new(
            Exit::InvalidInput,
            format!("{source} line {line}: {message}"),
        )
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(input);
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            return Err(invalid(
                1,
                "empty file: the first line is the header".into(),
            ))
        }
        Some(record) => record.map_err(|error| malformed(source, &error))?,
    };
    let header_line = header.position().map_or(1, csv::Position::line);
    let mut columns = Vec::with_capacity(header.len());
    for (position, name) in header.iter().enumerate() {
        // A spreadsheet's UTF-8 export may start with a byte order mark.
        let name = if position == 0 {
            name.trim_start_matches('\u{feff}')
        } else {
            name
        };
        let column = Column::parse(name.trim()).map_err(|message| invalid(header_line, message))?;
        if columns.contains(&column) {
            return Err(invalid(
                header_line,
                format!("column {name:?} appears twice"),
            ));
        }
        columns.push(column);
    }
    if !columns.contains(&Column::Username) {
        return Err(invalid(
            header_line,
            "no username column (the one column every row needs)".into(),
        ));
    }
    let columns = Columns { header, columns };

    let mut rows = Vec::new();
    let mut skipped = 0;
    // (backend, lower-cased username) → the line that has it.
    let mut seen: HashMap<(ProviderName, String), u64> = HashMap::new();
    for record in records {
        let record = record.map_err(|error| malformed(source, &error))?;
        let line = record.position().map_or(0, csv::Position::line);
        let row = row(&columns, record, line).map_err(|message| invalid(line, message))?;
        let targets: Vec<ProviderName> = to.iter().copied().filter(|b| row.is_for(*b)).collect();
        if targets.is_empty() {
            skipped += 1;
            continue;
        }
        for backend in targets {
            let key = (backend, row.user.username.to_lowercase());
            if let Some(first) = seen.insert(key, line) {
                return Err(invalid(
                    line,
                    format!(
                        "username {:?} is also on line {first} for {backend}: each person \
                         once per backend",
                        row.user.username
                    ),
                ));
            }
        }
        rows.push(row);
    }
    Ok(Table {
        columns,
        rows,
        skipped,
    })
}

fn malformed(source: &str, error: &csv::Error) -> CliError {
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            pos: Some(pos),
            expected_len,
            len,
        } => format!(
            "{source} line {}: {len} cells where the header has {expected_len}",
            pos.line()
        ),
        csv::ErrorKind::Utf8 {
            pos: Some(pos),
            err,
        } => format!(
            "{source} line {}: cell {} is not UTF-8 text",
            pos.line(),
            err.field() + 1
        ),
        csv::ErrorKind::Io(io) => {
            return CliError::new(Exit::Usage, format!("cannot read {source}: {io}"));
        }
        _ => format!("{source}: {error}"),
    };
    CliError::new(Exit::InvalidInput, message)
}

/// One record as a row; the message names the cell that is wrong.
fn row(columns: &Columns, record: csv::StringRecord, line: u64) -> Result<Row, String> {
    let mut user = NewUser::new(String::new()).ignoring_unsupported_fields();
    let mut only = None;
    for (column, cell) in columns.columns.iter().zip(record.iter()) {
        let text = cell.trim();
        let set = || (!text.is_empty()).then(|| text.to_owned());
        match column {
            Column::Username => user.username = text.to_owned(),
            Column::Email => user.email = set(),
            Column::GivenName => user.given_name = set(),
            Column::FamilyName => user.family_name = set(),
            Column::DisplayName => user.display_name = set(),
            Column::Phone => user.phone = set(),
            // As written: spaces may belong to it.
            Column::Password if !cell.is_empty() => user = user.with_password(cell),
            Column::Password => {}
            Column::Roles => {
                user.roles = text
                    .split(';')
                    .map(str::trim)
                    .filter(|role| !role.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            Column::Enabled => user.enabled = flag(text).map_err(|e| format!("enabled: {e}"))?,
            Column::Attribute(_) if text.is_empty() => {}
            Column::Attribute(key) => {
                let value = match flag(text) {
                    Ok(Some(flag)) => serde_json::Value::Bool(flag),
                    _ => serde_json::Value::String(text.to_owned()),
                };
                user.attributes.insert(key.clone(), value);
            }
            Column::Backend if text.is_empty() => {}
            Column::Backend => only = Some(text.parse::<ProviderName>()?),
            Column::Error => {}
        }
    }
    if user.username.is_empty() {
        return Err("the username is empty".into());
    }
    Ok(Row {
        line,
        record,
        user,
        only,
    })
}

/// `true`/`false` (any case), or nothing for an empty cell.
fn flag(text: &str) -> Result<Option<bool>, String> {
    match text.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        _ => Err(format!("{text:?} is neither true nor false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TO: [ProviderName; 2] = [ProviderName::Jambonz, ProviderName::Ece];

    fn read_text(text: &str) -> Result<Table, CliError> {
        read(text.as_bytes(), "people.csv", &TO)
    }

    #[test]
    fn reads_every_column() {
        let table = read_text(
            "\u{feff}username,email,given_name,family_name,display_name,phone,password,roles,enabled,attr:jambonz.account_sid,attr:jambonz.is_view_only\n\
             ada, ada@example.com ,Ada,Lovelace,Ada L.,+15550000001, pw 1 ,admin; viewer,false,9d1a8a2e-0c3b-4f7a-8f55-2d0f6ad4c0de,true\n\
             grace,,,,,,,,,,\n",
        )
        .unwrap();
        let ada = &table.rows[0].user;
        assert_eq!(table.rows[0].line, 2);
        assert_eq!(ada.username, "ada");
        assert_eq!(ada.email.as_deref(), Some("ada@example.com"));
        assert_eq!(ada.display_name.as_deref(), Some("Ada L."));
        assert_eq!(ada.password.as_ref().unwrap().expose(), " pw 1 ");
        assert!(
            !format!("{:?}", table.rows[0]).contains("pw 1"),
            "no password in Debug"
        );
        assert_eq!(ada.roles, ["admin", "viewer"]);
        assert_eq!(ada.enabled, Some(false));
        assert_eq!(
            ada.attributes.get("jambonz.account_sid"),
            Some(&serde_json::json!("9d1a8a2e-0c3b-4f7a-8f55-2d0f6ad4c0de"))
        );
        assert_eq!(
            ada.attributes.get("jambonz.is_view_only"),
            Some(&serde_json::json!(true))
        );
        let grace = &table.rows[1].user;
        assert_eq!(grace.email, None);
        assert!(grace.password.is_none() && grace.attributes.is_empty() && grace.roles.is_empty());
    }

    #[test]
    fn the_backend_cell_narrows_and_the_error_cell_is_ignored() {
        let table = read_text(
            "username,backend,error\nada,ece,boom\nada,jambonz,bang\ngrace,,\nalan,connect,x\n",
        )
        .unwrap();
        assert_eq!(table.rows.len(), 3);
        assert_eq!(table.skipped, 1);
        assert!(table.rows[0].is_for(ProviderName::Ece));
        assert!(!table.rows[0].is_for(ProviderName::Jambonz));
        assert!(
            table.rows[2].is_for(ProviderName::Jambonz) && table.rows[2].is_for(ProviderName::Ece)
        );
        assert_eq!(
            table.columns.failures_header(),
            ["username", "backend", "error"]
        );
        assert_eq!(table.columns.failure_cells(&table.rows[0]), ["ada"]);
    }

    fn refused(text: &str) -> String {
        let error = read_text(text).unwrap_err();
        assert_eq!(error.exit, Exit::InvalidInput, "{}", error.message);
        error.message
    }

    #[test]
    fn names_the_line_of_what_is_malformed() {
        assert_eq!(
            refused(""),
            "people.csv line 1: empty file: the first line is the header"
        );
        assert!(
            refused("username,emial\n").starts_with("people.csv line 1: unknown column \"emial\"")
        );
        assert!(refused("email\nada@example.com\n").contains("line 1: no username column"));
        assert!(
            refused("username,email,Email\n").contains("line 1: column \"Email\" appears twice")
        );
        assert!(refused("username,attr:jambnoz.account_sid\n")
            .contains("line 1: column \"attr:jambnoz.account_sid\""));
        assert!(refused("username,attr:jambonz.\n").contains("line 1:"));
        assert_eq!(
            refused("username,email\nada,a@example.com\ngrace\n"),
            "people.csv line 3: 1 cells where the header has 2"
        );
        assert_eq!(
            refused("username,email\nada,a@example.com\n\"multi\nline\",x\n,b@example.com\n"),
            "people.csv line 5: the username is empty"
        );
        assert!(refused("username,enabled\nada,maybe\n")
            .starts_with("people.csv line 2: enabled: \"maybe\""));
        assert!(refused("username,backend\nada,jambon\n")
            .starts_with("people.csv line 2: unknown provider"));
        assert_eq!(
            refused("username\nada\ngrace\nAda\n"),
            "people.csv line 4: username \"Ada\" is also on line 2 for jambonz: each person once per backend"
        );
        let mut bytes = b"username\nada\n".to_vec();
        bytes.extend([0xff, b'\n']);
        let error = read(bytes.as_slice(), "people.csv", &TO).unwrap_err();
        assert_eq!(error.message, "people.csv line 3: cell 1 is not UTF-8 text");
    }

    #[test]
    fn a_person_may_appear_once_per_backend() {
        let table = read_text("username,backend\nada,jambonz\nada,ece\n").unwrap();
        assert_eq!(table.rows.len(), 2);
        assert!(read_text("username,backend\nada,jambonz\nada,\n").is_err());
    }
}
