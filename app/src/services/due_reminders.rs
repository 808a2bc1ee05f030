//! Due date reminders: the assignees of an open card get one bell entry
//! when it is due within a day and one when it becomes overdue. A sweep
//! runs every minute on every instance; each reminder is claimed with a
//! conditional update inside its transaction, so two instances sweeping at
//! once send it once. Marking a card done (or archiving it) stops them; a
//! new due date starts them again.

use super::notifications::{self, Activity, Notified};
use super::Services;
use crate::error::AppResult;
use crate::model::{NotificationKind, User};

/// How long before the due time the "due soon" reminder goes out.
pub const SOON_MS: i64 = 24 * 3600 * 1000;

#[derive(sqlx::FromRow)]
struct DueCard {
    id: i64,
    board_id: i64,
    title: String,
    due_at: i64,
}

/// Sends the reminders due at `now` (Unix ms; the clock is the caller's,
/// so tests choose it). Returns how many bell entries were made.
pub async fn send_due(svc: &Services, now: i64) -> AppResult<usize> {
    let cards: Vec<DueCard> = sqlx::query_as(
        "SELECT id, board_id, title, due_at FROM tasks
         WHERE due_at IS NOT NULL AND done_at IS NULL AND archived_at IS NULL
           AND due_at <= $1
           AND ((due_at <= $2 AND overdue_sent = 0) OR (due_at > $2 AND due_soon_sent = 0))
         ORDER BY due_at, id LIMIT 500",
    )
    .bind(now + SOON_MS)
    .bind(now)
    .fetch_all(&svc.pool)
    .await?;
    let mut made = 0;
    for card in cards {
        let overdue = card.due_at <= now;
        made += remind(svc, &card, overdue).await?;
    }
    Ok(made)
}

/// One card's reminder, claimed so it goes out once.
async fn remind(svc: &Services, card: &DueCard, overdue: bool) -> AppResult<usize> {
    let mut tx = svc.pool.begin().await?;
    // An overdue card never also gets "due soon" later.
    let claim = if overdue {
        "UPDATE tasks SET overdue_sent = 1, due_soon_sent = 1
         WHERE id = $1 AND overdue_sent = 0 AND due_at = $2 AND done_at IS NULL"
    } else {
        "UPDATE tasks SET due_soon_sent = 1
         WHERE id = $1 AND due_soon_sent = 0 AND due_at = $2 AND done_at IS NULL"
    };
    let claimed = sqlx::query(claim)
        .bind(card.id)
        .bind(card.due_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if claimed == 0 {
        return Ok(0);
    }
    let assignees: Vec<User> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name FROM task_assignees a
         JOIN users u ON u.id = a.user_id WHERE a.task_id = $1 ORDER BY a.added_at, u.id",
    )
    .bind(card.id)
    .fetch_all(&mut *tx)
    .await?;
    let activity = Activity {
        kind: if overdue {
            NotificationKind::Overdue
        } else {
            NotificationKind::DueSoon
        },
        board_id: Some(card.board_id),
        task_id: Some(card.id),
        comment_id: None,
        room_id: None,
        message_id: None,
        snippet: card.title.clone(),
    };
    let mut all = Notified::default();
    for person in &assignees {
        // From nobody: each reminder names its recipient as its sender.
        let notified =
            notifications::insert_activity(&mut tx, &activity, person, &[person.id]).await?;
        all.new.extend(notified.new);
        all.replaced.extend(notified.replaced);
    }
    tx.commit().await?;
    let made = all.new.len();
    notifications::publish_notified(&svc.pool, &svc.hub, &all).await?;
    Ok(made)
}

/// Sends reminders every minute until the server stops.
pub async fn every_minute(svc: Services, mut stopping: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = send_due(&svc, super::storage::now_ms()).await {
                    tracing::warn!("sending due reminders: {e}");
                }
            }
            _ = stopping.changed() => return,
        }
    }
}
