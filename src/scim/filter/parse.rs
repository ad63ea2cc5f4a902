//! Reading a filter: the whole grammar of RFC 7644 §3.4.2.2 into an [`Expr`].
//!
//! ```text
//! filter    = term *("or" term)                 ; `and` binds tighter than `or`
//! term      = factor *("and" factor)
//! factor    = "not" factor / "(" filter ")" / attrPath "pr" / attrPath op compValue
//!           / attrPath "[" valFilter "]" ["." subAttr (op compValue / "pr")]
//! ```
//!
//! Names, operators and `and`/`or`/`not` are read in any case. A value path's trailing
//! `.sub op value` (`emails[type eq "work"].value eq "a@b"`, how Entra ID matches on the
//! work email) is read as one more condition on the same value. Every error says where
//! (the byte offset) and what was expected; the work is bounded ([`MAX_FILTER_BYTES`],
//! [`MAX_DEPTH`], [`MAX_TERMS`]) so that no input can exhaust the stack or memory.

use std::fmt;

use super::ast::{is_core_urn, AttrPath, CompValue, Compare, CompareOp, Expr};
use crate::scim::attributes::{clip, is_attribute_name};

/// The longest filter read, in bytes.
pub const MAX_FILTER_BYTES: usize = 4096;
/// The deepest nesting read: parentheses, `not` and value paths each count one.
pub const MAX_DEPTH: usize = 16;
/// The most comparisons (and `pr` tests) one filter holds.
pub const MAX_TERMS: usize = 128;

/// A filter that was not read: what was not understood, and where. A SCIM server
/// answers it as a 400 with `scimType` `invalidFilter` and this text as the `detail`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FilterError {
    detail: String,
    position: Option<usize>,
}

