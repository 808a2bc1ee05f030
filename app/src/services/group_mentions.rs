//! Group mentions: `@room` (the room's members), `@board` (the board's
//! members who can read the room) and `@here` (the room's members online
//! now) in a chat message.
//!
//! Rules, checked before the message is queued (a refusal is an error the
//! sender sees, never silence): on a board of more than
//! [`validate::GROUP_MENTION_OPEN_UP_TO`] members only its owners call a
//! group, unless an owner lets everyone; a call reaches at most
//! `Settings::group_mention_max` people (500 by default); a person calls a
//! room's group at most once in [`validate::GROUP_MENTION_EVERY_MS`] — that
//! slot is claimed again inside the message's own transaction, so two
//! instances racing cannot both use it.
//!
//! The people called are notified after the message is committed, by a task
//! of their own, in chunks: a big group never stalls the room's writes. A
//! person the message also mentions by name gets that mention instead, and
//! nobody is notified of their own message. An edit neither calls a group
//! nor withdraws a call; deleting the message withdraws every notification
//! it caused.

use sqlx::{Any, AnyPool, Transaction};

use super::boards::role_on;
use super::hub::Hub;
use super::notifications;
use super::preferences::{self, Place};
use super::presence;
use super::storage::now_ms;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::mentions::mentioned_names;
use crate::model::{GroupMentions, NotificationKind, Role, Room, User};
use crate::validate;

/// A group a message calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Room,
    Board,
    Here,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Self::Room => "room",
            Self::Board => "board",
            Self::Here => "here",
        }
    }
}

/// The groups a text calls, in order of first mention (`@room`, `@board`,
/// `@here`; the other reserved names call nobody).
pub fn groups_in(text: &str) -> Vec<Group> {
    mentioned_names(text)
        .iter()
        .filter_map(|name| match name.as_str() {
            "room" => Some(Group::Room),
            "board" => Some(Group::Board),
            "here" => Some(Group::Here),
            _ => None,
        })
        .collect()
}

/// A message's call: whom it reaches (besides its author and those it
/// mentions by name), for the notifications written after its commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCall {
    pub groups: Vec<Group>,
    pub recipients: Vec<i64>,
}

/// Checks a message's group call against the rules and expands it. `None`
/// when the text calls no group.
pub(crate) async fn resolve(
    svc: &Services,
    author: &User,
    room: &Room,
    text: &str,
    mentioned: &[User],
) -> AppResult<Option<GroupCall>> {
    let groups = groups_in(text);
    // A direct message notifies all its people of every message already:
    // there a group's name is just text.
    let Some(board_id) = room.board_id else {
        return Ok(None);
    };
    if groups.is_empty() {
        return Ok(None);
    }
    let names = groups
        .iter()
        .map(|g| format!("@{}", g.name()))
        .collect::<Vec<_>>()
        .join(", ");
    let (members, who): (i64, String) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM board_members WHERE board_id = b.id), b.group_mentions
         FROM boards b WHERE b.id = $1",
    )
    .bind(board_id)
    .fetch_one(&svc.pool)
    .await?;
    let everyone = GroupMentions::parse(&who).unwrap_or_default() == GroupMentions::Everyone;
    if members > validate::GROUP_MENTION_OPEN_UP_TO
        && !everyone
        && role_on(&svc.pool, board_id, author.id).await? != Role::Owner
    {
        return Err(AppError::forbidden(format!(
            "on a board of more than {} members only its owners may call {names} \
             (an owner can let everyone)",
            validate::GROUP_MENTION_OPEN_UP_TO
        )));
    }
    let mut recipients: Vec<i64> = Vec::new();
    for group in &groups {
        let ids = match group {
            Group::Room => room_members(&svc.pool, room.id).await?,
            Group::Board => board_readers(&svc.pool, room).await?,
            Group::Here => presence::online_in_room(svc, room.id).await?,
        };
        recipients.extend(ids);
    }
    recipients.sort_unstable();
    recipients.dedup();
    recipients.retain(|id| *id != author.id && !mentioned.iter().any(|m| m.id == *id));
    let max = svc.settings.group_mention_max;
    if recipients.len() > max {
        return Err(AppError::invalid(format!(
            "{names} would notify {} people here: a group call reaches at most {max}",
            recipients.len()
        )));
    }
    if let Some(wait) = wait_before_next(&svc.pool, author.id, room.id, now_ms()).await? {
        return Err(AppError::RateLimited(wait));
    }
    Ok(Some(GroupCall { groups, recipients }))
}

async fn room_members(pool: &AnyPool, room_id: i64) -> AppResult<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT user_id FROM chat_room_members WHERE room_id = $1")
            .bind(room_id)
            .fetch_all(pool)
            .await?,
    )
}

/// The board's members who can read the room: all of them in a public
/// room, its members in a private one.
async fn board_readers(pool: &AnyPool, room: &Room) -> AppResult<Vec<i64>> {
    if room.is_private {
        return room_members(pool, room.id).await;
    }
    Ok(
        sqlx::query_scalar("SELECT user_id FROM board_members WHERE board_id = $1")
            .bind(room.board_id)
            .fetch_all(pool)
            .await?,
    )
}

