//! No credential in any `Debug` or `Display`: every public type that holds or may carry a
//! secret (clients, builders, options, request models, emulators, recorded requests) and
//! every error the fault knobs can provoke, for all four providers. Servers here are
//! hostile on purpose: they echo the credential in bodies, headers and redirects.
#![cfg(all(
    feature = "testing",
    feature = "jambonz",
    feature = "netsapiens",
    feature = "connect",
    feature = "ece"
))]

use std::sync::Arc;
use std::time::Duration;

use user_provisioner::providers::{ece, jambonz, netsapiens};
use user_provisioner::testing::{EmulatorServer, Emulators, Fault, FaultRule};
use user_provisioner::{
    ClientOptions, Error, IdempotencyKey, NewUser, PasswordChange, RequestOptions, RetryPolicy,
    UserId, UserProvisioner, UserUpdate,
};

const PASSWORD: &str = "Pa55-w0rd-n0t-shown";
const NEW_PASSWORD: &str = "N3w-pa55-n0t-shown";
const PIN: &str = "918273";

fn options() -> ClientOptions {
    ClientOptions::new()
        .with_timeout(Duration::from_millis(300))
        .with_max_response_bytes(64 * 1024)
        .with_retry_policy(
            RetryPolicy::new()
                .with_backoff(Duration::from_millis(1), Duration::from_millis(2))
                .with_jitter_seed(3),
        )
}

/// Everything shown for one provider, and the secrets that must not be in it.
struct Exhibit {
    provider: &'static str,
    secrets: Vec<String>,
    shown: Vec<String>,
}

impl Exhibit {
    fn show(&mut self, what: &str, value: &(impl std::fmt::Debug + ?Sized)) {
        self.shown.push(format!("{what}: {value:?}"));
    }

    fn show_error(&mut self, what: &str, error: &Error) {
        self.shown.push(format!("{what}: {error:?} / {error}"));
    }

    fn check(&self) {
        assert!(
            self.shown.len() > 10,
            "{}: too little was shown",
            self.provider
        );
        for secret in &self.secrets {
            for text in &self.shown {
                assert!(
                    !text.contains(secret.as_str()),
                    "{}: a secret ({secret}) leaked in {text}",
                    self.provider
                );
            }
        }
    }
}

/// An answer that echoes `echo` in its body (plainly and JSON-escaped) and headers.
fn hostile(status: u16, echo: &str) -> Fault {
    let escaped = echo.replace('/', "\\/");
    Fault::Respond {
        status,
        headers: vec![
            ("x-request-id".into(), echo.to_owned()),
            ("x-cloud-error-codes".into(), echo.to_owned()),
            ("content-type".into(), "application/json".into()),
        ],
        body: format!(
            r#"{{"msg":"{echo}","message":"{escaped}","code":"{echo}","errors":[{{"code":"{echo}","message":"{escaped}"}}]}}"#
        ),
    }
}

