//! Watching cards: who hears about the comments on a card. A card's creator,
//! its assignee and everyone who comments on it watch it automatically;
//! anyone on the board may watch or unwatch it. An unwatch is stored (as
//! `watching = 0`), so it sticks: commenting again or being assigned again
//! does not bring the card back.

use sqlx::{Any, Transaction};

use super::boards::role_on;
use super::storage::now_ms;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{User, Watching};

/// 404 unless the card exists on a board the user is on. (Its own query:
/// `tasks` uses this module, so this one does not use `tasks`.)
async fn check_visible(svc: &Services, user: &User, task_id: i64) -> AppResult<()> {
    let board: Option<i64> = sqlx::query_scalar("SELECT board_id FROM tasks WHERE id = $1")
        .bind(task_id)
        .fetch_optional(&svc.pool)
        .await?;
    let board = board.ok_or_else(|| AppError::not_found("task"))?;
    role_on(&svc.pool, board, user.id)
        .await
        .map(|_| ())
        .map_err(|_| AppError::not_found("task"))
}

/// Makes `user_id` watch the card unless they chose not to (inside the
/// transaction of what made them watch it).
pub async fn watch_automatically(
    tx: &mut Transaction<'static, Any>,
    task_id: i64,
    user_id: i64,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO task_watchers (task_id, user_id, watching, since) VALUES ($1, $2, 1, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(task_id)
    .bind(user_id)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Who watches the card and is still on its board.
pub async fn watchers(tx: &mut Transaction<'static, Any>, task_id: i64) -> AppResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT w.user_id FROM task_watchers w
         JOIN tasks t ON t.id = w.task_id
         JOIN board_members m ON m.board_id = t.board_id AND m.user_id = w.user_id
         WHERE w.task_id = $1 AND w.watching = 1",
    )
    .bind(task_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// Whether the user watches the card (404 for a card they cannot see).
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
pub async fn watching(svc: &Services, user: &User, task_id: i64) -> AppResult<Watching> {
    check_visible(svc, user, task_id).await?;
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT watching FROM task_watchers WHERE task_id = $1 AND user_id = $2",
    )
    .bind(task_id)
    .bind(user.id)
    .fetch_optional(&svc.pool)
    .await?;
    Ok(Watching {
        task_id,
        watching: found == Some(1),
    })
}

/// Watches or unwatches the card, for good (404 for a card they cannot see).
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id, on = on))]
pub async fn set_watching(
    svc: &Services,
    user: &User,
    task_id: i64,
    on: bool,
) -> AppResult<Watching> {
    check_visible(svc, user, task_id).await?;
    sqlx::query(
        "INSERT INTO task_watchers (task_id, user_id, watching, since) VALUES ($1, $2, $3, $4)
         ON CONFLICT (task_id, user_id) DO UPDATE SET watching = $3, since = $4",
    )
    .bind(task_id)
    .bind(user.id)
    .bind(i64::from(on))
    .bind(now_ms())
    .execute(&svc.pool)
    .await?;
    Ok(Watching {
        task_id,
        watching: on,
    })
}
