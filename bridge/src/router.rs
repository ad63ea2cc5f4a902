//! The SCIM HTTP endpoints (RFC 7644 §3) over the bridge's store and sync engine.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use user_provisioner::Secret;

use super::bridge::BridgeInner;
use super::discovery::{self, DiscoveryLimits};
use super::error::ScimError;
use super::mapping::{Desired, PortableState};
use super::patch::apply_patch;
use super::projection::project;
use super::resource::{etag, read_user, render_user, UserInput};
use super::store::{Inserted, StoreError, UserRecord, Written};
use user_provisioner::scim::filter::parse as parse_filter;
use user_provisioner::scim::model::ListResponse;
use user_provisioner::scim::schema::SCIM_JSON;

type Shared = Arc<BridgeInner>;
type Answer = Result<Response, ScimError>;

pub(crate) fn router(bridge: Shared) -> Router {
    Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{id}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema))
        .route("/Users", get(list_users).post(create_user))
        .route(
            "/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        .route("/Status", get(status))
        .route("/Status/retry", axum::routing::post(retry_given_up))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(bridge.clone(), authenticate))
        .with_state(bridge)
}

/// Every endpoint needs one of the bridge's bearer tokens, compared in constant time.
async fn authenticate(State(bridge): State<Shared>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    let accepted = given.is_some_and(|given| {
        // Every token is compared, so the time taken does not say which one matched.
        bridge.tokens.iter().fold(false, |found, token| {
            found | same_token(given.as_bytes(), token)
        })
    });
    if !accepted {
        return ScimError::unauthorized().into_response();
    }
    next.run(request).await
}

/// Equal in time that depends only on the expected token's length.
fn same_token(given: &[u8], expected: &Secret) -> bool {
    let expected = expected.expose().as_bytes();
    let mut difference = given.len() ^ expected.len();
    for (index, byte) in expected.iter().enumerate() {
        difference |= usize::from(given.get(index).copied().unwrap_or(0) ^ byte);
    }
    difference == 0
}

async fn not_found() -> ScimError {
    ScimError::not_found("no such endpoint: the bridge serves /Users, /ServiceProviderConfig, /ResourceTypes, /Schemas and /Status")
}

async fn method_not_allowed() -> ScimError {
    ScimError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        "this endpoint does not take that method",
    )
}

fn limits(bridge: &BridgeInner) -> DiscoveryLimits {
    DiscoveryLimits {
        max_results: bridge.max_results,
    }
}

async fn service_provider_config(State(bridge): State<Shared>) -> Response {
    scim_json(
        StatusCode::OK,
        discovery::service_provider_config(&bridge.base_url, &limits(&bridge)),
    )
}

async fn resource_types(State(bridge): State<Shared>) -> Response {
    scim_json(StatusCode::OK, discovery::resource_types(&bridge.base_url))
}

async fn resource_type(State(bridge): State<Shared>, Path(id): Path<String>) -> Answer {
    if !id.eq_ignore_ascii_case("User") {
        return Err(ScimError::not_found(format!("no resource type {id:?}")));
    }
    Ok(scim_json(
        StatusCode::OK,
        discovery::user_resource_type(&bridge.base_url),
    ))
}

async fn schemas(State(bridge): State<Shared>) -> Response {
    scim_json(StatusCode::OK, discovery::schemas(&bridge.base_url))
}

async fn schema(State(bridge): State<Shared>, Path(id): Path<String>) -> Answer {
    discovery::schema(&bridge.base_url, &id)
        .map(|schema| scim_json(StatusCode::OK, schema))
        .ok_or_else(|| ScimError::not_found(format!("no schema {id:?}")))
}

/// The query parameters of a read, by name without case.
#[derive(Debug, Default)]
struct ReadQuery {
    filter: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    attributes: Option<String>,
    excluded: Option<String>,
}

