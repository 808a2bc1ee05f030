//! Server functions (`/rpc/...`) refuse fields they do not take, like the
//! JSON API does: a misspelt or stray field is a `400 invalid_input`, not
//! silently dropped. (Leptos' `#[server]` macro derives the argument structs
//! itself, without `deny_unknown_fields`, so the check sits here, in front.)
//!
//! Each function's field names come from its own derived `Deserialize` (it
//! names them when it asks for a struct), so they cannot drift from the code;
//! a test checks that every registered server function is listed.

use std::collections::HashMap;
use std::sync::LazyLock;

use app::api;
use app::error::AppError;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::server_fn::ServerFn;
use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::error::HttpError;
use crate::AppState;

/// The field names a derived `Deserialize` of a struct reads.
fn field_names<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    let mut seen = None;
    let _ = T::deserialize(FieldProbe(&mut seen));
    seen.unwrap_or(&[])
}

/// A deserializer that only notes the fields a struct asks for.
struct FieldProbe<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for FieldProbe<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(de::Error::custom("only probed"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
        enum identifier ignored_any
    }
}

macro_rules! server_fns {
    ($($t:ty),* $(,)?) => {
        [$((<$t as ServerFn>::PATH, field_names::<$t>())),*]
    };
}

/// Path → the fields that server function takes.
static FIELDS: LazyLock<HashMap<&'static str, &'static [&'static str]>> = LazyLock::new(|| {
    HashMap::from(server_fns![
        api::auth::CurrentUser,
        api::auth::Signup,
        api::auth::Login,
        api::auth::Logout,
        api::boards::ListBoards,
        api::boards::CreateBoard,
        api::boards::GetBoard,
        api::boards::RenameBoard,
        api::boards::DeleteBoard,
        api::boards::AddMember,
        api::boards::RemoveMember,
        api::boards::CreateColumn,
        api::boards::UpdateColumn,
        api::boards::DeleteColumn,
        api::boards::CreateTask,
        api::boards::UpdateTask,
        api::boards::MoveTask,
        api::boards::DeleteTask,
        api::chat::ListRooms,
        api::chat::ListOtherRooms,
        api::chat::CreateRoom,
        api::chat::GetRoom,
        api::chat::UpdateRoom,
        api::chat::DeleteRoom,
        api::chat::AddRoomMember,
        api::chat::RemoveRoomMember,
        api::chat::RoomHistory,
        api::chat::SendMessage,
        api::chat::MarkRead,
        api::comments::CommentHistory,
        api::comments::PostComment,
        api::comments::EditComment,
        api::comments::DeleteComment,
        api::comments::SuggestMentions,
        api::comments::ListNotifications,
        api::comments::ReadNotification,
        api::comments::ReadAllNotifications,
        api::live::PollRoom,
        api::live::PollThread,
        api::live::PollBoard,
        api::live::UnreadNotifications,
    ])
});

/// The top-level names a body sets: form keys (`patch[title]` sets `patch`)
/// or a JSON object's keys. `None` when it is neither (the server function
/// then answers for itself: malformed JSON, invalid UTF-8...).
fn top_level_names(content_type: &str, body: &[u8]) -> Option<Vec<String>> {
    if content_type.starts_with("application/x-www-form-urlencoded") {
        Some(
            url::form_urlencoded::parse(body)
                .map(|(key, _)| key.split('[').next().unwrap_or_default().to_string())
                .collect(),
        )
    } else if content_type.starts_with("application/json") {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body)
            .ok()
            .map(|object| object.keys().cloned().collect())
    } else {
        None
    }
}

/// Refuses a server-function call that sets a field the function does not take.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(fields) = (request.method() == Method::POST)
        .then(|| FIELDS.get(request.uri().path()).copied())
        .flatten()
    else {
        return next.run(request).await;
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let (parts, body) = request.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, state.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => return HttpError::PayloadTooLarge(state.max_body_bytes).into_response(),
    };
    if let Some(names) = top_level_names(&content_type, &bytes) {
        if let Some(unknown) = names.iter().find(|n| !fields.contains(&n.as_str())) {
            let expected = if fields.is_empty() {
                "it takes none".to_string()
            } else {
                format!("it takes {}", fields.join(", "))
            };
            let error = AppError::invalid(format!("unknown field `{unknown}` ({expected})"));
            return server_fn_error(parts.uri.path(), &error);
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// An error answered the way server functions answer theirs (a serialized
/// [`AppError`] marked with the server-function error header), so the
/// browser's client reads it and [`crate::error::finish`] gives it its
/// status and request id like any other.
fn server_fn_error(path: &str, error: &AppError) -> Response {
    let body = serde_json::to_vec(error).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    if let Ok(value) = header::HeaderValue::from_str(path) {
        headers.insert(leptos::server_fn::error::SERVER_FN_ERROR_HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_server_function_is_listed_with_its_fields() {
        let registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path)
            .collect();
        assert!(registered.len() >= 40, "{registered:?}");
        for path in &registered {
            assert!(
                FIELDS.contains_key(path),
                "{path} is not in rpc_fields::FIELDS"
            );
        }
        assert_eq!(
            FIELDS.len(),
            registered.len(),
            "a listed function is not registered"
        );
        assert_eq!(FIELDS["/rpc/tasks/update"], &["task_id", "patch"]);
        assert_eq!(FIELDS["/rpc/boards/create"], &["name"]);
        assert!(FIELDS["/rpc/logout"].is_empty());
    }

    #[test]
    fn form_keys_and_json_keys_name_their_top_level_field() {
        let form = "application/x-www-form-urlencoded";
        assert_eq!(
            top_level_names(form, b"task_id=1&patch%5Btitle%5D=x&patch[position]=2").unwrap(),
            ["task_id", "patch", "patch"]
        );
        assert_eq!(
            top_level_names("application/json", br#"{"task_id":1,"patch":{"x":1}}"#).unwrap(),
            ["patch", "task_id"]
        );
        assert!(top_level_names("application/json", b"{\"a\":").is_none());
        assert!(top_level_names("text/plain", b"a=1").is_none());
    }
}
