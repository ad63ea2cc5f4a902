//! The NetSapiens v2 adapter against a wiremock server that answers as the vendor's
//! reference documents.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use user_provisioner::providers::netsapiens::{
    CreateResult, CreateUser, ListQuery, NetSapiensBuilder, NetSapiensClient, NetSapiensErrorBody,
    RecordingConfiguration, UpdateUser, UserScope, VisibilityWait, VoicemailAlertBehavior,
    VoicemailTranscription, YesNo,
};
use user_provisioner::{
    ClientOptions, CreateOutcome, DeleteOutcome, Error, Field, IdempotencyKey, ListUsers, NewUser,
    RequestOptions, RetryPolicy, UpdateOutcome, UserId, UserProvisioner, UserUpdate,
};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "nss_test_token_7c1e5a";
const USERS: &str = "/ns-api/v2/domains/acme/users";

fn fast_options() -> ClientOptions {
    ClientOptions::new().with_retry_policy(
        RetryPolicy::new()
            .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
            .with_jitter_seed(1),
    )
}

fn builder(server: &MockServer) -> NetSapiensBuilder {
    NetSapiensBuilder::new()
        .with_base_url(format!("{}/ns-api/v2", server.uri()))
        .with_token(TOKEN)
        .with_domain("acme")
        .with_client_options(fast_options())
}

