//! The JSON HTTP API (documented in docs/api.md): thin handlers over the
//! same service layer the UI's server functions use.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;

use app::error::AppError;
use app::model::{ColumnPatch, GroupMentions, NewInvite, TaskMove, TaskPatch};
use app::services::login_throttle::ClientAddr;
use app::services::stream::{self, Stream};
use app::services::{auth, boards, columns, invites, tasks, watching};

use crate::error::{HttpError, HttpResult};
use crate::extract::{CurrentSession, CurrentUser, JsonBody, QueryParams};
use crate::params::{parse_id, PollQuery};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/signup", post(signup))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/me", get(me).patch(update_me))
        .route("/api/emoji", get(emoji_table))
        .route("/api/me/password", post(change_password))
        .route("/api/boards", get(list_boards).post(create_board))
        .route(
            "/api/boards/{id}",
            get(get_board).patch(update_board).delete(delete_board),
        )
        .route("/api/boards/{id}/members", post(add_member))
        .route(
            "/api/boards/{id}/invites",
            get(list_invites).post(create_invite),
        )
        .route(
            "/api/boards/{id}/invites/{invite_id}",
            axum::routing::delete(revoke_invite),
        )
        .route("/api/invites/{token}", get(invite_preview))
        .route("/api/invites/{token}/accept", post(accept_invite))
        .route(
            "/api/boards/{id}/members/{user_id}",
            axum::routing::delete(remove_member).patch(set_member_role),
        )
        .route(
            "/api/boards/{id}/member-suggestions",
            get(member_suggestions),
        )
        .route("/api/boards/{id}/columns", post(create_column))
        .route(
            "/api/columns/{id}",
            patch(update_column).delete(delete_column),
        )
        .route("/api/boards/{id}/tasks", post(create_task))
        .route(
            "/api/tasks/{id}",
            get(get_task).patch(update_task).delete(delete_task),
        )
        .route("/api/tasks/{id}/move", post(move_task))
        .route(
            "/api/tasks/{id}/watch",
            get(task_watching).put(watch_task).delete(unwatch_task),
        )
        .route("/api/boards/{id}/events/", get(board_events))
        .route("/api/{*rest}", axum::routing::any(unknown_route))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignupBody {
    username: String,
    password: String,
    #[serde(default)]
    display_name: Option<String>,
    /// An invite link's token: sign-up works with it even when open
    /// sign-up is off, and the account joins the link's board.
    #[serde(default)]
    invite: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    username: String,
    password: String,
    #[serde(default)]
    invite: Option<String>,
}

/// The answer to a sign-up or log-in: the user, and the board an invite
/// link let them join (only when one was given).
#[derive(serde::Serialize)]
struct Entered {
    #[serde(flatten)]
    user: app::model::User,
    #[serde(skip_serializing_if = "Option::is_none")]
    board: Option<app::model::BoardSummary>,
}

impl From<auth::NewSession> for Entered {
    fn from(session: auth::NewSession) -> Self {
        Self {
            user: session.user,
            board: session.joined,
        }
    }
}

fn with_cookie(status: StatusCode, cookie: String, body: impl serde::Serialize) -> Response {
    (status, [(header::SET_COOKIE, cookie)], Json(body)).into_response()
}

async fn signup(
    State(s): State<AppState>,
    client: Option<Extension<ClientAddr>>,
    JsonBody(b): JsonBody<SignupBody>,
) -> HttpResult<Response> {
    let session = auth::signup(
        &s.services,
        client.map(|c| c.0),
        &b.username,
        &b.password,
        b.display_name.as_deref(),
        b.invite.as_deref(),
    )
    .await?;
    let cookie = auth::session_cookie(&s.services, &session);
    Ok(with_cookie(
        StatusCode::CREATED,
        cookie,
        Entered::from(session),
    ))
}

