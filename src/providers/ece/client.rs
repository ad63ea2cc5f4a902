//! The native Elastic Cloud Enterprise users API.

use reqwest::Method;
use serde_json::Value;

use crate::error::{Error, Result};

use crate::http::{ApiRequest, HttpCore};
use crate::options::RequestOptions;
use crate::provider::Provider;
use crate::recovery::read_back_created;

use super::builder::EceBuilder;
use super::errors::map_error;
use super::models::{CreateUser, EceUser, UpdateUser, UserList};
use super::validate;

const USERS: &str = "users";

/// An Elastic Cloud Enterprise users client. Cheap to clone; clones share one
/// connection pool.
///
/// The native calls ([`create`](Self::create), [`get`](Self::get),
/// [`update`](Self::update), [`delete`](Self::delete), [`list`](Self::list)) take and
/// return ECE's own models; the portable calls come from
/// [`UserProvisioner`](crate::UserProvisioner). Every call maps ECE's error answers as
/// the [module docs](super#errors) describe.
#[derive(Debug, Clone)]
pub struct EceClient {
    http: HttpCore,
}

impl EceClient {
    /// Whether an uncertain create is followed by a lookup.
    pub(crate) fn create_recovery(&self) -> bool {
        self.http.create_recovery()
    }

    pub(crate) fn new(http: HttpCore) -> Self {
        Self { http }
    }