async fn setup() -> (MockServer, NetSapiensClient) {
    let server = MockServer::start().await;
    let client = builder(&server).build().unwrap();
    (server, client)
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

fn options() -> RequestOptions {
    RequestOptions::new()
}

fn golden() -> Value {
    serde_json::from_str(include_str!("data/netsapiens-create-user-full.json")).unwrap()
}

fn user_json(extension: &str) -> Value {
    json!({
        "domain": "acme", "user": extension, "name-first-name": "Jane",
        "name-last-name": "Doe", "login-username": "jdoe@acme",
        "email-address": "jdoe@example.com", "user-scope": "Basic User",
        "voicemail-enabled": "yes", "area-code": 858,
        "created-datetime": "2024-03-01T10:00:00Z",
        "last-modified-datetime": "2023-07-28 19:56:12"
    })
}

fn person() -> NewUser {
    NewUser::new("jdoe@acme")
        .with_email("jdoe@example.com")
        .with_names("Jane", "Doe")
        .with_attribute("netsapiens.extension", "1001")
}

/// A request with every documented field set, matching the golden file.
fn full_request() -> CreateUser {
    let mut request = CreateUser::new("1001", "Jane", "Doe", "jdoe@example.com");
    request.synchronous = Some(YesNo::Yes);
    request.login_username = Some("jdoe@acme".into());
    request.email.push("jane@example.org".into());
    request.user_scope = UserScope::OfficeManager;
    let s = &mut request.settings;
    s.department = Some("Sales".into());
    s.site = Some("New Braunfels".into());
    s.time_zone = Some("US/Eastern".into());
    s.voicemail_login_pin = Some("4321".into());
    s.privacy = Some(YesNo::No);
    s.dial_plan = Some("Default".into());
    s.dial_policy = Some("US and Canada".into());
    s.status_message = Some("PTO till 3/15".into());
    s.directory_name_number_dtmf_mapping = Some(526);
    s.voicemail_user_control_enabled = Some(YesNo::Yes);
    s.phone_numbers_to_allow_enabled = Some(YesNo::Yes);
    s.phone_numbers_to_reject_enabled = Some(YesNo::No);
    s.call_screening_enabled = Some(YesNo::No);
    s.ring_no_answer_timeout_seconds = Some(25);
    s.language_token = Some("en_US".into());
    s.limits_max_data_storage_kilobytes = Some(50_000);
    s.limits_max_active_calls_total = Some(15);
    s.directory_announce_in_dial_by_name_enabled = Some(YesNo::Yes);
    s.directory_override_order_duplicate_dtmf_mapping = Some(1);
    s.voicemail_greeting_index = Some(0);
    s.voicemail_enabled = Some(YesNo::Yes);
    s.voicemail_receive_broadcast_enabled = Some(YesNo::Yes);
    s.reject_anonymous_calls_enabled = Some(YesNo::No);
    s.voicemail_playback_announce_datetime_received = Some(YesNo::Yes);
    s.voicemail_playback_announce_caller_id = Some(YesNo::Yes);
    s.voicemail_playback_sort_newest_to_oldest = Some(YesNo::No);
    s.email_send_alert_new_voicemail_cc_list_csv = Some(vec!["1002".into(), "3000".into()]);
    s.email_send_alert_new_voicemail_behavior = Some(VoicemailAlertBehavior::BriefMoveToSaved);
    s.email_send_alert_new_voicemail_enabled = Some(YesNo::Yes);
    s.email_send_alert_new_missed_call_enabled = Some(YesNo::No);
    s.email_send_alert_data_storage_limit_reached_enabled = Some(YesNo::Yes);
    s.caller_id_number = Some("18585551234".into());
    s.caller_id_name = Some("Acme Sales".into());
    s.caller_id_number_emergency = Some("18585550911".into());
    s.area_code = Some(858);
    s.directory_name_visible_in_list_enabled = Some(YesNo::Yes);
    s.service_code = Some("system-test".into());
    s.voicemail_transcription_enabled = Some(VoicemailTranscription::Deepgram);
    s.emergency_address_id = Some("addr-42".into());
    s.call_recordings_hide_from_others_enabled = Some(YesNo::No);
    s.music_on_hold_randomized_enabled = Some(YesNo::Yes);
    s.music_on_hold_comfort_message_repeat_interval_seconds = Some(45);
    s.recording_configuration = Some(RecordingConfiguration::YesWithTranscriptionAndSentiment);
    request
}

// ---- create -------------------------------------------------------------------------

#[tokio::test]
async fn a_fully_populated_create_sends_the_golden_json_and_200_is_created() {
    let (server, client) = setup().await;
    let mut answer = golden();
    answer["domain"] = json!("acme");
    answer.as_object_mut().unwrap().remove("synchronous");
    answer["user-presence-status"] = json!("inactive");
    answer["account-status"] = json!("standard");
    Mock::given(method("POST"))
        .and(path(USERS))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(golden()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
        .expect(1)
        .mount(&server)
        .await;

    let result = client.create(&full_request(), &options()).await.unwrap();
    let CreateResult::Created(user) = result else {
        panic!("a 200 is a created user: {result:?}");
    };
    assert_eq!(user.user, "1001");
    assert_eq!(user.email, ["jdoe@example.com", "jane@example.org"]);
    assert_eq!(user.user_scope, Some(UserScope::OfficeManager));
    assert_eq!(user.settings, full_request().settings);
    assert_eq!(user.presence_status.as_deref(), Some("inactive"));
    assert!(user.other.is_empty(), "{:?}", user.other);
}

#[tokio::test]
async fn unset_fields_are_left_out_and_202_is_accepted() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(USERS))
        .and(body_json(json!({
            "user": "1001", "name-first-name": "Jane", "name-last-name": "Doe",
            "email-address": "jdoe@example.com", "user-scope": "Basic User"
        })))
        .respond_with(
            ResponseTemplate::new(202)
                .set_body_json(json!({ "code": 202, "message": "Accepted" }))
                .insert_header("x-request-id", "req-7"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let request = CreateUser::new("1001", "Jane", "Doe", "jdoe@example.com");
    let result = client.create(&request, &options()).await.unwrap();
    let CreateResult::Accepted(ack) = result else {
        panic!("{result:?}");
    };
    assert_eq!(ack.code, Some(202));
    assert_eq!(ack.message.as_deref(), Some("Accepted"));
    assert_eq!(ack.request_id.as_deref(), Some("req-7"));
    let body: Value = serde_json::from_slice(&requests(&server).await[0].body).unwrap();
    assert!(!body.to_string().contains("null"), "{body}");
}

#[tokio::test]
async fn a_202_with_an_empty_or_foreign_body_is_still_accepted() {
    for response in [
        ResponseTemplate::new(202),
        ResponseTemplate::new(202).set_body_string("Accepted"),
    ] {
        let (server, client) = setup().await;
        Mock::given(method("POST"))
            .respond_with(response)
            .mount(&server)
            .await;
        let request = CreateUser::new("1001", "Jane", "Doe", "jdoe@example.com");
        let result = client.create(&request, &options()).await.unwrap();
        assert!(matches!(result, CreateResult::Accepted(_)), "{result:?}");
    }
}

#[tokio::test]
async fn portable_create_is_synchronous_by_default_and_maps_the_user() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(USERS))
        .and(body_json(json!({
            "synchronous": "yes", "user": "1001", "name-first-name": "Jane",
            "name-last-name": "Doe", "login-username": "jdoe@acme",
            "email-address": "jdoe@example.com", "user-scope": "Call Center Agent",
            "site": "HQ", "department": "Support", "time-zone": "US/Pacific"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("1001")))
        .expect(1)
        .mount(&server)
        .await;
    let user = person()
        .with_role("call center agent")
        .with_attribute("netsapiens.site", "HQ")
        .with_attribute("netsapiens.department", "Support")
        .with_attribute("netsapiens.time_zone", "US/Pacific");
    let outcome = client
        .create_user_opts(&user, &options().with_raw_json(true))
        .await
        .unwrap();
    let CreateOutcome::Created(created) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(created.id.as_str(), "1001");
    assert_eq!(created.username.as_deref(), Some("jdoe@acme"));
    assert_eq!(created.email.as_deref(), Some("jdoe@example.com"));
    assert_eq!(created.given_name.as_deref(), Some("Jane"));
    assert_eq!(created.family_name.as_deref(), Some("Doe"));
    assert_eq!(created.roles, ["Basic User"]);
    assert_eq!(
        created.created_at.map(|at| at.to_rfc3339()),
        Some("2024-03-01T10:00:00+00:00".into())
    );
    assert_eq!(created.updated_at, None, "a zone-less time is not guessed");
    assert_eq!(created.raw, user_json("1001"));
}

#[tokio::test]
async fn an_accepted_create_becomes_visible_after_some_polls() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(USERS))
        .and(body_json(json!({
            "synchronous": "no", "user": "1001", "name-first-name": "Jane",
            "name-last-name": "Doe", "login-username": "jdoe@acme",
            "email-address": "jdoe@example.com", "user-scope": "Basic User"
        })))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(json!({ "code": 202, "message": "Accepted" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{USERS}/1001")))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({ "code": 404, "message": "Record not found" })),
        )
        .up_to_n_times(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{USERS}/1001")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("1001")))
        .mount(&server)
        .await;

    let outcome = client
        .create_user_opts(
            &person().with_attribute("netsapiens.synchronous", false),
            &options().with_raw_json(true),
        )
        .await
        .unwrap();
    let CreateOutcome::Accepted(accepted) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(accepted.id, Some(UserId::new("1001")));
    assert_eq!(
        accepted.raw,
        Some(json!({ "code": 202, "message": "Accepted" }))
    );

    let wait = VisibilityWait::new()
        .with_backoff(Duration::from_millis(5), Duration::from_millis(20))
        .with_deadline(Duration::from_secs(5));
    let user = client
        .wait_until_visible("1001", &wait, &options())
        .await
        .unwrap();
    assert_eq!(user.user, "1001");
    let gets = requests(&server)
        .await
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .count();
    assert_eq!(gets, 4, "three 404s, then the user");
}

#[tokio::test]
async fn a_user_that_never_appears_times_out_as_not_yet_visible() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!("{USERS}/1001")))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({ "code": 404, "message": "Record not found" })),
        )
        .mount(&server)
        .await;
    let wait = VisibilityWait::new()
        .with_backoff(Duration::from_millis(10), Duration::from_millis(40))
        .with_deadline(Duration::from_millis(300));
    let started = Instant::now();
    let err = client
        .wait_until_visible("1001", &wait, &options())
        .await
        .unwrap_err();
    match &err {
        Error::NotYetVisible { id, waited, .. } => {
            assert_eq!(id.as_str(), "1001");
            assert!(*waited >= Duration::from_millis(300), "{waited:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("accepted"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(requests(&server).await.len() >= 3);
}

#[tokio::test]
async fn waiting_stops_at_once_on_an_error_that_is_not_404() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({ "code": 401, "message": "Authentication Required" })),
        )
        .mount(&server)
        .await;
    let err = client
        .wait_until_visible("1001", &VisibilityWait::new(), &options())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn every_documented_error_status_maps_to_its_variant() {
    type Case = (u16, &'static str, fn(&Error) -> bool);
    let cases: Vec<Case> = vec![
        (400, "Bad Request", |e| matches!(e, Error::Api(_))),
        (401, "Authentication Required", |e| {
            matches!(e, Error::Unauthenticated(_))
        }),
        (403, "Domain not found or access denied", |e| {
            matches!(e, Error::PermissionDenied(_))
        }),
        (404, "Record not found", |e| matches!(e, Error::NotFound(_))),
        (409, "UID already exists.", |e| {
            matches!(e, Error::Conflict(_))
        }),
    ];
    for (status, message, expected) in cases {
        let (server, client) = setup().await;
        Mock::given(method("POST"))
            .and(path(USERS))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(json!({ "code": status, "message": message })),
            )
            .mount(&server)
            .await;
        let err = client
            .create_user_opts(&person(), &options())
            .await
            .unwrap_err();
        assert!(expected(&err), "{status}: {err:?}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.provider_code(), Some(status.to_string().as_str()));
        let api = err.api_error().unwrap();
        assert_eq!(api.message, message);
        let body = api
            .detail
            .downcast_ref::<NetSapiensErrorBody>()
            .unwrap_or_else(|| panic!("{:?}", api.detail));
        assert_eq!(body.code, Some(status));
        assert_eq!(body.message.as_deref(), Some(message));
        assert_eq!(requests(&server).await.len(), 1, "{status}: sent once");
    }
}

#[tokio::test]
async fn a_create_is_never_re_sent_after_it_may_have_reached_the_server() {
    for status in [500u16, 502, 503, 504] {
        let (server, client) = setup().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        let err = client
            .create_user_opts(&person(), &options())
            .await
            .unwrap_err();
        let posts = requests(&server)
            .await
            .iter()
            .filter(|r| r.method.as_str() == "POST")
            .count();
        assert_eq!(posts, 1, "{status}: a create is sent once");
        // Every 5xx leaves the outcome unknown: the extension is read back (404 here:
        // not created).
        assert!(
            matches!(
                err,
                Error::OutcomeUnknown {
                    lookup: user_provisioner::CreateLookup::NotFound,
                    ..
                }
            ),
            "{status}: {err:?}"
        );
        assert_eq!(err.resend(), Some(user_provisioner::Resend::LookUpFirst));
        assert!(!err.is_retryable(), "{status}: not a plain retryable error");
    }
}

/// Requests whose every field is valid except the one named.
fn invalid_creates() -> Vec<(CreateUser, &'static str)> {
    let base = || CreateUser::new("1001", "Jane", "Doe", "jdoe@example.com");
    let with = |edit: fn(&mut CreateUser)| {
        let mut request = base();
        edit(&mut request);
        request
    };
    vec![
        (
            with(|r| r.settings.directory_name_number_dtmf_mapping = Some(99)),
            "directory-name-number-dtmf-mapping",
        ),
        (
            with(|r| r.settings.directory_name_number_dtmf_mapping = Some(1000)),
            "directory-name-number-dtmf-mapping",
        ),
        (with(|r| r.settings.area_code = Some(99)), "area-code"),
        (with(|r| r.settings.area_code = Some(1000)), "area-code"),
        (
            with(|r| r.settings.ring_no_answer_timeout_seconds = Some(3601)),
            "ring-no-answer-timeout-seconds",
        ),
        (
            with(|r| r.settings.limits_max_active_calls_total = Some(3601)),
            "limits-max-active-calls-total",
        ),
        (
            with(|r| r.settings.directory_override_order_duplicate_dtmf_mapping = Some(101)),
            "directory-override-order-duplicate-dtmf-mapping",
        ),
        (
            with(|r| {
                r.settings
                    .music_on_hold_comfort_message_repeat_interval_seconds = Some(3601)
            }),
            "music-on-hold-comfort-message-repeat-interval-seconds",
        ),
        (
            with(|r| r.user_scope = UserScope::Other("Root".into())),
            "user-scope",
        ),
        (
            with(|r| {
                r.settings.email_send_alert_new_voicemail_behavior =
                    Some(VoicemailAlertBehavior::Other("fax".into()))
            }),
            "email-send-alert-new-voicemail-behavior",
        ),
        (
            with(|r| {
                r.settings.voicemail_transcription_enabled =
                    Some(VoicemailTranscription::Other("Whisper".into()))
            }),
            "voicemail-transcription-enabled",
        ),
        (
            with(|r| {
                r.settings.recording_configuration =
                    Some(RecordingConfiguration::Other("always".into()))
            }),
            "recording-configuration",
        ),
        (
            with(|r| r.settings.voicemail_login_pin = Some("12ab".into())),
            "voicemail-login-pin",
        ),
        (
            with(|r| r.settings.caller_id_number = Some("  ".into())),
            "caller-id-number",
        ),
        (
            with(|r| {
                r.settings.email_send_alert_new_voicemail_cc_list_csv =
                    Some(vec!["1002,1003".into()])
            }),
            "email-send-alert-new-voicemail-cc-list-csv",
        ),
        (with(|r| r.settings.site = Some(String::new())), "site"),
        (with(|r| r.user = String::new()), "user"),
        (with(|r| r.user = "12345678901234567".into()), "user"),
        (with(|r| r.user = "~".into()), "user"),
        (with(|r| r.user = "count".into()), "user"),
        (with(|r| r.first_name = " ".into()), "name-first-name"),
        (with(|r| r.last_name = String::new()), "name-last-name"),
        (with(|r| r.email = Vec::new()), "email-address"),
        (
            with(|r| r.email = vec!["not-an-email".into()]),
            "email-address",
        ),
        (
            with(|r| r.email = vec!["a@b.co;c@d.co".into()]),
            "email-address",
        ),
        (
            with(|r| r.login_username = Some("j doe".into())),
            "login-username",
        ),
    ]
}

#[tokio::test]
async fn every_range_enum_and_format_is_checked_before_any_request() {
    let (server, client) = setup().await;
    for (request, field) in invalid_creates() {
        let err = client.create(&request, &options()).await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: ref named, .. } if named == field),
            "{field}: {err:?}"
        );
    }
    // The boundaries themselves are accepted by the checks (the request then fails on
    // the server, which answers nothing here).
    let mut edge = CreateUser::new("1001", "Jane", "Doe", "jdoe@example.com");
    edge.settings.directory_name_number_dtmf_mapping = Some(999);
    edge.settings.area_code = Some(100);
    edge.settings.ring_no_answer_timeout_seconds = Some(3600);
    edge.settings
        .directory_override_order_duplicate_dtmf_mapping = Some(0);
    edge.settings.limits_max_data_storage_kilobytes = Some(0);
    assert!(!matches!(
        client.create(&edge, &options()).await,
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(
        requests(&server).await.len(),
        1,
        "only the valid request was sent"
    );
}

#[tokio::test]
async fn bad_portable_and_native_input_sends_nothing() {
    let (server, client) = setup().await;
    let cases: Vec<(NewUser, RequestOptions, &str)> = vec![
        (
            NewUser::new("jdoe")
                .with_names("J", "D")
                .with_attribute("netsapiens.extension", "1"),
            options(),
            "email",
        ),
        (
            NewUser::new("jdoe")
                .with_email("j@x.co")
                .with_attribute("netsapiens.extension", "1"),
            options(),
            "given_name",
        ),
        (
            person().with_attribute("netsapiens.extension", Value::Null),
            options(),
            "attributes[\"netsapiens.extension\"]",
        ),
        (
            person().with_attribute("netsapiens.extension", "~"),
            options(),
            "attributes[\"netsapiens.extension\"]",
        ),
        (
            person().with_attribute("netsapiens.extension", true),
            options(),
            "attributes[\"netsapiens.extension\"]",
        ),
        (
            person().with_attribute("netsapiens.extensoin", "1"),
            options(),
            "attributes[\"netsapiens.extensoin\"]",
        ),
        (
            person().with_attribute("netsapiens.synchronous", "yes"),
            options(),
            "attributes[\"netsapiens.synchronous\"]",
        ),
        (
            person().with_role("Basic User").with_role("Reseller"),
            options(),
            "roles",
        ),
        (person().with_role("Galactic Overlord"), options(), "roles"),
        (person().with_email("jdoe@"), options(), "email"),
        (person().with_names("", "Doe"), options(), "given_name"),
        (
            person().with_attribute("netsapiens.site", ""),
            options(),
            "attributes[\"netsapiens.site\"]",
        ),
        (person().with_phone("+15551234567"), options(), "phone"),
        (person().with_password("Str0ngP@ss!"), options(), "password"),
        (
            person().with_display_name("Jane D."),
            options(),
            "display_name",
        ),
        (person().with_enabled(true), options(), "enabled"),
        (
            person().with_metadata("team", "blue"),
            options(),
            "metadata",
        ),
        (
            NewUser::new(" ")
                .with_email("j@x.co")
                .with_names("J", "D")
                .with_attribute("netsapiens.extension", "1"),
            options(),
            "username",
        ),
        (
            person(),
            options().with_idempotency_key(IdempotencyKey::random()),
            "idempotency_key",
        ),
    ];
    for (user, call, field) in cases {
        let err = client.create_user_opts(&user, &call).await.unwrap_err();
        // A create with several problems names them all; the first is the one meant.
        let named = match err.problems().first() {
            Some(problem) => problem.field.clone(),
            None => panic!("{field}: {err:?}"),
        };
        assert_eq!(named, field, "{err}");
    }
    for id in ["", "12345678901234567", "..", "count"] {
        let err = client
            .get_user_opts(&UserId::new(id), &options())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{id:?}: {err:?}");
    }
    let err = client
        .list(&ListQuery::new(1, 0), &options())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "limit"),
        "{err:?}"
    );
    let err = client
        .list(&ListQuery::new(1, 1001), &options())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "limit"),
        "{err:?}"
    );
    let err = client
        .update("1001", &UpdateUser::new(), &options())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "update"),
        "{err:?}"
    );
    let mut bad = UpdateUser::new();
    bad.settings.area_code = Some(5);
    let err = client.update("1001", &bad, &options()).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "area-code"),
        "{err:?}"
    );
    for domain in ["", "a/b", "*", &"d".repeat(65)] {
        assert!(client.for_domain(domain).is_err(), "{domain:?}");
    }
    let err = client
        .update_user_opts(
            &UserId::new("1001"),
            &UserUpdate::new().with_attribute("netsapiens.extension", "1002"),
            &options(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    let err = client
        .update_user_opts(
            &UserId::new("1001"),
            &UserUpdate::new().with_email("bad@"),
            &options(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "email"),
        "{err:?}"
    );
    let err = client
        .list_users_opts(
            &ListUsers::new().with_cursor(user_provisioner::PageCursor::from_stored("page-2")),
            &options(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "cursor"),
        "{err:?}"
    );
    assert!(requests(&server).await.is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn malformed_success_bodies_are_decode_errors_naming_the_field() {
    let cases = [
        (
            ResponseTemplate::new(200).set_body_json(json!({ "user": {"x": 1} })),
            "user",
        ),
        (
            ResponseTemplate::new(200).set_body_json(json!({ "domain": "acme" })),
            ".",
        ),
        (
            ResponseTemplate::new(200)
                .set_body_json(json!({ "user": "1001", "area-code": "north" })),
            "area-code",
        ),
        (
            ResponseTemplate::new(200)
                .set_body_json(json!({ "user": "1001", "voicemail-enabled": "maybe" })),
            "voicemail-enabled",
        ),
        (
            ResponseTemplate::new(200).set_body_string("{\"user\": \"10"),
            "user",
        ),
        (
            ResponseTemplate::new(200).set_body_raw("<html>Bad gateway</html>", "text/html"),
            ".",
        ),
        (ResponseTemplate::new(200), "."),
    ];
    for (response, expected_path) in cases {
        let (server, client) = setup().await;
        Mock::given(method("GET"))
            .respond_with(response)
            .mount(&server)
            .await;
        let err = client.get("1001", &options()).await.unwrap_err();
        match &err {
            Error::Decode { path, status, .. } => {
                assert!(path.contains(expected_path), "{expected_path}: {err}");
                assert_eq!(*status, 200);
            }
            other => panic!("{other:?}"),
        }
    }
}

// ---- get, list, count ---------------------------------------------------------------

#[tokio::test]
async fn the_default_domain_is_the_tokens_own() {
    let server = MockServer::start().await;
    let client = NetSapiensBuilder::new()
        .with_base_url(format!("{}/ns-api/v2", server.uri()))
        .with_token(TOKEN)
        .with_client_options(fast_options())
        .build()
        .unwrap();
    assert_eq!(client.domain(), "~");
    Mock::given(method("GET"))
        .and(path("/ns-api/v2/domains/~/users/1001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("1001")))
        .expect(1)
        .mount(&server)
        .await;
    let user = client
        .get_user_opts(&UserId::new("1001"), &options())
        .await
        .unwrap();
    assert_eq!(user.id.as_str(), "1001");
    let other = client.for_domain("other.example.com").unwrap();
    Mock::given(method("GET"))
        .and(path("/ns-api/v2/domains/other.example.com/users/count"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "total": 25 })))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(other.count(&options()).await.unwrap(), 25);
}

#[tokio::test]
async fn an_extension_is_one_encoded_path_segment() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!("{USERS}/a%20b%2Fc%3F")))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("a b/c?")))
        .expect(1)
        .mount(&server)
        .await;
    let user = client.get("a b/c?", &options()).await.unwrap();
    assert_eq!(user.user, "a b/c?");
}

