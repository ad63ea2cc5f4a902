//! The bridge takes every valid SCIM User: what one backend cannot take is that
//! backend's business. Values with one normal form are normalised (phone numbers to
//! E.164, ECE's one full name), what a backend cannot store or would refuse is left out
//! there with a notice, a backend lacking a value it requires keeps the user `blocked`
//! until a change supplies it, and only a person no backend can take at all, or one a
//! `strict` backend would refuse, is refused. Over the four provider emulators, as the
//! bridge example runs.

mod support;

use std::sync::Arc;

use serde_json::{json, Value};
use support::scim::{
    four_emulators, listener, quick, serve, serve_built, Answer, ServedBridge, PATCH_OP, TOKEN,
};
use user_provisioner::providers::memory::MemoryProvisioner;
use user_provisioner::testing::Emulators;
use user_provisioner::{RequestOptions, UserId, UserProvisioner};
use user_provisioner_bridge::{
    AttributeRule, BackendRules, BridgeConfigError, BridgeStore, BuildError, Deactivation,
    ScimBridge, ScimBridgeBuilder,
};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// The four emulators with the rules the bridge example gives them, and its default
/// phone region.
fn four_backends(emulators: &Emulators, builder: ScimBridgeBuilder) -> ScimBridgeBuilder {
    four_emulators(emulators, builder.with_default_phone_region("US"))
}

/// The person of the issue: a local-format phone number, a display name unlike the
/// names, no email, and a 36-character password as Okta generates them.
fn grace() -> Value {
    json!({
        "schemas": [USER],
        "userName": "grace.hopper",
        "name": { "givenName": "Grace", "familyName": "Hopper" },
        "displayName": "Amazing Grace",
        "phoneNumbers": [{ "value": "312-555-0100", "type": "work", "primary": true }],
        "password": "d9f1c2e4-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        "active": true
    })
}

fn state(answer: &Answer, backend: &str) -> Value {
    answer.backend(backend)
}

fn assert_state(answer: &Answer, backend: &str, expected: &str) {
    let entry = state(answer, backend);
    assert_eq!(entry["state"], expected, "{backend}: {:#}", answer.body);
}

