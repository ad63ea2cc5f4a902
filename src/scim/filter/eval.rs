//! What a filter means over a resource, defined once: [`Expr::plan`] resolves a filter
//! against the attributes' types into a [`Plan`], which [`Plan::matches`] evaluates over
//! one resource in memory and the SCIM bridge compiles to SQL over its index. Both walk
//! the same plan, so the two answers agree by construction of the rules below (and a
//! property test of the bridge holds them to it).
//!
//! The rules are in the module's documentation ([`super`]).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use super::ast::{AttrPath, CompValue, Compare, CompareOp, Expr};
use super::parse::FilterError;
use crate::scim::attributes::{boolean, get_ci};

/// The type of an attribute's values (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueKind {
    /// A string.
    String,
    /// `true` or `false`.
    Boolean,
    /// A number with a fraction.
    Decimal,
    /// A whole number.
    Integer,
    /// An RFC 3339 date and time, as a string.
    DateTime,
    /// A URI, as a string.
    Reference,
    /// Base64 text.
    Binary,
    /// An object of sub-attributes.
    Complex,
}

/// What a filter needs to know of one attribute or sub-attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeType {
    /// The type of its values.
    pub kind: ValueKind,
    /// Whether strings compare as written (`true`) or without case (RFC 7643 §2.2).
    pub case_exact: bool,
    /// Whether it holds an array of values.
    pub multi_valued: bool,
}

impl AttributeType {
    /// A single-valued attribute of this type.
    pub const fn single(kind: ValueKind, case_exact: bool) -> Self {
        Self {
            kind,
            case_exact,
            multi_valued: false,
        }
    }

    /// A multi-valued attribute of this type.
    pub const fn multi(kind: ValueKind, case_exact: bool) -> Self {
        Self {
            kind,
            case_exact,
            multi_valued: true,
        }
    }

    /// The form a stored value compares in; `None` when it is absent (empty, `null`,
    /// of another JSON type, an unreadable dateTime). Strings that are not case-exact
    /// are lower-cased; dateTimes become [`normal_date_time`] text; booleans `true` or
    /// `false` (also as the strings Entra ID sends).
    pub fn comparable(&self, value: &Value) -> Option<Comparable> {
        match (self.kind, value) {
            (ValueKind::String | ValueKind::Reference | ValueKind::Binary, Value::String(text))
                if !text.is_empty() =>
            {
                Some(Comparable::Text(if self.case_exact {
                    text.clone()
                } else {
                    text.to_lowercase()
                }))
            }
            (ValueKind::DateTime, Value::String(text)) => {
                normal_date_time(text).map(Comparable::Text)
            }
            (ValueKind::Boolean, value) => boolean(value).map(Comparable::Boolean),
            (ValueKind::Decimal | ValueKind::Integer, Value::Number(number)) => number
                .as_f64()
                .filter(|n| n.is_finite())
                .map(Comparable::Number),
            _ => None,
        }
    }
}

/// A dateTime as fixed-width UTC text with nanoseconds
/// (`2011-05-13T04:42:34.000000000Z`), whose byte order is chronological; `None` for
/// text that is not RFC 3339.
pub fn normal_date_time(text: &str) -> Option<String> {
    let time = DateTime::parse_from_rfc3339(text.trim()).ok()?;
    Some(
        time.with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Nanos, true),
    )
}

/// The types of the attributes a filter may name, by [`AttrPath::key`] (lower-cased:
/// `emails.value`, `name.familyname`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber`); `None`
/// for an attribute the schema does not have.
pub trait AttributeTypes {
    /// The type of the attribute or sub-attribute of this key.
    fn attribute_type(&self, key: &str) -> Option<AttributeType>;
}

/// A stored value in the form it compares in ([`AttributeType::comparable`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Comparable {
    /// Text: a string (lower-cased unless case-exact) or a normalised dateTime.
    Text(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Boolean(bool),
}

/// Where a [`Plan`] looks: an attribute, and one of its sub-attributes or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The attribute's key ([`AttrPath::attribute_key`]).
    pub attribute: String,
    /// The sub-attribute, lower-cased.
    pub sub: Option<String>,
}

