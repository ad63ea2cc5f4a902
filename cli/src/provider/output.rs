//! How results are printed: a table for people, JSON for programs (one object for a
//! single result, one line per user for a list). Nothing printed holds a secret: a
//! `User` has none, and a dry run's request comes masked from the library.

use std::io::Write;

use serde_json::{json, Value};
use user_provisioner::{
    Accepted, CreateOutcome, DeleteOutcome, DryRunRequest, PageCursor, UpdateOutcome, User, UserId,
};

use crate::backends::ProviderName;
use crate::exit::CliError;

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Output {
    /// Aligned columns for people.
    #[default]
    Table,
    /// JSON: one object, or one line per user for a list.
    Json,
}

/// Text collected for stdout, written at once.
pub struct Printer {
    output: Output,
    text: String,
}

impl Printer {
    pub fn new(output: Output) -> Self {
        Self {
            output,
            text: String::new(),
        }
    }

    fn line(&mut self, line: impl AsRef<str>) {
        self.text.push_str(line.as_ref());
        self.text.push('\n');
    }

    fn json(&mut self, json: Json) {
        self.line(json.0);
    }

    /// Writes what was collected; a reader that went away (`| head`) is not an error.
    pub fn flush(self) -> Result<(), CliError> {
        let mut stdout = std::io::stdout().lock();
        match stdout
            .write_all(self.text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(CliError::other(format!("cannot write to stdout: {error}")))
            }
            _ => Ok(()),
        }
    }

    pub fn user(&mut self, user: &User) {
        match self.output {
            Output::Json => self.json(user_json(user)),
            Output::Table => self.user_table(user),
        }
    }

    fn user_table(&mut self, user: &User) {
        let mut rows: Vec<(&str, String)> = vec![
            ("provider", user.provider.key().to_owned()),
            ("id", user.id.to_string()),
        ];
        let texts = [
            ("username", &user.username),
            ("email", &user.email),
            ("given name", &user.given_name),
            ("family name", &user.family_name),
            ("display name", &user.display_name),
            ("phone", &user.phone),
        ];
        rows.extend(
            texts
                .into_iter()
                .filter_map(|(name, value)| value.clone().map(|value| (name, value))),
        );
        if !user.roles.is_empty() {
            rows.push(("roles", user.roles.join(", ")));
        }
        if let Some(enabled) = user.enabled {
            rows.push(("enabled", enabled.to_string()));
        }
        if let Some(at) = user.created_at {
            rows.push(("created", at.to_rfc3339()));
        }
        if let Some(at) = user.updated_at {
            rows.push(("updated", at.to_rfc3339()));
        }
        if let Some(key) = &user.idempotency_key {
            rows.push(("idempotency key", key.to_string()));
        }
        let width = rows.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
        for (name, value) in rows {
            self.line(format!("{name:<width$}  {value}"));
        }
    }

    /// A list: a table with a header, or one JSON line per user; then the cursor of the
    /// next page, if any (in JSON, a last line `{"next_cursor": "…"}`).
    pub fn users(&mut self, users: &[User], next: Option<&PageCursor>) {
        match self.output {
            Output::Json => {
                for user in users {
                    self.json(user_json(user));
                }
                if let Some(next) = next {
                    self.json(Json::value(&json!({ "next_cursor": next.as_str() })));
                }
            }
            Output::Table => {
                let dash = || "-".to_owned();
                let rows: Vec<[String; 5]> = users
                    .iter()
                    .map(|user| {
                        [
                            user.id.to_string(),
                            user.username.clone().unwrap_or_else(dash),
                            user.email.clone().unwrap_or_else(dash),
                            user.enabled
                                .map_or_else(dash, |enabled| enabled.to_string()),
                            Some(user.roles.join(","))
                                .filter(|roles| !roles.is_empty())
                                .unwrap_or_else(dash),
                        ]
                    })
                    .collect();
                let header = ["ID", "USERNAME", "EMAIL", "ENABLED", "ROLES"].map(str::to_owned);
                let mut widths = header.clone().map(|title| title.len());
                for row in &rows {
                    for (width, cell) in widths.iter_mut().zip(row) {
                        *width = (*width).max(cell.chars().count());
                    }
                }
                for row in std::iter::once(&header).chain(&rows) {
                    let cells: Vec<String> = row
                        .iter()
                        .zip(widths)
                        .map(|(cell, width)| format!("{cell:<width$}"))
                        .collect();
                    self.line(cells.join("  ").trim_end());
                }
                let count = users.len();
                let noun = if count == 1 { "user" } else { "users" };
                match next {
                    Some(next) => self.line(format!(
                        "{count} {noun}; next page: --cursor {}",
                        next.as_str()
                    )),
                    None => self.line(format!("{count} {noun}")),
                }
            }
        }
    }

    pub fn created(&mut self, outcome: &CreateOutcome) {
        match outcome {
            CreateOutcome::Created(user) => {
                if self.output == Output::Table {
                    self.line(format!("created {} user {}", user.provider.key(), user.id));
                    self.user_table(user);
                } else {
                    self.json(Json::wrap("created", user_json(user)));
                }
            }
            CreateOutcome::Accepted(accepted) => self.accepted("create", accepted),
            // A later kind of outcome: what serde says of it.
            other => self.json(Json::value(
                &serde_json::to_value(other).unwrap_or(Value::Null),
            )),
        }
    }

    pub fn updated(&mut self, name: ProviderName, id: &UserId, outcome: &UpdateOutcome) {
        match outcome {
            UpdateOutcome::Updated(user) => {
                if self.output == Output::Table {
                    self.line(format!("updated {} user {}", user.provider.key(), user.id));
                    self.user_table(user);
                } else {
                    self.json(Json::wrap("updated", user_json(user)));
                }
            }
            UpdateOutcome::Applied => match self.output {
                Output::Table => self.line(format!("updated {name} user {id}")),
                Output::Json => self.json(Json::wrap("applied", identity(name, id))),
            },
            UpdateOutcome::Accepted(accepted) => self.accepted("update", accepted),
            other => self.json(Json::value(
                &serde_json::to_value(other).unwrap_or(Value::Null),
            )),
        }
    }

    pub fn deleted(&mut self, name: ProviderName, id: &UserId, outcome: &DeleteOutcome) {
        match outcome {
            DeleteOutcome::Deleted => match self.output {
                Output::Table => self.line(format!("deleted {name} user {id}")),
                Output::Json => self.json(Json::wrap("deleted", identity(name, id))),
            },
            DeleteOutcome::Accepted(accepted) => self.accepted("delete", accepted),
            other => self.json(Json::value(
                &serde_json::to_value(other).unwrap_or(Value::Null),
            )),
        }
    }

    /// A write the provider took but has not made readable yet (NetSapiens' 202).
    fn accepted(&mut self, operation: &str, accepted: &Accepted) {
        match self.output {
            Output::Json => self.json(Json::wrap("accepted", accepted_json(accepted))),
            Output::Table => {
                self.line(format!(
                    "accepted: {} took the {operation}; it may not be readable yet",
                    accepted.provider.key()
                ));
                if let Some(id) = &accepted.id {
                    self.line(format!("id          {id}"));
                }
                if let Some(request_id) = &accepted.request_id {
                    self.line(format!("request id  {request_id}"));
                }
            }
        }
    }

    /// The request a dry run did not send.
    pub fn dry_run(&mut self, request: &DryRunRequest) {
        match self.output {
            Output::Table => {
                self.line("dry run: nothing was sent; the request would have been:");
                self.line(request.to_string());
            }
            Output::Json => {
                let headers: serde_json::Map<String, Value> = request
                    .headers
                    .iter()
                    .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                    .collect();
                // The body as it would have been sent, its keys in their order; a body
                // that is not JSON (never built by the library) as a string.
                let body = match &request.body {
                    Some(body) if request.body_json().is_some() => Json(body.clone()),
                    Some(body) => Json::value(&json!(body)),
                    None => Json::value(&Value::Null),
                };
                let request = Json::object([
                    (
                        "provider".to_owned(),
                        Json::value(&json!(request.provider.key())),
                    ),
                    ("method".to_owned(), Json::value(&json!(request.method))),
                    ("url".to_owned(), Json::value(&json!(request.url))),
                    ("headers".to_owned(), Json::value(&Value::Object(headers))),
                    ("body".to_owned(), body),
                ]);
                self.json(Json::wrap("dry_run", request));
            }
        }
    }
}