fn read_query(query: Option<&str>) -> ReadQuery {
    let mut read = ReadQuery::default();
    for (name, value) in
        user_provisioner::url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
    {
        let slot = match name.to_ascii_lowercase().as_str() {
            "filter" => &mut read.filter,
            "startindex" => &mut read.start_index,
            "count" => &mut read.count,
            "attributes" => &mut read.attributes,
            "excludedattributes" => &mut read.excluded,
            _ => continue,
        };
        *slot = Some(value.into_owned());
    }
    read
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

async fn list_users(State(bridge): State<Shared>, RawQuery(query): RawQuery) -> Answer {
    let query = read_query(query.as_deref());
    let conditions = match query.filter.as_deref() {
        Some(filter) => parse_filter(filter)?,
        None => Vec::new(),
    };
    // RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a negative count is 0, and the
    // service provider may return fewer than asked.
    let start_index = integer("startIndex", query.start_index.as_deref())?
        .unwrap_or(1)
        .max(1);
    let max = i64::try_from(bridge.max_results).unwrap_or(i64::MAX);
    let count = integer("count", query.count.as_deref())?
        .unwrap_or(max)
        .clamp(0, max);
    let (total, users) = bridge
        .engine
        .store
        .list_users(&conditions, start_index - 1, count)
        .await
        .map_err(database)?;
    let ids: Vec<&str> = users.iter().map(|user| user.id.as_str()).collect();
    let rows = bridge
        .engine
        .store
        .sync_rows(&ids)
        .await
        .map_err(database)?;
    let mut resources = Vec::with_capacity(users.len());
    for user in &users {
        let own: Vec<_> = rows
            .iter()
            .filter(|row| row.user_id == user.id)
            .cloned()
            .collect();
        let mut resource = render_user(&bridge.base_url, user, &own);
        project(
            &mut resource,
            query.attributes.as_deref(),
            query.excluded.as_deref(),
        )?;
        resources.push(Value::Object(resource));
    }
    Ok(scim_json(
        StatusCode::OK,
        serde_json::to_value(ListResponse::new(
            resources,
            total as u64,
            start_index as u64,
        ))
        .unwrap_or_default(),
    ))
}

async fn get_user(
    State(bridge): State<Shared>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let query = read_query(query.as_deref());
    let user = live_user(&bridge, &id).await?;
    if etag_listed(&headers, header::IF_NONE_MATCH, user.version) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(tag) = HeaderValue::from_str(&etag(user.version)) {
            response.headers_mut().insert(header::ETAG, tag);
        }
        return Ok(response);
    }
    respond_user(&bridge, &user, StatusCode::OK, &query).await
}

async fn create_user(State(bridge): State<Shared>, body: Body) -> Answer {
    let input = read_user(&read_json(&bridge, body).await?)?;
    check_backends(&bridge, None, &input)?;
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
    let user = match store.insert_user(&record, &names).await.map_err(database)? {
        Inserted::Inserted => {
            if let Some(password) = input.password {
                bridge.keep_password(&record.id, 1, password);
            }
            record
        }
        Inserted::UserNameTaken => replayed_create(&bridge, &input).await?,
    };
    // The sync changes only the backends' rows, which the answer reads afresh.
    bridge.sync_now(&user.id).await;
    respond_user(&bridge, &user, StatusCode::CREATED, &ReadQuery::default()).await
}

/// A POST whose userName is taken: the same user sent again (an identity provider
/// retrying after a timeout) is answered with the user it created; anything else is a
/// 409 `uniqueness`.
async fn replayed_create(bridge: &BridgeInner, input: &UserInput) -> Result<UserRecord, ScimError> {
    let existing = bridge
        .engine
        .store
        .user_by_name(input.user_name())
        .await
        .map_err(database)?;
    match existing {
        Some(user) if user.deleted => Err(ScimError::uniqueness(format!(
            "userName {:?} belongs to a user the bridge is still removing from its backends",
            input.user_name()
        ))),
        Some(user) if user.document == input.document => Ok(user),
        _ => Err(ScimError::uniqueness(format!(
            "userName {:?} is taken",
            input.user_name()
        ))),
    }
}

async fn replace_user(
    State(bridge): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let current = live_user(&bridge, &id).await?;
    check_if_match(&headers, &current)?;
    let input = read_user(&read_json(&bridge, body).await?)?;
    store_new_version(&bridge, current, input).await
}

async fn patch_user(
    State(bridge): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let current = live_user(&bridge, &id).await?;
    check_if_match(&headers, &current)?;
    let request = read_json(&bridge, body).await?;
    let mut document = current.document.clone();
    apply_patch(&mut document, &request)?;
    let input = read_user(&Value::Object(document))?;
    store_new_version(&bridge, current, input).await
}

