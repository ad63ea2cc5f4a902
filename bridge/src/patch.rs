//! `PATCH /Users/{id}` (RFC 7644 §3.5.2): a PatchOp message applied to a User document.
//!
//! The message is read in the forms Okta and Entra ID send, which stray from the RFC in
//! known ways; each leniency below says which client needs it:
//! - `op` in any case: Entra sends `Add`, `Replace`, `Remove`.
//! - booleans as strings: Entra sends `"value": "False"` for `active` unless the tenant
//!   URL carries its `aadOptscim062020` flag; `"true"`/`"false"` in any case are taken
//!   for `active` and `primary`.
//! - `manager` as a bare string as well as `{"value": …}`: Entra sends both.
//! - no `path`: the `value` object's keys may be attribute names (Okta's
//!   `{"op":"replace","value":{"active":false}}`), full paths (`name.givenName`,
//!   `urn:…:enterprise:2.0:User:employeeNumber`, Entra with the flag) or schema URNs
//!   whose objects merge into the extension.
//! - `add` or `replace` through a filter that matches nothing, such as
//!   `emails[type eq "work"].value` on a user without a work email, creates the element the
//!   filter describes (`{"type": "work", "value": …}`). RFC 7644 §3.5.2.3 would answer
//!   `noTarget` for `replace`; Entra sends exactly this, with `Add` or `Replace`, to set a
//!   person's first work email, so the bridge reads the filter as where the value goes.
//! - attributes the bridge does not know are ignored, not refused (it knows every
//!   attribute of RFC 7643 §4.1 and §4.3, so these are other schemas' and misspellings):
//!   refusing them would fail every update of every person. Only a malformed path is an
//!   error. `groups`, read-only, is ignored too.
//!
//! A `null` value clears the target, whatever the op (RFC 7643 §2.5: null is unassigned).
//! The result is a document for the caller to validate as it validates a PUT (a
//! `userName`, values a backend accepts); this module only applies patch semantics.

use serde_json::{Map, Value};

use super::error::ScimError;
use super::query::UserTypes;
use user_provisioner::scim::attributes::{
    self, boolean, clip, get_ci, is_attribute_name, Attribute, Kind, Mutability, Resolved, Scalar,
    Schema, Sub, SubPath,
};
use user_provisioner::scim::filter::{
    self as scim_filter, AttrPath, CompValue, Compare, CompareOp, Expr, Plan,
};
use user_provisioner::scim::model::PatchOpKind;
use user_provisioner::scim::schema::{PATCH_OP, USER};

/// The most operations one PATCH may carry. More is refused with `invalidValue`: RFC 7644
/// defines `tooMany` for queries only (§3.12, table 9), and no identity provider sends
/// more than a few dozen for one person.
pub(crate) const MAX_OPERATIONS: usize = 1000;
/// The most elements a multi-valued attribute (`emails`, `addresses`) may hold after a PATCH, so that merging
/// values stays cheap (`invalidValue` beyond).
pub(crate) const MAX_VALUES: usize = 100;
/// The longest `path` read, in bytes.
const MAX_PATH_BYTES: usize = 4096;

/// Applies a PatchOp message to `document`, a User in canonical attribute case.
///
/// All or nothing (RFC 7644 §3.5.2): on an error `document` is unchanged. Errors:
/// `invalidSyntax` for a message that is not a PatchOp (no PatchOp URN in `schemas`, no
/// or an empty `Operations`, an unknown `op`); `invalidValue` for more than
/// [`MAX_OPERATIONS`] operations or a value of the wrong type; `invalidPath` for a
/// malformed path; `invalidFilter` for a malformed value filter; `mutability` for a
/// change to `id`, `meta` or the bridge's `backends`; `noTarget` for a `remove` without a
/// path or through a filter that matches nothing. Each detail starts with the index of
/// the operation it is about.
///
/// Afterwards `schemas` lists the core schema and each extension the document holds, and
/// emptied complex attributes and extensions are gone.
pub(crate) fn apply_patch(
    document: &mut Map<String, Value>,
    request: &Value,
) -> Result<(), ScimError> {
    let operations = operations(request)?;
    let mut patched = document.clone();
    for (index, operation) in operations.iter().enumerate() {
        apply_operation(&mut patched, operation).map_err(|error| {
            ScimError::new(
                error.status(),
                error.scim_type(),
                format!("Operations[{index}]: {}", error.detail()),
            )
        })?;
    }
    tidy(&mut patched);
    *document = patched;
    Ok(())
}

