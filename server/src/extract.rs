//! Request extractors for the JSON API: the logged-in user, and JSON bodies
//! whose every failure becomes a clear [`HttpError`].

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use app::model::User;
use app::services::auth;

use crate::error::HttpError;
use crate::AppState;

/// The user of a request with a valid session cookie; 401 otherwise.
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        Ok(CurrentUser(
            auth::require_user(&state.services, &parts.headers).await?,
        ))
    }
}

/// The session of a request (the user, and which session: long polls end
/// when it does); 401 without a valid one.
pub struct CurrentSession(pub auth::Session);

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        Ok(CurrentSession(
            auth::require_session(&state.services, &parts.headers).await?,
        ))
    }
}

/// A JSON body. Wrong content type → 415, too large → 413, broken JSON →
/// 400 `invalid_json`, wrong fields or types → 400 `invalid_input`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, HttpError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => HttpError::UnsupportedMediaType,
                JsonRejection::JsonSyntaxError(e) => HttpError::InvalidJson(e.body_text()),
                JsonRejection::JsonDataError(e) => HttpError::InvalidBody(e.body_text()),
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    HttpError::PayloadTooLarge(state.max_body_bytes)
                }
                other => HttpError::InvalidJson(other.body_text()),
            }),
        }
    }
}

/// Query-string parameters; bad ones are 400 `invalid_input` in JSON.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for QueryParams<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| QueryParams(v))
            .map_err(|e| HttpError::InvalidBody(e.body_text()))
    }
}
