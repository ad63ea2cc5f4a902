//! The native Connect users API.

use std::fmt;

use reqwest::Method;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::http::{ApiRequest, HttpCore, RawResponse};
use crate::idempotency::IdempotencyKey;
use crate::options::RequestOptions;
use crate::provider::Provider;
use crate::update::Patch;

use super::builder::{ConnectBuilder, IdempotencyKeyGenerator};
use super::errors::is_idempotency_conflict;
use super::models::{
    ConnectUser, CreateUser, CreatedUser, ListUsersQuery, Pagination, UpdateUser, UserList,
};
use super::validate;

const USERS: &str = "users";
/// The header Connect reads the idempotency key from (HTTP header names are
/// case-insensitive; the vendor spells it `X-Idempotency-Key`).
const IDEMPOTENCY_HEADER: &str = "x-idempotency-key";

/// A Connect users client. Cheap to clone; clones share one connection pool and one
/// idempotency key generator.
///
/// The native calls ([`create`](Self::create), [`get`](Self::get),
/// [`update`](Self::update), [`delete`](Self::delete), [`list`](Self::list)) take and
/// return Connect's own models; the portable calls come from
/// [`UserProvisioner`](crate::UserProvisioner). See the [module docs](super) for what is
/// documented by the vendor and what is modelled on the customers resource.
#[derive(Clone)]
pub struct ConnectClient {
    http: HttpCore,
    key_generator: IdempotencyKeyGenerator,
}

