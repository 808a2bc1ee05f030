//! Notifications: one per mention of a user in a comment or chat message,
//! and one per card (or board, or room) and kind for what happens around a
//! person — assigned a card, added to a board or room, a comment on a card
//! they watch — updated rather than repeated while unread. Stored in the
//! same transaction as what caused them, then pushed live to the
//! recipient's own topic (`user:{id}`) with their new unread count, so the
//! bell in every open tab agrees. A user only ever sees their own, and never
//! one for their own action.

use std::collections::BTreeSet;

use sqlx::{Any, AnyPool, Transaction};

use super::hub::{Event, Hub, Topic};
use super::preferences::{self, Place};
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
    /// `None` in a direct message.
    pub board_id: Option<i64>,
    pub task_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub room_id: Option<i64>,
    pub message_id: Option<i64>,
}

/// Something that happened around a person, other than a mention.
#[derive(Debug, Clone)]
pub struct Activity {
    pub kind: NotificationKind,
    /// `None` in a direct message.
    pub board_id: Option<i64>,
    pub task_id: Option<i64>,
    /// The comment (a comment on a watched card): the link opens on it.
    pub comment_id: Option<i64>,
    pub room_id: Option<i64>,
    /// The root message whose replies these are (a reply notification).
    pub message_id: Option<i64>,
    pub snippet: String,
}

/// What storing notifications did: the new ones, and the unread entries
/// they took the place of (recipient, id). Publish with [`publish_notified`]
/// once the transaction is committed.
#[derive(Debug, Default)]
pub struct Notified {
    pub new: Vec<i64>,
    pub replaced: Vec<(i64, i64)>,
}

/// Stores an activity notification for each recipient (never the sender).
/// Where the recipient has an unread one of the same kind for the same card
/// (board, room), that one is replaced by a new entry — at the top of the
/// list, counting one more occurrence — instead of a second one.
pub async fn insert_activity(
    tx: &mut Transaction<'static, Any>,
    activity: &Activity,
    sender: &User,
    recipients: &[i64],
) -> AppResult<Notified> {
    use NotificationKind as K;
    let (key, key_id) = match activity.kind {
        K::Assigned | K::TaskComment | K::DueSoon | K::Overdue => ("task_id", activity.task_id),
        K::AddedToRoom => ("room_id", activity.room_id),
        K::Reply => ("message_id", activity.message_id),
        K::AddedToBoard
        | K::CommentMention
        | K::ChatMention
        | K::GroupMention
        | K::DirectMessage => ("board_id", activity.board_id),
    };
    let Some(key_id) = key_id else {
        return Err(AppError::Internal(format!(
            "a {} notification needs its {key}",
            activity.kind.as_str()
        )));
    };
    let snippet = snippet(&activity.snippet);
    let now = now_ms();
    let mut notified = Notified::default();
    let mut seen = BTreeSet::new();
    let place = Place {
        board_id: activity.board_id,
        room_id: activity.room_id,
        task_id: activity.task_id,
    };
    let recipients = preferences::allowed(tx, activity.kind, sender.id, place, recipients).await?;
    for &recipient in &recipients {
        // Never for one's own action; a due reminder is "from" its
        // recipient (nobody acted).
        let own = recipient == sender.id && !activity.kind.is_reminder();
        if own || !seen.insert(recipient) {
            continue;
        }
        // A root's replies have one entry per recipient, ever (the table's
        // unique key): a read one is replaced too, counting afresh.
        let earlier: Option<(i64, i64, Option<i64>)> = sqlx::query_as(&format!(
            "SELECT id, occurrences, read_at FROM notifications
             WHERE recipient_id = $1 AND kind = $2 AND {key} = $3
               AND (read_at IS NULL OR kind = 'reply')"
        ))
        .bind(recipient)
        .bind(activity.kind.as_str())
        .bind(key_id)
        .fetch_optional(&mut **tx)
        .await?;
        let occurrences = match earlier {
            Some((id, n, read_at)) => {
                sqlx::query("DELETE FROM notifications WHERE id = $1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                notified.replaced.push((recipient, id));
                if read_at.is_some() {
                    1
                } else {
                    n + 1
                }
            }
            None => 1,
        };
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO notifications (recipient_id, sender_id, kind, board_id, task_id,
                 comment_id, room_id, message_id, snippet, created_at, occurrences, context,
                 board_name)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $14, $8, $9, $10, COALESCE(
                 (SELECT title FROM tasks WHERE id = $11),
                 (SELECT '#' || name FROM chat_rooms WHERE id = $12), ''),
                 COALESCE((SELECT name FROM boards WHERE id = $13), ''))
             RETURNING id",
        )
        .bind(recipient)
        .bind(sender.id)
        .bind(activity.kind.as_str())
        .bind(activity.board_id)
        .bind(activity.task_id)
        .bind(activity.comment_id)
        .bind(activity.room_id)
        .bind(&snippet)
        .bind(now)
        .bind(occurrences)
        .bind(activity.task_id)
        .bind(activity.room_id)
        .bind(activity.board_id)
        .bind(activity.message_id)
        .fetch_one(&mut **tx)
        .await?;
        notified.new.push(id);
    }
    Ok(notified)
}

