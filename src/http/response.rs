//! Reading a response body within a limit, and decoding it.

use reqwest::header::{HeaderMap, HeaderName, CONTENT_TYPE};
use serde::de::DeserializeOwned;

use super::Auth;
use crate::error::{Error, ErrorDetail, Result};
use crate::options::RequestOptions;
use crate::provider::Provider;
use crate::secret::Secret;

/// Headers that carry a request id, most specific first.
const REQUEST_ID_HEADERS: [HeaderName; 5] = [
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("request-id"),
    HeaderName::from_static("x-cloud-request-id"),
    HeaderName::from_static("x-correlation-id"),
    HeaderName::from_static("x-amzn-requestid"),
];

/// How much of a request id is kept.
const REQUEST_ID_CHARS: usize = 200;

/// How much of a non-JSON error body is kept as the message.
const EXCERPT_CHARS: usize = 200;

/// A complete response whose body was read within the client's limit.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) provider: Provider,
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) request_id: Option<String>,
    /// The client's credentials, scrubbed from decode errors: serde quotes the value it
    /// could not read, and a server may echo a credential in any field.
    pub(crate) auth: Option<std::sync::Arc<Auth>>,
    /// The secrets the request carried (a user's password), scrubbed likewise.
    pub(crate) secrets: Vec<Secret>,
}

/// What a provider's error body says, as its adapter reads it.
#[derive(Debug, Default)]
pub(crate) struct ErrorBody {
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) detail: ErrorDetail,
}

pub(crate) enum ReadError {
    TooLarge { status: u16, limit: usize },
    Transport(reqwest::Error),
}

/// Reads the whole body, stopping with an error as soon as it passes `limit`.
pub(crate) async fn read(
    provider: Provider,
    mut response: reqwest::Response,
    limit: usize,
) -> std::result::Result<RawResponse, ReadError> {
    let status = response.status().as_u16();
    let declared = response.content_length().unwrap_or(0);
    if declared > limit as u64 {
        return Err(ReadError::TooLarge { status, limit });
    }
    let mut body = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge { status, limit });
        }
        body.extend_from_slice(&chunk);
    }
    let headers = std::mem::take(response.headers_mut());
    let request_id = REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(name))
        .and_then(|value| value.to_str().ok())
        .map(|value| match value.char_indices().nth(REQUEST_ID_CHARS) {
            Some((end, _)) => value[..end].to_owned(),
            None => value.to_owned(),
        });
    Ok(RawResponse {
        provider,
        status,
        headers,
        body,
        request_id,
        auth: None,
        secrets: Vec::new(),
    })
}

impl RawResponse {
    /// An empty `204`, for a repeated request whose error answer showed that an
    /// earlier attempt already took effect.
    pub(crate) fn settled(provider: Provider) -> Self {
        Self {
            provider,
            status: 204,
            headers: HeaderMap::new(),
            body: Vec::new(),
            request_id: None,
            auth: None,
            secrets: Vec::new(),
        }
    }

