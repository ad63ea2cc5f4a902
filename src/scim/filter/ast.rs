//! What a filter says, once read: the tree [`parse`](super::parse) builds and both
//! evaluators (the in-memory one in [`eval`](super::eval) and the SCIM bridge's SQL)
//! walk.

use std::fmt;

use crate::scim::schema::USER;

/// A filter expression (RFC 7644 §3.4.2.2).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Expr {
    /// Every one holds (`a and b and c`, at least two).
    And(Vec<Expr>),
    /// Any one holds (`a or b or c`, at least two).
    Or(Vec<Expr>),
    /// `not (…)`: the inner expression does not hold.
    Not(Box<Expr>),
    /// `path op value`.
    Compare(Compare),
    /// `path pr`: the attribute has a value.
    Present(AttrPath),
    /// `attribute[filter]`: one value of a (multi-valued) complex attribute for which the
    /// filter holds. Every path of `filter` is written in full (`emails.type` for the
    /// `type` of `emails[type eq "work"]`) and names a sub-attribute of that one value.
    ValuePath {
        /// The complex attribute (no sub-attribute).
        attribute: AttrPath,
        /// The filter every path of which is a sub-attribute of one value.
        filter: Box<Expr>,
    },
}

/// `path op value` with an operator other than `pr`.
#[derive(Debug, Clone, PartialEq)]
pub struct Compare {
    /// The attribute compared.
    pub path: AttrPath,
    /// The operator.
    pub op: CompareOp,
    /// The value compared with.
    pub value: CompValue,
}

/// The comparison operators of RFC 7644 §3.4.2.2 (`pr` is [`Expr::Present`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal (`not (path eq value)`).
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// Every operator.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    /// The operator as the RFC spells it (`eq`).
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// The operator of this name, in any case.
    pub fn from_name(name: &str) -> Option<Self> {
        CompareOp::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(name))
    }

    /// Whether this is `gt`, `ge`, `lt` or `le`.
    pub fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        )
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `compValue`: a JSON string, number, `true`, `false` or `null`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CompValue {
    /// A JSON string, escapes decoded.
    Str(String),
    /// A JSON number.
    Number(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// An attribute path: an optional extension schema URN, an attribute and an optional
/// sub-attribute (`name.familyName`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`). The core
/// User URN is dropped when read, so `urn:ietf:params:scim:schemas:core:2.0:User:userName`
/// and `userName` are the same path. Names keep the case the client wrote; they compare
/// without case ([`AttrPath::key`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// The extension's URN, `None` for a core attribute.
    pub urn: Option<String>,
    /// The attribute's name.
    pub name: String,
    /// The sub-attribute's name, if any.
    pub sub: Option<String>,
}

impl AttrPath {
    /// A core attribute path (`userName`) or one with a sub-attribute.
    pub fn core(name: &str, sub: Option<&str>) -> Self {
        Self {
            urn: None,
            name: name.to_owned(),
            sub: sub.map(str::to_owned),
        }
    }

    /// The key of the attribute alone, lower-cased: `emails`,
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:manager`.
    pub fn attribute_key(&self) -> String {
        match &self.urn {
            None => self.name.to_ascii_lowercase(),
            Some(urn) => format!(
                "{}:{}",
                urn.to_ascii_lowercase(),
                self.name.to_ascii_lowercase()
            ),
        }
    }

    /// The whole path lower-cased, the sub-attribute after a dot: `name.familyname`. What
    /// [`AttributeTypes`](super::AttributeTypes) is asked about and the bridge indexes by.
    pub fn key(&self) -> String {
        match &self.sub {
            None => self.attribute_key(),
            Some(sub) => format!("{}.{}", self.attribute_key(), sub.to_ascii_lowercase()),
        }
    }

    /// This attribute with the sub-attribute `sub`.
    pub fn with_sub(&self, sub: &str) -> Self {
        Self {
            sub: Some(sub.to_owned()),
            ..self.clone()
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Whether `urn` is the core User schema's URN (any ASCII case).
pub(crate) fn is_core_urn(urn: &str) -> bool {
    urn.eq_ignore_ascii_case(USER)
}