/// The shared PATCH op keyword, read in any case.
type Op = PatchOpKind;

fn operations(request: &Value) -> Result<&Vec<Value>, ScimError> {
    let Some(message) = request.as_object() else {
        return Err(ScimError::invalid_syntax(
            "the PATCH body must be a JSON object, a PatchOp message",
        ));
    };
    let declared = get_ci(message, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| {
            schemas.iter().any(|urn| {
                urn.as_str()
                    .is_some_and(|urn| urn.eq_ignore_ascii_case(PATCH_OP))
            })
        });
    if !declared {
        return Err(ScimError::invalid_syntax(format!(
            "`schemas` must contain \"{PATCH_OP}\""
        )));
    }
    let Some(operations) = get_ci(message, "Operations").and_then(Value::as_array) else {
        return Err(ScimError::invalid_syntax(
            "`Operations` must be an array of operations",
        ));
    };
    if operations.is_empty() {
        return Err(ScimError::invalid_syntax(
            "`Operations` must hold at least one operation",
        ));
    }
    if operations.len() > MAX_OPERATIONS {
        return Err(ScimError::invalid_value(format!(
            "a PATCH may carry at most {MAX_OPERATIONS} operations; this one has {}",
            operations.len()
        )));
    }
    Ok(operations)
}

fn apply_operation(document: &mut Map<String, Value>, operation: &Value) -> Result<(), ScimError> {
    let Some(operation) = operation.as_object() else {
        return Err(ScimError::invalid_syntax(
            "an operation must be an object with `op`",
        ));
    };
    let keyword = get_ci(operation, "op").and_then(Value::as_str);
    let op = match keyword.map(|keyword| (keyword, PatchOpKind::parse(keyword))) {
        Some((_, Some(op))) => op,
        Some((other, None)) => {
            return Err(ScimError::invalid_syntax(format!(
                "`op` must be add, replace or remove, not `{}`",
                clip(other)
            )))
        }
        None => {
            return Err(ScimError::invalid_syntax(
                "an operation needs `op`: add, replace or remove",
            ))
        }
    };
    // An empty path is read as none: some clients send `"path": ""` for the resource.
    let path = match get_ci(operation, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(path)) if path.trim().is_empty() => None,
        Some(Value::String(path)) => Some(path.as_str()),
        Some(_) => return Err(ScimError::invalid_path("`path` must be a string")),
    };
    let value = get_ci(operation, "value");
    match path {
        Some(path) => {
            let target = parse_target(path)?;
            if op != Op::Remove && value.is_none() {
                return Err(ScimError::invalid_value(format!(
                    "`{}` needs a `value`",
                    op_name(op)
                )));
            }
            apply(document, op, &target, value)
        }
        None if op == Op::Remove => Err(ScimError::no_target(
            "`remove` needs a `path` (RFC 7644 §3.5.2.2)",
        )),
        None => {
            let Some(Value::Object(values)) = value else {
                return Err(ScimError::invalid_value(
                    "without a `path`, `value` must be an object of attribute names or paths \
                     and their values",
                ));
            };
            for (key, value) in values {
                let target = parse_target(key)?;
                apply(document, op, &target, Some(value))?;
            }
            Ok(())
        }
    }
}

fn op_name(op: Op) -> &'static str {
    op.as_str()
}

/// Where an operation applies.
#[derive(Debug)]
enum Target {
    /// Nothing the bridge stores.
    Ignored,
    /// A schema URN alone: its attributes, the value being an object of them.
    Schema(Schema),
    Attribute {
        attribute: &'static Attribute,
        filter: Option<ValueFilter>,
        sub: Option<SubPath>,
    },
}

/// The filter inside `attr[…]`: the whole filter grammar of RFC 7644 §3.4.2.2 (the
/// SDK's reader), evaluated over one element with the filter rules of every list.
#[derive(Debug)]
struct ValueFilter {
    /// The attribute the filter is on.
    attribute: &'static Attribute,
    /// `attribute[…]` as read, and resolved against the User's types (boxed: a path
    /// target without a filter stays small).
    read: Box<(Expr, Plan)>,
}

