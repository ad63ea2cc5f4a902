//! Reading a filter: equality on the attributes identity providers look people up by,
//! joined by `and`.
//!
//! Okta looks a person up with `userName eq "…"` before it creates them; Entra ID with
//! `userName eq "…"` or `externalId eq "…"`. Anything not read exactly is refused rather
//! than read as something wider, so a server never takes an unfiltered page for a match.
//!
//! The lexer is shared with the value filters of PATCH paths (`emails[type eq "work"]`).

use std::fmt;

use crate::scim::attributes::{self, clip, Resolved, Schema};

/// The longest filter read, in bytes.
pub const MAX_FILTER_BYTES: usize = 4096;
/// The deepest nesting of parentheses read.
pub const MAX_DEPTH: usize = 16;

const SUPPORTED: &str = "supported: `userName`, `externalId`, `id` or `emails.value` \
     (also written `emails[value eq \"…\"]`, or `emails[type eq \"work\"].value` for the email \
     of one type) `eq` a quoted string, several joined by `and`, \
     grouped with parentheses";

/// One `attribute eq "value"` of a filter; a filter is a conjunction of these.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Condition {
    /// The attribute compared.
    pub attribute: FilterAttribute,
    /// The string it must equal (JSON escapes decoded).
    pub value: String,
    /// For [`FilterAttribute::EmailValue`]: the `type` the same email must have
    /// (`emails[type eq "work"].value eq "…"`, how Entra ID matches on the work email).
    pub email_type: Option<String>,
}

/// The attributes a filter may compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilterAttribute {
    /// The resource's `id` (the service provider's own).
    Id,
    /// `userName`.
    UserName,
    /// `externalId`.
    ExternalId,
    /// The `value` of any of the user's `emails`.
    EmailValue,
}

/// A filter that was not read: what was not understood and what is supported. A SCIM
/// server answers it as a 400 with `scimType` `invalidFilter` and this text as the
/// `detail`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FilterError {
    detail: String,
}

impl FilterError {
    fn new(detail: String) -> Self {
        Self { detail }
    }

    /// What was not understood (for [`parse`], followed by what is supported).
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for FilterError {}

/// Reads a filter into the conditions that must all hold.
///
/// Every condition of the result must hold (`and`); parentheses only group. `or`, `not`,
/// operators other than `eq`, values other than strings and attributes other than those
/// of [`FilterAttribute`] are refused, with a detail that says what was not understood
/// and what is supported.
///
/// # Errors
/// A [`FilterError`] for a filter outside that subset, longer than
/// [`MAX_FILTER_BYTES`] or nested deeper than [`MAX_DEPTH`].
pub fn parse(text: &str) -> Result<Vec<Condition>, FilterError> {
    if text.len() > MAX_FILTER_BYTES {
        return Err(invalid(format!(
            "the filter is longer than {MAX_FILTER_BYTES} bytes"
        )));
    }
    let tokens = tokenize(text).map_err(|error| invalid(error.detail))?;
    if tokens.is_empty() {
        return Err(invalid("the filter is empty".into()));
    }
    let mut parser = Parser {
        tokens,
        position: 0,
        depth: 0,
        conditions: Vec::new(),
    };
    parser.conjunction()?;
    if let Some(token) = parser.peek() {
        return Err(invalid(
            parser.unexpected(token.clone(), "after a complete filter"),
        ));
    }
    Ok(parser.conditions)
}

fn invalid(detail: String) -> FilterError {
    FilterError::new(format!("{detail}; {SUPPORTED}"))
}

/// A lexical token of a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Token {
    /// An attribute path, operator, `and`/`or`/`not` or a bare literal (`true`, `42`).
    Word(String),
    /// A quoted string, escapes decoded.
    Str(String),
    /// `(`.
    Open,
    /// `)`.
    Close,
    /// `[`, opening a value filter.
    OpenBracket,
    /// `]`.
    CloseBracket,
}

impl Token {
    /// Whether this is the word `word`, in any ASCII case (`and`, `AND`).
    pub fn is_word(&self, word: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(word))
    }

    fn describe(&self) -> String {
        match self {
            Token::Word(word) => format!("`{}`", clip(word)),
            Token::Str(text) => format!("the string \"{}\"", clip(text)),
            Token::Open => "`(`".into(),
            Token::Close => "`)`".into(),
            Token::OpenBracket => "`[`".into(),
            Token::CloseBracket => "`]`".into(),
        }
    }
}