impl Key {
    /// The whole key, as [`AttrPath::key`] writes it.
    pub fn path(&self) -> String {
        match &self.sub {
            None => self.attribute.clone(),
            Some(sub) => format!("{}.{sub}", self.attribute),
        }
    }
}

/// The test a present value must pass; the operator is never `ne` (a plan says
/// `not (eq)`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Test {
    /// Text compared with `op`: `eq`, `co`, `sw`, `ew` or an ordering, by code point.
    Text {
        /// The operator.
        op: CompareOp,
        /// The compared text, in the attribute's comparable form.
        text: String,
    },
    /// A number compared with `op` (`eq` or an ordering).
    Number {
        /// The operator.
        op: CompareOp,
        /// The compared number.
        value: f64,
    },
    /// A boolean that must be equal.
    Boolean(bool),
}

impl Test {
    /// Whether a stored comparable value passes.
    pub fn passes(&self, value: &Comparable) -> bool {
        match (self, value) {
            (Test::Text { op, text }, Comparable::Text(stored)) => match op {
                CompareOp::Eq => stored == text,
                CompareOp::Co => stored.contains(text.as_str()),
                CompareOp::Sw => stored.starts_with(text.as_str()),
                CompareOp::Ew => stored.ends_with(text.as_str()),
                CompareOp::Gt => stored.as_str() > text.as_str(),
                CompareOp::Ge => stored.as_str() >= text.as_str(),
                CompareOp::Lt => stored.as_str() < text.as_str(),
                CompareOp::Le => stored.as_str() <= text.as_str(),
                CompareOp::Ne => stored != text,
            },
            (Test::Number { op, value }, Comparable::Number(stored)) => match op {
                CompareOp::Gt => stored > value,
                CompareOp::Ge => stored >= value,
                CompareOp::Lt => stored < value,
                CompareOp::Le => stored <= value,
                CompareOp::Ne => stored != value,
                _ => stored == value,
            },
            (Test::Boolean(expected), Comparable::Boolean(stored)) => expected == stored,
            _ => false,
        }
    }
}

/// A filter resolved against the attributes' types: what [`Plan::matches`] evaluates
/// and the bridge compiles to SQL.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Plan {
    /// Every one holds (empty: true).
    And(Vec<Plan>),
    /// Any one holds (empty: false).
    Or(Vec<Plan>),
    /// The inner plan does not hold.
    Not(Box<Plan>),
    /// Holds always or never (an unknown attribute, a mismatched value).
    Constant(bool),
    /// Some present value at `key` (a sub-attribute, or a simple attribute with no
    /// sub) passes `test`.
    Value {
        /// Where.
        key: Key,
        /// The test.
        test: Test,
    },
    /// `key` has a present value; without a sub-attribute, a complex attribute has any
    /// present (known) sub-attribute.
    Present(Key),
    /// One value of the complex attribute `attribute` (its key) for which `filter`
    /// holds, the `Value` and `Present` of `filter` looking at that value only.
    Element {
        /// The attribute's key.
        attribute: String,
        /// The plan over one value.
        filter: Box<Plan>,
    },
}

/// Where a comparison on `path` looks, and the type of what it finds there; `None` for
/// an attribute the types do not know. A complex attribute named without a
/// sub-attribute is its `value`.
pub fn resolve_key(path: &AttrPath, types: &dyn AttributeTypes) -> Option<(Key, AttributeType)> {
    let attribute = path.attribute_key();
    let outer = types.attribute_type(&attribute)?;
    let sub = match (&path.sub, outer.kind) {
        (Some(sub), _) => Some(sub.to_ascii_lowercase()),
        (None, ValueKind::Complex) => Some("value".to_owned()),
        (None, _) => None,
    };
    let key = Key { attribute, sub };
    let leaf = match &key.sub {
        None => outer,
        Some(_) => types.attribute_type(&key.path())?,
    };
    (leaf.kind != ValueKind::Complex).then_some((key, leaf))
}