/// Reads `attr`, `attr.sub`, `urn:…:attr.sub`, a schema URN, or `attr[filter]` and
/// `attr[filter].sub`.
fn parse_target(path: &str) -> Result<Target, ScimError> {
    if path.len() > MAX_PATH_BYTES {
        return Err(ScimError::invalid_path(format!(
            "the path is longer than {MAX_PATH_BYTES} bytes"
        )));
    }
    let path = path.trim();
    let Some(open) = path.find('[') else {
        return match attributes::resolve(path) {
            Ok(Resolved::Attribute { attribute, sub }) => Ok(Target::Attribute {
                attribute,
                filter: None,
                sub,
            }),
            Ok(Resolved::Schema(schema)) => Ok(Target::Schema(schema)),
            Ok(Resolved::Unknown) => Ok(Target::Ignored),
            Err(detail) => Err(ScimError::invalid_path(format!(
                "`{}`: {detail}",
                clip(path)
            ))),
        };
    };
    let close = closing_bracket(path, open)?;
    let (head, inner, tail) = (&path[..open], &path[open + 1..close], &path[close + 1..]);
    let sub_name = match tail.strip_prefix('.') {
        None if tail.is_empty() => None,
        Some(sub) if is_attribute_name(sub) => Some(sub),
        _ => {
            return Err(ScimError::invalid_path(format!(
                "`{}`: after `]` only `.` and a sub-attribute may follow",
                clip(path)
            )))
        }
    };
    let resolved = attributes::resolve(head)
        .map_err(|detail| ScimError::invalid_path(format!("`{}`: {detail}", clip(path))))?;
    let attribute = match resolved {
        Resolved::Unknown => {
            // Checked all the same, so a malformed path is an error whatever it names.
            parse_value_filter(inner, None)?;
            return Ok(Target::Ignored);
        }
        Resolved::Attribute {
            attribute,
            sub: None,
        } => attribute,
        Resolved::Attribute { .. } | Resolved::Schema(_) => {
            return Err(ScimError::invalid_path(format!(
                "`{}`: a value filter follows a multi-valued attribute, as in \
                 emails[type eq \"work\"].value",
                clip(path)
            )))
        }
    };
    if attribute.mutability == Mutability::ReadOnly {
        return Err(read_only(attribute));
    }
    if !matches!(attribute.kind, Kind::MultiComplex(_)) {
        return Err(ScimError::invalid_path(format!(
            "`{}`: a value filter applies to a multi-valued attribute (emails, \
             phoneNumbers), not to {}",
            clip(path),
            attribute.label()
        )));
    }
    let filter = parse_value_filter(inner, Some(attribute))?;
    let sub = match sub_name {
        None => None,
        Some(name) => match attribute.sub(name) {
            Some(sub) => Some(SubPath::Known(sub)),
            None => return Ok(Target::Ignored),
        },
    };
    Ok(Target::Attribute {
        attribute,
        filter,
        sub,
    })
}

/// The index of the `]` that closes the `[` at `open`, skipping quoted strings.
fn closing_bracket(path: &str, open: usize) -> Result<usize, ScimError> {
    let bytes = path.as_bytes();
    let mut index = open + 1;
    let mut quoted = false;
    while let Some(&byte) = bytes.get(index) {
        match (quoted, byte) {
            (true, b'\\') => index += 1,
            (_, b'"') => quoted = !quoted,
            (false, b'[') => {
                return Err(ScimError::invalid_filter(format!(
                    "`{}`: value filters do not nest",
                    clip(path)
                )))
            }
            (false, b']') => return Ok(index),
            _ => {}
        }
        index += 1;
    }
    Err(ScimError::invalid_path(format!(
        "`{}`: a `[` is not closed",
        clip(path)
    )))
}

/// Reads the inside of `attr[…]` with the SDK's filter reader; its paths are
/// sub-attributes of `attribute`. `None`: an attribute the bridge does not store, whose
/// filter is only checked.
fn parse_value_filter(
    text: &str,
    attribute: Option<&'static Attribute>,
) -> Result<Option<ValueFilter>, ScimError> {
    let path = match attribute {
        Some(attribute) => AttrPath {
            urn: attribute.schema.extension_key().map(str::to_owned),
            name: attribute.name.to_owned(),
            sub: None,
        },
        None => AttrPath::core("unknown", None),
    };
    let expr = scim_filter::parse_value_filter(text, &path)?;
    let plan = expr.plan(&UserTypes)?;
    Ok(attribute.map(|attribute| ValueFilter {
        attribute,
        read: Box::new((expr, plan)),
    }))
}

