//! The native jambonz users API.

use reqwest::Method;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{ApiError, Error, Result};

use crate::http::{ApiRequest, HttpCore};
use crate::options::RequestOptions;
use crate::provider::Provider;
use crate::recovery::read_back_created;
use crate::update::Patch;

use super::builder::JambonzBuilder;
use super::models::{CreateUser, CreatedUser, JambonzUser, UpdateUser, UserSummary};
use super::validate::{self, PasswordPolicy};

const USERS: &str = "Users";

/// A jambonz users client. Cheap to clone; clones share one connection pool.
///
/// The native calls ([`create`](Self::create), [`get`](Self::get),
/// [`update`](Self::update), [`delete`](Self::delete), [`list`](Self::list)) take and
/// return jambonz's own models; the portable calls come from [`UserProvisioner`](crate::UserProvisioner).
///
/// ```no_run
/// use user_provisioner::providers::jambonz::{CreateUser, JambonzBuilder};
/// use user_provisioner::RequestOptions;
///
/// # async fn run() -> Result<(), user_provisioner::Error> {
/// let client = JambonzBuilder::from_env().build()?;
/// let mut request = CreateUser::new("jdoe", "jdoe@example.com", "Str0ngP@ssw0rd!");
/// request.account_sid = Some("9d1a8a2e-0c3b-4f7a-8f55-2d0f6ad4c0de".parse().unwrap());
/// let created = client.create(&request, &RequestOptions::new()).await?;
/// let row = client.get(&created.user_sid, &RequestOptions::new()).await?;
/// println!("{} is active: {:?}", row.name, row.is_active);
/// # Ok(()) }
/// ```
///
/// See the [module docs](super) for what each call sends and how the server's quirks
/// are handled.
#[derive(Debug, Clone)]
pub struct JambonzClient {
    http: HttpCore,
    pub(crate) password_policy: PasswordPolicy,
}

impl JambonzClient {
    pub(crate) fn new(http: HttpCore, password_policy: PasswordPolicy) -> Self {
        Self {
            http,
            password_policy,
        }
    }

    /// A builder; same as [`JambonzBuilder::new`].
    pub fn builder() -> JambonzBuilder {
        JambonzBuilder::new()
    }

