//! The SCIM client adapter: SCIM-specific cases against the real SCIM server
//! (`scim2-server`, started by `.ci/scim-server.sh`; ignored unless run with
//! `--ignored`, see README) and fault cases against wiremock, which a real server cannot
//! be made to produce (a create that fails after it may have acted, an error echoing a
//! password, a server without discovery documents).
#![cfg(feature = "scim-client")]

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::scim_server::{Flavour, ScimTarget, ACME};
use user_provisioner::providers::scim::{Filter, ListQuery, ScimBuilder, ScimClient};
use user_provisioner::scim::model::{
    ErrorMessage, MultiValued, PatchOp, PatchOperation, ScimUser, ServiceProviderConfig,
};
use user_provisioner::{
    ClientOptions, CreateLookup, CreateOutcome, Error, Field, FieldSupport, ListUsers, NewUser,
    PasswordChange, RequestOptions, RetryPolicy, UpdateOutcome, UserId, UserKey, UserProvisioner,
    UserUpdate,
};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn options() -> RequestOptions {
    RequestOptions::new()
}

mod real_server {
    use super::*;

    async fn created(target: &ScimTarget, client: &ScimClient, person: &NewUser) -> UserId {
        match client.create_user(person).await {
            Ok(CreateOutcome::Created(user)) => user.id,
            other => panic!("{:?}: {other:?}", target.flavour),
        }
    }

    #[tokio::test]
    #[ignore = "needs the real SCIM server: see README"]
    async fn filter_values_with_quotes_and_backslashes_find_exactly_their_user() {
        let target = ScimTarget::real(Flavour::Full).await;
        let client = target.client();
        let tricky = format!("{}-o\"brien\\x", target.run);
        let id = created(&target, &client, &NewUser::new(tricky.clone())).await;
        let plain = format!("{}-obrienx", target.run);
        created(&target, &client, &NewUser::new(plain)).await;
        let found = client
            .find_user(&UserKey::username(tricky.clone()))
            .await
            .unwrap();
        assert_eq!(found.map(|user| user.id), Some(id));
        // A value that would end the string and add a clause if it were not escaped.
        let injected = format!("{}-o\" or userName pr or userName eq \"x", target.run);
        assert!(client
            .find_user(&UserKey::username(injected.clone()))
            .await
            .unwrap()
            .is_none());
        // The server itself reads the escaped value as one value: one match, then none.
        for (name, matches) in [(tricky, 1), (injected, 0)] {
            let query = ListQuery::new().with_filter(Filter::equals("userName", &name).unwrap());
            let page = client.list(&query, &options()).await.unwrap();
            assert_eq!(page.resources.len(), matches, "{name}");
        }
    }

    #[tokio::test]
    #[ignore = "needs the real SCIM server: see README"]
    async fn a_user_name_taken_in_another_case_is_a_uniqueness_conflict() {
        let target = ScimTarget::real(Flavour::Full).await;
        let client = target.client();
        created(&target, &client, &target.person(1)).await;
        let shouted = NewUser::new(target.name(1).to_uppercase());
        let err = client.create_user(&shouted).await.expect_err("a conflict");
        assert!(err.is_conflict(), "{err:?}");
        assert_eq!(err.status(), Some(409));
        assert_eq!(err.provider_code(), Some("uniqueness"));
        let detail = err
            .api_error()
            .unwrap()
            .detail
            .downcast_ref::<ErrorMessage>();
        assert_eq!(detail.and_then(ErrorMessage::status_code), Some(409));
    }