impl ValueFilter {
    fn matches(&self, element: &Map<String, Value>) -> bool {
        // The element alone, where a resource holds its attribute.
        let mut resource = Map::new();
        let value = Value::Array(vec![Value::Object(element.clone())]);
        match self.attribute.schema.extension_key() {
            None => {
                resource.insert(self.attribute.name.to_owned(), value);
            }
            Some(urn) => {
                let mut extension = Map::new();
                extension.insert(self.attribute.name.to_owned(), value);
                resource.insert(urn.to_owned(), Value::Object(extension));
            }
        }
        self.read.1.matches(&resource, &UserTypes)
    }

    /// The element the filter describes, for an `add` or `replace` that matched nothing:
    /// a filter of `eq` comparisons joined by `and` on sub-attributes the bridge stores,
    /// each with a value of the sub-attribute's type. `None` for any other filter.
    fn seed(&self) -> Option<Map<String, Value>> {
        let Expr::ValuePath { filter, .. } = &self.read.0 else {
            return None;
        };
        let mut element = Map::new();
        self.seed_into(filter, &mut element)?;
        Some(element)
    }

    fn seed_into(&self, expr: &Expr, element: &mut Map<String, Value>) -> Option<()> {
        match expr {
            Expr::And(all) => {
                for part in all {
                    self.seed_into(part, element)?;
                }
                Some(())
            }
            Expr::Compare(Compare {
                path,
                op: CompareOp::Eq,
                value,
            }) => {
                let sub = self.attribute.sub(path.sub.as_deref()?)?;
                let value = match (value, sub.scalar) {
                    // References and base64 are strings too (`photos[value eq "https://…"]`).
                    (CompValue::Str(text), scalar) if scalar.is_text() => {
                        Value::String(text.clone())
                    }
                    (CompValue::Bool(flag), Scalar::Boolean) => Value::Bool(*flag),
                    _ => return None,
                };
                element.insert(sub.name.to_owned(), value);
                Some(())
            }
            _ => None,
        }
    }
}

fn read_only(attribute: &Attribute) -> ScimError {
    ScimError::mutability(format!("{} is read-only", attribute.label()))
}

fn apply(
    document: &mut Map<String, Value>,
    op: Op,
    target: &Target,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    match target {
        Target::Ignored => Ok(()),
        Target::Schema(schema) => apply_schema(document, op, *schema, value),
        Target::Attribute {
            attribute,
            filter,
            sub,
        } => apply_attribute(
            document,
            op,
            attribute,
            filter.as_ref(),
            sub.as_ref(),
            value,
        ),
    }
}

/// A schema URN as the path, or as a key of a path-less `value`: the object's keys are
/// attributes of that schema (`{"urn:…:enterprise:2.0:User": {"department": "D"}}`), each
/// applied as its own operation, so the object merges into the extension.
fn apply_schema(
    document: &mut Map<String, Value>,
    op: Op,
    schema: Schema,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    match (op, value) {
        (Op::Remove, _) | (_, Some(Value::Null)) => {
            in_container(document, schema, |holder| {
                for attribute in attributes::of_schema(schema) {
                    if attribute.mutability != Mutability::ReadOnly {
                        holder.remove(attribute.name);
                    }
                }
            });
            Ok(())
        }
        (_, Some(Value::Object(values))) => {
            for (key, value) in values {
                let target = match attributes::resolve_in(schema, key) {
                    Ok(Resolved::Attribute { attribute, sub }) => Target::Attribute {
                        attribute,
                        filter: None,
                        sub,
                    },
                    Ok(Resolved::Schema(_) | Resolved::Unknown) => Target::Ignored,
                    Err(detail) => {
                        return Err(ScimError::invalid_path(format!(
                            "`{}` in {}: {detail}",
                            clip(key),
                            schema.urn()
                        )))
                    }
                };
                apply(document, op, &target, Some(value))?;
            }
            Ok(())
        }
        _ => Err(ScimError::invalid_value(format!(
            "the value of {} must be an object of its attributes",
            schema.urn()
        ))),
    }
}

/// Runs `change` on the object that holds a schema's attributes: the document for the
/// core schema, the extension's object (created if absent) otherwise.
fn in_container<R>(
    document: &mut Map<String, Value>,
    schema: Schema,
    change: impl FnOnce(&mut Map<String, Value>) -> R,
) -> R {
    match schema.extension_key() {
        None => change(document),
        Some(key) => with_object(document, key, change),
    }
}

