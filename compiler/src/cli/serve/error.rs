//! The service's error responses: one JSON shape for every refusal,
//! `{"error": {"code": ..., "message": ..., "path"?: ...}, "policy"?: ..., "hash"?: ..., "key"?: ...}`,
//! with a stable `code` per cause and the matching HTTP status.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The header naming the source hash of the version that answered.
pub const HASH_HEADER: &str = "dexp-policy-hash";

/// Why a request was refused. `code()` is the stable name clients match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The record could not be decided (bad JSON, a wrong type, an evaluation error): 400.
    BadRecord,
    /// The request itself is malformed (an unknown query parameter, a bad value): 400.
    BadRequest,
    /// `?explain=true` on a policy served from a `.wasm` module: 400.
    ExplainUnavailable,
    /// No valid bearer token: 401.
    Unauthorized,
    /// No policy of that name: 404.
    UnknownPolicy,
    /// No such endpoint: 404.
    NotFound,
    /// The endpoint exists for another method: 405.
    MethodNotAllowed,
    /// The body is larger than the limit: 413.
    PayloadTooLarge,
    /// The body's content type is not the endpoint's: 415.
    UnsupportedMediaType,
    /// The record ran past the runtime's deadline, fuel or memory: 422.
    LimitExceeded,
    /// A reload was asked for and a policy did not load: 422.
    ReloadFailed,
    /// No evaluation slot became free within the queue timeout: 429.
    Overloaded,
    /// Something failed inside the server: 500.
    Internal,
    /// The policy has no loaded version yet: 503.
    NotReady,
}

impl Code {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadRecord => "bad_record",
            Code::BadRequest => "bad_request",
            Code::ExplainUnavailable => "explain_unavailable",
            Code::Unauthorized => "unauthorized",
            Code::UnknownPolicy => "unknown_policy",
            Code::NotFound => "not_found",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::PayloadTooLarge => "payload_too_large",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::LimitExceeded => "limit_exceeded",
            Code::ReloadFailed => "reload_failed",
            Code::Overloaded => "overloaded",
            Code::Internal => "internal",
            Code::NotReady => "not_ready",
        }
    }

    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        match self {
            Code::BadRecord | Code::BadRequest | Code::ExplainUnavailable => StatusCode::BAD_REQUEST,
            Code::Unauthorized => StatusCode::UNAUTHORIZED,
            Code::UnknownPolicy | Code::NotFound => StatusCode::NOT_FOUND,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::LimitExceeded | Code::ReloadFailed => StatusCode::UNPROCESSABLE_ENTITY,
            Code::Overloaded => StatusCode::TOO_MANY_REQUESTS,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Code::NotReady => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Every code, for the metrics' labels.
    pub const ALL: [Code; 14] = [
        Code::BadRecord,
        Code::BadRequest,
        Code::ExplainUnavailable,
        Code::Unauthorized,
        Code::UnknownPolicy,
        Code::NotFound,
        Code::MethodNotAllowed,
        Code::PayloadTooLarge,
        Code::UnsupportedMediaType,
        Code::LimitExceeded,
        Code::ReloadFailed,
        Code::Overloaded,
        Code::Internal,
        Code::NotReady,
    ];
}

/// A refusal, rendered as the JSON error shape.
#[derive(Debug)]
pub struct ApiError {
    /// The cause.
    pub code: Code,
    /// What went wrong, for people.
    pub message: String,
    /// Where in the record (for `bad_record` and `limit_exceeded`).
    pub path: Option<String>,
    /// The policy and the hash of the version that refused, when one was involved.
    pub version: Option<(String, String)>,
    /// The record's key, when readable.
    pub key: Option<String>,
    /// More fields to add at the top level (the reload report).
    pub extra: Option<(&'static str, serde_json::Value)>,
}

impl ApiError {
    /// A refusal with a message.
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), path: None, version: None, key: None, extra: None }
    }

    /// Names the version that refused.
    pub fn with_version(mut self, policy: &str, hash: &str) -> ApiError {
        self.version = Some((policy.to_string(), hash.to_string()));
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code.as_str(), "message": self.message });
        if let (Some(path), Some(map)) = (&self.path, error.as_object_mut()) {
            map.insert("path".into(), path.clone().into());
        }
        let mut body = json!({ "error": error });
        if let Some(map) = body.as_object_mut() {
            if let Some((policy, hash)) = &self.version {
                map.insert("policy".into(), policy.clone().into());
                map.insert("hash".into(), hash.clone().into());
            }
            if let Some(key) = &self.key {
                map.insert("key".into(), key.clone().into());
            }
            if let Some((name, value)) = self.extra {
                map.insert(name.into(), value);
            }
        }
        let mut response = (self.code.status(), json_body(body.to_string())).into_response();
        let headers = response.headers_mut();
        if let Some((_, hash)) = &self.version {
            if let Ok(value) = HeaderValue::from_str(hash) {
                headers.insert(HASH_HEADER, value);
            }
        }
        if self.code == Code::Unauthorized {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.code == Code::Overloaded {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response.extensions_mut().insert(self.code);
        response
    }
}

/// A JSON body with its content type.
pub fn json_body(text: String) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], text).into_response()
}
