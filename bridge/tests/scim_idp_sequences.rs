//! What Okta and Microsoft Entra ID send, in the order they send it, taken from the
//! vendors' own documentation rather than from our reading of the RFCs: each request
//! body below is the one the cited page shows (ids the bridge assigns put in place of
//! the page's), and each test asserts the status and the meaningful fields of the answer
//! the page shows. Attributes the bridge does not store (`locale`, `groups`,
//! `name.middleName`, `nickName`, `roles`) are accepted and left out of the answer, as
//! its `/Schemas` says.
//!
//! The backend is the SDK's in-memory provisioner; the bridge is served on loopback and
//! spoken to over HTTP.

mod support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use support::scim::{serve, ServedBridge, PATCH_OP, USER};
use user_provisioner::providers::memory::MemoryProvisioner;
use user_provisioner::testing::Faulty;
use user_provisioner::{UserKey, UserProvisioner};
use user_provisioner_bridge::SyncSettings;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Okta's SCIM 2.0 reference: https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20
/// (source: okta/okta-developer-docs, `docs/reference/scim/scim-20/index.md`).
const OKTA: &str = "https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20";

type Backend = Arc<Faulty<MemoryProvisioner>>;

async fn bridge() -> (ServedBridge, Backend) {
    let backend = Arc::new(Faulty::new(MemoryProvisioner::new()));
    let bridge = serve(|b| {
        b.backend("directory", backend.clone()).sync_settings(
            SyncSettings::new()
                .with_retry_delays(Duration::ZERO, Duration::ZERO)
                .with_max_attempts(3),
        )
    })
    .await;
    (bridge, backend)
}

fn assert_status(answer: &support::scim::Answer, status: u16, step: &str) {
    assert_eq!(answer.status.as_u16(), status, "{step}: {:#}", answer.body);
}

/// An empty list answer, as both vendors show it for a filter that matches nobody.
fn assert_empty_list(answer: &support::scim::Answer, step: &str) {
    assert_status(answer, 200, step);
    assert_eq!(answer.body["schemas"], json!([LIST_RESPONSE]), "{step}");
    assert_eq!(answer.body["totalResults"], 0, "{step}");
    assert_eq!(answer.body["startIndex"], 1, "{step}");
    assert_eq!(answer.body["Resources"], json!([]), "{step}");
}

/// Okta's create request ("Create Users", "Create the User").
fn okta_create_body() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "test.user@okta.local",
        "name": {
            "givenName": "Test",
            "familyName": "User"
        },
        "emails": [{
            "primary": true,
            "value": "test.user@okta.local",
            "type": "work"
        }],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