/// Runs `change` on the object under `key` in `holder`, created if absent or not an
/// object. (Taken out and put back rather than borrowed in place, which needs no
/// "cannot happen" branch.)
fn with_object<R>(
    holder: &mut Map<String, Value>,
    key: &str,
    change: impl FnOnce(&mut Map<String, Value>) -> R,
) -> R {
    let mut object = match holder.remove(key) {
        Some(Value::Object(object)) => object,
        _ => Map::new(),
    };
    let result = change(&mut object);
    holder.insert(key.to_owned(), Value::Object(object));
    result
}

fn apply_attribute(
    document: &mut Map<String, Value>,
    op: Op,
    attribute: &'static Attribute,
    filter: Option<&ValueFilter>,
    sub: Option<&SubPath>,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    if attribute.kind == Kind::Schemas {
        // The bridge derives `schemas` from the extensions present (see `tidy`).
        return Ok(());
    }
    if attribute.mutability == Mutability::ReadOnly
        && matches!(attribute.kind, Kind::MultiComplex(_))
    {
        // `groups` is the groups' to change (RFC 7643 §4.1.2); a client that sends a
        // user's groups back with other changes is not refused for it, as before the
        // bridge knew the attribute.
        return Ok(());
    }
    if attribute.mutability == Mutability::ReadOnly {
        // Okta's PATCH of a Group sends its `id` back in the value object; a value equal
        // to the current one changes nothing and is accepted.
        let current = existing(document, attribute).and_then(|current| match sub {
            None => Some(current),
            Some(sub) => current.get(sub.name()),
        });
        if op != Op::Remove && value.is_some() && current == value {
            return Ok(());
        }
        return Err(read_only(attribute));
    }
    in_container(document, attribute.schema, |holder| match attribute.kind {
        Kind::Scalar(scalar) => {
            match op {
                Op::Remove => {
                    holder.remove(attribute.name);
                }
                Op::Add | Op::Replace => match coerce(scalar, value, &attribute.label())? {
                    Some(value) => {
                        holder.insert(attribute.name.to_owned(), value);
                    }
                    None => {
                        holder.remove(attribute.name);
                    }
                },
            }
            Ok(())
        }
        Kind::Complex { shorthand, .. } => complex(holder, op, attribute, shorthand, sub, value),
        Kind::MultiComplex(_) => multi_valued(holder, op, attribute, filter, sub, value),
        Kind::FreeMap => free_map(holder, op, attribute, sub, value),
        Kind::Opaque | Kind::Schemas => Ok(()),
    })
}

fn existing<'a>(document: &'a Map<String, Value>, attribute: &Attribute) -> Option<&'a Value> {
    match attribute.schema.extension_key() {
        None => document.get(attribute.name),
        Some(key) => document.get(key)?.get(attribute.name),
    }
}

/// A value of a scalar type; `None` for `null`, which clears.
fn coerce(scalar: Scalar, value: Option<&Value>, label: &str) -> Result<Option<Value>, ScimError> {
    match (scalar, value) {
        (_, None | Some(Value::Null)) => Ok(None),
        (Scalar::String | Scalar::Reference | Scalar::Binary, Some(Value::String(text))) => {
            Ok(Some(Value::String(text.clone())))
        }
        (Scalar::String | Scalar::Reference | Scalar::Binary, Some(_)) => Err(
            ScimError::invalid_value(format!("{label} must be a string")),
        ),
        // Entra ID also sends `{"op":"Replace","path":"active","value":"False"}`.
        (Scalar::Boolean, Some(value)) => match boolean(value) {
            Some(flag) => Ok(Some(Value::Bool(flag))),
            None => Err(ScimError::invalid_value(format!(
                "{label} must be true or false"
            ))),
        },
    }
}

/// Sets (or, for `null`, clears) the known sub-attributes an object names; others are
/// ignored.
fn merge_subs(
    target: &mut Map<String, Value>,
    attribute: &Attribute,
    values: &Map<String, Value>,
) -> Result<(), ScimError> {
    for (key, value) in values {
        let Some(sub) = attribute.sub(key) else {
            continue;
        };
        match coerce(
            sub.scalar,
            Some(value),
            &format!("{}.{}", attribute.label(), sub.name),
        )? {
            Some(value) => {
                target.insert(sub.name.to_owned(), value);
            }
            None => {
                target.remove(sub.name);
            }
        }
    }
    Ok(())
}

