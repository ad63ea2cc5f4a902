//! Every behaviour observed on the real jambonz-api-server v0.9.6 that a client can meet
//! (`../shared/specs/PROVIDERS.md`, "Observed on the real server"), checked by the same
//! test function against the real server (`real_server::*`, ignored by a plain
//! `cargo test`) and against `JambonzEmulator` (`emulator::*`), so the emulator cannot
//! drift from the server. Each case asserts the crate's outcome and the state read back
//! afterwards; where the crate refuses a request before sending it, a raw request shows
//! what the server would have answered.
//!
//! Run against the real server (see README):
//! `cargo test --all-features --test jambonz_server -- --ignored --test-threads=1`
//! with the env file of `.ci/jambonz-server/start.sh` loaded. One thread, because
//! two cases depend on how many administrators exist at that moment.
#![cfg(all(feature = "testing", feature = "jambonz"))]

mod support;

use reqwest::Method;
use serde_json::{json, Value};
use support::JambonzTarget;
use user_provisioner::providers::jambonz::{JambonzUser, UpdateUser};
use user_provisioner::{
    CreateOutcome, Error, ListUsers, PasswordChange, Patch, RequestOptions, UpdateOutcome, User,
    UserId, UserProvisioner, UserUpdate,
};
use uuid::Uuid;

on_both_jambonz_servers!(
    a_bad_token_is_a_plain_text_401,
    an_unknown_sid_is_not_found_for_every_call,
    a_duplicate_name_is_a_422_conflict,
    a_duplicate_email_is_a_422_conflict,
    deactivate_and_reactivate,
    force_change_off_and_on,
    view_only_on_and_off_alone,
    a_password_change_needs_the_old_password,
    a_new_password_equal_to_the_old_is_refused_before_sending,
    delete_of_an_unknown_sid_with_one_admin,
    delete_of_an_unknown_sid_with_two_admins,
    an_empty_account_lists_no_users,
    rate_limit_headers_on_every_answer_are_not_retry_advice,
    an_update_that_changes_nothing_is_answered_204,
    an_update_does_not_check_uniqueness,
    get_reports_the_stored_scope_and_list_the_computed_one,
    clearing_the_account_is_refused_before_sending,
);

fn opts() -> RequestOptions {
    RequestOptions::new()
}

fn sid(user: &User) -> Uuid {
    user.id.as_str().parse().expect("a jambonz sid")
}

async fn create(target: &JambonzTarget, n: u32) -> User {
    match target
        .client()
        .create_user_opts(&target.person(n), &opts())
        .await
    {
        Ok(CreateOutcome::Created(user)) => user,
        other => panic!("{}: create: {other:?}", target.name),
    }
}

async fn read(target: &JambonzTarget, sid: &Uuid) -> JambonzUser {
    target
        .client()
        .get(sid, &opts())
        .await
        .unwrap_or_else(|err| panic!("{}: get: {err}", target.name))
}

/// Active users with neither an account nor a service provider: the server's
/// "administrators", whose number decides what a DELETE of an unknown sid answers.
async fn active_admins(target: &JambonzTarget) -> usize {
    let rows = target.client().list(&opts()).await.expect("list");
    rows.iter()
        .filter(|row| {
            row.account_sid.is_none()
                && row.service_provider_sid.is_none()
                && row.is_active == Some(true)
        })
        .count()
}

async fn a_bad_token_is_a_plain_text_401(target: &JambonzTarget) {
    let client = target.builder_with_key("not-a-key").build().unwrap();
    let err = client.list(&opts()).await.unwrap_err();
    match &err {
        Error::Unauthenticated(api) => {
            assert_eq!(api.status, 401);
            assert_eq!(api.message, "Unauthorized", "{}", target.name);
        }
        other => panic!("{}: {other:?}", target.name),
    }
    let (status, headers, body) = target
        .raw_with_key("not-a-key", Method::GET, "/Users", None)
        .await;
    assert_eq!((status, body.as_str()), (401, "Unauthorized"));
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with("Bearer realm=\"Users\""),
        "{}: {challenge}",
        target.name
    );
}