impl Expr {
    /// Resolves the filter against the attributes' types (the rules of this module).
    ///
    /// # Errors
    /// An `invalidFilter` [`FilterError`] for an ordering of booleans, `co`/`sw`/`ew`
    /// on a number or dateTime, a dateTime compared with what is not one, and an
    /// operator other than `eq`/`ne` with `null`.
    pub fn plan(&self, types: &dyn AttributeTypes) -> Result<Plan, FilterError> {
        Ok(match self {
            Expr::And(all) => Plan::And(
                all.iter()
                    .map(|expr| expr.plan(types))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Or(either) => Plan::Or(
                either
                    .iter()
                    .map(|expr| expr.plan(types))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Not(inner) => Plan::Not(Box::new(inner.plan(types)?)),
            Expr::Present(path) => present(path, types),
            Expr::Compare(compare) => compare_plan(compare, types)?,
            Expr::ValuePath { attribute, filter } => {
                let known = types
                    .attribute_type(&attribute.attribute_key())
                    .is_some_and(|kind| kind.kind == ValueKind::Complex);
                let inner = filter.plan(types)?;
                if known {
                    Plan::Element {
                        attribute: attribute.attribute_key(),
                        filter: Box::new(inner),
                    }
                } else {
                    Plan::Constant(false)
                }
            }
        })
    }

    /// Whether the filter holds for `resource` (a rendered resource: core attributes at
    /// the top, extension attributes under their URN; names matched without case).
    ///
    /// # Errors
    /// As [`Expr::plan`].
    pub fn matches(
        &self,
        resource: &Map<String, Value>,
        types: &dyn AttributeTypes,
    ) -> Result<bool, FilterError> {
        Ok(self.plan(types)?.matches(resource, types))
    }
}

fn present(path: &AttrPath, types: &dyn AttributeTypes) -> Plan {
    let attribute = path.attribute_key();
    if types.attribute_type(&attribute).is_none() {
        return Plan::Constant(false);
    }
    let key = Key {
        attribute,
        sub: path.sub.as_ref().map(|sub| sub.to_ascii_lowercase()),
    };
    if key.sub.is_some() && types.attribute_type(&key.path()).is_none() {
        return Plan::Constant(false);
    }
    Plan::Present(key)
}

fn compare_plan(compare: &Compare, types: &dyn AttributeTypes) -> Result<Plan, FilterError> {
    let Compare { path, op, value } = compare;
    if *value == CompValue::Null {
        return match op {
            CompareOp::Eq => Ok(Plan::Not(Box::new(present(path, types)))),
            CompareOp::Ne => Ok(present(path, types)),
            other => Err(FilterError::new(format!(
                "`{path} {other} null`: only eq and ne compare with null"
            ))),
        };
    }
    if *op == CompareOp::Ne {
        let equal = Compare {
            op: CompareOp::Eq,
            ..compare.clone()
        };
        return Ok(Plan::Not(Box::new(compare_plan(&equal, types)?)));
    }
    let Some((key, leaf)) = resolve_key(path, types) else {
        return Ok(Plan::Constant(false));
    };
    let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    let test = match leaf.kind {
        ValueKind::Boolean => {
            if *op != CompareOp::Eq {
                return Err(FilterError::new(format!(
                    "`{path}` is a boolean: it compares only with eq and ne, not {op}"
                )));
            }
            match value {
                CompValue::Bool(flag) => Some(Test::Boolean(*flag)),
                CompValue::Str(text) => boolean(&Value::String(text.clone())).map(Test::Boolean),
                _ => None,
            }
        }
        ValueKind::Decimal | ValueKind::Integer => {
            if substring {
                return Err(FilterError::new(format!(
                    "`{path}` is a number: {op} applies to strings"
                )));
            }
            match value {
                CompValue::Number(number) => Some(Test::Number {
                    op: *op,
                    value: *number,
                }),
                _ => None,
            }
        }
        ValueKind::DateTime => {
            if substring {
                return Err(FilterError::new(format!(
                    "`{path}` is a dateTime: {op} applies to strings"
                )));
            }
            let normal = match value {
                CompValue::Str(text) => normal_date_time(text),
                _ => None,
            };
            let Some(text) = normal else {
                return Err(FilterError::new(format!(
                    "`{path}` is a dateTime: compare it with an RFC 3339 date and time \
                     such as \"2011-05-13T04:42:34Z\""
                )));
            };
            Some(Test::Text { op: *op, text })
        }
        ValueKind::String | ValueKind::Reference | ValueKind::Binary => match value {
            CompValue::Str(text) => Some(Test::Text {
                op: *op,
                text: if leaf.case_exact {
                    text.clone()
                } else {
                    text.to_lowercase()
                },
            }),
            _ => None,
        },
        ValueKind::Complex => None,
    };
    Ok(match test {
        Some(test) => Plan::Value { key, test },
        None => Plan::Constant(false),
    })
}

/// The values of an attribute: an array's items, or the one value.
fn elements(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// The attribute of this key in a resource: a core one at the top, an extension's under
/// its URN (the key's part before the last colon).
fn attribute_value<'a>(resource: &'a Map<String, Value>, attribute: &str) -> Option<&'a Value> {
    if attribute.starts_with("urn:") {
        let (urn, name) = attribute.rsplit_once(':')?;
        get_ci(resource, urn)?
            .as_object()
            .and_then(|extension| get_ci(extension, name))
    } else {
        get_ci(resource, attribute)
    }
}

/// Whether one value of an attribute (an element) has anything present: a scalar of
/// the attribute's type, or an object with a present known sub-attribute.
fn element_present(attribute: &str, element: &Value, types: &dyn AttributeTypes) -> bool {
    match element {
        Value::Object(object) => object.iter().any(|(name, value)| {
            types
                .attribute_type(&format!("{attribute}.{}", name.to_ascii_lowercase()))
                .and_then(|kind| kind.comparable(value))
                .is_some()
        }),
        scalar => types
            .attribute_type(attribute)
            .and_then(|kind| kind.comparable(scalar))
            .is_some(),
    }
}

impl Plan {
    /// Whether the plan holds for `resource` (see [`Expr::matches`]).
    pub fn matches(&self, resource: &Map<String, Value>, types: &dyn AttributeTypes) -> bool {
        self.holds(resource, None, types)
    }