#[tokio::test]
async fn get_decodes_both_spellings_and_lenient_values() {
    let (server, client) = setup().await;
    let body = json!({
        "user": 1001, "domain": "acme", "email": "a@x.com;b@x.com",
        "directory-announce-in-dial-by-name-enabled": "no", "privacy": "",
        "area-code": "212", "user-scope": "Cosmic Admin", "voicemail-enabled": true,
        "active-calls-total-current": 2, "account-status": "pwd reset", "future": [1]
    });
    Mock::given(method("GET"))
        .and(path(format!("{USERS}/1001")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&body))
        .mount(&server)
        .await;
    let user = client.get("1001", &options()).await.unwrap();
    assert_eq!(user.user, "1001");
    assert_eq!(user.email, ["a@x.com", "b@x.com"]);
    assert_eq!(
        user.settings.directory_announce_in_dial_by_name_enabled,
        Some(YesNo::No)
    );
    assert_eq!(user.settings.privacy, None);
    assert_eq!(user.settings.area_code, Some(212));
    assert_eq!(user.settings.voicemail_enabled, Some(YesNo::Yes));
    assert_eq!(
        user.user_scope,
        Some(UserScope::Other("Cosmic Admin".into()))
    );
    assert_eq!(user.active_calls_total_current, Some(2));
    assert_eq!(
        user.account_status,
        Some(user_provisioner::providers::netsapiens::AccountStatus::PasswordReset)
    );
    assert_eq!(user.other.get("future"), Some(&json!([1])));
    let portable = client
        .get_user_opts(&UserId::new("1001"), &options().with_raw_json(true))
        .await
        .unwrap();
    assert_eq!(portable.email.as_deref(), Some("a@x.com"));
    assert_eq!(portable.roles, ["Cosmic Admin"]);
    assert_eq!(portable.raw, body);
}

