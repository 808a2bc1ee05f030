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
//! hear nothing from a room they can no longer read.

use std::collections::HashMap;

use sqlx::{Any, AnyConnection, AnyPool, Transaction};

use super::chat::{self, readable_room, MessageRow, SELECT_MESSAGES, SELECT_REPLIES};
use super::hub::{Event, Topic};
use super::notifications::{self, Activity, Notified};
use super::numbered::{NumberedWrite, Stream};
use super::paging::{Cursor, Keyset};
use super::storage::now_ms;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{
    FollowedRoot, FollowedRoots, Message, NotificationKind, RepliesPage, ReplyFollow, User,
};
use crate::validate;

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
const FOLLOWER_READS: &str = "(EXISTS (SELECT 1 FROM chat_room_members rm
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

/// The latest repliers of each root (at most three, newest first), from
/// its replies that are not deleted.
pub(crate) async fn latest_repliers(
    conn: &mut AnyConnection,
    roots: &[i64],
) -> AppResult<HashMap<i64, Vec<User>>> {
    let mut out: HashMap<i64, Vec<User>> = HashMap::new();
    if roots.is_empty() {
        return Ok(out);
    }
    let placeholders: Vec<String> = (1..=roots.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT m.thread_root_id AS root, u.id, u.username, u.display_name, MAX(m.id) AS latest
         FROM chat_messages m JOIN users u ON u.id = m.author_id
         WHERE m.thread_root_id IN ({}) AND m.deleted_at IS NULL
         GROUP BY m.thread_root_id, u.id, u.username, u.display_name
         ORDER BY root, latest DESC",
        placeholders.join(", ")
    );
    #[derive(sqlx::FromRow)]
    struct ReplierRow {
        root: i64,
        #[sqlx(flatten)]
        user: User,
        #[allow(dead_code)]
        latest: i64,
    }
    let mut query = sqlx::query_as::<_, ReplierRow>(&sql);
    for id in roots {
        query = query.bind(id);
    }
    for row in query.fetch_all(&mut *conn).await? {
        let list = out.entry(row.root).or_default();
        if list.len() < 3 {
            list.push(row.user);
        }
    }
    Ok(out)
}

/// One message read through a connection (a writing transaction's own: it
/// sees that transaction's changes).
async fn message_in(conn: &mut AnyConnection, id: i64) -> AppResult<Message> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!("{SELECT_MESSAGES} WHERE m.id = $1"))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    chat::to_messages_in(conn, rows)
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("message"))
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
    board_id: i64,
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
    let recipients: Vec<i64> = recipients
        .into_iter()
        .filter(|id| !mentioned.iter().any(|m| m.id == *id))
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
    let root = chat::message_by_id(&svc.pool, root_id).await?;
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
    let messages = chat::to_messages(&svc.pool, page.rows)
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
        for m in chat::to_messages(&svc.pool, loaded).await? {
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
