//! Serde on the portable types: round trips, the provider written as its key (an
//! unknown key interned), and no secret in the default serialization.

use serde_json::{json, Value};
use user_provisioner::{
    Accepted, Attributes, CreateOutcome, DeleteOutcome, Exposed, IdempotencyKey, ListUsers,
    NewUser, PageCursor, PasswordChange, Patch, Provider, ProviderInfo, Secret, UpdateOutcome,
    User, UserId, UserPage, UserUpdate,
};

const PASSWORD: &str = "Sup3r-S3cret-pw!";
const CURRENT: &str = "0ld-S3cret-pw!";

fn person() -> NewUser {
    NewUser::new("jdoe")
        .with_email("jdoe@example.com")
        .with_names("Jane", "Doe")
        .with_password(PASSWORD)
        .with_roles(["admin", "viewer"])
        .with_metadata("crm", 4711)
        .with_attribute("netsapiens.extension", "1001")
        .ignoring_unsupported_fields()
}

fn update() -> UserUpdate {
    UserUpdate::new()
        .with_email("new@example.com")
        .clear_phone()
        .with_password(PasswordChange::new(PASSWORD).with_current(CURRENT))
}

#[test]
fn the_default_serialization_holds_no_secret() {
    let shown = [
        serde_json::to_string(&person()).unwrap(),
        serde_json::to_string(&update()).unwrap(),
        serde_json::to_string(&PasswordChange::new(PASSWORD).with_current(CURRENT)).unwrap(),
        serde_json::to_string(&vec![person()]).unwrap(),
    ];
    for text in shown {
        assert!(
            !text.contains(PASSWORD) && !text.contains(CURRENT),
            "{text}"
        );
        assert!(text.contains(Secret::REDACTED), "{text}");
    }
}

#[test]
fn a_redacted_password_is_refused_on_read_not_taken_for_a_password() {
    let text = serde_json::to_string(&person()).unwrap();
    let err = serde_json::from_str::<NewUser>(&text).unwrap_err();
    assert!(err.to_string().contains("Exposed"), "{err}");
    // Without a password, the default serialization round-trips.
    let mut plain = person();
    plain.password = None;
    let back: NewUser = serde_json::from_str(&serde_json::to_string(&plain).unwrap()).unwrap();
    assert_eq!(back.username, "jdoe");
    assert!(back.password.is_none());
}

#[test]
fn exposed_round_trips_new_users_and_updates_with_their_passwords() {
    let original = person();
    let stored = serde_json::to_value(Exposed(&original)).unwrap();
    assert_eq!(stored["password"], PASSWORD);
    let back: NewUser = serde_json::from_value(stored).unwrap();
    assert_eq!(back.password.as_ref().unwrap().expose(), PASSWORD);
    assert_eq!(back.username, original.username);
    assert_eq!(back.email, original.email);
    assert_eq!(back.given_name, original.given_name);
    assert_eq!(back.roles, original.roles);
    assert_eq!(back.metadata, original.metadata);
    assert_eq!(back.attributes, original.attributes);
    assert_eq!(back.unsupported_fields, original.unsupported_fields);

    let stored = serde_json::to_value(Exposed(&vec![update()])).unwrap();
    assert_eq!(
        stored[0],
        json!({"email": "new@example.com", "phone": null,
            "password": {"new": PASSWORD, "current": CURRENT}})
    );
    let back: Vec<UserUpdate> = serde_json::from_value(stored).unwrap();
    let Patch::Set(change) = &back[0].password else {
        panic!("{back:?}")
    };
    assert_eq!(change.new.expose(), PASSWORD);
    assert_eq!(change.current.as_ref().unwrap().expose(), CURRENT);
    assert_eq!(back[0].phone, Patch::Clear);
    assert_eq!(back[0].given_name, Patch::Keep);
    // The opt-in ends with the call.
    assert!(!serde_json::to_string(&update()).unwrap().contains(PASSWORD));
}

fn sample_user(provider: Provider) -> User {
    let mut user = User::new(provider, "u-1");
    user.username = Some("jdoe".into());
    user.email = Some("jdoe@example.com".into());
    user.roles = vec!["admin".into()];
    user.enabled = Some(true);
    user.created_at = Some("2025-05-04T09:42:00Z".parse().unwrap());
    user.raw = json!({"id": "u-1", "future": [1, 2]});
    user.idempotency_key = Some(IdempotencyKey::new("onboarding-4711").unwrap());
    user
}

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
    serde_json::from_value(serde_json::to_value(value).unwrap()).unwrap()
}

