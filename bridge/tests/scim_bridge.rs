//! The SCIM bridge over loopback HTTP, spoken to as Okta and Entra ID speak to it.

mod support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use support::scim::{entra_user, listener, okta_user, quick, serve, serve_built, PATCH_OP, TOKEN};
use user_provisioner::providers::memory::MemoryProvisioner;
use user_provisioner::testing::Faulty;
use user_provisioner::Operation;
use user_provisioner::{UserKey, UserProvisioner};
use user_provisioner_bridge::{BridgeStore, ScimBridge};

#[tokio::test]
async fn okta_create_looks_up_then_posts_and_every_backend_gets_the_user() {
    let (first, second) = (
        Arc::new(Faulty::new(MemoryProvisioner::new())),
        Arc::new(Faulty::new(MemoryProvisioner::new())),
    );
    let bridge = serve(|b| {
        b.backend("first", first.clone())
            .backend("second", second.clone())
            .sync_settings(quick())
    })
    .await;

    let lookup = bridge.filter("userName eq \"ada@example.com\"").await;
    assert_eq!(lookup.status, 200);
    assert_eq!(lookup.body["totalResults"], 0);
    assert_eq!(lookup.body["Resources"], json!([]));

    let created = bridge
        .post("/Users", okta_user("ada@example.com", "Ada", "Lovelace"))
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.headers["location"],
        format!("{}/Users/{id}", bridge.base)
    );
    assert_eq!(created.headers["etag"], "W/\"1\"");
    assert_eq!(created.headers["content-type"], "application/scim+json");
    assert_eq!(created.body["meta"]["resourceType"], "User");
    assert_eq!(created.body["meta"]["version"], "W/\"1\"");
    assert_eq!(
        created.body["meta"]["location"],
        format!("{}/Users/{id}", bridge.base)
    );
    assert!(
        created.body.get("password").is_none(),
        "a password is never returned"
    );
    assert!(!created.body.to_string().contains("Sup3r-secret"));
    for name in ["first", "second"] {
        let state = created.backend(name);
        assert_eq!(state["state"], "synced", "{state:#}");
        assert!(state["id"].is_string());
    }
    for backend in [&first, &second] {
        let user = backend
            .find_user(&UserKey::username("ada@example.com"))
            .await
            .unwrap()
            .expect("provisioned");
        assert_eq!(user.given_name.as_deref(), Some("Ada"));
        assert_eq!(user.email.as_deref(), Some("ada@example.com"));
    }

    let found = bridge.filter("userName eq \"ADA@example.com\"").await;
    assert_eq!(
        found.body["totalResults"], 1,
        "userName compares without case"
    );
    assert_eq!(found.body["Resources"][0]["id"], id.as_str());
    let by_email = bridge.filter("emails.value eq \"ada@example.com\"").await;
    assert_eq!(by_email.body["totalResults"], 1);
    let by_external = bridge
        .filter("externalId eq \"00u15\" and userName eq \"ada@example.com\"")
        .await;
    assert_eq!(by_external.body["totalResults"], 1);
    let none = bridge.filter("externalId eq \"00U15\"").await;
    assert_eq!(none.body["totalResults"], 0, "externalId is case-exact");
}

