//! Chat rooms over HTTP, on the original design's `/messaging/...` paths
//! (documented in docs/api.md). Thin handlers over `app::services::chat`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, patch, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use app::model::{HistoryPage, NewRoom, OpenDirect, PrefChange, RoomPatch};
use app::services::chat::{self, Cursor};
use app::services::chat_edits;
use app::services::direct_messages;
use app::services::following;
use app::services::hub::Event;
use app::services::posts::Post;
use app::services::reactions::{self, Reacted};
use app::services::replies::ReplyTo;
use app::services::stream::{self, Stream};

use crate::error::HttpResult;
use crate::extract::{CurrentSession, CurrentUser, JsonBody, QueryParams};
use crate::params::{parse_id, PollQuery};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/messaging/board/{board_id}/rooms/", get(list_rooms))
        .route(
            "/messaging/board/{board_id}/rooms/create/",
            post(create_room),
        )
        .route(
            "/messaging/room/{room_id}/",
            get(get_room).patch(update_room).delete(delete_room),
        )
        .route("/messaging/room/{room_id}/join/", post(join_room))
        .route("/messaging/room/{room_id}/leave/", post(leave_room))
        .route("/messaging/room/{room_id}/send/", post(send))
        .route("/messaging/room/{room_id}/history/", get(history))
        .route("/messaging/room/{room_id}/events/", get(long_poll))
        .route("/messaging/room/{room_id}/read/", post(mark_read))
        .route("/messaging/room/{room_id}/members/", post(add_member))
        .route(
            "/messaging/room/{room_id}/members/{user_id}/",
            delete(remove_member),
        )
        .route(
            "/messaging/message/{message_id}/",
            patch(edit_message).delete(delete_message),
        )
        .route(
            "/messaging/message/{message_id}/revisions/",
            get(message_revisions),
        )
        .route("/messaging/message/{message_id}/thread/", get(reply_page))
        .route(
            "/messaging/message/{message_id}/thread/read/",
            post(mark_replies_read),
        )
        .route(
            "/messaging/message/{message_id}/follow/",
            put(follow).delete(unfollow),
        )
        .route("/messaging/replies/", get(followed_roots))
        .route("/messaging/dm/", get(list_direct).post(open_direct))
        .route(
            "/messaging/preferences/",
            get(preferences).put(set_preference),
        )
        .route(
            "/messaging/people/{user_id}/mute/",
            put(mute_person).delete(unmute_person),
        )
        .route(
            "/messaging/message/{message_id}/reactions/{emoji}/",
            put(add_message_reaction).delete(remove_message_reaction),
        )
}

/// The body of an edit (`PATCH` of a message or comment): the new text and,
/// optionally, the version it was made on (a stale one gets 409 with the
/// current message or comment).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EditBody {
    pub content: String,
    #[serde(default)]
    pub version: Option<i64>,
    /// Accepted and ignored (an edit is not re-sent by an outbox).
    #[serde(default)]
    #[allow(dead_code)]
    pub client_id: Option<String>,
}

/// `PATCH /messaging/message/{id}/`: edits your message.
async fn edit_message(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(message_id): Path<String>,
    JsonBody(body): JsonBody<EditBody>,
) -> HttpResult<impl IntoResponse> {
    let id = parse_id(&message_id)?;
    Ok(Json(
        chat_edits::edit_message(&s.services, &u, id, &body.content, body.version).await?,
    ))
}