/// Provokes every error kind through `p`. The server echoes what each request carried:
/// the client's `credentials` always, and `carried` (the person's password or PIN) on
/// the create that sent it.
async fn provoke(
    exhibit: &mut Exhibit,
    server: &EmulatorServer,
    p: &dyn UserProvisioner,
    (person, carried): (&NewUser, &[&str]),
    existing: &UserId,
    credentials: &[&str],
) {
    let call = RequestOptions::new();
    let echo = credentials.join(" / ");
    for status in [400, 401, 403, 404, 409, 422, 429, 500] {
        server.inject(FaultRule::new(hostile(status, &echo)).times(3));
        let err = p
            .get_user_opts(existing, &call)
            .await
            .expect_err("hostile answer");
        exhibit.show_error(&format!("get {status}"), &err);
        server.clear_faults();
    }
    // A success whose field has the wrong type: decode errors quote values.
    server.inject(FaultRule::new(Fault::Respond {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: format!(
            r#"{{"user_sid":"{echo}","user":1,"userId":2,"user_name":3,"users":"{echo}","items":"{echo}","is_active":"{echo}"}}"#
        ),
    }));
    // Lenient models may accept it; the server's own data is then the caller's, and only
    // an error is inspected here.
    if let Err(err) = p.get_user_opts(existing, &call).await {
        exhibit.show_error("decode", &err);
    }
    server.clear_faults();

    let cases: Vec<(&str, Fault)> = vec![
        ("timeout", Fault::Delay(Duration::from_millis(900))),
        ("reset", Fault::ResetBeforeResponse),
        ("oversized", Fault::OversizedBody(128 * 1024)),
        (
            "redirect",
            Fault::RedirectTo(format!("http://127.0.0.1:9/steal?token={}", credentials[0])),
        ),
    ];
    for (what, fault) in cases {
        server.inject(FaultRule::new(fault).times(3));
        let err = p.get_user_opts(existing, &call).await.expect_err(what);
        exhibit.show_error(what, &err);
        server.clear_faults();
    }

    // A create refused by an answer that echoes the password it carried.
    let with_carried = [credentials, carried].concat().join(" / ");
    for status in [400, 422] {
        server.inject(FaultRule::new(hostile(status, &with_carried)).on("POST", "/"));
        match p.create_user_opts(person, &call).await {
            Ok(outcome) => panic!("{}: {outcome:?}", exhibit.provider),
            Err(err) => exhibit.show_error(&format!("create {status}"), &err),
        }
        server.clear_faults();
    }

    // A create answered 2xx with a body that quotes the password it carried in a field
    // of the wrong type: the decode error must not quote it back.
    server.inject(
        FaultRule::new(Fault::Respond {
            status: 201,
            headers: vec![("content-type".into(), "application/json".into())],
            body: format!(
                r#"{{"user_sid":"{with_carried}","user":"1001","user-scope":"{with_carried}","userId":"u-1","name":"n","user_name":"ada","security":{{"enabled":"{with_carried}","roles":["{with_carried}"]}}}}"#
            ),
        })
        .on("POST", "/"),
    );
    // A lenient model may accept it as the server's data; only an error is inspected.
    if let Err(err) = p.create_user_opts(person, &call).await {
        exhibit.show_error("create answered with an echo", &err);
    }
    server.clear_faults();

    // A create whose outcome is unknown (looked up, or retried under its key).
    server.inject(FaultRule::new(Fault::ActThenRespond(503)).on("POST", "/"));
    match p.create_user_opts(person, &call).await {
        Ok(outcome) => exhibit.show("create after 503", &outcome),
        Err(err) => exhibit.show_error("create after 503", &err),
    }
    server.clear_faults();
    exhibit.show("recorded requests", &server.requests());
}

fn shared_values(exhibit: &mut Exhibit) {
    exhibit.show("client options", &options());
    exhibit.show(
        "request options",
        &RequestOptions::new()
            .with_idempotency_key(IdempotencyKey::random())
            .with_retry_policy(RetryPolicy::new().with_sleeper(|_| async {})),
    );
    exhibit.show(
        "new user",
        &NewUser::new("ada")
            .with_email("ada@example.com")
            .with_password(PASSWORD),
    );
    exhibit.show(
        "update",
        &UserUpdate::new().with_password(PasswordChange::new(NEW_PASSWORD).with_current(PASSWORD)),
    );
}

#[tokio::test]
async fn jambonz_never_shows_a_secret() {
    let emulators = Emulators::start().await.unwrap();
    let emulator = &emulators.jambonz;
    let key = emulator.api_key().to_owned();
    let mut exhibit = Exhibit {
        provider: "jambonz",
        secrets: vec![key.clone(), PASSWORD.into(), NEW_PASSWORD.into()],
        shown: Vec::new(),
    };
    let builder = emulator.builder().with_client_options(options());
    exhibit.show("builder", &builder);
    let client = builder.build().unwrap();
    exhibit.show("client", &client);
    exhibit.show("emulator", emulator);
    let mut native = jambonz::CreateUser::new("ada", "ada@example.com", PASSWORD);
    native.is_view_only = true;
    exhibit.show("native create", &native);
    let mut change = jambonz::UpdateUser::new(false);
    change.old_password = Some(PASSWORD.into());
    change.new_password = Some(NEW_PASSWORD.into());
    exhibit.show("native update", &change);
    shared_values(&mut exhibit);
    let config = jambonz::JambonzBuilder::new()
        .with_base_url(format!("https://ada:{key}@h/v1"))
        .with_api_key(key.as_str())
        .build()
        .unwrap_err();
    exhibit.show_error("config", &config);

    let person = NewUser::new("ada")
        .with_email("ada@example.com")
        .with_password(PASSWORD);
    let created = client
        .create_user_opts(&person, &RequestOptions::new())
        .await
        .unwrap();
    let id = created.id().unwrap().clone();
    let other = person.clone().with_email("ada2@example.com");
    let mut other = other;
    other.username = "ada2".into();
    provoke(
        &mut exhibit,
        emulator.server(),
        &client,
        (&other, &[PASSWORD]),
        &id,
        &[&key],
    )
    .await;
    exhibit.check();
}

