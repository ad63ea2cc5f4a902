//! NetSapiens v2 request and response models, with the server's JSON names.
//!
//! [`UserSettings`] holds the optional settings shared by [`CreateUser`],
//! [`UpdateUser`] and [`NetSapiensUser`]; it is flattened into each, so its fields appear
//! at the top level of the JSON. Unset fields are left out of a request, never sent as
//! `null`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::secret::Secret;
use crate::update::Patch;

use super::enums::{
    AccountStatus, RecordingConfiguration, UserScope, VoicemailAlertBehavior,
    VoicemailTranscription, YesNo,
};
use super::wire;
use crate::lenient::{fits, lenient_model};

/// The optional settings of a NetSapiens user, each with its vendor JSON name (the Rust
/// name is the JSON name in snake case, except where noted).
///
/// Ranges are checked before sending ([`NetSapiensClient::create`](super::NetSapiensClient::create)
/// and [`update`](super::NetSapiensClient::update)); the defaults noted are the
/// server's, applied when a field is left unset.
///
/// ```
/// use user_provisioner::providers::netsapiens::{UserSettings, YesNo};
///
/// let mut settings = UserSettings::default();
/// settings.area_code = Some(212);
/// settings.voicemail_enabled = Some(YesNo::Yes);
/// assert_eq!(
///     serde_json::to_value(&settings).unwrap(),
///     serde_json::json!({ "area-code": 212, "voicemail-enabled": "yes" })
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct UserSettings {
    /// `department`: any text grouping users; need not exist beforehand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// `site`: the user's location; an unknown site is created (within the domain's
    /// site limit) and a known one passes some settings on to new users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// `time-zone`, such as `US/Eastern`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// `voicemail-login-pin`: the numeric PIN for the voicemail IVR (digits only; sent as
    /// a string, see the module docs). Never shown by `Debug`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "Secret::serialize_exposed_opt",
        deserialize_with = "wire::de_secret"
    )]
    pub voicemail_login_pin: Option<Secret>,
    /// `privacy`: request caller-id blocking on outbound calls (default `no`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub privacy: Option<YesNo>,
    /// `dial-plan`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dial_plan: Option<String>,
    /// `dial-policy`: which destinations the user may dial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dial_policy: Option<String>,
    /// `status-message`, such as `PTO till 3/15`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// `directory-name-number-dtmf-mapping`: 100..=999, the first three letters of the
    /// name on a phone keypad (Smith is 764).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_number"
    )]
    pub directory_name_number_dtmf_mapping: Option<u32>,
    /// `voicemail-user-control-enabled` (default `yes`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub voicemail_user_control_enabled: Option<YesNo>,
    /// `phone-numbers-to-allow-enabled` (default `yes`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub phone_numbers_to_allow_enabled: Option<YesNo>,
    /// `phone-numbers-to-reject-enabled` (default `yes`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub phone_numbers_to_reject_enabled: Option<YesNo>,
    /// `call-screening-enabled` (default `yes`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub call_screening_enabled: Option<YesNo>,
    /// `ring-no-answer-timeout-seconds`: 0..=3600.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_number"
    )]
    pub ring_no_answer_timeout_seconds: Option<u32>,
    /// `language-token`, such as `en_US` (the default) or `es_MX`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_token: Option<String>,
    /// `limits-max-data-storage-kilobytes`: voicemail, greeting and fax storage (>= 0).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_number"
    )]
    pub limits_max_data_storage_kilobytes: Option<u64>,
    /// `limits-max-active-calls-total`: 0..=3600.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_number"
    )]
    pub limits_max_active_calls_total: Option<u32>,
    /// `directory-annouce-in-dial-by-name-enabled` (default `yes`). Sent with the
    /// vendor's spelling (sic, "annouce"); the spelling `...-announce-...` of another
    /// export of the spec is accepted when decoding.
    #[serde(
        rename = "directory-annouce-in-dial-by-name-enabled",
        alias = "directory-announce-in-dial-by-name-enabled",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub directory_announce_in_dial_by_name_enabled: Option<YesNo>,
    /// `directory-override-order-duplicate-dtmf-mapping`: 0..=100, the playback order
    /// among users with the same DTMF mapping (low first).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_number"
    )]
    pub directory_override_order_duplicate_dtmf_mapping: Option<u32>,
    /// `voicemail-greeting-index` (>= 0; 0 is the generic greeting).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_number"
    )]
    pub voicemail_greeting_index: Option<u64>,
    /// `voicemail-enabled` (default `yes`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub voicemail_enabled: Option<YesNo>,
    /// `voicemail-receive-broadcast-enabled` (default `yes`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub voicemail_receive_broadcast_enabled: Option<YesNo>,
    /// `reject-anonymous-calls-enabled` (default `no`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub reject_anonymous_calls_enabled: Option<YesNo>,
    /// `voicemail-playback-announce-datetime-received` (default `no`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub voicemail_playback_announce_datetime_received: Option<YesNo>,
    /// `voicemail-playback-announce-caller-id` (default `no`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub voicemail_playback_announce_caller_id: Option<YesNo>,
    /// `voicemail-playback-sort-newest-to-oldest` (default `yes`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub voicemail_playback_sort_newest_to_oldest: Option<YesNo>,
    /// `email-send-alert-new-voicemail-cc-list-csv`: users that get a copy of new
    /// voicemails, sent comma-separated (`1001,1002`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "wire::comma_list_opt",
        deserialize_with = "wire::de_comma_list_opt"
    )]
    pub email_send_alert_new_voicemail_cc_list_csv: Option<Vec<String>>,
    /// `email-send-alert-new-voicemail-behavior` (default `no`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_send_alert_new_voicemail_behavior: Option<VoicemailAlertBehavior>,
    /// `email-send-alert-new-voicemail-enabled` (default `no`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub email_send_alert_new_voicemail_enabled: Option<YesNo>,
    /// `email-send-alert-new-missed-call-enabled` (default `no`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub email_send_alert_new_missed_call_enabled: Option<YesNo>,
    /// `email-send-alert-data-storage-limit-reached-enabled` (default `no`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub email_send_alert_data_storage_limit_reached_enabled: Option<YesNo>,
    /// `caller-id-number`: the outbound caller id outside the domain, such as
    /// `18585551234` (sent as a JSON string, see the module docs).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_text"
    )]
    pub caller_id_number: Option<String>,
    /// `caller-id-name`: the outbound caller-id name outside the domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_id_name: Option<String>,
    /// `caller-id-number-emergency`: the caller id of emergency calls (sent as a JSON
    /// string, see the module docs).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_text"
    )]
    pub caller_id_number_emergency: Option<String>,
    /// `area-code`: 100..=999, used to complete 7-digit dialing.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_number"
    )]
    pub area_code: Option<u32>,
    /// `directory-name-visible-in-list-enabled` (default `yes`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub directory_name_visible_in_list_enabled: Option<YesNo>,
    /// `service-code`: billing/tracking tag; codes starting `system-` hide the user in
    /// the portals and do not count as regular users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_code: Option<String>,
    /// `voicemail-transcription-enabled`: `no` or a vendor (default `no`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voicemail_transcription_enabled: Option<VoicemailTranscription>,
    /// `emergency-address-id`: an existing address id for dynamic location routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_address_id: Option<String>,
    /// `call-recordings-hide-from-others-enabled` (default `no`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub call_recordings_hide_from_others_enabled: Option<YesNo>,
    /// `music-on-hold-randomized-enabled` (default `no`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub music_on_hold_randomized_enabled: Option<YesNo>,
    /// `music-on-hold-comfort-message-repeat-interval-seconds`: 0..=3600.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_number"
    )]
    pub music_on_hold_comfort_message_repeat_interval_seconds: Option<u32>,
    /// `recording-configuration` (default `no`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_configuration: Option<RecordingConfiguration>,
}

