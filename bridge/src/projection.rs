//! The `attributes` and `excludedAttributes` parameters (RFC 7644 §3.4.2.5, §3.9): which
//! attributes of a rendered resource a response carries.

use serde_json::{Map, Value};

use super::error::ScimError;
use user_provisioner::scim::attributes::{self, clip, Resolved, Schema};

/// The longest `attributes` or `excludedAttributes` list read, in bytes.
pub(crate) const MAX_LIST_BYTES: usize = 4096;

/// Attributes returned whatever the parameters say (RFC 7643 §3.1, §4.1: `returned`
/// "always").
const ALWAYS: [&str; 2] = ["id", "schemas"];

/// Narrows a rendered resource to what the request asked for.
///
/// `attributes` keeps only the attributes listed, plus `id` and `schemas`; `meta` stays
/// only when listed. `excludedAttributes` removes those listed, never `id` or `schemas`.
/// Both are comma-separated lists of names in any case, with or without a schema URN:
/// `name.givenName`, `emails.value`, `urn:…:enterprise:2.0:User:department` (that key
/// of the extension alone), `urn:…:enterprise:2.0:User` (all of it). Names the bridge
/// does not know are ignored; a malformed name is `invalidValue`.
///
/// When both are given `attributes` wins and `excludedAttributes` is not read: RFC 7644
/// §3.4.2.5 defines `excludedAttributes` as removals from the default set, and
/// `attributes` replaces the default set. A list with no names (`attributes=`) counts as
/// not given. `password` (returned "never") is removed in every case.
pub(crate) fn project(
    resource: &mut Map<String, Value>,
    attributes: Option<&str>,
    excluded: Option<&str>,
) -> Result<(), ScimError> {
    let kept = selection(attributes, "attributes")?;
    let dropped = match kept {
        Some(_) => None,
        None => selection(excluded, "excludedAttributes")?,
    };
    resource.remove("password");
    if let Some(selection) = kept {
        let mut kept = Map::new();
        for (key, value) in resource.iter() {
            let value = if is_always(key) {
                Some(value.clone())
            } else {
                selection.child(key).and_then(|node| node.keep(value))
            };
            if let Some(value) = value {
                kept.insert(key.clone(), value);
            }
        }
        *resource = kept;
    } else if let Some(selection) = dropped {
        let keys: Vec<String> = resource.keys().cloned().collect();
        for key in keys {
            if is_always(&key) {
                continue;
            }
            let Some(node) = selection.child(&key) else {
                continue;
            };
            let emptied = resource
                .get_mut(&key)
                .is_some_and(|value| node.remove_from(value));
            if emptied {
                resource.remove(&key);
            }
        }
    }
    Ok(())
}

fn is_always(key: &str) -> bool {
    ALWAYS.iter().any(|always| always.eq_ignore_ascii_case(key))
}

/// The attributes a list names, as a tree of keys; `None` for a list with no names.
fn selection(list: Option<&str>, parameter: &str) -> Result<Option<Node>, ScimError> {
    let Some(list) = list else {
        return Ok(None);
    };
    if list.len() > MAX_LIST_BYTES {
        return Err(ScimError::invalid_value(format!(
            "`{parameter}` is longer than {MAX_LIST_BYTES} bytes"
        )));
    }
    let mut root = Node::default();
    let mut named = false;
    for entry in entries(list)
        .into_iter()
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
    {
        named = true;
        let entry = &without_value_filter(entry, parameter)?;
        let resolved = attributes::resolve(entry).map_err(|detail| {
            ScimError::invalid_value(format!(
                "`{parameter}`: `{}`: {detail}; expected comma-separated attribute names \
                 such as userName,name.givenName,{}:department",
                clip(entry),
                Schema::Enterprise.urn()
            ))
        })?;
        match resolved {
            Resolved::Unknown => {}
            Resolved::Schema(Schema::Core) => {
                for attribute in attributes::of_schema(Schema::Core) {
                    root.insert(&[attribute.name]);
                }
            }
            Resolved::Schema(schema) => root.insert(&[schema.urn()]),
            Resolved::Attribute { attribute, sub } => {
                let mut path: Vec<&str> = Vec::with_capacity(3);
                path.extend(attribute.schema.extension_key());
                path.push(attribute.name);
                if let Some(sub) = &sub {
                    path.push(sub.name());
                }
                root.insert(&path);
            }
        }
    }
    Ok(named.then_some(root))
}