async fn an_unknown_sid_is_not_found_for_every_call(target: &JambonzTarget) {
    let client = target.client();
    let absent = Uuid::new_v4();
    let get = client.get(&absent, &opts()).await.unwrap_err();
    assert!(get.is_not_found(), "{}: {get:?}", target.name);
    assert_eq!(get.status(), Some(500), "the server's status is kept");
    let mut change = UpdateUser::new(false);
    change.email = Some(format!("{}-absent@example.com", target.run));
    let update = client.update(&absent, &change, &opts()).await.unwrap_err();
    assert!(update.is_not_found(), "{}: {update:?}", target.name);
    assert_eq!(update.status(), Some(400));
    let portable = client
        .get_user_opts(&UserId::new(absent.to_string()), &opts())
        .await
        .unwrap_err();
    assert!(portable.is_not_found(), "{}: {portable:?}", target.name);

    let (status, _, body) = target
        .raw(Method::GET, &format!("/Users/{absent}"), None)
        .await;
    assert_eq!(status, 500);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"msg": "failure retrieving user"})
    );
    let (status, _, _) = target.raw(Method::GET, "/Users/not-a-uuid", None).await;
    assert_eq!(status, 400, "{}", target.name);
}

async fn assert_one_user_with(target: &JambonzTarget, name: &str, email: &str) {
    let rows = target.client().list(&opts()).await.unwrap();
    let named = rows.iter().filter(|row| row.name == name).count();
    let mailed = rows
        .iter()
        .filter(|row| row.email.as_deref() == Some(email))
        .count();
    assert_eq!((named, mailed), (1, 1), "{}", target.name);
}

async fn a_duplicate_name_is_a_422_conflict(target: &JambonzTarget) {
    let client = target.client();
    let first = target.native_person(1);
    client.create(&first, &opts()).await.unwrap();
    let mut again = target.native_person(2);
    again.name = first.name.clone();
    let err = client.create(&again, &opts()).await.unwrap_err();
    assert!(err.is_conflict(), "{}: {err:?}", target.name);
    assert_eq!(err.status(), Some(422));
    assert_eq!(
        err.api_error().unwrap().message,
        "invalid username or email"
    );
    assert_one_user_with(target, &first.name, &first.email).await;
}

async fn a_duplicate_email_is_a_422_conflict(target: &JambonzTarget) {
    let first = create(target, 3).await;
    let mut again = target.person(4);
    again.email = target.person(3).email;
    let err = target
        .client()
        .create_user_opts(&again, &opts())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{}: {err:?}", target.name);
    assert_eq!(err.status(), Some(422));
    let person = target.person(3);
    assert_one_user_with(target, &person.username, person.email.as_deref().unwrap()).await;
    assert_eq!(
        first.email, person.email,
        "{}: the first user is untouched",
        target.name
    );
}

async fn deactivate_and_reactivate(target: &JambonzTarget) {
    let client = target.client();
    let user = create(target, 5).await;
    let outcome = client
        .update_user_opts(&user.id, &UserUpdate::new().with_enabled(false), &opts())
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", target.name));
    assert_eq!(outcome, UpdateOutcome::Applied);
    let read_back = client.get_user_opts(&user.id, &opts()).await.unwrap();
    assert_eq!(read_back.enabled, Some(false), "{}", target.name);

    // Native: is_active true, then false again.
    let mut change = UpdateUser::new(false);
    change.is_active = Some(true);
    client.update(&sid(&user), &change, &opts()).await.unwrap();
    assert_eq!(read(target, &sid(&user)).await.is_active, Some(true));
    change.is_active = Some(false);
    client.update(&sid(&user), &change, &opts()).await.unwrap();
    assert_eq!(read(target, &sid(&user)).await.is_active, Some(false));
}

