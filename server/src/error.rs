//! The HTTP layer's errors, mapped once to a status and the JSON body
//! `{"error": {"code": "...", "message": "..."}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use app::error::AppError;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Anything the service layer said (validation, 401, 403, 404, 409, 500).
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
    #[error("the database is not answering")]
    Unavailable,
}

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
            HttpError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            HttpError::App(e) => e.message().to_string(),
            other => other.to_string(),
        };
        if status.is_server_error() {
            tracing::warn!(%code, %message, "request failed");
        }
        (
            status,
            Json(json!({ "error": { "code": code, "message": message } })),
        )
            .into_response()
    }
}

pub type HttpResult<T> = Result<T, HttpError>;