/// Publishes what [`insert_activity`] stored: the replaced entries leave
/// every tab's list, the new ones arrive.
pub async fn publish_notified(pool: &AnyPool, hub: &Hub, notified: &Notified) -> AppResult<()> {
    publish_removed(pool, hub, notified.replaced.clone()).await?;
    publish_new(pool, hub, &notified.new).await
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
    let place = Place {
        board_id: site.board_id,
        room_id: site.room_id,
        task_id: site.task_id,
    };
    let wanted: Vec<i64> = recipients.iter().map(|r| r.id).collect();
    let wanted = preferences::allowed(tx, site.kind, sender.id, place, &wanted).await?;
    for recipient in recipients
        .iter()
        .filter(|r| r.id != sender.id && wanted.contains(&r.id))
    {
        // The context as it is now is kept: it is what the notification
        // shows once the recipient can no longer see the task or room.
        let id: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO notifications (recipient_id, sender_id, kind, board_id, task_id,
                 comment_id, room_id, message_id, snippet, created_at, context, board_name)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE(
                 (SELECT title FROM tasks WHERE id = $11),
                 (SELECT CASE WHEN dm_key IS NULL THEN '#' || name ELSE 'direct message' END
                  FROM chat_rooms WHERE id = $12), ''),
                 COALESCE((SELECT name FROM boards WHERE id = $13), ''))
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
        .bind(site.task_id)
        .bind(site.room_id)
        .bind(site.board_id)
        .fetch_optional(&mut **tx)
        .await?;
        ids.extend(id.map(|(id,)| id));
    }
    Ok(ids)
}

/// A notification with its sender and context. The context is the task's
/// title or `#room` as they are now while the recipient is still on the
/// board (and in the room); after a removal it is the copy stored with the
/// notification, so nothing renamed later leaks to someone who left.
const SELECT: &str = "SELECT n.id, n.kind, n.board_id, n.task_id, n.comment_id, n.room_id,
        n.message_id, n.snippet, n.created_at, n.read_at, n.recipient_id, n.occurrences,
        s.id AS sender_id, s.username AS sender_username, s.display_name AS sender_display_name,
        CASE WHEN bm.user_id IS NOT NULL AND (n.room_id IS NULL OR rm.user_id IS NOT NULL)
             THEN COALESCE(t.title, '#' || r.name, n.context)
             ELSE n.context END AS context,
        CASE WHEN bm.user_id IS NOT NULL THEN COALESCE(b.name, n.board_name)
             ELSE n.board_name END AS board_name
    FROM notifications n
    JOIN users s ON s.id = n.sender_id
    LEFT JOIN boards b ON b.id = n.board_id
    LEFT JOIN tasks t ON t.id = n.task_id
    LEFT JOIN chat_rooms r ON r.id = n.room_id
    LEFT JOIN board_members bm ON bm.board_id = n.board_id AND bm.user_id = n.recipient_id
    LEFT JOIN chat_room_members rm ON rm.room_id = n.room_id AND rm.user_id = n.recipient_id";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    board_id: Option<i64>,
    task_id: Option<i64>,
    comment_id: Option<i64>,
    room_id: Option<i64>,
    message_id: Option<i64>,
    snippet: String,
    created_at: i64,
    read_at: Option<i64>,
    recipient_id: i64,
    occurrences: i64,
    sender_id: i64,
    sender_username: String,
    sender_display_name: String,
    context: String,
    board_name: String,
}

