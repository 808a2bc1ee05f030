//! Notifications: one per mention of a user in a comment or chat message,
//! stored in the same transaction as the mentioning text, then pushed live to
//! the recipient's own topic (`user:{id}`) with their new unread count, so
//! the bell in every open tab agrees. A user only ever sees their own.

use std::collections::BTreeSet;

use sqlx::{Any, AnyPool, Transaction};

use super::hub::{Event, Hub, Topic};
use super::storage::now_ms;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{Notification, NotificationKind, NotificationPage, User};
use crate::validate;

/// Longest snippet of the mentioning text kept with a notification, in characters.
pub const SNIPPET_MAX: usize = 140;

/// Where a mention happened.
#[derive(Debug, Clone)]
pub struct MentionSite {
    pub kind: NotificationKind,
    pub board_id: i64,
    pub task_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub room_id: Option<i64>,
    pub message_id: Option<i64>,
}

/// The start of a text on one line, for lists and desktop notifications.
pub fn snippet(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= SNIPPET_MAX {
        flat
    } else {
        let cut: String = flat.chars().take(SNIPPET_MAX - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Stores a notification for each recipient (never the sender; at most one
/// per recipient and mentioning text). Returns the ids of the new ones; publish
/// them with [`publish_new`] once the transaction is committed.
pub async fn insert_for_mentions(
    tx: &mut Transaction<'static, Any>,
    site: &MentionSite,
    sender: &User,
    recipients: &[User],
    text: &str,
) -> AppResult<Vec<i64>> {
    let snippet = snippet(text);
    let now = now_ms();
    let mut ids = Vec::new();
    for recipient in recipients.iter().filter(|r| r.id != sender.id) {
        let id: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO notifications (recipient_id, sender_id, kind, board_id, task_id,
                 comment_id, room_id, message_id, snippet, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(recipient.id)
        .bind(sender.id)
        .bind(site.kind.as_str())
        .bind(site.board_id)
        .bind(site.task_id)
        .bind(site.comment_id)
        .bind(site.room_id)
        .bind(site.message_id)
        .bind(&snippet)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
        ids.extend(id.map(|(id,)| id));
    }
    Ok(ids)
}

const SELECT: &str = "SELECT n.id, n.kind, n.board_id, n.task_id, n.comment_id, n.room_id,
        n.message_id, n.snippet, n.created_at, n.read_at,
        s.id, s.username, s.display_name,
        COALESCE(t.title, r.name, ''), n.recipient_id
    FROM notifications n
    JOIN users s ON s.id = n.sender_id
    LEFT JOIN tasks t ON t.id = n.task_id
    LEFT JOIN chat_rooms r ON r.id = n.room_id";

type Row = (
    i64,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
    i64,
    Option<i64>,
    i64,
    String,
    String,
    String,
    i64,
);

fn from_row(row: Row) -> Notification {
    let (id, kind, board_id, task_id, comment_id, room_id, message_id, snippet, created_at) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
    );
    let context = match (task_id, room_id) {
        (Some(_), _) => row.13,
        (_, Some(_)) => format!("#{}", row.13),
        _ => row.13,
    };
    Notification {
        id,
        kind: NotificationKind::parse(&kind).unwrap_or(NotificationKind::CommentMention),
        sender: User {
            id: row.10,
            username: row.11,
            display_name: row.12,
        },
        board_id,
        task_id,
        comment_id,
        room_id,
        message_id,
        context,
        snippet,
        link: Notification::link_for(board_id, task_id, comment_id, room_id, message_id),
        created_at,
        read: row.9.is_some(),
    }
}

/// How many of the caller's notifications are unread.
pub async fn unread(svc: &super::Services, user: &crate::model::User) -> AppResult<i64> {
    unread_count(&svc.pool, user.id).await
}

/// The user's unread count.
pub(crate) async fn unread_count(pool: &AnyPool, user_id: i64) -> AppResult<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM notifications WHERE recipient_id = $1 AND read_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(pool)
    .await?;
    Ok(n)
}

/// Pushes newly stored notifications to their recipients' topics.
pub async fn publish_new(pool: &AnyPool, hub: &Hub, ids: &[i64]) -> AppResult<()> {
    for &id in ids {
        let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE n.id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?;
        let Some(row) = row else { continue };
        let recipient = row.14;
        let unread = unread_count(pool, recipient).await?;
        hub.publish(
            Topic::User(recipient),
            Event::Notification {
                notification: from_row(row),
                unread,
            },
        );
    }
    Ok(())
}

/// Tells a user's tabs what changed (marked read, removed) and the new count.
pub async fn publish_update(
    svc: &Services,
    user_id: i64,
    read: Vec<i64>,
    removed: Vec<i64>,
    all_read: bool,
) -> AppResult<()> {
    let unread = unread_count(&svc.pool, user_id).await?;
    svc.hub.publish(
        Topic::User(user_id),
        Event::NotificationsUpdated {
            unread,
            read,
            removed,
            all_read,
        },
    );
    Ok(())
}

/// A page of the user's notifications, newest first (keyset on id).
pub async fn list(
    svc: &Services,
    user: &User,
    before: Option<i64>,
    limit: Option<i64>,
    unread_only: bool,
) -> AppResult<NotificationPage> {
    let limit = validate::page_limit(limit)?;
    let unread_filter = if unread_only {
        " AND n.read_at IS NULL"
    } else {
        ""
    };
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE n.recipient_id = $1 AND n.id < $2{unread_filter}
         ORDER BY n.id DESC LIMIT $3"
    ))
    .bind(user.id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit + 1)
    .fetch_all(&svc.pool)
    .await?;
    let has_more = rows.len() as i64 > limit;
    Ok(NotificationPage {
        notifications: rows
            .into_iter()
            .take(limit as usize)
            .map(from_row)
            .collect(),
        has_more,
        unread: unread_count(&svc.pool, user.id).await?,
    })
}

/// Marks one of the user's notifications read (someone else's id: 404, and
/// nothing changes). Returns the new unread count.
pub async fn mark_read(svc: &Services, user: &User, id: i64) -> AppResult<i64> {
    let found: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT read_at FROM notifications WHERE id = $1 AND recipient_id = $2")
            .bind(id)
            .bind(user.id)
            .fetch_optional(&svc.pool)
            .await?;
    match found {
        None => return Err(AppError::not_found("notification")),
        Some((Some(_),)) => return unread_count(&svc.pool, user.id).await,
        Some((None,)) => {}
    }
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE id = $2 AND read_at IS NULL")
        .bind(now_ms())
        .bind(id)
        .execute(&svc.pool)
        .await?;
    publish_update(svc, user.id, vec![id], Vec::new(), false).await?;
    unread_count(&svc.pool, user.id).await
}

/// Marks every notification of the user read. Returns how many were unread.
pub async fn mark_all_read(svc: &Services, user: &User) -> AppResult<u64> {
    let changed = sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE recipient_id = $2 AND read_at IS NULL",
    )
    .bind(now_ms())
    .bind(user.id)
    .execute(&svc.pool)
    .await?
    .rows_affected();
    if changed > 0 {
        publish_update(svc, user.id, Vec::new(), Vec::new(), true).await?;
    }
    Ok(changed)
}

