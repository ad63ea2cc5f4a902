//! Every RFC 7643 User attribute through the bridge: the bridge's store is the SCIM
//! source of truth, so what an identity provider sends is kept and returned, whatever
//! its backends map.

mod support;

use std::sync::Arc;

use serde_json::{json, Map, Value};
use support::scim::{serve, ServedBridge, PATCH_OP, USER};
use user_provisioner::providers::memory::MemoryProvisioner;
use user_provisioner::testing::Faulty;

/// RFC 7643 §8.2, "Full User Representation", verbatim. (The RFC breaks the certificate's
/// base64 text over lines to fit its page; here it is the one string it stands for.)
const FULL_USER: &str = r#"{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "id":"2819c223-7f76-453a-919d-413861904646",
  "externalId":"701984",
  "userName":"bjensen@example.com",
  "name":{
    "formatted":"Ms. Barbara J Jensen, III",
    "familyName":"Jensen",
    "givenName":"Barbara",
    "middleName":"Jane",
    "honorificPrefix":"Ms.",
    "honorificSuffix":"III"
  },
  "displayName":"Babs Jensen",
  "nickName":"Babs",
  "profileUrl":"https://login.example.com/bjensen",
  "emails":[
    {
      "value":"bjensen@example.com",
      "type":"work",
      "primary":true
    },
    {
      "value":"babs@jensen.org",
      "type":"home"
    }
  ],
  "addresses":[
    {
      "type":"work",
      "streetAddress":"100 Universal City Plaza",
      "locality":"Hollywood",
      "region":"CA",
      "postalCode":"91608",
      "country":"USA",
      "formatted":"100 Universal City Plaza\nHollywood, CA 91608 USA",
      "primary":true
    },
    {
      "type":"home",
      "streetAddress":"456 Hollywood Blvd",
      "locality":"Hollywood",
      "region":"CA",
      "postalCode":"91608",
      "country":"USA",
      "formatted":"456 Hollywood Blvd\nHollywood, CA 91608 USA"
    }
  ],
  "phoneNumbers":[
    {
      "value":"555-555-5555",
      "type":"work"
    },
    {
      "value":"555-555-4444",
      "type":"mobile"
    }
  ],
  "ims":[
    {
      "value":"someaimhandle",
      "type":"aim"
    }
  ],
  "photos":[
    {
      "value":
        "https://photos.example.com/profilephoto/72930000000Ccne/F",
      "type":"photo"
    },
    {
      "value":
        "https://photos.example.com/profilephoto/72930000000Ccne/T",
      "type":"thumbnail"
    }
  ],
  "userType":"Employee",
  "title":"Tour Guide",
  "preferredLanguage":"en-US",
  "locale":"en-US",
  "timezone":"America/Los_Angeles",
  "active":true,
  "password":"t1meMa$heen",
  "groups":[
    {
      "value":"e9e30dba-f08f-4109-8486-d5c6a331660a",
      "$ref":
"https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
      "display":"Tour Guides"
    },
    {
      "value":"fc348aa8-3835-40eb-a20b-c726e15c55b5",
      "$ref":
"https://example.com/v2/Groups/fc348aa8-3835-40eb-a20b-c726e15c55b5",
      "display":"Employees"
    },
    {
      "value":"71ddacd2-a8e7-49b8-a5db-ae50d0a5bfd7",
      "$ref":
"https://example.com/v2/Groups/71ddacd2-a8e7-49b8-a5db-ae50d0a5bfd7",
      "display":"US Employees"
    }
  ],
  "x509Certificates":[
    {
      "value":
       "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMxEzARBgNVBAgMCkNhbGlmb3JuaWExFDASBgNVBAoMC2V4YW1wbGUuY29tMRQwEgYDVQQDDAtleGFtcGxlLmNvbTAeFw0xMTEwMjIwNjI0MzFaFw0xMjEwMDQwNjI0MzFaMH8xCzAJBgNVBAYTAlVTMRMwEQYDVQQIDApDYWxpZm9ybmlhMRQwEgYDVQQKDAtleGFtcGxlLmNvbTEhMB8GA1UEAwwYTXMuIEJhcmJhcmEgSiBKZW5zZW4gSUlJMSIwIAYJKoZIhvcNAQkBFhNiamVuc2VuQGV4YW1wbGUuY29tMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA7Kr+Dcds/JQ5GwejJFcBIP682X3xpjis56AK02bc1FLgzdLI8auoR+cC9/Vrh5t66HkQIOdA4unHh0AaZ4xL5PhVbXIPMB5vAPKpzz5iPSi8xO8SL7I7SDhcBVJhqVqr3HgllEG6UClDdHO7nkLuwXq8HcISKkbT5WFTVfFZzidPl8HZ7DhXkZIRtJwBweq4bvm3hM1Os7UQH05ZS6cVDgweKNwdLLrT51ikSQG3DYrl+ft781UQRIqxgwqCfXEuDiinPh0kkvIi5jivVu1Z9QiwlYEdRbLJ4zJQBmDrSGTMYn4lRc2HgHO4DqB/bnMVorHB0CC6AV1QoFK4GPe1LwIDAQABo3sweTAJBgNVHRMEAjAAMCwGCWCGSAGG+EIBDQQfFh1PcGVuU1NMIEdlbmVyYXRlZCBDZXJ0aWZpY2F0ZTAdBgNVHQ4EFgQU8pD0U0vsZIsaA16lL8En8bx0F/gwHwYDVR0jBBgwFoAUdGeKitcaF7gnzsNwDx708kqaVt0wDQYJKoZIhvcNAQEFBQADgYEAA81SsFnOdYJtNg5Tcq+/ByEDrBgnusx0jloUhByPMEVkoMZ3J7j1ZgI8rAbOkNngX8+pKfTiDz1RC4+dx8oU6Za+4NJXUjlL5CvV6BEYb1+QAEJwitTVvxB/A67g42/vzgAtoRUeDov1+GFiBZ+GNF/cAYKcMtGcrs2i97ZkJMo="
    }
  ],
  "meta": {
    "resourceType": "User",
    "created": "2010-01-23T04:56:22Z",
    "lastModified": "2011-05-13T04:42:34Z",
    "version": "W\/\"a330bc54f0671c9\"",
    "location":
"https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
  }
}"#;