impl UserSettings {
    /// Overwrites every setting that `change` sets; the others stay as they are.
    pub(crate) fn apply(&mut self, change: &UserSettings) -> serde_json::Result<()> {
        // Through JSON, so that a setting added later cannot be forgotten here; the
        // request round trip of every setting is property-tested.
        let (Value::Object(mut merged), Value::Object(changed)) =
            (serde_json::to_value(&*self)?, serde_json::to_value(change)?)
        else {
            return Ok(());
        };
        merged.extend(changed);
        *self = serde_json::from_value(Value::Object(merged))?;
        Ok(())
    }
}

/// Body of `POST /domains/{domain}/users`: the five required values, `synchronous`,
/// `login-username`, and every optional setting in [`settings`](Self::settings).
///
/// ```
/// use user_provisioner::providers::netsapiens::{CreateUser, UserScope, YesNo};
///
/// let mut request = CreateUser::new("1001", "Jane", "Doe", "jdoe@example.com");
/// request.synchronous = Some(YesNo::Yes);
/// request.user_scope = UserScope::OfficeManager;
/// request.settings.area_code = Some(212);
/// let json = serde_json::to_value(&request).unwrap();
/// assert_eq!(json["email-address"], "jdoe@example.com");
/// assert_eq!(json["area-code"], 212);
/// assert!(json.get("site").is_none(), "unset fields are left out");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateUser {
    /// `synchronous`: `yes` makes the server answer 200 with the user once it can be
    /// read; `no` or unset answers 202 Accepted.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_yes_no"
    )]
    pub synchronous: Option<YesNo>,
    /// `user`: the extension, the user's id within the domain.
    pub user: String,
    /// `name-first-name`.
    #[serde(rename = "name-first-name")]
    pub first_name: String,
    /// `name-last-name`.
    #[serde(rename = "name-last-name")]
    pub last_name: String,
    /// `login-username`: the portal login, unique across the whole system (the server
    /// answers 409 otherwise); the server defaults it to `user@domain`.
    #[serde(
        rename = "login-username",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub login_username: Option<String>,
    /// `email-address`: one or more addresses, sent `;`-separated. Decoding also accepts
    /// the name `email` of another export of the spec.
    #[serde(
        rename = "email-address",
        alias = "email",
        serialize_with = "wire::semicolon_list",
        deserialize_with = "wire::de_semicolon_list"
    )]
    pub email: Vec<String>,
    /// `user-scope` (default [`UserScope::BasicUser`]).
    #[serde(rename = "user-scope", default)]
    pub user_scope: UserScope,
    /// Every optional setting.
    #[serde(flatten)]
    pub settings: UserSettings,
}