/// `{"provider": …, "id": …}` of a user a call returned nothing else about.
fn identity(name: ProviderName, id: &UserId) -> Json {
    Json::object([
        ("provider".to_owned(), Json::value(&json!(name.as_str()))),
        ("id".to_owned(), Json::value(&json!(id))),
    ])
}

/// The order of a user's fields in JSON: the identity first, as the library declares
/// them; a field a later library adds comes after these.
const USER_FIELDS: &[&str] = &[
    "provider",
    "id",
    "username",
    "email",
    "given_name",
    "family_name",
    "display_name",
    "phone",
    "roles",
    "enabled",
    "created_at",
    "updated_at",
    "idempotency_key",
];

/// A user as JSON: the library's own serialization, without the provider's raw answer
/// (the command line never asks for it, so it is always `null`).
fn user_json(user: &User) -> Json {
    ordered(serde_json::to_value(user), USER_FIELDS)
}

fn accepted_json(accepted: &Accepted) -> Json {
    ordered(
        serde_json::to_value(accepted),
        &["provider", "id", "request_id"],
    )
}

/// An object with the fields named in `first` first, in that order, then the others;
/// without `raw`.
fn ordered(value: serde_json::Result<Value>, first: &[&str]) -> Json {
    let Ok(Value::Object(mut fields)) = value else {
        return Json(String::from("null"));
    };
    fields.remove("raw");
    let mut ordered: Vec<(String, Value)> = first
        .iter()
        .filter_map(|name| {
            fields
                .remove(*name)
                .map(|value| ((*name).to_owned(), value))
        })
        .collect();
    ordered.extend(fields);
    Json::object(
        ordered
            .into_iter()
            .map(|(name, value)| (name, Json::value(&value))),
    )
}

/// JSON text whose object keys keep the order they were given in (a `serde_json::Map`
/// sorts them).
struct Json(String);

impl Json {
    fn value(value: &Value) -> Self {
        Json(serde_json::to_string(value).unwrap_or_default())
    }

    fn object(fields: impl IntoIterator<Item = (String, Json)>) -> Self {
        let fields: Vec<String> = fields
            .into_iter()
            .map(|(name, value)| {
                let name = serde_json::to_string(&name).unwrap_or_default();
                format!("{name}:{}", value.0)
            })
            .collect();
        Json(format!("{{{}}}", fields.join(",")))
    }

    /// `{"<name>": <inner>}`.
    fn wrap(name: &str, inner: Json) -> Self {
        Json::object([(name.to_owned(), inner)])
    }
}