fn full_user() -> Map<String, Value> {
    match serde_json::from_str(FULL_USER).unwrap() {
        Value::Object(user) => user,
        other => panic!("not an object: {other}"),
    }
}

/// What the bridge must return of a User it was sent: all of it but the password (never
/// returned), `groups` (read-only: a user's groups are the groups' to say) and what the
/// bridge itself assigns (`id`, `meta`, `schemas`).
fn kept_of(sent: &Map<String, Value>) -> Map<String, Value> {
    let mut kept = sent.clone();
    for assigned in ["password", "groups", "id", "meta", "schemas"] {
        kept.remove(assigned);
    }
    kept
}

/// Every stored attribute of an answer, without what the bridge assigns and its own
/// extension.
fn stored_of(answer: &Value) -> Map<String, Value> {
    let mut stored = answer.as_object().unwrap().clone();
    for assigned in ["id", "meta", "schemas", support::scim::BRIDGE] {
        stored.remove(assigned);
    }
    stored
}

/// The same JSON with every object key in another case, as lenient clients write.
fn shouting(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, value)| (key.to_ascii_uppercase(), shouting(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(shouting).collect()),
        other => other.clone(),
    }
}

async fn bridge() -> ServedBridge {
    serve(|b| b.backend("directory", Arc::new(Faulty::new(MemoryProvisioner::new())))).await
}

