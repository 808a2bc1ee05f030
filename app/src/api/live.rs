//! The HTTP fallback of the live connection (no WebSocket gets through):
//! long polls for the open room and thread, and the unread count. They wait
//! like `/messaging/.../events/` do (`services::stream::poll`).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{Comment, Message};

#[cfg(feature = "ssr")]
use crate::services::{notifications, stream};

/// The room's messages after message `after` (an id) or after change
/// `after_seq`, as soon as there are any (none after 25 s).
#[server(prefix = "/rpc", endpoint = "live/room", input = super::FormOrJson)]
pub async fn poll_room(
    room_id: i64,
    after: Option<i64>,
    after_seq: Option<i64>,
) -> Result<Vec<Message>, AppError> {
    let resume = resume(after, after_seq)?;
    poll_stream(stream::Stream::Room(room_id), resume, |e| match e {
        crate::protocol::Event::Message { message } => Some(message),
        _ => None,
    })
    .await
}

/// The thread's comment changes after change `after`, as soon as there are any.
#[server(prefix = "/rpc", endpoint = "live/thread", input = super::FormOrJson)]
pub async fn poll_thread(task_id: i64, after: i64) -> Result<Vec<Comment>, AppError> {
    let resume = stream::Resume::AfterSeq(after);
    poll_stream(stream::Stream::Thread(task_id), resume, |e| match e {
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
    poll_stream(
        stream::Stream::Board(board_id),
        stream::Resume::AfterSeq(after),
        Some,
    )
    .await
}

/// One long poll of a stream for the caller's session, keeping the events
/// `pick` wants.
#[cfg(feature = "ssr")]
async fn poll_stream<T>(
    of: stream::Stream,
    after: stream::Resume,
    pick: impl FnMut(crate::protocol::Event) -> Option<T>,
) -> Result<Vec<T>, AppError> {
    let (svc, session) = super::ctx::session().await?;
    let wait = stream::poll_wait(None);
    let polled = stream::poll(&svc, &session, of, after, wait, super::ctx::stopping()).await?;
    Ok(polled.events.into_iter().filter_map(pick).collect())
}

/// One of `after` and `after_seq`.
#[cfg(feature = "ssr")]
fn resume(after: Option<i64>, after_seq: Option<i64>) -> Result<stream::Resume, AppError> {
    stream::Resume::from_parts(after, after_seq)?
        .ok_or_else(|| AppError::invalid("missing field `after` (or `after_seq`)"))
}

/// The unread notification count.
#[server(prefix = "/rpc", endpoint = "live/unread", input = super::FormOrJson)]
pub async fn unread_notifications() -> Result<i64, AppError> {
    let (svc, user) = super::ctx::user().await?;
    notifications::unread(&svc, &user).await
}