#[cfg(feature = "jambonz")]
#[test]
fn users_outcomes_and_pages_round_trip_with_the_provider_as_its_key() {
    let user = sample_user(Provider::JAMBONZ);
    let json = serde_json::to_value(&user).unwrap();
    assert_eq!(json["provider"], "jambonz");
    assert_eq!(json["id"], "u-1");
    assert_eq!(round_trip(&user), user);

    let mut accepted = Accepted::new(Provider::JAMBONZ);
    accepted.id = Some(UserId::new("1001"));
    accepted.request_id = Some("req-1".into());
    for outcome in [
        CreateOutcome::Created(user.clone()),
        CreateOutcome::Accepted(accepted.clone()),
    ] {
        assert_eq!(round_trip(&outcome), outcome);
    }
    assert_eq!(
        serde_json::to_value(CreateOutcome::Accepted(accepted.clone())).unwrap()["accepted"]["id"],
        "1001"
    );
    for outcome in [
        UpdateOutcome::Updated(user.clone()),
        UpdateOutcome::Applied,
        UpdateOutcome::Accepted(accepted.clone()),
    ] {
        assert_eq!(round_trip(&outcome), outcome);
    }
    assert_eq!(
        serde_json::to_value(UpdateOutcome::Applied).unwrap(),
        "applied"
    );
    for outcome in [DeleteOutcome::Deleted, DeleteOutcome::Accepted(accepted)] {
        assert_eq!(round_trip(&outcome), outcome);
    }

    let page = UserPage::new(vec![user], Some(PageCursor::from_stored("100")));
    assert_eq!(round_trip(&page), page);
    let request = ListUsers::new()
        .with_page_size(50)
        .with_cursor("100".parse().unwrap());
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"page_size": 50, "cursor": "100"})
    );
    assert_eq!(round_trip(&request), request);

    let mut attributes = Attributes::new();
    attributes.insert("jambonz.account_sid", Value::Null);
    assert_eq!(round_trip(&attributes), attributes);
}

#[test]
fn a_fifth_backends_users_round_trip() {
    // Registered: its own constant comes back, display name included.
    const LDAP: Provider = Provider::new(&ProviderInfo::new("ldap", "LDAP directory"));
    LDAP.register().unwrap();
    let user = sample_user(LDAP);
    assert_eq!(serde_json::to_value(&user).unwrap()["provider"], "ldap");
    assert_eq!(round_trip(&user), user);

    // Not registered: interned once, with its key as its name.
    let first: Provider = serde_json::from_value(json!("toy-backend")).unwrap();
    let again: Provider = serde_json::from_value(json!("toy-backend")).unwrap();
    assert_eq!(first, again);
    assert_eq!((first.key(), first.name()), ("toy-backend", "toy-backend"));
    let user = sample_user(first);
    assert_eq!(round_trip(&user), user);

    // Keys that cannot be a provider's are refused, not interned.
    for bad in ["", "Has Space", "dotted.key", &"x".repeat(65)] {
        assert!(
            serde_json::from_value::<Provider>(json!(bad)).is_err(),
            "{bad:?}"
        );
    }
    // A key of another provider cannot be taken over.
    const FAKE: Provider = Provider::new(&ProviderInfo::new("ldap", "impostor"));
    assert!(FAKE.register().is_err());
}

#[test]
fn ids_cursors_and_providers_convert_from_and_to_text() {
    let id: UserId = "1001".parse().unwrap();
    assert_eq!(id, UserId::from(String::from("1001")));
    assert_eq!(id.as_ref(), "1001");
    assert_eq!(id.to_string(), "1001");
    assert_eq!(serde_json::to_value(&id).unwrap(), "1001");
    let text: String = id.clone().into();
    assert_eq!(text, "1001");
    assert_eq!(id.into_string(), "1001");

    let cursor = PageCursor::from(String::from("abc"));
    assert_eq!(cursor, "abc".parse::<PageCursor>().unwrap());
    assert_eq!(cursor, PageCursor::from_stored("abc"));
    assert_eq!(String::from(cursor), "abc");

    #[cfg(feature = "ece")]
    {
        assert_eq!(Provider::try_from("ece").unwrap(), Provider::ECE);
        assert!(Provider::try_from("nope").is_err());
    }
    assert!(serde_json::from_value::<IdempotencyKey>(json!("")).is_err());
}
