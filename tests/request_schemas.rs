//! Issue 11, "request bodies against the vendors' schemas": every request body the
//! NetSapiens, ECE and Connect adapters send (a minimal and a fully populated create,
//! and updates) is captured from a wiremock server, exactly as sent, and validated with a
//! JSON-schema validator against the vendor's schema:
//!
//! - NetSapiens: the request bodies of `POST` and `PUT /domains/{domain}/users…` in the
//!   v2 OpenAPI export (OpenAPI 3.1, so JSON Schema 2020-12);
//! - ECE: `#/definitions/User` of the vendor's Swagger 2.0 file (JSON Schema draft 4);
//! - Connect: `tests/data/connect-users.schema.json`, reconstructed from the vendor page
//!   (its `$comment` names the source).
//!
//! The NetSapiens and ECE files are the parts of the vendors' files these tests use, cut
//! out under `tests/fixtures/vendor-schemas/` (its `SOURCES.md` names each source, and
//! `extract.py` cuts them again), so the tests read nothing outside the repository.
//!
//! Formats are asserted (`email`, `date-time`; the files' unknown ones are ignored), and
//! every field sent must be one the schema declares. The known defects of the published
//! files are explicit exceptions below, each checked to still be needed.

use std::time::Duration;

use jsonschema::{Draft, Validator};
use serde_json::{json, Map, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use user_provisioner::providers::{connect, ece, netsapiens};
use user_provisioner::{ClientOptions, Patch, RequestOptions, RetryPolicy};

const NETSAPIENS_SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/vendor-schemas/netsapiens-v2-users.json"
);
const ECE_SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/vendor-schemas/ece-apidocs-users.json"
);

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_json::from_str(&text).unwrap()
}

fn options() -> RequestOptions {
    RequestOptions::new()
}

fn client_options() -> ClientOptions {
    ClientOptions::new()
        .with_retry_policy(RetryPolicy::never())
        .with_timeout(Duration::from_secs(5))
}

/// A validator for the schema at `pointer` inside `document`, whose `$ref`s resolve
/// against the whole document: the schema is copied under the document's own
/// definitions and the document becomes the root.
fn validator(document: &Value, pointer: &str, draft: Draft) -> Validator {
    let schema = document
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no schema at {pointer}"))
        .clone();
    validator_for(document, schema, draft)
}

fn validator_for(document: &Value, schema: Value, draft: Draft) -> Validator {
    let mut root = document.clone();
    let definitions = if draft == Draft::Draft4 {
        "definitions"
    } else {
        "$defs"
    };
    root.as_object_mut()
        .unwrap()
        .entry(definitions)
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .unwrap()
        .insert("request-under-test".into(), schema);
    root["$ref"] = json!(format!("#/{definitions}/request-under-test"));
    jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(true)
        .build(&root)
        .unwrap()
}

/// Every error of `body` against `schema`, for an assertion message.
fn errors(schema: &Validator, body: &Value) -> Vec<String> {
    schema
        .iter_errors(body)
        .map(|err| format!("{}: {err}", err.instance_path()))
        .collect()
}

fn assert_valid(what: &str, schema: &Validator, body: &Value) {
    let errors = errors(schema, body);
    assert!(errors.is_empty(), "{what}: {errors:#?}\nbody: {body:#}");
}

/// Every field of `body` is one `properties` declares: strict in what we send.
fn assert_declared(what: &str, body: &Value, properties: &Value) {
    for key in body.as_object().unwrap().keys() {
        assert!(
            properties.get(key).is_some(),
            "{what}: `{key}` is not a field of the vendor's schema"
        );
    }
}