fn from_row(row: Row) -> Notification {
    let kind = NotificationKind::parse(&row.kind).unwrap_or(NotificationKind::CommentMention);
    Notification {
        id: row.id,
        kind,
        sender: User {
            id: row.sender_id,
            username: row.sender_username,
            display_name: row.sender_display_name,
        },
        board_id: row.board_id,
        task_id: row.task_id,
        comment_id: row.comment_id,
        room_id: row.room_id,
        message_id: row.message_id,
        context: row.context,
        board_name: row.board_name,
        occurrences: row.occurrences,
        snippet: row.snippet,
        link: Notification::link_for(
            kind,
            row.board_id,
            row.task_id,
            row.comment_id,
            row.room_id,
            row.message_id,
        ),
        created_at: row.created_at,
        read: row.read_at.is_some(),
    }
}

/// How many of the caller's notifications are unread.
#[tracing::instrument(skip_all, fields(user = user.id))]
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
        let recipient = row.recipient_id;
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
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn publish_update(
    pool: &AnyPool,
    hub: &Hub,
    user_id: i64,
    read: Vec<i64>,
    removed: Vec<i64>,
    all_read: bool,
) -> AppResult<()> {
    let unread = unread_count(pool, user_id).await?;
    hub.publish(
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
#[tracing::instrument(skip_all, fields(user = user.id))]
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
#[tracing::instrument(skip_all, fields(user = user.id, id = id))]
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
    publish_update(&svc.pool, &svc.hub, user.id, vec![id], Vec::new(), false).await?;
    unread_count(&svc.pool, user.id).await
}

/// Marks every notification of the user read. Returns how many were unread.
#[tracing::instrument(skip_all, fields(user = user.id))]
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
        publish_update(&svc.pool, &svc.hub, user.id, Vec::new(), Vec::new(), true).await?;
    }
    Ok(changed)
}

/// Withdraws a card's unread due reminders ("due soon", "overdue"): it was
/// marked done, given another date, or archived, so they no longer hold.
/// Inside the change's transaction; returns (recipient, notification id)
/// pairs for [`publish_removed`]. Read reminders stay as history.
pub async fn withdraw_due_reminders(
    tx: &mut Transaction<'static, Any>,
    task_id: i64,
) -> AppResult<Vec<(i64, i64)>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "DELETE FROM notifications WHERE task_id = $1 AND read_at IS NULL AND kind IN ($2, $3) \
         RETURNING recipient_id, id",
    )
    .bind(task_id)
    .bind(NotificationKind::DueSoon.as_str())
    .bind(NotificationKind::Overdue.as_str())
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

/// Tells these recipients' tabs that their lists changed (they reload them).
#[tracing::instrument(skip_all)]
pub async fn publish_refreshed(svc: &Services, recipients: &[i64]) -> AppResult<()> {
    for &recipient in recipients {
        publish_update(
            &svc.pool,
            &svc.hub,
            recipient,
            Vec::new(),
            Vec::new(),
            false,
        )
        .await?;
    }
    Ok(())
}

/// Tells each recipient's tabs that these notifications are gone.
#[tracing::instrument(skip_all)]
pub async fn publish_removed(pool: &AnyPool, hub: &Hub, removed: Vec<(i64, i64)>) -> AppResult<()> {
    let recipients: BTreeSet<i64> = removed.iter().map(|(r, _)| *r).collect();
    for recipient in recipients {
        let ids = removed
            .iter()
            .filter(|(r, _)| *r == recipient)
            .map(|(_, id)| *id)
            .collect();
        publish_update(pool, hub, recipient, Vec::new(), ids, false).await?;
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
