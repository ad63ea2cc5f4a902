//! Temporary stand-in; replaced by the protocol branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    pub attribute: FilterAttribute,
    pub value: String,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FilterAttribute {
    Id,
    UserName,
    ExternalId,
    EmailValue,
}
pub(crate) fn parse_filter(_text: &str) -> Result<Vec<Condition>, super::ScimError> {
    Err(super::ScimError::invalid_filter("stand-in"))
}