/// The JSON bodies the server received, in order.
async fn bodies(server: &MockServer, verb: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|request| request.method.as_str() == verb)
        .map(|request| serde_json::from_slice(&request.body).unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------
// NetSapiens

const NS_CREATE: &str =
    "/paths/~1domains~1{domain}~1users/post/requestBody/content/application~1json/schema";
const NS_UPDATE: &str =
    "/paths/~1domains~1{domain}~1users~1{user}/put/requestBody/content/application~1json/schema";

/// The export's defects, as exceptions (PROVIDERS.md says which spelling is the
/// vendor's): the export names `email-address` `email` and spells
/// `directory-annouce-in-dial-by-name-enabled` correctly, where the vendor's docs and
/// servers use `email-address` and the typo; and it types the email as one address
/// (`format: email`) though it is a `;`-separated list. So the body is validated in
/// the export's spelling, with the list replaced by its first address, and every
/// address of the list is validated on its own against the export's email schema.
fn netsapiens_in_export_terms(body: &Value, email_schema: &Validator) -> Value {
    let mut body = body.as_object().unwrap().clone();
    for (vendor, export) in [
        ("email-address", "email"),
        (
            "directory-annouce-in-dial-by-name-enabled",
            "directory-announce-in-dial-by-name-enabled",
        ),
    ] {
        if let Some(value) = body.remove(vendor) {
            body.insert(export.into(), value);
        }
    }
    if let Some(Value::String(list)) = body.get("email").cloned() {
        let addresses: Vec<&str> = list.split(';').collect();
        for address in &addresses {
            assert_valid(
                "one address of the email list",
                email_schema,
                &json!(address),
            );
        }
        body.insert("email".into(), json!(addresses[0]));
    }
    Value::Object(body)
}

fn netsapiens_full_request() -> netsapiens::CreateUser {
    // The golden file of tests/netsapiens.rs holds every writable field; it goes through
    // the crate's own model, so what is validated is what the crate serializes.
    serde_json::from_str(include_str!("data/netsapiens-create-user-full.json")).unwrap()
}

#[tokio::test]
async fn netsapiens_create_and_update_bodies_match_the_v2_export() {
    let spec = load(NETSAPIENS_SPEC);
    let create = validator(&spec, NS_CREATE, Draft::Draft202012);
    let update = validator(&spec, NS_UPDATE, Draft::Draft202012);
    let email = validator(
        &spec,
        &format!("{NS_CREATE}/properties/email"),
        Draft::Draft202012,
    );
    assert_eq!(
        spec.pointer(&format!("{NS_CREATE}/properties/email/format")),
        Some(&json!("email")),
        "the `format: email` exception is still needed"
    );
    assert!(
        !email.is_valid(&json!("jdoe@example.com;jane@example.org")),
        "formats are asserted, so a `;` list fails the export's email schema"
    );

    let server = MockServer::start().await;
    let client = netsapiens::NetSapiensBuilder::new()
        .with_base_url(format!("{}/ns-api/v2", server.uri()))
        .with_token("ns-token")
        .with_domain("acme")
        .with_client_options(client_options())
        .build()
        .unwrap();
    let mut stored = serde_json::to_value(netsapiens_full_request()).unwrap();
    let stored_map = stored.as_object_mut().unwrap();
    stored_map.remove("synchronous");
    stored_map.insert("domain".into(), json!("acme"));
    stored_map.insert("user-presence-status".into(), json!("inactive"));
    stored_map.insert("active-calls-total-current".into(), json!(0));
    stored_map.insert("account-status".into(), json!("standard"));
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({ "code": 202 })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(stored))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({ "code": 202 })))
        .mount(&server)
        .await;

    let minimal = netsapiens::CreateUser::new("1001", "Jane", "Doe", "jdoe@example.com");
    let _ = client.create(&minimal, &options()).await.unwrap();
    let _ = client
        .create(&netsapiens_full_request(), &options())
        .await
        .unwrap();
    let mut change = netsapiens::UpdateUser::new();
    change.first_name = Some("Janet".into());
    change.settings.area_code = Some(212);
    client.update("1001", &change, &options()).await.unwrap();

    let created = bodies(&server, "POST").await;
    let updated = bodies(&server, "PUT").await;
    assert_eq!((created.len(), updated.len()), (2, 1));
    let create_properties = spec.pointer(&format!("{NS_CREATE}/properties")).unwrap();
    let update_properties = spec.pointer(&format!("{NS_UPDATE}/properties")).unwrap();
    for (what, body) in [
        ("minimal create", &created[0]),
        ("full create", &created[1]),
    ] {
        assert!(
            !create.is_valid(body),
            "{what}: the export's `email` spelling exception is still needed"
        );
        let body = netsapiens_in_export_terms(body, &email);
        assert_valid(what, &create, &body);
        assert_declared(what, &body, create_properties);
    }
    let body = netsapiens_in_export_terms(&updated[0], &email);
    assert_valid("update (a full replacement)", &update, &body);
    assert_declared("update", &body, update_properties);
    assert_eq!(body["name-first-name"], "Janet");
    assert_eq!(body["area-code"], 212);
    assert_eq!(body["department"], "Sales", "unchanged fields are sent too");
}

