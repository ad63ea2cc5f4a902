//! The bridge's rules, between the HTTP router above and the store and sync engine
//! below: what a client sends is checked against every backend before anything is
//! stored, `userName` stays unique (a POST of a taken one is a 409 `uniqueness`, a re-sent
//! one included), a change names the version it is based on, and every change is handed
//! to the sync engine.
//!
//! The router reads a request into one of these calls and writes what it returns (a
//! [`UserRecord`] with its backends' rows, or a [`ScimError`]) back as HTTP; nothing
//! here knows a header or a status line beyond the error's.

use std::future::Future;

use serde_json::Value;
use user_provisioner::scim::filter::{parse as parse_filter, parse_path, resolve_key};

/// The SearchRequest message (RFC 7644 §3.4.3).
const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
use user_provisioner::UserId;

use super::bridge::{BridgeInner, BridgeStatus};
use super::error::ScimError;
use super::mapping::{Desired, Fit, PortableState};
use super::patch::apply_patch;
use super::query::{SortBy, UserTypes};
use super::resource::{etag, read_user, UserInput};
use super::store::{Inserted, StoreError, SyncRecord, UserQuery, UserRecord, Written};

/// What a list request asked for, as the client wrote it.
#[derive(Debug, Default)]
pub(crate) struct ListRequest<'a> {
    /// The `filter` parameter.
    pub filter: Option<&'a str>,
    /// The `startIndex` parameter (1-based).
    pub start_index: Option<&'a str>,
    /// The `count` parameter.
    pub count: Option<&'a str>,
    /// The `sortBy` parameter: an attribute path.
    pub sort_by: Option<&'a str>,
    /// The `sortOrder` parameter: `ascending` (the default) or `descending`.
    pub sort_order: Option<&'a str>,
}

/// A `POST /.search` body (RFC 7644 §3.4.3), read into the parameters of a list.
#[derive(Debug, Default)]
pub(crate) struct SearchRequest {
    pub filter: Option<String>,
    pub start_index: Option<String>,
    pub count: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    /// `attributes`, comma-joined as the query parameter writes them.
    pub attributes: Option<String>,
    /// `excludedAttributes`, comma-joined.
    pub excluded: Option<String>,
}

impl SearchRequest {
    /// The list parameters it carries.
    pub fn list_request(&self) -> ListRequest<'_> {
        ListRequest {
            filter: self.filter.as_deref(),
            start_index: self.start_index.as_deref(),
            count: self.count.as_deref(),
            sort_by: self.sort_by.as_deref(),
            sort_order: self.sort_order.as_deref(),
        }
    }
}

