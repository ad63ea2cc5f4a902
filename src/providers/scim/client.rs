//! The native SCIM `/Users` API.

use std::sync::Arc;

use reqwest::header::IF_MATCH;
use reqwest::Method;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::capabilities::Capabilities;
use crate::error::{Error, Result};
use crate::http::{ApiRequest, HttpCore, RawResponse};
use crate::lenient::Strict;
use crate::options::RequestOptions;
use crate::provider::Provider;
use crate::recovery::read_back_created;
use crate::scim::model::{ListResponse, PatchOp, Schema, ScimUser, ServiceProviderConfig};
use crate::scim::schema::USER;

use super::builder::ScimBuilder;
use super::errors;
use super::portable;
use super::Filter;

const USERS: &str = "Users";
const SERVICE_PROVIDER_CONFIG: &str = "ServiceProviderConfig";
const SCHEMAS: &str = "Schemas";

/// A SCIM 2.0 client of one service provider's `/Users`. Cheap to clone; clones share
/// one connection pool and one reading of the server's configuration.
///
/// The native calls take and return the typed [`ScimUser`] (core attributes, the
/// enterprise extension, every other extension kept as JSON); the portable calls come
/// from [`UserProvisioner`](crate::UserProvisioner).
///
/// ```no_run
/// use user_provisioner::providers::scim::{Filter, ListQuery, ScimBuilder};
/// use user_provisioner::scim::model::{MultiValued, ScimUser};
/// use user_provisioner::RequestOptions;
///
/// # async fn run() -> Result<(), user_provisioner::Error> {
/// let client = ScimBuilder::from_env().build()?;
/// let config = client.discover(&RequestOptions::new()).await?;
/// println!("PATCH: {}", config.patch.supported);
/// let mut person = ScimUser::new("jdoe");
/// person.emails.push(MultiValued::primary("jdoe@example.com", "work"));
/// let created = client.create(&person, &RequestOptions::new()).await?;
/// let query = ListQuery::new().with_filter(Filter::equals("userName", "jdoe")?);
/// let found = client.list(&query, &RequestOptions::new()).await?;
/// assert_eq!(found.resources[0].id, created.id);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ScimClient {
    http: HttpCore,
    discovered: Arc<OnceCell<Discovered>>,
}

/// What a server announced, read once: its configuration, its User schema (when it
/// serves one), and what the two make of the portable fields.
#[derive(Debug, Clone)]
pub(crate) struct Discovered {
    pub(crate) config: ServiceProviderConfig,
    pub(crate) user_schema: Option<Schema>,
    pub(crate) capabilities: Capabilities,
}

impl Discovered {
    pub(crate) fn new(config: ServiceProviderConfig, user_schema: Option<Schema>) -> Self {
        let capabilities = portable::capabilities_of(user_schema.as_ref());
        Self {
            config,
            user_schema,
            capabilities,
        }
    }
}

/// The answer to a PATCH: the resource when the server sent it (200), else only its new
/// version (204).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Patched {
    /// 200 with the changed resource.
    Returned(Box<ScimUser>),
    /// 204: applied; the new ETag when the server sent one.
    Applied {
        /// The `ETag` of the changed resource.
        version: Option<String>,
    },
}

/// A query of `GET /Users`: a filter and a page (`startIndex` is 1-based).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListQuery {
    /// The filter, if any.
    pub filter: Option<Filter>,
    /// The 1-based index of the first result.
    pub start_index: Option<u64>,
    /// The most results to return.
    pub count: Option<u32>,
}

impl ListQuery {
    /// Every user, in the server's page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the users matching `filter`.
    pub fn with_filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// The page starting at the 1-based `start_index`.
    pub fn with_start_index(mut self, start_index: u64) -> Self {
        self.start_index = Some(start_index);
        self
    }

    /// At most `count` results.
    pub fn with_count(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }
}

impl ScimClient {
    pub(crate) fn new(http: HttpCore, discovered: Option<Discovered>) -> Self {
        Self {
            http,
            discovered: Arc::new(OnceCell::new_with(discovered)),
        }
    }