impl CreateUser {
    /// A request with the required values: extension, first and last name, one email
    /// address, scope `Basic User`; nothing else is sent.
    pub fn new(
        user: impl Into<String>,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        email: impl Into<String>,
    ) -> Self {
        Self {
            synchronous: None,
            user: user.into(),
            first_name: first_name.into(),
            last_name: last_name.into(),
            login_username: None,
            email: vec![email.into()],
            user_scope: UserScope::BasicUser,
            settings: UserSettings::default(),
        }
    }
}

/// A change for `PUT /domains/{domain}/users/{user}`: the fields to change.
///
/// Serialized, only the fields that are set appear; but a NetSapiens PUT is a full
/// replacement, so [`NetSapiensClient::update`](super::NetSapiensClient::update) reads
/// the user, applies this change to it and sends every writable field (the last
/// writer wins). The server answers 202 Accepted.
///
/// ```
/// use user_provisioner::providers::netsapiens::UpdateUser;
///
/// let mut change = UpdateUser::new();
/// change.first_name = Some("Janet".into());
/// change.settings.status_message = Some("PTO till 3/15".into());
/// assert_eq!(
///     serde_json::to_value(&change).unwrap(),
///     serde_json::json!({ "name-first-name": "Janet", "status-message": "PTO till 3/15" })
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateUser {
    /// `name-first-name`.
    #[serde(
        rename = "name-first-name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub first_name: Option<String>,
    /// `name-last-name`.
    #[serde(
        rename = "name-last-name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_name: Option<String>,
    /// `login-username` (unique across the system). [`Patch::Clear`] sends the
    /// replacing PUT without it, so the server resets it to its default `user@domain`.
    #[serde(
        rename = "login-username",
        default,
        skip_serializing_if = "Patch::is_keep"
    )]
    pub login_username: Patch<String>,
    /// `email-address`, sent `;`-separated.
    #[serde(
        rename = "email-address",
        alias = "email",
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "wire::semicolon_list_opt",
        deserialize_with = "wire::de_semicolon_list_opt"
    )]
    pub email: Option<Vec<String>>,
    /// `user-scope`.
    #[serde(
        rename = "user-scope",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_scope: Option<UserScope>,
    /// Every optional setting.
    #[serde(flatten)]
    pub settings: UserSettings,
}

