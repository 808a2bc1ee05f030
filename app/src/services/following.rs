//! Following replies: a root's pane (its replies, paged like history),
//! following and unfollowing it, the reader's pointer in it, and the
//! Replies list of the roots someone follows. The writing side (a reply
//! and what it changes) is `replies`.

use std::collections::HashMap;

use sqlx::AnyPool;

use super::chat::readable_room;
use super::hub::{Event, Topic};
use super::message_rows::{
    message_by_id, to_messages, MessageRow, SELECT_MESSAGES, SELECT_REPLIES,
};
use super::notifications;
use super::numbered::Stream;
use super::paging::{Cursor, Keyset};
use super::replies::FOLLOWER_READS;
use super::storage::now_ms;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{FollowedRoot, FollowedRoots, Message, RepliesPage, ReplyFollow, User};
use crate::validate;

/// How a root's replies are paged: (thread_root_id, id) ranges of the
/// partial index `chat_messages_by_root`.
const REPLIES: Keyset = Keyset {
    select: SELECT_REPLIES,
    id: "m.id",
    table: "chat_messages",
    scope: "thread_root_id",
    only: "",
};

/// A root the user may read (and that is a root), or 404 / 400.
async fn readable_root(svc: &Services, user: &User, root_id: i64) -> AppResult<Message> {
    let root = message_by_id(&svc.pool, root_id).await?;
    readable_room(&svc.pool, root.room_id, user.id)
        .await
        .map_err(|_| AppError::not_found("message"))?;
    if let Some(its_root) = root.thread_root_id {
        return Err(AppError::invalid(format!(
            "message {root_id} is a reply: its replies are those of message {its_root}"
        )));
    }
    Ok(root)
}

/// A page of a root's replies, oldest first (the newest page with no
/// cursor), with the root and whether the reader follows it.
#[tracing::instrument(skip_all, fields(user = user.id, root_id = root_id))]
pub async fn replies(
    svc: &Services,
    user: &User,
    root_id: i64,
    cursor: Cursor,
    limit: Option<i64>,
) -> AppResult<RepliesPage> {
    let limit = validate::page_limit(limit)?;
    let cursor = cursor.check()?;
    let root = readable_root(svc, user, root_id).await?;
    // The stream's number first (see `chat::messages_page`).
    let seq = Stream::Room(root.room_id).last_seq(&svc.pool).await?;
    let page = REPLIES
        .page(&svc.pool, root_id, cursor, limit, |r: &MessageRow| r.id)
        .await?;
    let messages = to_messages(&svc.pool, page.rows)
        .await?
        .into_iter()
        .map(|m| m.as_seen_by(user.id))
        .collect();
    let (following, last_read_id) = follow_state(&svc.pool, root_id, user.id).await?;
    Ok(RepliesPage {
        root: root.as_seen_by(user.id),
        messages,
        has_older: page.has_older,
        has_newer: page.has_newer,
        seq,
        following,
        last_read_id,
    })
}

async fn follow_state(pool: &AnyPool, root_id: i64, user_id: i64) -> AppResult<(bool, i64)> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT following, last_read_id FROM reply_followers WHERE root_id = $1 AND user_id = $2",
    )
    .bind(root_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map_or((false, 0), |(f, r)| (f == 1, r)))
}

/// Follows (or unfollows: it sticks) a root's replies.
#[tracing::instrument(skip_all, fields(user = user.id, root_id = root_id, following = following))]
pub async fn set_following(
    svc: &Services,
    user: &User,
    root_id: i64,
    following: bool,
) -> AppResult<ReplyFollow> {
    readable_root(svc, user, root_id).await?;
    sqlx::query(
        "INSERT INTO reply_followers (root_id, user_id, following, last_read_id)
         VALUES ($1, $2, $3, 0)
         ON CONFLICT (root_id, user_id) DO UPDATE SET following = excluded.following",
    )
    .bind(root_id)
    .bind(user.id)
    .bind(i64::from(following))
    .execute(&svc.pool)
    .await?;
    // Every tab's Replies view and pane agree.
    svc.hub.publish(
        Topic::User(user.id),
        Event::RepliesRead {
            root_id,
            last_read_id: follow_state(&svc.pool, root_id, user.id).await?.1,
            following,
        },
    );
    Ok(ReplyFollow { root_id, following })
}