#[tokio::test]
async fn the_rfc_full_user_is_created_and_returned_as_sent() {
    let bridge = bridge().await;
    let sent = full_user();
    let created = bridge.post("/Users", Value::Object(sent.clone())).await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_ne!(id, sent["id"], "the bridge assigns the id");
    assert_eq!(stored_of(&created.body), kept_of(&sent));

    let read = bridge.get(&format!("/Users/{id}")).await;
    assert_eq!(read.status, 200, "{:#}", read.body);
    assert_eq!(stored_of(&read.body), kept_of(&sent));
    assert!(read.body.get("password").is_none());
    assert!(
        read.body.get("groups").is_none(),
        "groups are never taken from a client"
    );
    // Spot checks a reader can follow, besides the whole comparison above.
    assert_eq!(read.body["addresses"][0]["country"], "USA");
    assert_eq!(read.body["name"]["honorificSuffix"], "III");
    assert_eq!(read.body["ims"][0]["type"], "aim");
    assert_eq!(read.body["timezone"], "America/Los_Angeles");
    assert_eq!(read.body["schemas"][0], USER);
}

#[tokio::test]
async fn names_in_any_case_are_returned_in_canonical_case() {
    let bridge = bridge().await;
    let sent = full_user();
    let created = bridge
        .post("/Users", shouting(&Value::Object(sent.clone())))
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.body["id"].as_str().unwrap();
    let read = bridge.get(&format!("/Users/{id}")).await;
    assert_eq!(stored_of(&read.body), kept_of(&sent));
}

#[tokio::test]
async fn put_replaces_every_attribute() {
    let bridge = bridge().await;
    let created = bridge.post("/Users", Value::Object(full_user())).await;
    let path = format!("/Users/{}", created.body["id"].as_str().unwrap());
    // Microsoft's reference collection PUTs an address and looks for its country.
    let replacement = json!({
        "schemas": [USER],
        "userName": "bjensen@example.com",
        "addresses": [{"type": "work", "country": "Germany", "primary": "True"}],
        "roles": [{"value": "guide", "display": "Tour guide", "primary": "true"}],
        "entitlements": [{"value": "parking"}],
        "name": {"middleName": "J."}
    });
    let replaced = bridge.put(&path, replacement).await;
    assert_eq!(replaced.status, 200, "{:#}", replaced.body);
    let read = bridge.get(&path).await;
    let mut expected = Map::new();
    expected.insert("userName".into(), json!("bjensen@example.com"));
    expected.insert(
        "addresses".into(),
        json!([{"type": "work", "country": "Germany", "primary": true}]),
    );
    expected.insert(
        "roles".into(),
        json!([{"value": "guide", "display": "Tour guide", "primary": true}]),
    );
    expected.insert("entitlements".into(), json!([{"value": "parking"}]));
    expected.insert("name".into(), json!({"middleName": "J."}));
    expected.insert("active".into(), json!(true));
    assert_eq!(stored_of(&read.body), expected);
    assert!(read.body.to_string().contains("Germany"));
}