/// Okta, "Create Users": "Determine if the User already exists" (a filtered GET with
/// `startIndex=1&count=100`, answered with an empty list), "Create the User" (a POST with
/// a password, answered 201 with the user), and the same POST again, which the page says
/// must be answered 409 in the error schema. Then "Retrieve Users", page by page.
#[tokio::test]
async fn okta_create_looks_the_user_up_then_posts_it_with_a_password() {
    let (bridge, backend) = bridge().await;

    let lookup = bridge
        .get("/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100")
        .await;
    assert_empty_list(&lookup, OKTA);
    assert_eq!(lookup.body["itemsPerPage"], 0);

    let created = bridge.post("/Users", okta_create_body()).await;
    assert_status(&created, 201, "Create the User");
    let user = &created.body;
    assert!(user["schemas"].as_array().unwrap().contains(&json!(USER)));
    assert!(user["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(user["userName"], "test.user@okta.local");
    assert_eq!(
        user["name"],
        json!({ "givenName": "Test", "familyName": "User" })
    );
    assert_eq!(
        user["emails"],
        json!([{ "primary": true, "value": "test.user@okta.local", "type": "work" }])
    );
    assert_eq!(user["displayName"], "Test User");
    assert_eq!(user["externalId"], "00ujl29u0le5T6Aj10h7");
    assert_eq!(user["active"], true);
    assert_eq!(user["meta"]["resourceType"], "User");
    assert!(
        user.get("password").is_none(),
        "a password is never returned"
    );
    let on_backend = backend
        .find_user(&UserKey::username("test.user@okta.local"))
        .await
        .unwrap()
        .expect("provisioned");
    assert_eq!(on_backend.given_name.as_deref(), Some("Test"));

    // "If the User object that Okta tries to create already exists in the Service
    // Provider application, then the Service Provider needs to respond with an error
    // schema to stop the provisioning job": 409.
    let again = bridge.post("/Users", okta_create_body()).await;
    assert_status(&again, 409, "Create the User, again");
    assert_eq!(again.body["schemas"], json!([ERROR]));
    assert_eq!(again.body["status"], "409");
    assert_eq!(again.body["scimType"], "uniqueness");
    assert_eq!(backend.inner().len(), 1, "one user on the backend");

    let found = bridge
        .get("/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100")
        .await;
    assert_status(&found, 200, "the lookup after the create");
    assert_eq!(found.body["totalResults"], 1);
    assert_eq!(found.body["Resources"][0]["id"], user["id"]);

    // "Retrieve Users": integers, not strings.
    let page = bridge.get("/Users?startIndex=1&count=100").await;
    assert_status(&page, 200, "Retrieve Users");
    assert_eq!(page.body["totalResults"], 1);
    assert_eq!(page.body["startIndex"], 1);
    assert_eq!(page.body["itemsPerPage"], 1);
    assert_eq!(
        page.body["Resources"][0]["userName"],
        "test.user@okta.local"
    );
}

/// Okta, "Update a specific User (PUT)": "Retrieve the User" (GET by id), then "Update
/// the User" (the whole user PUT back with the changed attributes, `id`, `groups` and
/// `meta` included), answered 200 with the updated user.
#[tokio::test]
async fn okta_updates_by_get_then_put() {
    let (bridge, backend) = bridge().await;
    let created = bridge.post("/Users", okta_create_body()).await;
    assert_status(&created, 201, "Create the User");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");

    // "Retrieve a specific User" / "Retrieve the User".
    let read = bridge.get(&path).await;
    assert_status(&read, 200, "Retrieve the User");
    assert_eq!(read.body["id"], id.as_str());
    assert_eq!(read.body["userName"], "test.user@okta.local");
    assert_eq!(read.body["active"], true);

    // "Update the User", the page's body with the bridge's id.
    let put = bridge
        .put(
            &path,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": id,
                "userName": "test.user@okta.local",
                "name": {
                    "givenName": "Another",
                    "middleName": "Excited",
                    "familyName": "User"
                },
                "emails": [{
                    "primary": true,
                    "value": "test.user@okta.local",
                    "type": "work",
                    "display": "test.user@okta.local"
                }],
                "active": true,
                "groups": [],
                "meta": {
                    "resourceType": "User"
                }
            }),
        )
        .await;
    assert_status(&put, 200, "Update the User");
    assert_eq!(put.body["id"], id.as_str());
    assert_eq!(put.body["userName"], "test.user@okta.local");
    assert_eq!(put.body["name"]["givenName"], "Another");
    assert_eq!(put.body["name"]["familyName"], "User");
    assert_eq!(put.body["emails"][0]["value"], "test.user@okta.local");
    assert_eq!(put.body["active"], true);
    assert_eq!(put.body["meta"]["resourceType"], "User");
    let on_backend = backend
        .find_user(&UserKey::username("test.user@okta.local"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(on_backend.given_name.as_deref(), Some("Another"));
    assert_eq!(bridge.get(&path).await.body["name"]["givenName"], "Another");
}

/// Okta, "Update a specific User (PATCH)": deactivation is a path-less `replace` of
/// `{"active": false}`, answered 200 with the updated user ("can also be a HTTP 204
/// response"; the bridge sends the user).
#[tokio::test]
async fn okta_deactivates_with_a_path_less_patch() {
    let (bridge, backend) = bridge().await;
    let created = bridge.post("/Users", okta_create_body()).await;
    assert_status(&created, 201, "Create the User");
    let id = created.body["id"].as_str().unwrap().to_owned();

    let patched = bridge
        .patch(
            &format!("/Users/{id}"),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "replace",
                    "value": {
                        "active": false
                    }
                }]
            }),
        )
        .await;
    assert_status(&patched, 200, "Update a specific User (PATCH)");
    assert_eq!(patched.body["id"], id.as_str());
    assert_eq!(patched.body["userName"], "test.user@okta.local");
    assert_eq!(patched.body["name"]["givenName"], "Test");
    assert_eq!(patched.body["active"], false);
    let on_backend = backend
        .find_user(&UserKey::username("test.user@okta.local"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(on_backend.enabled, Some(false), "disabled on the backend");
    // Okta deletes nobody: the user stays readable, inactive.
    let read = bridge.get(&format!("/Users/{id}")).await;
    assert_status(&read, 200, "Retrieve a specific User");
    assert_eq!(read.body["active"], false);
}

/// Entra ID's SCIM tutorial, section "User Operations":
/// https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups#user-operations
/// (source: MicrosoftDocs/entra-docs, `docs/identity/app-provisioning/use-scim-to-provision-users-and-groups.md`).
const ENTRA: &str = "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups";

/// Entra ID's "Known issues and resolutions with SCIM 2.0 protocol compliance", section
/// "Flags to alter the SCIM behavior": what Entra sends with and without its
/// `aadOptscim062020` flag:
/// https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility
/// (source: MicrosoftDocs/entra-docs, `docs/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility.md`).
const ENTRA_FLAGS: &str = "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility";

/// Entra's "Create User" request.
fn entra_create_body() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
        "active": true,
        "emails": [{
            "primary": true,
            "type": "work",
            "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"
        }],
        "meta": {
            "resourceType": "User"
        },
        "name": {
            "formatted": "givenName familyName",
            "familyName": "familyName",
            "givenName": "givenName"
        },
        "roles": []
    })
}