async fn force_change_off_and_on(target: &JambonzTarget) {
    let client = target.client();
    let person = target
        .person(6)
        .with_attribute("jambonz.force_change", true);
    let Ok(CreateOutcome::Created(user)) = client.create_user_opts(&person, &opts()).await else {
        panic!("{}: create", target.name)
    };
    assert_eq!(read(target, &sid(&user)).await.force_change, Some(true));
    let before = target.sent();
    let off = UserUpdate::new().with_attribute("jambonz.force_change", false);
    let _ = client
        .update_user_opts(&user.id, &off, &opts())
        .await
        .unwrap();
    assert!(
        target.seen()[before..]
            .iter()
            .any(|seen| seen.method == "PUT"),
        "{}: success without a PUT",
        target.name
    );
    assert_eq!(read(target, &sid(&user)).await.force_change, Some(false));

    let mut on = UpdateUser::new(false);
    on.force_change = Some(true);
    client.update(&sid(&user), &on, &opts()).await.unwrap();
    assert_eq!(read(target, &sid(&user)).await.force_change, Some(true));
    on.force_change = Some(false);
    client.update(&sid(&user), &on, &opts()).await.unwrap();
    assert_eq!(read(target, &sid(&user)).await.force_change, Some(false));
}

async fn view_only_on_and_off_alone(target: &JambonzTarget) {
    let client = target.client();
    let user = create(target, 7).await;
    let on = UserUpdate::new().with_attribute("jambonz.is_view_only", true);
    let _ = client
        .update_user_opts(&user.id, &on, &opts())
        .await
        .unwrap();
    assert_eq!(read(target, &sid(&user)).await.is_view_only, Some(true));

    // An unrelated change keeps view-only: the crate sends the stored value back.
    let email = format!("{}-viewer@example.com", target.run);
    let change = UserUpdate::new().with_email(email.clone());
    let _ = client
        .update_user_opts(&user.id, &change, &opts())
        .await
        .unwrap();
    let row = read(target, &sid(&user)).await;
    assert_eq!(
        (row.is_view_only, row.email.as_deref()),
        (Some(true), Some(email.as_str())),
        "{}",
        target.name
    );

    // Native, view-only alone.
    client
        .update(&sid(&user), &UpdateUser::new(false), &opts())
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", target.name));
    assert_eq!(read(target, &sid(&user)).await.is_view_only, Some(false));
    client
        .update(&sid(&user), &UpdateUser::new(true), &opts())
        .await
        .unwrap();
    assert_eq!(read(target, &sid(&user)).await.is_view_only, Some(true));
}

async fn a_password_change_needs_the_old_password(target: &JambonzTarget) {
    let client = target.client();
    let user = create(target, 8).await;
    let first = "Str0ngP@ss8";
    let change = |old: &str, new: &str| {
        let mut change = UpdateUser::new(false);
        change.old_password = Some(old.into());
        change.new_password = Some(new.into());
        change
    };
    client
        .update(&sid(&user), &change(first, "N3wP@ss-two"), &opts())
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", target.name));
    // The first password no longer matches: the change took effect.
    let err = client
        .update(&sid(&user), &change(first, "N3wP@ss-three"), &opts())
        .await
        .unwrap_err();
    match &err {
        Error::PermissionDenied(api) => {
            assert_eq!((api.status, api.message.as_str()), (403, "Forbidden"))
        }
        other => panic!("{}: {other:?}", target.name),
    }
    // Portable, with the current password.
    let portable = UserUpdate::new()
        .with_password(PasswordChange::new("N3wP@ss-three").with_current("N3wP@ss-two"));
    let _ = client
        .update_user_opts(&user.id, &portable, &opts())
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", target.name));
    // A password change also clears force-change on the server.
    assert_eq!(read(target, &sid(&user)).await.force_change, Some(false));
    client
        .update(
            &sid(&user),
            &change("N3wP@ss-three", "N3wP@ss-four"),
            &opts(),
        )
        .await
        .unwrap();
}

