//! Temporary stand-in; replaced by the discovery branch.
use serde_json::{json, Value};
pub(crate) struct DiscoveryLimits {
    pub max_results: usize,
    pub max_body_bytes: usize,
}
pub(crate) fn service_provider_config(_base: &str, _limits: &DiscoveryLimits) -> Value {
    json!({})
}
pub(crate) fn resource_types(_base: &str) -> Value {
    json!({})
}
pub(crate) fn user_resource_type(_base: &str) -> Value {
    json!({})
}
pub(crate) fn schemas(_base: &str) -> Value {
    json!({})
}
pub(crate) fn schema(_base: &str, _id: &str) -> Option<Value> {
    None
}