// ---------------------------------------------------------------------------------------
// ECE

fn ece_user_json() -> Value {
    json!({ "user_name": "jdoe", "security": { "roles": ["ece_platform_viewer"] } })
}

/// The ECE file declares the PATCH body as `{"type": "string"}` (SOURCES.md: the server
/// takes a JSON Merge Patch object). Exception: the patch is validated against the
/// `User` schema as a merge patch is read (RFC 7396): no field is required, and a
/// `null` member removes a field, so it is taken out before validating.
fn ece_merge_patch_schema(spec: &Value) -> Value {
    fn strip_required(schema: &mut Value, spec: &Value) {
        if let Some(object) = schema.as_object_mut() {
            object.remove("required");
        }
        let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            return;
        };
        for property in properties.values_mut() {
            if let Some(Value::String(reference)) = property.get("$ref") {
                let name = reference.trim_start_matches("#/definitions/");
                let mut inlined = spec["definitions"][name].clone();
                strip_required(&mut inlined, spec);
                *property = inlined;
            }
        }
    }
    let mut schema = spec["definitions"]["User"].clone();
    strip_required(&mut schema, spec);
    schema
}

fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

#[tokio::test]
async fn ece_create_and_update_bodies_match_the_vendor_file() {
    let spec = load(ECE_SPEC);
    let create = validator(&spec, "/definitions/User", Draft::Draft4);
    let patch_parameter = spec["paths"]["/users/{user_name}"]["patch"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["in"] == "body")
        .unwrap();
    assert_eq!(
        patch_parameter["schema"],
        json!({ "type": "string" }),
        "the PATCH-as-string exception is still needed"
    );
    let patch = validator_for(&spec, ece_merge_patch_schema(&spec), Draft::Draft4);
    // The schemas can fail.
    assert!(
        !create.is_valid(&json!({ "user_name": "x" })),
        "security is required"
    );
    assert!(!patch.is_valid(&json!({ "security": { "roles": "admin" } })));

    let server = MockServer::start().await;
    let client = ece::EceBuilder::new()
        .with_base_url(format!("{}/api/v1", server.uri()))
        .with_api_key("ece-key")
        .with_client_options(client_options())
        .build()
        .unwrap();
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ece_user_json()))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ece_user_json()))
        .mount(&server)
        .await;

    client
        .create(&ece::CreateUser::new("jdoe", vec![]), &options())
        .await
        .unwrap();
    let mut full = ece::CreateUser::new(
        "jane.doe@example.com",
        vec![
            ece::EceRole::PlatformViewer,
            ece::EceRole::DeploymentManager,
        ],
    );
    full.full_name = Some("Jane Doe".into());
    full.email = Some("jane.doe@example.com".into());
    full.security.password = Some("Str0ngP@ssw0rd!".into());
    full.security.enabled = Some(true);
    client.create(&full, &options()).await.unwrap();

    let mut change = ece::UpdateUser::new();
    change.full_name = Patch::Set("Janet Doe".into());
    change.email = Patch::Clear;
    change.security.roles = Patch::Set(vec![ece::EceRole::DeploymentViewer]);
    change.security.password = Some("N3w-passw0rd!".into());
    change.security.enabled = Patch::Set(false);
    client.update("jdoe", &change, &options()).await.unwrap();
    let mut small = ece::UpdateUser::new();
    small.email = Patch::Set("j@example.com".into());
    client.update("jdoe", &small, &options()).await.unwrap();

    let created = bodies(&server, "POST").await;
    let patched = bodies(&server, "PATCH").await;
    assert_eq!((created.len(), patched.len()), (2, 2));
    let user = &spec["definitions"]["User"]["properties"];
    let security = &spec["definitions"]["UserSecurity"]["properties"];
    for (what, body) in [
        ("minimal create", &created[0]),
        ("full create", &created[1]),
    ] {
        assert_valid(what, &create, body);
        assert_declared(what, body, user);
        assert_declared(what, &body["security"], security);
    }
    assert!(patched[0]["email"].is_null(), "the clear is sent as null");
    for (what, body) in [("full patch", &patched[0]), ("small patch", &patched[1])] {
        let body = without_nulls(body);
        assert_valid(what, &patch, &body);
        assert_declared(what, &body, user);
        if let Some(sent) = body.get("security") {
            assert_declared(what, sent, security);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Connect

fn connect_user_json() -> Value {
    json!({ "userId": "usr_1", "name": "John Doe" })
}

#[tokio::test]
async fn connect_create_and_update_bodies_match_the_reconstructed_schema() {
    let schema: Value =
        serde_json::from_str(include_str!("data/connect-users.schema.json")).unwrap();
    let create = validator(&schema, "/$defs/CreateUser", Draft::Draft202012);
    let update = validator(&schema, "/$defs/UpdateUser", Draft::Draft202012);

    let server = MockServer::start().await;
    let client = connect::ConnectBuilder::new()
        .with_base_url(format!("{}/api/v1", server.uri()))
        .with_api_key("connect-key")
        .with_client_options(client_options())
        .build()
        .unwrap();
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(connect_user_json()))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_json(connect_user_json()))
        .mount(&server)
        .await;

    client
        .create(&connect::CreateUser::new("John Doe"), &options())
        .await
        .unwrap();
    let mut full = connect::CreateUser::new("John Doe");
    full.email = Some("john.doe@example.com".into());
    full.msisdn = Some("+15551234567".into());
    full.identity = Some("197001011234".into());
    full.metadata = Some(json!({ "team": "a", "n": 1 }).as_object().unwrap().clone());
    client.create(&full, &options()).await.unwrap();

    let mut change = connect::UpdateUser::new();
    change.name = Some("Johnny Doe".into());
    change.email = Patch::Set("johnny@example.com".into());
    change.msisdn = Patch::Set("+46701234567".into());
    change.identity = Patch::Clear;
    change.metadata = Patch::Set(json!({ "team": "b" }).as_object().unwrap().clone());
    client.update("usr_1", &change, &options()).await.unwrap();
    let mut clear = connect::UpdateUser::new();
    clear.email = Patch::Clear;
    client.update("usr_1", &clear, &options()).await.unwrap();

    let created = bodies(&server, "POST").await;
    let patched = bodies(&server, "PATCH").await;
    assert_eq!((created.len(), patched.len()), (2, 2));
    assert_valid("minimal create", &create, &created[0]);
    assert_valid("full create", &create, &created[1]);
    assert_valid("full update", &update, &patched[0]);
    assert_valid("clearing update", &update, &patched[1]);
    // The schema can fail: a body without a name, or with an unknown field, is refused.
    assert!(!create.is_valid(&json!({ "email": "a@b.co" })));
    assert!(!create.is_valid(&json!({ "name": "x", "phone": "+1" })));
}