#[tokio::test]
async fn portable_list_pages_on_the_server_with_a_start_cursor() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(USERS))
        .and(query_param("start", "1"))
        .and(query_param("limit", "2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([user_json("1001"), user_json("1002")])),
        )
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(USERS))
        .and(query_param("start", "3"))
        .and(query_param("limit", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([user_json("1003")])))
        .expect(2)
        .mount(&server)
        .await;
    let first = client
        .list_users_opts(&ListUsers::new().with_page_size(2), &options())
        .await
        .unwrap();
    assert_eq!(first.users.len(), 2);
    let cursor = first.next.clone().expect("a second page");
    assert_eq!(cursor.as_str(), "3");
    let second = client
        .list_users_opts(
            &ListUsers::new().with_page_size(2).with_cursor(cursor),
            &options(),
        )
        .await
        .unwrap();
    assert_eq!(second.users[0].id.as_str(), "1003");
    assert!(second.next.is_none());

    let mut all = Vec::new();
    let mut page = Some(client.first_page(2));
    while let Some(query) = page {
        let users = client.list(&query, &options()).await.unwrap();
        page = query.next(users.len());
        all.extend(users);
    }
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn list_all_users_follows_the_cursor_and_a_zero_start_base_is_honoured() {
    let server = MockServer::start().await;
    let client = builder(&server).with_list_start_base(0).build().unwrap();
    Mock::given(method("GET"))
        .and(path(USERS))
        .and(query_param("start", "0"))
        .and(query_param("limit", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([user_json("1001")])))
        .expect(1)
        .mount(&server)
        .await;
    let all = client.list_all_users_opts(&options()).await.unwrap();
    assert_eq!(all.len(), 1);
}

