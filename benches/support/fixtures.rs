//! Realistic requests and answers of each provider, shared by the benches: fully
//! populated native creates, the portable users that stand for them, and the bodies a
//! server sends back (shaped as the vendor docs under `shared/specs/` and the crate's
//! emulators describe them).

// Shared by several bench binaries; each uses part of it.
#![allow(dead_code)]

use user_provisioner::providers::{connect, ece, jambonz, netsapiens};
use user_provisioner::NewUser;

use ece::EceRole;
use netsapiens::{
    RecordingConfiguration, UserScope, VoicemailAlertBehavior, VoicemailTranscription, YesNo,
};

pub const PASSWORD: &str = "Str0ngP@ssw0rd!";

// ---- jambonz ------------------------------------------------------------------------

pub const JAMBONZ_SID: &str = "a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d";
pub const JAMBONZ_ACCOUNT: &str = "9d1a8a2e-0c3b-4f7a-8f55-2d0f6ad4c0de";
pub const JAMBONZ_PROVIDER: &str = "2708b1b3-2736-40ea-b502-c53d8396247f";

/// `POST /v1/Users` with every documented field set.
pub fn jambonz_create() -> jambonz::CreateUser {
    let mut request = jambonz::CreateUser::new("jdoe", "jdoe@example.com", PASSWORD);
    request.is_active = true;
    request.force_change = true;
    request.is_view_only = false;
    request.account_sid = Some(JAMBONZ_ACCOUNT.parse().expect("uuid"));
    request.service_provider_sid = Some(JAMBONZ_PROVIDER.parse().expect("uuid"));
    request
}

/// The portable user whose jambonz create is [`jambonz_create`].
pub fn jambonz_new_user() -> NewUser {
    NewUser::new("jdoe")
        .with_email("jdoe@example.com")
        .with_password(PASSWORD)
        .with_enabled(true)
        .with_attribute("jambonz.account_sid", JAMBONZ_ACCOUNT)
        .with_attribute("jambonz.service_provider_sid", JAMBONZ_PROVIDER)
        .with_attribute("jambonz.is_view_only", false)
        .with_attribute("jambonz.force_change", true)
}

/// What the portable create of [`jambonz_new_user`] sends.
pub fn jambonz_portable_create() -> jambonz::CreateUser {
    jambonz_create()
}

/// `GET /v1/Users/{sid}` as jambonz-api-server v0.9.6 answers it.
pub const JAMBONZ_USER: &str = r#"{"user_sid":"a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d","name":"jdoe","email":"jdoe@example.com","pending_email":null,"phone":null,"account_sid":"9d1a8a2e-0c3b-4f7a-8f55-2d0f6ad4c0de","service_provider_sid":"2708b1b3-2736-40ea-b502-c53d8396247f","force_change":1,"provider":"local","provider_userid":null,"scope":"read-write","phone_activation_code":null,"email_activation_code":null,"email_validated":0,"phone_validated":0,"email_content_opt_out":0,"is_active":1,"is_view_only":false}"#;

/// The `201` of a create.
pub const JAMBONZ_CREATED: &str = r#"{"user_sid":"a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d"}"#;

/// The `422` of a duplicate name or email.
pub const JAMBONZ_ERROR: &str = r#"{"msg":"invalid username or email"}"#;

// ---- NetSapiens ---------------------------------------------------------------------

pub const NETSAPIENS_DOMAIN: &str = "acme";
pub const NETSAPIENS_EXTENSION: &str = "1001";

