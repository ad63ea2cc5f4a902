use serde_json::{json, Map, Value};

use super::*;
use user_provisioner::scim::schema::{BRIDGE_USER, ENTERPRISE_USER};
use user_provisioner::scim::ScimType;

/// A stored person as the router renders it before a PATCH.
fn person() -> Map<String, Value> {
    let document = json!({
        "schemas": [USER, ENTERPRISE_USER, BRIDGE_USER],
        "id": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "userName": "test.user@okta.local",
        "name": {"formatted": "Test User", "givenName": "Test", "familyName": "User"},
        "displayName": "Test User",
        "emails": [{"value": "test.user@okta.local", "type": "work", "primary": true}],
        "phoneNumbers": [{"value": "+15555550100", "type": "work"}],
        "active": true,
        ENTERPRISE_USER: {
            "employeeNumber": "701984",
            "department": "Sales",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "Boss"}
        },
        BRIDGE_USER: {
            "attributes": {"netsapiens.extension": "1001"},
            "backends": [{"backend": "jambonz", "state": "synced"}]
        },
        "meta": {"resourceType": "User", "version": "W/\"1\""}
    });
    match document {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

fn patched(request: Value) -> Map<String, Value> {
    let mut document = person();
    apply_patch(&mut document, &request).unwrap_or_else(|error| panic!("{error}"));
    document
}

fn refused(request: Value) -> ScimError {
    let mut document = person();
    let error = apply_patch(&mut document, &request).expect_err("the patch must be refused");
    assert_eq!(document, person(), "a refused patch changes nothing");
    assert_eq!(error.status().as_u16(), 400);
    error
}

fn message(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

fn one(op: &str, path: &str, value: Value) -> Value {
    message(json!([{"op": op, "path": path, "value": value}]))
}

fn enterprise(document: &Map<String, Value>) -> &Value {
    &document[ENTERPRISE_USER]
}

// ---- Okta -------------------------------------------------------------------------

#[test]
fn okta_deactivates_with_a_pathless_replace() {
    // Okta "SCIM 2.0 Protocol Reference", "Update a specific User (PATCH)": "When a user
    // is deactivated, Okta sends this request" (developer.okta.com/docs/reference/scim/scim-20/).
    let document = patched(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{
            "op": "replace",
            "value": {
                "active": false
            }
        }]
    }));
    assert_eq!(document["active"], json!(false));
    let mut expected = person();
    expected.insert("active".into(), json!(false));
    assert_eq!(document, expected, "nothing else changes");
}

#[test]
fn okta_reactivates_the_same_way() {
    // The same reference lists "Activating a user" among its PATCH operations; the body is
    // the deactivation's with `true`.
    let mut document = person();
    document.insert("active".into(), json!(false));
    apply_patch(
        &mut document,
        &message(json!([{"op": "replace", "value": {"active": true}}])),
    )
    .unwrap();
    assert_eq!(document["active"], json!(true));
}

#[test]
fn an_id_sent_back_unchanged_is_accepted_and_a_changed_one_refused() {
    // Okta's "Update a specific Group name" PATCH carries the resource's own `id` in the
    // value object ({"op":"replace","value":{"id":"abf4dd94-…","displayName":"Test SCIMv2"}});
    // the same shape against a User.
    let document = patched(message(json!([{
        "op": "replace",
        "value": {"id": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "displayName": "Test SCIMv2"}
    }])));
    assert_eq!(document["displayName"], json!("Test SCIMv2"));

    let error = refused(message(json!([{
        "op": "replace",
        "value": {"id": "another", "displayName": "Test SCIMv2"}
    }])));
    assert_eq!(error.scim_type(), Some(ScimType::Mutability));
    assert!(
        error.detail().contains("id is read-only"),
        "{}",
        error.detail()
    );
}

// ---- Entra ID -------------------------------------------------------------------

#[test]
fn entra_updates_multi_valued_properties() {
    // Entra "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft
    // Entra ID", "Update User [Multi-valued properties]" request
    // (learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups).
    let document = patched(json!({
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
    }));
    assert_eq!(
        document["emails"],
        json!([{"value": "updatedEmail@microsoft.com", "type": "work", "primary": true}])
    );
    assert_eq!(
        document["name"],
        json!({"formatted": "Test User", "givenName": "Test", "familyName": "updatedFamilyName"})
    );
}

#[test]
fn entra_updates_a_single_valued_property() {
    // Same tutorial, "Update User [Single-valued properties]" request.
    let document = patched(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{
            "op": "Replace",
            "path": "userName",
            "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
        }]
    }));
    assert_eq!(
        document["userName"],
        json!("5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com")
    );
}

