//! The reader and the in-memory evaluator.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::*;

/// A small User schema: what the bridge's types say, for the attributes used here.
struct Types;

impl AttributeTypes for Types {
    fn attribute_type(&self, key: &str) -> Option<AttributeType> {
        use ValueKind::*;
        Some(match key {
            "id" | "externalid" => AttributeType::single(String, true),
            "username" | "displayname" | "title" | "name.familyname" | "name.givenname" => {
                AttributeType::single(String, false)
            }
            "name" => AttributeType::single(Complex, false),
            "emails" => AttributeType::multi(Complex, false),
            "emails.value" | "emails.type" => AttributeType::single(String, false),
            "emails.primary" | "active" => AttributeType::single(Boolean, false),
            "meta" => AttributeType::single(Complex, false),
            "meta.lastmodified" => AttributeType::single(DateTime, false),
            "logins" => AttributeType::single(Integer, false),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber" => {
                AttributeType::single(String, false)
            }
            _ => return None,
        })
    }
}

fn user() -> Map<String, Value> {
    json!({
        "id": "Id-1",
        "userName": "Straße",
        "name": {"familyName": "Lovelace", "givenName": ""},
        "title": "",
        "active": true,
        "logins": 42,
        "emails": [
            {"value": "ada@work.example", "type": "work", "primary": true},
            {"value": "ada@home.example", "type": "home"},
            {"value": ""}
        ],
        "meta": {"lastModified": "2011-05-13T06:42:34+02:00"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701"}
    })
    .as_object()
    .cloned()
    .unwrap()
}

fn holds(filter: &str) -> bool {
    parse(filter)
        .unwrap_or_else(|error| panic!("{filter}: {error}"))
        .matches(&user(), &Types)
        .unwrap_or_else(|error| panic!("{filter}: {error}"))
}

fn invalid(filter: &str) -> FilterError {
    match parse(filter) {
        Err(error) => error,
        Ok(expr) => expr
            .plan(&Types)
            .expect_err(&format!("{filter} was accepted")),
    }
}

fn compare(path: AttrPath, op: CompareOp, value: CompValue) -> Expr {
    Expr::Compare(Compare { path, op, value })
}

#[test]
fn every_operator_reads() {
    for op in CompareOp::ALL {
        let text = format!("userName {} \"x\"", op.as_str().to_uppercase());
        assert_eq!(
            parse(&text).unwrap(),
            compare(
                AttrPath::core("userName", None),
                op,
                CompValue::Str("x".into())
            ),
        );
    }
    assert_eq!(
        parse("title PR").unwrap(),
        Expr::Present(AttrPath::core("title", None))
    );
}

#[test]
fn and_binds_tighter_than_or_and_parentheses_group() {
    let a = || {
        compare(
            AttrPath::core("a", None),
            CompareOp::Eq,
            CompValue::Number(1.0),
        )
    };
    let b = || {
        compare(
            AttrPath::core("b", None),
            CompareOp::Eq,
            CompValue::Bool(true),
        )
    };
    let c = || compare(AttrPath::core("c", None), CompareOp::Eq, CompValue::Null);
    assert_eq!(
        parse("a eq 1 or b eq true and c eq null").unwrap(),
        Expr::Or(vec![a(), Expr::And(vec![b(), c()])])
    );
    assert_eq!(
        parse("(a eq 1 or b eq true) and c eq null").unwrap(),
        Expr::And(vec![Expr::Or(vec![a(), b()]), c()])
    );
    assert_eq!(
        parse("not (a eq 1) AND NOT(b eq true)").unwrap(),
        Expr::And(vec![Expr::Not(Box::new(a())), Expr::Not(Box::new(b()))])
    );
}

#[test]
fn value_paths_urns_and_sub_attributes() {
    let emails = AttrPath::core("emails", None);
    assert_eq!(
        parse(r#"emails[type eq "work" and value co "@x"]"#).unwrap(),
        Expr::ValuePath {
            attribute: emails.clone(),
            filter: Box::new(Expr::And(vec![
                compare(
                    emails.with_sub("type"),
                    CompareOp::Eq,
                    CompValue::Str("work".into())
                ),
                compare(
                    emails.with_sub("value"),
                    CompareOp::Co,
                    CompValue::Str("@x".into())
                ),
            ])),
        }
    );
    // Entra's spelling: the trailing `.value eq` is one more condition on that email.
    assert_eq!(
        parse(r#"emails[type eq "work"].value eq "a@b""#).unwrap(),
        parse(r#"emails[type eq "work" and value eq "a@b"]"#).unwrap()
    );
    let enterprise = parse(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701""#,
    )
    .unwrap();
    let Expr::Compare(Compare { path, .. }) = &enterprise else {
        panic!("{enterprise:?}");
    };
    assert_eq!(
        path.key(),
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber"
    );
    assert_eq!(
        parse(r#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:name.familyName eq "x""#).unwrap(),
        parse(r#"name.familyName eq "x""#).unwrap()
    );
}

/// Microsoft's SCIM reference tests ("User tests with garbage") send values unquoted.
#[test]
fn a_bare_word_is_the_string_it_spells() {
    assert_eq!(
        parse("userName sw O").unwrap(),
        parse(r#"userName sw "O""#).unwrap()
    );
    assert_eq!(
        parse("name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)")
            .unwrap(),
        parse(r#"name.FamilyName eq "Employee" and (emails.Value co "example.com" or emails.Value co "example.org")"#)
            .unwrap()
    );
    assert!(holds(
        "meta.lastModified gt 2011-05-13T04:42:33.8617979-00:00"
    ));
    assert_eq!(
        parse("logins eq 42").unwrap(),
        compare(
            AttrPath::core("logins", None),
            CompareOp::Eq,
            CompValue::Number(42.0)
        )
    );
}

#[test]
fn values_are_json() {
    assert_eq!(
        parse(r#"userName eq "a\"b\\c\u00e9\ud83d\ude00 (x) [y]""#).unwrap(),
        compare(
            AttrPath::core("userName", None),
            CompareOp::Eq,
            CompValue::Str("a\"b\\cé😀 (x) [y]".into())
        )
    );
    assert_eq!(
        parse("logins ge -1.5e2").unwrap(),
        compare(
            AttrPath::core("logins", None),
            CompareOp::Ge,
            CompValue::Number(-150.0)
        )
    );
}

#[test]
fn errors_say_where() {
    for (filter, position) in [
        (r#"userName xx "a""#, 9),
        (r#"userName eq "a" extra"#, 16),
        (r#"userName eq "a" and"#, 19),
        (r#"(userName eq "a""#, 16),
        (r#"userName eq "a")"#, 15),
        (r#"emails[value eq "a""#, 19),
        (r#"userName eq "bad \q""#, 12),
        (r#"userName eq ("#, 12),
        (r#"emails[type eq "w"][value eq "x"]"#, 19),
        (r#"emails[name.x eq "x"]"#, 7),
        (r#"user-name!! eq "a""#, 0),
        ("userName eq \"nul\\u0000\"", 12),
    ] {
        let error = parse(filter).expect_err(filter);
        assert_eq!(error.position(), Some(position), "{filter}: {error}");
        assert!(error.detail().contains(&format!("at byte {position}")));
    }
    // A word whose fourth byte is inside a character (the `urn:` check once sliced it).
    assert!(parse("<'🕴 pr").is_err() && parse("ab🕴 eq 1").is_err());
    for filter in ["", "  ", "()", "not", r#""userName" eq "a""#] {
        assert!(parse(filter).is_err(), "{filter}");
    }
}

#[test]
fn the_work_is_bounded() {
    let long = format!("userName eq \"{}\"", "a".repeat(MAX_FILTER_BYTES));
    assert!(parse(&long).unwrap_err().detail().contains("longer"));
    let nested = format!("{}userName pr{}", "(".repeat(16), ")".repeat(16));
    assert!(parse(&nested).is_ok());
    let deep = format!("{}userName pr{}", "(".repeat(17), ")".repeat(17));
    assert!(parse(&deep).unwrap_err().detail().contains("deeper"));
    let nots = format!("{}userName pr", "not ".repeat(17));
    assert!(parse(&nots).unwrap_err().detail().contains("deeper"));
    assert!(parse(&"(".repeat(MAX_FILTER_BYTES))
        .unwrap_err()
        .detail()
        .contains("deeper"));
    let many = vec!["a pr"; MAX_TERMS + 1].join(" or ");
    assert!(parse(&many).unwrap_err().detail().contains("comparisons"));
}

#[test]
fn microsoft_and_okta_filters() {
    assert!(!holds(r#"userName eq "STRASSE""#));
    assert!(!holds(r#"userName eq "strasse""#));
    assert!(holds(r#"userName eq "STRAßE""#));
    assert!(holds(r#"name.familyName eq "lovelace""#));
    assert!(holds(r#"emails[type eq "work" and value co "@"]"#));
    assert!(!holds(r#"emails[type eq "home" and primary eq true]"#));
    assert!(holds(r#"emails[type eq "home" and not (primary eq true)]"#));
    assert!(holds(
        r#"emails[type eq "work"].value eq "ADA@work.example""#
    ));
    assert!(holds(r#"meta.lastModified gt "2011-05-13T04:42:33Z""#));
    assert!(!holds(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#));
    assert!(holds(r#"meta.lastModified eq "2011-05-13T04:42:34.000Z""#));
    assert!(!holds(r#"userName sw "a" or not (active eq true)"#));
    assert!(holds(r#"userName sw "st" or not (active eq true)"#));
    assert!(holds(r#"active eq "True""#));
    assert!(!holds("title pr"));
    assert!(holds("title eq null"));
    assert!(!holds("name.givenName pr"));
    assert!(holds("name pr") && holds("emails pr") && holds("name.familyName ne null"));
    assert!(!holds(r#"nickName eq "x""#));
    assert!(holds(r#"nickName ne "x""#));
    assert!(!holds("nickName pr"));
    assert!(!holds(r#"urn:example:ext:1.0:User:x eq "x""#));
    assert!(holds(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701""#
    ));
    // A complex attribute compared without a sub-attribute compares its value.
    assert!(holds(r#"emails co "HOME.example""#));
    assert!(holds(r#"emails ew ".example" and emails sw "ada@""#));
    // `ne` is `not (eq)` over all values.
    assert!(!holds(r#"emails.type ne "home""#));
    assert!(holds(r#"emails.type ne "other""#));
    // Case-exact strings.
    assert!(holds(r#"id eq "Id-1""#) && !holds(r#"id eq "id-1""#));
    // Orderings by code point.
    assert!(holds(r#"name.familyName gt "LOVE""#) && holds(r#"name.familyName lt "m""#));
    assert!(holds("logins gt 41.5") && holds("logins le 42") && !holds("logins lt 42"));
    // Values of another type match nothing.
    assert!(!holds("userName eq 1") && !holds(r#"logins eq "42""#));
}

#[test]
fn what_cannot_be_compared_is_an_invalid_filter() {
    for filter in [
        "active gt true",
        r#"active co "t""#,
        "logins sw 4",
        r#"meta.lastModified gt "yesterday""#,
        "meta.lastModified gt 5",
        r#"meta.lastModified co "2011""#,
        "userName gt null",
        "emails[primary lt true]",
    ] {
        invalid(filter);
    }
}

#[test]
fn the_display_reads_back() {
    for filter in [
        r#"userName eq "a\"b" or not (emails[type eq "work" and not (value co "@")])"#,
        r#"(a pr and b gt 1.5) or c eq null or d ne false"#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x""#,
    ] {
        let expr = parse(filter).unwrap();
        assert_eq!(parse(&expr.to_string()).unwrap(), expr, "{expr}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Hostile text is read or refused, never a panic, however it nests.
    #[test]
    fn any_text_is_read_or_refused(text in any::<String>()) {
        if let Ok(expr) = parse(&text) {
            let _ = expr.matches(&user(), &Types);
        }
    }

    /// Text made of the grammar's own pieces, which reaches deeper into the reader.
    #[test]
    fn any_sequence_of_filter_pieces_is_read_or_refused(
        pieces in proptest::collection::vec(prop_oneof![
            Just("("), Just(")"), Just("["), Just("]"), Just(" and "), Just(" or "),
            Just("not "), Just("emails"), Just("userName"), Just(" eq "), Just(" pr"),
            Just(" gt "), Just("\"x\""), Just("1"), Just("true"), Just(".value"),
            Just("urn:ietf:params:scim:schemas:core:2.0:User:"), Just("\"\\"), Just("null"),
        ], 0..40)
    ) {
        let text: String = pieces.concat();
        if let Ok(expr) = parse(&text) {
            let _ = expr.matches(&user(), &Types);
            prop_assert_eq!(parse(&expr.to_string()).ok(), Some(expr));
        }
    }
}
