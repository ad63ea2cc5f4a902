//! The `UserProvisioner` trait: the portable operations every backend implements.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::capabilities::Capabilities;
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::outcome::{Accepted, CreateOutcome, DeleteOutcome, UpdateOutcome};
use crate::page::{ListUsers, UserPage};
use crate::provider::Provider;
use crate::update::UserUpdate;
use crate::user::{Field, NewUser, User, UserId, UserKey};
use crate::visibility::VisibilityWait;

/// Creates and manages user accounts on one provider.
///
/// Object safe: hold any backend as `Arc<dyn UserProvisioner>`. Each operation comes in
/// two forms, in the style of `object_store`'s `put` / `put_opts`: a short one with the
/// client's defaults (`create_user(&person)`) and an `_opts` one taking per-call
/// [`RequestOptions`] (deadline, idempotency key, headers, retry policy). A backend
/// implements the `_opts` forms (and [`provider`](Self::provider) and
/// [`capabilities`](Self::capabilities)); everything else has a default.
///
/// ```no_run
/// use std::sync::Arc;
/// use user_provisioner::{NewUser, UserProvisioner, CreateOutcome};
///
/// // Any backend: an adapter's client (`JambonzBuilder::from_env().build()?`, ...) or
/// // one written outside this crate.
/// async fn provision(
///     provisioner: Arc<dyn UserProvisioner>,
/// ) -> Result<(), user_provisioner::Error> {
///     let person = NewUser::new("jdoe")
///         .with_email("jdoe@example.com")
///         .with_password("Str0ngP@ss!");
///     match provisioner.create_user(&person).await? {
///         CreateOutcome::Created(user) => println!("created {}", user.id),
///         CreateOutcome::Accepted(accepted) => {
///             let user = provisioner.wait_until_visible(&accepted).await?;
///             println!("readable now: {}", user.id);
///         }
///         other => println!("{other:?}"),
///     }
///     Ok(())
/// }
/// ```
///
/// # Implementing it outside this crate
/// Use the re-exported [`async_trait`](macro@crate::async_trait) and name the backend
/// with [`Provider::new`]; a decorator forwards the `_opts` methods to an inner
/// `Arc<dyn UserProvisioner>` (see `tests/outside_backend.rs`).
#[async_trait]
pub trait UserProvisioner: fmt::Debug + Send + Sync {
    /// The provider this backend talks to.
    fn provider(&self) -> Provider;

    /// What this backend supports.
    fn capabilities(&self) -> Capabilities;

    /// Checks `user` as [`create_user_opts`](Self::create_user_opts) checks it before
    /// sending anything, and sends nothing: `Ok` when a create would be sent, else the
    /// same error the create would return ([`Error::problems`] lists every problem).
    ///
    /// The default checks [`capabilities`](Self::capabilities) only
    /// ([`Capabilities::validate`]); the crate's adapters add their providers' value
    /// rules. A layer that takes a user first and provisions it later (the SCIM bridge)
    /// refuses it up front with this.
    fn validate_new_user(&self, user: &NewUser) -> Result<()> {
        self.capabilities().validate(self.provider(), user)
    }

    /// Checks `update` as [`update_user_opts`](Self::update_user_opts) checks it before
    /// any request, where that needs no read of the stored user: fields the provider
    /// does not store or cannot clear, unknown attributes, a change it cannot apply.
    /// Sends nothing. The default refuses an update that names no change or sets a
    /// field [`capabilities`](Self::capabilities) says is not stored.
    fn validate_update(&self, id: &UserId, update: &UserUpdate) -> Result<()> {
        let _ = id;
        let not_stored: Vec<Field> = self.capabilities().not_stored_fields().collect();
        update.check_unsupported(self.provider(), &not_stored)
    }

    /// Creates a user.
    ///
    /// Input is checked before anything is sent, against
    /// [`capabilities`](Self::capabilities) ([`Capabilities::check`]) and the
    /// provider's value rules; every problem found is reported in one error
    /// ([`Error::problems`]). A create is only ever re-sent where
    /// the provider makes that safe (an idempotency key); otherwise an uncertain outcome
    /// is reported as an error for which [`Error::is_outcome_unknown`] is true.
    async fn create_user_opts(
        &self,
        user: &NewUser,
        options: &RequestOptions,
    ) -> Result<CreateOutcome>;