impl UpdateUser {
    /// A change that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether nothing would be sent.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// A user as `GET /domains/{domain}/users/{user}` (and a synchronous create) returns it.
///
/// Decoding is lenient where servers differ: flags may come as `yes`/`no`, booleans or
/// `0`/`1`; numbers may come as strings; `email-address` may be called `email`. Fields
/// this crate does not know are kept in [`other`](Self::other), and so is a read-only
/// field (`domain`, `user-presence-status`, `active-calls-total-current`,
/// `account-status`, `created-datetime`, `last-modified-datetime`) whose value does not
/// fit its type: that field is then `None` and the read still succeeds. The writable
/// fields are decoded strictly, naming the field that is malformed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[non_exhaustive]
pub struct NetSapiensUser {
    /// `domain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// `user`: the extension.
    #[serde(deserialize_with = "wire::de_text_required")]
    pub user: String,
    /// `name-first-name`.
    #[serde(
        rename = "name-first-name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub first_name: Option<String>,
    /// `name-last-name`.
    #[serde(
        rename = "name-last-name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_name: Option<String>,
    /// `login-username`.
    #[serde(
        rename = "login-username",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub login_username: Option<String>,
    /// `email-address` (or `email`), split at `;` (or `,`).
    #[serde(
        rename = "email-address",
        alias = "email",
        default,
        deserialize_with = "wire::de_semicolon_list",
        serialize_with = "wire::semicolon_list"
    )]
    pub email: Vec<String>,
    /// `user-scope`.
    #[serde(
        rename = "user-scope",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_scope: Option<UserScope>,
    /// Every optional setting.
    #[serde(flatten)]
    pub settings: UserSettings,
    /// `user-presence-status` (read-only), computed from registrations, answer rules
    /// and calls.
    #[serde(
        rename = "user-presence-status",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub presence_status: Option<String>,
    /// `active-calls-total-current` (read-only). The spec sets no minimum, and real
    /// servers have been seen sending negative values.
    #[serde(
        rename = "active-calls-total-current",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_integer"
    )]
    pub active_calls_total_current: Option<i64>,
    /// `account-status` (read-only).
    #[serde(
        rename = "account-status",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub account_status: Option<AccountStatus>,
    /// `created-datetime` (read-only), as the server wrote it.
    #[serde(
        rename = "created-datetime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub created_datetime: Option<String>,
    /// `last-modified-datetime` (read-only), as the server wrote it.
    #[serde(
        rename = "last-modified-datetime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_modified_datetime: Option<String>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

lenient_model!(NetSapiensUser {
    "domain" => fits::<Option<String>>,
    "user-presence-status" => fits::<Option<String>>,
    "active-calls-total-current" => |value| wire::de_integer(value).is_ok(),
    "account-status" => fits::<Option<AccountStatus>>,
    "created-datetime" => fits::<Option<String>>,
    "last-modified-datetime" => fits::<Option<String>>,
});

/// What a 202 Accepted carries (the vendor documents an untyped object; servers send
/// `{"code": 202, "message": "Accepted"}`). An empty or non-JSON body gives an empty
/// acknowledgement.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[non_exhaustive]
pub struct Acknowledgement {
    /// `code`, where sent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_number"
    )]
    pub code: Option<u16>,
    /// `message`, where sent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::de_text"
    )]
    pub message: Option<String>,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
    /// The request id from the response headers, where the server sent one.
    #[serde(skip)]
    pub request_id: Option<String>,
}

// Informational: a `code` or `message` that does not fit is kept in `other`.
lenient_model!(Acknowledgement {
    "code" => |value| wire::de_number::<_, u16>(value).is_ok(),
    "message" => |value| wire::de_text(value).is_ok(),
});