/// The comma-separated entries of a list; a comma inside a value filter's brackets or
/// quotes (`emails[value eq "a,b"]`) separates nothing.
fn entries(list: &str) -> Vec<&str> {
    let mut entries = Vec::new();
    let (mut start, mut depth, mut quoted, mut escaped) = (0, 0usize, false, false);
    for (index, c) in list.char_indices() {
        match (quoted, escaped, c) {
            (true, false, '\\') => escaped = true,
            (true, true, _) => escaped = false,
            (_, _, '"') if depth > 0 => quoted = !quoted,
            (false, _, '[') => depth += 1,
            (false, _, ']') => depth = depth.saturating_sub(1),
            (false, _, ',') if depth == 0 => {
                entries.push(&list[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    entries.push(&list[start..]);
    entries
}

/// `emails[type eq "work"]` read as `emails`, and `emails[type eq "work"].value` as
/// `emails.value`.
///
/// RFC 7644 §3.9 and §3.10 name attributes here, not value filters, but Microsoft's
/// reference server and its test collection (`attributes=emails[type eq "work"]`) accept
/// one. The bridge is lenient in what it reads: the filter is dropped and the whole
/// attribute returned, more than asked but nothing the client cannot read; the filter's
/// brackets must still be closed.
fn without_value_filter<'a>(
    entry: &'a str,
    parameter: &str,
) -> Result<std::borrow::Cow<'a, str>, ScimError> {
    let Some(open) = entry.find('[') else {
        return Ok(entry.into());
    };
    let mut quoted = false;
    let mut escaped = false;
    let close = entry[open + 1..].char_indices().find_map(|(index, c)| {
        match (quoted, escaped, c) {
            (true, false, '\\') => escaped = true,
            (true, true, _) => escaped = false,
            (_, _, '"') => quoted = !quoted,
            (false, _, ']') => return Some(open + 1 + index),
            _ => {}
        }
        None
    });
    let Some(close) = close else {
        return Err(ScimError::invalid_value(format!(
            "`{parameter}`: `{}`: a `[` is not closed",
            clip(entry)
        )));
    };
    let tail = &entry[close + 1..];
    if !(tail.is_empty() || tail.starts_with('.')) {
        return Err(ScimError::invalid_value(format!(
            "`{parameter}`: `{}`: after `]` only `.` and a sub-attribute may follow",
            clip(entry)
        )));
    }
    Ok(format!("{}{tail}", &entry[..open]).into())
}

/// Selected keys, matched without regard to ASCII case (resources are rendered in
/// canonical case, but a free key of the bridge's `attributes` may be asked in another).
#[derive(Debug, Default)]
struct Node {
    /// The whole value under this key.
    whole: bool,
    children: Vec<(String, Node)>,
}

impl Node {
    fn insert(&mut self, path: &[&str]) {
        if self.whole {
            return;
        }
        let Some((first, rest)) = path.split_first() else {
            self.whole = true;
            self.children.clear();
            return;
        };
        let index = match self
            .children
            .iter()
            .position(|(key, _)| key.eq_ignore_ascii_case(first))
        {
            Some(index) => index,
            None => {
                self.children.push(((*first).to_owned(), Node::default()));
                self.children.len() - 1
            }
        };
        self.children[index].1.insert(rest);
    }

    fn child(&self, key: &str) -> Option<&Node> {
        self.children
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, node)| node)
    }

    /// The selected part of `value`; `None` when nothing of it is selected. Within an
    /// array the selection applies to each element (`emails.value`).
    fn keep(&self, value: &Value) -> Option<Value> {
        if self.whole {
            return Some(value.clone());
        }
        match value {
            Value::Object(object) => {
                let kept: Map<String, Value> = object
                    .iter()
                    .filter_map(|(key, value)| {
                        let kept = self.child(key)?.keep(value)?;
                        Some((key.clone(), kept))
                    })
                    .collect();
                (!kept.is_empty()).then_some(Value::Object(kept))
            }
            Value::Array(items) => {
                let kept: Vec<Value> = items
                    .iter()
                    .filter(|item| item.is_object())
                    .filter_map(|item| self.keep(item))
                    .collect();
                (!kept.is_empty()).then_some(Value::Array(kept))
            }
            _ => None,
        }
    }

    /// Removes the selected part of `value`; true when nothing is left of it.
    fn remove_from(&self, value: &mut Value) -> bool {
        if self.whole {
            return true;
        }
        match value {
            Value::Object(object) => {
                let keys: Vec<String> = object.keys().cloned().collect();
                for key in keys {
                    let Some(node) = self.child(&key) else {
                        continue;
                    };
                    let emptied = object
                        .get_mut(&key)
                        .is_some_and(|value| node.remove_from(value));
                    if emptied {
                        object.remove(&key);
                    }
                }
                object.is_empty()
            }
            Value::Array(items) => {
                items.retain_mut(|item| !(item.is_object() && self.remove_from(item)));
                items.is_empty()
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use user_provisioner::scim::schema::{BRIDGE_USER, ENTERPRISE_USER, USER};
    use user_provisioner::scim::ScimType;

    fn resource() -> Map<String, Value> {
        match json!({
            "schemas": [USER, ENTERPRISE_USER, BRIDGE_USER],
            "id": "2819c223",
            "externalId": "e-1",
            "userName": "bjensen@example.com",
            "name": {"formatted": "Ms. Barbara J Jensen", "givenName": "Barbara", "familyName": "Jensen"},
            "displayName": "Babs",
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "active": true,
            ENTERPRISE_USER: {
                "employeeNumber": "701984",
                "department": "Tour Operations",
                "manager": {"value": "26118915", "displayName": "John Smith"}
            },
            BRIDGE_USER: {
                "attributes": {"netsapiens.extension": "1001", "jambonz.account_sid": "sid"},
                "backends": [{"backend": "jambonz", "state": "synced", "userId": "u-1"}]
            },
            "meta": {"resourceType": "User", "version": "W/\"3\""}
        }) {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn projected(attributes: Option<&str>, excluded: Option<&str>) -> Value {
        let mut resource = resource();
        project(&mut resource, attributes, excluded).unwrap();
        Value::Object(resource)
    }

    #[test]
    fn attributes_keeps_only_those_listed_plus_id_and_schemas() {
        assert_eq!(
            projected(Some("userName,name.givenName,emails"), None),
            json!({
                "schemas": [USER, ENTERPRISE_USER, BRIDGE_USER],
                "id": "2819c223",
                "userName": "bjensen@example.com",
                "name": {"givenName": "Barbara"},
                "emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"}
                ]
            })
        );
    }

    #[test]
    fn meta_comes_only_when_asked() {
        let projection = projected(Some("userName"), None);
        assert!(projection.get("meta").is_none());
        let projection = projected(Some("userName, META"), None);
        assert_eq!(projection["meta"], resource()["meta"]);
        let projection = projected(Some("meta.version"), None);
        assert_eq!(projection["meta"], json!({"version": "W/\"3\""}));
    }

    #[test]
    fn names_are_case_insensitive_and_may_carry_their_urn() {
        let projection = projected(
            Some(
                "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department,\
                 urn:ietf:params:scim:schemas:core:2.0:User:USERNAME,Emails.Value",
            ),
            None,
        );
        assert_eq!(
            projection,
            json!({
                "schemas": [USER, ENTERPRISE_USER, BRIDGE_USER],
                "id": "2819c223",
                "userName": "bjensen@example.com",
                "emails": [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}],
                ENTERPRISE_USER: {"department": "Tour Operations"}
            })
        );
    }

    #[test]
    fn a_schema_urn_alone_selects_the_whole_extension() {
        let projection = projected(Some(ENTERPRISE_USER), None);
        assert_eq!(projection[ENTERPRISE_USER], resource()[ENTERPRISE_USER]);
        assert!(projection.get("userName").is_none());
        let projection = projected(Some(USER), None);
        assert_eq!(projection["userName"], json!("bjensen@example.com"));
        assert!(projection.get(ENTERPRISE_USER).is_none());
        assert!(projection.get("meta").is_some(), "meta is a core attribute");
    }

    #[test]
    fn a_bridge_attribute_key_is_selected_alone() {
        let projection = projected(
            Some(&format!("{BRIDGE_USER}:attributes.NETSAPIENS.extension")),
            None,
        );
        assert_eq!(
            projection[BRIDGE_USER],
            json!({"attributes": {"netsapiens.extension": "1001"}})
        );
        let projection = projected(Some(&format!("{BRIDGE_USER}:backends.state")), None);
        assert_eq!(
            projection[BRIDGE_USER],
            json!({"backends": [{"state": "synced"}]})
        );
    }

    #[test]
    fn excluded_attributes_drops_those_listed_but_never_id_or_schemas() {
        let projection = projected(None, Some("emails,name.givenName,meta,id,schemas"));
        let mut expected = resource();
        expected.remove("emails");
        expected.remove("meta");
        expected
            .get_mut("name")
            .and_then(Value::as_object_mut)
            .unwrap()
            .remove("givenName");
        assert_eq!(projection, Value::Object(expected));
    }

    #[test]
    fn excluding_every_part_of_an_object_drops_the_object() {
        let projection = projected(
            None,
            Some(&format!(
                "{ENTERPRISE_USER}:employeeNumber,{ENTERPRISE_USER}:department,\
                 {ENTERPRISE_USER}:manager,emails.value,emails.type,emails.primary"
            )),
        );
        assert!(projection.get(ENTERPRISE_USER).is_none());
        assert!(projection.get("emails").is_none());
        let projection = projected(None, Some("emails.type"));
        assert_eq!(
            projection["emails"],
            json!([
                {"value": "bjensen@example.com", "primary": true},
                {"value": "babs@jensen.org"}
            ])
        );
    }

    #[test]
    fn attributes_wins_over_excluded_attributes() {
        assert_eq!(
            projected(Some("userName"), Some("userName")),
            projected(Some("userName"), None)
        );
    }

    #[test]
    fn unknown_names_are_ignored() {
        // Entra asks for groups with `excludedAttributes=members` (SCIM tutorial, "Get
        // Group"); on a User it names nothing.
        assert_eq!(projected(None, Some("members")), Value::Object(resource()));
        assert_eq!(
            projected(Some("title,userName,name.middleName"), None),
            json!({
                "schemas": [USER, ENTERPRISE_USER, BRIDGE_USER],
                "id": "2819c223",
                "userName": "bjensen@example.com"
            })
        );
    }

    #[test]
    fn lists_without_names_count_as_not_given() {
        assert_eq!(projected(Some(""), None), Value::Object(resource()));
        assert_eq!(
            projected(Some(" , "), Some("emails")),
            projected(None, Some("emails"))
        );
    }

    #[test]
    fn a_password_is_never_returned() {
        for (attributes, excluded) in [
            (None, None),
            (Some("password,userName"), None),
            (None, Some("userName")),
        ] {
            let mut resource = resource();
            resource.insert("password".into(), json!("t1meMa$heen"));
            project(&mut resource, attributes, excluded).unwrap();
            assert!(!resource.contains_key("password"));
        }
    }

    #[test]
    fn a_value_filter_selects_its_whole_attribute() {
        // Microsoft's reference collection asks for `attributes=emails[type eq "work"]`.
        assert_eq!(
            projected(Some("emails[type eq \"work\"]"), None),
            projected(Some("emails"), None)
        );
        assert_eq!(
            projected(Some("EMAILS[value eq \"a]b\"].value,userName"), None),
            projected(Some("emails.value,userName"), None)
        );
        assert_eq!(
            projected(Some("emails[value eq \"a,b\"],userName"), None),
            projected(Some("emails,userName"), None)
        );
        assert_eq!(
            projected(None, Some("emails[type eq \"home\"]")),
            projected(None, Some("emails"))
        );
    }

    #[test]
    fn malformed_lists_are_invalid_value() {
        for list in [
            "name..givenName",
            "emails[type eq \"work\"",
            "emails[type eq \"work\"]x",
            "user name",
            "active.value",
            "urn:",
        ] {
            for (attributes, excluded) in [(Some(list), None), (None, Some(list))] {
                let mut resource = resource();
                let error = project(&mut resource, attributes, excluded).expect_err(list);
                assert_eq!(error.scim_type(), Some(ScimType::InvalidValue), "{list}");
                assert_eq!(
                    resource,
                    self::resource(),
                    "a refused projection changes nothing"
                );
            }
        }
        let long = "userName,".repeat(MAX_LIST_BYTES / 8);
        let error = project(&mut resource(), Some(&long), None).unwrap_err();
        assert_eq!(error.scim_type(), Some(ScimType::InvalidValue));
    }
}
