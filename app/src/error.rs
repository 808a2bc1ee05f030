//! The one error type of the service layer.
//!
//! It crosses every boundary unchanged: server functions return it (so the
//! browser gets a typed error, not a string), and the JSON API maps it once to
//! an HTTP status and the `{"error":{"code","message"}}` body.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Everything a TaskFlow operation can fail with, as the user should see it.
///
/// On the wire: `{"code": <variant in snake_case>, "message": <payload>}`,
/// `code` first (how it is written). It is read code first by hand (below):
/// serde's derive for an adjacently tagged enum also accepts the content
/// first, which buffers it and compiles every payload's deserialiser (a whole
/// `Task` for `Stale`) a second time into the browser's bundle.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "code", content = "message", rename_all = "snake_case")]
pub enum AppError {
    /// Input failed validation (empty name, too long, bad username...). 400.
    #[error("{0}")]
    InvalidInput(String),
    /// The request needs a logged-in user. 401.
    #[error("{0}")]
    Unauthenticated(String),
    /// Logged in, but not allowed to do this (e.g. a member renaming the board). 403.
    #[error("{0}")]
    Forbidden(String),
    /// Unknown id, or a board the user is not a member of (we do not reveal it). 404.
    #[error("{0}")]
    NotFound(String),
    /// The change clashes with existing data (username taken, already a member). 409.
    #[error("{0}")]
    Conflict(String),
    /// It existed but is no longer usable (an invite link expired, revoked
    /// or used up). 410.
    #[error("{0}")]
    Gone(String),
    /// An edit made from an older version (a card's edit or move, a chat
    /// message's or comment's edit): it changed meanwhile, nothing was
    /// written. 409 (code `conflict`), with the thing as it is now.
    #[error("{}", .0.clash())]
    Stale(Box<Current>),
    /// Too many messages, changes or failed logins too fast; the number is
    /// how many milliseconds to wait. 429.
    #[error("too many requests: wait {0} ms")]
    RateLimited(u64),
    /// The user already has as many live connections (sockets or long polls)
    /// as allowed. 429.
    #[error("{0}")]
    TooManyConnections(String),
    /// The server is saturated (password checks queue full); try again after
    /// this many milliseconds. 503.
    #[error("the server is busy: try again in {0} ms")]
    Busy(u64),
    /// Something broke on our side; details are in the server log only. 500.
    #[error("{0}")]
    Internal(String),
    /// The browser could not reach the server, or could not read its answer.
    #[error("{0}")]
    Network(String),
}

/// What a stale edit clashed with, as it is now: the HTTP answer carries it
/// beside the message (`error.task`, `error.chat_message`, `error.comment`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Current {
    Task(crate::model::Task),
    ChatMessage(crate::model::Message),
    Comment(crate::model::Comment),
}

impl Current {
    /// The card, when it is one.
    pub fn task(&self) -> Option<&crate::model::Task> {
        match self {
            Self::Task(task) => Some(task),
            _ => None,
        }
    }

    /// What the user is told.
    fn clash(&self) -> &'static str {
        match self {
            Self::Task(_) => "someone else changed this card meanwhile",
            Self::ChatMessage(_) => "this message was changed meanwhile: here is its newer text",
            Self::Comment(_) => "this comment was changed meanwhile: here is its newer text",
        }
    }

    /// The key of the JSON error answer that carries it.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Task(_) => "task",
            Self::ChatMessage(_) => "chat_message",
            Self::Comment(_) => "comment",
        }
    }
}

impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(CodeFirst)
    }
}

/// Reads `{"code": ..., "message": ...}` in that order.
struct CodeFirst;

impl<'de> serde::de::Visitor<'de> for CodeFirst {
    type Value = AppError;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an error object: {\"code\", \"message\"}")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<AppError, A::Error> {
        use serde::de::Error as _;
        use std::borrow::Cow;
        if map.next_key::<Cow<'de, str>>()?.as_deref() != Some("code") {
            return Err(A::Error::custom("an error's `code` must come first"));
        }
        let code = map.next_value::<Cow<'de, str>>()?;
        if map.next_key::<Cow<'de, str>>()?.as_deref() != Some("message") {
            return Err(A::Error::missing_field("message"));
        }
        let error = match code.as_ref() {
            "invalid_input" => AppError::InvalidInput(map.next_value()?),
            "unauthenticated" => AppError::Unauthenticated(map.next_value()?),
            "forbidden" => AppError::Forbidden(map.next_value()?),
            "not_found" => AppError::NotFound(map.next_value()?),
            "conflict" => AppError::Conflict(map.next_value()?),
            "gone" => AppError::Gone(map.next_value()?),
            "stale" => AppError::Stale(map.next_value()?),
            "rate_limited" => AppError::RateLimited(map.next_value()?),
            "too_many_connections" => AppError::TooManyConnections(map.next_value()?),
            "busy" => AppError::Busy(map.next_value()?),
            "internal" => AppError::Internal(map.next_value()?),
            "network" => AppError::Network(map.next_value()?),
            other => {
                return Err(A::Error::custom(format_args!(
                    "unknown error code `{other}`"
                )))
            }
        };
        // Nothing else belongs in it (and a reader must consume the map).
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(error)
    }
}