/// `DELETE /messaging/message/{id}/`: 204; the room keeps a placeholder.
async fn delete_message(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(message_id): Path<String>,
) -> HttpResult<StatusCode> {
    chat_edits::delete_message(&s.services, &u, parse_id(&message_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /messaging/message/{id}/revisions/`: its earlier versions.
async fn message_revisions(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(message_id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        chat_edits::message_revisions(&s.services, &u, parse_id(&message_id)?).await?,
    ))
}

/// `PUT` and `DELETE` of a reaction, for messages and comments alike: 200
/// with the post as it is now (also when nothing changed).
pub(crate) async fn react(
    s: &AppState,
    user: &app::model::User,
    post: Post,
    id: &str,
    emoji: &str,
    add: bool,
) -> HttpResult<axum::response::Response> {
    let reacted = reactions::react(&s.services, user, post, parse_id(id)?, emoji, add).await?;
    Ok(match reacted {
        Reacted::Message(message) => Json(message).into_response(),
        Reacted::Comment(comment) => Json(comment).into_response(),
    })
}

async fn add_message_reaction(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path((message_id, emoji)): Path<(String, String)>,
) -> HttpResult<impl IntoResponse> {
    react(&s, &u, Post::Message, &message_id, &emoji, true).await
}

async fn remove_message_reaction(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path((message_id, emoji)): Path<(String, String)>,
) -> HttpResult<impl IntoResponse> {
    react(&s, &u, Post::Message, &message_id, &emoji, false).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    q: Option<String>,
}

async fn list_rooms(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(board_id): Path<String>,
    QueryParams(query): QueryParams<ListQuery>,
) -> HttpResult<impl IntoResponse> {
    let rooms = chat::list_rooms(&s.services, &u, parse_id(&board_id)?, query.q.as_deref()).await?;
    Ok(Json(rooms))
}

async fn create_room(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(board_id): Path<String>,
    JsonBody(body): JsonBody<NewRoom>,
) -> HttpResult<impl IntoResponse> {
    let room = chat::create_room(&s.services, &u, parse_id(&board_id)?, &body).await?;
    Ok((StatusCode::CREATED, Json(room)))
}

async fn join_room(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(room_id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        chat::join_room(&s.services, &u, parse_id(&room_id)?).await?,
    ))
}

async fn leave_room(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(room_id): Path<String>,
) -> HttpResult<StatusCode> {
    chat::leave_room(&s.services, &u, parse_id(&room_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_room(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(room_id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        chat::get_room(&s.services, &u, parse_id(&room_id)?).await?,
    ))
}

async fn update_room(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(room_id): Path<String>,
    JsonBody(patch): JsonBody<RoomPatch>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        chat::update_room(&s.services, &u, parse_id(&room_id)?, patch).await?,
    ))
}

async fn delete_room(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(room_id): Path<String>,
) -> HttpResult<StatusCode> {
    chat::delete_room(&s.services, &u, parse_id(&room_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A message or comment; `client_id` makes a repeat answer with the first.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendBody {
    pub content: String,
    #[serde(default)]
    pub client_id: Option<String>,
    /// A reply: the room message it answers.
    #[serde(default)]
    pub thread_root_id: Option<i64>,
    /// A reply also shown in the room's main history.
    #[serde(default)]
    pub also_to_room: Option<bool>,
}

async fn send(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(room_id): Path<String>,
    JsonBody(body): JsonBody<SendBody>,
) -> HttpResult<impl IntoResponse> {
    let reply_to = ReplyTo::from_fields(body.thread_root_id, body.also_to_room)?;
    let sent = chat::post_message(
        &s.services,
        &u,
        parse_id(&room_id)?,
        &body.content,
        body.client_id.as_deref(),
        reply_to,
    )
    .await?;
    // The message's own fields, and whom it did not notify.
    #[derive(serde::Serialize)]
    struct Answer {
        #[serde(flatten)]
        message: app::model::Message,
        not_notified: Vec<String>,
    }
    let answer = Answer {
        message: sent.message,
        not_notified: sent.not_notified,
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HistoryQuery {
    #[serde(default)]
    pub before: Option<i64>,
    #[serde(default)]
    pub after: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

async fn history(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(room_id): Path<String>,
    QueryParams(q): QueryParams<HistoryQuery>,
) -> HttpResult<impl IntoResponse> {
    let cursor = Cursor {
        before: q.before,
        after: q.after,
    };
    let page = chat::history(&s.services, &u, parse_id(&room_id)?, cursor, q.limit).await?;
    Ok(Json(page))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadBody {
    message_id: i64,
}

/// `GET /messaging/message/{id}/thread/`: a page of a root's replies.
async fn reply_page(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(message_id): Path<String>,
    QueryParams(q): QueryParams<HistoryQuery>,
) -> HttpResult<impl IntoResponse> {
    let cursor = Cursor {
        before: q.before,
        after: q.after,
    };
    let page = following::replies(&s.services, &u, parse_id(&message_id)?, cursor, q.limit).await?;
    Ok(Json(page))
}

/// `POST /messaging/message/{id}/thread/read/`: replies read up to `message_id`.
async fn mark_replies_read(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(message_id): Path<String>,
    JsonBody(body): JsonBody<ReadBody>,
) -> HttpResult<impl IntoResponse> {
    let last_read_id =
        following::mark_read(&s.services, &u, parse_id(&message_id)?, body.message_id).await?;
    Ok(Json(serde_json::json!({ "last_read_id": last_read_id })))
}

async fn follow(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(message_id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    let answer = following::set_following(&s.services, &u, parse_id(&message_id)?, true).await?;
    Ok(Json(answer))
}

async fn unfollow(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(message_id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    let answer = following::set_following(&s.services, &u, parse_id(&message_id)?, false).await?;
    Ok(Json(answer))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FollowedQuery {
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /messaging/replies/`: the roots I follow, newest replies first.
async fn followed_roots(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    QueryParams(q): QueryParams<FollowedQuery>,
) -> HttpResult<impl IntoResponse> {
    let page = following::followed(&s.services, &u, q.before, q.limit).await?;
    Ok(Json(page))
}

/// `POST /messaging/dm/` `{usernames}`: the direct message with exactly
/// those people (and me), created the first time.
async fn open_direct(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    JsonBody(body): JsonBody<OpenDirect>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        direct_messages::open(&s.services, &u, &body.usernames).await?,
    ))
}

/// `GET /messaging/dm/`: my direct messages, the most recently active first.
async fn list_direct(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(direct_messages::list(&s.services, &u).await?))
}