    /// A builder; same as [`ScimBuilder::new`].
    pub fn builder() -> ScimBuilder {
        ScimBuilder::new()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &url::Url {
        self.http.base_url()
    }

    /// Whether an uncertain create is followed by a lookup.
    pub(crate) fn create_recovery(&self) -> bool {
        self.http.create_recovery()
    }

    /// The server's configuration, once read by [`discover`](Self::discover) (or any
    /// call that needs it) or given to
    /// [`ScimBuilder::with_service_provider_config`].
    pub fn service_provider_config(&self) -> Option<&ServiceProviderConfig> {
        self.discovered.get().map(|discovered| &discovered.config)
    }

    /// The server's User schema (`/Schemas/urn:ietf:params:scim:schemas:core:2.0:User`),
    /// once read by [`discover`](Self::discover), when the server serves it.
    pub fn user_schema(&self) -> Option<&Schema> {
        self.discovered
            .get()
            .and_then(|discovered| discovered.user_schema.as_ref())
    }

    /// What was discovered, if anything yet.
    pub(crate) fn discovered(&self) -> Option<&Discovered> {
        self.discovered.get()
    }

    /// Reads `GET /ServiceProviderConfig` and the User schema once and keeps them: what
    /// the server announces decides whether updates are PATCH or PUT, whether
    /// `If-Match` is sent, whether lookups filter, whether a password can change, and
    /// which portable fields the server stores
    /// ([`capabilities`](crate::UserProvisioner::capabilities): an attribute its User
    /// schema lacks, or makes read-only, is refused before any write; one it requires
    /// is required).
    ///
    /// A server without a configuration document (404) is taken to announce nothing
    /// optional (PUT, no ETags, no filters); one that serves no User schema (any 4xx) is
    /// taken to have RFC 7643's. Any other failure is returned and the next call reads
    /// again.
    pub async fn discover(&self, options: &RequestOptions) -> Result<&ServiceProviderConfig> {
        Ok(&self.discovery(options).await?.config)
    }

    pub(crate) async fn discovery(&self, options: &RequestOptions) -> Result<&Discovered> {
        self.discovered
            .get_or_try_init(|| async {
                let options = options.without_idempotency_key();
                let call = ApiRequest::new(Method::GET, &[SERVICE_PROVIDER_CONFIG]);
                let config = match self.http.send(call, &options).await {
                    Ok(response) => response.json()?,
                    Err(err) if err.is_not_found() => ServiceProviderConfig::new(),
                    Err(err) => return Err(err),
                };
                let call = ApiRequest::new(Method::GET, &[SCHEMAS, USER]);
                let user_schema = match self.http.send(call, &options).await {
                    Ok(response) => Some(response.json::<Schema>()?),
                    Err(err)
                        if err
                            .status()
                            .is_some_and(|status| (400..500).contains(&status)) =>
                    {
                        None
                    }
                    Err(err) => return Err(err),
                };
                Ok(Discovered::new(config, user_schema))
            })
            .await
    }

    /// `POST /Users` (201 with the resource). Sent once: SCIM has no idempotency key,
    /// so a create whose outcome is unknown (timeout, reset, 5xx) is reported, never
    /// re-sent. `schemas` is set from the extensions the user carries.
    ///
    /// A 2xx whose body cannot be read still created the user: it is read back by
    /// `userName`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before sending for an empty `userName` or one with
    /// control characters; [`Error::Unsupported`] if `options` carries an idempotency
    /// key; [`Error::Conflict`] for a `userName` (or other unique value) in use
    /// (`uniqueness`); [`Error::CreatedUnreadable`] for a 2xx whose user could not be
    /// read back.
    pub async fn create(&self, user: &ScimUser, options: &RequestOptions) -> Result<ScimUser> {
        options.refuse_idempotency_key(
            Provider::SCIM,
            "an unknown outcome is looked up by userName (or externalId)",
        )?;
        crate::validate::required_text("userName", &user.user_name)?;
        // Copied only when its `schemas` must change (the portable create's never do).
        let declared;
        let body = if user.schemas == user.declared_schemas() {
            user
        } else {
            declared = user.clone().with_declared_schemas();
            &declared
        };
        let call = ApiRequest::new(Method::POST, &[USERS])
            .json(Provider::SCIM, body)?
            .scrub_also(user.password.as_ref())
            .send_once()
            .map_error(errors::classify);
        let answer = match self.http.send(call, options).await {
            Ok(response) => read_user(&response),
            Err(err) => Err(err),
        };
        match answer {
            Ok(created) => Ok(created),
            Err(err) => {
                let read_back = || async {
                    let filter = Filter::equals("userName", &user.user_name)?;
                    let same_name =
                        |found: &ScimUser| found.user_name.eq_ignore_ascii_case(&user.user_name);
                    self.find_one(&filter, same_name, &options.without_timeout())
                        .await
                        .map(|found| found.map(|(user, _)| user))
                };
                read_back_created(Provider::SCIM, self.create_recovery(), None, err, read_back)
                    .await
            }
        }
    }

    /// `GET /Users/{id}`. An unknown id is [`Error::NotFound`].
    pub async fn get(&self, id: &str, options: &RequestOptions) -> Result<ScimUser> {
        Ok(self.fetch(id, options).await?.0)
    }

    /// The user and the JSON it came from when `options` keeps raw JSON.
    pub(crate) async fn fetch(
        &self,
        id: &str,
        options: &RequestOptions,
    ) -> Result<(ScimUser, Value)> {
        check_id(id)?;
        let call = ApiRequest::new(Method::GET, &[USERS, id]).map_error(errors::classify);
        let response = self.http.send(call, options).await?;
        Ok((read_user(&response)?, response.raw_json(options)))
    }

    /// `PUT /Users/{id}` with the whole resource (200 with it). Send what
    /// [`get`](Self::get) read, changed: a PUT replaces every attribute, and an
    /// attribute or extension left out is cleared. `meta` and `groups` are left out
    /// (the server sets them).
    ///
    /// With `if_match` (the version read), the server refuses the PUT if the resource
    /// changed since: [`Error::Conflict`] with status 412. Send it only to a server
    /// announcing ETags. A conditional PUT is sent once, because a repeat of an applied
    /// change would be refused as stale; an uncertain outcome is reported
    /// ([`Error::is_outcome_unknown`]).
    ///
    /// # Errors
    /// [`Error::Unsupported`] before sending a password to a server that announced no
    /// password changes; [`Error::NotFound`]; [`Error::Conflict`] (`uniqueness`, 412).
    pub async fn replace(
        &self,
        id: &str,
        user: &ScimUser,
        if_match: Option<&str>,
        options: &RequestOptions,
    ) -> Result<ScimUser> {
        Ok(self.send_replace(id, user, if_match, options).await?.0)
    }

    pub(crate) async fn send_replace(
        &self,
        id: &str,
        user: &ScimUser,
        if_match: Option<&str>,
        options: &RequestOptions,
    ) -> Result<(ScimUser, Value)> {
        check_id(id)?;
        crate::validate::required_text("userName", &user.user_name)?;
        if user.password.is_some() {
            self.refuse_unannounced_password_change(options).await?;
        }
        let body = user.for_replace();
        let mut call = ApiRequest::new(Method::PUT, &[USERS, id])
            .json(Provider::SCIM, &body)?
            .scrub_also(user.password.as_ref())
            .map_error(errors::classify);
        if let Some(version) = if_match {
            call = call.header("if_match", IF_MATCH, version)?.send_once();
        }
        let response = self.http.send(call, options).await?;
        Ok((read_user(&response)?, response.raw_json(options)))
    }

    /// `PATCH /Users/{id}` with a PatchOp message: 200 with the resource, or 204.
    /// Refused before sending to a server that does not announce PATCH (read
    /// [`discover`](Self::discover) first, or use [`replace`](Self::replace)).
    ///
    /// `if_match` as for [`replace`](Self::replace). Without it, a PATCH is repeated
    /// after a timeout or 5xx like every update: send operations whose repeat leaves
    /// the same state (`replace`, `remove`; an `add` to a multi-valued attribute could
    /// add twice).
    ///
    /// # Errors
    /// [`Error::Unsupported`] before sending when the server announced no PATCH, or a
    /// password operation to a server that announced no password changes;
    /// [`Error::InvalidInput`] for a message without operations; [`Error::NotFound`];
    /// [`Error::Conflict`] (`uniqueness`, 412); [`Error::Api`] for what the server
    /// refused (`mutability`, `invalidPath`, `noTarget`), with its `scimType` as
    /// [`Error::provider_code`].
    pub async fn patch(
        &self,
        id: &str,
        patch: &PatchOp,
        if_match: Option<&str>,
        options: &RequestOptions,
    ) -> Result<Patched> {
        Ok(self.send_patch(id, patch, if_match, &[], options).await?.0)
    }

    pub(crate) async fn send_patch(
        &self,
        id: &str,
        patch: &PatchOp,
        if_match: Option<&str>,
        secrets: &[&crate::secret::Secret],
        options: &RequestOptions,
    ) -> Result<(Patched, Value)> {
        check_id(id)?;
        if patch.operations.is_empty() {
            return Err(Error::invalid_input(
                "Operations",
                "a PATCH needs at least one operation",
            ));
        }
        let config = self.discover(options).await?;
        if !config.patch.supported {
            return Err(Error::unsupported(
                Provider::SCIM,
                "patch",
                "the server does not announce PATCH (patch.supported is false); send the \
                 whole resource with replace",
            ));
        }
        let password = patch.operations.iter().any(|op| {
            op.path
                .as_deref()
                .is_some_and(|path| path.eq_ignore_ascii_case("password"))
        });
        if password {
            self.refuse_unannounced_password_change(options).await?;
        }
        let mut call = ApiRequest::new(Method::PATCH, &[USERS, id])
            .json(Provider::SCIM, patch)?
            .map_error(errors::classify);
        for secret in secrets {
            call = call.scrub_also(Some(secret));
        }
        if let Some(version) = if_match {
            call = call.header("if_match", IF_MATCH, version)?.send_once();
        }
        let response = self.http.send(call, options).await?;
        if response.body.iter().all(u8::is_ascii_whitespace) {
            let version = response
                .headers
                .get(reqwest::header::ETAG)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            return Ok((Patched::Applied { version }, Value::Null));
        }
        let user = read_user(&response)?;
        Ok((
            Patched::Returned(Box::new(user)),
            response.raw_json(options),
        ))
    }

    /// `DELETE /Users/{id}` (204). An unknown id is [`Error::NotFound`].
    pub async fn delete(&self, id: &str, options: &RequestOptions) -> Result<()> {
        check_id(id)?;
        let call = ApiRequest::new(Method::DELETE, &[USERS, id]).map_error(errors::classify);
        self.http.send(call, options).await?;
        Ok(())
    }

    /// `GET /Users` with the query's filter and page.
    ///
    /// # Errors
    /// [`Error::Unsupported`] before sending a filter to a server that announced no
    /// filtering; [`Error::Api`] with code `invalidFilter` for a filter the server
    /// could not read.
    pub async fn list(
        &self,
        query: &ListQuery,
        options: &RequestOptions,
    ) -> Result<ListResponse<ScimUser>> {
        Ok(self.send_list(query, options).await?.0)
    }

    pub(crate) async fn send_list(
        &self,
        query: &ListQuery,
        options: &RequestOptions,
    ) -> Result<(ListResponse<ScimUser>, Vec<Value>)> {
        let mut call = ApiRequest::new(Method::GET, &[USERS]).map_error(errors::classify);
        if let Some(filter) = &query.filter {
            if !self.discover(options).await?.filter.supported {
                return Err(Error::unsupported(
                    Provider::SCIM,
                    "filter",
                    "the server does not announce filtering (filter.supported is false)",
                ));
            }
            call = call.query("filter", filter.as_str());
        }
        if let Some(start) = query.start_index {
            call = call.query("startIndex", start.max(1));
        }
        if let Some(count) = query.count {
            call = call.query("count", count);
        }
        let response = self.http.send(call, options).await?;
        let list = read_list(&response)?;
        let raw = if options.keeps_raw_json() {
            match response.raw_json(options) {
                Value::Object(mut page) => match page.remove("Resources") {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            }
        } else {
            Vec::new()
        };
        Ok((list, raw))
    }

    /// The user of the answer to `filter` that `matches` too (with its raw JSON when
    /// asked): checked here as well, because a server that ignores a filter it cannot
    /// read answers with every user.
    pub(crate) async fn find_one(
        &self,
        filter: &Filter,
        matches: impl Fn(&ScimUser) -> bool,
        options: &RequestOptions,
    ) -> Result<Option<(ScimUser, Value)>> {
        let query = ListQuery::new().with_filter(filter.clone());
        let (list, raw) = self.send_list(&query, options).await?;
        let mut raw = raw.into_iter().chain(std::iter::repeat(Value::Null));
        Ok(list
            .resources
            .into_iter()
            .map(|user| (user, raw.next().unwrap_or(Value::Null)))
            .find(|(user, _)| matches(user)))
    }

    async fn refuse_unannounced_password_change(&self, options: &RequestOptions) -> Result<()> {
        if self.discover(options).await?.change_password.supported {
            return Ok(());
        }
        Err(password_change_unsupported())
    }
}

/// A user: by the strict decoding where every value fits (most answers, at half the
/// cost), else leniently.
fn read_user(response: &RawResponse) -> Result<ScimUser> {
    match serde_json::from_slice::<Strict<ScimUser>>(&response.body) {
        Ok(Strict(user)) => Ok(user),
        Err(_) => response.json(),
    }
}

/// A list answer, as [`read_user`] reads its users.
fn read_list(response: &RawResponse) -> Result<ListResponse<ScimUser>> {
    match serde_json::from_slice::<ListResponse<Strict<ScimUser>>>(&response.body) {
        Ok(list) => Ok(ListResponse {
            schemas: list.schemas,
            total_results: list.total_results,
            start_index: list.start_index,
            items_per_page: list.items_per_page,
            resources: list
                .resources
                .into_iter()
                .map(|Strict(user)| user)
                .collect(),
        }),
        Err(_) => response.json(),
    }
}

/// A password change to a server that does not announce them.
pub(crate) fn password_change_unsupported() -> Error {
    Error::unsupported(
        Provider::SCIM,
        "password",
        "the server does not announce password changes (changePassword.supported is false)",
    )
}

/// An id to put in a path: not blank, no control characters.
pub(crate) fn check_id(id: &str) -> Result<()> {
    crate::validate::required_text("id", id)
}
