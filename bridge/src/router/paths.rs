//! The endpoint names of a request path in any case, before routing.
//!
//! RFC 7644 §3.2 names the endpoints `/Users`, `/ServiceProviderConfig` and so on, and
//! clients spell them otherwise: Microsoft's reference collection asks for `/users`, Entra
//! ID's own SCIM API documents `/serviceproviderconfig` and `/schemas`, and a trailing
//! slash (`/Users/?filter=…`) is common. The router matches paths exactly, so the known
//! endpoint segments are rewritten to their canonical spelling first. Resource ids and
//! schema URNs are left as they are: an id is the service provider's, compared exactly.

use axum::http::uri::{PathAndQuery, Uri};

/// The endpoints at the root of the SCIM base, in canonical spelling.
const ENDPOINTS: [&str; 8] = [
    "Users",
    "Groups",
    "ServiceProviderConfig",
    "ResourceTypes",
    "Schemas",
    "Bulk",
    "Me",
    "Status",
];

/// Other names clients use for an endpoint, and the endpoint they mean.
///
/// `serviceConfiguration` is the path Microsoft's SCIM reference server serves its
/// configuration under, and its test collection asks for; answering it costs nothing.
const ALIASES: [(&str, &str); 1] = [("serviceConfiguration", "ServiceProviderConfig")];

/// The sub-resources below an endpoint, in canonical spelling (`/Status/retry`).
const SUB_RESOURCES: [(&str, &str); 1] = [("Status", "retry")];

/// The path with its endpoint segment (and a known sub-resource) in canonical spelling
/// and without a trailing slash; `None` when it is already canonical.
pub(super) fn canonical_path(path: &str) -> Option<String> {
    let trimmed = match path.strip_suffix('/') {
        Some(rest) if !rest.is_empty() => rest,
        _ => path,
    };
    let mut segments: Vec<&str> = trimmed.split('/').collect();
    // segments[0] is the empty text before the leading slash.
    if let Some(first) = segments.get(1).copied() {
        let endpoint = ENDPOINTS
            .iter()
            .copied()
            .find(|endpoint| endpoint.eq_ignore_ascii_case(first))
            .or_else(|| {
                ALIASES
                    .iter()
                    .find(|(alias, _)| alias.eq_ignore_ascii_case(first))
                    .map(|(_, endpoint)| *endpoint)
            });
        if let Some(endpoint) = endpoint {
            segments[1] = endpoint;
            if let Some(second) = segments.get(2).copied() {
                if let Some((_, sub)) = SUB_RESOURCES
                    .iter()
                    .find(|(parent, sub)| *parent == endpoint && sub.eq_ignore_ascii_case(second))
                {
                    segments[2] = sub;
                }
            }
        }
    }
    let canonical = segments.join("/");
    (canonical != path).then_some(canonical)
}

/// `uri` with its path made canonical; `None` when it already is (or cannot be rebuilt,
/// in which case the router answers it as sent).
pub(super) fn canonical_uri(uri: &Uri) -> Option<Uri> {
    let path = canonical_path(uri.path())?;
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_names_are_read_in_any_case() {
        for (sent, canonical) in [
            ("/users", "/Users"),
            ("/USERS/2819c223", "/Users/2819c223"),
            ("/serviceproviderconfig", "/ServiceProviderConfig"),
            ("/serviceConfiguration", "/ServiceProviderConfig"),
            ("/schemas", "/Schemas"),
            ("/resourcetypes/User", "/ResourceTypes/User"),
            ("/groups", "/Groups"),
            ("/bulk", "/Bulk"),
            ("/me", "/Me"),
            ("/status/RETRY", "/Status/retry"),
        ] {
            assert_eq!(canonical_path(sent).as_deref(), Some(canonical), "{sent}");
        }
    }

    #[test]
    fn ids_and_urns_keep_their_case() {
        assert_eq!(
            canonical_path("/users/AbC-123").as_deref(),
            Some("/Users/AbC-123")
        );
        assert_eq!(
            canonical_path("/schemas/urn:ietf:params:scim:schemas:core:2.0:User").as_deref(),
            Some("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
        );
        assert_eq!(
            canonical_path("/Users/retry"),
            None,
            "an id, not /Status/retry"
        );
    }

    #[test]
    fn a_trailing_slash_is_dropped() {
        assert_eq!(canonical_path("/Users/").as_deref(), Some("/Users"));
        assert_eq!(canonical_path("/users/").as_deref(), Some("/Users"));
        assert_eq!(canonical_path("/"), None);
    }

    #[test]
    fn canonical_and_unknown_paths_are_left_alone() {
        for path in [
            "/Users",
            "/Users/x",
            "/ServiceProviderConfig",
            "/Bulk",
            "/Other",
            "",
        ] {
            assert_eq!(canonical_path(path), None, "{path}");
        }
    }

    #[test]
    fn the_query_survives() {
        let uri: Uri = "/users/?filter=userName%20eq%20%22a%22&count=1"
            .parse()
            .unwrap();
        assert_eq!(
            canonical_uri(&uri).unwrap().to_string(),
            "/Users?filter=userName%20eq%20%22a%22&count=1"
        );
        let uri: Uri = "/Users?count=1".parse().unwrap();
        assert_eq!(canonical_uri(&uri), None);
    }
}