/// What the browser says when a request did not get through.
pub const UNREACHABLE: &str = "Can't reach TaskFlow — check your connection.";

/// What clients are told about a failure on our side: never its details.
pub const INTERNAL: &str = "internal error, please try again";

/// The result type of every service call and server function.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidInput(message.into())
    }
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }
    pub fn login_required() -> Self {
        Self::Unauthenticated("you need to log in".into())
    }
    /// The server could not be reached (offline, or it is restarting).
    pub fn unreachable() -> Self {
        Self::Network(UNREACHABLE.into())
    }
    /// Something broke on our side (the details go to the log, not here).
    pub fn internal() -> Self {
        Self::Internal(INTERNAL.into())
    }
    pub fn is_network(&self) -> bool {
        matches!(self, Self::Network(_))
    }

    /// The stable machine-readable code sent to API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput(_) => "invalid_input",
            Self::Unauthenticated(_) => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) | Self::Stale(_) => "conflict",
            Self::Gone(_) => "gone",
            Self::RateLimited(_) => "rate_limited",
            Self::TooManyConnections(_) => "too_many_connections",
            Self::Busy(_) => "unavailable",
            Self::Internal(_) => "internal",
            Self::Network(_) => "network",
        }
    }

    /// The HTTP status this error maps to.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidInput(_) => 400,
            Self::Unauthenticated(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) | Self::Stale(_) => 409,
            Self::Gone(_) => 410,
            Self::RateLimited(_) | Self::TooManyConnections(_) => 429,
            Self::Busy(_) => 503,
            Self::Internal(_) => 500,
            Self::Network(_) => 503,
        }
    }

    /// The human-readable message (without the code).
    pub fn message(&self) -> String {
        match self {
            Self::InvalidInput(m)
            | Self::Unauthenticated(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Conflict(m)
            | Self::Gone(m)
            | Self::Internal(m)
            | Self::TooManyConnections(m)
            | Self::Network(m) => m.clone(),
            Self::RateLimited(_) | Self::Busy(_) | Self::Stale(_) => self.to_string(),
        }
    }

    /// The message for a client: the same as [`message`](Self::message),
    /// except that internal failures never show their details (those are
    /// for the log).
    pub fn client_message(&self) -> String {
        match self {
            Self::Internal(_) => INTERNAL.into(),
            other => bounded(other.message()),
        }
    }

    /// For a stale edit or move: the thing as it is now.
    pub fn current(&self) -> Option<&Current> {
        match self {
            Self::Stale(current) => Some(current),
            _ => None,
        }
    }

    /// For a stale edit or move of a card: the card as it is now.
    pub fn current_task(&self) -> Option<&crate::model::Task> {
        self.current().and_then(Current::task)
    }

    /// For `rate_limited` and `unavailable`: how long to wait before trying again.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            Self::RateLimited(ms) | Self::Busy(ms) => Some(*ms),
            _ => None,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    /// On the server: the answer is finished here, once — its status and
    /// `Retry-After` set, an internal error's details logged and left out,
    /// the request id added (see [`error_answer`]).
    #[cfg(feature = "ssr")]
    fn ser(&self) -> leptos::server_fn::Bytes {
        error_answer(self)
    }

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // A field the function does not take (`api::FormOrJson` says
            // which, and what it takes): those words as they are.
            E::Deserialization(m) if cfg!(feature = "ssr") && m.starts_with(UNKNOWN_FIELD) => {
                Self::InvalidInput(m)
            }
            // On the server, a request it cannot decode (malformed JSON or
            // form data, invalid UTF-8) is the caller's error.
            E::Deserialization(m) if cfg!(feature = "ssr") => {
                Self::InvalidInput(format!("the request could not be read: {m}"))
            }
            // The browser's own words ("TypeError: Failed to fetch") mean
            // nothing to the person at the keyboard: say what happened.
            E::Request(m) | E::Deserialization(m) | E::Response(m) => {
                #[cfg(feature = "hydrate")]
                web_sys::console::warn_1(&format!("TaskFlow: request failed: {m}").into());
                let _ = m;
                Self::unreachable()
            }
            E::Args(m) | E::MissingArg(m) | E::Serialization(m) => Self::InvalidInput(m),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// The header that carries a request's id (set, or checked, at the edge).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Whole seconds to wait, for a `Retry-After` header (at least 1).
pub fn retry_after_secs(ms: u64) -> u64 {
    ms.div_ceil(1000).max(1)
}

/// How the message about a field a request may not set begins.
pub const UNKNOWN_FIELD: &str = "unknown field `";

/// A server function's failure as its caller gets it: the response
/// takes the error's status (server functions would answer 500) and
/// `Retry-After`; the body is the error (`{"code","message"}`, an
/// internal error's details only in the log) with `retry_after_ms` and
/// the request's id. Built once, here: nothing downstream reads it again.
#[cfg(feature = "ssr")]
fn error_answer(error: &AppError) -> leptos::server_fn::Bytes {
    let request_id = leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default();
    if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(
            http::StatusCode::from_u16(error.status())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
        if let Some(ms) = error.retry_after_ms() {
            res.insert_header(
                http::header::RETRY_AFTER,
                http::HeaderValue::from(retry_after_secs(ms)),
            );
        }
    }
    let mut body = serde_json::to_value(error).unwrap_or_default();
    if let AppError::Internal(detail) = error {
        tracing::error!(request_id = %request_id, detail = %detail, "server function failed");
        body["message"] = error.client_message().into();
    } else if !matches!(error, AppError::Stale(_)) {
        body["message"] = error.client_message().into();
    }
    if let Some(ms) = error.retry_after_ms() {
        body["retry_after_ms"] = ms.into();
    }
    body["request_id"] = request_id.into();
    serde_json::to_vec(&body).unwrap_or_default().into()
}

/// Longest error message a client is sent, in characters.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// A message cut to [`MAX_MESSAGE_CHARS`]: a message that quotes what the
/// client sent (a name that was not found…) never echoes unbounded input.
fn bounded(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        // Unique-constraint violations are the user's conflict, not our failure.
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                return Self::Conflict("that already exists".into());
            }
        }
        tracing::error!(error = %err, "database error");
        Self::internal()
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::migrate::MigrateError> for AppError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        tracing::error!(error = %err, "migration error");
        Self::Internal(format!("database migration failed: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_reads_back_as_written() {
        let all = [
            AppError::InvalidInput("a".into()),
            AppError::Unauthenticated("b".into()),
            AppError::Forbidden("c".into()),
            AppError::NotFound("d".into()),
            AppError::Conflict("e".into()),
            AppError::Gone("f".into()),
            AppError::Stale(Box::new(Current::Task(
                serde_json::from_str(
                    r#"{"id":9,"board_id":3,"column_id":4,"title":"Ship","description":"","position":0,
                        "assignee_id":null,"created_by":1,"created_at":7,"updated_at":8}"#,
                )
                .unwrap(),
            ))),
            AppError::Stale(Box::new(Current::ChatMessage(
                serde_json::from_str(
                    r#"{"id":5,"room_id":3,"author":{"id":1,"username":"a","display_name":"A"},
                        "content":"newer","html":"<p>newer</p>","created_at":7,"version":3}"#,
                )
                .unwrap(),
            ))),
            AppError::RateLimited(80),
            AppError::TooManyConnections("g".into()),
            AppError::Busy(5),
            AppError::Internal("h".into()),
            AppError::Network("i".into()),
        ];
        for error in all {
            let json = serde_json::to_string(&error).unwrap();
            assert!(json.starts_with(r#"{"code":"#), "{json}");
            let back: AppError = serde_json::from_str(&json).expect(&json);
            assert_eq!(back, error, "{json}");
        }
        for bad in [
            r#"{"message":"x","code":"gone"}"#,
            r#"{"code":"shout","message":"x"}"#,
            r#"{"code":"gone"}"#,
            r#"{"code":"rate_limited","message":"soon"}"#,
        ] {
            assert!(serde_json::from_str::<AppError>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn client_messages_never_echo_unbounded_input() {
        let long = "x".repeat(100_000);
        let err = AppError::NotFound(format!("no user named {long:?}"));
        let message = err.client_message();
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(message.starts_with("no user named \"xxx") && message.ends_with('…'));
        let short = AppError::invalid("username must not be empty");
        assert_eq!(short.client_message(), "username must not be empty");
        // Cut on a character boundary, whatever the text.
        let wide = AppError::invalid("é".repeat(1000));
        assert_eq!(wide.client_message().chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