/// A single complex attribute: `name` and `manager`. Adding or replacing the attribute merges the given
/// sub-attributes into it (RFC 7644 §3.5.2.1 and §3.5.2.3 both leave unnamed
/// sub-attributes unchanged); a bare string for `manager` replaces it with
/// `{"value": …}`.
fn complex(
    holder: &mut Map<String, Value>,
    op: Op,
    attribute: &Attribute,
    shorthand: Option<&'static str>,
    sub: Option<&SubPath>,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    match sub {
        Some(SubPath::Known(sub)) => {
            let label = format!("{}.{}", attribute.label(), sub.name);
            let value = match op {
                Op::Remove => None,
                Op::Add | Op::Replace => coerce(sub.scalar, value, &label)?,
            };
            with_object(holder, attribute.name, |object| set_sub(object, sub, value));
        }
        Some(SubPath::Free(_)) => {}
        None => match (op, value) {
            (Op::Remove, _) | (_, Some(Value::Null)) => {
                holder.remove(attribute.name);
            }
            (_, Some(Value::Object(values))) => {
                with_object(holder, attribute.name, |object| {
                    merge_subs(object, attribute, values)
                })?;
            }
            (_, Some(Value::String(text))) if shorthand.is_some() => {
                let mut object = Map::new();
                if let Some(shorthand) = shorthand {
                    object.insert(shorthand.to_owned(), Value::String(text.clone()));
                }
                holder.insert(attribute.name.to_owned(), Value::Object(object));
            }
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "{} must be an object of its sub-attributes{}",
                    attribute.label(),
                    if shorthand.is_some() {
                        " or a string"
                    } else {
                        ""
                    }
                )))
            }
        },
    }
    Ok(())
}

/// The bridge's provider `attributes`: free keys with string values. A key matches an
/// existing one in any case and keeps the existing spelling.
fn free_map(
    holder: &mut Map<String, Value>,
    op: Op,
    attribute: &Attribute,
    sub: Option<&SubPath>,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    fn set(object: &mut Map<String, Value>, key: &str, value: Option<Value>) {
        let key = object
            .keys()
            .find(|existing| existing.eq_ignore_ascii_case(key))
            .cloned()
            .unwrap_or_else(|| key.to_owned());
        match value {
            Some(value) => {
                object.insert(key, value);
            }
            None => {
                object.remove(&key);
            }
        }
    }
    match (op, sub, value) {
        (Op::Remove, None, _) | (_, None, Some(Value::Null)) => {
            holder.remove(attribute.name);
        }
        (_, Some(sub), _) => {
            let key = sub.name();
            let value = match op {
                Op::Remove => None,
                Op::Add | Op::Replace => coerce(
                    Scalar::String,
                    value,
                    &format!("{}.{key}", attribute.label()),
                )?,
            };
            with_object(holder, attribute.name, |object| set(object, key, value));
        }
        (_, None, Some(Value::Object(values))) => {
            let mut checked = Vec::with_capacity(values.len());
            for (key, value) in values {
                let label = format!("{}.{key}", attribute.label());
                checked.push((key, coerce(Scalar::String, Some(value), &label)?));
            }
            with_object(holder, attribute.name, |object| {
                for (key, value) in checked {
                    set(object, key, value);
                }
            });
        }
        _ => {
            return Err(ScimError::invalid_value(format!(
                "{} must be an object of names and string values",
                attribute.label()
            )))
        }
    }
    Ok(())
}

/// One element of a multi-valued attribute (`emails`, `addresses`) from a request: known sub-attributes in
/// canonical case and type, others dropped.
fn element(attribute: &Attribute, value: &Value) -> Result<Map<String, Value>, ScimError> {
    let Value::Object(values) = value else {
        return Err(ScimError::invalid_value(format!(
            "each of {} must be an object such as {{\"value\": …, \"type\": …}}",
            attribute.label()
        )));
    };
    let mut element = Map::new();
    merge_subs(&mut element, attribute, values)?;
    Ok(element)
}

/// The elements of a request value: an array of objects, or (leniently) one object.
fn elements(attribute: &Attribute, value: &Value) -> Result<Vec<Map<String, Value>>, ScimError> {
    let elements = match value {
        Value::Array(items) => {
            if items.len() > MAX_VALUES {
                return Err(too_many_values(attribute));
            }
            items
                .iter()
                .map(|item| element(attribute, item))
                .collect::<Result<Vec<_>, _>>()?
        }
        other => vec![element(attribute, other)?],
    };
    if elements
        .iter()
        .filter(|element| is_primary(element))
        .count()
        > 1
    {
        return Err(ScimError::invalid_value(format!(
            "at most one of {} may be primary (RFC 7643 §2.4)",
            attribute.label()
        )));
    }
    Ok(elements)
}