/// `POST /domains/{domain}/users` with every documented field set (the crate's golden
/// create, `tests/data/netsapiens-create-user-full.json`).
pub fn netsapiens_create() -> netsapiens::CreateUser {
    let mut request =
        netsapiens::CreateUser::new(NETSAPIENS_EXTENSION, "Jane", "Doe", "jdoe@example.com");
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

/// A portable user with everything the NetSapiens mapping stores.
pub fn netsapiens_new_user() -> NewUser {
    NewUser::new("jdoe@acme")
        .with_email("jdoe@example.com")
        .with_names("Jane", "Doe")
        .with_role("Office Manager")
        .with_attribute("netsapiens.extension", NETSAPIENS_EXTENSION)
        .with_attribute("netsapiens.department", "Sales")
        .with_attribute("netsapiens.site", "New Braunfels")
        .with_attribute("netsapiens.time_zone", "US/Eastern")
}

/// What the portable create of [`netsapiens_new_user`] sends: the portable model has no
/// place for most settings, so this is smaller than [`netsapiens_create`].
pub fn netsapiens_portable_create() -> netsapiens::CreateUser {
    let mut request =
        netsapiens::CreateUser::new(NETSAPIENS_EXTENSION, "Jane", "Doe", "jdoe@example.com");
    request.synchronous = Some(YesNo::Yes);
    request.login_username = Some("jdoe@acme".into());
    request.user_scope = UserScope::OfficeManager;
    request.settings.department = Some("Sales".into());
    request.settings.site = Some("New Braunfels".into());
    request.settings.time_zone = Some("US/Eastern".into());
    request
}

/// The user of [`netsapiens_create`] as `GET .../users/1001` (and the synchronous
/// create) answers it: every setting, plus what the server sets.
pub const NETSAPIENS_USER: &str = r#"{"domain":"acme","user":"1001","name-first-name":"Jane","name-last-name":"Doe","login-username":"jdoe@acme","email-address":"jdoe@example.com;jane@example.org","user-scope":"Office Manager","department":"Sales","site":"New Braunfels","time-zone":"US/Eastern","voicemail-login-pin":"4321","privacy":"no","dial-plan":"Default","dial-policy":"US and Canada","status-message":"PTO till 3/15","directory-name-number-dtmf-mapping":526,"voicemail-user-control-enabled":"yes","phone-numbers-to-allow-enabled":"yes","phone-numbers-to-reject-enabled":"no","call-screening-enabled":"no","ring-no-answer-timeout-seconds":25,"language-token":"en_US","limits-max-data-storage-kilobytes":50000,"limits-max-active-calls-total":15,"directory-annouce-in-dial-by-name-enabled":"yes","directory-override-order-duplicate-dtmf-mapping":1,"voicemail-greeting-index":0,"voicemail-enabled":"yes","voicemail-receive-broadcast-enabled":"yes","reject-anonymous-calls-enabled":"no","voicemail-playback-announce-datetime-received":"yes","voicemail-playback-announce-caller-id":"yes","voicemail-playback-sort-newest-to-oldest":"no","email-send-alert-new-voicemail-cc-list-csv":"1002,3000","email-send-alert-new-voicemail-behavior":"briefattsave","email-send-alert-new-voicemail-enabled":"yes","email-send-alert-new-missed-call-enabled":"no","email-send-alert-data-storage-limit-reached-enabled":"yes","caller-id-number":"18585551234","caller-id-name":"Acme Sales","caller-id-number-emergency":"18585550911","area-code":858,"directory-name-visible-in-list-enabled":"yes","service-code":"system-test","voicemail-transcription-enabled":"Deepgram","emergency-address-id":"addr-42","call-recordings-hide-from-others-enabled":"no","music-on-hold-randomized-enabled":"yes","music-on-hold-comfort-message-repeat-interval-seconds":45,"recording-configuration":"yes-with-transcription-and-sentiment","user-presence-status":"inactive","active-calls-total-current":0,"account-status":"new","created-datetime":"2024-03-01 10:00:00","last-modified-datetime":"2024-03-01 10:00:00"}"#;

/// The `409` of a taken extension, as in the vendor's example.
pub const NETSAPIENS_ERROR: &str = r#"{"code":409,"message":"UID already exists."}"#;

// ---- Telness Connect ----------------------------------------------------------------

pub const CONNECT_USER_ID: &str = "usr_01HF3Z8K2M4N6P8Q0R2S4T6V8W";

/// `POST /users` with every documented field set.
pub fn connect_create() -> connect::CreateUser {
    let mut request = connect::CreateUser::new("John Doe");
    request.email = Some("john.doe@example.com".into());
    request.msisdn = Some("+15551234567".into());
    request.identity = Some("195001011234".into());
    let mut metadata = serde_json::Map::new();
    metadata.insert("department".into(), "sales".into());
    metadata.insert("employee_id".into(), 4711.into());
    request.metadata = Some(metadata);
    request
}

/// The portable user whose Connect create is [`connect_create`].
pub fn connect_new_user() -> NewUser {
    NewUser::new("jdoe")
        .with_display_name("John Doe")
        .with_email("john.doe@example.com")
        .with_phone("+15551234567")
        .with_attribute("connect.identity", "195001011234")
        .with_metadata("department", "sales")
        .with_metadata("employee_id", 4711)
}

/// What the portable create of [`connect_new_user`] sends.
pub fn connect_portable_create() -> connect::CreateUser {
    connect_create()
}

/// A user as `GET /users/{id}` and the create's `201` return it.
pub const CONNECT_USER: &str = r#"{"userId":"usr_01HF3Z8K2M4N6P8Q0R2S4T6V8W","name":"John Doe","email":"john.doe@example.com","msisdn":"+15551234567","identity":"195001011234","customerIds":["cus_01HF3Z9A1B2C3D4E5F6G7H8J9K"],"customers":[{"customerId":"cus_01HF3Z9A1B2C3D4E5F6G7H8J9K","name":"Acme AB"}],"createdAt":"2023-11-07T05:31:56.123Z","updatedAt":"2023-11-07T05:31:56.123Z","metadata":{"department":"sales","employee_id":4711}}"#;

/// A `400` with one property detail.
pub const CONNECT_ERROR: &str = r#"{"message":"Validation failed","code":"VALIDATION_ERROR","details":[{"message":"must be an E.164 number","code":"INVALID_FORMAT","property":"msisdn","suggestion":"Give the number as +<country><number>."}],"hint":"Correct the listed properties and send the request again."}"#;

// ---- Elastic Cloud Enterprise -------------------------------------------------------

pub const ECE_USER_NAME: &str = "jdoe";

/// `POST /api/v1/users` with every field a create may set.
pub fn ece_create() -> ece::CreateUser {
    let mut request = ece::CreateUser::new(ECE_USER_NAME, vec![EceRole::DeploymentManager]);
    request.security.password = Some(PASSWORD.into());
    request.security.enabled = Some(true);
    request.full_name = Some("Jane Doe".into());
    request.email = Some("jdoe@example.com".into());
    request
}

/// The portable user whose ECE create is [`ece_create`].
pub fn ece_new_user() -> NewUser {
    NewUser::new(ECE_USER_NAME)
        .with_email("jdoe@example.com")
        .with_display_name("Jane Doe")
        .with_password(PASSWORD)
        .with_role("ece_deployment_manager")
        .with_enabled(true)
}

/// What the portable create of [`ece_new_user`] sends.
pub fn ece_portable_create() -> ece::CreateUser {
    ece_create()
}

/// A user as `GET /api/v1/users/{name}` and the create's `200` return it.
pub const ECE_USER: &str = r#"{"user_name":"jdoe","builtin":false,"security":{"roles":["ece_deployment_manager"],"permissions":["get-deployment","list-deployments","create-deployment","update-deployment","delete-deployment"],"enabled":true,"security_realm":{"type":"native","id":"native"}},"metadata":{"created_by":"admin","created_at":"2025-05-04T09:42:00.000Z","updated_by":"admin","updated_at":"2025-05-04T09:42:00.000Z"},"full_name":"Jane Doe","email":"jdoe@example.com"}"#;

/// The `409` of a taken user name (with `x-cloud-error-codes: user.user_name.conflict`).
pub const ECE_ERROR: &str = r#"{"errors":[{"code":"user.user_name.conflict","message":"The username is already in use.","fields":["user_name"]}]}"#;

// ---- SCIM 2.0 -----------------------------------------------------------------------

// In a module of its own only to gate it on the feature at once; re-exported so that
// the benches name these like every other provider's (a bench using none of them, such
// as codec, leaves the re-export unused, as the dead_code allowance above does).
#[cfg(feature = "scim-client")]
#[allow(unused_imports)]
pub use self::scim::*;

#[cfg(feature = "scim-client")]
mod scim {
    use user_provisioner::scim::model::{EnterpriseUser, Manager, MultiValued, Name, ScimUser};
    use user_provisioner::{NewUser, Secret};

    use super::PASSWORD;

    pub const SCIM_USER_ID: &str = "2819c223-7f76-453a-919d-413861904646";
    pub const SCIM_MANAGER_ID: &str = "26118915-6090-4610-87e4-49d8ca9f808d";
    /// The `ETag` of [`SCIM_USER`] and [`SCIM_CREATED`] (also their `meta.version`).
    pub const SCIM_VERSION: &str = "W/\"a330bc54f0671c9\"";
    pub const SCIM_LOCATION: &str =
        "https://scim.example.com/scim/v2/Users/2819c223-7f76-453a-919d-413861904646";

    /// The enterprise extension every SCIM fixture sets.
    fn enterprise(manager: Manager) -> EnterpriseUser {
        let mut enterprise = EnterpriseUser::default();
        enterprise.employee_number = Some("004711".into());
        enterprise.cost_center = Some("4130".into());
        enterprise.organization = Some("Acme".into());
        enterprise.division = Some("Americas".into());
        enterprise.department = Some("Sales".into());
        enterprise.manager = Some(manager);
        enterprise
    }

    fn manager() -> Manager {
        let mut manager = Manager::default();
        manager.value = Some(SCIM_MANAGER_ID.into());
        manager
    }

    /// `POST /Users` as an identity provider sends it: the core attributes a directory
    /// holds (name parts, two emails and phones, a role), a password and the enterprise
    /// extension, with its declared `schemas` (what the crate sends).
    pub fn scim_create() -> ScimUser {
        let mut user = ScimUser::new("jdoe@example.com");
        user.external_id = Some("hr-004711".into());
        let mut name = Name::new("Jane", "Doe");
        name.formatted = Some("Ms. Jane Q. Doe".into());
        name.middle_name = Some("Quinn".into());
        name.honorific_prefix = Some("Ms.".into());
        user.name = Some(name);
        user.display_name = Some("Jane Doe".into());
        user.title = Some("Account Executive".into());
        user.user_type = Some("Employee".into());
        user.preferred_language = Some("en-US".into());
        user.locale = Some("en-US".into());
        user.timezone = Some("America/Chicago".into());
        user.active = Some(true);
        user.password = Some(Secret::new(PASSWORD));
        let mut home = MultiValued::new("jane@example.org");
        home.kind = Some("home".into());
        user.emails = vec![MultiValued::primary("jdoe@example.com", "work"), home];
        let mut mobile = MultiValued::new("+15557654321");
        mobile.kind = Some("mobile".into());
        user.phone_numbers = vec![MultiValued::primary("+15551234567", "work"), mobile];
        let mut role = MultiValued::new("sales-agent");
        role.display = Some("Sales agent".into());
        role.primary = Some(true);
        user.roles = vec![role];
        user.enterprise = Some(enterprise(manager()));
        user.with_declared_schemas()
    }

    /// The portable user with everything the SCIM mapping stores.
    pub fn scim_new_user() -> NewUser {
        NewUser::new("jdoe@example.com")
            .with_email("jdoe@example.com")
            .with_names("Jane", "Doe")
            .with_display_name("Jane Doe")
            .with_phone("+15551234567")
            .with_password(PASSWORD)
            .with_enabled(true)
            .with_role("sales-agent")
            .with_attribute("scim.externalId", "hr-004711")
            .with_attribute("scim.title", "Account Executive")
            .with_attribute("scim.userType", "Employee")
            .with_attribute("scim.preferredLanguage", "en-US")
            .with_attribute("scim.locale", "en-US")
            .with_attribute("scim.timezone", "America/Chicago")
            .with_attribute("scim.enterprise.employeeNumber", "004711")
            .with_attribute("scim.enterprise.costCenter", "4130")
            .with_attribute("scim.enterprise.organization", "Acme")
            .with_attribute("scim.enterprise.division", "Americas")
            .with_attribute("scim.enterprise.department", "Sales")
            .with_attribute("scim.enterprise.manager", SCIM_MANAGER_ID)
    }

    /// What the portable create of [`scim_new_user`] sends: one email and one phone,
    /// each the primary `work` value, roles by value only, and no `name.formatted`.
    pub fn scim_portable_create() -> ScimUser {
        let mut user = ScimUser::new("jdoe@example.com");
        user.external_id = Some("hr-004711".into());
        user.name = Some(Name::new("Jane", "Doe"));
        user.display_name = Some("Jane Doe".into());
        user.title = Some("Account Executive".into());
        user.user_type = Some("Employee".into());
        user.preferred_language = Some("en-US".into());
        user.locale = Some("en-US".into());
        user.timezone = Some("America/Chicago".into());
        user.active = Some(true);
        user.password = Some(Secret::new(PASSWORD));
        user.emails = vec![MultiValued::primary("jdoe@example.com", "work")];
        user.phone_numbers = vec![MultiValued::primary("+15551234567", "work")];
        user.roles = vec![MultiValued::new("sales-agent")];
        user.enterprise = Some(enterprise(manager()));
        user.with_declared_schemas()
    }

    /// `GET /Users/{id}` as a service provider answers it (RFC 7643 §8.2's full user,
    /// with the server's `meta`, a group membership and the manager's display name).
    pub const SCIM_USER: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"id":"2819c223-7f76-453a-919d-413861904646","externalId":"hr-004711","meta":{"resourceType":"User","created":"2024-03-01T10:00:00.000Z","lastModified":"2024-05-13T04:42:34.000Z","location":"https://scim.example.com/scim/v2/Users/2819c223-7f76-453a-919d-413861904646","version":"W/\"a330bc54f0671c9\""},"userName":"jdoe@example.com","name":{"formatted":"Ms. Jane Q. Doe","familyName":"Doe","givenName":"Jane","middleName":"Quinn","honorificPrefix":"Ms."},"displayName":"Jane Doe","title":"Account Executive","userType":"Employee","preferredLanguage":"en-US","locale":"en-US","timezone":"America/Chicago","active":true,"emails":[{"value":"jdoe@example.com","type":"work","primary":true},{"value":"jane@example.org","type":"home"}],"phoneNumbers":[{"value":"+15551234567","type":"work","primary":true},{"value":"+15557654321","type":"mobile"}],"groups":[{"value":"e9e30dba-f08f-4109-8486-d5c6a331660a","$ref":"https://scim.example.com/scim/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a","display":"Sales","type":"direct"}],"roles":[{"value":"sales-agent","display":"Sales agent","primary":true}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"004711","costCenter":"4130","organization":"Acme","division":"Americas","department":"Sales","manager":{"value":"26118915-6090-4610-87e4-49d8ca9f808d","$ref":"https://scim.example.com/scim/v2/Users/26118915-6090-4610-87e4-49d8ca9f808d","displayName":"John Smith"}}}"#;

    /// The `201` of a create (with `Location` and `ETag`): the resource as stored, no
    /// password, `meta` set, no groups yet.
    pub const SCIM_CREATED: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"id":"2819c223-7f76-453a-919d-413861904646","externalId":"hr-004711","meta":{"resourceType":"User","created":"2024-05-13T04:42:34.000Z","lastModified":"2024-05-13T04:42:34.000Z","location":"https://scim.example.com/scim/v2/Users/2819c223-7f76-453a-919d-413861904646","version":"W/\"a330bc54f0671c9\""},"userName":"jdoe@example.com","name":{"formatted":"Ms. Jane Q. Doe","familyName":"Doe","givenName":"Jane","middleName":"Quinn","honorificPrefix":"Ms."},"displayName":"Jane Doe","title":"Account Executive","userType":"Employee","preferredLanguage":"en-US","locale":"en-US","timezone":"America/Chicago","active":true,"emails":[{"value":"jdoe@example.com","type":"work","primary":true},{"value":"jane@example.org","type":"home"}],"phoneNumbers":[{"value":"+15551234567","type":"work","primary":true},{"value":"+15557654321","type":"mobile"}],"roles":[{"value":"sales-agent","display":"Sales agent","primary":true}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"004711","costCenter":"4130","organization":"Acme","division":"Americas","department":"Sales","manager":{"value":"26118915-6090-4610-87e4-49d8ca9f808d","$ref":"https://scim.example.com/scim/v2/Users/26118915-6090-4610-87e4-49d8ca9f808d","displayName":"John Smith"}}}"#;
}