/// Deletes the notifications of a deleted comment (inside its transaction).
/// Returns (recipient, notification id) pairs, for [`publish_removed`].
pub async fn delete_for_comment(
    tx: &mut Transaction<'static, Any>,
    comment_id: i64,
) -> AppResult<Vec<(i64, i64)>> {
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT recipient_id, id FROM notifications WHERE comment_id = $1")
            .bind(comment_id)
            .fetch_all(&mut **tx)
            .await?;
    sqlx::query("DELETE FROM notifications WHERE comment_id = $1")
        .bind(comment_id)
        .execute(&mut **tx)
        .await?;
    Ok(rows)
}

/// Tells each recipient's tabs that these notifications are gone.
pub async fn publish_removed(svc: &Services, removed: Vec<(i64, i64)>) -> AppResult<()> {
    let recipients: BTreeSet<i64> = removed.iter().map(|(r, _)| *r).collect();
    for recipient in recipients {
        let ids = removed
            .iter()
            .filter(|(r, _)| *r == recipient)
            .map(|(_, id)| *id)
            .collect();
        publish_update(svc, recipient, Vec::new(), ids, false).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn snippets_are_one_short_line() {
        assert_eq!(snippet("hi\n  @bob   look"), "hi @bob look");
        let long = "word ".repeat(100);
        let s = snippet(&long);
        assert!(s.chars().count() <= super::SNIPPET_MAX);
        assert!(s.ends_with('…'));
    }
}
