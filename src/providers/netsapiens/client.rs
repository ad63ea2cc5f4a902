//! The native NetSapiens v2 users API.

use std::ops::RangeInclusive;

use reqwest::Method;
use serde_json::Value;

use crate::error::{Error, Result};

use crate::http::{ApiRequest, HttpCore, RawResponse};
use crate::options::RequestOptions;
use crate::provider::Provider;
use crate::recovery::{found, read_back_created};
use crate::update::Patch;

use super::builder::NetSapiensBuilder;
use super::models::{
    Acknowledgement, CreateResult, CreateUser, ListQuery, NetSapiensUser, UpdateUser, UserCount,
    UserSettings,
};
use super::validate;

const DOMAINS: &str = "domains";
const USERS: &str = "users";

/// Settings of the portable mapping, fixed at build time.
#[derive(Debug, Clone)]
pub(crate) struct ClientConfig {
    pub(crate) extension_range: Option<RangeInclusive<u32>>,
    pub(crate) allocation_attempts: u32,
    pub(crate) synchronous_creates: bool,
    pub(crate) list_start_base: u64,
}

/// A NetSapiens v2 users client bound to one domain. Cheap to clone; clones share one
/// connection pool.
///
/// The native calls ([`create`](Self::create), [`get`](Self::get), [`list`](Self::list),
/// [`count`](Self::count), [`update`](Self::update), [`delete`](Self::delete),
/// [`wait_until_visible`](Self::wait_until_visible)) take and return NetSapiens' own
/// models; the portable calls come from [`UserProvisioner`](crate::UserProvisioner).
/// Every call works in the client's [`domain`](Self::domain); use
/// [`for_domain`](Self::for_domain) for another.
///
/// See the [module docs](super) for what each call sends.
#[derive(Debug, Clone)]
pub struct NetSapiensClient {
    pub(crate) http: HttpCore,
    pub(crate) domain: String,
    pub(crate) config: ClientConfig,
}

/// A create's answer with what the portable mapping keeps of it.
pub(crate) struct CreateReply {
    pub(crate) result: CreateResult,
    pub(crate) raw: Option<Value>,
    pub(crate) request_id: Option<String>,
}

impl NetSapiensClient {
    pub(crate) fn new(http: HttpCore, domain: String, config: ClientConfig) -> Self {
        Self {
            http,
            domain,
            config,
        }
    }

