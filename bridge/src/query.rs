//! Filters and sorting over the bridge's store: the User's attribute types, the index
//! every user is flattened into (`scim_user_values`), and a filter [`Plan`] compiled to
//! SQL over that index with bound parameters only.
//!
//! The SDK's [`Plan`] fixes what a filter means; the in-memory evaluator walks it over
//! a rendered user and [`compile`] turns it into one SQL predicate, so both answer the
//! same question (a property test holds them to the same answer on SQLite and
//! PostgreSQL). The index holds, per user, one row per present value: the attribute
//! (`attr`), the lower-cased path (`attr_path`), the element's index in a multi-valued
//! attribute (`element`, so a value path's conditions meet on one element), and the
//! value in the form it compares in ([`AttributeType::comparable`], computed in Rust:
//! SQLite's `lower()` folds ASCII only) as text (`value_key`) or a number (`value_num`).
//!
//! Every value and every attribute path is a bound parameter; the SQL text holds only
//! the compiler's own fragments. Text compares by code point on both databases:
//! SQLite's default BINARY collation is byte order, and PostgreSQL's orderings are
//! written `COLLATE "C"`. `co`/`sw`/`ew` use `instr`/`strpos` and `substr`/`length` (on
//! characters on both), never `LIKE`, whose case rules differ between the two.

use serde_json::{Map, Value};

pub(crate) use user_provisioner::scim::attributes::UserTypes;
use user_provisioner::scim::filter::{
    AttributeType, AttributeTypes, Comparable, CompareOp, Key, Plan, Test, ValueKind,
};
use user_provisioner::scim::schema::BRIDGE_USER;

use super::store::DatabaseKind;

/// The version of the flattening below; a store whose users were indexed by another
/// reindexes them when opened.
pub(crate) const INDEX_VERSION: i64 = 1;

/// One row of `scim_user_values`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IndexRow {
    pub attr: String,
    pub path: String,
    pub element: i64,
    pub key: Option<String>,
    pub num: Option<f64>,
}

/// Every present value of a rendered user (see the module's documentation). The
/// bridge extension is left out: its `backends` change with every sync, and its
/// provider `attributes` are no attribute a filter names.
pub(crate) fn flatten(resource: &Map<String, Value>) -> Vec<IndexRow> {
    let types = UserTypes;
    let mut rows = Vec::new();
    for (name, value) in resource {
        if name
            .get(..4)
            .is_some_and(|head| head.eq_ignore_ascii_case("urn:"))
        {
            if name.eq_ignore_ascii_case(BRIDGE_USER) {
                continue;
            }
            if let Value::Object(extension) = value {
                for (inner, value) in extension {
                    let attr = format!(
                        "{}:{}",
                        name.to_ascii_lowercase(),
                        inner.to_ascii_lowercase()
                    );
                    flatten_attribute(&types, &attr, value, &mut rows);
                }
            }
            continue;
        }
        flatten_attribute(&types, &name.to_ascii_lowercase(), value, &mut rows);
    }
    rows
}

fn flatten_attribute(types: &UserTypes, attr: &str, value: &Value, rows: &mut Vec<IndexRow>) {
    let elements: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for (index, element) in elements.into_iter().enumerate() {
        let element_index = i64::try_from(index).unwrap_or(i64::MAX);
        let mut push = |path: String, value: &Value| {
            let Some(kind) = types.attribute_type(&path) else {
                return;
            };
            let Some(comparable) = kind.comparable(value) else {
                return;
            };
            let (key, num) = match comparable {
                Comparable::Text(text) => (Some(text), None),
                Comparable::Boolean(flag) => (Some(flag.to_string()), None),
                Comparable::Number(number) => (None, Some(number)),
                _ => return,
            };
            rows.push(IndexRow {
                attr: attr.to_owned(),
                path,
                element: element_index,
                key,
                num,
            });
        };
        match element {
            Value::Object(object) => {
                for (sub, value) in object {
                    push(format!("{attr}.{}", sub.to_ascii_lowercase()), value);
                }
            }
            scalar => push(attr.to_owned(), scalar),
        }
    }
}