fn too_many_values(attribute: &Attribute) -> ScimError {
    ScimError::invalid_value(format!(
        "{} may hold at most {MAX_VALUES} values",
        attribute.label()
    ))
}

fn is_primary(element: &Map<String, Value>) -> bool {
    element.get("primary") == Some(&Value::Bool(true))
}

/// Whether two elements are the same value: the same `value` (without case), or for
/// elements without one (`addresses`) the same sub-attributes altogether.
fn same_value(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(Value::String(a)), Some(Value::String(b))) => a.to_lowercase() == b.to_lowercase(),
        (None, None) => a == b,
        _ => false,
    }
}

/// A multi-valued complex attribute: `emails`, `phoneNumbers`, `addresses`, `roles`, ….
fn multi_valued(
    holder: &mut Map<String, Value>,
    op: Op,
    attribute: &Attribute,
    filter: Option<&ValueFilter>,
    sub: Option<&SubPath>,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let sub = match sub {
        None => None,
        Some(SubPath::Known(sub)) => Some(*sub),
        Some(SubPath::Free(_)) => return Ok(()),
    };
    let mut list: Vec<Map<String, Value>> = match holder.get(attribute.name) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_object().cloned())
            .collect(),
        _ => Vec::new(),
    };
    // The element this operation made primary, which keeps primary over the others.
    let mut made_primary = None;
    let label = |sub: &Sub| format!("{}.{}", attribute.label(), sub.name);
    match (filter, sub) {
        (None, None) => match (op, value) {
            (Op::Remove, Some(Value::Array(values))) => {
                // Entra without its `aadOptscim062020` flag removes a group member by
                // naming it in `value`; read the same way for emails and phone numbers.
                let unwanted = values
                    .iter()
                    .map(|value| element(attribute, value))
                    .collect::<Result<Vec<_>, _>>()?;
                list.retain(|element| !unwanted.iter().any(|gone| same_value(element, gone)));
            }
            (Op::Remove, _) | (_, Some(Value::Null)) => list.clear(),
            (Op::Replace, Some(value)) => list = elements(attribute, value)?,
            (Op::Add, Some(value)) => {
                for new in elements(attribute, value)? {
                    let primary = is_primary(&new);
                    let index = match list.iter().position(|old| same_value(old, &new)) {
                        Some(index) => {
                            list[index].extend(new);
                            index
                        }
                        None => {
                            list.push(new);
                            list.len() - 1
                        }
                    };
                    if primary {
                        made_primary = Some(index);
                    }
                }
            }
            (_, None) => {}
        },
        (None, Some(sub)) => {
            // `emails.value` without a filter: every element.
            let new = match op {
                Op::Remove => None,
                Op::Add | Op::Replace => coerce(sub.scalar, value, &label(sub))?,
            };
            if list.is_empty() {
                if let Some(new) = new {
                    let mut element = Map::new();
                    element.insert(sub.name.to_owned(), new);
                    list.push(element);
                }
            } else {
                for element in &mut list {
                    set_sub(element, sub, new.clone());
                }
            }
        }
        (Some(filter), sub) => {
            let matched: Vec<usize> = (0..list.len())
                .filter(|&index| filter.matches(&list[index]))
                .collect();
            if op == Op::Remove {
                if matched.is_empty() {
                    return Err(ScimError::no_target(format!(
                        "no element of {} matches the filter",
                        attribute.label()
                    )));
                }
                match sub {
                    None => {
                        let mut index = 0;
                        list.retain(|_| {
                            index += 1;
                            !matched.contains(&(index - 1))
                        });
                    }
                    Some(sub) => {
                        for &index in &matched {
                            list[index].remove(sub.name);
                        }
                    }
                }
            } else {
                // What the operation writes into each matched element (or a new one).
                let written = match sub {
                    None => match value {
                        Some(Value::Null) | None => None,
                        Some(value) => Some(element(attribute, value)?),
                    },
                    Some(sub) => coerce(sub.scalar, value, &label(sub))?.map(|value| {
                        let mut element = Map::new();
                        element.insert(sub.name.to_owned(), value);
                        element
                    }),
                };
                if matched.is_empty() {
                    let Some(written) = written else {
                        // Clearing what is not there.
                        return Ok(());
                    };
                    let Some(mut new) = filter.seed() else {
                        return Err(ScimError::no_target(format!(
                            "no element of {} matches the filter, and the filter does not \
                             describe a new one",
                            attribute.label()
                        )));
                    };
                    new.extend(written);
                    if is_primary(&new) {
                        made_primary = Some(list.len());
                    }
                    list.push(new);
                } else {
                    for &index in &matched {
                        match (sub, &written) {
                            (None, None) => {
                                list[index].clear();
                            }
                            (None, Some(written)) if op == Op::Replace => {
                                list[index] = written.clone();
                            }
                            (None, Some(written)) => list[index].extend(written.clone()),
                            (Some(sub), written) => set_sub(
                                &mut list[index],
                                sub,
                                written.as_ref().and_then(|w| w.get(sub.name).cloned()),
                            ),
                        }
                        if is_primary(&list[index]) && written.as_ref().is_some_and(is_primary) {
                            made_primary = Some(index);
                        }
                    }
                }
            }
        }
    }
    list.retain(|element| !element.is_empty());
    if list.len() > MAX_VALUES {
        return Err(too_many_values(attribute));
    }
    settle_primary(&mut list, made_primary, attribute)?;
    if list.is_empty() {
        holder.remove(attribute.name);
    } else {
        holder.insert(
            attribute.name.to_owned(),
            Value::Array(list.into_iter().map(Value::Object).collect()),
        );
    }
    Ok(())
}

