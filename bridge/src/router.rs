//! The SCIM HTTP endpoints (RFC 7644 §3): each reads a request into a call on the
//! [`service`](super::service) and writes what it returns back (the resource rendered
//! and projected, its ETag and Location, or the error in the SCIM error schema). The
//! rules themselves (backends' checks, uniqueness, versions) are the
//! service's.
//!
//! Endpoint names are read in any case and without a trailing slash (`/users/`), as
//! clients send them ([`paths`]); every answer that carries a user honours `attributes`
//! and `excludedAttributes` (RFC 7644 §3.9), a POST's, PUT's and PATCH's as a GET's.

mod paths;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use serde_json::{json, Value};
use tower::ServiceExt;

use user_provisioner::Secret;

use super::bridge::BridgeInner;
use super::discovery::{self, DiscoveryLimits};
use super::error::ScimError;
use super::projection::project;
use super::resource::{etag, render_user};
use super::service::{self, ListRequest};
use super::store::UserRecord;
use user_provisioner::scim::model::ListResponse;
use user_provisioner::scim::schema::SCIM_JSON;

type Shared = Arc<BridgeInner>;
type Answer = Result<Response, ScimError>;

pub(crate) fn router(bridge: Shared) -> Router {
    let routes = endpoints(bridge);
    // Routing matches paths exactly, and middleware added with `Router::layer` runs after
    // it: the path is made canonical around the whole router instead, which is then this
    // router's one (fallback) service, so it nests under any prefix as before.
    Router::new().fallback_service(routes.map_request(canonical_request))
}

fn canonical_request(mut request: Request) -> Request {
    if let Some(uri) = paths::canonical_uri(request.uri()) {
        *request.uri_mut() = uri;
    }
    request
}

fn endpoints(bridge: Shared) -> Router {
    Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{id}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema))
        .route("/Users", get(list_users).post(create_user))
        .route("/Users/.search", axum::routing::post(search_users))
        .route("/.search", axum::routing::post(search_users))
        .route(
            "/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        // RFC 7644 §3.11: a service provider without `/Me` "SHOULD respond with HTTP
        // status code 501 (Not Implemented)"; `/Bulk` likewise (§3.12, and
        // `bulk.supported` is false). The bridge's clients hold a token, not a user.
        .route("/Me", any(not_implemented))
        .route("/Me/{*rest}", any(not_implemented))
        .route("/Bulk", any(not_implemented))
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

async fn not_implemented(request: Request) -> ScimError {
    let what = if request.uri().path().starts_with("/Bulk") {
        "bulk operations (RFC 7644 §3.7)"
    } else {
        "the /Me alias (RFC 7644 §3.11): the bridge's clients authenticate as a token, not a user"
    };
    ScimError::not_implemented(format!("the bridge does not support {what}"))
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
    sort_by: Option<String>,
    sort_order: Option<String>,
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
            "sortby" => &mut read.sort_by,
            "sortorder" => &mut read.sort_order,
            "attributes" => &mut read.attributes,
            "excludedattributes" => &mut read.excluded,
            _ => continue,
        };
        *slot = Some(value.into_owned());
    }
    read
}

async fn list_users(State(bridge): State<Shared>, RawQuery(query): RawQuery) -> Answer {
    let query = read_query(query.as_deref());
    let listed = service::list(
        &bridge,
        &ListRequest {
            filter: query.filter.as_deref(),
            start_index: query.start_index.as_deref(),
            count: query.count.as_deref(),
            sort_by: query.sort_by.as_deref(),
            sort_order: query.sort_order.as_deref(),
        },
    )
    .await?;
    list_response(
        &bridge,
        &listed,
        query.attributes.as_deref(),
        query.excluded.as_deref(),
    )
}