/// Reads a `POST /.search` body: `schemas` (when sent) must list the SearchRequest
/// message; every parameter is optional; names in any case; `attributes` and
/// `excludedAttributes` as arrays of paths (or, leniently, one comma-separated string);
/// `startIndex` and `count` as numbers (or numeric strings).
pub(crate) fn search_request(body: &Value) -> Result<SearchRequest, ScimError> {
    use user_provisioner::scim::attributes::get_ci;
    let object = body
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("a SearchRequest must be a JSON object"))?;
    if let Some(schemas) = get_ci(object, "schemas") {
        let listed = schemas.as_array().is_some_and(|schemas| {
            schemas.iter().any(|urn| {
                urn.as_str()
                    .is_some_and(|urn| urn.eq_ignore_ascii_case(SEARCH_REQUEST))
            })
        });
        if !listed {
            return Err(ScimError::invalid_syntax(format!(
                "schemas must list {SEARCH_REQUEST}"
            )));
        }
    }
    let text = |name: &str| -> Result<Option<String>, ScimError> {
        match get_ci(object, name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(Value::Number(number)) => Ok(Some(number.to_string())),
            Some(_) => Err(ScimError::invalid_value(format!(
                "{name} must be a string or a number"
            ))),
        }
    };
    let paths = |name: &str| -> Result<Option<String>, ScimError> {
        match get_ci(object, name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_owned).ok_or_else(|| {
                        ScimError::invalid_value(format!("{name} must be an array of strings"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|all| Some(all.join(","))),
            Some(_) => Err(ScimError::invalid_value(format!(
                "{name} must be an array of attribute paths"
            ))),
        }
    };
    Ok(SearchRequest {
        filter: text("filter")?,
        start_index: text("startIndex")?,
        count: text("count")?,
        sort_by: text("sortBy")?,
        sort_order: text("sortOrder")?,
        attributes: paths("attributes")?,
        excluded: paths("excludedAttributes")?,
    })
}

/// `sortBy` and `sortOrder` read: `None` for no `sortBy`, or one that names an
/// attribute the bridge does not know (no value to sort by: creation order).
fn sort_by(request: &ListRequest<'_>) -> Result<Option<SortBy>, ScimError> {
    let descending = match request.sort_order.map(str::trim) {
        None | Some("") => false,
        Some(order) if order.eq_ignore_ascii_case("ascending") => false,
        Some(order) if order.eq_ignore_ascii_case("descending") => true,
        Some(order) => {
            return Err(ScimError::invalid_value(format!(
                "sortOrder must be ascending or descending, not {:?}",
                user_provisioner::scim::attributes::clip(order)
            )))
        }
    };
    let Some(text) = request.sort_by.filter(|text| !text.trim().is_empty()) else {
        return Ok(None);
    };
    let path = parse_path(text)
        .map_err(|error| ScimError::invalid_value(format!("sortBy: {}", error.detail())))?;
    Ok(resolve_key(&path, &UserTypes).map(|(key, kind)| SortBy {
        key,
        kind,
        descending,
    }))
}

/// One page of users, each with its backends' rows.
pub(crate) struct Listed {
    /// How many users match the filter in all.
    pub total: i64,
    /// The 1-based index of the first user of the page.
    pub start_index: i64,
    /// The page.
    pub users: Vec<(UserRecord, Vec<SyncRecord>)>,
}

/// The users a filter selects, one page of them (RFC 7644 §3.4.2).
pub(crate) async fn list(
    bridge: &BridgeInner,
    request: &ListRequest<'_>,
) -> Result<Listed, ScimError> {
    let plan = match request.filter {
        Some(filter) => Some(parse_filter(filter)?.plan(&UserTypes)?),
        None => None,
    };
    let sort = sort_by(request)?;
    // RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a negative count is 0, and the
    // service provider may return fewer than asked.
    let start_index = integer("startIndex", request.start_index)?
        .unwrap_or(1)
        .max(1);
    let max = i64::try_from(bridge.max_results).unwrap_or(i64::MAX);
    let count = integer("count", request.count)?
        .unwrap_or(max)
        .clamp(0, max);
    let store = &bridge.engine.store;
    let (total, users) = store
        .list_users(
            &UserQuery {
                filter: plan.as_ref(),
                sort: sort.as_ref(),
            },
            start_index - 1,
            count,
        )
        .await
        .map_err(database)?;
    let ids: Vec<&str> = users.iter().map(|user| user.id.as_str()).collect();
    let rows = store.sync_rows(&ids).await.map_err(database)?;
    let users = users
        .into_iter()
        .map(|user| {
            let own: Vec<_> = rows
                .iter()
                .filter(|row| row.user_id == user.id)
                .cloned()
                .collect();
            (user, own)
        })
        .collect();
    Ok(Listed {
        total,
        start_index,
        users,
    })
}

fn integer(name: &str, value: Option<&str>) -> Result<Option<i64>, ScimError> {
    value
        .map(|text| {
            text.trim().parse::<i64>().map_err(|_| {
                ScimError::invalid_value(format!("{name} must be an integer, not {text:?}"))
            })
        })
        .transpose()
}

/// The user of this id, unless it is unknown or being removed.
pub(crate) async fn live_user(bridge: &BridgeInner, id: &str) -> Result<UserRecord, ScimError> {
    bridge
        .engine
        .store
        .user(id)
        .await
        .map_err(database)?
        .ok_or_else(|| ScimError::not_found(format!("no user {id:?}")))
}

/// The rows of the user's backends (ids, states, attempts, last errors).
pub(crate) async fn sync_rows(
    bridge: &BridgeInner,
    user: &UserRecord,
) -> Result<Vec<SyncRecord>, ScimError> {
    bridge
        .engine
        .store
        .sync_rows(&[user.id.as_str()])
        .await
        .map_err(database)
}

/// Creates a user from a POST body; provisioning starts within the request.
///
/// A `userName` that is taken is a 409 `uniqueness` (RFC 7644 §3.3), checked before the
/// backends are, so a client learns that the person exists rather than why a backend
/// would refuse the copy it sent again.
pub(crate) async fn create(bridge: &BridgeInner, body: &Value) -> Result<UserRecord, ScimError> {
    let input = read_user(body)?;
    if let Some(existing) = bridge
        .engine
        .store
        .user_by_name(input.user_name())
        .await
        .map_err(database)?
    {
        return Err(taken(&existing));
    }
    check_backends(bridge, None, &input)?;
    let store = &bridge.engine.store;
    let now = chrono::Utc::now();
    let record = UserRecord {
        id: uuid::Uuid::new_v4().to_string(),
        user_name: input.user_name().to_owned(),
        external_id: input.external_id().map(str::to_owned),
        document: input.document.clone(),
        version: 1,
        password_version: if input.password.is_some() { 1 } else { 0 },
        deleted: false,
        created: now,
        updated: now,
    };
    let names = bridge.engine.backend_names();
    match store.insert_user(&record, &names).await.map_err(database)? {
        Inserted::Inserted => {}
        // Another request took the name between the lookup and the insert.
        Inserted::UserNameTaken => return Err(name_taken(bridge, input.user_name()).await),
    }
    if let Some(password) = input.password {
        bridge.keep_password(&record.id, 1, password);
    }
    // The sync changes only the backends' rows, which the answer reads afresh.
    bridge.sync_now(&record.id).await;
    Ok(record)
}

/// The 409 `uniqueness` for a POST whose `userName` is taken, RFC 7644 §3.3: "If the
/// service provider determines that the creation of the requested resource conflicts with
/// existing resources (e.g., a "User" resource with a duplicate "userName"), the service
/// provider MUST return HTTP status code 409 (Conflict) with a "scimType" error code of
/// "uniqueness"". That holds for the same user sent again too (an identity provider
/// retrying after a timeout): Okta and Entra ID then look the user up by `userName` and
/// carry on with it, and Okta's spec test requires the 409.
async fn name_taken(bridge: &BridgeInner, user_name: &str) -> ScimError {
    match bridge.engine.store.user_by_name(user_name).await {
        Ok(Some(existing)) => taken(&existing),
        Ok(None) => ScimError::uniqueness(format!("userName {user_name:?} is taken")),
        Err(error) => database(error),
    }
}

/// [`name_taken`] for the user found holding the name.
fn taken(existing: &UserRecord) -> ScimError {
    if existing.deleted {
        ScimError::uniqueness(format!(
            "userName {:?} belongs to a user the bridge is still removing from its backends",
            existing.user_name
        ))
    } else {
        ScimError::uniqueness(format!(
            "userName {:?} is taken by user {}",
            existing.user_name, existing.id
        ))
    }
}

/// Replaces the user with a PUT body. `if_match` is the `If-Match` header as sent
/// (`Some("")` for one that is not text); `body` is read only once the user is found
/// and the version matches, so those errors come first.
pub(crate) async fn replace(
    bridge: &BridgeInner,
    id: &str,
    if_match: Option<&str>,
    body: impl Future<Output = Result<Value, ScimError>>,
) -> Result<UserRecord, ScimError> {
    let current = live_user(bridge, id).await?;
    check_if_match(if_match, &current)?;
    let input = read_user(&body.await?)?;
    store_new_version(bridge, current, input).await
}

/// Applies a PATCH body to the user. `if_match` as for [`replace`].
pub(crate) async fn patch(
    bridge: &BridgeInner,
    id: &str,
    if_match: Option<&str>,
    body: impl Future<Output = Result<Value, ScimError>>,
) -> Result<UserRecord, ScimError> {
    let current = live_user(bridge, id).await?;
    check_if_match(if_match, &current)?;
    let request = body.await?;
    let mut document = current.document.clone();
    apply_patch(&mut document, &request)?;
    let input = read_user(&Value::Object(document))?;
    store_new_version(bridge, current, input).await
}

/// Stores the next version of the user (none when nothing changed) and starts its sync.
async fn store_new_version(
    bridge: &BridgeInner,
    current: UserRecord,
    input: UserInput,
) -> Result<UserRecord, ScimError> {
    let rows = sync_rows(bridge, &current).await?;
    check_backends(bridge, Some(&rows), &input)?;
    if input.document == current.document && input.password.is_none() {
        // Nothing changed: no new version, no backend call.
        return Ok(current);
    }
    let version = current.version + 1;
    let record = UserRecord {
        user_name: input.user_name().to_owned(),
        external_id: input.external_id().map(str::to_owned),
        document: input.document,
        version,
        password_version: if input.password.is_some() {
            version
        } else {
            current.password_version
        },
        updated: chrono::Utc::now(),
        ..current.clone()
    };
    match bridge
        .engine
        .store
        .replace_user(&record, current.version)
        .await
        .map_err(database)?
    {
        Written::Done => {}
        Written::VersionChanged => return Err(ScimError::precondition_failed(
            "the user changed while this request was handled; read it and send the change again",
        )),
        Written::UserNameTaken => {
            return Err(ScimError::uniqueness(format!(
                "userName {:?} is taken",
                record.user_name
            )))
        }
    }
    if let Some(password) = input.password {
        bridge.keep_password(&record.id, version, password);
    }
    bridge.sync_now(&record.id).await;
    Ok(record)
}

/// Marks the user deleted and starts removing it from every backend. `if_match` as for
/// [`replace`].
pub(crate) async fn delete(
    bridge: &BridgeInner,
    id: &str,
    if_match: Option<&str>,
) -> Result<(), ScimError> {
    let current = live_user(bridge, id).await?;
    check_if_match(if_match, &current)?;
    match bridge
        .engine
        .store
        .delete_user(&current.id, current.version)
        .await
        .map_err(database)?
    {
        Written::Done => {}
        Written::VersionChanged | Written::UserNameTaken => {
            return Err(ScimError::precondition_failed(
                "the user changed while this request was handled; read it and delete it again",
            ))
        }
    }
    bridge.engine.passwords.forget(&current.id);
    bridge.sync_now(&current.id).await;
    Ok(())
}

/// Every backend's counts and the users given up on.
pub(crate) async fn status(bridge: &BridgeInner) -> Result<BridgeStatus, ScimError> {
    bridge.status().await.map_err(database)
}

/// Queues again every backend row that was given up; how many.
pub(crate) async fn retry_given_up(bridge: &BridgeInner) -> Result<u64, ScimError> {
    bridge.engine.store.retry_given_up().await.map_err(database)
}

/// Refuses, before anything is stored or sent, a user no backend can take at all, or
/// one a [`strict`](super::BackendRules::strict) backend would refuse (or a deactivation
/// a backend's rules refuse). Each backend is checked as its sync will be: its create
/// check for a backend without the account, its update check for one with it. What a
/// lenient backend cannot take is left out there, or keeps the user `blocked` there.
fn check_backends(
    bridge: &BridgeInner,
    rows: Option<&[SyncRecord]>,
    input: &UserInput,
) -> Result<(), ScimError> {
    let mut cannot = Vec::new();
    for backend in &bridge.engine.backends {
        // A backend that is to hold no account (deactivated under Delete) takes it.
        let Desired::Present(present) = backend.desired(&input.document)? else {
            continue;
        };
        let row = rows
            .into_iter()
            .flatten()
            .find(|row| row.backend == backend.name);
        let synced = row.and_then(|row| {
            let id = row.backend_user_id.clone()?;
            let old: PortableState = serde_json::from_value(row.synced_state.clone()?).ok()?;
            Some((id, old))
        });
        let fit = match synced {
            Some((id, old)) => backend
                .plan_update(&UserId::new(id), &old, &present, input.password.clone())?
                .map(drop),
            None => backend
                .plan_create(&present, input.password.clone())?
                .map(drop),
        };
        match fit {
            Fit::Fits(()) => {}
            Fit::CannotTake(reason) => cannot.push(backend.cannot_take(&reason)),
        }
    }
    if cannot.len() < bridge.engine.backends.len() {
        return Ok(());
    }
    Err(ScimError::invalid_value(format!(
        "no backend can take this user: {}",
        cannot.join("; ")
    )))
}

/// RFC 7644 §3.14: `If-Match` names the version the change is based on; `*` any.
fn check_if_match(if_match: Option<&str>, user: &UserRecord) -> Result<(), ScimError> {
    let Some(given) = if_match else {
        return Ok(());
    };
    if version_listed(Some(given), user.version) {
        return Ok(());
    }
    Err(ScimError::precondition_failed(format!(
        "If-Match {given} is not the user's version {}",
        etag(user.version)
    )))
}

/// Whether an `If-Match` or `If-None-Match` list names the version (weak comparison,
/// RFC 9110 §8.8.3.2) or `*`.
pub(crate) fn version_listed(listed: Option<&str>, version: i64) -> bool {
    let Some(listed) = listed else {
        return false;
    };
    let current = etag(version);
    let opaque = current.trim_start_matches("W/");
    listed
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == opaque)
}

/// A database failure, told to the client without the database's words.
pub(crate) fn database(error: StoreError) -> ScimError {
    #[cfg(feature = "tracing")]
    tracing::error!(error = %error, "SCIM bridge store failed");
    let _ = &error;
    ScimError::internal("the bridge could not read or write its state; try again")
}
