//! Task comments, @mention autocomplete and notifications over HTTP, on the
//! original design's `/messaging/...` paths (docs/api.md). Thin handlers over
//! `app::services::{comments, mentions, notifications}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use app::services::hub::Event;
use app::services::posts::Post;
use app::services::stream::{self, Stream};
use app::services::{comments, mentions, notifications};

use crate::error::HttpResult;
use crate::extract::{CurrentSession, CurrentUser, JsonBody, QueryParams};
use crate::messaging::{react, EditBody, HistoryQuery};
use crate::params::parse_id;
use crate::params::PollQuery;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/messaging/task/{task_id}/comments/",
            get(newest).post(create),
        )
        .route("/messaging/task/{task_id}/comments/history/", get(history))
        .route("/messaging/task/{task_id}/comments/events/", get(long_poll))
        .route(
            "/messaging/comment/{comment_id}/",
            patch(edit).delete(remove),
        )
        .route("/messaging/comment/{comment_id}/revisions/", get(revisions))
        .route(
            "/messaging/comment/{comment_id}/reactions/{emoji}/",
            put(add_reaction).delete(remove_reaction),
        )
        .route("/messaging/mentions/", get(suggest))
        .route("/messaging/notifications/", get(list_notifications))
        .route("/messaging/notifications/count/", get(count))
        .route("/messaging/notifications/{id}/read/", post(mark_read))
        .route("/messaging/notifications/read-all/", post(mark_all_read))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoQuery {}

/// `GET /messaging/task/{id}/comments/`: the newest page of the thread.
async fn newest(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(task_id): Path<String>,
    QueryParams(_): QueryParams<NoQuery>,
) -> HttpResult<impl IntoResponse> {
    let page = comments::history(
        &s.services,
        &u,
        parse_id(&task_id)?,
        comments::Cursor::default(),
        None,
    )
    .await?;
    Ok(Json(page))
}

/// A new comment: its text and the client's id for it. Comments take no
/// replies (`thread_root_id` is refused as an unknown field).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentBody {
    content: String,
    #[serde(default)]
    client_id: Option<String>,
}

async fn create(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(task_id): Path<String>,
    JsonBody(body): JsonBody<CommentBody>,
) -> HttpResult<impl IntoResponse> {
    let comment = comments::post(
        &s.services,
        &u,
        parse_id(&task_id)?,
        &body.content,
        body.client_id.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

async fn history(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(task_id): Path<String>,
    QueryParams(q): QueryParams<HistoryQuery>,
) -> HttpResult<impl IntoResponse> {
    let cursor = comments::Cursor {
        before: q.before,
        after: q.after,
    };
    let page = comments::history(&s.services, &u, parse_id(&task_id)?, cursor, q.limit).await?;
    Ok(Json(page))
}

async fn edit(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(comment_id): Path<String>,
    JsonBody(body): JsonBody<EditBody>,
) -> HttpResult<impl IntoResponse> {
    let id = parse_id(&comment_id)?;
    Ok(Json(
        comments::edit(&s.services, &u, id, &body.content, body.version).await?,
    ))
}

/// `GET /messaging/comment/{id}/revisions/`: its earlier versions.
async fn revisions(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(comment_id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        comments::revisions(&s.services, &u, parse_id(&comment_id)?).await?,
    ))
}

async fn add_reaction(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path((comment_id, emoji)): Path<(String, String)>,
) -> HttpResult<impl IntoResponse> {
    react(&s, &u, Post::Comment, &comment_id, &emoji, true).await
}

async fn remove_reaction(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path((comment_id, emoji)): Path<(String, String)>,
) -> HttpResult<impl IntoResponse> {
    react(&s, &u, Post::Comment, &comment_id, &emoji, false).await
}

async fn remove(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(comment_id): Path<String>,
) -> HttpResult<StatusCode> {
    comments::delete(&s.services, &u, parse_id(&comment_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Long poll for clients without WebSockets: every change after change
/// `after` (a `seq`) as soon as there is one, or none when `timeout` runs out
/// (or the user loses the board, or logs out: then an error).
async fn long_poll(
    State(s): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(task_id): Path<String>,
    QueryParams(q): QueryParams<PollQuery>,
) -> HttpResult<impl IntoResponse> {
    let stream = Stream::Thread(parse_id(&task_id)?);
    let polled = stream::poll(
        &s.services,
        &session,
        stream,
        q.resume()?,
        q.wait(),
        s.stopping.clone(),
    )
    .await?;
    let changes: Vec<_> = polled
        .events
        .into_iter()
        .filter_map(|event| match event {
            Event::Comment { comment } => Some(comment),
            _ => None,
        })
        .collect();
    Ok(Json(
        json!({ "comments": changes, "has_more": polled.more }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MentionQuery {
    #[serde(default)]
    q: String,
    board_id: i64,
}

/// `GET /messaging/mentions/?q=&board_id=`: autocomplete for `@`.
async fn suggest(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    QueryParams(q): QueryParams<MentionQuery>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        mentions::suggest(&s.services, &u, q.board_id, &q.q).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    unread: Option<bool>,
}

async fn list_notifications(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    QueryParams(q): QueryParams<ListQuery>,
) -> HttpResult<impl IntoResponse> {
    let page = notifications::list(
        &s.services,
        &u,
        q.before,
        q.limit,
        q.unread.unwrap_or(false),
    )
    .await?;
    Ok(Json(page))
}

async fn count(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
) -> HttpResult<impl IntoResponse> {
    let unread = notifications::unread(&s.services, &u).await?;
    Ok(Json(json!({ "unread": unread })))
}

async fn mark_read(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    let unread = notifications::mark_read(&s.services, &u, parse_id(&id)?).await?;
    Ok(Json(json!({ "unread": unread })))
}

async fn mark_all_read(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
) -> HttpResult<impl IntoResponse> {
    let marked = notifications::mark_all_read(&s.services, &u).await?;
    Ok(Json(json!({ "marked": marked, "unread": 0 })))
}