    /// A builder; same as [`EceBuilder::new`].
    pub fn builder() -> EceBuilder {
        EceBuilder::new()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &url::Url {
        self.http.base_url()
    }

    /// `POST /users` → 200 with the new user. Sent once: ECE has no idempotency key, so
    /// a create whose outcome is unknown (timeout, reset, 5xx, 408) is reported
    /// ([`Error::is_outcome_unknown`]), never re-sent. A 2xx whose body cannot be read
    /// still created the user, which is then read back by its name.
    ///
    /// # Errors
    /// Before sending: [`Error::InvalidInput`] for an empty user name or one with special
    /// characters, a role rule broken, or a malformed email; [`Error::Unsupported`] if
    /// `options` carries an idempotency key. From the server: [`Error::Conflict`] for
    /// `user.user_name.conflict` (409), [`Error::PermissionDenied`] for 449
    /// (elevated permissions required) and 403, [`Error::Api`] for the 400 codes;
    /// [`Error::CreatedUnreadable`] (with the user name) for a 2xx whose body could not
    /// be read and whose user could not be read back either.
    pub async fn create(&self, request: &CreateUser, options: &RequestOptions) -> Result<EceUser> {
        Ok(self.create_raw(request, options).await?.0)
    }

    pub(crate) async fn create_raw(
        &self,
        request: &CreateUser,
        options: &RequestOptions,
    ) -> Result<(EceUser, Value)> {
        options
            .refuse_idempotency_key(Provider::ECE, "an unknown outcome is reported as an error")?;
        validate::new_user_name("user_name", &request.user_name)?;
        validate::roles("security.roles", &request.security.roles)?;
        if let Some(email) = &request.email {
            validate::email("email", email)?;
        }
        if request
            .security
            .password
            .as_ref()
            .is_some_and(|p| p.is_empty())
        {
            return Err(Error::invalid_input(
                "security.password",
                "must not be empty",
            ));
        }
        let call = ApiRequest::new(Method::POST, &[USERS])
            .json(Provider::ECE, request)?
            .scrub_also(request.security.password.as_ref())
            .send_once()
            .map_error(map_error);
        let answer = match self.http.send(call, options).await {
            Ok(response) => decode_user(response, options),
            Err(err) => Err(err),
        };
        match answer {
            Ok(created) => Ok(created),
            Err(err) => {
                let name = request.user_name.as_str();
                let read_back = || async {
                    let own = options.without_timeout();
                    crate::recovery::found(self.get_raw(name, &own).await)
                };
                read_back_created(
                    Provider::ECE,
                    self.create_recovery(),
                    Some(name),
                    err,
                    read_back,
                )
                .await
            }
        }
    }

    /// `GET /users/{user_name}`. An unknown user (`user.not_found`, 404) is
    /// [`Error::NotFound`].
    pub async fn get(&self, user_name: &str, options: &RequestOptions) -> Result<EceUser> {
        Ok(self.get_raw(user_name, options).await?.0)
    }

    pub(crate) async fn get_raw(
        &self,
        user_name: &str,
        options: &RequestOptions,
    ) -> Result<(EceUser, Value)> {
        validate::existing_user_name("user_name", user_name)?;
        let call = ApiRequest::new(Method::GET, &[USERS, user_name]).map_error(map_error);
        decode_user(self.http.send(call, options).await?, options)
    }

    /// `GET /users?include_disabled=...`: every user, in the server's order. Disabled
    /// users are listed only with `include_disabled` (the server's default leaves them
    /// out).
    pub async fn list(
        &self,
        include_disabled: bool,
        options: &RequestOptions,
    ) -> Result<Vec<EceUser>> {
        Ok(self
            .list_raw(include_disabled, options)
            .await?
            .into_iter()
            .map(|(user, _)| user)
            .collect())
    }

    pub(crate) async fn list_raw(
        &self,
        include_disabled: bool,
        options: &RequestOptions,
    ) -> Result<Vec<(EceUser, Value)>> {
        let call = ApiRequest::new(Method::GET, &[USERS])
            .query("include_disabled", include_disabled)
            .map_error(map_error);
        let response = self.http.send(call, options).await?;
        let list: UserList = response.json()?;
        let raws = response.raw_items(options, "/users");
        Ok(list.users.into_iter().zip(raws).collect())
    }

    /// `PATCH /users/{user_name}` with a JSON Merge Patch → 200 with the updated user.
    /// A merge patch sets the same state however often it is applied, so it is retried
    /// like a read.
    ///
    /// # Errors
    /// Before sending: [`Error::InvalidInput`] for an empty user name, a role rule broken
    /// or a malformed email. From the server: [`Error::NotFound`] (`user.not_found`),
    /// [`Error::Api`] for `user.cannot_modify`, `user.cannot_modify_external`,
    /// `user.roles.invalid`, `user.roles.forbidden`, `user.restricted_field`;
    /// [`Error::PermissionDenied`] for 449.
    pub async fn update(
        &self,
        user_name: &str,
        change: &UpdateUser,
        options: &RequestOptions,
    ) -> Result<EceUser> {
        Ok(self.update_raw(user_name, change, options).await?.0)
    }

    pub(crate) async fn update_raw(
        &self,
        user_name: &str,
        change: &UpdateUser,
        options: &RequestOptions,
    ) -> Result<(EceUser, Value)> {
        validate::existing_user_name("user_name", user_name)?;
        check_update(change)?;
        let call = ApiRequest::new(Method::PATCH, &[USERS, user_name])
            .json(Provider::ECE, change)?
            .scrub_also(change.security.password.as_ref())
            .map_error(map_error);
        decode_user(self.http.send(call, options).await?, options)
    }

    /// `DELETE /users/{user_name}` → 200 `{}`.
    ///
    /// # Errors
    /// [`Error::NotFound`] (`user.not_found`); [`Error::Api`] for
    /// `user.restricted_deletion`, `user.cannot_modify`, `user.cannot_modify_external`;
    /// [`Error::PermissionDenied`] for 449.
    pub async fn delete(&self, user_name: &str, options: &RequestOptions) -> Result<()> {
        validate::existing_user_name("user_name", user_name)?;
        let call = ApiRequest::new(Method::DELETE, &[USERS, user_name]).map_error(map_error);
        // The body is documented as `{}`; nothing in it is needed.
        self.http.send(call, options).await?;
        Ok(())
    }
}

pub(crate) fn check_update(change: &UpdateUser) -> Result<()> {
    if let Some(roles) = change.security.roles.as_set() {
        validate::roles("security.roles", roles)?;
    }
    if let Some(email) = change.email.as_set() {
        validate::email("email", email)?;
    }
    if let Some(password) = &change.security.password {
        if password.is_empty() {
            return Err(Error::invalid_input(
                "security.password",
                "must not be empty",
            ));
        }
    }
    Ok(())
}

/// The typed user (decode errors name the field path), and the JSON it came from when
/// `options` keeps raw JSON.
fn decode_user(
    response: crate::http::RawResponse,
    options: &RequestOptions,
) -> Result<(EceUser, Value)> {
    Ok((response.json()?, response.raw_json(options)))
}