async fn login(
    State(s): State<AppState>,
    client: Option<Extension<ClientAddr>>,
    JsonBody(b): JsonBody<LoginBody>,
) -> HttpResult<Response> {
    let session = auth::login(
        &s.services,
        client.map(|c| c.0),
        &b.username,
        &b.password,
        b.invite.as_deref(),
    )
    .await?;
    let cookie = auth::session_cookie(&s.services, &session);
    Ok(with_cookie(StatusCode::OK, cookie, Entered::from(session)))
}

async fn logout(State(s): State<AppState>, headers: HeaderMap) -> HttpResult<Response> {
    if let Some(token) = auth::session_token(&headers) {
        auth::logout(&s.services, &token).await?;
    }
    let cookie = auth::clear_session_cookie(&s.services);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

async fn me(CurrentUser(user): CurrentUser) -> impl IntoResponse {
    Json(user)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameBody {
    name: String,
}

async fn list_boards(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(boards::list_boards(&s.services, &u).await?))
}

async fn create_board(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    JsonBody(b): JsonBody<NameBody>,
) -> HttpResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(boards::create_board(&s.services, &u, &b.name).await?),
    ))
}

async fn get_board(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        boards::get_board(&s.services, &u, parse_id(&id)?).await?,
    ))
}

/// `PATCH /api/boards/{id}`: a new name, who may call groups, or both.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BoardPatchBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    group_mentions: Option<GroupMentions>,
}

async fn update_board(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<BoardPatchBody>,
) -> HttpResult<impl IntoResponse> {
    let board_id = parse_id(&id)?;
    if b.name.is_none() && b.group_mentions.is_none() {
        return Err(AppError::invalid("give name, group_mentions or both").into());
    }
    let mut answer = None;
    if let Some(name) = &b.name {
        answer = Some(boards::rename_board(&s.services, &u, board_id, name).await?);
    }
    if let Some(who) = b.group_mentions {
        answer = Some(boards::set_group_mentions(&s.services, &u, board_id, who).await?);
    }
    Ok(Json(answer))
}

async fn delete_board(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<StatusCode> {
    boards::delete_board(&s.services, &u, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddMemberBody {
    username: String,
}

async fn add_member(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<AddMemberBody>,
) -> HttpResult<impl IntoResponse> {
    let member = boards::add_member(&s.services, &u, parse_id(&id)?, &b.username).await?;
    Ok((StatusCode::CREATED, Json(member)))
}

async fn remove_member(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path((id, user_id)): Path<(String, String)>,
) -> HttpResult<StatusCode> {
    boards::remove_member(&s.services, &u, parse_id(&id)?, parse_id(&user_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create_column(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NameBody>,
) -> HttpResult<impl IntoResponse> {
    let column = columns::create_column(&s.services, &u, parse_id(&id)?, &b.name).await?;
    Ok((StatusCode::CREATED, Json(column)))
}

async fn update_column(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<ColumnPatch>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        columns::update_column(&s.services, &u, parse_id(&id)?, patch).await?,
    ))
}

async fn delete_column(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<StatusCode> {
    columns::delete_column(&s.services, &u, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTaskBody {
    column_id: i64,
    title: String,
    #[serde(default)]
    description: Option<String>,
}

async fn create_task(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NewTaskBody>,
) -> HttpResult<impl IntoResponse> {
    let task = tasks::create_task(
        &s.services,
        &u,
        parse_id(&id)?,
        b.column_id,
        &b.title,
        b.description.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(task)))
}

async fn get_task(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        tasks::visible_task(&s.services, &u, parse_id(&id)?).await?,
    ))
}

async fn update_task(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<TaskPatch>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        tasks::update_task(&s.services, &u, parse_id(&id)?, patch).await?,
    ))
}

/// `POST /api/tasks/{id}/move` `{column_id, after_id, version}`: 409 with
/// the current task when it is stale.
async fn move_task(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    JsonBody(to): JsonBody<TaskMove>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        tasks::move_task(&s.services, &u, parse_id(&id)?, to).await?,
    ))
}

