//! Temporary stand-in; replaced by the protocol branch.
pub(crate) fn project(
    _resource: &mut serde_json::Map<String, serde_json::Value>,
    _attributes: Option<&str>,
    _excluded: Option<&str>,
) -> Result<(), super::ScimError> {
    Ok(())
}