/// Splits filter text into tokens. Strings are JSON strings (RFC 7644 §3.4.2.2 says
/// "JSON format"), so `\"`, `\\` and `\u00e9` decode as in JSON.
///
/// # Errors
/// A [`FilterError`] (what is wrong only, without the supported subset [`parse`] adds)
/// for a string without its closing quote or that is no valid JSON string.
pub fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        match byte {
            b' ' | b'\t' | b'\r' | b'\n' => index += 1,
            b'(' | b')' | b'[' | b']' => {
                tokens.push(match byte {
                    b'(' => Token::Open,
                    b')' => Token::Close,
                    b'[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
                index += 1;
            }
            b'"' => {
                let start = index;
                index += 1;
                // Continuation bytes of UTF-8 are never `"` or `\`, so a byte scan finds
                // the closing quote and the slice below stays on character boundaries.
                loop {
                    match bytes.get(index) {
                        None => {
                            return Err(FilterError::new(format!(
                                "the string starting at byte {start} has no closing quote"
                            )))
                        }
                        Some(b'\\') => index += 2,
                        Some(b'"') => break,
                        Some(_) => index += 1,
                    }
                }
                let literal = text.get(start..=index).unwrap_or_default();
                let value: String = serde_json::from_str(literal).map_err(|_| {
                    FilterError::new(format!(
                        "the string starting at byte {start} is not a valid JSON string \
                         (bad escape or control character)"
                    ))
                })?;
                tokens.push(Token::Str(value));
                index += 1;
            }
            _ => {
                let start = index;
                while index < bytes.len()
                    && !matches!(
                        bytes[index],
                        b' ' | b'\t' | b'\r' | b'\n' | b'(' | b')' | b'[' | b']' | b'"'
                    )
                {
                    index += 1;
                }
                tokens.push(Token::Word(text[start..index].to_owned()));
            }
        }
    }
    Ok(tokens)
}

