//! A bridge killed in the middle of a sync (its runtime shut down while a backend call
//! is in flight, as a killed process would leave it) resumes from its SQLite file after
//! a restart: no user is lost and none is created twice.

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::scim::{entra_user, listener, StallAt, Stalling, SCIM_JSON, TOKEN};
use user_provisioner::providers::memory::MemoryProvisioner;
use user_provisioner::testing::Faulty;
use user_provisioner::Operation;
use user_provisioner::UserProvisioner;
use user_provisioner_bridge::{BridgeStore, ScimBridge, SyncSettings};

fn settings() -> SyncSettings {
    SyncSettings::new()
        .with_lease(Duration::from_millis(800))
        .with_inline_wait(Duration::from_millis(300))
        .with_retry_delays(Duration::ZERO, Duration::ZERO)
}

/// A bridge on its own runtime (its own "process") over `backend` and the file at `url`.
fn start_bridge(
    url: &str,
    backend: Arc<dyn UserProvisioner>,
) -> (tokio::runtime::Runtime, ScimBridge, String) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (bridge, base) = runtime.block_on(async {
        let (socket, base) = listener().await;
        let store = BridgeStore::open(url).await.unwrap();
        let bridge = ScimBridge::builder(base.clone())
            .bearer_token(TOKEN)
            .backend("directory", backend)
            .store(store)
            .sync_settings(settings())
            .build()
            .await
            .unwrap();
        let app = axum::Router::new().nest("/scim/v2", bridge.router());
        tokio::spawn(async move { axum::serve(socket, app).await });
        (bridge, base)
    });
    (runtime, bridge, base)
}

fn killed_mid_sync_resumes(at: StallAt) {
    let dir = std::env::temp_dir().join(format!("scim-restart-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("state.db").display());
    let directory = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let stalling = Stalling::stalling_next(directory.clone(), at, 1);

    let (first, _, base) = start_bridge(&url, stalling.clone());
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let created: serde_json::Value = client.block_on(async {
        let answer = reqwest::Client::new()
            .post(format!("{base}/Users"))
            .bearer_auth(TOKEN)
            .header("content-type", SCIM_JSON)
            .body(entra_user("ida@example.com", "Ida", "Rhodes", "e-ida").to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 201);
        answer.json().await.unwrap()
    });
    let id = created["id"].as_str().unwrap().to_owned();
    // The create is in flight (stalled) when the bridge dies.
    first.shutdown_background();
    let expected_before = usize::from(at == StallAt::AfterCreating);
    assert_eq!(directory.inner().len(), expected_before);

    let (second, bridge, base) = start_bridge(&url, stalling);
    second.block_on(async {
        // The dead instance's lease runs out; then the row is due again.
        tokio::time::sleep(Duration::from_millis(900)).await;
        assert_eq!(bridge.sync_due().await.unwrap(), 1);
    });
    let read: serde_json::Value = client.block_on(async {
        reqwest::Client::new()
            .get(format!("{base}/Users/{id}"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let state = &read[support::scim::BRIDGE]["backends"][0];
    assert_eq!(state["state"], "synced", "{read:#}");
    assert_eq!(
        directory.inner().len(),
        1,
        "the user exists once: not lost, not twice"
    );
    let creates = directory.calls_to(Operation::Create);
    match at {
        // One create before the kill; after it, a lookup found its user.
        StallAt::AfterCreating => assert_eq!(creates, 1),
        StallAt::BeforeSending => assert_eq!(creates, 1),
    }
    second.shutdown_background();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn killed_after_the_backend_created_the_user_resumes_without_a_second_user() {
    killed_mid_sync_resumes(StallAt::AfterCreating);
}

#[test]
fn killed_before_the_create_was_sent_resumes_and_creates_the_user() {
    killed_mid_sync_resumes(StallAt::BeforeSending);
}