/// Moves the caller's read pointer in a root's replies forward (never back)
/// to `message_id`, and marks their bell entry for the root read. Returns
/// the pointer.
#[tracing::instrument(skip_all, fields(user = user.id, root_id = root_id, message_id = message_id))]
pub async fn mark_read(
    svc: &Services,
    user: &User,
    root_id: i64,
    message_id: i64,
) -> AppResult<i64> {
    readable_root(svc, user, root_id).await?;
    let reply_of: Option<Option<i64>> =
        sqlx::query_scalar("SELECT thread_root_id FROM chat_messages WHERE id = $1")
            .bind(message_id)
            .fetch_optional(&svc.pool)
            .await?;
    if reply_of != Some(Some(root_id)) {
        return Err(AppError::invalid(format!(
            "message {message_id} is not a reply to message {root_id}"
        )));
    }
    let moved = sqlx::query(
        "UPDATE reply_followers SET last_read_id = $1
         WHERE root_id = $2 AND user_id = $3 AND last_read_id < $1",
    )
    .bind(message_id)
    .bind(root_id)
    .bind(user.id)
    .execute(&svc.pool)
    .await?
    .rows_affected();
    let read: Vec<i64> = sqlx::query_scalar(
        "UPDATE notifications SET read_at = $1
         WHERE recipient_id = $2 AND kind = 'reply' AND message_id = $3 AND read_at IS NULL
         RETURNING id",
    )
    .bind(now_ms())
    .bind(user.id)
    .bind(root_id)
    .fetch_all(&svc.pool)
    .await?;
    if !read.is_empty() {
        notifications::publish_update(&svc.pool, &svc.hub, user.id, read, Vec::new(), false)
            .await?;
    }
    let (following, pointer) = follow_state(&svc.pool, root_id, user.id).await?;
    if moved > 0 {
        svc.hub.publish(
            Topic::User(user.id),
            Event::RepliesRead {
                root_id,
                last_read_id: pointer,
                following,
            },
        );
    }
    Ok(pointer)
}

/// Most roots in one page of the Replies view.
const FOLLOWED_MAX: i64 = 100;

/// The roots the user follows in rooms they can still read, those with the
/// newest replies first, each with how many replies by others they have
/// not read. Keyset-paged by (`last_reply_at`, id): `before` is the last
/// root of the previous page.
#[tracing::instrument(skip_all, fields(user = user.id))]
pub async fn followed(
    svc: &Services,
    user: &User,
    before: Option<i64>,
    limit: Option<i64>,
) -> AppResult<FollowedRoots> {
    let limit = limit.unwrap_or(30);
    if !(1..=FOLLOWED_MAX).contains(&limit) {
        return Err(AppError::invalid(format!(
            "limit must be between 1 and {FOLLOWED_MAX}"
        )));
    }
    let (before_at, before_id) = match before {
        None => (i64::MAX, i64::MAX),
        Some(id) => {
            let at: Option<Option<i64>> =
                sqlx::query_scalar("SELECT last_reply_at FROM chat_messages WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&svc.pool)
                    .await?;
            match at {
                Some(Some(at)) => (at, id),
                _ => {
                    return Err(AppError::invalid(format!(
                        "before: {id} is no followed root"
                    )))
                }
            }
        }
    };
    #[derive(sqlx::FromRow)]
    struct Row {
        root_id: i64,
        room_name: String,
        board_id: i64,
        last_read_id: i64,
        unread: i64,
    }
    let mut rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT f.root_id, c.name AS room_name, c.board_id, f.last_read_id,
                (SELECT COUNT(*) FROM chat_messages x
                  WHERE x.thread_root_id = f.root_id AND x.id > f.last_read_id
                    AND x.author_id <> f.user_id AND x.deleted_at IS NULL) AS unread
         FROM reply_followers f
         JOIN chat_messages r ON r.id = f.root_id
         JOIN chat_rooms c ON c.id = r.room_id
         WHERE f.user_id = $1 AND f.following = 1 AND r.last_reply_at IS NOT NULL
           AND (r.last_reply_at < $2 OR (r.last_reply_at = $2 AND r.id < $3))
           AND {FOLLOWER_READS}
         ORDER BY r.last_reply_at DESC, r.id DESC LIMIT $4"
    ))
    .bind(user.id)
    .bind(before_at)
    .bind(before_id)
    .bind(limit + 1)
    .fetch_all(&svc.pool)
    .await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let ids: Vec<i64> = rows.iter().map(|r| r.root_id).collect();
    let mut roots: HashMap<i64, Message> = HashMap::new();
    if !ids.is_empty() {
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "{SELECT_MESSAGES} WHERE m.id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<_, MessageRow>(&sql);
        for id in &ids {
            query = query.bind(id);
        }
        let loaded = query.fetch_all(&svc.pool).await?;
        for m in to_messages(&svc.pool, loaded).await? {
            roots.insert(m.id, m.as_seen_by(user.id));
        }
    }
    Ok(FollowedRoots {
        roots: rows
            .into_iter()
            .filter_map(|r| {
                Some(FollowedRoot {
                    root: roots.remove(&r.root_id)?,
                    room_name: r.room_name,
                    board_id: r.board_id,
                    unread: r.unread,
                    last_read_id: r.last_read_id,
                })
            })
            .collect(),
        has_more,
    })
}