/// `POST /Users/.search` and `POST /.search` (RFC 7644 §3.4.3): a list whose
/// parameters are in the body; the bridge serves Users only, so both search them.
async fn search_users(State(bridge): State<Shared>, body: Body) -> Answer {
    let search = service::search_request(&read_json(&bridge, body).await?)?;
    let listed = service::list(&bridge, &search.list_request()).await?;
    list_response(
        &bridge,
        &listed,
        search.attributes.as_deref(),
        search.excluded.as_deref(),
    )
}

/// A ListResponse of one page, each user rendered and projected.
fn list_response(
    bridge: &BridgeInner,
    listed: &service::Listed,
    attributes: Option<&str>,
    excluded: Option<&str>,
) -> Answer {
    let mut resources = Vec::with_capacity(listed.users.len());
    for (user, rows) in &listed.users {
        let mut resource = render_user(&bridge.base_url, user, rows);
        project(&mut resource, attributes, excluded)?;
        resources.push(Value::Object(resource));
    }
    Ok(scim_json(
        StatusCode::OK,
        serde_json::to_value(ListResponse::new(
            resources,
            listed.total as u64,
            listed.start_index as u64,
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
    let user = service::live_user(&bridge, &id).await?;
    let if_none_match = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok());
    if service::version_listed(if_none_match, user.version) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(tag) = HeaderValue::from_str(&etag(user.version)) {
            response.headers_mut().insert(header::ETAG, tag);
        }
        return Ok(response);
    }
    respond_user(&bridge, &user, StatusCode::OK, &query).await
}

async fn create_user(
    State(bridge): State<Shared>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Answer {
    let query = checked_projection(query.as_deref())?;
    let user = service::create(&bridge, &read_json(&bridge, body).await?).await?;
    respond_user(&bridge, &user, StatusCode::CREATED, &query).await
}

/// The `If-Match` header as sent; one that is not text is `Some("")`, which names no
/// version.
fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::IF_MATCH)
        .map(|value| value.to_str().unwrap_or_default())
}

async fn replace_user(
    State(bridge): State<Shared>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let query = checked_projection(query.as_deref())?;
    let user = service::replace(&bridge, &id, if_match(&headers), read_json(&bridge, body)).await?;
    respond_user(&bridge, &user, StatusCode::OK, &query).await
}

/// RFC 7644 §3.5.2 lets a PATCH answer 200 with the resource or 204 without it. The
/// bridge answers 200 with the user, as both identity providers document it: Okta's SCIM
/// 2.0 reference ("Update a specific User (PATCH)") shows 200 with the user and accepts a
/// 204, and Entra ID's SCIM tutorial ("Update User", "Disable User") shows 200 with the
/// user. The body also carries what a client cannot learn from a 204: each backend's
/// state in the bridge's extension.
async fn patch_user(
    State(bridge): State<Shared>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let query = checked_projection(query.as_deref())?;
    let user = service::patch(&bridge, &id, if_match(&headers), read_json(&bridge, body)).await?;
    respond_user(&bridge, &user, StatusCode::OK, &query).await
}

async fn delete_user(
    State(bridge): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    service::delete(&bridge, &id, if_match(&headers)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn status(State(bridge): State<Shared>) -> Answer {
    let status = service::status(&bridge).await?;
    Ok(scim_json(StatusCode::OK, status.to_json()))
}

async fn retry_given_up(State(bridge): State<Shared>) -> Answer {
    let requeued = service::retry_given_up(&bridge).await?;
    Ok(scim_json(StatusCode::OK, json!({ "requeued": requeued })))
}

/// The query of a change, its `attributes` and `excludedAttributes` checked before the
/// change is made: a malformed list is a 400 that changed nothing, not one that follows
/// a change made.
fn checked_projection(query: Option<&str>) -> Result<ReadQuery, ScimError> {
    let query = read_query(query);
    project(
        &mut serde_json::Map::new(),
        query.attributes.as_deref(),
        query.excluded.as_deref(),
    )?;
    Ok(query)
}

async fn respond_user(
    bridge: &BridgeInner,
    user: &UserRecord,
    status: StatusCode,
    query: &ReadQuery,
) -> Answer {
    let rows = service::sync_rows(bridge, user).await?;
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
