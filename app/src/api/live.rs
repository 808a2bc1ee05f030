//! The HTTP fallback of the live connection (no WebSocket gets through):
//! long polls for the open room and thread, and the unread count. They wait
//! like `/messaging/.../events/` do (`services::stream::poll`).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{Comment, Message};

#[cfg(feature = "ssr")]
use crate::services::{notifications, stream};

/// How long a long poll waits for something new.
#[cfg(feature = "ssr")]
const POLL_WAIT: std::time::Duration = std::time::Duration::from_secs(25);

/// The room's messages after message `after`, as soon as there are any
/// (none after 25 s).
#[server(prefix = "/rpc", endpoint = "live/room", input = super::FormOrJson)]
pub async fn poll_room(room_id: i64, after: i64) -> Result<Vec<Message>, AppError> {
    poll_stream(stream::Stream::Room(room_id), after, |e| match e {
        crate::protocol::Event::Message { message } => Some(message),
        _ => None,
    })
    .await
}

/// The thread's comment changes after change `after`, as soon as there are any.
#[server(prefix = "/rpc", endpoint = "live/thread", input = super::FormOrJson)]
pub async fn poll_thread(task_id: i64, after: i64) -> Result<Vec<Comment>, AppError> {
    poll_stream(stream::Stream::Thread(task_id), after, |e| match e {
        crate::protocol::Event::Comment { comment } => Some(comment),
        _ => None,
    })
    .await
}

/// The board's changes after change `after`, as soon as there are any.
#[server(prefix = "/rpc", endpoint = "live/board", input = super::FormOrJson)]
pub async fn poll_board(
    board_id: i64,
    after: i64,
) -> Result<Vec<crate::protocol::Event>, AppError> {
    poll_stream(stream::Stream::Board(board_id), after, Some).await
}

/// One long poll of a stream for the caller's session, keeping the events
/// `pick` wants.
#[cfg(feature = "ssr")]
async fn poll_stream<T>(
    of: stream::Stream,
    after: i64,
    pick: impl FnMut(crate::protocol::Event) -> Option<T>,
) -> Result<Vec<T>, AppError> {
    let (svc, session) = super::ctx::session().await?;
    let polled = stream::poll(&svc, &session, of, after, POLL_WAIT, super::ctx::stopping()).await?;
    Ok(polled.events.into_iter().filter_map(pick).collect())
}

/// The unread notification count.
#[server(prefix = "/rpc", endpoint = "live/unread", input = super::FormOrJson)]
pub async fn unread_notifications() -> Result<i64, AppError> {
    let (svc, user) = super::ctx::user().await?;
    notifications::unread(&svc, &user).await
}