/// `GET /api/tasks/{id}/watch`: whether I watch the card.
async fn task_watching(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        watching::watching(&s.services, &u, parse_id(&id)?).await?,
    ))
}

/// `PUT /api/tasks/{id}/watch`: watch the card (its comments reach my bell).
async fn watch_task(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        watching::set_watching(&s.services, &u, parse_id(&id)?, true).await?,
    ))
}

/// `DELETE /api/tasks/{id}/watch`: stop watching the card, for good
/// (commenting again does not bring it back).
async fn unwatch_task(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        watching::set_watching(&s.services, &u, parse_id(&id)?, false).await?,
    ))
}

/// `GET /api/boards/{id}/events/?after=SEQ`: the board's changes after
/// `after` as soon as there are any (the HTTP fallback of `board:{id}`).
async fn board_events(
    State(s): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<PollQuery>,
) -> HttpResult<impl IntoResponse> {
    let polled = stream::poll(
        &s.services,
        &session,
        Stream::Board(parse_id(&id)?),
        q.resume()?,
        q.wait(),
        s.stopping.clone(),
    )
    .await?;
    Ok(Json(BoardEvents {
        events: polled.events,
        has_more: polled.more,
    }))
}

/// The long poll's answer: the events exactly as the WebSocket sends them.
#[derive(serde::Serialize)]
struct BoardEvents {
    events: Vec<app::protocol::Event>,
    has_more: bool,
}

async fn delete_task(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<StatusCode> {
    tasks::delete_task(&s.services, &u, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn unknown_route() -> HttpError {
    app::error::AppError::NotFound("no such API route".into()).into()
}

async fn create_invite(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewInvite>,
) -> HttpResult<impl IntoResponse> {
    let invite = invites::create(&s.services, &u, parse_id(&id)?, &body).await?;
    Ok((StatusCode::CREATED, Json(invite)))
}

async fn list_invites(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(invites::list(&s.services, &u, parse_id(&id)?).await?))
}

async fn revoke_invite(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path((id, invite_id)): Path<(String, String)>,
) -> HttpResult<StatusCode> {
    invites::revoke(&s.services, &u, parse_id(&id)?, parse_id(&invite_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Open to anyone with the link: the board's name and who invites.
async fn invite_preview(
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(invites::preview(&s.services, &token).await?))
}

async fn accept_invite(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(token): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(invites::accept(&s.services, &u, &token).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileBody {
    display_name: String,
}

async fn update_me(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    JsonBody(b): JsonBody<ProfileBody>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        auth::update_profile(&s.services, &u, &b.display_name).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(s): State<AppState>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    CurrentUser(u): CurrentUser,
    JsonBody(b): JsonBody<PasswordBody>,
) -> HttpResult<StatusCode> {
    let token = auth::session_token(&headers).unwrap_or_default();
    auth::change_password(
        &s.services,
        client.map(|c| c.0),
        &u,
        &token,
        &b.current_password,
        &b.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: app::model::Role,
}

async fn set_member_role(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path((id, user_id)): Path<(String, String)>,
    JsonBody(b): JsonBody<RoleBody>,
) -> HttpResult<impl IntoResponse> {
    let member =
        boards::set_role(&s.services, &u, parse_id(&id)?, parse_id(&user_id)?, b.role).await?;
    Ok(Json(member))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuggestQuery {
    #[serde(default)]
    q: String,
}

async fn member_suggestions(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<SuggestQuery>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        boards::member_suggestions(&s.services, &u, parse_id(&id)?, &q.q).await?,
    ))
}

/// `GET /api/emoji`: the reaction picker's table (anyone; the same for
/// every release of the server, so browsers keep it a day).
async fn emoji_table() -> impl IntoResponse {
    (
        [(axum::http::header::CACHE_CONTROL, "public, max-age=86400")],
        Json(app::services::reactions::emoji_table()),
    )
}