/// The result of [`NetSapiensClient::create`](super::NetSapiensClient::create).
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum CreateResult {
    /// `200`: the user exists and is readable (the request had `synchronous: yes`).
    Created(Box<NetSapiensUser>),
    /// `202`: the server took the request; the user may not be readable yet. See
    /// [`NetSapiensClient::wait_until_visible`](super::NetSapiensClient::wait_until_visible).
    Accepted(Acknowledgement),
}

/// Answer of `GET /domains/{domain}/users/count`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserCount {
    /// `total`: how many users the domain has, as the server sent it (the spec's
    /// `Count` schema is an integer with no minimum, so a negative value is read, not
    /// refused).
    #[serde(deserialize_with = "total")]
    pub total: i64,
    /// Anything else the server sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

fn total<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    use serde::de::Error;
    wire::de_integer(deserializer)?.ok_or_else(|| D::Error::custom("expected a count, got null"))
}

/// Paging of `GET /domains/{domain}/users`: `start` and `limit` query parameters.
///
/// `start` is 1-based for the first page by default (as the vendor's documentation
/// says); a server that counts from 0 is configured with
/// [`NetSapiensBuilder::with_list_start_base`](super::NetSapiensBuilder::with_list_start_base).
/// Walk every page with [`next`](Self::next):
///
/// ```no_run
/// # async fn run(client: &user_provisioner::providers::netsapiens::NetSapiensClient)
/// #     -> Result<(), user_provisioner::Error> {
/// use user_provisioner::RequestOptions;
///
/// let mut page = Some(client.first_page(500));
/// while let Some(query) = page {
///     let users = client.list(&query, &RequestOptions::new()).await?;
///     println!("{} users", users.len());
///     page = query.next(users.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListQuery {
    /// `start`: the position of the first user on the page.
    pub start: u64,
    /// `limit`: at most this many users (1..=1000, checked before sending).
    pub limit: u32,
}

impl ListQuery {
    /// The page starting at `start` with at most `limit` users.
    pub fn new(start: u64, limit: u32) -> Self {
        Self { start, limit }
    }

    /// The next page after this one returned `returned` users; `None` when this page
    /// was not full (so it was the last).
    pub fn next(&self, returned: usize) -> Option<Self> {
        if returned < self.limit as usize || returned == 0 {
            return None;
        }
        Some(Self {
            start: self.start.saturating_add(u64::from(self.limit)),
            limit: self.limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_decode_and_unknown_fields_are_kept() {
        let user: NetSapiensUser = serde_json::from_str(
            r#"{"user":1001,"domain":"acme","email":"a@x.com; b@x.com",
                "directory-announce-in-dial-by-name-enabled":"no",
                "area-code":"212","privacy":"","user-scope":"Cosmic Admin",
                "voicemail-login-pin":4321,"subscriber_pin":"legacy"}"#,
        )
        .unwrap();
        assert_eq!(user.user, "1001");
        assert_eq!(user.email, ["a@x.com", "b@x.com"]);
        assert_eq!(
            user.settings.directory_announce_in_dial_by_name_enabled,
            Some(YesNo::No)
        );
        assert_eq!(user.settings.area_code, Some(212));
        assert_eq!(user.settings.privacy, None);
        assert_eq!(
            user.user_scope,
            Some(UserScope::Other("Cosmic Admin".into()))
        );
        assert_eq!(
            user.settings
                .voicemail_login_pin
                .as_ref()
                .map(Secret::expose),
            Some("4321")
        );
        assert!(user.other.contains_key("subscriber_pin"));
        assert!(!user.other.contains_key("area-code"));
        assert!(!format!("{user:?}").contains("4321"));

        let vendor: NetSapiensUser = serde_json::from_str(
            r#"{"user":"1002","email-address":"c@x.com",
                "directory-annouce-in-dial-by-name-enabled":"yes"}"#,
        )
        .unwrap();
        assert_eq!(vendor.email, ["c@x.com"]);
        assert_eq!(
            vendor.settings.directory_announce_in_dial_by_name_enabled,
            Some(YesNo::Yes)
        );
    }

    #[test]
    fn paging_walks_until_a_short_page() {
        let first = ListQuery::new(1, 2);
        let second = first.next(2).unwrap();
        assert_eq!(second, ListQuery::new(3, 2));
        assert_eq!(second.next(1), None);
        assert_eq!(ListQuery::new(1, 2).next(0), None);
    }
}
