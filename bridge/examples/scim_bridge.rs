//! Serves the SCIM 2.0 bridge over the four provider emulators, so that an identity
//! provider (or `curl`) can provision people into all four through one endpoint.
//!
//! ```text
//! cargo run --example scim_bridge
//! cargo run --example scim_bridge -- --demo   # provisions one person, then exits
//! ```
//!
//! It prints the base URL and a fresh bearer token. State is kept in
//! `scim-bridge-example.db` (SQLite) in the current directory unless `SCIM_BRIDGE_DB`
//! names another database URL (`postgres://…` with the bridge crate's `postgres` feature); the
//! address is `127.0.0.1:8080` unless `SCIM_BRIDGE_ADDR` says otherwise.

use std::error::Error;
use std::sync::Arc;

use serde_json::{json, Value};
use user_provisioner::testing::Emulators;
use user_provisioner_bridge::{
    AttributeRule, BackendRules, BridgeStore, Deactivation, ScimBridge, ScimValue,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let demo = std::env::args().any(|arg| arg == "--demo");
    let address = std::env::var("SCIM_BRIDGE_ADDR").unwrap_or_else(|_| {
        if demo {
            "127.0.0.1:0"
        } else {
            "127.0.0.1:8080"
        }
        .to_owned()
    });
    let database = std::env::var("SCIM_BRIDGE_DB")
        .unwrap_or_else(|_| "sqlite:scim-bridge-example.db".to_owned());

    let emulators = Emulators::start().await?;
    let listener = tokio::net::TcpListener::bind(&address).await?;
    let base = format!("http://{}/scim/v2", listener.local_addr()?);
    let token = format!("scim-{}", uuid::Uuid::new_v4().simple());

    let bridge = ScimBridge::builder(base.clone())
        .bearer_token(token.clone())
        // Phone numbers written without a country code (`312-555-0100`) are read as US
        // numbers and sent in E.164, which Connect requires.
        .with_default_phone_region("US")
        .backend_with_rules(
            "jambonz",
            Arc::new(emulators.jambonz.client()?),
            BackendRules::new()
                // jambonz users belong to an account and need a password of 8 to 20
                // characters, which Entra ID never sends and Okta's (36) exceeds.
                .with_attribute(AttributeRule::fixed(
                    "jambonz.account_sid",
                    emulators.jambonz.account_sid().to_string(),
                ))
                .generate_missing_passwords(true),
        )
        .backend_with_rules(
            "netsapiens",
            // Extensions are allocated from a range.
            Arc::new(
                emulators
                    .netsapiens
                    .builder()
                    .with_extension_range(7000..=7999)
                    .build()?,
            ),
            BackendRules::new()
                .on_deactivation(Deactivation::Delete)
                .with_attribute(AttributeRule::from_scim(
                    "netsapiens.department",
                    ScimValue::Department,
                )),
        )
        .backend_with_rules(
            "connect",
            Arc::new(emulators.connect.client()?),
            // Connect has no enabled flag: an inactive person keeps the account.
            BackendRules::new().on_deactivation(Deactivation::Keep),
        )
        .backend_with_rules(
            "ece",
            Arc::new(emulators.ece.client()?),
            BackendRules::new().generate_missing_passwords(true),
        )
        .store(BridgeStore::open(&database).await?)
        .build()
        .await?;
    let _worker = bridge.spawn_worker();
    let app = axum::Router::new().nest("/scim/v2", bridge.router());

    println!("SCIM base URL: {base}");
    println!("Bearer token:  {token}");
    println!("State:         {database}");

    if !demo {
        println!("Try: curl -H 'Authorization: Bearer {token}' {base}/ServiceProviderConfig");
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        return Ok(());
    }

    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::new();
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let person = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": format!("ada.{suffix}"),
        "name": { "givenName": "Ada", "familyName": "Lovelace" },
        "emails": [{ "value": format!("ada.{suffix}@example.com"), "type": "work", "primary": true }],
        "active": true
    });
    let answer = client
        .post(format!("{base}/Users"))
        .bearer_auth(&token)
        .json(&person)
        .send()
        .await?;
    let status = answer.status();
    let created: Value = answer.json().await?;
    if !status.is_success() {
        return Err(format!("the bridge answered {status}: {}", created["detail"]).into());
    }
    println!("Created SCIM user {}", created["id"]);
    let backends =
        &created["urn:user-provisioner:params:scim:schemas:extension:bridge:2.0:User"]["backends"];
    for backend in backends.as_array().into_iter().flatten() {
        println!(
            "  {:<11} {:<8} {}",
            backend["backend"].as_str().unwrap_or("?"),
            backend["state"].as_str().unwrap_or("?"),
            backend["id"].as_str().unwrap_or("-")
        );
    }
    server.abort();
    Ok(())
}