    /// Reads one user. An unknown id is [`Error::NotFound`].
    async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User>;

    /// Changes a user. Fields left `None` in `update` stay as they are. An update that
    /// names no change, or a change the provider cannot apply, is refused before any
    /// request; success means the provider acknowledged the change.
    async fn update_user_opts(
        &self,
        id: &UserId,
        update: &UserUpdate,
        options: &RequestOptions,
    ) -> Result<UpdateOutcome>;

    /// Deletes a user. An unknown id is [`Error::NotFound`], except on a retry: when an
    /// earlier attempt may have reached the server (timeout, reset, 5xx, 408) and the
    /// repeat answers 404, that attempt removed the user and the delete succeeds.
    async fn delete_user_opts(
        &self,
        id: &UserId,
        options: &RequestOptions,
    ) -> Result<DeleteOutcome>;

    /// Reads one page of users; [`UserPage::next`] leads to the next page.
    async fn list_users_opts(
        &self,
        request: &ListUsers,
        options: &RequestOptions,
    ) -> Result<UserPage>;

    /// Reads every page of users.
    ///
    /// # Errors
    /// Whatever a page read returns, or [`Error::Decode`] if the provider hands back the
    /// same cursor twice (which would loop forever).
    async fn list_all_users_opts(&self, options: &RequestOptions) -> Result<Vec<User>> {
        let mut users = Vec::new();
        let mut request = ListUsers::new();
        loop {
            let page = self.list_users_opts(&request, options).await?;
            users.extend(page.users);
            match page.next {
                None => return Ok(users),
                Some(next) if Some(&next) == request.cursor.as_ref() => {
                    return Err(Error::Decode {
                        provider: self.provider(),
                        status: 200,
                        path: "next".into(),
                        reason: "the provider returned the same page cursor twice".into(),
                    })
                }
                Some(next) => request = request.with_cursor(next),
            }
        }
    }

    /// The user whose username or email is `key`, if one exists. Emails compare without
    /// regard to ASCII case.
    ///
    /// The default reads every page; adapters whose provider can look the key up
    /// directly do so. A provider that does not store the key's field answers
    /// [`Error::Unsupported`] (Connect stores no username).
    async fn find_user_opts(
        &self,
        key: &UserKey,
        options: &RequestOptions,
    ) -> Result<Option<User>> {
        find_by_listing(self, key, options).await
    }

    /// Reads the user of an [`Accepted`] create (or update) until it is readable, for
    /// providers that accept first and apply later (NetSapiens' 202): a
    /// [`Error::NotFound`] means "not yet", and the client reads again after a delay
    /// growing as `wait` says, within `wait`'s deadline.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `accepted` names no user; [`Error::NotYetVisible`]
    /// when the deadline passes first (calling again later is fine); any other error of
    /// [`get_user_opts`](Self::get_user_opts).
    async fn wait_until_visible_opts(
        &self,
        accepted: &Accepted,
        wait: &VisibilityWait,
        options: &RequestOptions,
    ) -> Result<User> {
        let id = accepted.id.as_ref().ok_or_else(|| {
            Error::invalid_input(
                "accepted.id",
                "the provider named no user in its answer, so there is nothing to read",
            )
        })?;
        crate::visibility::poll(self.provider(), id, wait, options, |call| async move {
            self.get_user_opts(id, &call).await
        })
        .await
    }

    /// [`create_user_opts`](Self::create_user_opts) with the client's defaults.
    async fn create_user(&self, user: &NewUser) -> Result<CreateOutcome> {
        self.create_user_opts(user, &RequestOptions::new()).await
    }

    /// [`get_user_opts`](Self::get_user_opts) with the client's defaults.
    async fn get_user(&self, id: &UserId) -> Result<User> {
        self.get_user_opts(id, &RequestOptions::new()).await
    }

    /// [`update_user_opts`](Self::update_user_opts) with the client's defaults.
    async fn update_user(&self, id: &UserId, update: &UserUpdate) -> Result<UpdateOutcome> {
        self.update_user_opts(id, update, &RequestOptions::new())
            .await
    }

    /// [`delete_user_opts`](Self::delete_user_opts) with the client's defaults.
    async fn delete_user(&self, id: &UserId) -> Result<DeleteOutcome> {
        self.delete_user_opts(id, &RequestOptions::new()).await
    }