async fn entra_created(bridge: &ServedBridge) -> String {
    let created = bridge.post("/Users", entra_create_body()).await;
    assert_status(&created, 201, "Create User");
    created.body["id"].as_str().unwrap().to_owned()
}

/// Entra, tutorial ("General"): "Microsoft Entra ID makes requests to fetch a random user
/// and group to ensure that the endpoint and the credentials are valid. It's also done as
/// a part of the Test Connection flow", answered as "Get User by query - Zero results"
/// shows: 200 with an empty list.
#[tokio::test]
async fn entra_test_connection_queries_a_random_user_and_gets_an_empty_list() {
    let (bridge, _) = bridge().await;
    let random = uuid_like();
    let answer = bridge.filter(&format!("userName eq \"{random}\"")).await;
    assert_empty_list(&answer, ENTRA);
    let answer = bridge.filter("userName eq \"non-existent user\"").await;
    assert_empty_list(&answer, "Get User by query - Zero results");
}

/// A GUID-shaped name nobody has, as Entra's test connection sends.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let hex = format!("{nanos:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Entra, "Create User", "Get User" (found, and not found: 404 in the error schema) and
/// "Get User by query".
#[tokio::test]
async fn entra_creates_reads_and_queries_a_user() {
    let (bridge, _) = bridge().await;
    let created = bridge.post("/Users", entra_create_body()).await;
    assert_status(&created, 201, "Create User");
    let user = &created.body;
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user["externalId"], "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef");
    assert_eq!(
        user["userName"],
        "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"
    );
    assert_eq!(
        user["name"],
        json!({
            "formatted": "givenName familyName",
            "familyName": "familyName",
            "givenName": "givenName"
        })
    );
    assert_eq!(user["active"], true);
    assert_eq!(
        user["emails"],
        json!([{
            "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com",
            "type": "work",
            "primary": true
        }])
    );
    assert_eq!(user["meta"]["resourceType"], "User");
    assert!(user["meta"]["created"].is_string());
    assert!(user["meta"]["lastModified"].is_string());

    let read = bridge.get(&format!("/Users/{id}")).await;
    assert_status(&read, 200, "Get User");
    assert_eq!(read.body["id"], id.as_str());
    assert_eq!(read.body["userName"], user["userName"]);

    // "Response (User not found. The detail isn't required, only status.)"
    let missing = bridge.get("/Users/5171a35d82074e068ce2").await;
    assert_status(&missing, 404, "Get User, not found");
    assert_eq!(missing.body["schemas"], json!([ERROR]));
    assert_eq!(missing.body["status"], "404");

    let query = bridge
        .filter("userName eq \"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee\"")
        .await;
    assert_status(&query, 200, "Get User by query");
    assert_eq!(query.body["schemas"], json!([LIST_RESPONSE]));
    assert_eq!(query.body["totalResults"], 1);
    assert_eq!(query.body["startIndex"], 1);
    assert_eq!(query.body["Resources"][0]["id"], id.as_str());
    assert_eq!(
        query.body["Resources"][0]["emails"][0]["value"],
        "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"
    );
}

