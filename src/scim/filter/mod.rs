//! The `filter` of a SCIM query (RFC 7644 §3.4.2.2), read, evaluated and written.
//!
//! - Reading: [`parse`] reads the whole grammar into an [`Expr`]: every operator (`eq`
//!   `ne` `co` `sw` `ew` `gt` `ge` `lt` `le` `pr`), `and` (binding tighter than `or`),
//!   `not (…)`, parentheses, value paths (`emails[type eq "work" and value co "@x"]`),
//!   sub-attributes and schema URNs (the core User URN dropped), names and operators in
//!   any case, and values that are JSON strings, numbers, `true`, `false` or `null` (and,
//!   leniently, a bare word as the string it spells: `userName sw O`). A
//!   filter that is not read is a [`FilterError`] saying where and why; the work is
//!   bounded ([`MAX_FILTER_BYTES`], [`MAX_DEPTH`], [`MAX_TERMS`]) and no input panics.
//! - Evaluating: [`Expr::plan`] resolves a filter against the attributes' types
//!   ([`AttributeTypes`]) into a [`Plan`] whose rules are written once, below; the
//!   in-memory evaluator [`Plan::matches`] ([`Expr::matches`]) and the SCIM bridge's SQL
//!   both walk it, so the two answer alike.
//! - Writing: [`Filter`] builds `attribute eq "value"` with the value quoted as the RFC's
//!   JSON string rules ask, so that no value can change what the filter means. The SCIM
//!   client (`providers::scim`, feature `scim-client`) sends these.
//!
//! # What a filter means
//!
//! RFC 7644 §3.4.2.2, and where the RFC leaves a choice, the choice made:
//! - **Multi-valued**: a comparison holds when any value holds it. A complex attribute
//!   compared without a sub-attribute compares its `value` (`emails co "@x"` is
//!   `emails.value co "@x"`).
//! - **Case**: a string attribute with `caseExact` false compares both sides
//!   Unicode-lower-cased (Rust's [`str::to_lowercase`]); a case-exact one as written.
//! - **Order**: `gt`/`ge`/`lt`/`le` order strings by code point (UTF-8 byte order, no
//!   locale), `dateTime`s chronologically (both sides read as RFC 3339; a value that is
//!   not one is an `invalidFilter`), numbers numerically. Booleans take only `eq` and
//!   `ne` (§3.4.2.2: anything else is an `invalidFilter`); `co`/`sw`/`ew` apply to
//!   strings only (an `invalidFilter` on numbers and dateTimes).
//! - **Absent values**: an empty string, `null`, an empty array or object, and a value
//!   of the wrong JSON type for the attribute are absent. `pr` holds when a value is
//!   present. `eq null` holds when none is (`not (path pr)`), `ne null` when one is.
//! - **`ne`** is `not (eq)`: it holds for a resource without the attribute.
//! - **Mismatched values**: a string compared with a number (or any compValue of
//!   another type than the attribute's, but for `"true"`/`"false"` on a boolean, read as
//!   the boolean) matches nothing.
//! - **Unknown attributes** (not in the [`AttributeTypes`]) are absent: a comparison
//!   matches nothing, `ne` everything. They are not refused, so a filter written for
//!   a larger schema still reads.
//! - **Value paths** `emails[type eq "work" and value co "@x"]`: one value for which the
//!   whole inner filter holds, `not` included; a value is one of the attribute's
//!   objects that has at least one present sub-attribute.
//!
//! ```
//! use serde_json::json;
//! use user_provisioner::scim::filter::{
//!     parse, AttributeType, AttributeTypes, Filter, ValueKind,
//! };
//!
//! struct Types;
//! impl AttributeTypes for Types {
//!     fn attribute_type(&self, key: &str) -> Option<AttributeType> {
//!         match key {
//!             "username" => Some(AttributeType::single(ValueKind::String, false)),
//!             "emails" => Some(AttributeType::multi(ValueKind::Complex, false)),
//!             "emails.value" | "emails.type" => {
//!                 Some(AttributeType::single(ValueKind::String, false))
//!             }
//!             _ => None,
//!         }
//!     }
//! }
//!
//! let user = json!({
//!     "userName": "Ada",
//!     "emails": [{"value": "ada@example.com", "type": "work"}],
//! });
//! let user = user.as_object().unwrap();
//! let written = Filter::equals("userName", "ada")?;
//! assert!(parse(written.as_str())?.matches(user, &Types)?);
//! let work = parse(r#"emails[type eq "WORK" and value co "@example"] and not (title pr)"#)?;
//! assert!(work.matches(user, &Types)?);
//! assert!(!parse(r#"userName sw "b" or emails co "@other""#)?.matches(user, &Types)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ast;
mod eval;
mod parse;
mod write;

pub use ast::{AttrPath, CompValue, Compare, CompareOp, Expr};
pub use eval::{
    normal_date_time, resolve_key, AttributeType, AttributeTypes, Comparable, Key, Plan, Test,
    ValueKind,
};
pub use parse::{
    parse, parse_path, parse_value_filter, FilterError, MAX_DEPTH, MAX_FILTER_BYTES, MAX_TERMS,
};
pub use write::Filter;

#[cfg(test)]
mod tests;