/// How long (ms) until the author may call a group in this room again, if
/// they called one within [`validate::GROUP_MENTION_EVERY_MS`].
async fn wait_before_next(
    pool: &AnyPool,
    user_id: i64,
    room_id: i64,
    now: i64,
) -> AppResult<Option<u64>> {
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT called_at FROM group_mention_calls WHERE user_id = $1 AND room_id = $2",
    )
    .bind(user_id)
    .bind(room_id)
    .fetch_optional(pool)
    .await?;
    Ok(last
        .map(|at| at + validate::GROUP_MENTION_EVERY_MS - now)
        .filter(|wait| *wait > 0)
        .map(|wait| wait as u64))
}

/// In the message's transaction: takes the author's call slot for the room
/// (refused when another call of theirs took it within the interval: the
/// time to wait).
pub(crate) async fn claim_call(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    room_id: i64,
    now: i64,
) -> AppResult<Result<(), u64>> {
    let claimed = sqlx::query(
        "INSERT INTO group_mention_calls (user_id, room_id, called_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, room_id) DO UPDATE SET called_at = excluded.called_at
         WHERE group_mention_calls.called_at <= $4",
    )
    .bind(user_id)
    .bind(room_id)
    .bind(now)
    .bind(now - validate::GROUP_MENTION_EVERY_MS)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if claimed > 0 {
        return Ok(Ok(()));
    }
    let last: i64 = sqlx::query_scalar(
        "SELECT called_at FROM group_mention_calls WHERE user_id = $1 AND room_id = $2",
    )
    .bind(user_id)
    .bind(room_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(Err(
        (last + validate::GROUP_MENTION_EVERY_MS - now).max(1) as u64
    ))
}

/// People notified per transaction.
const CHUNK: usize = 100;

/// After the message's commit: one `group_mention` notification for each
/// person called who can still read the room, written in chunks of
/// [`CHUNK`], each published as soon as it is committed.
pub(crate) async fn notify(
    pool: &AnyPool,
    hub: &Hub,
    message_id: i64,
    call: &GroupCall,
) -> AppResult<usize> {
    let Some((room_id, board_id, author_id, content)): Option<(i64, Option<i64>, i64, String)> =
        sqlx::query_as(
            "SELECT m.room_id, r.board_id, m.author_id, m.content
             FROM chat_messages m JOIN chat_rooms r ON r.id = m.room_id
             WHERE m.id = $1 AND m.deleted_at IS NULL",
        )
        .bind(message_id)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(0);
    };
    let snippet = notifications::snippet(&content);
    let now = now_ms();
    let mut made = 0;
    let place = Place {
        board_id,
        room_id: Some(room_id),
        task_id: None,
    };
    let kind = NotificationKind::GroupMention;
    for chunk in call.recipients.chunks(CHUNK) {
        let mut tx = pool.begin().await?;
        let mut ids = Vec::with_capacity(chunk.len());
        // Not those who muted the room (unless they asked for its calls),
        // quieted it or muted the author.
        let chunk = preferences::allowed(&mut tx, kind, author_id, place, chunk).await?;
        for recipient in chunk {
            // Only someone who can read the room now (a member, or a board
            // member where it is public).
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO notifications (recipient_id, sender_id, kind, board_id, room_id,
                     message_id, snippet, created_at, context, board_name)
                 SELECT $1, $2, $3, r.board_id, r.id, $4, $5, $6, '#' || r.name,
                        COALESCE((SELECT name FROM boards WHERE id = r.board_id), '')
                 FROM chat_rooms r
                 WHERE r.id = $7 AND r.board_id = $8
                   AND (EXISTS (SELECT 1 FROM chat_room_members rm
                                WHERE rm.room_id = r.id AND rm.user_id = $1)
                        OR (r.is_private = 0 AND EXISTS (SELECT 1 FROM board_members bm
                                WHERE bm.board_id = r.board_id AND bm.user_id = $1)))
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(recipient)
            .bind(author_id)
            .bind(NotificationKind::GroupMention.as_str())
            .bind(message_id)
            .bind(&snippet)
            .bind(now)
            .bind(room_id)
            .bind(board_id)
            .fetch_optional(&mut *tx)
            .await?;
            ids.extend(id);
        }
        tx.commit().await?;
        made += ids.len();
        notifications::publish_new(pool, hub, &ids).await?;
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_read_from_the_text() {
        assert_eq!(groups_in("@room stand-up in 5"), [Group::Room]);
        assert_eq!(
            groups_in("@here and @board, also @room"),
            [Group::Here, Group::Board, Group::Room]
        );
        assert_eq!(groups_in("@room."), [Group::Room]);
        assert!(groups_in("email room@example.org, @roomba").is_empty());
        assert!(groups_in("@all @everyone @channel").is_empty());
    }
}