/// Issue 11: a spec-valid negative `active-calls-total-current` (seen from a
/// spec-validating mock) and other read-only misfits never fail a get, a list or a count.
#[tokio::test]
async fn read_only_misfits_do_not_fail_a_get_list_or_count() {
    let (server, client) = setup().await;
    let mut user = user_json("1001");
    user["active-calls-total-current"] = json!(-87769879);
    let mut odd = user_json("1002");
    odd["account-status"] = json!(3);
    odd["created-datetime"] = json!({ "at": "now" });
    odd["active-calls-total-current"] = json!(1.5);
    Mock::given(method("GET"))
        .and(path(format!("{USERS}/1001")))
        .respond_with(ResponseTemplate::new(200).set_body_json(user.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{USERS}/count")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "total": -5 })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(USERS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([user, odd])))
        .mount(&server)
        .await;
    let got = client.get("1001", &options()).await.unwrap();
    assert_eq!(got.active_calls_total_current, Some(-87769879));
    assert_eq!(client.count(&options()).await.unwrap(), -5);
    let listed = client
        .list(&client.first_page(10), &options())
        .await
        .unwrap();
    assert_eq!(listed[1].account_status, None);
    assert_eq!(listed[1].other["account-status"], 3);
    assert_eq!(listed[1].other["created-datetime"], json!({ "at": "now" }));
    assert_eq!(listed[1].active_calls_total_current, None);
    assert_eq!(listed[1].other["active-calls-total-current"], 1.5);
    let portable = client
        .get_user_opts(&UserId::new("1001"), &options())
        .await
        .unwrap();
    assert_eq!(portable.id.as_str(), "1001");
}

#[tokio::test]
async fn a_bad_row_in_a_list_names_its_index_and_field() {
    let cases = [
        (json!({ "user": ["1002"] }), "[1].user"),
        (json!({ "user": "1002", "area-code": -1 }), "[1].area-code"),
    ];
    for (bad_row, expected) in cases {
        let (server, client) = setup().await;
        Mock::given(method("GET"))
            .and(path(USERS))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!([user_json("1001"), bad_row])),
            )
            .mount(&server)
            .await;
        let err = client
            .list(&client.first_page(10), &options())
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == expected),
            "{expected}: {err:?}"
        );
    }
}