    #[tokio::test]
    #[ignore = "needs the real SCIM server: see README"]
    async fn updates_are_patch_where_announced_and_put_otherwise() {
        for (flavour, write) in [(Flavour::Full, "PATCH"), (Flavour::PutOnly, "PUT")] {
            let target = ScimTarget::real(flavour).await;
            let client = target.client();
            let config = client.discover(&options()).await.unwrap().clone();
            assert_eq!(config.patch.supported, flavour == Flavour::Full);
            assert_eq!(config.etag.supported, flavour == Flavour::Full);
            let id = created(&target, &client, &target.person(2)).await;
            let before = target.seen().len();
            let update = UserUpdate::new()
                .with_display_name("Sam Two")
                .clear_names()
                .with_enabled(false);
            let outcome = client.update_user(&id, &update).await.unwrap();
            assert_eq!(target.methods_since(before), ["GET", write], "{flavour:?}");
            // scim2-server answers a PATCH with 204 and a PUT with the resource.
            match (flavour, outcome) {
                (Flavour::Full, UpdateOutcome::Applied) => {}
                (Flavour::PutOnly, UpdateOutcome::Updated(user)) => {
                    assert_eq!(user.enabled, Some(false))
                }
                other => panic!("{other:?}"),
            }
            let read = client.get_user(&id).await.unwrap();
            assert_eq!(read.display_name.as_deref(), Some("Sam Two"), "{flavour:?}");
            assert_eq!(read.given_name, None, "{flavour:?}");
            assert_eq!(read.enabled, Some(false), "{flavour:?}");
            assert_eq!(read.email, target.person(2).email, "{flavour:?}");
        }
    }

    #[tokio::test]
    #[ignore = "needs the real SCIM server: see README"]
    async fn a_stale_version_is_a_conflict_the_caller_can_act_on() {
        let target = ScimTarget::real(Flavour::Full).await;
        let client = target.client();
        let id = created(&target, &client, &target.person(3)).await;
        let read = client.get(id.as_str(), &options()).await.unwrap();
        let stale = read
            .version()
            .expect("the server sends versions")
            .to_owned();
        let _ = client
            .update_user(
                &id,
                &UserUpdate::new().with_display_name("Changed meanwhile"),
            )
            .await
            .unwrap();
        let patch = PatchOp::new(vec![PatchOperation::replace("title", "Boss")]);
        let err = client
            .patch(id.as_str(), &patch, Some(&stale), &options())
            .await
            .expect_err("stale");
        assert!(err.is_conflict(), "{err:?}");
        assert_eq!(err.status(), Some(412));
        let current = client.get(id.as_str(), &options()).await.unwrap();
        assert_eq!(current.title, None, "the stale PATCH changed nothing");
        let fresh = current.version().map(str::to_owned);
        client
            .patch(id.as_str(), &patch, fresh.as_deref(), &options())
            .await
            .unwrap();
        assert_eq!(
            client
                .get(id.as_str(), &options())
                .await
                .unwrap()
                .title
                .as_deref(),
            Some("Boss")
        );
    }

    #[tokio::test]
    #[ignore = "needs the real SCIM server: see README"]
    async fn an_unknown_extension_survives_a_portable_update() {
        for flavour in [Flavour::Full, Flavour::PutOnly] {
            let target = ScimTarget::real(flavour).await;
            let client = target.client();
            let mut person = ScimUser::new(target.name(4));
            person.emails.push(MultiValued::primary(
                format!("{}@example.com", target.name(4)),
                "work",
            ));
            let acme = json!({"badge": "B-7", "floor": 3, "tags": ["a", "b"]});
            person.other.insert(ACME.into(), acme.clone());
            let made = client.create(&person, &options()).await.unwrap();
            assert_eq!(made.other.get(ACME), Some(&acme), "{flavour:?}");
            assert!(made.schemas.iter().any(|urn| urn == ACME), "{flavour:?}");
            let id = UserId::new(made.id.clone().unwrap());
            let _ = client
                .update_user(&id, &UserUpdate::new().with_email("four@example.com"))
                .await
                .unwrap();
            let read = client.get(id.as_str(), &options()).await.unwrap();
            assert_eq!(read.other.get(ACME), Some(&acme), "{flavour:?}");
            assert_eq!(
                read.primary_email(),
                Some("four@example.com"),
                "{flavour:?}"
            );
            // And the native PUT of what was read keeps it too.
            let mut changed = read.clone();
            changed.title = Some("Keeper".into());
            let replaced = client
                .replace(id.as_str(), &changed, None, &options())
                .await
                .unwrap();
            assert_eq!(replaced.other.get(ACME), Some(&acme), "{flavour:?}");
        }
    }