    /// Decodes the body as JSON. The error names the path of the field that failed.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json(self.provider, self.status, &self.headers, &self.body)
            .map_err(|err| self.scrub(err))
    }

    /// Decodes the body as `T` like [`json`](Self::json); a body that does not decode is
    /// first decoded as `Shape` with path tracking, for models whose flattened part
    /// loses the field path (serde names no path inside a `#[serde(flatten)]` struct).
    /// The shape costs nothing on success.
    #[cfg(feature = "netsapiens")]
    pub(crate) fn json_explained<T: DeserializeOwned, Shape: DeserializeOwned>(&self) -> Result<T> {
        if let Ok(value) = serde_json::from_slice::<T>(&self.body) {
            return Ok(value);
        }
        self.json::<Shape>()?;
        self.json()
    }

    /// The body as JSON for a `raw` field, parsed only when the call asked for it
    /// ([`RequestOptions::with_raw_json`]); `null` otherwise, and for a body that is not
    /// JSON.
    pub(crate) fn raw_json(&self, call: &RequestOptions) -> serde_json::Value {
        if !call.keep_raw_json {
            return serde_json::Value::Null;
        }
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The items of the JSON array at `pointer` (`""` for the body itself) for the `raw`
    /// fields of a list, then `null` without end, so that zipping them with the decoded
    /// users keeps every user; all `null` unless the call keeps raw JSON.
    #[cfg(any(feature = "netsapiens", feature = "ece"))]
    pub(crate) fn raw_items(
        &self,
        call: &RequestOptions,
        pointer: &str,
    ) -> impl Iterator<Item = serde_json::Value> {
        let items = match self
            .raw_json(call)
            .pointer_mut(pointer)
            .map(serde_json::Value::take)
        {
            Some(serde_json::Value::Array(items)) => items,
            _ => Vec::new(),
        };
        items
            .into_iter()
            .chain(std::iter::repeat_with(|| serde_json::Value::Null))
    }

    /// Removes the client's credentials from a decode error's path and reason.
    fn scrub(&self, error: Error) -> Error {
        match (error, &self.auth) {
            (
                Error::Decode {
                    provider,
                    status,
                    path,
                    reason,
                },
                Some(auth),
            ) => Error::Decode {
                provider,
                status,
                path: auth.scrubbing(&self.secrets).scrub(&path).into_owned(),
                reason: auth.scrubbing(&self.secrets).scrub(&reason).into_owned(),
            },
            (error, _) => error,
        }
    }

    /// Decodes the body as JSON if it parses as `T`, for error bodies whose shape is a
    /// courtesy, not a promise.
    pub(crate) fn json_lenient<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The start of the body as text, for error messages of non-JSON answers.
    pub(crate) fn text_excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        if text.starts_with('<') {
            return format!(
                "non-JSON {} body of {} bytes",
                self.content_type().unwrap_or("untyped"),
                self.body.len()
            );
        }
        let mut excerpt: String = text.chars().take(EXCERPT_CHARS).collect();
        if text.chars().nth(EXCERPT_CHARS).is_some() {
            excerpt.push('…');
        }
        excerpt
    }

    fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }
}

pub(crate) fn decode_json<T: DeserializeOwned>(
    provider: Provider,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Decode {
            provider,
            status,
            path: ".".into(),
            reason: "the body is empty; JSON was expected".into(),
        });
    }
    // Straight from the bytes first; only a failure is decoded again with path tracking,
    // so the error still names the field without every success paying for it.
    if let Ok(value) = serde_json::from_slice::<T>(body) {
        return Ok(value);
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|ct| !ct.contains("json"));
    let decode_error = |path: String, inner: &serde_json::Error| {
        let reason = match content_type {
            Some(ct) => format!("expected JSON, got {ct}: {inner}"),
            None => inner.to_string(),
        };
        Error::Decode {
            provider,
            status,
            path,
            reason,
        }
    };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|err| decode_error(err.path().to_string(), err.inner()))?;
    deserializer
        .end()
        .map_err(|err| decode_error(".".into(), &err))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Row {
        #[allow(dead_code)]
        user_sid: uuid::Uuid,
    }

    fn decode(body: &str) -> Result<Vec<Row>> {
        decode_json(Provider::EXAMPLE, 200, &HeaderMap::new(), body.as_bytes())
    }

    #[test]
    fn decode_errors_name_the_field_path() {
        let err =
            decode(r#"[{"user_sid":"a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d"},{"user_sid":"nope"}]"#)
                .unwrap_err();
        match err {
            Error::Decode { path, .. } => assert_eq!(path, "[1].user_sid"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn empty_truncated_and_trailing_bodies_are_decode_errors() {
        for body in ["", "   ", "[{\"user_sid\":", "[] []"] {
            assert!(
                matches!(decode(body), Err(Error::Decode { .. })),
                "{body:?}"
            );
        }
    }
}