#[test]
fn entra_disables_with_a_boolean() {
    // Same tutorial, "Disable User" request (Operations before schemas, as there).
    let document = patched(json!({
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
    }));
    assert_eq!(document["active"], json!(false));
}

#[test]
fn entra_disables_with_a_string_without_its_compliance_flag() {
    // Entra "Known issues and resolutions with SCIM 2.0 protocol compliance", "Requests
    // made to disable users", "Without feature flag"
    // (learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility).
    let document = patched(json!({
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
    }));
    assert_eq!(document["active"], json!(false));
    // "With feature flag" the same request has `"op": "replace"` and `false`.
    let document = patched(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": false}]
    }));
    assert_eq!(document["active"], json!(false));
    for (text, flag) in [
        ("True", true),
        ("true", true),
        ("false", false),
        ("TRUE", true),
    ] {
        assert_eq!(
            patched(one("Replace", "active", json!(text)))["active"],
            json!(flag)
        );
    }
}

#[test]
fn entra_replaces_several_attributes_without_its_flag() {
    // Same page, "Requests to replace multiple attributes", "Without feature flag".
    let document = patched(json!({
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
    }));
    assert_eq!(document["displayName"], json!("Pvlo"));
    assert_eq!(
        document["emails"][0]["value"],
        json!("TestBcwqnm@test.microsoft.com")
    );
    assert_eq!(document["name"]["givenName"], json!("Gtfd"));
    assert_eq!(document["name"]["familyName"], json!("Pkqf"));
    assert_eq!(document["externalId"], json!("Eqpj"));
    assert_eq!(enterprise(&document)["employeeNumber"], json!("Eqpj"));
    assert_eq!(enterprise(&document)["department"], json!("Sales"));
}

#[test]
fn entra_replaces_several_attributes_with_its_flag() {
    // Same page, "Requests to replace multiple attributes", "With feature flag": a
    // path-less value whose keys are paths.
    let document = patched(json!({
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
    }));
    assert_eq!(
        document["emails"][0]["value"],
        json!("TestMhvaes@test.microsoft.com")
    );
    assert_eq!(document["displayName"], json!("Bjfe"));
    assert_eq!(
        document["name"],
        json!({"formatted": "Test User", "givenName": "Kkom", "familyName": "Unua"})
    );
    assert_eq!(enterprise(&document)["employeeNumber"], json!("Aklq"));
    assert_eq!(
        enterprise(&document)["manager"]["displayName"],
        json!("Boss")
    );
}

#[test]
fn entra_adds_a_single_value_string_attribute() {
    // Same page, "Requests made to add a single-value string attribute", both forms:
    // `nickName` (RFC 7643 §4.1.1) is stored like every User attribute.
    for op in ["Add", "add"] {
        let document = patched(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": op, "path": "nickName", "value": "Babs"}]
        }));
        let mut expected = person();
        expected.insert("nickName".into(), json!("Babs"));
        assert_eq!(document, expected);
    }
}

#[test]
fn entra_adds_a_work_email_and_replaces_a_title() {
    // A tenant's request quoted on Microsoft Q&A, "Entra ID patch sending Add instead of
    // Replace" (learn.microsoft.com/en-us/answers/questions/1684621): `Add` through a
    // filter updates the existing work email; `title` is stored.
    let document = patched(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "title", "value": "tester"},
            {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "new@joe.com"}
        ]
    }));
    assert_eq!(
        document["emails"],
        json!([{"value": "new@joe.com", "type": "work", "primary": true}])
    );
    assert_eq!(document["title"], json!("tester"));
}

#[test]
fn a_filter_that_matches_nothing_creates_the_element_for_add_and_replace() {
    // Entra sets a first work email or mobile number through the filter path.
    let mut document = person();
    document.remove("emails");
    apply_patch(
        &mut document,
        &one(
            "Add",
            "emails[type eq \"work\"].value",
            json!("first@example.com"),
        ),
    )
    .unwrap();
    assert_eq!(
        document["emails"],
        json!([{"type": "work", "value": "first@example.com"}])
    );

    let document = patched(one(
        "Replace",
        "phoneNumbers[type eq \"mobile\"].value",
        json!("+15555550111"),
    ));
    assert_eq!(
        document["phoneNumbers"],
        json!([
            {"value": "+15555550100", "type": "work"},
            {"type": "mobile", "value": "+15555550111"}
        ])
    );
    // And a second replace of the same path changes that element only.
    let mut again = document.clone();
    apply_patch(
        &mut again,
        &one(
            "Replace",
            "phoneNumbers[type eq \"Mobile\"].value",
            json!("+15555550122"),
        ),
    )
    .unwrap();
    assert_eq!(again["phoneNumbers"][1]["value"], json!("+15555550122"));
    assert_eq!(again["phoneNumbers"][0]["value"], json!("+15555550100"));

    // A reference sub-attribute describes its element as a string does.
    let document = patched(one(
        "Add",
        "photos[value eq \"https://photos.example.com/p.jpg\"].type",
        json!("photo"),
    ));
    assert_eq!(
        document["photos"],
        json!([{"value": "https://photos.example.com/p.jpg", "type": "photo"}])
    );
}

