//! Encoding and decoding cost per provider, without any I/O: `cargo bench --bench codec`
//! (criterion; `-- netsapiens` runs one provider, `-- create` one kind of case).
//!
//! For each provider:
//! - `create/build+serialise`: build a fully populated native create request (every
//!   optional field set; for NetSapiens the ~50 typed fields of `CreateUser`) and encode
//!   it with `serde_json::to_vec`, as a caller and the crate together do per create
//!   (target: under 5 µs);
//! - `create/serialise`: the encoding alone, of a request built once;
//! - `user/decode-native`: a typical user answer (the bodies of `support/fixtures.rs`)
//!   decoded into the provider's native model with `serde_json::from_slice`;
//! - `error/decode`: a typical error answer decoded into the provider's public error
//!   body type;
//! - `new-user/build+serialise`: the portable `NewUser` that stands for the create,
//!   built and encoded.
//!
//! The bodies are realistic (vendor docs and the crate's emulators), not minimal.

#[path = "support/fixtures.rs"]
mod fixtures;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use user_provisioner::providers::{connect, ece, jambonz, netsapiens};
use user_provisioner::NewUser;

/// The ECE error body: the crate's public `EceError` is filled from the body's
/// `errors` and the `x-cloud-error-codes` header and has no `Deserialize`, so its
/// entries, the public `EceErrorEntry`, are what a body decodes into.
#[derive(Deserialize)]
struct EceErrorBody {
    #[allow(dead_code)]
    errors: Vec<ece::EceErrorEntry>,
}

struct Provider<C, U, E> {
    name: &'static str,
    build: fn() -> C,
    user: &'static str,
    error: &'static str,
    new_user: fn() -> NewUser,
    _types: std::marker::PhantomData<(U, E)>,
}

fn provider<C, U, E>(
    name: &'static str,
    build: fn() -> C,
    user: &'static str,
    error: &'static str,
    new_user: fn() -> NewUser,
) -> Provider<C, U, E> {
    Provider {
        name,
        build,
        user,
        error,
        new_user,
        _types: std::marker::PhantomData,
    }
}

impl<C: Serialize, U: DeserializeOwned, E: DeserializeOwned> Provider<C, U, E> {
    fn bench(&self, c: &mut Criterion) {
        // The fixtures must decode, or the timings below would measure an error path.
        serde_json::from_str::<U>(self.user).expect("the user body decodes");
        serde_json::from_str::<E>(self.error).expect("the error body decodes");

        let mut group = c.benchmark_group(self.name);
        let build = self.build;
        group.bench_function("create/build+serialise", |b| {
            b.iter(|| serde_json::to_vec(&black_box(build())).expect("encode"))
        });
        let request = build();
        group.bench_function("create/serialise", |b| {
            b.iter(|| serde_json::to_vec(black_box(&request)).expect("encode"))
        });
        let user = self.user.as_bytes();
        group.bench_function("user/decode-native", |b| {
            b.iter(|| serde_json::from_slice::<U>(black_box(user)).expect("decode"))
        });
        let error = self.error.as_bytes();
        group.bench_function("error/decode", |b| {
            b.iter(|| serde_json::from_slice::<E>(black_box(error)).expect("decode"))
        });
        let new_user = self.new_user;
        group.bench_function("new-user/build+serialise", |b| {
            b.iter(|| serde_json::to_vec(&black_box(new_user())).expect("encode"))
        });
        group.finish();
    }
}

fn codec(c: &mut Criterion) {
    // "Fully populated" is the crate's own golden create, every documented field set.
    let golden: serde_json::Value = serde_json::from_str(include_str!(
        "../tests/data/netsapiens-create-user-full.json"
    ))
    .expect("golden JSON");
    let full = serde_json::to_value(fixtures::netsapiens_create()).expect("encode");
    assert_eq!(
        full, golden,
        "the NetSapiens create sets every documented field"
    );
    provider::<_, jambonz::JambonzUser, jambonz::JambonzErrorBody>(
        "jambonz",
        fixtures::jambonz_create,
        fixtures::JAMBONZ_USER,
        fixtures::JAMBONZ_ERROR,
        fixtures::jambonz_new_user,
    )
    .bench(c);
    provider::<_, netsapiens::NetSapiensUser, netsapiens::NetSapiensErrorBody>(
        "netsapiens",
        fixtures::netsapiens_create,
        fixtures::NETSAPIENS_USER,
        fixtures::NETSAPIENS_ERROR,
        fixtures::netsapiens_new_user,
    )
    .bench(c);
    provider::<_, connect::ConnectUser, connect::ConnectErrorBody>(
        "connect",
        fixtures::connect_create,
        fixtures::CONNECT_USER,
        fixtures::CONNECT_ERROR,
        fixtures::connect_new_user,
    )
    .bench(c);
    provider::<_, ece::EceUser, EceErrorBody>(
        "ece",
        fixtures::ece_create,
        fixtures::ECE_USER,
        fixtures::ECE_ERROR,
        fixtures::ece_new_user,
    )
    .bench(c);
}

criterion_group! {
    name = benches;
    // Short windows: every case runs in well under a microsecond to a few, so one
    // second of samples is already thousands of iterations; the whole file stays
    // around a minute on two cores.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(50);
    targets = codec
}
criterion_main!(benches);