impl FilterError {
    pub(crate) fn new(detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
            position: None,
        }
    }

    fn at(position: usize, detail: impl Into<String>) -> Self {
        Self {
            detail: format!("at byte {position}: {}", detail.into()),
            position: Some(position),
        }
    }

    /// What was not understood (with the byte offset where the reader stopped, when it
    /// stopped at one).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The byte offset in the filter text where the reader stopped, for a syntax error.
    pub fn position(&self) -> Option<usize> {
        self.position
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for FilterError {}

/// Reads a whole filter.
///
/// # Errors
/// A [`FilterError`] for text that is not a filter, longer than [`MAX_FILTER_BYTES`],
/// nested deeper than [`MAX_DEPTH`] or with more than [`MAX_TERMS`] comparisons.
///
/// ```
/// use user_provisioner::scim::filter::{parse, CompareOp, Expr};
///
/// let filter = parse(r#"userName sw "a" or not (active eq true)"#)?;
/// assert!(matches!(filter, Expr::Or(ref either) if either.len() == 2));
/// assert!(parse(r#"userName xx "a""#).is_err());
/// # Ok::<(), user_provisioner::scim::filter::FilterError>(())
/// ```
pub fn parse(text: &str) -> Result<Expr, FilterError> {
    let mut parser = Parser::new(text)?;
    let expr = parser.filter(None)?;
    parser.finish(expr)
}

/// Reads the inside of a value path, `attribute[text]`, as a PATCH path carries it:
/// the result is `Expr::ValuePath { attribute, … }` with every path of `text` a
/// sub-attribute of `attribute`.
///
/// # Errors
/// As [`parse`]; also a path inside with a URN, a sub-attribute or a value path.
pub fn parse_value_filter(text: &str, attribute: &AttrPath) -> Result<Expr, FilterError> {
    let mut parser = Parser::new(text)?;
    let inner = parser.filter(Some(attribute))?;
    let inner = parser.finish(inner)?;
    Ok(Expr::ValuePath {
        attribute: attribute.clone(),
        filter: Box::new(inner),
    })
}

/// Reads an attribute path alone (`name.familyName`, a `sortBy`).
///
/// # Errors
/// A [`FilterError`] for text that is not an attribute path.
pub fn parse_path(text: &str) -> Result<AttrPath, FilterError> {
    let text = text.trim();
    if text.len() > MAX_FILTER_BYTES {
        return Err(FilterError::new(format!(
            "the attribute path is longer than {MAX_FILTER_BYTES} bytes"
        )));
    }
    attr_path(text, 0)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

impl Token {
    fn is_word(&self, word: &str) -> bool {
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

/// Splits filter text into tokens with their byte offsets. Strings are JSON strings
/// (RFC 7644 §3.4.2.2 says "JSON format"), so `\"`, `\\` and `\u00e9` decode as in JSON;
/// a string holding U+0000 is refused (no stored text holds it, and PostgreSQL cannot
/// take it as a parameter).
fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, FilterError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let start = index;
        match byte {
            b' ' | b'\t' | b'\r' | b'\n' => index += 1,
            b'(' | b')' | b'[' | b']' => {
                tokens.push((
                    start,
                    match byte {
                        b'(' => Token::Open,
                        b')' => Token::Close,
                        b'[' => Token::OpenBracket,
                        _ => Token::CloseBracket,
                    },
                ));
                index += 1;
            }
            b'"' => {
                index += 1;
                // Continuation bytes of UTF-8 are never `"` or `\`, so a byte scan finds
                // the closing quote and the slice below stays on character boundaries.
                loop {
                    match bytes.get(index) {
                        None => {
                            return Err(FilterError::at(start, "the string has no closing quote"))
                        }
                        Some(b'\\') => index += 2,
                        Some(b'"') => break,
                        Some(_) => index += 1,
                    }
                }
                let literal = text.get(start..=index).unwrap_or_default();
                let value: String = serde_json::from_str(literal).map_err(|_| {
                    FilterError::at(
                        start,
                        "the string is not a valid JSON string (bad escape or control character)",
                    )
                })?;
                if value.contains('\0') {
                    return Err(FilterError::at(start, "the string holds U+0000"));
                }
                tokens.push((start, Token::Str(value)));
                index += 1;
            }
            _ => {
                while index < bytes.len()
                    && !matches!(
                        bytes[index],
                        b' ' | b'\t' | b'\r' | b'\n' | b'(' | b')' | b'[' | b']' | b'"'
                    )
                {
                    index += 1;
                }
                tokens.push((start, Token::Word(text[start..index].to_owned())));
            }
        }
    }
    Ok(tokens)
}

/// Reads `urn:…:attr.sub`, `attr.sub` or `attr`; the core User URN is dropped.
fn attr_path(word: &str, at: usize) -> Result<AttrPath, FilterError> {
    let bad = |what: &str| FilterError::at(at, format!("`{}` is not {what}", clip(word)));
    let (urn, rest) = if word.len() > 4
        && word
            .get(..4)
            .is_some_and(|head| head.eq_ignore_ascii_case("urn:"))
    {
        let Some(colon) = word.rfind(':') else {
            return Err(bad("an attribute path"));
        };
        let urn = &word[..colon];
        let valid_urn = urn
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
        if !valid_urn {
            return Err(bad("an attribute path (a malformed schema URN)"));
        }
        let urn = (!is_core_urn(urn)).then(|| urn.to_owned());
        (urn, &word[colon + 1..])
    } else {
        (None, word)
    };
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    if !is_attribute_name(name) {
        return Err(bad("an attribute path"));
    }
    if let Some(sub) = sub {
        if !is_attribute_name(sub) {
            return Err(bad("an attribute path (bad sub-attribute)"));
        }
    }
    Ok(AttrPath {
        urn,
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    })
}

fn comp_value(token: &Token, at: usize) -> Result<CompValue, FilterError> {
    match token {
        Token::Str(text) => Ok(CompValue::Str(text.clone())),
        Token::Word(word) if word.eq_ignore_ascii_case("true") => Ok(CompValue::Bool(true)),
        Token::Word(word) if word.eq_ignore_ascii_case("false") => Ok(CompValue::Bool(false)),
        Token::Word(word) if word.eq_ignore_ascii_case("null") => Ok(CompValue::Null),
        Token::Word(word) => match serde_json::from_str::<serde_json::Value>(word) {
            Ok(serde_json::Value::Number(number)) => number
                .as_f64()
                .filter(|n| n.is_finite())
                .map(CompValue::Number)
                .ok_or_else(|| FilterError::at(at, "the number is out of range")),
            // Lenient: a bare word is the string it spells. Microsoft's SCIM reference
            // tests send `userName sw O` and `meta.Created gt 2015-10-10T14:38:21-07:00`
            // unquoted; after an operator a word can only be the value.
            _ => Ok(CompValue::Str(word.clone())),
        },
        other => Err(FilterError::at(
            at,
            format!("{} where a value was expected", other.describe()),
        )),
    }
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    position: usize,
    depth: usize,
    terms: usize,
    end: usize,
}

impl Parser {
    fn new(text: &str) -> Result<Self, FilterError> {
        if text.len() > MAX_FILTER_BYTES {
            return Err(FilterError::new(format!(
                "the filter is longer than {MAX_FILTER_BYTES} bytes"
            )));
        }
        let tokens = tokenize(text)?;
        if tokens.is_empty() {
            return Err(FilterError::new("the filter is empty"));
        }
        Ok(Self {
            tokens,
            position: 0,
            depth: 0,
            terms: 0,
            end: text.len(),
        })
    }

    fn finish(&self, expr: Expr) -> Result<Expr, FilterError> {
        match self.tokens.get(self.position) {
            None => Ok(expr),
            Some((at, Token::Close | Token::CloseBracket)) => Err(FilterError::at(
                *at,
                format!("unbalanced {}", self.tokens[self.position].1.describe()),
            )),
            Some((at, token)) => Err(FilterError::at(
                *at,
                format!(
                    "unexpected {} after a complete filter (join filters with `and` or `or`)",
                    token.describe()
                ),
            )),
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position).map(|(_, token)| token)
    }

    /// The offset of the next token, or the end of the text.
    fn here(&self) -> usize {
        self.tokens
            .get(self.position)
            .map_or(self.end, |(at, _)| *at)
    }

    fn next(&mut self) -> Option<(usize, Token)> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn expected(&self, what: &str) -> FilterError {
        match self.tokens.get(self.position) {
            None => FilterError::at(
                self.end,
                format!("the filter ends where {what} was expected"),
            ),
            Some((at, token)) => FilterError::at(
                *at,
                format!("unexpected {} where {what} was expected", token.describe()),
            ),
        }
    }

    fn deeper(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::at(
                self.here(),
                format!("the filter is nested deeper than {MAX_DEPTH}"),
            ));
        }
        Ok(())
    }

    fn counted(&mut self) -> Result<(), FilterError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(FilterError::at(
                self.here(),
                format!("the filter holds more than {MAX_TERMS} comparisons"),
            ));
        }
        Ok(())
    }

    /// `term *("or" term)`. `scope` is the attribute of an enclosing value path.
    fn filter(&mut self, scope: Option<&AttrPath>) -> Result<Expr, FilterError> {
        let mut either = vec![self.term(scope)?];
        while self.peek().is_some_and(|token| token.is_word("or")) {
            self.position += 1;
            either.push(self.term(scope)?);
        }
        Ok(if either.len() == 1 {
            either.remove(0)
        } else {
            Expr::Or(either)
        })
    }

    /// `factor *("and" factor)`
    fn term(&mut self, scope: Option<&AttrPath>) -> Result<Expr, FilterError> {
        let mut all = vec![self.factor(scope)?];
        while self.peek().is_some_and(|token| token.is_word("and")) {
            self.position += 1;
            all.push(self.factor(scope)?);
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Expr::And(all)
        })
    }

    fn factor(&mut self, scope: Option<&AttrPath>) -> Result<Expr, FilterError> {
        match self.next() {
            None => {
                self.position -= 1;
                Err(self.expected("a comparison"))
            }
            Some((_, Token::Open)) => {
                self.deeper()?;
                let inner = self.filter(scope)?;
                match self.next() {
                    Some((_, Token::Close)) => {
                        self.depth -= 1;
                        Ok(inner)
                    }
                    _ => {
                        self.position -= 1;
                        Err(self.expected("`)`"))
                    }
                }
            }
            Some((_, Token::Word(word)))
                if word.eq_ignore_ascii_case("not")
                    && self
                        .peek()
                        .is_some_and(|token| *token == Token::Open || is_path_like(token)) =>
            {
                self.deeper()?;
                let inner = self.factor(scope)?;
                self.depth -= 1;
                Ok(Expr::Not(Box::new(inner)))
            }
            Some((at, Token::Word(word))) => {
                let path = attr_path(&word, at)?;
                let path = match scope {
                    None => path,
                    Some(attribute) => {
                        if path.urn.is_some() || path.sub.is_some() {
                            return Err(FilterError::at(
                                at,
                                format!(
                                    "inside `{attribute}[…]` a path names one sub-attribute, \
                                     not `{}`",
                                    clip(&word)
                                ),
                            ));
                        }
                        attribute.with_sub(&path.name)
                    }
                };
                if self.peek() == Some(&Token::OpenBracket) {
                    if scope.is_some() {
                        return Err(FilterError::at(at, "value filters do not nest"));
                    }
                    if path.sub.is_some() {
                        return Err(FilterError::at(
                            at,
                            "a value filter follows an attribute, not a sub-attribute",
                        ));
                    }
                    self.position += 1;
                    return self.value_path(path);
                }
                self.comparison(path)
            }
            Some((at, token)) => Err(FilterError::at(
                at,
                format!(
                    "unexpected {} where a comparison was expected",
                    token.describe()
                ),
            )),
        }
    }

    /// After `path`: `pr`, or an operator and a value.
    fn comparison(&mut self, path: AttrPath) -> Result<Expr, FilterError> {
        self.counted()?;
        let (at, operator) = match self.next() {
            Some((at, Token::Word(word))) => (at, word),
            _ => {
                self.position -= 1;
                return Err(self.expected(&format!("an operator after `{path}`")));
            }
        };
        if operator.eq_ignore_ascii_case("pr") {
            return Ok(Expr::Present(path));
        }
        let Some(op) = CompareOp::from_name(&operator) else {
            return Err(FilterError::at(
                at,
                format!(
                    "`{}` is not an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)",
                    clip(&operator)
                ),
            ));
        };
        let value = match self.next() {
            Some((at, token)) => comp_value(&token, at)?,
            None => {
                self.position -= 1;
                return Err(self.expected(&format!("a value after `{path} {op}`")));
            }
        };
        Ok(Expr::Compare(Compare { path, op, value }))
    }

    /// After `attribute[`: the value filter, `]`, and an optional `.sub op value`.
    fn value_path(&mut self, attribute: AttrPath) -> Result<Expr, FilterError> {
        self.deeper()?;
        let inner = self.filter(Some(&attribute))?;
        match self.next() {
            Some((_, Token::CloseBracket)) => self.depth -= 1,
            _ => {
                self.position -= 1;
                return Err(self.expected("`]`"));
            }
        }
        let mut filter = inner;
        if let Some((at, Token::Word(word))) = self.tokens.get(self.position).cloned() {
            if let Some(sub) = word.strip_prefix('.') {
                if !is_attribute_name(sub) {
                    return Err(FilterError::at(
                        at,
                        format!("`{}` is not a sub-attribute", clip(&word)),
                    ));
                }
                self.position += 1;
                let tail = self.comparison(attribute.with_sub(sub))?;
                filter = match filter {
                    Expr::And(mut all) => {
                        all.push(tail);
                        Expr::And(all)
                    }
                    other => Expr::And(vec![other, tail]),
                };
            }
        }
        Ok(Expr::ValuePath {
            attribute,
            filter: Box::new(filter),
        })
    }
}