async fn mark_read(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(room_id): Path<String>,
    JsonBody(body): JsonBody<ReadBody>,
) -> HttpResult<impl IntoResponse> {
    let last_read_id =
        chat::mark_read(&s.services, &u, parse_id(&room_id)?, body.message_id).await?;
    Ok(Json(serde_json::json!({ "last_read_id": last_read_id })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddMember {
    username: String,
}

async fn add_member(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(room_id): Path<String>,
    JsonBody(body): JsonBody<AddMember>,
) -> HttpResult<impl IntoResponse> {
    let user = chat::add_room_member(&s.services, &u, parse_id(&room_id)?, &body.username).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

async fn remove_member(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path((room_id, user_id)): Path<(String, String)>,
) -> HttpResult<StatusCode> {
    chat::remove_room_member(&s.services, &u, parse_id(&room_id)?, parse_id(&user_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Long poll, for clients without WebSockets: the messages after `after` as
/// soon as there are any, or an empty page when `timeout` runs out (or the
/// user loses the room, or logs out: then an error).
async fn long_poll(
    State(s): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(room_id): Path<String>,
    QueryParams(q): QueryParams<PollQuery>,
) -> HttpResult<impl IntoResponse> {
    let stream = Stream::Room(parse_id(&room_id)?);
    let polled = stream::poll(
        &s.services,
        &session,
        stream,
        q.resume()?,
        q.wait(),
        s.stopping.clone(),
    )
    .await?;
    let messages: Vec<_> = polled
        .events
        .into_iter()
        .filter_map(|event| match event {
            Event::Message { message } => Some(message),
            _ => None,
        })
        .collect();
    let has_older = messages
        .first()
        .map_or(q.after.or(q.after_seq).unwrap_or(0) > 0, |m| m.seq > 1);
    // Changes come in `seq` order: the last one is where to poll from next.
    let seq = messages.last().map_or(q.after_seq.unwrap_or(0), |m| m.seq);
    Ok(Json(HistoryPage {
        messages,
        has_older,
        has_newer: polled.more,
        seq,
    }))
}

/// `GET /messaging/preferences/`: my notification settings and the people I muted.
async fn preferences(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        app::services::notification_settings::list(&s.services, &u).await?,
    ))
}

/// `PUT /messaging/preferences/`: changes one setting.
async fn set_preference(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    JsonBody(change): JsonBody<PrefChange>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        app::services::notification_settings::set(&s.services, &u, change).await?,
    ))
}

async fn mute_person(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(user_id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    let user = app::services::notification_settings::mute_person(
        &s.services,
        &u,
        parse_id(&user_id)?,
        true,
    )
    .await?;
    Ok(Json(serde_json::json!({ "user": user, "muted": true })))
}

async fn unmute_person(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(user_id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    let user = app::services::notification_settings::mute_person(
        &s.services,
        &u,
        parse_id(&user_id)?,
        false,
    )
    .await?;
    Ok(Json(serde_json::json!({ "user": user, "muted": false })))
}