/// The RFC operators the reader knows by name, to say which one it does not support.
const OTHER_OPERATORS: &[&str] = &["ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];

struct Parser {
    tokens: Vec<Token>,
    position: usize,
    depth: usize,
    conditions: Vec<Condition>,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn advance(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn unexpected(&self, token: Token, place: &str) -> String {
        if token.is_word("or") {
            return "`or` is not supported".into();
        }
        if token.is_word("not") {
            return "`not` is not supported".into();
        }
        match token {
            Token::CloseBracket | Token::Close => {
                format!("unbalanced {} {place}", token.describe())
            }
            other => format!("unexpected {} {place}", other.describe()),
        }
    }

    /// `term *("and" term)`
    fn conjunction(&mut self) -> Result<(), FilterError> {
        self.term()?;
        while self.peek().is_some_and(|token| token.is_word("and")) {
            self.position += 1;
            self.term()?;
        }
        Ok(())
    }

    /// `"(" conjunction ")" / attrPath "eq" string / "emails[value eq" string "]"`
    fn term(&mut self) -> Result<(), FilterError> {
        match self.advance() {
            None => Err(invalid(
                "the filter ends where a comparison was expected".into(),
            )),
            Some(Token::Open) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(invalid(format!(
                        "parentheses are nested deeper than {MAX_DEPTH}"
                    )));
                }
                self.conjunction()?;
                match self.advance() {
                    Some(Token::Close) => {
                        self.depth -= 1;
                        Ok(())
                    }
                    None => Err(invalid("a `(` is not closed".into())),
                    Some(token) => Err(invalid(self.unexpected(token, "where `)` was expected"))),
                }
            }
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("not") => {
                Err(invalid("`not` is not supported".into()))
            }
            Some(Token::Word(path)) => {
                if self.peek() == Some(&Token::OpenBracket) {
                    self.position += 1;
                    return self.value_path(&path);
                }
                let attribute = filter_attribute(&path)?;
                self.operator(&path)?;
                let value = self.string_value(&path)?;
                self.conditions.push(Condition {
                    attribute,
                    value,
                    email_type: None,
                });
                Ok(())
            }
            Some(token) => Err(invalid(
                self.unexpected(token, "where a comparison was expected"),
            )),
        }
    }

    /// After `attr[`: only `emails[value eq "…"]`, the value-path spelling of
    /// `emails.value eq "…"`. Anything more inside the brackets would constrain one email
    /// by several sub-attributes, which the conditions cannot say.
    fn value_path(&mut self, path: &str) -> Result<(), FilterError> {
        let is_emails = matches!(
            attributes::resolve(path),
            Ok(Resolved::Attribute { attribute, sub: None })
                if attribute.schema == Schema::Core && attribute.name == "emails"
        );
        if !is_emails {
            return Err(invalid(format!(
                "a value filter `[…]` is supported only on emails, not on `{}`",
                clip(path)
            )));
        }
        let sub = match self.advance() {
            Some(Token::Word(sub)) => sub,
            Some(token) => {
                return Err(invalid(self.unexpected(token, "inside `emails[…]`")));
            }
            None => return Err(invalid("a `[` is not closed".into())),
        };
        if sub.eq_ignore_ascii_case("type") {
            return self.typed_email(&sub);
        }
        if !sub.eq_ignore_ascii_case("value") {
            return Err(invalid(format!(
                "inside `emails[…]` only `value eq \"…\"` or `type eq \"…\"` is supported, \
                 not `{}`",
                clip(&sub)
            )));
        }
        let described = format!("emails[{sub}");
        self.operator(&described)?;
        let value = self.string_value(&described)?;
        match self.advance() {
            Some(Token::CloseBracket) => {}
            None => return Err(invalid("a `[` is not closed".into())),
            Some(token) if token.is_word("and") || token.is_word("or") => {
                return Err(invalid(
                    "inside `emails[…]` only one `value eq \"…\"` is supported".into(),
                ));
            }
            Some(token) => {
                return Err(invalid(self.unexpected(token, "where `]` was expected")));
            }
        }
        if let Some(Token::Word(word)) = self.peek() {
            if word.starts_with('.') {
                return Err(invalid(format!(
                    "`emails[…]{}` is not supported; write `emails.value eq \"…\"` or \
                     `emails[value eq \"…\"]`",
                    clip(word)
                )));
            }
        }
        self.conditions.push(Condition {
            attribute: FilterAttribute::EmailValue,
            value,
            email_type: None,
        });
        Ok(())
    }

    /// After `emails[type`: `eq "work"].value eq "…"`, the email of that type with that
    /// value (Entra ID's matching on the work email).
    fn typed_email(&mut self, sub: &str) -> Result<(), FilterError> {
        let described = format!("emails[{sub}");
        self.operator(&described)?;
        let email_type = self.string_value(&described)?;
        match self.advance() {
            Some(Token::CloseBracket) => {}
            None => return Err(invalid("a `[` is not closed".into())),
            Some(token) => {
                return Err(invalid(self.unexpected(
                    token,
                    "where `]` was expected (only one `type eq \"…\"` inside `emails[…]`)",
                )));
            }
        }
        match self.advance() {
            Some(Token::Word(word)) if word.eq_ignore_ascii_case(".value") => {}
            _ => {
                return Err(invalid(
                    "after `emails[type eq \"…\"]` only `.value eq \"…\"` is supported".into(),
                ))
            }
        }
        let described = format!("emails[type eq \"{}\"].value", clip(&email_type));
        self.operator(&described)?;
        let value = self.string_value(&described)?;
        self.conditions.push(Condition {
            attribute: FilterAttribute::EmailValue,
            value,
            email_type: Some(email_type),
        });
        Ok(())
    }

    fn operator(&mut self, path: &str) -> Result<(), FilterError> {
        match self.advance() {
            Some(token) if token.is_word("eq") => Ok(()),
            Some(token) if token.is_word("pr") => Err(invalid(format!(
                "the operator `pr` (after `{}`) is not supported",
                clip(path)
            ))),
            Some(Token::Word(word))
                if OTHER_OPERATORS
                    .iter()
                    .any(|operator| operator.eq_ignore_ascii_case(&word)) =>
            {
                Err(invalid(format!(
                    "the operator `{}` (after `{}`) is not supported",
                    word.to_ascii_lowercase(),
                    clip(path)
                )))
            }
            Some(token) => Err(invalid(self.unexpected(
                token,
                &format!(
                    "after `{}` where the operator `eq` was expected",
                    clip(path)
                ),
            ))),
            None => Err(invalid(format!(
                "the filter ends after `{}` where the operator `eq` was expected",
                clip(path)
            ))),
        }
    }

    fn string_value(&mut self, path: &str) -> Result<String, FilterError> {
        match self.advance() {
            Some(Token::Str(value)) => Ok(value),
            Some(Token::Word(word)) => Err(invalid(format!(
                "`{}` compares with `{}`, but only a quoted string is supported",
                clip(path),
                clip(&word)
            ))),
            Some(token) => Err(invalid(self.unexpected(
                token,
                &format!(
                    "after `{} eq` where a quoted string was expected",
                    clip(path)
                ),
            ))),
            None => Err(invalid(format!(
                "the filter ends after `{} eq` where a quoted string was expected",
                clip(path)
            ))),
        }
    }
}

