//! `/ServiceProviderConfig` (RFC 7643 §5): what a SCIM service provider announces it
//! supports.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::scim::schema::SERVICE_PROVIDER_CONFIG;

/// A SCIM service provider's configuration (RFC 7643 §5). Read leniently: a feature
/// whose object is missing or malformed reads as unsupported, and everything else the
/// server sent is kept in [`other`](Self::other).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServiceProviderConfig {
    /// The schema URNs (`urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig`).
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Where the provider documents itself.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub documentation_uri: Option<String>,
    /// PATCH (RFC 7644 §3.5.2).
    #[serde(default, deserialize_with = "super::lenient::or_default")]
    pub patch: Supported,
    /// Bulk requests (RFC 7644 §3.7).
    #[serde(default, deserialize_with = "super::lenient::or_default")]
    pub bulk: BulkConfig,
    /// Filtered queries (RFC 7644 §3.4.2.2).
    #[serde(default, deserialize_with = "super::lenient::or_default")]
    pub filter: FilterConfig,
    /// Changing a password (`password` in PUT or PATCH).
    #[serde(default, deserialize_with = "super::lenient::or_default")]
    pub change_password: Supported,
    /// Sorted queries (RFC 7644 §3.4.2.3).
    #[serde(default, deserialize_with = "super::lenient::or_default")]
    pub sort: Supported,
    /// ETags and `If-Match` (RFC 7644 §3.14).
    #[serde(default, deserialize_with = "super::lenient::or_default")]
    pub etag: Supported,
    /// The authentication schemes the provider takes.
    #[serde(default, deserialize_with = "super::lenient::or_default")]
    pub authentication_schemes: Vec<AuthenticationScheme>,
    /// Anything else the server sent (`meta`, vendor extensions).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Default for ServiceProviderConfig {
    /// What a client may assume of a server that announces nothing: none of the
    /// optional features.
    fn default() -> Self {
        Self {
            schemas: vec![SERVICE_PROVIDER_CONFIG.to_owned()],
            documentation_uri: None,
            patch: Supported::default(),
            bulk: BulkConfig::default(),
            filter: FilterConfig::default(),
            change_password: Supported::default(),
            sort: Supported::default(),
            etag: Supported::default(),
            authentication_schemes: Vec::new(),
            other: Map::new(),
        }
    }
}

impl ServiceProviderConfig {
    /// A configuration announcing nothing optional; set what the server supports with
    /// the `with_` methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// Announces PATCH.
    pub fn with_patch(mut self, supported: bool) -> Self {
        self.patch.supported = supported;
        self
    }

    /// Announces filtered queries, returning at most `max_results` resources each.
    pub fn with_filter(mut self, supported: bool, max_results: Option<u32>) -> Self {
        self.filter.supported = supported;
        self.filter.max_results = max_results;
        self
    }

    /// Announces password changes.
    pub fn with_change_password(mut self, supported: bool) -> Self {
        self.change_password.supported = supported;
        self
    }

    /// Announces sorting.
    pub fn with_sort(mut self, supported: bool) -> Self {
        self.sort.supported = supported;
        self
    }

    /// Announces ETags.
    pub fn with_etag(mut self, supported: bool) -> Self {
        self.etag.supported = supported;
        self
    }

    /// Announces bulk requests.
    pub fn with_bulk(mut self, bulk: BulkConfig) -> Self {
        self.bulk = bulk;
        self
    }

    /// Adds an authentication scheme.
    pub fn with_authentication_scheme(mut self, scheme: AuthenticationScheme) -> Self {
        self.authentication_schemes.push(scheme);
        self
    }
}

/// A feature's `{"supported": bool}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Supported {
    /// Whether the feature is supported; `false` unless the server says `true`.
    #[serde(default, deserialize_with = "super::lenient::flag")]
    pub supported: bool,
}

/// `bulk`: whether bulk requests are supported, and their limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkConfig {
    /// Whether bulk requests are supported.
    #[serde(default, deserialize_with = "super::lenient::flag")]
    pub supported: bool,
    /// The most operations of one bulk request.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub max_operations: Option<u32>,
    /// The largest bulk request, in bytes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub max_payload_size: Option<u64>,
}

/// `filter`: whether filtered queries are supported, and the most results one returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FilterConfig {
    /// Whether `filter=` queries are supported.
    #[serde(default, deserialize_with = "super::lenient::flag")]
    pub supported: bool,
    /// The most resources one query answer holds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub max_results: Option<u32>,
}

/// One of `authenticationSchemes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuthenticationScheme {
    /// The scheme: `oauthbearertoken`, `httpbasic`, `oauth2`, ….
    #[serde(
        rename = "type",
        default,
        deserialize_with = "super::lenient::optional"
    )]
    pub scheme_type: Option<String>,
    /// Its name.
    #[serde(default, deserialize_with = "super::lenient::optional")]
    pub name: Option<String>,
    /// Its description.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub description: Option<String>,
    /// The specification it follows.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub spec_uri: Option<String>,
    /// Whether it is the primary scheme.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::optional"
    )]
    pub primary: Option<bool>,
}

impl AuthenticationScheme {
    /// A scheme of this type and name.
    pub fn new(scheme_type: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            scheme_type: Some(scheme_type.into()),
            name: Some(name.into()),
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_feature_that_is_missing_or_malformed_reads_as_unsupported() {
        let config: ServiceProviderConfig = serde_json::from_value(json!({
            "schemas": [SERVICE_PROVIDER_CONFIG],
            "patch": {"supported": "True"},
            "etag": "yes",
            "filter": {"supported": true, "maxResults": "lots"},
            "authenticationSchemes": {"type": "oauthbearertoken"},
            "x-vendor": 1
        }))
        .unwrap();
        assert!(config.patch.supported);
        assert!(!config.etag.supported);
        assert!(!config.change_password.supported);
        assert!(config.filter.supported);
        assert_eq!(config.filter.max_results, None);
        assert!(config.authentication_schemes.is_empty());
        assert_eq!(config.other["x-vendor"], 1);
    }

    #[test]
    fn a_config_round_trips() {
        let config = ServiceProviderConfig::new()
            .with_patch(true)
            .with_etag(true)
            .with_filter(true, Some(200))
            .with_authentication_scheme(AuthenticationScheme::new("oauthbearertoken", "Bearer"));
        let text = serde_json::to_value(&config).unwrap();
        assert_eq!(
            text["filter"],
            json!({"supported": true, "maxResults": 200})
        );
        let back: ServiceProviderConfig = serde_json::from_value(text).unwrap();
        assert_eq!(back, config);
    }
}