/// Blocked on `backend`, the reason naming the email.
fn assert_blocked_on_email(answer: &Answer, backend: &str) {
    assert_state(answer, backend, "blocked");
    let reason = state(answer, backend)["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("{backend}: no reason in {:#}", answer.body))
        .to_owned();
    assert!(reason.contains("emails"), "{backend}: {reason}");
    assert!(
        state(answer, backend).get("lastError").is_none(),
        "a blocked backend made no attempt: {:#}",
        answer.body
    );
}

/// What Connect's emulator holds as the user's `msisdn`.
async fn connect_msisdn(emulators: &Emulators, answer: &Answer) -> Option<String> {
    let id = state(answer, "connect")["id"].as_str().unwrap().to_owned();
    let client = emulators.connect.client().unwrap();
    client
        .get(&id, &RequestOptions::new())
        .await
        .unwrap()
        .msisdn
}

/// What ECE's emulator holds as the user's `full_name`.
async fn ece_full_name(emulators: &Emulators, user_name: &str) -> Option<String> {
    let client = emulators.ece.client().unwrap();
    client
        .get(user_name, &RequestOptions::new())
        .await
        .unwrap()
        .full_name
}

/// POST the person, check the states, then (after `between`, which may restart the
/// bridge) PATCH an email in and check that every backend ends synced.
/// `password_notice`: what jambonz's notice says of the 36-character password (one it
/// refuses, replaced by a generated one; or, after a restart, no longer held).
async fn post_then_patch_email<F, Fut>(
    emulators: &Emulators,
    first: ServedBridge,
    password_notice: &str,
    between: F,
) where
    F: FnOnce(ServedBridge) -> Fut,
    Fut: std::future::Future<Output = ServedBridge>,
{
    let jambonz_before = emulators.jambonz.user_count();
    let created = first.post("/Users", grace()).await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();

    assert_state(&created, "connect", "synced");
    assert_eq!(
        connect_msisdn(emulators, &created).await.as_deref(),
        Some("+13125550100")
    );
    assert_state(&created, "ece", "synced");
    assert_eq!(
        ece_full_name(emulators, "grace.hopper").await.as_deref(),
        Some("Amazing Grace")
    );
    assert_blocked_on_email(&created, "jambonz");
    assert_blocked_on_email(&created, "netsapiens");
    assert_eq!(emulators.jambonz.user_count(), jambonz_before);
    assert_eq!(emulators.netsapiens.user_count(), 0);
    // The SCIM user is what the identity provider sent, the phone number as written.
    assert_eq!(created.body["phoneNumbers"][0]["value"], "312-555-0100");
    assert_eq!(created.body["displayName"], "Amazing Grace");

    // /Status counts them.
    let status = first.get("/Status").await;
    assert_eq!(status.status, 200, "{:#}", status.body);
    for backend in ["jambonz", "netsapiens"] {
        assert_eq!(
            status.body["backends"][backend]["users"]["blocked"], 1,
            "{:#}",
            status.body
        );
    }
    assert_eq!(
        status.body["backends"]["connect"]["users"]["synced"], 1,
        "{:#}",
        status.body
    );
    let status = first.bridge.status().await.unwrap();
    assert_eq!(status.count("jambonz", "blocked"), 1);
    assert_eq!(status.count("netsapiens", "blocked"), 1);
    // The worker never picks a blocked row.
    assert_eq!(first.bridge.sync_due().await.unwrap(), 0);
    let read = first.get(&format!("/Users/{id}")).await;
    assert_blocked_on_email(&read, "jambonz");

    let bridge = between(first).await;
    let read = bridge.get(&format!("/Users/{id}")).await;
    assert_eq!(read.status, 200, "{:#}", read.body);
    assert_blocked_on_email(&read, "netsapiens");

    let patched = bridge
        .patch(
            &format!("/Users/{id}"),
            json!({ "schemas": [PATCH_OP], "Operations": [
                { "op": "add", "path": "emails", "value": [
                    { "value": "grace@example.com", "type": "work", "primary": true }
                ] }
            ]}),
        )
        .await;
    assert_eq!(patched.status, 200, "{:#}", patched.body);
    for backend in ["jambonz", "netsapiens", "connect", "ece"] {
        assert_state(&patched, backend, "synced");
        assert!(
            state(&patched, backend).get("reason").is_none(),
            "{backend}: {:#}",
            patched.body
        );
    }
    // jambonz refuses a 36-character password (8 to 20): it has a generated one.
    let jambonz_notice = state(&patched, "jambonz")["notice"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(jambonz_notice.contains(password_notice), "{jambonz_notice}");
    assert_eq!(emulators.jambonz.user_count(), jambonz_before + 1);
    assert_eq!(emulators.netsapiens.user_count(), 1);
    let jambonz = emulators.jambonz.client().unwrap();
    let sid = UserId::new(state(&patched, "jambonz")["id"].as_str().unwrap());
    assert_eq!(
        jambonz.get_user(&sid).await.unwrap().email.as_deref(),
        Some("grace@example.com")
    );
    // Connect and ECE keep what they had, and now the email too.
    assert_eq!(
        connect_msisdn(emulators, &patched).await.as_deref(),
        Some("+13125550100")
    );
    assert_eq!(
        ece_full_name(emulators, "grace.hopper").await.as_deref(),
        Some("Amazing Grace")
    );
    let status = bridge.bridge.status().await.unwrap();
    for backend in ["jambonz", "netsapiens", "connect", "ece"] {
        assert_eq!(status.count(backend, "synced"), 1, "{backend}");
        assert_eq!(status.count(backend, "blocked"), 0, "{backend}");
    }
}

#[tokio::test]
async fn a_person_reaches_every_backend_that_can_take_it_and_a_patch_unblocks_the_rest() {
    let emulators = Emulators::start().await.unwrap();
    let bridge = serve(|b| four_backends(&emulators, b)).await;
    post_then_patch_email(
        &emulators,
        bridge,
        "the identity provider's was refused (must be 8 to 20 characters long (it has 36)); \
         a generated one was set",
        |bridge| async move { bridge },
    )
    .await;
}

#[tokio::test]
async fn a_blocked_backend_is_unblocked_across_a_restart() {
    let emulators = Emulators::start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("scim-lenient-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("state.db").display());
    let open = |url: String| {
        let emulators = &emulators;
        async move {
            let (socket, base) = listener().await;
            let store = BridgeStore::open(&url).await.unwrap();
            let bridge = four_backends(
                emulators,
                ScimBridge::builder(base.clone()).bearer_token(TOKEN),
            )
            .store(store)
            .build()
            .await
            .unwrap();
            serve_built(bridge, socket, base)
        }
    };
    let first = open(url.clone()).await;
    // The password was held in memory only: after the restart jambonz is created with
    // a generated one, and its notice says the identity provider's was not applied.
    post_then_patch_email(
        &emulators,
        first,
        "the bridge no longer holds it",
        |first| async {
            // The bridge stops (its password memory with it) and starts again on the file.
            first.bridge.store().close().await;
            drop(first);
            open(url.clone()).await
        },
    )
    .await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_person_no_backend_can_take_is_refused_naming_each() {
    let emulators = Emulators::start().await.unwrap();
    let account = emulators.jambonz.account_sid().to_string();
    let bridge = serve(|b| {
        b.backend_with_rules(
            "jambonz",
            Arc::new(emulators.jambonz.client().unwrap()),
            BackendRules::new()
                .with_attribute(AttributeRule::fixed("jambonz.account_sid", account))
                .generate_missing_passwords(true),
        )
        .backend_with_rules(
            "netsapiens",
            Arc::new(
                emulators
                    .netsapiens
                    .builder()
                    .with_extension_range(7000..=7999)
                    .build()
                    .unwrap(),
            ),
            BackendRules::new(),
        )
        .sync_settings(quick())
    })
    .await;
    let refused = bridge.post("/Users", grace()).await;
    refused.assert_error(400, Some("invalidValue"));
    let detail = refused.body["detail"].as_str().unwrap();
    for named in ["jambonz", "netsapiens", "emails"] {
        assert!(detail.contains(named), "{named}: {detail}");
    }
    assert_eq!(bridge.get("/Users").await.body["totalResults"], 0);
    assert_eq!(emulators.netsapiens.user_count(), 0);
}

#[tokio::test]
async fn a_strict_backend_refuses_what_a_lenient_one_leaves_out() {
    let emulators = Emulators::start().await.unwrap();
    let bridge = serve(|b| {
        b.backend_with_rules(
            "connect",
            Arc::new(emulators.connect.client().unwrap()),
            BackendRules::new()
                .on_deactivation(Deactivation::Keep)
                .strict(true),
        )
        .backend_with_rules(
            "ece",
            Arc::new(emulators.ece.client().unwrap()),
            BackendRules::new(),
        )
        .sync_settings(quick())
    })
    .await;
    // No default region: a local number cannot be read, and Connect takes E.164 only.
    let refused = bridge.post("/Users", grace()).await;
    refused.assert_error(400, Some("invalidValue"));
    let detail = refused.body["detail"].as_str().unwrap();
    for named in ["connect", "phoneNumbers", "region"] {
        assert!(detail.contains(named), "{named}: {detail}");
    }
    assert_eq!(bridge.get("/Users").await.body["totalResults"], 0);
    assert_eq!(emulators.connect.user_count(), 0);
    assert_eq!(emulators.ece.user_count(), 0, "nothing sent anywhere");

    // A number written with its country code is taken, in E.164.
    let mut international = grace();
    international["phoneNumbers"][0]["value"] = json!("+1 (312) 555-0100");
    let created = bridge.post("/Users", international).await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    assert_state(&created, "connect", "synced");
    assert_eq!(
        connect_msisdn(&emulators, &created).await.as_deref(),
        Some("+13125550100")
    );

    // A strict backend that requires a value refuses a person without it.
    let account = emulators.jambonz.account_sid().to_string();
    let strict_jambonz = serve(|b| {
        b.backend_with_rules(
            "jambonz",
            Arc::new(emulators.jambonz.client().unwrap()),
            BackendRules::new()
                .with_attribute(AttributeRule::fixed("jambonz.account_sid", account))
                .generate_missing_passwords(true)
                .strict(true),
        )
        .backend("directory", Arc::new(MemoryProvisioner::new()))
        .sync_settings(quick())
    })
    .await;
    let mut person = grace();
    person["password"] = json!("Sh0rt-enough!");
    let refused = strict_jambonz.post("/Users", person).await;
    refused.assert_error(400, Some("invalidValue"));
    let detail = refused.body["detail"].as_str().unwrap();
    for named in ["jambonz", "emails"] {
        assert!(detail.contains(named), "{named}: {detail}");
    }
    // And a password it would refuse, rather than generating one in its place.
    let refused = strict_jambonz.post("/Users", grace()).await;
    refused.assert_error(400, Some("invalidValue"));
    let detail = refused.body["detail"].as_str().unwrap();
    for named in ["jambonz", "password", "8 to 20"] {
        assert!(detail.contains(named), "{named}: {detail}");
    }
    assert!(!detail.contains("d9f1c2e4"), "{detail}");
    assert_eq!(strict_jambonz.get("/Users").await.body["totalResults"], 0);
}

#[tokio::test]
async fn phone_numbers_in_any_written_form_reach_connect_in_e164() {
    let emulators = Emulators::start().await.unwrap();
    let directory = Arc::new(MemoryProvisioner::new());
    let bridge = serve(|b| {
        b.with_default_phone_region("us")
            .backend_with_rules(
                "connect",
                Arc::new(emulators.connect.client().unwrap()),
                BackendRules::new().on_deactivation(Deactivation::Keep),
            )
            .backend("directory", directory.clone())
            .sync_settings(quick())
    })
    .await;
    let forms = [
        "312-555-0100",
        "(312) 555-0100",
        "312.555.0100",
        "+1 312 555 0100",
        "1-312-555-0100",
        "tel:+1-312-555-0100",
    ];
    for (n, written) in forms.iter().enumerate() {
        let person = json!({
            "schemas": [USER],
            "userName": format!("phone.{n}"),
            "displayName": format!("Phone {n}"),
            "phoneNumbers": [{ "value": written, "type": "work" }]
        });
        let created = bridge.post("/Users", person).await;
        assert_eq!(created.status, 201, "{written}: {:#}", created.body);
        assert_state(&created, "connect", "synced");
        assert!(
            state(&created, "connect")["notice"].is_null(),
            "{:#}",
            created.body
        );
        assert_eq!(
            connect_msisdn(&emulators, &created).await.as_deref(),
            Some("+13125550100"),
            "{written}"
        );
        let id = state(&created, "directory")["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let held = directory.get_user(&UserId::new(id)).await.unwrap();
        assert_eq!(held.phone.as_deref(), Some("+13125550100"), "{written}");
    }

    // A number that cannot be read: left out on Connect with a notice, kept as written
    // where the backend stores text.
    let person = json!({
        "schemas": [USER],
        "userName": "no.number",
        "displayName": "No Number",
        "phoneNumbers": [{ "value": "ask at the desk", "type": "work" }]
    });
    let created = bridge.post("/Users", person).await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    assert_state(&created, "connect", "synced");
    let notice = state(&created, "connect")["notice"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(notice.contains("phoneNumbers"), "{notice}");
    assert_eq!(connect_msisdn(&emulators, &created).await, None);
    assert_state(&created, "directory", "synced");
    let id = state(&created, "directory")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let held = directory.get_user(&UserId::new(id)).await.unwrap();
    assert_eq!(held.phone.as_deref(), Some("ask at the desk"));

    // A later change to an unreadable number keeps Connect's number, and says so.
    let created = bridge
        .post(
            "/Users",
            json!({
                "schemas": [USER], "userName": "changes.number", "displayName": "Changes",
                "phoneNumbers": [{ "value": "312-555-0100", "type": "work" }]
            }),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let changed = bridge
        .patch(
            &format!("/Users/{id}"),
            json!({ "schemas": [PATCH_OP], "Operations": [
                { "op": "replace", "path": "phoneNumbers", "value": [{ "value": "extension 12" }] }
            ]}),
        )
        .await;
    assert_eq!(changed.status, 200, "{:#}", changed.body);
    assert_state(&changed, "connect", "synced");
    let notice = state(&changed, "connect")["notice"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(notice.contains("phoneNumbers"), "{notice}");
    assert_eq!(
        connect_msisdn(&emulators, &changed).await.as_deref(),
        Some("+13125550100")
    );
}

#[tokio::test]
async fn a_default_phone_region_must_be_a_region_code() {
    let (_, base) = listener().await;
    let built = ScimBridge::builder(base)
        .bearer_token(TOKEN)
        .backend("directory", Arc::new(MemoryProvisioner::new()))
        .with_default_phone_region("USA")
        .build()
        .await;
    assert!(matches!(
        built,
        Err(BuildError::Config(BridgeConfigError::BadPhoneRegion(ref region))) if region == "USA"
    ));
}

#[tokio::test]
async fn ece_full_name_is_the_display_name_else_formatted_else_the_names() {
    let emulators = Emulators::start().await.unwrap();
    let bridge = serve(|b| {
        b.backend_with_rules(
            "ece",
            Arc::new(emulators.ece.client().unwrap()),
            BackendRules::new().generate_missing_passwords(true),
        )
        .sync_settings(quick())
    })
    .await;
    let cases = [
        (
            "display",
            json!({ "givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada King" }),
            Some("Countess of Lovelace"),
            "Countess of Lovelace",
        ),
        (
            "formatted",
            json!({ "givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada King" }),
            None,
            "Ada King",
        ),
        (
            "names",
            json!({ "givenName": "Ada", "familyName": "Lovelace" }),
            None,
            "Ada Lovelace",
        ),
    ];
    for (user_name, name, display, expected) in cases {
        let mut person = json!({ "schemas": [USER], "userName": user_name, "name": name });
        if let Some(display) = display {
            person["displayName"] = json!(display);
        }
        let created = bridge.post("/Users", person).await;
        assert_eq!(created.status, 201, "{user_name}: {:#}", created.body);
        assert_state(&created, "ece", "synced");
        assert_eq!(
            ece_full_name(&emulators, user_name).await.as_deref(),
            Some(expected),
            "{user_name}"
        );
    }
    // A later change of the names under a display name keeps the display name.
    let listed = bridge.filter("userName eq \"display\"").await;
    let id = listed.body["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let renamed = bridge
        .patch(
            &format!("/Users/{id}"),
            json!({ "schemas": [PATCH_OP], "Operations": [
                { "op": "replace", "path": "name.givenName", "value": "Augusta" }
            ]}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{:#}", renamed.body);
    assert_state(&renamed, "ece", "synced");
    assert_eq!(
        ece_full_name(&emulators, "display").await.as_deref(),
        Some("Countess of Lovelace")
    );
}

#[tokio::test]
async fn a_password_a_backend_refuses_is_replaced_or_left_out() {
    let emulators = Emulators::start().await.unwrap();
    let account = emulators.jambonz.account_sid().to_string();
    let with_email = || {
        let mut person = grace();
        person["emails"] = json!([{ "value": "grace@example.com", "primary": true }]);
        person
    };
    // Generated where the rules say so.
    let generating = serve(|b| {
        b.backend_with_rules(
            "jambonz",
            Arc::new(emulators.jambonz.client().unwrap()),
            BackendRules::new()
                .with_attribute(AttributeRule::fixed("jambonz.account_sid", account.clone()))
                .generate_missing_passwords(true),
        )
        .sync_settings(quick())
    })
    .await;
    let created = generating.post("/Users", with_email()).await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    assert_state(&created, "jambonz", "synced");
    let notice = state(&created, "jambonz")["notice"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(notice.contains("generated"), "{notice}");
    assert!(
        !notice.contains("d9f1c2e4"),
        "the password is never shown: {notice}"
    );

    // Left out otherwise: jambonz requires a password, so it cannot take the person,
    // while a backend that takes it goes ahead.
    let directory = Arc::new(MemoryProvisioner::new());
    let leaving_out = serve(|b| {
        b.backend_with_rules(
            "jambonz",
            Arc::new(emulators.jambonz.client().unwrap()),
            BackendRules::new()
                .with_attribute(AttributeRule::fixed("jambonz.account_sid", account)),
        )
        .backend("directory", directory.clone())
        .sync_settings(quick())
    })
    .await;
    let mut person = with_email();
    person["userName"] = json!("grace.two");
    person["emails"][0]["value"] = json!("grace.two@example.com");
    let created = leaving_out.post("/Users", person).await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    assert_state(&created, "directory", "synced");
    assert_state(&created, "jambonz", "blocked");
    let reason = state(&created, "jambonz")["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        reason.contains("password") && reason.contains("refused"),
        "{reason}"
    );
    assert!(
        !reason.contains("d9f1c2e4"),
        "the password is never shown: {reason}"
    );
    // A password jambonz takes unblocks it.
    let id = created.body["id"].as_str().unwrap().to_owned();
    let patched = leaving_out
        .patch(
            &format!("/Users/{id}"),
            json!({ "schemas": [PATCH_OP], "Operations": [
                { "op": "replace", "path": "password", "value": "Sh0rt-enough!" }
            ]}),
        )
        .await;
    assert_eq!(patched.status, 200, "{:#}", patched.body);
    assert_state(&patched, "jambonz", "synced");
}