/// The filterable attribute a path names (any case, with or without the core URN).
fn filter_attribute(path: &str) -> Result<FilterAttribute, FilterError> {
    let resolved = attributes::resolve(path).map_err(|detail| {
        invalid(format!(
            "`{}` is not an attribute path: {detail}",
            clip(path)
        ))
    })?;
    let Resolved::Attribute { attribute, sub } = resolved else {
        return Err(invalid(format!(
            "`{}` is not a filterable attribute",
            clip(path)
        )));
    };
    let filterable = match (
        attribute.schema,
        attribute.name,
        sub.as_ref().map(|s| s.name()),
    ) {
        (Schema::Core, "id", None) => Some(FilterAttribute::Id),
        (Schema::Core, "userName", None) => Some(FilterAttribute::UserName),
        (Schema::Core, "externalId", None) => Some(FilterAttribute::ExternalId),
        (Schema::Core, "emails", Some("value")) => Some(FilterAttribute::EmailValue),
        _ => None,
    };
    filterable.ok_or_else(|| invalid(format!("filtering on `{}` is not supported", clip(path))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_matches_on_the_work_email() {
        let parsed = parse(r#"emails[type eq "work"].value eq "ada@example.com""#).unwrap();
        assert_eq!(
            parsed,
            vec![Condition {
                attribute: FilterAttribute::EmailValue,
                value: "ada@example.com".into(),
                email_type: Some("work".into()),
            }]
        );
        for bad in [
            r#"emails[type eq "work"] eq "x""#,
            r#"emails[type eq "work"].display eq "x""#,
            r#"emails[type eq "work" and value eq "x"].value eq "y""#,
            r#"emails[type ne "work"].value eq "x""#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    fn condition(attribute: FilterAttribute, value: &str) -> Condition {
        Condition {
            attribute,
            value: value.into(),
            email_type: None,
        }
    }

    fn rejected(filter: &str) -> String {
        let error = parse(filter).expect_err(filter);
        assert!(
            error.detail().contains("supported:"),
            "{filter}: {}",
            error.detail()
        );
        error.detail().to_owned()
    }

    #[test]
    fn okta_looks_a_person_up_by_user_name() {
        // Okta SCIM 2.0 reference, "Determine if the User already exists":
        // GET /scim/v2/Users?filter=userName%20eq%20%22test.user%40okta.local%22
        assert_eq!(
            parse("userName eq \"test.user@okta.local\"").unwrap(),
            vec![condition(FilterAttribute::UserName, "test.user@okta.local")]
        );
        assert_eq!(
            parse(r#"userName eq "jdoe@example.com""#).unwrap(),
            vec![condition(FilterAttribute::UserName, "jdoe@example.com")]
        );
    }

    #[test]
    fn entra_looks_a_person_up_by_user_name_or_external_id() {
        // Entra "Tutorial: Develop and plan provisioning for a SCIM endpoint", "Get User by
        // query": GET /Users?filter=userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"
        assert_eq!(
            parse(r#"userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee""#).unwrap(),
            vec![condition(
                FilterAttribute::UserName,
                "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"
            )]
        );
        assert_eq!(
            parse(r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#).unwrap(),
            vec![condition(
                FilterAttribute::ExternalId,
                "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
            )]
        );
        assert_eq!(
            parse(r#"id eq "48af03ac28ad4fb88478""#).unwrap(),
            vec![condition(FilterAttribute::Id, "48af03ac28ad4fb88478")]
        );
    }

    #[test]
    fn both_spellings_of_an_email_lookup() {
        let expected = vec![condition(FilterAttribute::EmailValue, "a@b")];
        assert_eq!(parse(r#"emails[value eq "a@b"]"#).unwrap(), expected);
        assert_eq!(parse(r#"emails.value eq "a@b""#).unwrap(), expected);
        assert_eq!(parse(r#"EMAILS[ VALUE EQ "a@b" ]"#).unwrap(), expected);
    }

    #[test]
    fn names_operators_and_urns_are_case_insensitive() {
        assert_eq!(
            parse(r#"USERNAME EQ "x" AND ExternalID Eq "y""#).unwrap(),
            vec![
                condition(FilterAttribute::UserName, "x"),
                condition(FilterAttribute::ExternalId, "y")
            ]
        );
        assert_eq!(
            parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#).unwrap(),
            vec![condition(FilterAttribute::UserName, "x")]
        );
        assert_eq!(
            parse(r#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:emails.value eq "x""#).unwrap(),
            vec![condition(FilterAttribute::EmailValue, "x")]
        );
    }

    #[test]
    fn and_with_parentheses_flattens_to_a_conjunction() {
        assert_eq!(
            parse(r#"(userName eq "u" and (externalId eq "e")) and emails[value eq "m"]"#).unwrap(),
            vec![
                condition(FilterAttribute::UserName, "u"),
                condition(FilterAttribute::ExternalId, "e"),
                condition(FilterAttribute::EmailValue, "m"),
            ]
        );
        let nested = format!("{}userName eq \"u\"{}", "(".repeat(16), ")".repeat(16));
        assert_eq!(parse(&nested).unwrap().len(), 1);
    }

    #[test]
    fn string_values_decode_json_escapes() {
        assert_eq!(
            parse(r#"userName eq "a\"b\\c\u00e9\ud83d\ude00""#).unwrap(),
            vec![condition(FilterAttribute::UserName, "a\"b\\cé😀")]
        );
        // Non-ASCII as it is, and brackets and parentheses inside a string.
        assert_eq!(
            parse(r#"userName eq "zoë (x) [y]""#).unwrap(),
            vec![condition(FilterAttribute::UserName, "zoë (x) [y]")]
        );
    }

    #[test]
    fn logic_the_bridge_cannot_answer_exactly_is_refused() {
        assert!(rejected(r#"userName eq "a" or userName eq "b""#).contains("`or`"));
        assert!(rejected(r#"not (userName eq "a")"#).contains("`not`"));
        assert!(rejected(r#"userName eq "a" and not (externalId eq "b")"#).contains("`not`"));
    }

    #[test]
    fn other_operators_are_refused_by_name() {
        for operator in ["ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "SW"] {
            let detail = rejected(&format!("userName {operator} \"a\""));
            assert!(
                detail.contains(&format!("`{}`", operator.to_ascii_lowercase())),
                "{detail}"
            );
        }
        assert!(rejected("userName pr").contains("`pr`"));
        assert!(rejected(r#"userName is "a""#).contains("`eq`"));
    }

    #[test]
    fn only_string_values_are_accepted() {
        for value in ["true", "false", "null", "42", "a"] {
            assert!(rejected(&format!("userName eq {value}")).contains("quoted string"));
        }
        assert!(rejected("userName eq").contains("quoted string"));
    }

    #[test]
    fn other_attributes_are_refused() {
        for filter in [
            r#"displayName eq "x""#,
            r#"active eq "true""#,
            r#"name.givenName eq "x""#,
            r#"title eq "x""#,
            r#"emails.type eq "work""#,
            r#"phoneNumbers.value eq "1""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "d""#,
            r#"meta.lastModified eq "x""#,
        ] {
            assert!(rejected(filter).contains("not"), "{filter}");
        }
    }

    #[test]
    fn value_paths_other_than_one_email_value_are_refused() {
        rejected(r#"emails[type eq "work"]"#);
        rejected(r#"emails[value eq "a" and type eq "work"]"#);
        rejected(r#"phoneNumbers[value eq "1"]"#);
        rejected(r#"emails[value eq "a"].value eq "a""#);
    }

    #[test]
    fn malformed_filters_are_refused() {
        for filter in [
            "",
            "   ",
            r#"userName eq "a"#,
            r#"userName eq "a" extra"#,
            r#"userName eq "a" and"#,
            r#"(userName eq "a""#,
            r#"userName eq "a")"#,
            r#"emails[value eq "a""#,
            r#"emails[value eq "a"]]"#,
            r#"userName eq "bad \q escape""#,
            "userName eq \"raw\u{1}control\"",
            r#"() "#,
            r#"userName eq "a" userName eq "b""#,
            r#"user-name!! eq "a""#,
            r#""userName" eq "a""#,
        ] {
            rejected(filter);
        }
    }

    #[test]
    fn the_work_is_bounded() {
        let long = format!("userName eq \"{}\"", "a".repeat(MAX_FILTER_BYTES));
        assert!(rejected(&long).contains("longer"));
        let deep = format!("{}userName eq \"u\"{}", "(".repeat(17), ")".repeat(17));
        assert!(rejected(&deep).contains("deeper"));
        // A bomb of parentheses stops at the limit instead of recursing through it.
        let bomb = "(".repeat(MAX_FILTER_BYTES);
        assert!(rejected(&bomb).contains("deeper"));
    }
}