impl fmt::Debug for ConnectClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectClient")
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl ConnectClient {
    pub(crate) fn new(http: HttpCore, key_generator: IdempotencyKeyGenerator) -> Self {
        Self {
            http,
            key_generator,
        }
    }

    /// A builder; same as [`ConnectBuilder::new`].
    pub fn builder() -> ConnectBuilder {
        ConnectBuilder::new()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &url::Url {
        self.http.base_url()
    }

    /// `POST /users` with an `X-Idempotency-Key`.
    ///
    /// The key is the caller's ([`RequestOptions::with_idempotency_key`]) or, without
    /// one, a fresh key from the client's generator (a random UUID v4 by default), made
    /// **once** for this call. Every retry attempt of this call sends the same key, so
    /// the server answers a repeated create with the first result instead of creating
    /// the user twice; the create is therefore retried after timeouts, connection resets
    /// and 500/502/503/504 like a read. The key is returned with the user: log it, and
    /// after a crash send the same create again under it
    /// ([`RequestOptions::with_idempotency_key`]) within the server's 24 hours.
    ///
    /// Any 2xx with a user body is success (the vendor's status is UNCONFIRMED: 200 or
    /// 201). A 2xx whose body cannot be read (truncated, malformed, over the size
    /// limit) still created the user: the create is sent once more under the same key,
    /// and Connect replays its stored answer.
    ///
    /// Every error after sending carries the key ([`Error::idempotency_key`]); one that
    /// leaves the outcome unknown once the retries are used up (timeout, reset, 5xx) is
    /// [`Error::OutcomeUnknown`], whose [`Error::resend`] is
    /// [`Resend::WithKey`](crate::Resend::WithKey).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before sending for a blank `name`, a malformed `email`, an
    /// `msisdn` that is not E.164 or a blank `identity`;
    /// [`Error::IdempotencyKeyReused`] when the server answers 409 because the key was
    /// already used for a different body (see the module docs for how that 409 is told
    /// from others); [`Error::RateLimited`] with [`Error::retry_after`] from
    /// `Retry-After`; [`Error::OutcomeUnknown`] as above; [`Error::CreatedUnreadable`]
    /// when the replayed answer could not be read either.
    pub async fn create(
        &self,
        request: &CreateUser,
        options: &RequestOptions,
    ) -> Result<CreatedUser> {
        check_create(request)?;
        let key = match options.idempotency_key() {
            Some(key) => key.clone(),
            None => (self.key_generator)(),
        };
        let first = match self.send_create(request, &key, options).await {
            Ok(user) => Ok(user),
            // A 2xx created the user; Connect replays the stored answer of a key, so
            // sending again under it reads that answer without creating anew.
            Err(err) if err.is_unreadable_success() => {
                match self.send_create(request, &key, options).await {
                    Ok(user) => Ok(user),
                    Err(_) => Err(Error::CreatedUnreadable {
                        provider: Provider::CONNECT,
                        id: None,
                        idempotency_key: Some(key.clone()),
                        cause: Box::new(err),
                    }),
                }
            }
            Err(err) => Err(err),
        };
        Ok(CreatedUser {
            user: first?,
            idempotency_key: key,
        })
    }

    /// One `POST /users` call (with its retries) under `key`.
    async fn send_create(
        &self,
        request: &CreateUser,
        key: &IdempotencyKey,
        options: &RequestOptions,
    ) -> Result<ConnectUser> {
        let call = ApiRequest::new(Method::POST, &[USERS])
            .json(Provider::CONNECT, request)?
            .idempotency_key(IDEMPOTENCY_HEADER, key)
            .map_error(|err| err.reclassify(is_idempotency_conflict, Error::IdempotencyKeyReused));
        self.http.send(call, options).await?.json()
    }

    /// `GET /users/{userId}` (modelled on `GET /customers/{id}`; UNCONFIRMED for users).
    /// An unknown id is [`Error::NotFound`].
    pub async fn get(&self, user_id: &str, options: &RequestOptions) -> Result<ConnectUser> {
        Ok(self.fetch(user_id, options).await?.0)
    }

    /// The user, and the JSON it came from when `options` keeps raw JSON.
    pub(crate) async fn fetch(
        &self,
        user_id: &str,
        options: &RequestOptions,
    ) -> Result<(ConnectUser, Value)> {
        validate::user_id("user_id", user_id)?;
        let response = self
            .http
            .send(ApiRequest::new(Method::GET, &[USERS, user_id]), options)
            .await?;
        decode_with_raw(&response, options)
    }

    /// `PATCH /users/{userId}` with a merge patch (modelled on `PATCH /customers/{id}`;
    /// UNCONFIRMED for users). Returns the updated user when the server sends one, and
    /// `None` for an empty answer (such as `204`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before sending for an empty change or an invalid value;
    /// [`Error::NotFound`] for an unknown id.
    pub async fn update(
        &self,
        user_id: &str,
        change: &UpdateUser,
        options: &RequestOptions,
    ) -> Result<Option<ConnectUser>> {
        Ok(self
            .patch(user_id, change, options)
            .await?
            .map(|(user, _)| user))
    }

    pub(crate) async fn patch(
        &self,
        user_id: &str,
        change: &UpdateUser,
        options: &RequestOptions,
    ) -> Result<Option<(ConnectUser, Value)>> {
        validate::user_id("user_id", user_id)?;
        check_update(change)?;
        let call =
            ApiRequest::new(Method::PATCH, &[USERS, user_id]).json(Provider::CONNECT, change)?;
        let response = self.http.send(call, options).await?;
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        decode_with_raw(&response, options).map(Some)
    }

    /// `DELETE /users/{userId}` (modelled on the customers resource; UNCONFIRMED for
    /// users). Any 2xx is success, whatever its body. An unknown id is
    /// [`Error::NotFound`].
    pub async fn delete(&self, user_id: &str, options: &RequestOptions) -> Result<()> {
        validate::user_id("user_id", user_id)?;
        self.http
            .send(ApiRequest::new(Method::DELETE, &[USERS, user_id]), options)
            .await?;
        Ok(())
    }

    /// `GET /users?limit=&offset=`: one page with offset paging, as on the customers
    /// resource (UNCONFIRMED for users). A bare JSON array is read as the items of a page
    /// without pagination.
    pub async fn list(&self, query: &ListUsersQuery, options: &RequestOptions) -> Result<UserList> {
        let mut call = ApiRequest::new(Method::GET, &[USERS]);
        if let Some(limit) = query.limit {
            call = call.query("limit", limit);
        }
        if let Some(offset) = query.offset {
            call = call.query("offset", offset);
        }
        let response = self.http.send(call, options).await?;
        let bare_array = response
            .body
            .iter()
            .find(|byte| !byte.is_ascii_whitespace())
            == Some(&b'[');
        if bare_array {
            return Ok(UserList {
                items: response.json()?,
                pagination: Pagination::default(),
                other: serde_json::Map::new(),
            });
        }
        response.json()
    }
}

fn decode_with_raw(
    response: &RawResponse,
    options: &RequestOptions,
) -> Result<(ConnectUser, Value)> {
    Ok((response.json()?, response.raw_json(options)))
}

fn check_create(request: &CreateUser) -> Result<()> {
    validate::name("name", &request.name)?;
    if let Some(email) = &request.email {
        validate::email("email", email)?;
    }
    if let Some(msisdn) = &request.msisdn {
        validate::msisdn("msisdn", msisdn)?;
    }
    if let Some(identity) = &request.identity {
        validate::identity("identity", identity)?;
    }
    Ok(())
}

fn check_update(change: &UpdateUser) -> Result<()> {
    if change.is_empty() {
        return Err(Error::invalid_input(
            "update",
            "nothing to change; set at least one field",
        ));
    }
    if let Some(name) = &change.name {
        validate::name("name", name)?;
    }
    if let Patch::Set(email) = &change.email {
        validate::email("email", email)?;
    }
    if let Patch::Set(msisdn) = &change.msisdn {
        validate::msisdn("msisdn", msisdn)?;
    }
    if let Patch::Set(identity) = &change.identity {
        validate::identity("identity", identity)?;
    }
    Ok(())
}
