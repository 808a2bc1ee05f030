//! Replies: one level of answers to a room message (its *root*).
//!
//! A reply is a message of the root's room, sent on the one numbered write
//! path (`chat::MessageWriter`): it takes the room's next `seq`, so resume,
//! the long poll and every reader of the stream need no special case. The
//! room's main history lists it only when it was "also sent to the room";
//! otherwise it lives in the root's pane (`replies`). Each reply changes its
//! root too (`reply_count`, `last_reply_at`, the latest repliers): the root
//! takes the room's next number in the same transaction and is published
//! again as an ordinary `message` event.
//!
//! Following: the root's author, every replier and everyone a reply
//! mentions follow the root automatically; an unfollow sticks (automatic
//! following never turns it back on). A reply makes one bell entry per
//! follower and root, replaced (counting) rather than repeated. Followers
//! hear nothing from a room they can no longer read. This module is the
//! writing side (what `chat`'s writer and `chat_edits` call); reading a
//! root's replies, following and the Replies list are `following`.

use sqlx::{Any, AnyPool, Transaction};

use super::hub::Event;
use super::message_rows::message_in;
use super::notifications::{self, Activity, Notified};
use super::numbered::{NumberedWrite, Stream};
use crate::error::{AppError, AppResult};
use crate::model::{Message, NotificationKind, User};

/// What makes a message a reply: the root it answers, and whether the
/// room's main history shows it as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyTo {
    pub root_id: i64,
    pub also_to_room: bool,
}

impl ReplyTo {
    /// From a send's optional fields: `also_to_room` without a root is refused.
    pub fn from_fields(
        thread_root_id: Option<i64>,
        also_to_room: Option<bool>,
    ) -> AppResult<Option<Self>> {
        match (thread_root_id, also_to_room) {
            (Some(root_id), also) => Ok(Some(Self {
                root_id,
                also_to_room: also.unwrap_or(false),
            })),
            (None, Some(true)) => Err(AppError::invalid(
                "also_to_room is for replies: give thread_root_id too",
            )),
            (None, _) => Ok(None),
        }
    }
}

/// A readable room's condition for follower `f` of a root `r` in room `c`:
/// a member, or a board member where the room is public.
pub(crate) const FOLLOWER_READS: &str = "(EXISTS (SELECT 1 FROM chat_room_members rm
        WHERE rm.room_id = c.id AND rm.user_id = f.user_id)
     OR (c.is_private = 0 AND EXISTS (SELECT 1 FROM board_members bm
        WHERE bm.board_id = c.board_id AND bm.user_id = f.user_id)))";

/// Checks, before a reply is queued, that its root is a message of this
/// room that is neither a reply itself nor deleted.
pub(crate) async fn check_root(pool: &AnyPool, room_id: i64, root_id: i64) -> AppResult<()> {
    let row: Option<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT room_id, thread_root_id, deleted_at FROM chat_messages WHERE id = $1",
    )
    .bind(root_id)
    .fetch_optional(pool)
    .await?;
    match row {
        Some((room, _, _)) if room != room_id => Err(no_such_root(root_id)),
        None => Err(no_such_root(root_id)),
        Some((_, Some(its_root), _)) => Err(AppError::invalid(format!(
            "replies are one level deep: message {root_id} is itself a reply, \
             answer message {its_root} instead"
        ))),
        Some((_, None, Some(_))) => Err(AppError::conflict(
            "the message you are replying to was deleted",
        )),
        Some((_, None, None)) => Ok(()),
    }
}

fn no_such_root(root_id: i64) -> AppError {
    AppError::invalid(format!(
        "thread_root_id {root_id} names no message of this room"
    ))
}

/// In the writing transaction: the root is still there (a deletion that
/// committed after the check refuses the reply).
pub(crate) async fn root_still_open(
    tx: &mut Transaction<'static, Any>,
    root_id: i64,
) -> AppResult<()> {
    let deleted: Option<Option<i64>> =
        sqlx::query_scalar("SELECT deleted_at FROM chat_messages WHERE id = $1")
            .bind(root_id)
            .fetch_optional(&mut **tx)
            .await?;
    match deleted {
        Some(None) => Ok(()),
        Some(Some(_)) => Err(AppError::conflict(
            "the message you are replying to was deleted",
        )),
        None => Err(AppError::not_found("message")),
    }
}