/// A value bound to a query parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Number(f64),
}

/// SQL under construction: its text and the values of its `$n` parameters.
pub(crate) struct Sql {
    kind: DatabaseKind,
    pub binds: Vec<Bind>,
    aliases: usize,
}

impl Sql {
    /// Parameters numbered after `first_parameter - 1` already bound.
    pub(crate) fn new(kind: DatabaseKind) -> Self {
        Self {
            kind,
            binds: Vec::new(),
            aliases: 0,
        }
    }

    /// A new `$n` holding `bind`.
    fn bind(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        let n = self.binds.len();
        match self.kind {
            // PostgreSQL infers a parameter's type from its use; `length($n)` alone is
            // ambiguous, so text parameters say what they are.
            DatabaseKind::Postgres => match self.binds.last() {
                Some(Bind::Text(_)) => format!("CAST(${n} AS TEXT)"),
                _ => format!("CAST(${n} AS DOUBLE PRECISION)"),
            },
            DatabaseKind::Sqlite => format!("${n}"),
        }
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("v{}", self.aliases)
    }

    fn collate(&self) -> &'static str {
        match self.kind {
            DatabaseKind::Postgres => " COLLATE \"C\"",
            DatabaseKind::Sqlite => "",
        }
    }

    /// The predicate of `plan` over the user `u` (the outer `scim_users` alias).
    pub(crate) fn predicate(&mut self, plan: &Plan) -> String {
        self.compile(plan, None)
    }

    /// `scope`: the alias of the index row whose element a value path looks at.
    fn compile(&mut self, plan: &Plan, scope: Option<&str>) -> String {
        match plan {
            Plan::And(all) if all.is_empty() => "1 = 1".into(),
            Plan::Or(either) if either.is_empty() => "1 = 0".into(),
            Plan::And(all) => self.joined(all, " AND ", scope),
            Plan::Or(either) => self.joined(either, " OR ", scope),
            Plan::Not(inner) => format!("NOT ({})", self.compile(inner, scope)),
            Plan::Constant(true) => "1 = 1".into(),
            Plan::Constant(false) => "1 = 0".into(),
            Plan::Value { key, test } => {
                let row = self.alias();
                let path = self.bind(Bind::Text(key.path()));
                let condition = self.test(&row, test);
                format!(
                    "EXISTS (SELECT 1 FROM scim_user_values {row} WHERE {row}.user_id = u.id \
                     AND {row}.attr_path = {path}{} AND {condition})",
                    same_element(&row, scope)
                )
            }
            Plan::Present(Key { attribute, sub }) => {
                let row = self.alias();
                let (column, value) = match sub {
                    None => ("attr", attribute.clone()),
                    Some(sub) => ("attr_path", format!("{attribute}.{sub}")),
                };
                let value = self.bind(Bind::Text(value));
                format!(
                    "EXISTS (SELECT 1 FROM scim_user_values {row} WHERE {row}.user_id = u.id \
                     AND {row}.{column} = {value}{})",
                    same_element(&row, scope)
                )
            }
            Plan::Element { attribute, filter } => {
                let row = self.alias();
                let attribute = self.bind(Bind::Text(attribute.clone()));
                let inner = self.compile(filter, Some(&row));
                format!(
                    "EXISTS (SELECT 1 FROM scim_user_values {row} WHERE {row}.user_id = u.id \
                     AND {row}.attr = {attribute} AND ({inner}))"
                )
            }
            // A plan a later SDK adds: matching nothing is never wider than asked.
            _ => "1 = 0".into(),
        }
    }

    fn joined(&mut self, plans: &[Plan], joiner: &str, scope: Option<&str>) -> String {
        let parts: Vec<String> = plans
            .iter()
            .map(|plan| format!("({})", self.compile(plan, scope)))
            .collect();
        parts.join(joiner)
    }

    fn test(&mut self, row: &str, test: &Test) -> String {
        match test {
            Test::Text { op, text } => {
                let column = format!("{row}.value_key");
                let value = self.bind(Bind::Text(text.clone()));
                let collate = self.collate();
                match op {
                    CompareOp::Co => match self.kind {
                        DatabaseKind::Sqlite => format!("instr({column}, {value}) > 0"),
                        DatabaseKind::Postgres => format!("strpos({column}, {value}) > 0"),
                    },
                    CompareOp::Sw => {
                        format!("substr({column}, 1, length({value})) = {value}")
                    }
                    CompareOp::Ew => format!(
                        "length({column}) >= length({value}) AND \
                         substr({column}, length({column}) - length({value}) + 1) = {value}"
                    ),
                    CompareOp::Gt => format!("{column}{collate} > {value}{collate}"),
                    CompareOp::Ge => format!("{column}{collate} >= {value}{collate}"),
                    CompareOp::Lt => format!("{column}{collate} < {value}{collate}"),
                    CompareOp::Le => format!("{column}{collate} <= {value}{collate}"),
                    CompareOp::Ne => format!("{column} <> {value}"),
                    _ => format!("{column} = {value}"),
                }
            }
            Test::Number { op, value } => {
                let column = format!("{row}.value_num");
                let value = self.bind(Bind::Number(*value));
                let operator = match op {
                    CompareOp::Gt => ">",
                    CompareOp::Ge => ">=",
                    CompareOp::Lt => "<",
                    CompareOp::Le => "<=",
                    CompareOp::Ne => "<>",
                    _ => "=",
                };
                format!("{column} {operator} {value}")
            }
            Test::Boolean(flag) => {
                let value = self.bind(Bind::Text(flag.to_string()));
                format!("{row}.value_key = {value}")
            }
            _ => "1 = 0".into(),
        }
    }

    /// The value a user sorts by (RFC 7644 §3.4.2.3): of a multi-valued attribute the
    /// primary value, else the first in the list.
    pub(crate) fn sort_value(&mut self, sort: &SortBy) -> String {
        let row = self.alias();
        let column = match sort.kind.kind {
            ValueKind::Decimal | ValueKind::Integer => "value_num",
            _ => "value_key",
        };
        let path = self.bind(Bind::Text(sort.key.path()));
        let primary = self.alias();
        let primary_path = self.bind(Bind::Text(format!("{}.primary", sort.key.attribute)));
        format!(
            "(SELECT {row}.{column} FROM scim_user_values {row} \
             WHERE {row}.user_id = u.id AND {row}.attr_path = {path} \
             ORDER BY CASE WHEN EXISTS (SELECT 1 FROM scim_user_values {primary} \
             WHERE {primary}.user_id = {row}.user_id AND {primary}.attr = {row}.attr \
             AND {primary}.element = {row}.element AND {primary}.attr_path = {primary_path} \
             AND {primary}.value_key = 'true') THEN 0 ELSE 1 END, {row}.element LIMIT 1)"
        )
    }

    /// The ORDER BY of a sorted listing over the derived table `t` whose `sort_value`
    /// column [`Sql::sort_value`] fills: missing values last when ascending and first
    /// when descending (RFC 7644 §3.4.2.3), ties by creation, then id.
    pub(crate) fn order_by(&self, sort: &SortBy) -> String {
        let direction = if sort.descending { "DESC" } else { "ASC" };
        let collate = match sort.kind.kind {
            ValueKind::Decimal | ValueKind::Integer => "",
            _ => self.collate(),
        };
        format!(
            "CASE WHEN t.sort_value IS NULL THEN 1 ELSE 0 END {direction}, \
             t.sort_value{collate} {direction}, t.created_ms, t.id"
        )
    }
}

/// Within a value path, the row must be of the element in scope.
fn same_element(row: &str, scope: Option<&str>) -> String {
    match scope {
        Some(element) => {
            format!(" AND {row}.attr = {element}.attr AND {row}.element = {element}.element")
        }
        None => String::new(),
    }
}

/// A `sortBy` resolved against the types.
#[derive(Debug, Clone)]
pub(crate) struct SortBy {
    pub key: Key,
    pub kind: AttributeType,
    pub descending: bool,
}

#[cfg(test)]
mod tests;
