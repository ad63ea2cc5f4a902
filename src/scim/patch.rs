//! Temporary stand-in; replaced by the protocol branch.
pub(crate) fn apply_patch(
    _document: &mut serde_json::Map<String, serde_json::Value>,
    _request: &serde_json::Value,
) -> Result<(), super::ScimError> {
    Err(super::ScimError::invalid_syntax("stand-in"))
}