    /// A builder; same as [`NetSapiensBuilder::new`].
    pub fn builder() -> NetSapiensBuilder {
        NetSapiensBuilder::new()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &url::Url {
        self.http.base_url()
    }

    /// The domain every call works in (`~` is the token's own domain).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The same client working in `domain` (`~` for the token's own; at most 64
    /// characters). Shares the connection pool.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a domain the server would refuse.
    pub fn for_domain(&self, domain: impl Into<String>) -> Result<Self> {
        let domain = domain.into();
        validate::domain("domain", &domain)?;
        Ok(Self {
            domain,
            ..self.clone()
        })
    }

    /// The first page of a list with at most `limit` users, starting at the configured
    /// start base (1 unless [`with_list_start_base`](NetSapiensBuilder::with_list_start_base)
    /// said 0).
    pub fn first_page(&self, limit: u32) -> ListQuery {
        ListQuery::new(self.config.list_start_base, limit)
    }

    fn users_path<'a>(&'a self, rest: &[&'a str]) -> Vec<&'a str> {
        let mut path = vec![DOMAINS, self.domain.as_str(), USERS];
        path.extend_from_slice(rest);
        path
    }

    /// `POST /domains/{domain}/users`. With `synchronous: yes` the server answers 200
    /// and the user ([`CreateResult::Created`]); otherwise 202 ([`CreateResult::Accepted`]),
    /// after which [`wait_until_visible`](Self::wait_until_visible) waits for the user.
    /// The outcome follows the status the server sent, whatever was asked.
    ///
    /// Sent once: NetSapiens has no idempotency key, so a create whose outcome is unknown
    /// (timeout, reset, 5xx, 408) is reported, never re-sent. A 200 whose body cannot be
    /// read still created the user, which is then read back by its extension.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before sending for any value outside its documented
    /// range or set (see [`UserSettings`](super::UserSettings)); [`Error::Unsupported`]
    /// if `options` carries an idempotency key; [`Error::Conflict`] (409) when the
    /// `login-username` (or, UNCONFIRMED, the extension) is taken; for a domain the
    /// token may not use, [`Error::PermissionDenied`] (403, as in the vendor's example;
    /// a server answering 404 gives [`Error::NotFound`]); [`Error::CreatedUnreadable`]
    /// (with the extension) for a 200 whose user could not be read back either.
    pub async fn create(
        &self,
        request: &CreateUser,
        options: &RequestOptions,
    ) -> Result<CreateResult> {
        Ok(self.send_create(request, options).await?.result)
    }

    pub(crate) async fn send_create(
        &self,
        request: &CreateUser,
        options: &RequestOptions,
    ) -> Result<CreateReply> {
        options.refuse_idempotency_key(
            Provider::NETSAPIENS,
            "an unknown outcome is reported as an error",
        )?;
        validate::create(request)?;
        let call = ApiRequest::new(Method::POST, &self.users_path(&[]))
            .json(Provider::NETSAPIENS, request)?
            .scrub_also(request.settings.voicemail_login_pin.as_ref())
            .send_once();
        let err = match self.http.send(call, options).await {
            Ok(response) => match created_reply(&response, options) {
                Ok(reply) => return Ok(reply),
                Err(err) => err,
            },
            // An acceptance too large to read is still an acceptance.
            Err(Error::ResponseTooLarge { status: 202, .. }) => {
                return Ok(CreateReply {
                    result: CreateResult::Accepted(Acknowledgement::default()),
                    raw: None,
                    request_id: None,
                })
            }
            Err(err) => err,
        };
        // A 200 whose body cannot be read still created the user: read it back.
        let extension = request.user.as_str();
        let read_back = || async {
            let found = found(self.fetch_user(extension, &options.without_timeout()).await)?;
            Ok(found.map(|(user, raw)| CreateReply {
                result: CreateResult::Created(Box::new(user)),
                raw: options.keeps_raw_json().then_some(raw),
                request_id: None,
            }))
        };
        let look = self.http.create_recovery();
        read_back_created(Provider::NETSAPIENS, look, Some(extension), err, read_back).await
    }

    /// `GET /domains/{domain}/users/{user}`: one user by extension (`~` is the token's
    /// own user).
    ///
    /// # Errors
    /// [`Error::NotFound`] (404) for an unknown user; [`Error::PermissionDenied`] (403,
    /// the vendor's example) for a domain the token may not use.
    pub async fn get(&self, user: &str, options: &RequestOptions) -> Result<NetSapiensUser> {
        Ok(self.fetch_user(user, options).await?.0)
    }

    /// The user, and the JSON it came from when `options` keeps raw JSON.
    pub(crate) async fn fetch_user(
        &self,
        user: &str,
        options: &RequestOptions,
    ) -> Result<(NetSapiensUser, Value)> {
        validate::path_user("user", user)?;
        let call = ApiRequest::new(Method::GET, &self.users_path(&[user]));
        let response = self.http.send(call, options).await?;
        let user = response.json_explained::<NetSapiensUser, UserSettings>()?;
        Ok((user, response.raw_json(options)))
    }

    /// `GET /domains/{domain}/users?start=&limit=`: one page of users. Walk all pages
    /// with [`first_page`](Self::first_page) and [`ListQuery::next`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before sending for a `limit` outside 1..=1000.
    pub async fn list(
        &self,
        query: &ListQuery,
        options: &RequestOptions,
    ) -> Result<Vec<NetSapiensUser>> {
        Ok(self
            .list_with_raw(query, options)
            .await?
            .into_iter()
            .map(|(user, _)| user)
            .collect())
    }

    pub(crate) async fn list_with_raw(
        &self,
        query: &ListQuery,
        options: &RequestOptions,
    ) -> Result<Vec<(NetSapiensUser, Value)>> {
        validate::limit(query.limit)?;
        let call = ApiRequest::new(Method::GET, &self.users_path(&[]))
            .query("start", query.start)
            .query("limit", query.limit);
        let response = self.http.send(call, options).await?;
        let users = response.json_explained::<Vec<NetSapiensUser>, Vec<UserSettings>>()?;
        Ok(users
            .into_iter()
            .zip(response.raw_items(options, ""))
            .collect())
    }

    /// `GET /domains/{domain}/users/count`: how many users the domain has, as the
    /// server sent it (an integer the spec does not bound below; see [`UserCount`]).
    pub async fn count(&self, options: &RequestOptions) -> Result<i64> {
        let call = ApiRequest::new(Method::GET, &self.users_path(&["count"]));
        let count: UserCount = self.http.send(call, options).await?.json()?;
        Ok(count.total)
    }

    /// `PUT /domains/{domain}/users/{user}`: changes the fields set in `change`. The
    /// server answers 202: the change may not be readable at once.
    ///
    /// A NetSapiens PUT is a full replacement (the v2 export requires
    /// `name-first-name`, `name-last-name`, the email and `user-scope` in its body, and
    /// a server with replace semantics clears what a body leaves out). So an update
    /// reads the user first, applies `change` to it, and sends every writable field:
    /// the fields `change` does not name are sent as they were read. Two updates of the
    /// same user at once are not merged: the last writer wins, and may undo a field the
    /// other one changed between its read and its write. Fields the server returns
    /// that this crate does not model ([`NetSapiensUser::other`]) are not sent.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before any request for an empty change or a value outside
    /// its range, and before the PUT when the stored user lacks a field a replacement
    /// must carry (first or last name, email, scope) and `change` does not set it;
    /// [`Error::NotFound`] for an unknown user; [`Error::Conflict`] for a taken
    /// `login-username`.
    pub async fn update(
        &self,
        user: &str,
        change: &UpdateUser,
        options: &RequestOptions,
    ) -> Result<Acknowledgement> {
        validate::path_user("user", user)?;
        validate::update(change)?;
        let (current, _) = self.fetch_user(user, options).await?;
        let replacement = replacement(&current, change)?;
        let call = ApiRequest::new(Method::PUT, &self.users_path(&[user]))
            .json(Provider::NETSAPIENS, &replacement)?
            .scrub_also(change.settings.voicemail_login_pin.as_ref())
            .scrub_also(current.settings.voicemail_login_pin.as_ref());
        let response = self.http.send(call, options).await?;
        Ok(acknowledgement(&response))
    }

    /// `DELETE /domains/{domain}/users/{user}`. The server answers 202: the user may
    /// stay readable for a moment.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown user.
    pub async fn delete(&self, user: &str, options: &RequestOptions) -> Result<Acknowledgement> {
        validate::path_user("user", user)?;
        let call = ApiRequest::new(Method::DELETE, &self.users_path(&[user]));
        let response = self.http.send(call, options).await?;
        Ok(acknowledgement(&response))
    }
}

/// A create's 200 (the user) or 202 (an acknowledgement) answer.
fn created_reply(response: &RawResponse, options: &RequestOptions) -> Result<CreateReply> {
    let request_id = response.request_id.clone();
    let raw = Some(response.raw_json(options)).filter(|raw| !raw.is_null());
    if response.status == 202 {
        return Ok(CreateReply {
            result: CreateResult::Accepted(acknowledgement(response)),
            raw,
            request_id,
        });
    }
    let user = response.json_explained::<NetSapiensUser, UserSettings>()?;
    Ok(CreateReply {
        result: CreateResult::Created(Box::new(user)),
        raw,
        request_id,
    })
}

/// The body of a replacing PUT: every writable field of `current`, with `change`
/// applied on top.
fn replacement(current: &NetSapiensUser, change: &UpdateUser) -> Result<UpdateUser> {
    let mut body = UpdateUser {
        first_name: change
            .first_name
            .clone()
            .or_else(|| current.first_name.clone()),
        last_name: change
            .last_name
            .clone()
            .or_else(|| current.last_name.clone()),
        // A clear is the field left out of the replacement (the server's default).
        // A clear leaves the field out of the replacement: the server's default applies.
        login_username: match &change.login_username {
            Patch::Keep => Patch::set_or_keep(current.login_username.clone()),
            Patch::Set(login) => Patch::Set(login.clone()),
            Patch::Clear => Patch::Keep,
        },
        email: change
            .email
            .clone()
            .or_else(|| Some(current.email.clone()).filter(|email| !email.is_empty())),
        user_scope: change
            .user_scope
            .clone()
            .or_else(|| current.user_scope.clone()),
        settings: current.settings.clone(),
    };
    body.settings.apply(&change.settings).map_err(|_| {
        Error::invalid_input(
            "settings",
            "a setting could not be applied to the stored user",
        )
    })?;
    let missing = [
        ("name-first-name", body.first_name.is_none()),
        ("name-last-name", body.last_name.is_none()),
        ("email-address", body.email.is_none()),
        ("user-scope", body.user_scope.is_none()),
    ];
    if let Some((field, _)) = missing.iter().find(|(_, missing)| *missing) {
        return Err(Error::invalid_input(
            *field,
            "a NetSapiens PUT replaces the user and must carry this field, but the stored \
             user has none; set it in the change",
        ));
    }
    Ok(body)
}

/// The 202 body, leniently: an empty or foreign body is an empty acknowledgement.
fn acknowledgement(response: &RawResponse) -> Acknowledgement {
    let mut ack = response
        .json_lenient::<Acknowledgement>()
        .unwrap_or_default();
    ack.request_id = response.request_id.clone();
    ack
}