    #[tokio::test]
    #[ignore = "needs the real SCIM server: see README"]
    async fn scim_attributes_and_the_enterprise_extension_round_trip() {
        let target = ScimTarget::real(Flavour::Full).await;
        let client = target.client();
        let person = target
            .person(5)
            .with_attribute("scim.title", "Guide")
            .with_attribute("scim.externalId", format!("{}-ext-5", target.run))
            .with_attribute("scim.enterprise.department", "Tours")
            .with_roles(["guide"])
            .with_phone("+15551234567");
        let id = created(&target, &client, &person).await;
        let read = client.get(id.as_str(), &options()).await.unwrap();
        assert_eq!(read.title.as_deref(), Some("Guide"));
        assert_eq!(read.external_id, Some(format!("{}-ext-5", target.run)));
        assert_eq!(
            read.enterprise
                .as_ref()
                .and_then(|e| e.department.as_deref()),
            Some("Tours")
        );
        let portable = client.get_user(&id).await.unwrap();
        assert_eq!(portable.roles, ["guide"]);
        assert_eq!(portable.phone.as_deref(), Some("+15551234567"));
        let update = UserUpdate::new()
            .with_attribute("scim.enterprise.department", Value::Null)
            .clear_phone();
        let _ = client.update_user(&id, &update).await.unwrap();
        let read = client.get(id.as_str(), &options()).await.unwrap();
        assert!(read.enterprise.and_then(|e| e.department).is_none());
        assert!(read.phone_numbers.is_empty());
    }

    #[tokio::test]
    #[ignore = "needs the real SCIM server: see README"]
    async fn a_password_change_is_sent_only_where_announced() {
        let full = ScimTarget::real(Flavour::Full).await;
        let client = full.client();
        let id = created(&full, &client, &full.person(6)).await;
        let change = UserUpdate::new().with_password(PasswordChange::new("N3w-Passw0rd!"));
        let _ = client.update_user(&id, &change).await.unwrap();

        let put_only = ScimTarget::real(Flavour::PutOnly).await;
        let client = put_only.client();
        let id = created(&put_only, &client, &put_only.person(6)).await;
        let before = put_only.seen().len();
        let err = client.update_user(&id, &change).await.expect_err("refused");
        assert!(
            matches!(&err, Error::Unsupported { field, .. } if field == "password"),
            "{err:?}"
        );
        let sent = put_only.methods_since(before);
        assert!(!sent.iter().any(|m| m == "PUT" || m == "PATCH"), "{sent:?}");
    }

    #[tokio::test]
    #[ignore = "needs the real SCIM server: see README"]
    async fn what_the_user_schema_lacks_or_requires_is_refused_before_any_write() {
        let full = ScimTarget::real(Flavour::Full).await;
        let client = full.client();
        client.discover(&options()).await.unwrap();
        assert!(client.user_schema().is_some());
        assert_eq!(
            client.capabilities().field(Field::Phone),
            FieldSupport::Stored
        );
        assert_eq!(
            client.capabilities().field(Field::Email),
            FieldSupport::Stored
        );

        // This server's User schema has no phoneNumbers or roles and requires emails.
        let small = ScimTarget::real(Flavour::PutOnly).await;
        let client = small.client();
        client.discover(&options()).await.unwrap();
        let caps = client.capabilities();
        assert_eq!(caps.field(Field::Phone), FieldSupport::NotStored);
        assert_eq!(caps.field(Field::Roles), FieldSupport::NotStored);
        assert_eq!(caps.field(Field::Email), FieldSupport::Required);
        let before = small.seen().len();
        let with_phone = small.person(7).with_phone("+15551234567");
        let err = client.create_user(&with_phone).await.expect_err("no phone");
        assert!(
            matches!(&err, Error::Unsupported { field, .. } if field == "phone"),
            "{err:?}"
        );
        let mut without_email = small.person(7);
        without_email.email = None;
        let err = client
            .create_user(&without_email)
            .await
            .expect_err("email required");
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "email"),
            "{err:?}"
        );
        let err = client
            .create_user(&small.person(7).with_attribute("scim.nickName", "Sammy"))
            .await
            .expect_err("no nickName here");
        assert!(err.to_string().contains("scim.nickName"), "{err}");
        let err = client
            .update_user(
                &UserId::new("any"),
                &UserUpdate::new().with_roles(["guide"]),
            )
            .await
            .expect_err("no roles");
        assert!(
            matches!(&err, Error::Unsupported { field, .. } if field == "roles"),
            "{err:?}"
        );
        assert_eq!(small.methods_since(before), Vec::<String>::new());
        // What the server does take still goes through.
        created(&small, &client, &small.person(7)).await;
    }

    #[tokio::test]
    #[ignore = "needs the real SCIM server: see README"]
    async fn pages_follow_start_index_and_total_results() {
        let target = ScimTarget::real(Flavour::PutOnly).await;
        let client = target.client();
        for n in 10..13 {
            created(&target, &client, &target.person(n)).await;
        }
        let filter = Filter::raw(format!("userName sw \"{}-\"", target.run));
        let page = client
            .list(
                &ListQuery::new()
                    .with_filter(filter)
                    .with_start_index(2)
                    .with_count(1),
                &options(),
            )
            .await
            .unwrap();
        assert_eq!(page.total_results, Some(3));
        assert_eq!(page.start_index, Some(2));
        assert_eq!(page.resources.len(), 1);
        let mut seen = 0;
        let mut request = ListUsers::new().with_page_size(1);
        loop {
            let page = client.list_users(&request).await.unwrap();
            seen += page.users.len();
            match page.next {
                Some(next) => request = request.with_cursor(next),
                None => break,
            }
        }
        assert_eq!(seen, client.list_all_users().await.unwrap().len());
    }
}