/// What a stored reply does in its transaction: its root counts it and is
/// re-published with the room's next number, the author, the root's author
/// and the people it mentions follow the root, the author has read up to
/// their own reply, and every other follower who still reads the room gets
/// (or has updated) their one bell entry for the root — except those the
/// reply mentions, whose mention notification says it already. Returns
/// the notifications and whether the author follows the root now.
pub(crate) async fn record_reply(
    write: &mut NumberedWrite,
    board_id: Option<i64>,
    reply: &Message,
    reply_to: ReplyTo,
    mentioned: &[User],
) -> AppResult<(Notified, bool)> {
    let root_id = reply_to.root_id;
    let seq = write.next(Stream::Room(reply.room_id)).await?;
    sqlx::query(
        "UPDATE chat_messages SET reply_count = reply_count + 1, last_reply_at = $1, seq = $2
         WHERE id = $3",
    )
    .bind(reply.created_at)
    .bind(seq)
    .bind(root_id)
    .execute(&mut *write.tx)
    .await?;
    let root_author: i64 = sqlx::query_scalar("SELECT author_id FROM chat_messages WHERE id = $1")
        .bind(root_id)
        .fetch_one(&mut *write.tx)
        .await?;
    let mut followers = vec![root_author, reply.author.id];
    followers.extend(mentioned.iter().map(|u| u.id));
    for user_id in followers {
        sqlx::query(
            "INSERT INTO reply_followers (root_id, user_id, following, last_read_id)
             VALUES ($1, $2, 1, 0) ON CONFLICT (root_id, user_id) DO NOTHING",
        )
        .bind(root_id)
        .bind(user_id)
        .execute(&mut *write.tx)
        .await?;
    }
    sqlx::query(
        "UPDATE reply_followers SET last_read_id = $1
         WHERE root_id = $2 AND user_id = $3 AND last_read_id < $1",
    )
    .bind(reply.id)
    .bind(root_id)
    .bind(reply.author.id)
    .execute(&mut *write.tx)
    .await?;
    let root = message_in(&mut write.tx, root_id).await?;
    write.record(Event::Message { message: root });
    let recipients: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT f.user_id FROM reply_followers f
         JOIN chat_messages r ON r.id = f.root_id
         JOIN chat_rooms c ON c.id = r.room_id
         WHERE f.root_id = $1 AND f.following = 1 AND f.user_id <> $2 AND {FOLLOWER_READS}
         ORDER BY f.user_id"
    ))
    .bind(root_id)
    .bind(reply.author.id)
    .fetch_all(&mut *write.tx)
    .await?;
    // (In a direct message every reply notifies everyone already.)
    let recipients: Vec<i64> = recipients
        .into_iter()
        .filter(|id| board_id.is_some() && !mentioned.iter().any(|m| m.id == *id))
        .collect();
    let activity = Activity {
        kind: NotificationKind::Reply,
        board_id,
        task_id: None,
        comment_id: None,
        room_id: Some(reply.room_id),
        message_id: Some(root_id),
        snippet: reply.content.clone(),
    };
    let notified =
        notifications::insert_activity(&mut write.tx, &activity, &reply.author, &recipients)
            .await?;
    let following: i64 = sqlx::query_scalar(
        "SELECT following FROM reply_followers WHERE root_id = $1 AND user_id = $2",
    )
    .bind(root_id)
    .bind(reply.author.id)
    .fetch_one(&mut *write.tx)
    .await?;
    Ok((notified, following == 1))
}

/// A reply was deleted (in `write`): its root counts one fewer, its last
/// reply time is that of the newest remaining one, and it is re-published
/// with the room's next number; its followers' bell entries no longer
/// quote it (the recipients whose lists changed are returned).
pub(crate) async fn record_reply_deleted(
    write: &mut NumberedWrite,
    room_id: i64,
    root_id: i64,
) -> AppResult<Vec<i64>> {
    let seq = write.next(Stream::Room(room_id)).await?;
    sqlx::query(
        "UPDATE chat_messages SET reply_count = reply_count - 1, seq = $1,
             last_reply_at = (SELECT MAX(x.created_at) FROM chat_messages x
                              WHERE x.thread_root_id = $2 AND x.deleted_at IS NULL)
         WHERE id = $2 AND reply_count > 0",
    )
    .bind(seq)
    .bind(root_id)
    .execute(&mut *write.tx)
    .await?;
    let root = message_in(&mut write.tx, root_id).await?;
    write.record(Event::Message { message: root });
    refresh_reply_snippets(&mut write.tx, root_id).await
}

/// A reply was edited or deleted (in `tx`): the bell entries for its root
/// show the newest remaining reply's text (what was edited out or deleted
/// does not linger in anyone's list). Returns the recipients whose lists
/// changed, for `notifications::publish_refreshed`.
pub(crate) async fn refresh_reply_snippets(
    tx: &mut Transaction<'static, Any>,
    root_id: i64,
) -> AppResult<Vec<i64>> {
    let newest: Option<String> = sqlx::query_scalar(
        "SELECT content FROM chat_messages WHERE thread_root_id = $1 AND deleted_at IS NULL
         ORDER BY id DESC LIMIT 1",
    )
    .bind(root_id)
    .fetch_optional(&mut **tx)
    .await?;
    let mut recipients: Vec<i64> = sqlx::query_scalar(
        "UPDATE notifications SET snippet = $1 WHERE kind = 'reply' AND message_id = $2
         RETURNING recipient_id",
    )
    .bind(notifications::snippet(newest.as_deref().unwrap_or("")))
    .bind(root_id)
    .fetch_all(&mut **tx)
    .await?;
    recipients.sort_unstable();
    recipients.dedup();
    Ok(recipients)
}