#[test]
fn manager_is_taken_as_a_string_or_an_object() {
    // Entra sends `manager` as a bare string, as reported from an Entra tenant in
    // Captain-P-Goldfish/SCIM-SDK#686 ("a SCIM request from Microsoft Entra that looks
    // like this"), and as {"value": …}.
    let manager_path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
    let document = patched(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{
            "op": "add",
            "path": manager_path,
            "value": "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2"
        }]
    }));
    assert_eq!(
        enterprise(&document)["manager"],
        json!({"value": "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2"})
    );
    let document = patched(one(
        "Replace",
        manager_path,
        json!({"value": "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2"}),
    ));
    assert_eq!(
        enterprise(&document)["manager"],
        json!({"value": "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2", "displayName": "Boss"})
    );
    let document = patched(one(
        "Replace",
        &format!("{manager_path}.value"),
        json!("m2"),
    ));
    assert_eq!(enterprise(&document)["manager"]["value"], json!("m2"));
    let error = refused(one("Replace", manager_path, json!(42)));
    assert_eq!(error.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn removing_the_manager_leaves_the_rest_of_the_extension() {
    let document = patched(message(json!([{
        "op": "Remove",
        "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
    }])));
    assert_eq!(
        enterprise(&document),
        &json!({"employeeNumber": "701984", "department": "Sales"})
    );
}

#[test]
fn a_nested_extension_object_merges_into_the_extension() {
    let document = patched(message(json!([{
        "op": "Replace",
        "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": "D", "costCenter": "CC1", "Manager": {"Value": "m3"}
        }}
    }])));
    assert_eq!(
        enterprise(&document),
        &json!({
            "employeeNumber": "701984",
            "department": "D",
            "costCenter": "CC1",
            "manager": {"value": "m3", "displayName": "Boss"}
        })
    );
}

#[test]
fn an_extension_added_to_a_person_without_it_is_listed_in_schemas() {
    let mut document = person();
    document.remove(ENTERPRISE_USER);
    document.insert("schemas".into(), json!([USER, BRIDGE_USER]));
    apply_patch(
        &mut document,
        &one(
            "add",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            json!("D"),
        ),
    )
    .unwrap();
    assert_eq!(enterprise(&document), &json!({"department": "D"}));
    assert_eq!(
        document["schemas"],
        json!([USER, ENTERPRISE_USER, BRIDGE_USER])
    );

    // Removing its last attribute removes the extension and its URN.
    apply_patch(
        &mut document,
        &message(json!([{
            "op": "remove",
            "path": "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT"
        }])),
    )
    .unwrap();
    assert!(!document.contains_key(ENTERPRISE_USER));
    assert_eq!(document["schemas"], json!([USER, BRIDGE_USER]));
}

// ---- Semantics --------------------------------------------------------------------

#[test]
fn names_ops_and_urns_are_case_insensitive_and_written_in_canonical_case() {
    let document = patched(json!({
        "SCHEMAS": ["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP"],
        "operations": [
            {"OP": "REPLACE", "PATH": "NAME.GIVENNAME", "VALUE": "Ann"},
            {"op": "rePlace", "path": "DisplayName", "value": "Ann User"},
            {"op": "replace", "value": {"EXTERNALID": "e2", "Name.FamilyName": "Smith"}}
        ]
    }));
    assert_eq!(document["name"]["givenName"], json!("Ann"));
    assert_eq!(document["name"]["familyName"], json!("Smith"));
    assert_eq!(document["displayName"], json!("Ann User"));
    assert_eq!(document["externalId"], json!("e2"));
    for key in document.keys() {
        assert!(
            !["NAME", "EXTERNALID", "DisplayName"].contains(&key.as_str()),
            "{key}"
        );
    }
}

#[test]
fn adding_emails_appends_without_duplicating_a_value() {
    let document = patched(one(
        "add",
        "emails",
        json!([
            {"value": "TEST.USER@okta.local", "type": "work"},
            {"value": "home@example.com", "type": "home"}
        ]),
    ));
    assert_eq!(
        document["emails"],
        json!([
            {"value": "TEST.USER@okta.local", "type": "work", "primary": true},
            {"value": "home@example.com", "type": "home"}
        ])
    );
    // A single object is taken as one element.
    let document = patched(one(
        "add",
        "phoneNumbers",
        json!({"value": "+1", "type": "fax"}),
    ));
    assert_eq!(document["phoneNumbers"].as_array().unwrap().len(), 2);
}