// ---- update, delete -----------------------------------------------------------------

/// Issue 11, item 2: a PUT is a full replacement: the user is read, the change applied,
/// and every writable field sent (fields the change does not name survive).
#[tokio::test]
async fn update_reads_the_user_and_puts_a_full_replacement() {
    let (server, client) = setup().await;
    let mut stored = user_json("1001");
    stored["active-calls-total-current"] = json!(-3);
    stored["voicemail-login-pin"] = json!("4321");
    Mock::given(method("GET"))
        .and(path(format!("{USERS}/1001")))
        .respond_with(ResponseTemplate::new(200).set_body_json(stored))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{USERS}/1001")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(body_json(json!({
            "name-first-name": "Janet", "name-last-name": "Doe",
            "login-username": "jdoe@acme", "email-address": "janet@example.com",
            "user-scope": "Site Manager", "site": "Branch",
            "voicemail-enabled": "yes", "area-code": 858, "voicemail-login-pin": "4321"
        })))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(json!({ "code": 202, "message": "Accepted" })),
        )
        .expect(2)
        .mount(&server)
        .await;
    let mut change = UpdateUser::new();
    change.first_name = Some("Janet".into());
    change.email = Some(vec!["janet@example.com".into()]);
    change.user_scope = Some(UserScope::SiteManager);
    change.settings.site = Some("Branch".into());
    let ack = client.update("1001", &change, &options()).await.unwrap();
    assert_eq!(ack.code, Some(202));

    let update = UserUpdate::new()
        .with_email("janet@example.com")
        .with_roles(["site manager"])
        .with_attribute("netsapiens.site", "Branch");
    let mut update = update;
    update.given_name = user_provisioner::Patch::Set("Janet".into());
    let outcome = client
        .update_user_opts(&UserId::new("1001"), &update, &options())
        .await
        .unwrap();
    let UpdateOutcome::Accepted(accepted) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(accepted.id, Some(UserId::new("1001")));
    let methods: Vec<String> = requests(&server)
        .await
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(methods, ["GET", "PUT", "GET", "PUT"]);
}