async fn store_new_version(bridge: &Shared, current: UserRecord, input: UserInput) -> Answer {
    let rows = bridge
        .engine
        .store
        .sync_rows(&[current.id.as_str()])
        .await
        .map_err(database)?;
    check_backends(bridge, Some(&rows), &input)?;
    if input.document == current.document && input.password.is_none() {
        // Nothing changed: no new version, no backend call.
        return respond_user(bridge, &current, StatusCode::OK, &ReadQuery::default()).await;
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
    respond_user(bridge, &record, StatusCode::OK, &ReadQuery::default()).await
}

async fn delete_user(
    State(bridge): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let current = live_user(&bridge, &id).await?;
    check_if_match(&headers, &current)?;
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
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn status(State(bridge): State<Shared>) -> Answer {
    let status = bridge.status().await.map_err(database)?;
    Ok(scim_json(StatusCode::OK, status.to_json()))
}

async fn retry_given_up(State(bridge): State<Shared>) -> Answer {
    let requeued = bridge
        .engine
        .store
        .retry_given_up()
        .await
        .map_err(database)?;
    Ok(scim_json(StatusCode::OK, json!({ "requeued": requeued })))
}

/// Refuses, before anything is stored or sent, a user some backend could not take:
/// its rules, its create check for a backend without the account, its update check
/// for one with it.
fn check_backends(
    bridge: &BridgeInner,
    rows: Option<&[super::store::SyncRecord]>,
    input: &UserInput,
) -> Result<(), ScimError> {
    for backend in &bridge.engine.backends {
        let Desired::Present { state, .. } = backend.desired(&input.document)? else {
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
        let checked = match synced {
            Some((id, old)) => backend
                .checked_update(
                    &user_provisioner::UserId::new(id),
                    &old,
                    &state,
                    input.password.clone(),
                )
                .map(drop),
            None => {
                let new_user = backend.new_user(&state, input.password.clone())?;
                backend.provisioner.validate_new_user(&new_user)
            }
        };
        checked.map_err(|error| backend.refusal("user", &format!("refuses it: {error}")))?;
    }
    Ok(())
}

async fn live_user(bridge: &BridgeInner, id: &str) -> Result<UserRecord, ScimError> {
    bridge
        .engine
        .store
        .user(id)
        .await
        .map_err(database)?
        .ok_or_else(|| ScimError::not_found(format!("no user {id:?}")))
}

/// RFC 7644 §3.14: `If-Match` names the version the change is based on; `*` any.
fn check_if_match(headers: &HeaderMap, user: &UserRecord) -> Result<(), ScimError> {
    if headers.get(header::IF_MATCH).is_none()
        || etag_listed(headers, header::IF_MATCH, user.version)
    {
        return Ok(());
    }
    let given = headers
        .get(header::IF_MATCH)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    Err(ScimError::precondition_failed(format!(
        "If-Match {given} is not the user's version {}",
        etag(user.version)
    )))
}

/// Whether the `If-Match` or `If-None-Match` header lists the version (weak
/// comparison, RFC 9110 §8.8.3.2) or `*`.
fn etag_listed(headers: &HeaderMap, name: header::HeaderName, version: i64) -> bool {
    let Some(listed) = headers.get(name).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let current = etag(version);
    let opaque = current.trim_start_matches("W/");
    listed
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == opaque)
}

async fn respond_user(
    bridge: &BridgeInner,
    user: &UserRecord,
    status: StatusCode,
    query: &ReadQuery,
) -> Answer {
    let rows = bridge
        .engine
        .store
        .sync_rows(&[user.id.as_str()])
        .await
        .map_err(database)?;
    let mut resource = render_user(&bridge.base_url, user, &rows);
    project(
        &mut resource,
        query.attributes.as_deref(),
        query.excluded.as_deref(),
    )?;
    let mut response = scim_json(status, Value::Object(resource));
    let headers = response.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(&etag(user.version)) {
        headers.insert(header::ETAG, tag);
    }
    if status == StatusCode::CREATED {
        if let Ok(location) =
            HeaderValue::from_str(&format!("{}/Users/{}", bridge.base_url, user.id))
        {
            headers.insert(header::LOCATION, location);
        }
    }
    Ok(response)
}

/// The body as JSON, read within the bridge's limit.
async fn read_json(bridge: &BridgeInner, body: Body) -> Result<Value, ScimError> {
    let bytes: Bytes = axum::body::to_bytes(body, bridge.max_body_bytes)
        .await
        .map_err(|_| ScimError::too_large(bridge.max_body_bytes))?;
    serde_json::from_slice(&bytes)
        .map_err(|error| ScimError::invalid_syntax(format!("the body is not JSON: {error}")))
}

fn scim_json(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    response
}

/// A database failure, told to the client without the database's words.
fn database(error: StoreError) -> ScimError {
    #[cfg(feature = "tracing")]
    tracing::error!(error = %error, "SCIM bridge store failed");
    let _ = &error;
    ScimError::internal("the bridge could not read or write its state; try again")
}
