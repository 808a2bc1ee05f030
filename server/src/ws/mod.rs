//! The WebSocket endpoints: `/ws` (subscribe to topics on demand) and the
//! original design's `/ws/chat-room/{room_id}/` and
//! `/ws/task-comments/{task_id}/` (sockets bound to one room / one task's
//! thread). The protocol is `app::protocol`, documented in docs/realtime.md.
//!
//! This module is the handshake; [`connection`] runs a socket; [`follows`]
//! is what a socket follows. What following means (access, replay, gaps,
//! snapshots) is `app::services::stream`.

mod connection;
mod follows;

use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use app::protocol::MAX_FRAME_BYTES;
use app::services::auth::{self, Session};
use app::services::stream::{self, Resume, Stream};
use tracing::Instrument;

use crate::error::HttpError;
use crate::extract::QueryParams;
use crate::params::parse_id;
use crate::{csrf, AppState};

/// The server pings this often...
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(20);
/// ...and closes a connection it has heard nothing from for this long.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(45);
/// Typing frames from one connection are forwarded at most this often per room.
pub const TYPING_MIN_INTERVAL: Duration = Duration::from_millis(1000);
/// A write to a socket that takes longer than this (the client stopped
/// reading and its buffers are full) closes the connection.
pub const WRITE_DEADLINE: Duration = Duration::from_secs(10);
/// Frames refused in a row for being over the frame budget before the
/// connection is closed (a client that ignores `retry_after_ms`).
pub const MAX_REFUSED_FRAMES: u32 = 100;

/// Close codes (docs/realtime.md).
pub mod close_code {
    /// No heartbeat answered for [`super::IDLE_TIMEOUT`].
    pub const IDLE: u16 = 1001;
    /// The server is restarting: reconnect and resume.
    pub const RESTART: u16 = 1012;
    /// Too slow to keep up: reconnect and resume.
    pub const SLOW: u16 = 1013;
    /// The session ended (logout, expiry): log in again.
    pub const SESSION_ENDED: u16 = 4401;
    /// A bound socket's room or thread is no longer the user's.
    pub const ACCESS_ENDED: u16 = 4403;
    /// Kept sending over the frame budget after being told to wait.
    pub const POLICY: u16 = 1008;
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ws", get(open_socket))
        .route("/ws/chat-room/{room_id}/", get(open_room_socket))
        .route("/ws/task-comments/{task_id}/", get(open_task_socket))
}

/// `?after=ID` (a message id for rooms, a change number for threads) or
/// `?after_seq=N` (a change number for both).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResumeQuery {
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    after_seq: Option<i64>,
}

/// Handshake checks: same origin (no cross-site WebSocket hijacking) and a session.
async fn handshake(state: &AppState, headers: &HeaderMap) -> Result<Session, HttpError> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    csrf::check(headers, host, &state.public_origin).map_err(HttpError::CrossSite)?;
    Ok(auth::require_session(&state.services, headers).await?)
}

async fn open_socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Response {
    match handshake(&state, &headers).await {
        Ok(session) => upgrade(ws, state, session, None, request_id(&headers))
            .unwrap_or_else(IntoResponse::into_response),
        Err(e) => e.into_response(),
    }
}

async fn open_room_socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Path(room_id): Path<String>,
    QueryParams(resume): QueryParams<ResumeQuery>,
    headers: HeaderMap,
) -> Response {
    open_bound_socket(ws, state, &headers, &room_id, resume, Stream::Room).await
}

async fn open_task_socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Path(task_id): Path<String>,
    QueryParams(resume): QueryParams<ResumeQuery>,
    headers: HeaderMap,
) -> Response {
    open_bound_socket(ws, state, &headers, &task_id, resume, Stream::Thread).await
}

/// A compat socket bound to one room or thread: refused before upgrading
/// unless the user may follow it.
async fn open_bound_socket(
    ws: WebSocketUpgrade,
    state: AppState,
    headers: &HeaderMap,
    raw_id: &str,
    resume: ResumeQuery,
    stream: fn(i64) -> Stream,
) -> Response {
    let checked = async {
        let session = handshake(&state, headers).await?;
        let stream = stream(parse_id(raw_id)?);
        stream::authorize(&state.services, &session.user, stream.topic()).await?;
        let resume = Resume::from_parts(resume.after, resume.after_seq)?;
        Ok::<_, HttpError>((session, stream, resume))
    };
    match checked.await {
        Ok((session, stream, resume)) => upgrade(
            ws,
            state,
            session,
            Some((stream, resume)),
            request_id(headers),
        )
        .unwrap_or_else(IntoResponse::into_response),
        Err(e) => e.into_response(),
    }
}

/// The id of the upgrade request (the connection's log lines carry it).
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(crate::error::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string()
}

/// Upgrades, unless the user already has as many sockets as allowed (429).
/// The connection runs in a span with the user, the session's reference and
/// the upgrade request's id: every line it logs says whose it is.
fn upgrade(
    ws: WebSocketUpgrade,
    state: AppState,
    session: Session,
    bound: Option<(Stream, Option<Resume>)>,
    request_id: String,
) -> Result<Response, HttpError> {
    let slot = state.services.connection_caps.socket(session.user.id)?;
    // Small socket buffers: memory per idle connection is what limits how many
    // a server holds (tungstenite's defaults are 128 KiB each way).
    let ws = ws
        .max_message_size(4 * MAX_FRAME_BYTES)
        .read_buffer_size(1024)
        .write_buffer_size(16 * 1024);
    let span = tracing::info_span!(
        "ws",
        user = session.user.id,
        session = %session.reference,
        request = %request_id,
    );
    Ok(ws.on_upgrade(move |socket| {
        async move {
            connection::Connection::new(state.services.clone(), session, bound.map(|(s, _)| s))
                .run(
                    socket,
                    bound.and_then(|(_, resume)| resume),
                    state.stopping.clone(),
                )
                .await;
            drop(slot);
        }
        .instrument(span)
    }))
}