/// A replacement that would lack a field the PUT must carry is refused after the read,
/// before the PUT, naming the field; a change the provider cannot apply is refused
/// before any request.
#[tokio::test]
async fn an_update_that_cannot_be_a_full_replacement_is_refused_before_the_put() {
    let (server, client) = setup().await;
    let mut stored = user_json("1001");
    stored.as_object_mut().unwrap().remove("name-last-name");
    Mock::given(method("GET"))
        .and(path(format!("{USERS}/1001")))
        .respond_with(ResponseTemplate::new(200).set_body_json(stored))
        .mount(&server)
        .await;
    let mut change = UpdateUser::new();
    change.first_name = Some("Janet".into());
    let err = client
        .update("1001", &change, &options())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "name-last-name"),
        "{err:?}"
    );
    change.last_name = Some("Doe".into());
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    client.update("1001", &change, &options()).await.unwrap();

    server.reset().await;
    let update = UserUpdate::new().with_attribute("netsapiens.extension", "1002");
    let err = client
        .update_user_opts(&UserId::new("1001"), &update, &options())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unsupported { ref field, .. } if field.contains("extension")),
        "{err:?}"
    );
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn delete_is_accepted_and_an_unknown_user_is_not_found() {
    let (server, client) = setup().await;
    Mock::given(method("DELETE"))
        .and(path(format!("{USERS}/1001")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{USERS}/9999")))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({ "code": 404, "message": "Record not found" })),
        )
        .mount(&server)
        .await;
    let outcome = client
        .delete_user_opts(&UserId::new("1001"), &options())
        .await
        .unwrap();
    assert!(matches!(outcome, DeleteOutcome::Accepted(ref a) if a.id == Some(UserId::new("1001"))));
    let err = client.delete("9999", &options()).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(requests(&server).await.iter().all(|r| r.body.is_empty()));
}

// ---- extension allocation -----------------------------------------------------------

#[tokio::test]
async fn allocation_takes_the_lowest_free_extension_and_moves_on_after_409() {
    let server = MockServer::start().await;
    let client = builder(&server)
        .with_extension_range(2000..=2005)
        .build()
        .unwrap();
    Mock::given(method("GET"))
        .and(path(USERS))
        .and(query_param("start", "1"))
        .and(query_param("limit", "1000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            user_json("2000"),
            user_json("2002"),
            user_json("front-desk"),
            user_json("1999")
        ])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(USERS))
        .and(body_json(json!({
            "synchronous": "yes", "user": "2001", "name-first-name": "Jane",
            "name-last-name": "Doe", "login-username": "jdoe@acme",
            "email-address": "jdoe@example.com", "user-scope": "Basic User"
        })))
        .respond_with(
            ResponseTemplate::new(409)
                .set_body_json(json!({ "code": 409, "message": "UID already exists." })),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(USERS))
        .and(body_json(json!({
            "synchronous": "yes", "user": "2003", "name-first-name": "Jane",
            "name-last-name": "Doe", "login-username": "jdoe@acme",
            "email-address": "jdoe@example.com", "user-scope": "Basic User"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("2003")))
        .expect(1)
        .mount(&server)
        .await;
    let user = NewUser::new("jdoe@acme")
        .with_email("jdoe@example.com")
        .with_names("Jane", "Doe");
    let outcome = client.create_user_opts(&user, &options()).await.unwrap();
    assert_eq!(outcome.id().map(UserId::as_str), Some("2003"));
}

#[tokio::test]
async fn allocation_gives_up_after_its_attempts_and_on_a_full_range() {
    let server = MockServer::start().await;
    let client = builder(&server)
        .with_extension_range(3000..=3009)
        .with_allocation_attempts(2)
        .build()
        .unwrap();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(409)
                .set_body_json(json!({ "code": 409, "message": "login taken" })),
        )
        .mount(&server)
        .await;
    let user = NewUser::new("taken@acme")
        .with_email("t@example.com")
        .with_names("T", "K");
    let err = client
        .create_user_opts(&user, &options())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    let posts = requests(&server)
        .await
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 2);

    let full = MockServer::start().await;
    let client = builder(&full)
        .with_extension_range(4000..=4001)
        .build()
        .unwrap();
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([user_json("4000"), user_json("4001")])),
        )
        .mount(&full)
        .await;
    let err = client
        .create_user_opts(&user, &options())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Config { ref field, .. } if field == "extension_range"),
        "{err:?}"
    );
    assert!(requests(&full)
        .await
        .iter()
        .all(|r| r.method.as_str() == "GET"));
}