    /// `scope`: the one value of a value path the plan looks at.
    fn holds(
        &self,
        resource: &Map<String, Value>,
        scope: Option<&Value>,
        types: &dyn AttributeTypes,
    ) -> bool {
        match self {
            Plan::And(all) => all.iter().all(|plan| plan.holds(resource, scope, types)),
            Plan::Or(either) => either.iter().any(|plan| plan.holds(resource, scope, types)),
            Plan::Not(inner) => !inner.holds(resource, scope, types),
            Plan::Constant(value) => *value,
            Plan::Value { key, test } => {
                let Some(leaf) = types.attribute_type(&key.path()) else {
                    return false;
                };
                values_at(resource, scope, key)
                    .into_iter()
                    .filter_map(|value| leaf.comparable(value))
                    .any(|value| test.passes(&value))
            }
            Plan::Present(key) => match &key.sub {
                Some(_) => {
                    let Some(leaf) = types.attribute_type(&key.path()) else {
                        return false;
                    };
                    values_at(resource, scope, key)
                        .into_iter()
                        .any(|value| leaf.comparable(value).is_some())
                }
                None => scoped_elements(resource, scope, &key.attribute)
                    .into_iter()
                    .any(|element| element_present(&key.attribute, element, types)),
            },
            Plan::Element { attribute, filter } => {
                let Some(value) = attribute_value(resource, attribute) else {
                    return false;
                };
                elements(value).into_iter().any(|element| {
                    element.is_object()
                        && element_present(attribute, element, types)
                        && filter.holds(resource, Some(element), types)
                })
            }
        }
    }
}

/// The elements of `attribute`: within a value path, the one value in scope.
fn scoped_elements<'a>(
    resource: &'a Map<String, Value>,
    scope: Option<&'a Value>,
    attribute: &str,
) -> Vec<&'a Value> {
    match scope {
        Some(element) => vec![element],
        None => attribute_value(resource, attribute)
            .map(elements)
            .unwrap_or_default(),
    }
}

/// Every value at `key`: each element's sub-attribute, or each element.
fn values_at<'a>(
    resource: &'a Map<String, Value>,
    scope: Option<&'a Value>,
    key: &Key,
) -> Vec<&'a Value> {
    let found = scoped_elements(resource, scope, &key.attribute);
    match &key.sub {
        None => found,
        Some(sub) => found
            .into_iter()
            .filter_map(|element| element.as_object().and_then(|object| get_ci(object, sub)))
            .collect(),
    }
}