#[test]
fn a_new_primary_takes_primary_from_the_others() {
    let document = patched(one(
        "add",
        "emails",
        json!([{"value": "home@example.com", "type": "home", "primary": "True"}]),
    ));
    assert_eq!(
        document["emails"],
        json!([
            {"value": "test.user@okta.local", "type": "work", "primary": false},
            {"value": "home@example.com", "type": "home", "primary": true}
        ])
    );
    // Through a filter too.
    let mut document = document;
    apply_patch(
        &mut document,
        &one("replace", "emails[type eq \"work\"].primary", json!(true)),
    )
    .unwrap();
    assert_eq!(document["emails"][0]["primary"], json!(true));
    assert_eq!(document["emails"][1]["primary"], json!(false));
    // Two primaries in one value are a contradiction.
    let error = refused(one(
        "replace",
        "emails",
        json!([{"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]),
    ));
    assert_eq!(error.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn replacing_a_multi_valued_attribute_replaces_all_of_it() {
    let document = patched(one(
        "replace",
        "emails",
        json!([{"value": "only@example.com", "type": "other", "label": "dropped"}]),
    ));
    assert_eq!(
        document["emails"],
        json!([{"value": "only@example.com", "type": "other"}])
    );
    let document = patched(one("replace", "phoneNumbers", json!(null)));
    assert!(!document.contains_key("phoneNumbers"));
}

#[test]
fn the_primary_email_is_reachable_through_a_boolean_filter() {
    let document = patched(one(
        "replace",
        "emails[primary eq true].value",
        json!("moved@example.com"),
    ));
    assert_eq!(document["emails"][0]["value"], json!("moved@example.com"));
    let document = patched(one(
        "replace",
        "emails[primary eq true]",
        json!({"value": "w@x", "type": "work", "primary": true}),
    ));
    assert_eq!(
        document["emails"],
        json!([{"value": "w@x", "type": "work", "primary": true}])
    );
}

#[test]
fn remove_through_a_filter_removes_the_matching_element_or_is_no_target() {
    let mut document = person();
    apply_patch(
        &mut document,
        &one(
            "add",
            "emails",
            json!([{"value": "home@example.com", "type": "home"}]),
        ),
    )
    .unwrap();
    apply_patch(
        &mut document,
        &message(json!([{"op": "remove", "path": "emails[value eq \"HOME@example.com\"]"}])),
    )
    .unwrap();
    assert_eq!(document["emails"], person()["emails"]);

    let error = refused(message(
        json!([{"op": "remove", "path": "emails[value eq \"x@y\"]"}]),
    ));
    assert_eq!(error.scim_type(), Some(ScimType::NoTarget));
    assert!(
        error.detail().starts_with("Operations[0]: "),
        "{}",
        error.detail()
    );

    // Removing the last phone number removes the attribute.
    let document = patched(message(
        json!([{"op": "remove", "path": "phoneNumbers[type eq \"work\"]"}]),
    ));
    assert!(!document.contains_key("phoneNumbers"));
    // A sub-attribute of the matching elements.
    let document = patched(message(
        json!([{"op": "remove", "path": "emails[type eq \"work\"].type"}]),
    ));
    assert_eq!(
        document["emails"],
        json!([{"value": "test.user@okta.local", "primary": true}])
    );
}

#[test]
fn remove_naming_elements_in_value_removes_those() {
    // The shape Entra sends without its compliance flag to remove a group member
    // ({"op":"Remove","path":"members","value":[{"value":"u1091"}]}), for emails.
    let mut document = person();
    apply_patch(
        &mut document,
        &one(
            "add",
            "emails",
            json!([{"value": "home@example.com", "type": "home"}]),
        ),
    )
    .unwrap();
    apply_patch(
        &mut document,
        &one("Remove", "emails", json!([{"value": "home@example.com"}])),
    )
    .unwrap();
    assert_eq!(document["emails"], person()["emails"]);
}

#[test]
fn adding_a_complex_attribute_merges_its_sub_attributes() {
    let document = patched(one(
        "add",
        "name",
        json!({"givenName": "Tess", "maidenName": "x"}),
    ));
    assert_eq!(
        document["name"],
        json!({"formatted": "Test User", "givenName": "Tess", "familyName": "User"})
    );
    let document = patched(one("replace", "name", json!({"formatted": null})));
    assert_eq!(
        document["name"],
        json!({"givenName": "Test", "familyName": "User"})
    );
}

#[test]
fn null_or_remove_clears() {
    let document = patched(one("replace", "displayName", Value::Null));
    assert!(!document.contains_key("displayName"));
    let document = patched(message(json!([{"op": "remove", "path": "displayName"}])));
    assert!(!document.contains_key("displayName"));
    let document = patched(message(json!([
        {"op": "remove", "path": "name.givenName"},
        {"op": "remove", "path": "name.familyName"},
        {"op": "remove", "path": "name.formatted"}
    ])));
    assert!(
        !document.contains_key("name"),
        "an emptied complex attribute goes"
    );
    // Removing what is not there is not an error.
    let document = patched(message(
        json!([{"op": "remove", "path": "name.formatted"}, {"op": "remove", "path": "name.formatted"}]),
    ));
    assert!(document["name"].get("formatted").is_none());
}

#[test]
fn the_bridge_attributes_take_dotted_keys() {
    let path = format!("{BRIDGE_USER}:attributes.netsapiens.extension");
    let document = patched(one("replace", &path, json!("1002")));
    assert_eq!(
        document[BRIDGE_USER]["attributes"],
        json!({"netsapiens.extension": "1002"})
    );
    // A key in another case updates the existing key.
    let upper = format!("{BRIDGE_USER}:ATTRIBUTES.NetSapiens.Extension");
    let document = patched(one("replace", &upper, json!("1003")));
    assert_eq!(
        document[BRIDGE_USER]["attributes"],
        json!({"netsapiens.extension": "1003"})
    );
    let document = patched(message(json!([{"op": "add", "value": {
        BRIDGE_USER: {"attributes": {"jambonz.account_sid": "sid-1"}}
    }}])));
    assert_eq!(
        document[BRIDGE_USER]["attributes"],
        json!({"netsapiens.extension": "1001", "jambonz.account_sid": "sid-1"})
    );
    let document = patched(message(json!([{"op": "remove", "path": path}])));
    assert!(document[BRIDGE_USER].get("attributes").is_none());
    assert_eq!(
        document[BRIDGE_USER]["backends"],
        person()[BRIDGE_USER]["backends"]
    );
    let error = refused(one(
        "replace",
        &format!("{BRIDGE_USER}:attributes.n"),
        json!(5),
    ));
    assert_eq!(error.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn the_write_only_password_is_set_like_any_string() {
    // Okta's reference lists "Syncing the user password" among PATCH operations but shows
    // no body; this is the RFC's path-less form.
    let document = patched(message(
        json!([{"op": "replace", "value": {"password": "n3w-Secret!"}}]),
    ));
    assert_eq!(document["password"], json!("n3w-Secret!"));
}

#[test]
fn unknown_but_well_formed_paths_are_ignored() {
    // Another schema's attributes, misspellings and a Group's attributes: nothing the
    // bridge stores.
    let document = patched(message(json!([
        {"op": "Add", "path": "costume", "value": "Engineer"},
        {"op": "Add", "path": "addresses[type eq \"work\"].planet", "value": "Earth"},
        {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag", "value": "t"},
        {"op": "Replace", "path": "name.maidenName", "value": "M"},
        {"op": "Replace", "path": "emails[type eq \"work\"].label", "value": "d"},
        {"op": "Remove", "path": "members"},
        {"op": "replace", "value": {"costume": "x", "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User": {"tag": "x"}}}
    ])));
    assert_eq!(document, person());
}

#[test]
fn entra_default_mappings_are_stored() {
    // Entra's default attribute mappings send these (Microsoft Learn, "Tutorial: Develop
    // and plan provisioning for a SCIM endpoint", the default User mappings); every one is
    // an RFC 7643 §4.1 attribute the bridge keeps.
    let document = patched(message(json!([
        {"op": "Add", "path": "title", "value": "Engineer"},
        {"op": "Replace", "path": "preferredLanguage", "value": "en-US"},
        {"op": "Add", "path": "addresses[type eq \"work\"].postalCode", "value": "98052"},
        {"op": "Add", "path": "addresses[type eq \"work\"].formatted", "value": "1 Way"},
        {"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Microsoft Way"},
        {"op": "Replace", "path": "addresses[type eq \"work\"].country", "value": "Germany"},
        {"op": "Replace", "path": "name.middleName", "value": "M"},
        {"op": "Replace", "path": "emails[type eq \"work\"].display", "value": "d"},
        {"op": "Remove", "path": "nickName"},
        {"op": "replace", "value": {"locale": "en-US", "timezone": "Europe/Berlin"}}
    ])));
    assert_eq!(document["title"], json!("Engineer"));
    assert_eq!(document["preferredLanguage"], json!("en-US"));
    assert_eq!(document["locale"], json!("en-US"));
    assert_eq!(document["timezone"], json!("Europe/Berlin"));
    assert_eq!(document["name"]["middleName"], json!("M"));
    assert_eq!(document["emails"][0]["display"], json!("d"));
    // The filter created the one work address, and the later operations filled it in.
    assert_eq!(
        document["addresses"],
        json!([{
            "type": "work",
            "postalCode": "98052",
            "formatted": "1 Way",
            "streetAddress": "1 Microsoft Way",
            "country": "Germany"
        }])
    );
    assert!(!document.contains_key("nickName"));
}

#[test]
fn addresses_are_added_replaced_and_removed() {
    let address = json!({"type": "home", "locality": "Hollywood", "country": "USA"});
    let mut document = patched(one("add", "addresses", json!([address.clone()])));
    assert_eq!(document["addresses"], json!([address.clone()]));
    // Adding the same address again (no `value` to compare) adds nothing.
    apply_patch(
        &mut document,
        &one("add", "addresses", json!([address.clone()])),
    )
    .unwrap();
    assert_eq!(document["addresses"].as_array().unwrap().len(), 1);
    // A second, primary one.
    apply_patch(
        &mut document,
        &one(
            "Add",
            "addresses",
            json!({"type": "work", "streetAddress": "100 Universal City Plaza", "primary": "True"}),
        ),
    )
    .unwrap();
    assert_eq!(document["addresses"][1]["primary"], json!(true));
    apply_patch(
        &mut document,
        &one(
            "replace",
            "addresses[type eq \"home\"].locality",
            json!("Burbank"),
        ),
    )
    .unwrap();
    assert_eq!(document["addresses"][0]["locality"], json!("Burbank"));
    apply_patch(
        &mut document,
        &message(json!([{"op": "remove", "path": "addresses[type eq \"work\"]"}])),
    )
    .unwrap();
    assert_eq!(
        document["addresses"],
        json!([{"type": "home", "locality": "Burbank", "country": "USA"}])
    );
    apply_patch(
        &mut document,
        &message(json!([{"op": "remove", "path": "addresses.country"}])),
    )
    .unwrap();
    assert_eq!(
        document["addresses"],
        json!([{"type": "home", "locality": "Burbank"}])
    );
    apply_patch(
        &mut document,
        &message(json!([{"op": "remove", "path": "addresses"}])),
    )
    .unwrap();
    assert!(!document.contains_key("addresses"));
    // A number is no street.
    let error = refused(one("add", "addresses", json!([{"streetAddress": 1}])));
    assert_eq!(error.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn the_other_multi_valued_attributes_take_values() {
    let document = patched(message(json!([
        {"op": "add", "path": "ims", "value": [{"value": "someaimhandle", "type": "aim"}]},
        {"op": "add", "path": "photos[type eq \"photo\"].value", "value": "https://photos.example.com/F"},
        {"op": "add", "path": "roles", "value": [{"value": "admin", "primary": true}]},
        {"op": "add", "path": "entitlements", "value": {"value": "full access"}},
        {"op": "add", "path": "x509Certificates", "value": [{"value": "MIIDQzCC"}]},
        {"op": "replace", "path": "profileUrl", "value": "https://login.example.com/bjensen"},
        {"op": "replace", "path": "userType", "value": "Employee"}
    ])));
    assert_eq!(
        document["ims"],
        json!([{"value": "someaimhandle", "type": "aim"}])
    );
    assert_eq!(
        document["photos"],
        json!([{"type": "photo", "value": "https://photos.example.com/F"}])
    );
    assert_eq!(
        document["roles"],
        json!([{"value": "admin", "primary": true}])
    );
    assert_eq!(document["entitlements"], json!([{"value": "full access"}]));
    assert_eq!(document["x509Certificates"], json!([{"value": "MIIDQzCC"}]));
    assert_eq!(
        document["profileUrl"],
        json!("https://login.example.com/bjensen")
    );
    assert_eq!(document["userType"], json!("Employee"));
}

#[test]
fn a_users_groups_are_never_taken_from_a_patch() {
    // `groups` is read-only (RFC 7643 §4.1.2): changed through the groups.
    let document = patched(one(
        "add",
        "groups",
        json!([{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a", "display": "Tour Guides"}]),
    ));
    assert_eq!(document, person());
}

#[test]
fn the_message_must_be_a_patch_op() {
    for request in [
        json!([]),
        json!({"Operations": [{"op": "replace", "value": {"active": false}}]}),
        json!({"schemas": [USER], "Operations": [{"op": "replace", "value": {"active": false}}]}),
        json!({"schemas": PATCH_OP, "Operations": [{"op": "replace", "value": {"active": false}}]}),
        json!({"schemas": [PATCH_OP]}),
        json!({"schemas": [PATCH_OP], "Operations": []}),
        json!({"schemas": [PATCH_OP], "Operations": {"op": "replace"}}),
        message(json!([{"path": "active", "value": false}])),
        message(json!([{"op": "delete", "path": "active"}])),
        message(json!(["replace"])),
    ] {
        let error = refused(request.clone());
        assert_eq!(
            error.scim_type(),
            Some(ScimType::InvalidSyntax),
            "{request}"
        );
    }
}

#[test]
fn more_than_the_operation_limit_is_refused() {
    let operation = json!({"op": "replace", "path": "active", "value": false});
    let at_limit = message(Value::Array(vec![operation.clone(); MAX_OPERATIONS]));
    assert_eq!(patched(at_limit)["active"], json!(false));
    let error = refused(message(Value::Array(vec![operation; MAX_OPERATIONS + 1])));
    assert_eq!(error.scim_type(), Some(ScimType::InvalidValue));
    assert!(error.detail().contains("1000"), "{}", error.detail());
}

#[test]
fn a_remove_without_a_path_is_no_target() {
    let error = refused(message(
        json!([{"op": "Remove", "value": {"active": false}}]),
    ));
    assert_eq!(error.scim_type(), Some(ScimType::NoTarget));
}

#[test]
fn read_only_attributes_are_refused() {
    for request in [
        one("replace", "id", json!("new-id")),
        message(json!([{"op": "remove", "path": "id"}])),
        one("replace", "meta", json!({"version": "W/\"9\""})),
        one("replace", "meta.version", json!("W/\"9\"")),
        message(json!([{"op": "add", "value": {"meta": {"created": "now"}}}])),
        one("replace", &format!("{BRIDGE_USER}:backends"), json!([])),
        message(json!([{"op": "remove", "path": format!("{BRIDGE_USER}:backends")}])),
        one(
            "replace",
            &format!("{BRIDGE_USER}:backends[backend eq \"jambonz\"].state"),
            json!("x"),
        ),
    ] {
        let error = refused(request.clone());
        assert_eq!(error.scim_type(), Some(ScimType::Mutability), "{request}");
    }
}

#[test]
fn malformed_paths_are_invalid_path() {
    for path in [
        "name..givenName",
        "1abc",
        "active.value",
        "emails[type eq \"work\"]value",
        "emails[type eq \"work\"].value.x",
        "emails[type eq \"work\"",
        "name[givenName eq \"x\"]",
        "userName[value eq \"x\"]",
        "name.givenName[type eq \"x\"]",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User[x eq \"y\"]",
        "has space",
    ] {
        let error = refused(one("replace", path, json!("v")));
        assert_eq!(
            error.scim_type(),
            Some(ScimType::InvalidPath),
            "{path}: {}",
            error.detail()
        );
    }
    let error = refused(message(json!([{"op": "replace", "path": 5, "value": "v"}])));
    assert_eq!(error.scim_type(), Some(ScimType::InvalidPath));
    let error = refused(message(
        json!([{"op": "replace", "value": {"bad key": "v"}}]),
    ));
    assert_eq!(error.scim_type(), Some(ScimType::InvalidPath));
}

#[test]
fn malformed_value_filters_are_invalid_filter() {
    for path in [
        "emails[]",
        "emails[type]",
        "emails[type eq]",
        "emails[type eq (]",
        "emails[type eq \"w]",
        "emails[type eq \"w\" and]",
        "emails[type xx \"w\"]",
        "emails[primary gt true]",
        "emails[type eq \"w\"[x]]",
        // Checked even where the attribute is ignored.
        "addresses[type eq]",
    ] {
        let error = refused(one("replace", path, json!("v")));
        assert!(
            matches!(
                error.scim_type(),
                Some(ScimType::InvalidFilter | ScimType::InvalidPath)
            ),
            "{path}: {error}"
        );
    }
    let error = refused(one("replace", "emails[type xx \"w\"].value", json!("v")));
    assert_eq!(error.scim_type(), Some(ScimType::InvalidFilter));
    // The whole grammar reads; a filter that matches nothing and is no `eq`
    // conjunction describes no new element.
    let error = refused(one("replace", "emails[type sw \"zz\"].value", json!("v")));
    assert_eq!(error.scim_type(), Some(ScimType::NoTarget));
}

#[test]
fn values_of_the_wrong_type_are_invalid_value() {
    for (path, value) in [
        ("userName", json!(5)),
        ("active", json!("yes")),
        ("active", json!(1)),
        ("name", json!("Test User")),
        ("name.givenName", json!(["x"])),
        ("emails", json!(["a@b"])),
        ("emails", json!("a@b")),
        ("emails[type eq \"work\"].primary", json!("maybe")),
        ("emails[type eq \"work\"]", json!("a@b")),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            json!("x"),
        ),
    ] {
        let error = refused(one("replace", path, value.clone()));
        assert_eq!(
            error.scim_type(),
            Some(ScimType::InvalidValue),
            "{path} {value}: {error}"
        );
    }
    let error = refused(message(json!([{"op": "replace", "value": ["active"]}])));
    assert_eq!(error.scim_type(), Some(ScimType::InvalidValue));
    let error = refused(message(json!([{"op": "add", "path": "displayName"}])));
    assert_eq!(error.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn errors_name_the_field_but_never_echo_a_password() {
    let error = refused(message(
        json!([{"op": "replace", "value": {"password": ["hunter2"]}}]),
    ));
    assert_eq!(error.scim_type(), Some(ScimType::InvalidValue));
    assert!(error.detail().contains("password"), "{}", error.detail());
    assert!(!error.detail().contains("hunter2"), "{}", error.detail());
}

#[test]
fn a_failing_operation_leaves_the_document_as_it_was() {
    // The first operation would apply; the second fails; nothing is kept.
    let error = refused(message(json!([
        {"op": "replace", "path": "active", "value": false},
        {"op": "replace", "path": "id", "value": "x"}
    ])));
    assert!(
        error.detail().starts_with("Operations[1]: "),
        "{}",
        error.detail()
    );
}

#[test]
fn multi_valued_attributes_are_bounded() {
    let many: Vec<Value> = (0..=MAX_VALUES)
        .map(|index| json!({"value": format!("{index}@example.com")}))
        .collect();
    let error = refused(one("replace", "emails", Value::Array(many)));
    assert_eq!(error.scim_type(), Some(ScimType::InvalidValue));
    let many: Vec<Value> = (0..MAX_VALUES)
        .map(|index| json!({"value": format!("{index}@example.com")}))
        .collect();
    let error = refused(one("add", "emails", Value::Array(many)));
    assert_eq!(error.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn a_path_less_value_takes_the_manager_by_its_full_path() {
    // Entra with its compliance flag folds the changes into one path-less `replace` whose
    // keys are full paths (the compliance page's "Requests to replace multiple
    // attributes"); the manager comes as a bare id or as {"value": …}.
    let key = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
    for manager in [json!("m-1"), json!({"value": "m-1"})] {
        let document = patched(message(json!([{
            "op": "replace",
            "value": {"name.givenName": "X", key: manager.clone()}
        }])));
        assert_eq!(document["name"]["givenName"], "X");
        assert_eq!(
            enterprise(&document)["manager"]["value"],
            "m-1",
            "{manager}"
        );
        assert_eq!(
            enterprise(&document)["department"],
            "Sales",
            "the rest stays"
        );
        assert!(document.get("name.givenName").is_none());
        assert!(document.get(key).is_none());
    }
}

#[test]
fn group_member_removals_sent_to_a_user_change_nothing() {
    // Entra's member removals, without and with its compliance flag: `members` is a
    // Group's attribute, which a User does not have.
    for request in [
        message(json!([{"op": "Remove", "path": "members", "value": [{"value": "u1091"}]}])),
        message(json!([{
            "op": "remove",
            "path": "members[value eq \"7f4bc1a3-285e-48ae-8202-5accb43efb0e\"]"
        }])),
    ] {
        // Compared with an operation the bridge ignores, so that both are tidied alike.
        assert_eq!(
            patched(request),
            patched(one("Add", "costume", json!("Babs")))
        );
    }
}

/// A PATCH value filter takes the whole filter grammar (`or`, `not`, `co`, …) with the
/// same rules as a list's filter; an `eq` conjunction that matches nothing still
/// describes the element to create.
#[test]
fn value_filters_take_the_whole_filter_grammar() {
    let mut document = person();
    let request = message(json!([
        {"op": "add", "path": "emails", "value": [{"value": "home@example.com", "type": "home"}]},
        {"op": "replace", "path": "emails[not (type eq \"work\") and value co \"@EXAMPLE\"].type", "value": "personal"},
        {"op": "replace", "path": "phoneNumbers[type eq \"mobile\" and primary eq false].value", "value": "+15555550199"},
    ]));
    apply_patch(&mut document, &request).unwrap();
    let emails = document["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 2);
    assert_eq!(
        emails[1],
        json!({"value": "home@example.com", "type": "personal"})
    );
    assert_eq!(emails[0]["type"], "work");
    let phones = document["phoneNumbers"].as_array().unwrap();
    assert_eq!(
        phones[1],
        json!({"type": "mobile", "primary": false, "value": "+15555550199"})
    );
    let request = message(json!([{
        "op": "remove",
        "path": "emails[type eq \"personal\" or value sw \"TEST.\"]"
    }]));
    apply_patch(&mut document, &request).unwrap();
    assert!(!document.contains_key("emails"));
}