/// A word that can start a comparison (so `not` before it is the operator, and an
/// attribute named `not` stays one).
fn is_path_like(token: &Token) -> bool {
    matches!(token, Token::Word(word) if !word.eq_ignore_ascii_case("pr")
        && CompareOp::from_name(word).is_none()
        && !word.starts_with('.'))
}

impl fmt::Display for Expr {
    /// The filter as text that [`parse`] reads back as the same expression.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expr(f, self, false)
    }
}

fn write_path(f: &mut fmt::Formatter<'_>, path: &AttrPath, in_scope: bool) -> fmt::Result {
    match (&path.sub, in_scope) {
        (Some(sub), true) => f.write_str(sub),
        _ => write!(f, "{path}"),
    }
}

fn write_expr(f: &mut fmt::Formatter<'_>, expr: &Expr, in_scope: bool) -> fmt::Result {
    let joined = |f: &mut fmt::Formatter<'_>, parts: &[Expr], word: &str| {
        for (index, part) in parts.iter().enumerate() {
            if index > 0 {
                write!(f, " {word} ")?;
            }
            f.write_str("(")?;
            write_expr(f, part, in_scope)?;
            f.write_str(")")?;
        }
        Ok(())
    };
    match expr {
        Expr::And(all) => joined(f, all, "and"),
        Expr::Or(either) => joined(f, either, "or"),
        Expr::Not(inner) => {
            f.write_str("not (")?;
            write_expr(f, inner, in_scope)?;
            f.write_str(")")
        }
        Expr::Present(path) => {
            write_path(f, path, in_scope)?;
            f.write_str(" pr")
        }
        Expr::Compare(compare) => {
            write_path(f, &compare.path, in_scope)?;
            write!(f, " {} ", compare.op)?;
            match &compare.value {
                CompValue::Str(text) => {
                    write!(f, "{}", serde_json::Value::String(text.clone()))
                }
                CompValue::Number(number) => write!(f, "{number:?}"),
                CompValue::Bool(flag) => write!(f, "{flag}"),
                CompValue::Null => f.write_str("null"),
            }
        }
        Expr::ValuePath { attribute, filter } => {
            write!(f, "{attribute}[")?;
            write_expr(f, filter, true)?;
            f.write_str("]")
        }
    }
}
