//! Reading chat messages: the columns, the row, and rows made into the
//! API's `Message` with their mentions, reactions and (roots) latest
//! repliers. Shared by rooms (`chat`), replies and edits, below all of them.

use std::collections::HashMap;

use sqlx::{AnyConnection, AnyPool};

use super::mentions::{self, Mentioning};
use super::posts::{self, Post};
use crate::error::{AppError, AppResult};
use crate::model::{Message, User};

/// One message by id.
pub(crate) async fn message_by_id(pool: &AnyPool, id: i64) -> AppResult<Message> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!("{SELECT_MESSAGES} WHERE m.id = $1"))
        .bind(id)
        .fetch_all(pool)
        .await?;
    to_messages(pool, rows)
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("message"))
}

/// The columns of a [`MessageRow`], with its author.
macro_rules! select_messages {
    () => {
        "SELECT m.id, m.room_id, m.content, m.html, m.created_at, m.edited_at, m.deleted_at,
                m.version, m.seq, m.client_id, m.thread_root_id, m.in_room, m.reply_count,
                m.last_reply_at, u.id AS author_id, u.username, u.display_name
         FROM chat_messages m JOIN users u ON u.id = m.author_id"
    };
}
pub(crate) const SELECT_MESSAGES: &str = select_messages!();
/// Everything of a room: its stream, replies included.
pub(crate) const SELECT: &str = concat!(select_messages!(), " WHERE m.room_id = $1");
/// What the room's main history lists (`in_room` unaliased: the partial
/// index `chat_messages_in_room` has the same condition).
pub(crate) const SELECT_IN_ROOM: &str =
    concat!(select_messages!(), " WHERE m.room_id = $1 AND in_room = 1");
/// A root's replies.
pub(crate) const SELECT_REPLIES: &str = concat!(select_messages!(), " WHERE m.thread_root_id = $1");

/// A stored message with its author.
#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub(crate) id: i64,
    room_id: i64,
    content: String,
    /// NULL until the start-up backfill rendered it (or written by an
    /// older release during an upgrade): rendered on reading then.
    html: Option<String>,
    created_at: i64,
    edited_at: Option<i64>,
    deleted_at: Option<i64>,
    version: i64,
    seq: i64,
    client_id: Option<String>,
    thread_root_id: Option<i64>,
    in_room: i64,
    reply_count: i64,
    last_reply_at: Option<i64>,
    author_id: i64,
    username: String,
    display_name: String,
}

/// Rows to messages, with their stored mentions, reactions and the roots'
/// latest repliers (one extra query for all of each).
pub(crate) async fn to_messages(pool: &AnyPool, rows: Vec<MessageRow>) -> AppResult<Vec<Message>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = pool.acquire().await?;
    to_messages_in(&mut conn, rows).await
}

/// [`to_messages`] through one connection (a writing transaction's own:
/// it sees that transaction's changes).
pub(crate) async fn to_messages_in(
    conn: &mut sqlx::AnyConnection,
    rows: Vec<MessageRow>,
) -> AppResult<Vec<Message>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let roots: Vec<i64> = rows
        .iter()
        .filter(|r| r.reply_count > 0)
        .map(|r| r.id)
        .collect();
    let mut mentioned = mentions::load(&mut *conn, Mentioning::Message, &ids).await?;
    let mut reactions = posts::reactions(&mut *conn, Post::Message, &ids).await?;
    let mut repliers = latest_repliers(&mut *conn, &roots).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mentions = mentioned.remove(&r.id).unwrap_or_default();
            Message {
                id: r.id,
                room_id: r.room_id,
                author: User {
                    id: r.author_id,
                    username: r.username,
                    display_name: r.display_name,
                },
                html: r
                    .html
                    .unwrap_or_else(|| Post::Message.render(&r.content, &mentions)),
                content: r.content,
                created_at: r.created_at,
                edited_at: r.edited_at,
                deleted_at: r.deleted_at,
                version: r.version,
                mentions,
                reactions: reactions.remove(&r.id).unwrap_or_default(),
                seq: r.seq,
                client_id: r.client_id,
                also_to_room: r.thread_root_id.is_some() && r.in_room == 1,
                thread_root_id: r.thread_root_id,
                reply_count: r.reply_count,
                last_reply_at: r.last_reply_at,
                repliers: repliers.remove(&r.id).unwrap_or_default(),
            }
        })
        .collect())
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
pub(crate) async fn message_in(conn: &mut AnyConnection, id: i64) -> AppResult<Message> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!("{SELECT_MESSAGES} WHERE m.id = $1"))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    to_messages_in(conn, rows)
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("message"))
}
