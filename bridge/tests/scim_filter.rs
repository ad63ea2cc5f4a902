//! RFC 7644 §3.4.2 over HTTP: the filters Microsoft's and Okta's suites send, answered
//! from the bridge's store (the whole grammar, each attribute's `caseExact`), `sortBy`
//! and `sortOrder` with paging, and `POST /.search`. What the SQL answers for every
//! filter is held to the in-memory evaluator by the property test in
//! `src/query/tests.rs`.

mod support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use support::scim::{okta_user, serve, ServedBridge, USER};
use user_provisioner::providers::memory::MemoryProvisioner;
use user_provisioner_bridge::SyncSettings;

const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Four people: Ada (work email, enterprise number), Grace (home email only), Zed
/// (inactive, no displayName) and Straße (a name whose lower case is not ASCII).
async fn people() -> ServedBridge {
    let bridge = serve(|b| {
        b.backend("directory", Arc::new(MemoryProvisioner::new()))
            .sync_settings(SyncSettings::new().with_retry_delays(Duration::ZERO, Duration::ZERO))
    })
    .await;
    let mut ada = okta_user("Ada.Lovelace@example.com", "Ada", "Lovelace");
    ada[ENTERPRISE] = json!({"employeeNumber": "701"});
    ada["schemas"] = json!([USER, ENTERPRISE]);
    let mut grace = okta_user("grace", "Grace", "Hopper");
    grace["emails"] = json!([{"value": "grace@home.example", "type": "home"}]);
    let mut zed = okta_user("zed@example.com", "Zed", "Zulu");
    zed["active"] = json!(false);
    zed.as_object_mut().unwrap().remove("displayName");
    let strasse = okta_user("Straße@example.com", "Max", "Straße");
    for person in [ada, grace, zed, strasse] {
        let created = bridge.post("/Users", person).await;
        assert_eq!(created.status, 201, "{}", created.body);
        // Creation order is the tie-break; keep the milliseconds apart.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bridge
}

fn names(answer: &Value) -> Vec<String> {
    answer["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("no Resources in {answer}"))
        .iter()
        .map(|user| user["userName"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn selected(bridge: &ServedBridge, filter: &str) -> Vec<String> {
    let answer = bridge.filter(filter).await;
    assert_eq!(answer.status, 200, "{filter}: {}", answer.body);
    assert_eq!(
        answer.body["totalResults"].as_u64().unwrap() as usize,
        names(&answer.body).len()
    );
    let mut found = names(&answer.body);
    found.sort();
    found
}

#[tokio::test]
async fn the_filters_identity_providers_send() {
    let bridge = people().await;
    let ada = "Ada.Lovelace@example.com";
    let all = {
        let mut all = vec![ada, "Straße@example.com", "grace", "zed@example.com"];
        all.sort();
        all
    };
    // userName is not case-exact (RFC 7643 §4.1.1): Okta's and Entra's lookup.
    assert_eq!(
        selected(&bridge, r#"userName eq "ADA.LOVELACE@EXAMPLE.COM""#).await,
        [ada]
    );
    assert_eq!(
        selected(&bridge, r#"userName eq "STRASSE@example.com""#).await,
        Vec::<String>::new()
    );
    assert_eq!(
        selected(&bridge, r#"USERNAME EQ "STRAẞE@EXAMPLE.COM""#).await,
        ["Straße@example.com"]
    );
    assert_eq!(
        selected(&bridge, r#"name.familyName eq "lovelace""#).await,
        [ada]
    );
    assert_eq!(
        selected(&bridge, r#"emails[type eq "work" and value co "@"]"#).await,
        [ada, "Straße@example.com", "zed@example.com"]
    );
    assert_eq!(
        selected(
            &bridge,
            r#"emails[type eq "work"].value eq "ZED@example.com""#
        )
        .await,
        ["zed@example.com"]
    );
    assert_eq!(
        selected(&bridge, r#"meta.lastModified gt "2011-05-13T04:42:34Z""#).await,
        all
    );
    assert_eq!(
        selected(&bridge, r#"meta.lastModified lt "2011-05-13T04:42:34Z""#).await,
        Vec::<String>::new()
    );
    assert_eq!(
        selected(&bridge, r#"userName sw "a" or not (active eq true)"#).await,
        [ada, "zed@example.com"]
    );
    assert_eq!(
        selected(
            &bridge,
            &format!(r#"{ENTERPRISE}:employeeNumber eq "701" and emails pr"#)
        )
        .await,
        [ada]
    );
    assert_eq!(
        selected(&bridge, r#"displayName pr and not (emails.type eq "work")"#).await,
        ["grace"]
    );
    assert_eq!(
        selected(&bridge, "displayName eq null").await,
        ["zed@example.com"]
    );
    // `title` is an RFC 7643 attribute no user here has; an attribute no schema knows
    // is absent too: nothing matches it, `ne` everything, and neither is an error.
    assert_eq!(selected(&bridge, "title pr").await, Vec::<String>::new());
    assert_eq!(
        selected(&bridge, r#"urn:example:params:1.0:User:shoeSize eq "9""#).await,
        Vec::<String>::new()
    );
    assert_eq!(selected(&bridge, r#"favoriteColor ne "red""#).await, all);
    // Entra's Test Connection: a random attribute and value, answered with no users.
    assert_eq!(
        selected(
            &bridge,
            r#"userName eq "4d3e1fa9-fcfa-4a5e-a3a3-1c6a1e4a8f51""#
        )
        .await,
        Vec::<String>::new()
    );
    // Microsoft's reference tests ("User tests with garbage") send values unquoted and
    // names in another case; read leniently.
    assert_eq!(selected(&bridge, "userName sw a").await, [ada]);
    assert_eq!(
        selected(&bridge, "meta.Created gt 2015-10-10T14:38:21.8617979-07:00").await,
        all
    );
    assert_eq!(
        selected(
            &bridge,
            "name.FamilyName eq Lovelace and (emails.Value co example.com or \
             emails.Value co example.org)"
        )
        .await,
        [ada]
    );
    // Malformed or meaningless filters are 400 invalidFilter (RFC 7644 §3.4.2.2).
    for filter in [
        r#"userName sx "a""#,
        "active gt true",
        r#"meta.lastModified gt "yesterday""#,
        r#"(userName eq "a""#,
        r#"userName eq "a" userName eq "b""#,
    ] {
        bridge
            .filter(filter)
            .await
            .assert_error(400, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn sort_by_and_sort_order_with_paging() {
    let bridge = people().await;
    let answer = bridge.get("/Users?sortBy=userName").await;
    assert_eq!(
        names(&answer.body),
        [
            "Ada.Lovelace@example.com",
            "grace",
            "Straße@example.com",
            "zed@example.com"
        ]
    );
    let answer = bridge
        .get("/Users?sortBy=userName&sortOrder=DESCENDING&startIndex=2&count=2")
        .await;
    assert_eq!(answer.body["totalResults"], 4);
    assert_eq!(answer.body["startIndex"], 2);
    assert_eq!(names(&answer.body), ["Straße@example.com", "grace"]);
    // A missing value sorts last ascending, first descending (RFC 7644 §3.4.2.3).
    let answer = bridge.get("/Users?sortBy=displayName").await;
    assert_eq!(names(&answer.body)[3], "zed@example.com");
    let answer = bridge
        .get("/Users?sortBy=displayName&sortOrder=descending&count=1")
        .await;
    assert_eq!(names(&answer.body), ["zed@example.com"]);
    // A multi-valued attribute sorts by its primary value (emails.value).
    let answer = bridge
        .get("/Users?sortBy=emails&sortOrder=descending&filter=emails%20pr")
        .await;
    assert_eq!(
        names(&answer.body),
        [
            "zed@example.com",
            "Straße@example.com",
            "grace",
            "Ada.Lovelace@example.com"
        ]
    );
    // Sorting by what no user has keeps creation order.
    let answer = bridge.get("/Users?sortBy=title").await;
    assert_eq!(
        names(&answer.body),
        [
            "Ada.Lovelace@example.com",
            "grace",
            "zed@example.com",
            "Straße@example.com"
        ]
    );
    bridge
        .get("/Users?sortBy=userName&sortOrder=sideways")
        .await
        .assert_error(400, Some("invalidValue"));
    bridge
        .get("/Users?sortBy=user%20name")
        .await
        .assert_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn post_search_answers_a_list_response() {
    let bridge = people().await;
    for path in ["/Users/.search", "/.search"] {
        let answer = bridge
            .post(
                path,
                json!({
                    "schemas": [SEARCH_REQUEST],
                    "filter": "emails.type eq \"work\"",
                    "sortBy": "name.familyName",
                    "sortOrder": "descending",
                    "startIndex": 1,
                    "count": 2,
                    "attributes": ["userName", "name.familyName"],
                }),
            )
            .await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert_eq!(
            answer.body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
        );
        assert_eq!(answer.body["totalResults"], 3);
        assert_eq!(
            names(&answer.body),
            ["zed@example.com", "Straße@example.com"]
        );
        let first = answer.body["Resources"][0].as_object().unwrap();
        let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["id", "name", "schemas", "userName"]);
    }
    let excluded = bridge
        .post(
            "/.search",
            json!({"excludedAttributes": ["emails", "meta"], "count": 1}),
        )
        .await;
    assert_eq!(excluded.status, 200);
    let first = excluded.body["Resources"][0].as_object().unwrap();
    assert!(!first.contains_key("emails") && first.contains_key("userName"));
    bridge
        .post(
            "/.search",
            json!({"schemas": [USER], "filter": "userName pr"}),
        )
        .await
        .assert_error(400, Some("invalidSyntax"));
    bridge
        .post("/Users/.search", json!({"filter": "userName xx \"a\""}))
        .await
        .assert_error(400, Some("invalidFilter"));
}

#[tokio::test]
async fn the_service_provider_config_announces_filter_and_sort() {
    let bridge = people().await;
    let config = bridge.get("/ServiceProviderConfig").await;
    assert_eq!(config.body["filter"]["supported"], true);
    assert!(config.body["filter"]["maxResults"].as_u64().unwrap() > 0);
    assert_eq!(config.body["sort"]["supported"], true);
}