/// `change` is refused before sending, naming `field`; sent raw as `body`, the server
/// answers `status` with `message`, which is why the crate refuses it.
async fn refused_locally_as_the_server_would(
    target: &JambonzTarget,
    user: &User,
    change: &UpdateUser,
    field: &str,
    body: Value,
    (status, message): (u16, &str),
) {
    let before = target.sent();
    let err = target
        .client()
        .update(&sid(user), change, &opts())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { field: ref named, .. } if named == field),
        "{err:?}"
    );
    assert_eq!(target.sent(), before, "{}: something was sent", target.name);
    let (answered, _, text) = target
        .raw(Method::PUT, &format!("/Users/{}", sid(user)), Some(body))
        .await;
    assert_eq!(answered, status, "{}: {text}", target.name);
    assert!(text.contains(message), "{text}");
}

async fn a_new_password_equal_to_the_old_is_refused_before_sending(target: &JambonzTarget) {
    let user = create(target, 9).await;
    let mut same = UpdateUser::new(false);
    same.old_password = Some("Str0ngP@ss9".into());
    same.new_password = Some("Str0ngP@ss9".into());
    let raw = json!({
        "old_password": "Str0ngP@ss9", "new_password": "Str0ngP@ss9", "is_view_only": false
    });
    let answer = (500, "new password cannot be your old password");
    refused_locally_as_the_server_would(target, &user, &same, "new_password", raw, answer).await;
}

async fn assert_unknown_delete_is_not_found(target: &JambonzTarget) -> Uuid {
    let client = target.client();
    let absent = Uuid::new_v4();
    let native = client.delete(&absent, &opts()).await.unwrap_err();
    assert!(native.is_not_found(), "{}: native: {native:?}", target.name);
    let portable = client
        .delete_user_opts(&UserId::new(absent.to_string()), &opts())
        .await
        .unwrap_err();
    assert!(portable.is_not_found(), "{}: {portable:?}", target.name);
    absent
}

async fn delete_of_an_unknown_sid_with_one_admin(target: &JambonzTarget) {
    assert_eq!(
        active_admins(target).await,
        1,
        "{}: the seed has one administrator",
        target.name
    );
    let absent = assert_unknown_delete_is_not_found(target).await;
    let (status, _, body) = target
        .raw(Method::DELETE, &format!("/Users/{absent}"), None)
        .await;
    assert_eq!(status, 500, "{}: {body}", target.name);
    assert!(body.contains("reading 'user_sid'"), "{body}");
}

async fn delete_of_an_unknown_sid_with_two_admins(target: &JambonzTarget) {
    let client = target.client();
    let mut admin = target.native_person(10);
    admin.account_sid = None;
    let second = client.create(&admin, &opts()).await.unwrap().user_sid;
    assert_eq!(active_admins(target).await, 2, "{}", target.name);
    let absent = assert_unknown_delete_is_not_found(target).await;
    let (status, _, body) = target
        .raw(Method::DELETE, &format!("/Users/{absent}"), None)
        .await;
    assert_eq!(status, 204, "{}: {body}", target.name);
    client.delete(&second, &opts()).await.unwrap();
    let gone = client.get(&second, &opts()).await.unwrap_err();
    assert!(gone.is_not_found(), "{}: {gone:?}", target.name);
    assert_eq!(active_admins(target).await, 1);
}

async fn an_empty_account_lists_no_users(target: &JambonzTarget) {
    let key = target.empty_account_key().await;
    let client = target.builder_with_key(&key).build().unwrap();
    let rows = client
        .list(&opts())
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", target.name));
    assert!(rows.is_empty());
    let page = client
        .list_users_opts(&ListUsers::new(), &opts())
        .await
        .unwrap();
    assert!(page.users.is_empty() && page.next.is_none());
    let (status, _, body) = target.raw_with_key(&key, Method::GET, "/Users", None).await;
    assert_eq!(status, 500, "{}", target.name);
    assert!(body.contains("failure retrieving users list"), "{body}");
}