/// Entra, "Update User [Multi-valued properties]" and "[Single-valued properties]":
/// `Replace` (capitalised) through `emails[type eq "work"].value` and on `name.familyName`,
/// then on `userName`; each answered 200 with the user.
#[tokio::test]
async fn entra_updates_with_capitalised_replace_ops() {
    let (bridge, backend) = bridge().await;
    let id = entra_created(&bridge).await;
    let path = format!("/Users/{id}");

    let multi = bridge
        .patch(
            &path,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                        {
                        "op": "Replace",
                        "path": "emails[type eq \"work\"].value",
                        "value": "updatedEmail@microsoft.com"
                        },
                        {
                        "op": "Replace",
                        "path": "name.familyName",
                        "value": "updatedFamilyName"
                        }
                ]
            }),
        )
        .await;
    assert_status(&multi, 200, "Update User [Multi-valued properties]");
    assert_eq!(multi.body["id"], id.as_str());
    assert_eq!(
        multi.body["emails"],
        json!([{ "value": "updatedEmail@microsoft.com", "type": "work", "primary": true }])
    );
    assert_eq!(multi.body["name"]["familyName"], "updatedFamilyName");
    assert_eq!(multi.body["name"]["givenName"], "givenName");
    assert_eq!(multi.body["active"], true);

    let single = bridge
        .patch(
            &path,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "Replace",
                    "path": "userName",
                    "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
                }]
            }),
        )
        .await;
    assert_status(&single, 200, "Update User [Single-valued properties]");
    assert_eq!(
        single.body["userName"],
        "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    );
    assert_eq!(
        single.body["emails"][0]["value"],
        "updatedEmail@microsoft.com"
    );
    let on_backend = backend
        .find_user(&UserKey::username(
            "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com",
        ))
        .await
        .unwrap()
        .expect("renamed on the backend");
    assert_eq!(on_backend.family_name.as_deref(), Some("updatedFamilyName"));
    assert_eq!(
        on_backend.email.as_deref(),
        Some("updatedEmail@microsoft.com")
    );
}

/// Entra without its compliance flag ("Requests to replace multiple attributes", "Without
/// feature flag"): one capitalised `Replace` per attribute, through a value filter on a
/// user that has no work email yet (Entra's way of setting the first one: the element the
/// filter describes is created), and into the enterprise extension by its URN path. Then
/// "Requests made to add a single-value string attribute": `Add` of `nickName`, which the
/// bridge does not store and ignores.
#[tokio::test]
async fn entra_without_the_flag_replaces_each_attribute_and_creates_the_work_email() {
    let (bridge, _) = bridge().await;
    let mut body = entra_create_body();
    body["emails"] = json!([{ "type": "home", "value": "home@testuser.com" }]);
    let created = bridge.post("/Users", body).await;
    assert_status(&created, 201, "Create User");
    let path = format!("/Users/{}", created.body["id"].as_str().unwrap());

    let patched = bridge
        .patch(
            &path,
            json!({
                "schemas": [
                    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
                ],
                "Operations": [
                    {
                        "op": "Replace",
                        "path": "displayName",
                        "value": "Pvlo"
                    },
                    {
                        "op": "Replace",
                        "path": "emails[type eq \"work\"].value",
                        "value": "TestBcwqnm@test.microsoft.com"
                    },
                    {
                        "op": "Replace",
                        "path": "name.givenName",
                        "value": "Gtfd"
                    },
                    {
                        "op": "Replace",
                        "path": "name.familyName",
                        "value": "Pkqf"
                    },
                    {
                        "op": "Replace",
                        "path": "externalId",
                        "value": "Eqpj"
                    },
                    {
                        "op": "Replace",
                        "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                        "value": "Eqpj"
                    }
                ]
            }),
        )
        .await;
    assert_status(&patched, 200, ENTRA_FLAGS);
    let user = &patched.body;
    assert_eq!(user["displayName"], "Pvlo");
    assert_eq!(
        user["emails"],
        json!([
            { "type": "home", "value": "home@testuser.com" },
            { "type": "work", "value": "TestBcwqnm@test.microsoft.com" }
        ]),
        "the work email the filter describes is created"
    );
    assert_eq!(user["name"]["givenName"], "Gtfd");
    assert_eq!(user["name"]["familyName"], "Pkqf");
    assert_eq!(user["externalId"], "Eqpj");
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "Eqpj");
    assert!(user["schemas"]
        .as_array()
        .unwrap()
        .contains(&json!(ENTERPRISE)));

    let added = bridge
        .patch(
            &path,
            json!({
                "schemas": [
                    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
                ],
                "Operations": [
                  {
                    "op": "Add",
                    "path": "nickName",
                    "value": "Babs"
                  }
                ]
            }),
        )
        .await;
    assert_status(&added, 200, "add a single-value string attribute");
    // `nickName` is an RFC 7643 §4.1.1 attribute: the bridge keeps it.
    assert_eq!(added.body["nickName"], "Babs", "stored");
    assert_ne!(added.body["meta"]["version"], user["meta"]["version"]);
}

