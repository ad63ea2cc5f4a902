//! `Hooked`: hooks see and decorate every call of any backend.
#![cfg(all(feature = "testing", feature = "jambonz", feature = "ece"))]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use user_provisioner::hooks::{Call, Hook, Hooked, Operation};
use user_provisioner::testing::{EceEmulator, JambonzEmulator};
use user_provisioner::{Error, NewUser, Provider, RequestOptions, UserProvisioner, UserUpdate};

/// Adds a header to every call.
#[derive(Debug)]
struct Tag;

impl Hook for Tag {
    fn before(&self, _call: &Call<'_>, options: &mut RequestOptions) {
        *options = std::mem::take(options).with_header("x-onboarding-run", "run-7");
    }
}

/// Counts calls and failures per provider and operation, and remembers the order.
type Row = (u32, u32, Duration);

#[derive(Debug, Default)]
struct Metrics {
    calls: Mutex<BTreeMap<(String, Operation), Row>>,
    order: Mutex<Vec<&'static str>>,
}

impl Hook for Metrics {
    fn before(&self, _call: &Call<'_>, _options: &mut RequestOptions) {
        self.order.lock().unwrap().push("metrics before");
    }

    fn after(&self, call: &Call<'_>, result: Result<(), &Error>, took: Duration) {
        self.order.lock().unwrap().push("metrics after");
        let mut calls = self.calls.lock().unwrap();
        let entry = calls
            .entry((call.provider.key().to_owned(), call.operation))
            .or_default();
        entry.0 += 1;
        entry.1 += u32::from(result.is_err());
        entry.2 += took;
    }
}

#[derive(Debug, Default)]
struct Order(Arc<Metrics>);

impl Hook for Order {
    fn before(&self, _call: &Call<'_>, _options: &mut RequestOptions) {
        self.0.order.lock().unwrap().push("second before");
    }
    fn after(&self, _call: &Call<'_>, _result: Result<(), &Error>, _took: Duration) {
        self.0.order.lock().unwrap().push("second after");
    }
}

#[tokio::test]
async fn hooks_decorate_and_observe_every_call_of_any_backend() {
    let jambonz = JambonzEmulator::start().await.unwrap();
    let ece = EceEmulator::start().await.unwrap();
    let metrics = Arc::new(Metrics::default());
    let wrap = |inner: Arc<dyn UserProvisioner>| {
        Hooked::new(inner)
            .with_hook(Tag)
            .with_hook(Arc::clone(&metrics))
    };
    let backends = [
        wrap(Arc::new(jambonz.client().unwrap())),
        wrap(Arc::new(ece.client().unwrap())),
    ];
    let person = NewUser::new("ada")
        .with_email("ada@example.com")
        .with_password("Str0ngP@ss1");
    for backend in &backends {
        let outcome = backend.create_user(&person).await.unwrap();
        let id = outcome.id().unwrap().clone();
        let _ = backend
            .update_user(&id, &UserUpdate::new().with_email("ada2@example.com"))
            .await
            .unwrap();
        assert!(backend
            .create_user(&person)
            .await
            .unwrap_err()
            .is_conflict());
        backend.get_user(&id).await.unwrap();
        let _ = backend.delete_user(&id).await.unwrap();
    }

    // Every request the servers saw carries the hook's header.
    for requests in [jambonz.server().requests(), ece.server().requests()] {
        assert!(!requests.is_empty());
        for request in requests {
            assert_eq!(
                request.header("x-onboarding-run"),
                Some("run-7"),
                "{request:?}"
            );
        }
    }
    let calls = metrics.calls.lock().unwrap();
    for provider in [Provider::JAMBONZ, Provider::ECE] {
        let key = |op| (provider.key().to_owned(), op);
        assert_eq!(calls[&key(Operation::Create)].0, 2, "{provider}");
        assert_eq!(
            calls[&key(Operation::Create)].1,
            1,
            "{provider}: the duplicate"
        );
        let (updates, failed_updates, _) = calls[&key(Operation::Update)];
        assert_eq!((updates, failed_updates), (1, 0), "{provider}");
        assert_eq!(calls[&key(Operation::Get)].0, 1);
        assert_eq!(calls[&key(Operation::Delete)].0, 1);
        assert!(calls[&key(Operation::Create)].2 > Duration::ZERO);
    }
}

#[tokio::test]
async fn hooks_run_in_order_before_and_in_reverse_after() {
    let jambonz = JambonzEmulator::start().await.unwrap();
    let metrics = Arc::new(Metrics::default());
    let backend = Hooked::new(Arc::new(jambonz.client().unwrap()))
        .with_hook(Arc::clone(&metrics))
        .with_hook(Order(Arc::clone(&metrics)));
    let _ = backend.list_users(&Default::default()).await.unwrap();
    assert_eq!(
        *metrics.order.lock().unwrap(),
        [
            "metrics before",
            "second before",
            "second after",
            "metrics after"
        ]
    );
}