fn set_sub(element: &mut Map<String, Value>, sub: &Sub, value: Option<Value>) {
    match value {
        Some(value) => {
            element.insert(sub.name.to_owned(), value);
        }
        None => {
            element.remove(sub.name);
        }
    }
}

/// RFC 7643 §2.4: `primary: true` appears at most once. The element this operation made
/// primary keeps it and the others lose it; two primaries nobody chose are refused.
fn settle_primary(
    list: &mut [Map<String, Value>],
    made_primary: Option<usize>,
    attribute: &Attribute,
) -> Result<(), ScimError> {
    let primaries = list.iter().filter(|element| is_primary(element)).count();
    if primaries <= 1 {
        return Ok(());
    }
    match made_primary {
        Some(chosen) if list.get(chosen).is_some_and(is_primary) => {
            for (index, element) in list.iter_mut().enumerate() {
                if index != chosen && is_primary(element) {
                    element.insert("primary".into(), Value::Bool(false));
                }
            }
            Ok(())
        }
        _ => Err(ScimError::invalid_value(format!(
            "at most one of {} may be primary (RFC 7643 §2.4)",
            attribute.label()
        ))),
    }
}

/// Drops emptied complex attributes and extensions, and makes `schemas` list the core
/// schema and exactly the extensions the document holds (RFC 7643 §3).
fn tidy(document: &mut Map<String, Value>) {
    for attribute in attributes::ATTRIBUTES {
        if !matches!(
            attribute.kind,
            Kind::Complex { .. } | Kind::MultiComplex(_) | Kind::FreeMap
        ) {
            continue;
        }
        let holder = match attribute.schema.extension_key() {
            None => Some(&mut *document),
            Some(key) => document.get_mut(key).and_then(Value::as_object_mut),
        };
        if let Some(holder) = holder {
            let empty = match holder.get(attribute.name) {
                Some(Value::Object(object)) => object.is_empty(),
                Some(Value::Array(items)) => items.is_empty(),
                _ => false,
            };
            if empty {
                holder.remove(attribute.name);
            }
        }
    }
    let mut present = vec![Value::String(USER.to_owned())];
    for schema in [Schema::Enterprise, Schema::Bridge] {
        let Some(key) = schema.extension_key() else {
            continue;
        };
        match document.get(key) {
            Some(Value::Object(object)) if object.is_empty() => {
                document.remove(key);
            }
            Some(Value::Object(_)) => present.push(Value::String(key.to_owned())),
            _ => {}
        }
    }
    // URNs of schemas the bridge does not know are kept as they were.
    if let Some(Value::Array(schemas)) = document.get("schemas") {
        for urn in schemas {
            let known = urn.as_str().is_some_and(|urn| {
                Schema::ALL
                    .iter()
                    .any(|schema| schema.urn().eq_ignore_ascii_case(urn))
            });
            if !known && !present.contains(urn) {
                present.push(urn.clone());
            }
        }
    }
    document.insert("schemas".into(), Value::Array(present));
}

#[cfg(test)]
mod tests;