// ---- wiremock: what a real server cannot be made to do --------------------------

const TOKEN: &str = "scim-test-token-7d1f";

fn fast() -> ClientOptions {
    ClientOptions::new().with_retry_policy(
        RetryPolicy::new()
            .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
            .with_jitter_seed(1),
    )
}

fn full_config() -> ServiceProviderConfig {
    ServiceProviderConfig::new()
        .with_patch(true)
        .with_etag(true)
        .with_filter(true, Some(100))
        .with_change_password(true)
}

async fn mock_client(config: Option<ServiceProviderConfig>) -> (MockServer, ScimClient) {
    let server = MockServer::start().await;
    let mut builder = ScimBuilder::new()
        .with_base_url(format!("{}/scim/v2", server.uri()))
        .with_bearer_token(TOKEN)
        .with_client_options(fast());
    if let Some(config) = config {
        builder = builder.with_service_provider_config(config);
    }
    (server, builder.build().unwrap())
}

fn scim_user(id: &str, name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": id,
        "userName": name,
        "emails": [{"value": format!("{name}@example.com"), "primary": true}],
        "meta": {"resourceType": "User", "version": "W/\"1\""}
    })
}

fn list_of(users: Vec<Value>) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": users.len(),
        "startIndex": 1,
        "itemsPerPage": users.len(),
        "Resources": users
    })
}

fn scim_error(status: u16, scim_type: Option<&str>, detail: &str) -> ResponseTemplate {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.to_string(),
        "detail": detail
    });
    if let Some(kind) = scim_type {
        body["scimType"] = kind.into();
    }
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/scim+json")
        .set_body_json(body)
}

async fn count(server: &MockServer, verb: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|request| request.method.as_str() == verb)
        .count()
}