#[tokio::test]
async fn netsapiens_never_shows_a_secret() {
    let emulators = Emulators::start().await.unwrap();
    let emulator = &emulators.netsapiens;
    let token = emulator.token().to_owned();
    let mut exhibit = Exhibit {
        provider: "netsapiens",
        secrets: vec![token.clone(), PIN.into()],
        shown: Vec::new(),
    };
    let builder = emulator.builder().with_client_options(options());
    exhibit.show("builder", &builder);
    let client = builder.build().unwrap();
    exhibit.show("client", &client);
    exhibit.show("emulator", emulator);
    let mut native = netsapiens::CreateUser::new("1001", "Ada", "Lovelace", "ada@example.com");
    native.settings.voicemail_login_pin = Some(PIN.into());
    exhibit.show("native create", &native);
    shared_values(&mut exhibit);

    let person = NewUser::new("ada")
        .with_email("ada@example.com")
        .with_names("Ada", "Lovelace")
        .with_attribute("netsapiens.extension", "1001");
    let created = client
        .create_user_opts(&person, &RequestOptions::new())
        .await
        .unwrap();
    let id = created.id().unwrap().clone();
    let other = NewUser::new("ada2")
        .with_email("ada2@example.com")
        .with_names("Ada", "Lovelace")
        .with_attribute("netsapiens.extension", "1002");
    provoke(
        &mut exhibit,
        emulator.server(),
        &client,
        (&other, &[]),
        &id,
        &[&token],
    )
    .await;
    exhibit.check();
}

#[tokio::test]
async fn connect_never_shows_a_secret() {
    let emulators = Emulators::start().await.unwrap();
    let emulator = &emulators.connect;
    let key = emulator.api_key().to_owned();
    let user_token = "user-jwt-never-shown";
    let mut exhibit = Exhibit {
        provider: "connect",
        secrets: vec![key.clone(), user_token.into()],
        shown: Vec::new(),
    };
    let builder = emulator
        .builder()
        .with_user_token(user_token)
        .with_client_options(options());
    exhibit.show("builder", &builder);
    let client = builder.build().unwrap();
    exhibit.show("client", &client);
    exhibit.show("emulator", emulator);
    shared_values(&mut exhibit);

    let person = NewUser::new("ada").with_email("ada@example.com");
    let created = client
        .create_user_opts(&person, &RequestOptions::new())
        .await
        .unwrap();
    let id = created.id().unwrap().clone();
    let other = NewUser::new("ada2").with_email("ada2@example.com");
    provoke(
        &mut exhibit,
        emulator.server(),
        &client,
        (&other, &[]),
        &id,
        &[&key, user_token],
    )
    .await;
    exhibit.check();
}

#[tokio::test]
async fn ece_never_shows_a_secret() {
    let emulators = Emulators::start().await.unwrap();
    let emulator = &emulators.ece;
    let mut exhibit = Exhibit {
        provider: "ece",
        secrets: vec![
            emulator.password().to_owned(),
            emulator.api_key().to_owned(),
            PASSWORD.into(),
            NEW_PASSWORD.into(),
        ],
        shown: Vec::new(),
    };
    let basic = ece::EceBuilder::new()
        .with_base_url(emulator.base_url())
        .with_basic_auth(emulator.username(), emulator.password())
        .with_client_options(options());
    exhibit.show("basic builder", &basic);
    let basic = basic.build().unwrap();
    exhibit.show("basic client", &basic);
    let keyed = ece::EceBuilder::new()
        .with_base_url(emulator.base_url())
        .with_api_key(emulator.api_key())
        .with_client_options(options())
        .build()
        .unwrap();
    exhibit.show("api-key client", &keyed);
    exhibit.show("emulator", emulator);
    let mut native = ece::CreateUser::new("ada", vec![]);
    native.security.password = Some(PASSWORD.into());
    exhibit.show("native create", &native);
    shared_values(&mut exhibit);

    let person = NewUser::new("ada")
        .with_email("ada@example.com")
        .with_password(PASSWORD);
    let created = basic
        .create_user_opts(&person, &RequestOptions::new())
        .await
        .unwrap();
    let id = created.id().unwrap().clone();
    let other = NewUser::new("ada2")
        .with_email("ada2@example.com")
        .with_password(NEW_PASSWORD);
    let shared: Arc<dyn UserProvisioner> = Arc::new(keyed);
    let (password, api_key) = (
        emulator.password().to_owned(),
        emulator.api_key().to_owned(),
    );
    provoke(
        &mut exhibit,
        emulator.server(),
        shared.as_ref(),
        (&other, &[NEW_PASSWORD]),
        &id,
        &[&api_key],
    )
    .await;
    provoke(
        &mut exhibit,
        emulator.server(),
        &basic,
        (&other, &[NEW_PASSWORD]),
        &id,
        &[&password],
    )
    .await;
    exhibit.check();
}
