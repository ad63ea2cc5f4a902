//! The `filter` of a SCIM query (RFC 7644 §3.4.2.2), read and written.
//!
//! - Writing: [`Filter`] builds `attribute eq "value"` with the value quoted as the RFC's
//!   JSON string rules ask, so that no value can change what the filter means. The SCIM
//!   client (`providers::scim`, feature `scim-client`) sends these.
//! - Reading: [`parse`] reads the subset of the grammar identity providers use to look a
//!   person up: equality on `userName`, `externalId`, `id` or an email's `value` (also
//!   `emails[value eq "…"]`, and `emails[type eq "work"].value eq "…"` for the email of
//!   one type), several joined by `and`, grouped with parentheses. Anything else is a
//!   [`FilterError`] that says what was not understood and what is supported, so that a
//!   server never answers a filter it did not read with a wider list. [`tokenize`] is the
//!   lexer under it, also what the value filters of PATCH paths (`emails[type eq
//!   "work"]`) are read with.
//!
//! The types read are `#[non_exhaustive]`: a later release may read more of the grammar
//! (other operators, `or`) without a breaking change.
//!
//! ```
//! use user_provisioner::scim::filter::{parse, Filter, FilterAttribute};
//!
//! let written = Filter::equals("userName", "ada@example.com")?;
//! let conditions = parse(written.as_str()).expect("a filter the writer wrote reads back");
//! assert_eq!(conditions.len(), 1);
//! assert_eq!(conditions[0].attribute, FilterAttribute::UserName);
//! assert_eq!(conditions[0].value, "ada@example.com");
//! assert!(parse(r#"userName sw "ada""#).is_err());
//! # Ok::<(), user_provisioner::Error>(())
//! ```

mod parse;
mod write;

pub use parse::{
    parse, tokenize, Condition, FilterAttribute, FilterError, Token, MAX_DEPTH, MAX_FILTER_BYTES,
};
pub use write::Filter;