    /// [`list_users_opts`](Self::list_users_opts) with the client's defaults.
    async fn list_users(&self, request: &ListUsers) -> Result<UserPage> {
        self.list_users_opts(request, &RequestOptions::new()).await
    }

    /// [`list_all_users_opts`](Self::list_all_users_opts) with the client's defaults.
    async fn list_all_users(&self) -> Result<Vec<User>> {
        self.list_all_users_opts(&RequestOptions::new()).await
    }

    /// [`find_user_opts`](Self::find_user_opts) with the client's defaults.
    async fn find_user(&self, key: &UserKey) -> Result<Option<User>> {
        self.find_user_opts(key, &RequestOptions::new()).await
    }

    /// [`wait_until_visible_opts`](Self::wait_until_visible_opts) with the default
    /// [`VisibilityWait`] (250 ms doubling to 5 s, 30 s in all).
    async fn wait_until_visible(&self, accepted: &Accepted) -> Result<User> {
        self.wait_until_visible_opts(accepted, &VisibilityWait::new(), &RequestOptions::new())
            .await
    }
}

/// [`UserProvisioner::find_user_opts`]'s default: every page, compared with `key`. A key
/// whose field the backend does not read back as such (Connect's username, kept only
/// inside its name) cannot be found, and is refused before any request.
pub(crate) async fn find_by_listing<P: UserProvisioner + ?Sized>(
    backend: &P,
    key: &UserKey,
    options: &RequestOptions,
) -> Result<Option<User>> {
    key.check()?;
    let field = key.field();
    if !backend.capabilities().field(field).is_stored() {
        let provider = backend.provider();
        return Err(Error::unsupported(
            provider,
            field.name(),
            format!("{provider} stores no {field}; find the user by another key"),
        ));
    }
    let users = backend.list_all_users_opts(options).await?;
    Ok(users.into_iter().find(|user| key.matches(user)))
}

macro_rules! forward_provisioner {
    ($wrapper:ty) => {
        #[async_trait]
        impl<T: UserProvisioner + ?Sized> UserProvisioner for $wrapper {
            fn provider(&self) -> Provider {
                (**self).provider()
            }
            fn capabilities(&self) -> Capabilities {
                (**self).capabilities()
            }
            fn validate_new_user(&self, user: &NewUser) -> Result<()> {
                (**self).validate_new_user(user)
            }
            fn validate_update(&self, id: &UserId, update: &UserUpdate) -> Result<()> {
                (**self).validate_update(id, update)
            }
            async fn create_user_opts(
                &self,
                user: &NewUser,
                options: &RequestOptions,
            ) -> Result<CreateOutcome> {
                (**self).create_user_opts(user, options).await
            }
            async fn get_user_opts(&self, id: &UserId, options: &RequestOptions) -> Result<User> {
                (**self).get_user_opts(id, options).await
            }
            async fn update_user_opts(
                &self,
                id: &UserId,
                update: &UserUpdate,
                options: &RequestOptions,
            ) -> Result<UpdateOutcome> {
                (**self).update_user_opts(id, update, options).await
            }
            async fn delete_user_opts(
                &self,
                id: &UserId,
                options: &RequestOptions,
            ) -> Result<DeleteOutcome> {
                (**self).delete_user_opts(id, options).await
            }
            async fn list_users_opts(
                &self,
                request: &ListUsers,
                options: &RequestOptions,
            ) -> Result<UserPage> {
                (**self).list_users_opts(request, options).await
            }
            async fn list_all_users_opts(&self, options: &RequestOptions) -> Result<Vec<User>> {
                (**self).list_all_users_opts(options).await
            }
            async fn find_user_opts(
                &self,
                key: &UserKey,
                options: &RequestOptions,
            ) -> Result<Option<User>> {
                (**self).find_user_opts(key, options).await
            }
            async fn wait_until_visible_opts(
                &self,
                accepted: &Accepted,
                wait: &VisibilityWait,
                options: &RequestOptions,
            ) -> Result<User> {
                (**self)
                    .wait_until_visible_opts(accepted, wait, options)
                    .await
            }
        }
    };
}

forward_provisioner!(Arc<T>);
forward_provisioner!(Box<T>);