/// Entra with its compliance flag ("Requests to replace multiple attributes", "With
/// feature flag"): a lower-case `replace` through the value filter, and one path-less
/// `replace` whose keys are dotted paths (`name.givenName`) and an extension attribute's
/// full URN path.
#[tokio::test]
async fn entra_with_the_flag_sends_dotted_path_less_keys() {
    let (bridge, _) = bridge().await;
    let id = entra_created(&bridge).await;

    let patched = bridge
        .patch(
            &format!("/Users/{id}"),
            json!({
                "schemas": [
                    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
                ],
                "Operations": [
                    {
                        "op": "replace",
                        "path": "emails[type eq \"work\"].value",
                        "value": "TestMhvaes@test.microsoft.com"
                    },
                    {
                        "op": "replace",
                        "value": {
                            "displayName": "Bjfe",
                            "name.givenName": "Kkom",
                            "name.familyName": "Unua",
                            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"
                        }
                    }
                ]
            }),
        )
        .await;
    assert_status(&patched, 200, ENTRA_FLAGS);
    let user = &patched.body;
    assert_eq!(
        user["emails"],
        json!([{ "primary": true, "type": "work", "value": "TestMhvaes@test.microsoft.com" }])
    );
    assert_eq!(user["displayName"], "Bjfe");
    assert_eq!(user["name"]["givenName"], "Kkom");
    assert_eq!(user["name"]["familyName"], "Unua");
    assert_eq!(
        user["name"]["formatted"], "givenName familyName",
        "untouched"
    );
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "Aklq");
    assert!(
        user.get("name.givenName").is_none(),
        "a dotted key is a path, not an attribute"
    );
}

/// Entra's soft delete, then its hard delete. Tutorial: "Soft-deleting a user
/// `active=false` and restoring the user `active=true`" (the user is still returned
/// while inactive) and "Disable User"; the compliance page: "Requests made to disable
/// users", whose "Without feature flag" value is the string `"False"`. Then "Delete
/// User": 204, after which the user is gone.
#[tokio::test]
async fn entra_soft_deletes_with_false_then_deletes() {
    let (bridge, backend) = bridge().await;
    let id = entra_created(&bridge).await;
    let path = format!("/Users/{id}");

    // Without the flag: "False", a string.
    let disabled = bridge
        .patch(
            &path,
            json!({
                "schemas": [
                    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
                ],
                "Operations": [
                    {
                        "op": "Replace",
                        "path": "active",
                        "value": "False"
                    }
                ]
            }),
        )
        .await;
    assert_status(
        &disabled,
        200,
        "Requests made to disable users, without the flag",
    );
    assert_eq!(disabled.body["active"], false);
    let on_backend = backend
        .find_user(&UserKey::username(
            "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(on_backend.enabled, Some(false));
    let read = bridge.get(&path).await;
    assert_status(&read, 200, "a soft-deleted user is still returned");
    assert_eq!(read.body["active"], false);

    // Restored, then disabled as "Disable User" (and the flag) sends it: a boolean.
    let restored = bridge
        .patch(
            &path,
            json!({
                "schemas": [PATCH_OP],
                "Operations": [{ "op": "Replace", "path": "active", "value": "True" }]
            }),
        )
        .await;
    assert_status(&restored, 200, "restoring the user active=true");
    assert_eq!(restored.body["active"], true);
    let disabled = bridge
        .patch(
            &path,
            json!({
                "Operations": [
                    {
                        "op": "Replace",
                        "path": "active",
                        "value": false
                    }
                ],
                "schemas": [
                    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
                ]
            }),
        )
        .await;
    assert_status(&disabled, 200, "Disable User");
    assert_eq!(disabled.body["id"], id.as_str());
    assert_eq!(disabled.body["active"], false);
    assert_eq!(
        disabled.body["userName"],
        "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"
    );

    let deleted = bridge.delete(&path).await;
    assert_status(&deleted, 204, "Delete User");
    assert_eq!(deleted.body, Value::Null, "no body");
    let gone = bridge.get(&path).await;
    assert_status(&gone, 404, "after Delete User");
    let listed = bridge
        .filter("userName eq \"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee\"")
        .await;
    assert_empty_list(&listed, "after Delete User");
}