#[tokio::test]
async fn an_uncertain_create_is_sent_once_and_looked_up_by_user_name() {
    let (server, client) = mock_client(Some(full_config())).await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .respond_with(scim_error(503, None, "busy"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param("filter", "userName eq \"jdoe\""))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(list_of(vec![scim_user("u1", "JDOE")])),
        )
        .mount(&server)
        .await;
    let err = client
        .create_user(&NewUser::new("jdoe"))
        .await
        .expect_err("unknown");
    match &err {
        Error::OutcomeUnknown {
            lookup: CreateLookup::Found(user),
            ..
        } => assert_eq!(user.id.as_str(), "u1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(count(&server, "POST").await, 1, "a create is never re-sent");
}

#[tokio::test]
async fn an_uncertain_create_with_an_external_id_is_looked_up_by_it() {
    let (server, client) = mock_client(Some(full_config())).await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param("filter", "externalId eq \"hr-42\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(vec![])))
        .mount(&server)
        .await;
    let person = NewUser::new("jdoe").with_attribute("scim.externalId", "hr-42");
    let err = client.create_user(&person).await.expect_err("unknown");
    assert!(
        matches!(
            err,
            Error::OutcomeUnknown {
                lookup: CreateLookup::NotFound,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(count(&server, "POST").await, 1);
}

#[tokio::test]
async fn a_2xx_create_with_an_unreadable_body_is_read_back() {
    let (server, client) = mock_client(Some(full_config())).await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .respond_with(ResponseTemplate::new(201).set_body_string("{\"id\": "))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(list_of(vec![scim_user("u7", "jdoe")])),
        )
        .mount(&server)
        .await;
    match client.create_user(&NewUser::new("jdoe")).await {
        Ok(CreateOutcome::Created(user)) => assert_eq!(user.id.as_str(), "u7"),
        other => panic!("{other:?}"),
    }
    assert_eq!(count(&server, "POST").await, 1);
}

#[tokio::test]
async fn requests_are_scim_json_with_the_credentials_and_errors_keep_everything() {
    let (server, client) = mock_client(Some(full_config())).await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .and(header("content-type", "application/scim+json"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            scim_error(409, Some("uniqueness"), "userName is taken")
                .insert_header("x-request-id", "req-9"),
        )
        .mount(&server)
        .await;
    let err = client
        .create_user(&NewUser::new("jdoe"))
        .await
        .expect_err("conflict");
    assert!(err.is_conflict(), "{err:?}");
    assert_eq!(err.provider_code(), Some("uniqueness"));
    assert_eq!(err.request_id(), Some("req-9"));
    assert_eq!(err.api_error().unwrap().message, "userName is taken");
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn basic_auth_is_sent_where_configured() {
    let server = MockServer::start().await;
    let client = ScimBuilder::new()
        .with_base_url(server.uri())
        .with_basic_auth("provisioner", "b4sic-secret")
        .with_service_provider_config(full_config())
        .build()
        .unwrap();
    Mock::given(method("GET"))
        .and(path("/Users/u1"))
        .and(header(
            "authorization",
            "Basic cHJvdmlzaW9uZXI6YjRzaWMtc2VjcmV0",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(scim_user("u1", "jdoe")))
        .mount(&server)
        .await;
    let user = client.get_user(&UserId::new("u1")).await.unwrap();
    assert_eq!(user.username.as_deref(), Some("jdoe"));
    assert!(!format!("{client:?}").contains("b4sic-secret"));
}

#[tokio::test]
async fn a_server_without_discovery_documents_is_updated_by_put_without_if_match() {
    let (server, client) = mock_client(None).await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/ServiceProviderConfig"))
        .respond_with(scim_error(404, None, "no such endpoint"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(scim_user("u1", "jdoe")))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(scim_user("u1", "jdoe2")))
        .mount(&server)
        .await;
    let outcome = client
        .update_user(
            &UserId::new("u1"),
            &UserUpdate::new().with_username("jdoe2"),
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, UpdateOutcome::Updated(ref user) if user.username.as_deref() == Some("jdoe2"))
    );
    let requests = server.received_requests().await.unwrap();
    let put = requests
        .iter()
        .find(|r| r.method.as_str() == "PUT")
        .unwrap();
    assert!(put.headers.get("if-match").is_none());
    let body: Value = serde_json::from_slice(&put.body).unwrap();
    assert_eq!(body["userName"], "jdoe2");
    assert!(body.get("meta").is_none(), "meta is the server's: {body}");
    assert!(!client.service_provider_config().unwrap().patch.supported);
}

#[tokio::test]
async fn a_patch_carries_the_version_read_and_a_412_is_a_conflict() {
    let (server, client) = mock_client(Some(full_config())).await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(scim_user("u1", "jdoe")))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/scim/v2/Users/u1"))
        .and(header("if-match", "W/\"1\""))
        .respond_with(scim_error(412, None, "changed on the server"))
        .mount(&server)
        .await;
    let err = client
        .update_user(&UserId::new("u1"), &UserUpdate::new().with_enabled(false))
        .await
        .expect_err("stale");
    assert!(err.is_conflict(), "{err:?}");
    assert_eq!(err.status(), Some(412));
    assert_eq!(count(&server, "PATCH").await, 1);
    let requests = server.received_requests().await.unwrap();
    let patch = requests
        .iter()
        .find(|r| r.method.as_str() == "PATCH")
        .unwrap();
    let body: Value = serde_json::from_slice(&patch.body).unwrap();
    assert_eq!(
        body,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "replace", "path": "active", "value": false}]})
    );
}

#[tokio::test]
async fn an_unannounced_feature_is_refused_before_any_request() {
    let pinned = ServiceProviderConfig::new();
    let (server, client) = mock_client(Some(pinned)).await;
    let patch = PatchOp::new(vec![PatchOperation::replace("active", false)]);
    let err = client
        .patch("u1", &patch, None, &options())
        .await
        .expect_err("no PATCH");
    assert!(
        matches!(&err, Error::Unsupported { field, .. } if field == "patch"),
        "{err:?}"
    );
    let filter = Filter::equals("userName", "jdoe").unwrap();
    let err = client
        .list(&ListQuery::new().with_filter(filter), &options())
        .await
        .expect_err("no filter");
    assert!(
        matches!(&err, Error::Unsupported { field, .. } if field == "filter"),
        "{err:?}"
    );
    let change = UserUpdate::new().with_password(PasswordChange::new("N3w-Passw0rd!"));
    let err = client
        .update_user(&UserId::new("u1"), &change)
        .await
        .expect_err("no password");
    assert!(
        matches!(&err, Error::Unsupported { field, .. } if field == "password"),
        "{err:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unreadable_filter_falls_back_to_reading_every_page() {
    let (server, client) = mock_client(Some(full_config())).await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param("filter", "emails.value eq \"b@example.com\""))
        .respond_with(scim_error(
            400,
            Some("invalidFilter"),
            "only userName filters",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(list_of(vec![scim_user("u1", "a"), scim_user("u2", "b")])),
        )
        .mount(&server)
        .await;
    let found = client
        .find_user(&UserKey::email("B@example.com"))
        .await
        .unwrap();
    assert_eq!(
        found.map(|user| user.id.into_string()).as_deref(),
        Some("u2")
    );
}

#[tokio::test]
async fn a_password_echoed_by_the_server_never_reaches_an_error() {
    let (server, client) = mock_client(Some(full_config())).await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .respond_with(scim_error(
            400,
            Some("invalidValue"),
            "password Sup3r-S3cret! is too weak",
        ))
        .mount(&server)
        .await;
    let person = NewUser::new("jdoe").with_password("Sup3r-S3cret!");
    let err = client.create_user(&person).await.expect_err("refused");
    assert!(
        !format!("{err} {err:?}").contains("Sup3r-S3cret!"),
        "{err:?}"
    );
    assert_eq!(err.provider_code(), Some("invalidValue"));
}

#[tokio::test]
async fn pages_end_where_the_total_says_and_a_malformed_list_never_panics() {
    let (server, client) = mock_client(Some(full_config())).await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param("startIndex", "3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "totalResults": 3, "startIndex": 3, "itemsPerPage": 1,
            "Resources": [scim_user("u3", "c")]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param("startIndex", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "totalResults": 3, "startIndex": 1, "itemsPerPage": 2,
            "Resources": [scim_user("u1", "a"), scim_user("u2", "b")]
        })))
        .mount(&server)
        .await;
    let first = client
        .list_users(&ListUsers::new().with_page_size(2))
        .await
        .unwrap();
    assert_eq!(first.users.len(), 2);
    let next = first.next.expect("a second page");
    assert_eq!(next.as_str(), "3");
    let last = client
        .list_users(&ListUsers::new().with_page_size(2).with_cursor(next))
        .await
        .unwrap();
    assert_eq!(last.users[0].id.as_str(), "u3");
    assert!(last.next.is_none());

    let (server, client) = mock_client(Some(full_config())).await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"Resources": "nope"})))
        .mount(&server)
        .await;
    let err = client
        .list_users(&ListUsers::new())
        .await
        .expect_err("malformed");
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}