#[tokio::test]
async fn entra_patches_a_work_address_into_being_and_projection_reads_it() {
    let bridge = bridge().await;
    let created = bridge
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": "mara@example.com"}),
        )
        .await;
    let path = format!("/Users/{}", created.body["id"].as_str().unwrap());
    // Entra ID's update of a person's work address, one operation per sub-attribute,
    // the filter naming an element that does not exist yet.
    let patched = bridge
        .patch(
            &path,
            json!({
                "schemas": [PATCH_OP],
                "Operations": [
                    {"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Microsoft Way"},
                    {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Redmond"},
                    {"op": "Add", "path": "addresses[type eq \"work\"].country", "value": "US"},
                    {"op": "Replace", "path": "title", "value": "Engineer"},
                    {"op": "Replace", "path": "preferredLanguage", "value": "en-US"}
                ]
            }),
        )
        .await;
    assert_eq!(patched.status, 200, "{:#}", patched.body);
    assert_eq!(
        patched.body["addresses"],
        json!([{"type": "work", "streetAddress": "1 Microsoft Way", "locality": "Redmond", "country": "US"}])
    );
    assert_eq!(patched.body["title"], "Engineer");
    let projected = bridge
        .get(&format!("{path}?attributes=addresses.country"))
        .await;
    assert_eq!(projected.status, 200, "{:#}", projected.body);
    assert_eq!(projected.body["addresses"], json!([{"country": "US"}]));
    assert!(projected.body.get("title").is_none());
    let excluded = bridge
        .get(&format!(
            "{path}?excludedAttributes=addresses.country,title"
        ))
        .await;
    assert_eq!(
        excluded.body["addresses"],
        json!([{"type": "work", "streetAddress": "1 Microsoft Way", "locality": "Redmond"}])
    );
    assert!(excluded.body.get("title").is_none());
    assert_eq!(excluded.body["preferredLanguage"], "en-US");
    let removed = bridge
        .patch(
            &path,
            json!({
                "schemas": [PATCH_OP],
                "Operations": [{"op": "remove", "path": "addresses[type eq \"work\"]"}]
            }),
        )
        .await;
    assert_eq!(removed.status, 200, "{:#}", removed.body);
    assert!(removed.body.get("addresses").is_none());
}

#[tokio::test]
async fn invalid_values_of_the_new_attributes_are_refused() {
    let bridge = bridge().await;
    let base = json!({"schemas": [USER], "userName": "x@example.com"});
    let cases = [
        ("ims", json!([{"type": "aim"}])),
        ("photos", json!([{"value": 7}])),
        (
            "addresses",
            json!([{"country": "A", "primary": true}, {"country": "B", "primary": true}]),
        ),
        ("x509Certificates", json!([{"value": "not base64!"}])),
        ("title", json!(["a list"])),
        ("addresses", json!({"country": "not a list"})),
        (
            "roles",
            Value::Array((0..33).map(|n| json!({"value": format!("r{n}")})).collect()),
        ),
    ];
    for (name, value) in cases {
        let mut body = base.clone();
        body[name] = value.clone();
        let answer = bridge.post("/Users", body).await;
        assert_eq!(answer.status, 400, "{name}: {value}: {:#}", answer.body);
        assert_eq!(answer.scim_type(), Some("invalidValue"), "{name}");
    }
    // Nulls are absent, and an address with nothing the bridge knows is left out.
    let mut body = base.clone();
    body["title"] = Value::Null;
    body["addresses"] = json!([{"planet": "Mars"}]);
    let answer = bridge.post("/Users", body).await;
    assert_eq!(answer.status, 201, "{:#}", answer.body);
    assert!(answer.body.get("title").is_none());
    assert!(answer.body.get("addresses").is_none());
}

#[tokio::test]
async fn the_schemas_list_every_attribute_of_the_rfc_full_user() {
    let bridge = bridge().await;
    let core = bridge.get(&format!("/Schemas/{USER}")).await;
    assert_eq!(core.status, 200);
    let listed = core.body["attributes"].as_array().unwrap();
    let definition = |name: &str| {
        listed
            .iter()
            .find(|attribute| attribute["name"] == name)
            .unwrap_or_else(|| panic!("{name} is not listed"))
            .clone()
    };
    for (name, value) in full_user() {
        if name == "schemas" || name == "meta" {
            continue;
        }
        let attribute = definition(&name);
        let element = match &value {
            Value::Array(items) => {
                assert_eq!(attribute["multiValued"], true, "{name}");
                items.first().cloned().unwrap_or(Value::Null)
            }
            other => other.clone(),
        };
        if let Value::Object(parts) = element {
            let subs = attribute["subAttributes"].as_array().unwrap();
            for part in parts.keys() {
                assert!(
                    subs.iter().any(|sub| sub["name"] == part.as_str()),
                    "{name}.{part} is not listed"
                );
            }
        }
    }
    assert_eq!(definition("groups")["mutability"], "readOnly");
    assert_eq!(definition("profileUrl")["type"], "reference");
}