    /// Whether an uncertain create is followed by a lookup.
    pub(crate) fn create_recovery(&self) -> bool {
        self.http.create_recovery()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &url::Url {
        self.http.base_url()
    }

    /// `POST /Users`. Sent once: jambonz has no idempotency key, so a create whose
    /// outcome is unknown (timeout, reset, 5xx, 408) is reported, never re-sent.
    ///
    /// A 2xx whose body cannot be read (malformed, over the size limit) still created
    /// the user: its sid is read back from the user list by name or email.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before sending for an empty name, a malformed email or a
    /// password outside the policy; [`Error::Unsupported`] if `options` carries an
    /// idempotency key; [`Error::Conflict`] for a duplicate name or email (422);
    /// [`Error::CreatedUnreadable`] for a 2xx whose user could not be read back.
    pub async fn create(
        &self,
        request: &CreateUser,
        options: &RequestOptions,
    ) -> Result<CreatedUser> {
        options.refuse_idempotency_key(
            Provider::JAMBONZ,
            "an unknown outcome is reported as an error",
        )?;
        validate::name("name", &request.name)?;
        validate::email("email", &request.email)?;
        self.password_policy
            .check("initial_password", &request.initial_password)?;
        let call = ApiRequest::new(Method::POST, &[USERS])
            .json(Provider::JAMBONZ, request)?
            .scrub_also(Some(&request.initial_password))
            .send_once()
            .map_error(|err| err.reclassify(is_duplicate, Error::Conflict));
        let answer = match self.http.send(call, options).await {
            Ok(response) => response.json(),
            Err(err) => Err(err),
        };
        match answer {
            Ok(created) => Ok(created),
            Err(err) => {
                let read_back = || async {
                    let found = self
                        .find_by_name_or_email(&request.name, &request.email, options)
                        .await?;
                    Ok(found.map(|row| CreatedUser {
                        user_sid: row.user_sid,
                        other: serde_json::Map::new(),
                    }))
                };
                read_back_created(
                    Provider::JAMBONZ,
                    self.create_recovery(),
                    None,
                    err,
                    read_back,
                )
                .await
            }
        }
    }

    /// `GET /Users/{user_sid}`. An unknown sid is [`Error::NotFound`] (the server's 500
    /// is kept in the [`ApiError`]).
    pub async fn get(&self, user_sid: &Uuid, options: &RequestOptions) -> Result<JambonzUser> {
        Ok(self.fetch_user(user_sid, options).await?.0)
    }

    /// The user row, and the JSON it came from when `options` keeps raw JSON.
    pub(crate) async fn fetch_user(
        &self,
        user_sid: &Uuid,
        options: &RequestOptions,
    ) -> Result<(JambonzUser, Value)> {
        let mut buffer = Uuid::encode_buffer();
        let sid = user_sid.hyphenated().encode_lower(&mut buffer);
        let call = ApiRequest::new(Method::GET, &[USERS, sid])
            .map_error(|err| err.reclassify(is_unknown_user, Error::NotFound));
        let response = self.http.send(call, options).await?;
        Ok((response.json()?, response.raw_json(options)))
    }

    /// `PUT /Users/{user_sid}` (204). The server applies every field the body names:
    /// `name`, `email`, passwords, `is_active` and `force_change` (`true` or `false`),
    /// the account and service provider, and `is_view_only` (always sent, because
    /// leaving it out removes view-only). A change that leaves a value as it was is
    /// answered 204 too.
    ///
    /// Repeated after a timeout, reset or 5xx like every PUT, except a password change
    /// by `old_password`/`new_password`: once applied, its repeat would be refused (the
    /// old password no longer matches), so it is sent once and an uncertain outcome is
    /// reported ([`Error::is_outcome_unknown`]).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before sending for what the server refuses or silently
    /// skips: a blank `name` or malformed `email`, an `old_password`/`new_password`
    /// without the other, a new password equal to the old one, a name change together
    /// with a password change, a password outside the policy, and clearing
    /// `account_sid` or `service_provider_sid` (the server never promotes a user).
    /// [`Error::NotFound`] for an unknown sid; [`Error::PermissionDenied`] for a wrong
    /// `old_password`.
    pub async fn update(
        &self,
        user_sid: &Uuid,
        change: &UpdateUser,
        options: &RequestOptions,
    ) -> Result<()> {
        self.check_update(change)?;
        let mut buffer = Uuid::encode_buffer();
        let sid = user_sid.hyphenated().encode_lower(&mut buffer);
        let mut call = ApiRequest::new(Method::PUT, &[USERS, sid])
            .json(Provider::JAMBONZ, change)?
            .scrub_also(change.old_password.as_ref())
            .scrub_also(change.new_password.as_ref())
            .scrub_also(change.initial_password.as_ref())
            .map_error(|err| err.reclassify(is_unknown_sid_on_update, Error::NotFound));
        if change.new_password.is_some() {
            call = call.send_once();
        }
        self.http.send(call, options).await?;
        Ok(())
    }

    /// `DELETE /Users/{user_sid}` (204), after reading the user: the server answers 204
    /// for an unknown sid when two or more administrators exist and a 500 when exactly
    /// one does, so an unknown sid is [`Error::NotFound`] either way, as in the portable
    /// [`delete_user`](crate::UserProvisioner::delete_user).
    pub async fn delete(&self, user_sid: &Uuid, options: &RequestOptions) -> Result<()> {
        self.fetch_user(user_sid, options).await?;
        let mut buffer = Uuid::encode_buffer();
        let sid = user_sid.hyphenated().encode_lower(&mut buffer);
        let call = ApiRequest::new(Method::DELETE, &[USERS, sid])
            .map_error(|err| err.reclassify(is_unknown_sid_on_delete, Error::NotFound));
        self.http.send(call, options).await?;
        Ok(())
    }

    /// `GET /Users`: every user the token may see, in no stable order. The server's
    /// 500 for "no users" (an account token whose account has none) is returned as an
    /// empty list.
    pub async fn list(&self, options: &RequestOptions) -> Result<Vec<UserSummary>> {
        // The "no users" 500 is an answer, not a failure: mapped before the retry
        // decision so it is not retried.
        let call = ApiRequest::new(Method::GET, &[USERS])
            .map_error(|err| err.reclassify(is_empty_list, Error::NotFound));
        match self.http.send(call, options).await {
            Ok(response) => response.json(),
            Err(err) if err.api_error().is_some_and(is_empty_list) => Ok(Vec::new()),
            Err(err) => Err(err),
        }
    }

    pub(crate) fn check_update(&self, change: &UpdateUser) -> Result<()> {
        // The server skips an empty name or email without a word (`if (name)`), so a
        // blank one would report success for a change never made.
        if let Some(name) = &change.name {
            validate::name("name", name)?;
        }
        if let Some(email) = &change.email {
            validate::email("email", email)?;
        }
        match (&change.old_password, &change.new_password) {
            (Some(_), None) => {
                return Err(Error::invalid_input(
                    "new_password",
                    "required with old_password",
                ))
            }
            (None, Some(_)) => {
                return Err(Error::invalid_input(
                    "old_password",
                    "required with new_password",
                ))
            }
            (Some(old), Some(new)) => {
                if change.name.is_some() {
                    return Err(Error::invalid_input(
                        "name",
                        "jambonz cannot change name and password in one update; send two",
                    ));
                }
                if old.expose() == new.expose() {
                    return Err(Error::invalid_input(
                        "new_password",
                        "must differ from old_password (jambonz answers 500 'new password \
                         cannot be your old password')",
                    ));
                }
                self.password_policy.check("new_password", new)?;
            }
            (None, None) => {}
        }
        if let Some(password) = &change.initial_password {
            self.password_policy.check("initial_password", password)?;
        }
        for (field, patch) in [
            ("account_sid", &change.account_sid),
            ("service_provider_sid", &change.service_provider_sid),
        ] {
            if matches!(patch, Patch::Clear) {
                return Err(Error::invalid_input(
                    field,
                    "jambonz cannot clear it: the server refuses to promote a user \
                     (400 'user may not be promoted')",
                ));
            }
        }
        Ok(())
    }
}

fn message_has(api: &ApiError, needle: &str) -> bool {
    api.message.to_ascii_lowercase().contains(needle)
}

/// 422 (or a raw duplicate-key 500 from older servers) on create.
fn is_duplicate(api: &ApiError) -> bool {
    api.status == 422 || (api.status == 500 && message_has(api, "er_dup_entry"))
}

/// The server's 500 for a sid that has no row.
fn is_unknown_user(api: &ApiError) -> bool {
    api.status == 500
        && (message_has(api, "failure retrieving user")
            || message_has(api, "cannot destructure property"))
}

fn is_unknown_sid_on_update(api: &ApiError) -> bool {
    api.status == 400 && message_has(api, "does not exist")
}

/// The server's 500 for an unknown sid when exactly one administrator exists (it reads
/// a property of the missing row).
fn is_unknown_sid_on_delete(api: &ApiError) -> bool {
    api.status == 500 && message_has(api, "reading 'user_sid'")
}

fn is_empty_list(api: &ApiError) -> bool {
    api.status == 500 && message_has(api, "failure retrieving users list")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delete_500_for_an_unknown_sid_is_told_from_other_server_errors() {
        let unknown = ApiError::new(
            Provider::JAMBONZ,
            500,
            "Cannot read properties of undefined (reading 'user_sid')",
        );
        assert!(is_unknown_sid_on_delete(&unknown));
        let other = ApiError::new(Provider::JAMBONZ, 500, "failure retrieving user");
        assert!(!is_unknown_sid_on_delete(&other));
    }
}