async fn rate_limit_headers_on_every_answer_are_not_retry_advice(target: &JambonzTarget) {
    let person = target.native_person(11);
    let (status, headers, body) = target
        .raw(
            Method::POST,
            "/Users",
            Some(
                serde_json::to_value(json!({
                    "name": person.name, "email": person.email,
                    "initial_password": "Str0ngP@ss11", "force_change": false,
                    "is_active": true, "account_sid": target.account_sid,
                }))
                .unwrap(),
            ),
        )
        .await;
    assert_eq!(status, 201, "{}: {body}", target.name);
    for name in [
        "ratelimit-policy",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
    ] {
        assert!(
            headers.contains_key(name),
            "{}: a 2xx lacks {name}",
            target.name
        );
    }
    let reset: u64 = headers["ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(reset > 0, "{}", target.name);

    let err = target.client().create(&person, &opts()).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert_eq!(
        err.retry_after(),
        None,
        "{}: a 422 is no rate advice",
        target.name
    );
    assert!(!err.to_string().contains("retry after"), "{err}");
    let err = target
        .client()
        .get(&Uuid::new_v4(), &opts())
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), None, "{}: {err}", target.name);
}

async fn an_update_that_changes_nothing_is_answered_204(target: &JambonzTarget) {
    let user = create(target, 12).await;
    let same = UserUpdate::new()
        .with_email(user.email.clone().unwrap())
        .with_enabled(true);
    let outcome = target
        .client()
        .update_user_opts(&user.id, &same, &opts())
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", target.name));
    assert_eq!(outcome, UpdateOutcome::Applied);
    let (status, _, body) = target
        .raw(
            Method::PUT,
            &format!("/Users/{}", sid(&user)),
            Some(json!({ "email": user.email, "is_active": true, "is_view_only": false })),
        )
        .await;
    assert_eq!(status, 204, "{}: {body}", target.name);
    assert_eq!(read(target, &sid(&user)).await.email, user.email);
}

async fn an_update_does_not_check_uniqueness(target: &JambonzTarget) {
    let first = create(target, 13).await;
    let second = create(target, 14).await;
    let taken = first.email.clone().unwrap();
    let outcome = target
        .client()
        .update_user_opts(
            &second.id,
            &UserUpdate::new().with_email(taken.clone()),
            &opts(),
        )
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", target.name));
    assert_eq!(outcome, UpdateOutcome::Applied);
    let rows = target.client().list(&opts()).await.unwrap();
    let sharing = rows
        .iter()
        .filter(|row| row.email.as_deref() == Some(taken.as_str()))
        .count();
    assert_eq!(
        sharing, 2,
        "{}: the server let two users share an email",
        target.name
    );
}

async fn get_reports_the_stored_scope_and_list_the_computed_one(target: &JambonzTarget) {
    let user = create(target, 15).await;
    let row = read(target, &sid(&user)).await;
    assert_eq!(row.scope.as_deref(), Some("read-write"), "{}", target.name);
    assert_eq!(row.account_sid, Some(target.account_sid));
    let rows = target.client().list(&opts()).await.unwrap();
    let listed = rows.iter().find(|row| row.user_sid == sid(&user)).unwrap();
    // Computed from both sids: an account user without a service provider sid is
    // listed as `admin`.
    assert_eq!(listed.scope.as_deref(), Some("admin"), "{}", target.name);
}

async fn clearing_the_account_is_refused_before_sending(target: &JambonzTarget) {
    let user = create(target, 16).await;
    let mut promote = UpdateUser::new(false);
    promote.account_sid = Patch::Clear;
    let raw = json!({ "account_sid": null, "is_view_only": false });
    let answer = (400, "may not be promoted");
    refused_locally_as_the_server_would(target, &user, &promote, "account_sid", raw, answer).await;
    assert_eq!(
        read(target, &sid(&user)).await.account_sid,
        Some(target.account_sid)
    );
}
