//! The HTTP layer's errors, mapped once to a status and the JSON body
//! `{"error": {"code": "...", "message": "...", "request_id": "..."}}`.
//!
//! - Internal failures never show their details: the client gets a generic
//!   message and the request id; the log line has the details and the same id.
//! - Waits (`rate_limited`, `unavailable`) carry `retry_after_ms` and a
//!   `Retry-After` header.
//! - [`finish`] stamps the request id into every JSON error body, including
//!   the server functions' (`/rpc`), whose errors it also gives their status.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;
use serde_json::json;

use app::error::AppError;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Anything the service layer said (validation, 401, 403, 404, 409, 429, 500, 503).
    #[error(transparent)]
    App(#[from] AppError),
    #[error("request body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("request body has the wrong shape: {0}")]
    InvalidBody(String),
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("expected `Content-Type: application/json`")]
    UnsupportedMediaType,
    #[error("{0}")]
    CrossSite(String),
    #[error("this server does not answer to the host {0:?}")]
    MisdirectedHost(String),
    #[error("method {0} is not allowed here")]
    MethodNotAllowed(String),
    #[error("the database is not answering")]
    Unavailable,
}

/// The header requests are identified by (set by us unless a proxy did).
pub const REQUEST_ID: &str = app::error::REQUEST_ID_HEADER;

impl HttpError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            HttpError::App(e) => (
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                e.code(),
            ),
            HttpError::InvalidJson(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            HttpError::InvalidBody(_) => (StatusCode::BAD_REQUEST, "invalid_input"),
            HttpError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            HttpError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            HttpError::CrossSite(_) => (StatusCode::FORBIDDEN, "cross_site_request"),
            HttpError::MisdirectedHost(_) => {
                (StatusCode::MISDIRECTED_REQUEST, "misdirected_request")
            }
            HttpError::MethodNotAllowed(_) => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
            }
            HttpError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        }
    }
}

/// `Retry-After` (whole seconds, rounded up) for a wait in milliseconds.
fn retry_after(ms: u64) -> HeaderValue {
    HeaderValue::from(app::error::retry_after_secs(ms))
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let current = match &self {
            HttpError::App(e) => e.current().cloned(),
            _ => None,
        };
        let (message, retry_after_ms) = match &self {
            HttpError::App(e) => {
                if matches!(e, AppError::Internal(_)) {
                    // The details, for the log only (the span has the request id).
                    tracing::error!(%code, detail = %e.message(), "request failed");
                }
                (e.client_message(), e.retry_after_ms())
            }
            other => (other.to_string(), None),
        };
        if status.is_server_error() {
            tracing::warn!(%code, %message, "request failed");
        }
        let mut error = json!({ "code": code, "message": message });
        if let Some(ms) = retry_after_ms {
            error["retry_after_ms"] = json!(ms);
        }
        if let Some(current) = current {
            let key = current.key();
            error[key] = match current {
                app::error::Current::Task(task) => json!(task),
                app::error::Current::ChatMessage(message) => json!(message),
                app::error::Current::Comment(comment) => json!(comment),
            };
        }
        // The body is written once, by [`finish`], which adds the request id.
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorBody(error));
        if let Some(ms) = retry_after_ms {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after(ms));
        }
        response
    }
}

/// An error answer's `error` object, waiting for [`finish`] to add the
/// request id and write it as the body.
#[derive(Clone)]
struct ErrorBody(serde_json::Value);

/// Writes `{"error": …}` with the request id as a response's body.
fn with_error_body(
    mut parts: axum::http::response::Parts,
    mut error: serde_json::Value,
    request_id: &str,
) -> Response {
    error["request_id"] = json!(request_id);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(json!({ "error": error }).to_string()))
}

pub type HttpResult<T> = Result<T, HttpError>;

/// Largest error body [`finish`] rewrites (errors are small).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The last step of every response: our error bodies (built once, carried
/// as a response extension) get the request id, and a rejection of the
/// router or an extractor (plain text) gets our JSON shape. Server
/// functions' failures arrive finished and pass through.
pub async fn finish(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let response = next.run(request).await;
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if status.as_u16() < 400 || response.headers().contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    let is_json = content_type.starts_with("application/json");
    let is_plain = content_type.is_empty() || content_type.starts_with("text/plain");
    if !is_json && !is_plain {
        return response; // e.g. the HTML "not found" page
    }
    // A server function's failure is finished where it is made
    // (`app::error`'s `error_answer`): status, Retry-After, request id.
    if response.headers().contains_key(SERVER_FN_ERROR_HEADER) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    if let Some(ErrorBody(error)) = parts.extensions.remove::<ErrorBody>() {
        return with_error_body(parts, error, &request_id);
    }
    if is_json {
        // JSON that is not ours (nothing answers so today): as it is.
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        // Nothing of ours is that large: say what the status says.
        let message = status.canonical_reason().unwrap_or("error").to_lowercase();
        let code = if status.is_server_error() {
            "internal"
        } else {
            "invalid_input"
        };
        return with_error_body(
            parts,
            json!({ "code": code, "message": message }),
            &request_id,
        );
    };
    // A rejection of the router or an extractor (405, an undecodable path
    // segment, a missing upgrade header...): the same JSON shape as ours.
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => "internal",
        _ => "invalid_input",
    };
    let message = if text.is_empty() || status.is_server_error() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        text
    };
    with_error_body(
        parts,
        json!({ "code": code, "message": message }),
        &request_id,
    )
}