// ---- configuration and secrets ------------------------------------------------------

#[test]
fn configuration_errors_name_the_setting() {
    let missing_token = NetSapiensBuilder::new()
        .with_base_url("https://pbx.example.com/ns-api/v2")
        .build()
        .unwrap_err();
    assert!(matches!(missing_token, Error::Config { ref field, .. } if field == "token"));
    let missing_url = NetSapiensBuilder::new()
        .with_token(TOKEN)
        .build()
        .unwrap_err();
    assert!(matches!(missing_url, Error::Config { ref field, .. } if field == "base_url"));
    let base = || {
        NetSapiensBuilder::new()
            .with_base_url("https://pbx.example.com/ns-api/v2")
            .with_token(TOKEN)
    };
    let long_domain = base().with_domain("d".repeat(65)).build().unwrap_err();
    assert!(matches!(long_domain, Error::Config { ref field, .. } if field == "domain"));
    assert!(base().with_domain("d".repeat(64)).build().is_ok());
    #[allow(clippy::reversed_empty_ranges)]
    let empty = base().with_extension_range(10..=1).build().unwrap_err();
    assert!(matches!(empty, Error::Config { ref field, .. } if field == "extension_range"));
    let start = base().with_list_start_base(2).build().unwrap_err();
    assert!(matches!(start, Error::Config { ref field, .. } if field == "list_start_base"));
    let cleartext = NetSapiensBuilder::new()
        .with_base_url("http://pbx.example.com/ns-api/v2")
        .with_token(TOKEN)
        .build()
        .unwrap_err();
    assert!(matches!(cleartext, Error::Config { ref field, .. } if field == "base_url"));
}

/// Runs [`from_env_in_a_child_process`] in a child process with the variables set, so
/// that no test changes the environment of the threads around it.
#[test]
fn from_env_reads_the_three_variables() {
    use user_provisioner::providers::netsapiens::{ENV_BASE_URL, ENV_DOMAIN, ENV_TOKEN};
    let child = |with_token: bool| {
        let mut command = std::process::Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "--exact",
                "from_env_in_a_child_process",
                "--ignored",
                "--nocapture",
            ])
            .env(ENV_BASE_URL, "https://pbx.example.com/ns-api/v2")
            .env(ENV_DOMAIN, "acme");
        if with_token {
            command.env(ENV_TOKEN, TOKEN);
        } else {
            command.env_remove(ENV_TOKEN);
        }
        let output = command.output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        (output.status.success(), text)
    };
    let (ok, text) = child(true);
    assert!(ok, "{text}");
    let (ok, text) = child(false);
    assert!(!ok, "without the token the child must fail: {text}");
    assert!(
        text.contains("not configured: invalid configuration: token"),
        "{text}"
    );
}

#[test]
#[ignore = "run by from_env_reads_the_three_variables with the variables set"]
fn from_env_in_a_child_process() {
    use user_provisioner::providers::netsapiens::ENV_TOKEN;
    let client = match NetSapiensBuilder::from_env().build() {
        Ok(client) => client,
        Err(err) => {
            assert!(
                matches!(err, Error::Config { ref field, ref reason } if field == "token" && reason.contains(ENV_TOKEN)),
                "{err:?}"
            );
            panic!("not configured: {err}");
        }
    };
    assert_eq!(client.domain(), "acme");
    assert_eq!(
        client.base_url().as_str(),
        "https://pbx.example.com/ns-api/v2/"
    );
}

#[tokio::test]
async fn no_debug_or_display_carries_the_token_or_the_pin() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({ "code": 401, "message": format!("bad token {TOKEN}") })),
        )
        .mount(&server)
        .await;
    let request = full_request();
    let err = client.create(&request, &options()).await.unwrap_err();
    let shown = [
        format!("{client:?}"),
        format!("{:?}", builder(&server)),
        format!("{request:?}"),
        format!("{err:?} {err}"),
    ];
    for text in shown {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains("4321"), "pin leaked: {text}");
    }
    assert!(err.to_string().contains("bad token ***"), "{err}");
}

#[test]
fn clients_are_object_safe_and_declare_accepted_creates() {
    let client = NetSapiensBuilder::new()
        .with_base_url("https://pbx.example.com/ns-api/v2")
        .with_token(TOKEN)
        .build()
        .unwrap();
    let shared: Arc<dyn UserProvisioner> = Arc::new(client);
    assert_eq!(shared.provider(), user_provisioner::Provider::NETSAPIENS);
    let capabilities = shared.capabilities();
    assert!(capabilities.accepted_creates && capabilities.server_side_paging);
    assert!(!capabilities.idempotent_create && !capabilities.stores(Field::Password));
}

#[tokio::test]
async fn a_listed_user_carries_its_own_json_only_when_asked() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(USERS))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([user_json("1001"), user_json("1002")])),
        )
        .expect(2)
        .mount(&server)
        .await;
    let list = ListUsers::new().with_page_size(2);
    let plain = client.list_users_opts(&list, &options()).await.unwrap();
    assert_eq!(plain.users.len(), 2, "every user, with or without raw JSON");
    assert!(plain.users.iter().all(|user| user.raw.is_null()));
    let kept = client
        .list_users_opts(&list, &options().with_raw_json(true))
        .await
        .unwrap();
    assert_eq!(kept.users.len(), 2);
    assert_eq!(kept.users[0].raw, user_json("1001"));
    assert_eq!(kept.users[1].raw, user_json("1002"));
}