/// RFC 7644 §3.3: a POST whose userName is taken is a 409 `uniqueness`, the same user
/// sent again after a timeout included (Okta's spec test requires it; Okta and Entra ID
/// then look the user up by userName). Nothing is created twice, on the bridge or on
/// the backend.
#[tokio::test]
async fn a_post_of_a_taken_user_name_is_a_409_uniqueness_even_sent_again() {
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let bridge = serve(|b| {
        b.backend("directory", backend.clone())
            .sync_settings(quick())
    })
    .await;
    let body = okta_user("grace@example.com", "Grace", "Hopper");
    let first = bridge.post("/Users", body.clone()).await;
    assert_eq!(first.status, 201);
    let again = bridge.post("/Users", body).await;
    again.assert_error(409, Some("uniqueness"));
    let detail = again.body["detail"].as_str().unwrap();
    assert!(detail.contains("grace@example.com"), "{detail}");
    assert_eq!(backend.inner().len(), 1, "one user on the backend");

    // Another person under the same name, in another case.
    let other = bridge
        .post(
            "/Users",
            okta_user("GRACE@example.com", "Grace", "Brewster"),
        )
        .await;
    other.assert_error(409, Some("uniqueness"));
    let listed = bridge.filter("userName eq \"grace@example.com\"").await;
    assert_eq!(listed.body["totalResults"], 1);
    assert_eq!(listed.body["Resources"][0]["id"], first.body["id"]);
    assert_eq!(listed.body["Resources"][0]["name"]["familyName"], "Hopper");
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_a_401_in_the_scim_error_schema() {
    let bridge =
        serve(|b| b.backend("directory", Arc::new(Faulty::new(MemoryProvisioner::new())))).await;
    for headers in [
        vec![],
        vec![("authorization", "Bearer wrong-token-0123456789abcdef")],
        vec![("authorization", "Basic dGVzdDp0ZXN0")],
        vec![("authorization", format!("Bearer {TOKEN}x").leak() as &str)],
    ] {
        let answer = bridge
            .send_with(reqwest::Method::GET, "/Users", None, &headers)
            .await;
        answer.assert_error(401, None);
        assert!(answer.headers.contains_key("www-authenticate"));
    }
}

#[tokio::test]
async fn put_replaces_and_delete_removes_on_every_backend() {
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let bridge = serve(|b| {
        b.backend("directory", backend.clone())
            .sync_settings(quick())
    })
    .await;
    let created = bridge
        .post("/Users", okta_user("alan@example.com", "Alan", "Turing"))
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();

    let mut replacement = okta_user("alan@example.com", "Alan", "Turing");
    replacement["emails"] = json!([{ "value": "alan@bletchley.example", "primary": true }]);
    replacement.as_object_mut().unwrap().remove("password");
    let replaced = bridge.put(&format!("/Users/{id}"), replacement).await;
    assert_eq!(replaced.status, 200, "{:#}", replaced.body);
    assert_eq!(replaced.headers["etag"], "W/\"2\"");
    assert_eq!(replaced.backend("directory")["state"], "synced");
    let user = backend
        .find_user(&UserKey::username("alan@example.com"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.email.as_deref(), Some("alan@bletchley.example"));

    let deleted = bridge.delete(&format!("/Users/{id}")).await;
    assert_eq!(deleted.status, 204);
    assert!(backend.inner().is_empty(), "removed from the backend");
    bridge
        .get(&format!("/Users/{id}"))
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn a_backend_that_fails_is_retried_from_the_queue_after_a_restart() {
    let dir = std::env::temp_dir().join(format!("scim-bridge-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("state.db").display());
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    backend.fail_next_op(Operation::Create, 1, 503);

    let (socket, base) = listener().await;
    let store = BridgeStore::open(&url).await.unwrap();
    let first = ScimBridge::builder(base.clone())
        .bearer_token(TOKEN)
        .backend("directory", backend.clone())
        .store(store)
        .sync_settings(quick().with_max_attempts(20))
        .build()
        .await
        .unwrap();
    let served = serve_built(first, socket, base);
    let created = served
        .post(
            "/Users",
            entra_user("ida@example.com", "Ida", "Rhodes", "e-1"),
        )
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.backend("directory")["state"], "failed");
    assert!(created.backend("directory")["lastError"].is_string());
    served.bridge.store().close().await;
    drop(served);

    let (socket, base) = listener().await;
    let store = BridgeStore::open(&url).await.unwrap();
    let second = ScimBridge::builder(base.clone())
        .bearer_token(TOKEN)
        .backend("directory", backend.clone())
        .store(store)
        .sync_settings(quick())
        .build()
        .await
        .unwrap();
    assert_eq!(second.sync_due().await.unwrap(), 1, "the one failed row");
    let served = serve_built(second, socket, base);
    let read = served.get(&format!("/Users/{id}")).await;
    assert_eq!(
        read.backend("directory")["state"],
        "synced",
        "{:#}",
        read.body
    );
    assert_eq!(backend.inner().len(), 1);
    let status = served.get("/Status").await;
    assert_eq!(
        status.body["backends"]["directory"]["users"]["synced"], 1,
        "{:#}",
        status.body
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bad_bodies_are_scim_errors_and_nothing_is_stored() {
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let bridge = serve(|b| {
        b.backend("directory", backend.clone())
            .max_body_bytes(4096)
            .sync_settings(quick())
    })
    .await;
    let raw = |body: &'static str| {
        let request = bridge
            .http
            .post(format!("{}/Users", bridge.base))
            .bearer_auth(TOKEN)
            .header("content-type", "application/scim+json")
            .body(body);
        async move { request.send().await.unwrap() }
    };
    let not_json = raw("{\"userName\": ").await;
    assert_eq!(not_json.status(), 400);
    let body: serde_json::Value = not_json.json().await.unwrap();
    assert_eq!(body["scimType"], "invalidSyntax");

    bridge
        .post("/Users", json!(["not", "an", "object"]))
        .await
        .assert_error(400, Some("invalidSyntax"));
    bridge
        .post(
            "/Users",
            json!({ "schemas": ["urn:example:Other"], "userName": "x" }),
        )
        .await
        .assert_error(400, Some("invalidSyntax"));
    bridge
        .post(
            "/Users",
            json!({ "schemas": [support::scim::USER], "userName": "  " }),
        )
        .await
        .assert_error(400, Some("invalidValue"));
    bridge
        .post("/Users", json!({ "userName": "x", "active": "maybe" }))
        .await
        .assert_error(400, Some("invalidValue"));
    bridge
        .post(
            "/Users",
            json!({ "userName": "x", "emails": [{ "value": "a@x", "primary": true }, { "value": "b@x", "primary": true }] }),
        )
        .await
        .assert_error(400, Some("invalidValue"));
    let huge = json!({ "userName": "x", "displayName": "y".repeat(10_000) });
    bridge.post("/Users", huge).await.assert_error(413, None);
    assert!(backend.inner().is_empty());
    assert_eq!(bridge.get("/Users").await.body["totalResults"], 0);
}

#[tokio::test]
async fn if_match_guards_put_and_delete() {
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let bridge = serve(|b| {
        b.backend("directory", backend.clone())
            .sync_settings(quick())
    })
    .await;
    let created = bridge
        .post("/Users", okta_user("kay@example.com", "Kay", "Nygaard"))
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    let auth = format!("Bearer {TOKEN}");
    let mut body = okta_user("kay@example.com", "Kay", "Nygaard");
    body["displayName"] = json!("Kristen Nygaard");
    let stale = bridge
        .send_with(
            reqwest::Method::PUT,
            &path,
            Some(body.clone()),
            &[("authorization", &auth), ("if-match", "W/\"7\"")],
        )
        .await;
    stale.assert_error(412, None);
    let fresh = bridge
        .send_with(
            reqwest::Method::PUT,
            &path,
            Some(body),
            &[("authorization", &auth), ("if-match", "W/\"1\"")],
        )
        .await;
    assert_eq!(fresh.status, 200, "{:#}", fresh.body);
    assert_eq!(fresh.body["meta"]["version"], "W/\"2\"");
    let stale_delete = bridge
        .send_with(
            reqwest::Method::DELETE,
            &path,
            None,
            &[("authorization", &auth), ("if-match", "W/\"1\"")],
        )
        .await;
    stale_delete.assert_error(412, None);
    assert_eq!(backend.inner().len(), 1);

    let not_modified = bridge
        .send_with(
            reqwest::Method::GET,
            &path,
            None,
            &[("authorization", &auth), ("if-none-match", "W/\"2\"")],
        )
        .await;
    assert_eq!(not_modified.status, 304);
    assert_eq!(not_modified.headers["etag"], "W/\"2\"");
    let modified = bridge
        .send_with(
            reqwest::Method::GET,
            &path,
            None,
            &[("authorization", &auth), ("if-none-match", "W/\"1\"")],
        )
        .await;
    assert_eq!(modified.status, 200);
}

#[tokio::test]
async fn unknown_endpoints_methods_and_users_are_scim_errors() {
    let bridge =
        serve(|b| b.backend("directory", Arc::new(Faulty::new(MemoryProvisioner::new())))).await;
    bridge.get("/Groups").await.assert_error(404, None);
    bridge
        .get("/Users/no-such-user")
        .await
        .assert_error(404, None);
    bridge
        .delete("/Users/no-such-user")
        .await
        .assert_error(404, None);
    bridge
        .send(reqwest::Method::DELETE, "/ServiceProviderConfig", None)
        .await
        .assert_error(405, None);
    bridge
        .get("/ResourceTypes/Group")
        .await
        .assert_error(404, None);
    bridge
        .get("/Schemas/urn:example:none")
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn discovery_documents_describe_the_bridge() {
    let bridge = serve(|b| {
        b.backend("directory", Arc::new(Faulty::new(MemoryProvisioner::new())))
            .max_results(50)
    })
    .await;
    let config = bridge.get("/ServiceProviderConfig").await;
    assert_eq!(config.status, 200);
    assert_eq!(config.headers["content-type"], "application/scim+json");
    assert_eq!(config.body["patch"]["supported"], true);
    assert_eq!(config.body["bulk"]["supported"], false);
    assert_eq!(config.body["filter"]["maxResults"], 50);
    assert_eq!(config.body["etag"]["supported"], true);
    assert_eq!(
        config.body["authenticationSchemes"][0]["type"],
        "oauthbearertoken"
    );
    let types = bridge.get("/ResourceTypes").await;
    assert_eq!(types.body["Resources"][0]["endpoint"], "/Users");
    let user_type = bridge.get("/ResourceTypes/User").await;
    assert_eq!(user_type.body["schema"], support::scim::USER);
    let schemas = bridge.get("/Schemas").await;
    assert_eq!(schemas.body["totalResults"], 3);
    let core = bridge
        .get(&format!("/Schemas/{}", support::scim::USER))
        .await;
    assert_eq!(core.status, 200);
    let names: Vec<&str> = core.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|attribute| attribute["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"userName") && names.contains(&"password"),
        "{names:?}"
    );
}

#[tokio::test]
async fn deactivation_a_backend_cannot_apply_is_refused_before_anything_changes() {
    // A backend without an enabled flag and the default rule (Auto: refuse there).
    let directory = Arc::new(MemoryProvisioner::new().with_capabilities(
        user_provisioner::Capabilities::new().with_field(
            user_provisioner::Field::Email,
            user_provisioner::FieldSupport::Stored,
        ),
    ));
    let bridge = serve(|b| {
        b.backend("directory", directory.clone())
            .sync_settings(quick())
    })
    .await;
    let mut person = okta_user("lin@example.com", "Lin", "Ma");
    person.as_object_mut().unwrap().remove("password");
    let created = bridge.post("/Users", person.clone()).await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    person["active"] = json!(false);
    let refused = bridge.put(&format!("/Users/{id}"), person).await;
    refused.assert_error(400, Some("invalidValue"));
    assert!(refused.body["detail"]
        .as_str()
        .unwrap()
        .contains("Deactivation"));
    let read = bridge.get(&format!("/Users/{id}")).await;
    assert_eq!(read.body["active"], true, "nothing changed");
    assert_eq!(read.body["meta"]["version"], "W/\"1\"");
}

#[tokio::test]
async fn a_backend_given_up_shows_in_status_and_is_retried_on_request() {
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    backend.fail_next_op(Operation::Create, 2, 503);
    let bridge = serve(|b| {
        b.backend("directory", backend.clone())
            .sync_settings(quick().with_max_attempts(2))
    })
    .await;
    let created = bridge
        .post("/Users", okta_user("max@example.com", "Max", "Planck"))
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.backend("directory")["state"], "failed");
    bridge.bridge.sync_due().await.unwrap();
    let status = bridge.get("/Status").await;
    assert_eq!(
        status.body["backends"]["directory"]["users"]["gaveUp"], 1,
        "{:#}",
        status.body
    );
    let unsynced = &status.body["unsynced"][0];
    assert_eq!(unsynced["state"], "gaveUp");
    assert_eq!(unsynced["user"], created.body["id"]);
    let last_error = unsynced["lastError"].as_str().unwrap();
    assert!(last_error.contains("503"), "{last_error}");
    assert_eq!(
        bridge.bridge.sync_due().await.unwrap(),
        0,
        "given up: not attempted again"
    );

    let retried = bridge
        .send(reqwest::Method::POST, "/Status/retry", None)
        .await;
    assert_eq!(retried.body["requeued"], 1);
    assert_eq!(bridge.bridge.sync_due().await.unwrap(), 1);
    let status = bridge.bridge.status().await.unwrap();
    assert_eq!(status.count("directory", "synced"), 1);
    assert_eq!(status.unsynced_len(), 0);
    assert_eq!(backend.inner().len(), 1);
}

#[tokio::test]
async fn the_worker_retries_in_the_background() {
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    backend.fail_next_op(Operation::Create, 1, 503);
    let bridge = serve(|b| {
        b.backend("directory", backend.clone())
            .sync_settings(quick().with_poll_interval(Duration::from_millis(20)))
    })
    .await;
    let _worker = bridge.bridge.spawn_worker();
    let created = bridge
        .post("/Users", okta_user("emmy@example.com", "Emmy", "Noether"))
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let mut state = String::new();
    for _ in 0..100 {
        let read = bridge.get(&format!("/Users/{id}")).await;
        state = read.backend("directory")["state"]
            .as_str()
            .unwrap()
            .to_owned();
        if state == "synced" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(state, "synced");
    assert_eq!(backend.inner().len(), 1);
}

#[tokio::test]
async fn passwords_and_tokens_are_never_stored_returned_or_shown() {
    let dir = std::env::temp_dir().join(format!("scim-secret-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.db");
    let store = BridgeStore::open(&format!("sqlite:{}", file.display()))
        .await
        .unwrap();
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let bridge = serve(|b| {
        b.backend("directory", backend.clone())
            .store(store)
            .sync_settings(quick())
    })
    .await;
    let created = bridge
        .post(
            "/Users",
            okta_user("rosalind@example.com", "Rosalind", "Franklin"),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let mut changed = okta_user("rosalind@example.com", "Rosalind", "Franklin");
    changed["password"] = json!("An0ther-s3cret!");
    let replaced = bridge.put(&format!("/Users/{id}"), changed).await;
    assert_eq!(replaced.status, 200);
    for answer in [
        &created,
        &replaced,
        &bridge.get(&format!("/Users/{id}")).await,
        &bridge.get("/Users").await,
    ] {
        let text = answer.body.to_string();
        assert!(
            !text.contains("Sup3r-secret") && !text.contains("An0ther-s3cret"),
            "{text}"
        );
    }
    bridge.bridge.store().close().await;
    let mut bytes = std::fs::read(&file).unwrap();
    for extra in ["-wal", "-shm"] {
        if let Ok(more) = std::fs::read(format!("{}{extra}", file.display())) {
            bytes.extend(more);
        }
    }
    let haystack = String::from_utf8_lossy(&bytes);
    assert!(
        haystack.contains("rosalind@example.com"),
        "the user is stored"
    );
    assert!(
        !haystack.contains("Sup3r-secret") && !haystack.contains("An0ther-s3cret"),
        "no password in the database"
    );
    let shown = format!("{:?}", bridge.bridge);
    assert!(!shown.contains(TOKEN), "{shown}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn okta_wizard_apps_update_and_deactivate_through_get_then_put() {
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let bridge = serve(|b| {
        b.backend("directory", backend.clone())
            .sync_settings(quick())
    })
    .await;
    let created = bridge
        .post(
            "/Users",
            okta_user("niklaus@example.com", "Niklaus", "Wirth"),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");

    // Okta reads the user, then PUTs it whole, read-only parts included.
    let mut read = bridge.get(&path).await.body;
    read["name"]["middleName"] = json!("Emil");
    read["displayName"] = json!("N. Wirth");
    read["groups"] = json!([]);
    read["emails"][0]["display"] = json!("work mail");
    let updated = bridge.put(&path, read.clone()).await;
    assert_eq!(updated.status, 200, "{:#}", updated.body);
    assert_eq!(updated.body["displayName"], "N. Wirth");
    assert_eq!(updated.body["id"], id.as_str(), "the id never changes");
    let on_backend = backend
        .find_user(&UserKey::username("niklaus@example.com"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(on_backend.display_name.as_deref(), Some("N. Wirth"));

    let mut deactivate = updated.body.clone();
    deactivate["active"] = json!(false);
    let deactivated = bridge.put(&path, deactivate).await;
    assert_eq!(deactivated.status, 200, "{:#}", deactivated.body);
    assert_eq!(deactivated.body["active"], false);
    let on_backend = backend.get_user(&on_backend.id).await.unwrap();
    assert_eq!(on_backend.enabled, Some(false));

    // The same PUT again changes nothing: no new version, no backend call.
    let calls = backend.calls();
    let mut again = deactivated.body.clone();
    again["active"] = json!(false);
    let unchanged = bridge.put(&path, again).await;
    assert_eq!(
        unchanged.body["meta"]["version"],
        deactivated.body["meta"]["version"]
    );
    assert_eq!(backend.calls(), calls);
}

#[tokio::test]
async fn listing_pages_and_projects() {
    let bridge = serve(|b| {
        b.backend("directory", Arc::new(Faulty::new(MemoryProvisioner::new())))
            .sync_settings(quick())
    })
    .await;
    for n in 0..5 {
        let created = bridge
            .post(
                "/Users",
                okta_user(&format!("user{n}@example.com"), "User", &format!("N{n}")),
            )
            .await;
        assert_eq!(created.status, 201);
    }
    let page = bridge.get("/Users?startIndex=2&count=2").await;
    assert_eq!(page.body["totalResults"], 5);
    assert_eq!(page.body["startIndex"], 2);
    assert_eq!(page.body["itemsPerPage"], 2);
    assert_eq!(page.body["Resources"][0]["userName"], "user1@example.com");
    assert_eq!(page.body["Resources"][1]["userName"], "user2@example.com");
    let past = bridge.get("/Users?startIndex=9&count=2").await;
    assert_eq!(past.body["totalResults"], 5);
    assert_eq!(past.body["Resources"], json!([]));
    let zero = bridge.get("/Users?count=0").await;
    assert_eq!(zero.body["totalResults"], 5);
    assert_eq!(zero.body["itemsPerPage"], 0);
    bridge
        .get("/Users?count=many")
        .await
        .assert_error(400, Some("invalidValue"));

    let projected = bridge
        .get("/Users?attributes=userName,name.familyName&count=1")
        .await;
    let first = projected.body["Resources"][0].as_object().unwrap();
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["id", "name", "schemas", "userName"]);
    assert!(first["name"].get("givenName").is_none());
    let excluded = bridge
        .get("/Users?excludedAttributes=emails,meta&count=1")
        .await;
    let first = excluded.body["Resources"][0].as_object().unwrap();
    assert!(
        !first.contains_key("emails")
            && !first.contains_key("meta")
            && first.contains_key("userName")
    );

    // The whole grammar is read (bridge/tests/scim_filter.rs); what is not a filter is
    // refused.
    for filter in [
        "userName xx \"user\"",
        "userName eq \"a\" or",
        "userName eq",
        "not (userName eq \"a\"",
        "active gt true",
    ] {
        bridge
            .filter(filter)
            .await
            .assert_error(400, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn patch_errors_are_scim_errors_and_change_nothing() {
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let bridge = serve(|b| {
        b.backend("directory", backend.clone())
            .sync_settings(quick())
    })
    .await;
    let created = bridge
        .post(
            "/Users",
            okta_user("edsger@example.com", "Edsger", "Dijkstra"),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    let ops =
        |operations: serde_json::Value| json!({ "schemas": [PATCH_OP], "Operations": operations });
    let cases = [
        (
            json!({ "Operations": [{ "op": "replace", "path": "active", "value": false }] }),
            "invalidSyntax",
        ),
        (ops(json!([])), "invalidSyntax"),
        (
            ops(json!([{ "op": "replace", "path": "id", "value": "other" }])),
            "mutability",
        ),
        (ops(json!([{ "op": "remove" }])), "noTarget"),
        (
            ops(json!([{ "op": "remove", "path": "emails[value eq \"nobody@example.com\"]" }])),
            "noTarget",
        ),
        (
            ops(json!([{ "op": "replace", "path": "emails[type eq ", "value": "x" }])),
            "invalidPath",
        ),
        (
            ops(json!([{ "op": "replace", "path": "active", "value": "perhaps" }])),
            "invalidValue",
        ),
        (
            ops(json!([{ "op": "replace", "path": "userName", "value": "" }])),
            "invalidValue",
        ),
        // All or nothing: the first operation is valid, the second is not.
        (
            ops(json!([
                { "op": "replace", "path": "displayName", "value": "E. W. D." },
                { "op": "replace", "path": "meta", "value": {} }
            ])),
            "mutability",
        ),
    ];
    for (body, scim_type) in cases {
        let answer = bridge.patch(&path, body.clone()).await;
        assert_eq!(answer.status, 400, "{body}: {:#}", answer.body);
        assert_eq!(
            answer.scim_type(),
            Some(scim_type),
            "{body}: {:#}",
            answer.body
        );
    }
    let read = bridge.get(&path).await;
    assert_eq!(read.body["meta"]["version"], "W/\"1\"", "nothing changed");
    assert_eq!(read.body["displayName"], "Edsger Dijkstra");

    // An attribute of no schema the bridge knows is ignored; `title` (Entra's default
    // mappings send it) is an RFC 7643 User attribute and is kept.
    let ignored = bridge
        .patch(
            &path,
            ops(json!([
                { "op": "Add", "path": "title", "value": "Professor" },
                { "op": "Add", "path": "costume", "value": "Gown" }
            ])),
        )
        .await;
    assert_eq!(ignored.status, 200, "{:#}", ignored.body);
    assert_eq!(ignored.body["title"], "Professor");
    assert!(ignored.body.get("costume").is_none());
    bridge
        .patch(
            "/Users/no-such-user",
            ops(json!([{ "op": "replace", "path": "active", "value": false }])),
        )
        .await
        .assert_error(404, None);
}

/// RFC 7644 §3.2's endpoint names in any case and with a trailing slash, as clients send
/// them (Microsoft's reference collection asks for `/users` and `/Users/?filter=…`, and
/// for its own `/serviceConfiguration`); ids keep their case.
#[tokio::test]
async fn endpoint_names_are_read_in_any_case() {
    let bridge = serve(|b| {
        b.backend("directory", Arc::new(Faulty::new(MemoryProvisioner::new())))
            .sync_settings(quick())
    })
    .await;
    let created = bridge
        .post(
            "/users",
            okta_user("edsger@example.com", "Edsger", "Dijkstra"),
        )
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    assert!(created.headers["location"]
        .to_str()
        .unwrap()
        .ends_with(&format!("/Users/{}", created.body["id"].as_str().unwrap())));
    let id = created.body["id"].as_str().unwrap();
    assert_eq!(bridge.get(&format!("/USERS/{id}")).await.status, 200);
    assert_eq!(bridge.get(&format!("/users/{id}/")).await.status, 200);
    bridge
        .get(&format!("/Users/{}", id.to_uppercase()))
        .await
        .assert_error(404, None);
    let listed = bridge
        .get("/Users/?filter=userName%20eq%20%22edsger%40example.com%22")
        .await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["totalResults"], 1);
    for path in [
        "/serviceproviderconfig",
        "/serviceConfiguration",
        "/SERVICEPROVIDERCONFIG/",
    ] {
        let config = bridge.get(path).await;
        assert_eq!(config.status, 200, "{path}");
        assert_eq!(config.body["patch"]["supported"], true, "{path}");
    }
    assert_eq!(bridge.get("/schemas").await.body["totalResults"], 3);
    assert_eq!(bridge.get("/resourcetypes/User").await.status, 200);
    assert_eq!(bridge.get("/status").await.status, 200);
    bridge.get("/groups").await.assert_error(404, None);
}

/// RFC 7644 §3.9: `attributes` and `excludedAttributes` shape every answer that carries
/// a user, a POST's, PUT's and PATCH's as a GET's; a malformed list is a 400 that
/// changed nothing.
#[tokio::test]
async fn attributes_and_excluded_attributes_shape_every_answer() {
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let bridge = serve(|b| {
        b.backend("directory", backend.clone())
            .sync_settings(quick())
    })
    .await;
    bridge
        .post(
            "/Users?attributes=userName,emails[type%20eq",
            okta_user("kristen@example.com", "Kristen", "Nygaard"),
        )
        .await
        .assert_error(400, Some("invalidValue"));
    assert!(backend.inner().is_empty(), "nothing created");

    let created = bridge
        .post(
            "/Users?attributes=userName",
            okta_user("kristen@example.com", "Kristen", "Nygaard"),
        )
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let mut keys: Vec<&str> = created
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "schemas", "userName"]);
    assert!(created.headers.contains_key("etag"));

    let path = format!("/Users/{id}");
    let mut whole = bridge.get(&path).await.body;
    whole["displayName"] = json!("K. Nygaard");
    let replaced = bridge
        .put(&format!("{path}?excludedAttributes=emails,meta"), whole)
        .await;
    assert_eq!(replaced.status, 200, "{:#}", replaced.body);
    assert_eq!(replaced.body["displayName"], "K. Nygaard");
    assert!(replaced.body.get("emails").is_none());
    assert!(replaced.body.get("meta").is_none());

    let patched = bridge
        .patch(
            &format!("{path}?attributes=emails%5Btype%20eq%20%22work%22%5D"),
            json!({
                "schemas": [PATCH_OP],
                "Operations": [{ "op": "replace", "path": "name.givenName", "value": "K." }]
            }),
        )
        .await;
    assert_eq!(patched.status, 200, "{:#}", patched.body);
    assert_eq!(
        patched.body["emails"][0]["value"], "kristen@example.com",
        "a value filter in `attributes` selects its attribute"
    );
    assert!(patched.body.get("name").is_none());
    assert_eq!(bridge.get(&path).await.body["name"]["givenName"], "K.");
}

/// What Microsoft's reference collection sends with its "garbage" users: an empty
/// `schemas`, misspelled and unknown attributes, `active` as the string "True", and a
/// PUT without `userName` (RFC 7644 §3.12: a required value missing is `invalidValue`).
#[tokio::test]
async fn garbage_that_is_still_a_user_is_read_leniently() {
    let bridge = serve(|b| {
        b.backend("directory", Arc::new(Faulty::new(MemoryProvisioner::new())))
            .sync_settings(quick())
    })
    .await;
    let created = bridge
        .post(
            "/Users",
            json!({
                "userName": "emp1",
                "active": "True",
                "adadfdresses": [],
                "emails": [{ "type": "work", "primary": true, "value": "emp1@example.com" }],
                "meta": { "resourceType": "User" },
                "name": {},
                "roles": [],
                "title": "Site engineer",
                "schemas": []
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    assert_eq!(created.body["active"], true);
    assert!(created.body.get("adadfdresses").is_none());
    let path = format!("/Users/{}", created.body["id"].as_str().unwrap());

    let misspelled = bridge
        .put(
            &path,
            json!({
                "userName": "emp1",
                "active": "False",
                "adreses": [],
                "emails": [{ "type": "work", "primary": true, "value": "emp1@example.com" }],
                "schemas": []
            }),
        )
        .await;
    assert_eq!(misspelled.status, 200, "{:#}", misspelled.body);
    assert_eq!(misspelled.body["active"], false);

    let nameless = bridge
        .put(
            &path,
            json!({ "userame": "emp1", "active": false, "schemas": [] }),
        )
        .await;
    nameless.assert_error(400, Some("invalidValue"));
    assert!(nameless.body["detail"]
        .as_str()
        .unwrap()
        .contains("userName"));
    assert_eq!(bridge.get(&path).await.body["userName"], "emp1");
}

/// RFC 7644 §3.11: without `/Me` a service provider "SHOULD respond with HTTP status code
/// 501 (Not Implemented)"; `/Bulk`, which `/ServiceProviderConfig` announces unsupported,
/// is answered the same way (§3.12, table 8). Both still need the token.
#[tokio::test]
async fn me_and_bulk_are_501_not_implemented() {
    let bridge =
        serve(|b| b.backend("directory", Arc::new(Faulty::new(MemoryProvisioner::new())))).await;
    for (method, path) in [
        (reqwest::Method::GET, "/Me"),
        (reqwest::Method::PATCH, "/me/x"),
        (reqwest::Method::POST, "/Bulk"),
        (reqwest::Method::POST, "/bulk/"),
    ] {
        let answer = bridge
            .send(method.clone(), path, Some(json!({ "schemas": [] })))
            .await;
        answer.assert_error(501, None);
    }
    let anonymous = bridge
        .send_with(reqwest::Method::GET, "/Me", None, &[])
        .await;
    assert_eq!(anonymous.status, 401);
}
