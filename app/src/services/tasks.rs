//! Tasks (cards): create, edit, assign, move between and within columns, delete.

use super::boards::role_on;
use super::positions::{self, List};
use super::storage::{begin_board_change, now_ms};
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{Change, Task, TaskPatch, User};
use crate::validate;

const TASK_COLUMNS: &str = "id, board_id, column_id, title, description, position, \
                            assignee_id, created_by, created_at, updated_at, comment_count";

async fn fetch<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    db: E,
    task_id: i64,
) -> AppResult<Option<Task>> {
    Ok(
        sqlx::query_as::<_, Task>(&format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"))
            .bind(task_id)
            .fetch_optional(db)
            .await?,
    )
}

/// Loads a task the user may see (404 for unknown ids and other people's boards).
pub async fn visible_task(svc: &Services, user: &User, task_id: i64) -> AppResult<Task> {
    let task = fetch(&svc.pool, task_id)
        .await?
        .ok_or_else(|| AppError::not_found("task"))?;
    role_on(&svc.pool, task.board_id, user.id)
        .await
        .map_err(|_| AppError::not_found("task"))?;
    Ok(task)
}

/// The board a column belongs to, checked against the board of the request.
async fn column_on_board(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    column_id: i64,
    board_id: i64,
) -> AppResult<()> {
    let found: Option<(i64,)> = sqlx::query_as("SELECT board_id FROM board_columns WHERE id = $1")
        .bind(column_id)
        .fetch_optional(&mut **tx)
        .await?;
    match found {
        Some((b,)) if b == board_id => Ok(()),
        // Plain words for the person reading it (no ids): the column was
        // usually deleted by someone else meanwhile.
        _ => Err(AppError::invalid(
            "that column is not on this board any more (it may have been deleted)",
        )),
    }
}

/// The assignee must be a member of the board.
async fn check_assignee(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    board_id: i64,
    assignee_id: i64,
) -> AppResult<()> {
    let found: Option<(i64,)> =
        sqlx::query_as("SELECT user_id FROM board_members WHERE board_id = $1 AND user_id = $2")
            .bind(board_id)
            .bind(assignee_id)
            .fetch_optional(&mut **tx)
            .await?;
    found
        .map(|_| ())
        .ok_or_else(|| AppError::invalid("that person is not a member of this board"))
}

/// Adds a task at the bottom of a column.
pub async fn create_task(
    svc: &Services,
    user: &User,
    board_id: i64,
    column_id: i64,
    title: &str,
    description: Option<&str>,
) -> AppResult<Task> {
    role_on(&svc.pool, board_id, user.id).await?;
    let title = validate::task_title(title)?;
    let description = validate::task_description(description.unwrap_or_default())?;
    let mut tx = begin_board_change(&svc.pool, board_id).await?;
    column_on_board(&mut tx, column_id, board_id).await?;
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tasks WHERE board_id = $1")
        .bind(board_id)
        .fetch_one(&mut *tx)
        .await?;
    if count >= validate::MAX_TASKS_PER_BOARD {
        return Err(AppError::invalid(format!(
            "a board can have at most {} tasks",
            validate::MAX_TASKS_PER_BOARD
        )));
    }
    let position = positions::len(&mut tx, List::Tasks, column_id).await?;
    let now = now_ms();
    let task = sqlx::query_as::<_, Task>(&format!(
        "INSERT INTO tasks (board_id, column_id, title, description, position, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {TASK_COLUMNS}"
    ))
    .bind(board_id)
    .bind(column_id)
    .bind(&title)
    .bind(&description)
    .bind(position)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(task)
}

/// Edits, assigns and/or moves a task. A move without a position appends to
/// the target column; a position past the end is clamped to the end.
pub async fn update_task(
    svc: &Services,
    user: &User,
    task_id: i64,
    patch: TaskPatch,
) -> AppResult<Task> {
    let task = visible_task(svc, user, task_id).await?;
    let title = patch
        .title
        .as_deref()
        .map(validate::task_title)
        .transpose()?;
    let description = patch
        .description
        .as_deref()
        .map(validate::task_description)
        .transpose()?;
    if let Some(p) = patch.position {
        if p < 0 {
            return Err(AppError::invalid("position must be 0 or more"));
        }
    }
    if patch == TaskPatch::default() {
        return Err(AppError::invalid("nothing to change"));
    }
    let mut tx = begin_board_change(&svc.pool, task.board_id).await?;
    // Re-read inside the lock: a concurrent move may have shifted this task.
    let current = fetch(&mut *tx, task_id)
        .await?
        .ok_or_else(|| AppError::not_found("task"))?;
    if let Some(column_id) = patch.column_id {
        column_on_board(&mut tx, column_id, current.board_id).await?;
    }
    if let Change::Set(assignee) = patch.assignee_id {
        check_assignee(&mut tx, current.board_id, assignee).await?;
    }
    if patch.column_id.is_some() || patch.position.is_some() {
        let to_column = patch.column_id.unwrap_or(current.column_id);
        // Moving within the same column with no position is a no-op, not "append".
        let wanted = match (patch.position, to_column == current.column_id) {
            (None, true) => Some(current.position),
            (p, _) => p,
        };
        positions::move_item(
            &mut tx,
            List::Tasks,
            task_id,
            (current.column_id, current.position),
            (to_column, wanted),
        )
        .await?;
    }
    sqlx::query(
        "UPDATE tasks SET title = COALESCE($1, title), description = COALESCE($2, description),
                          updated_at = $3
         WHERE id = $4",
    )
    .bind(title)
    .bind(description)
    .bind(now_ms())
    .bind(task_id)
    .execute(&mut *tx)
    .await?;
    if let Some(assignee) = patch.assignee_id.new_value() {
        sqlx::query("UPDATE tasks SET assignee_id = $1 WHERE id = $2")
            .bind(assignee)
            .bind(task_id)
            .execute(&mut *tx)
            .await?;
    }
    let updated = fetch(&mut *tx, task_id)
        .await?
        .ok_or_else(|| AppError::not_found("task"))?;
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a task.
pub async fn delete_task(svc: &Services, user: &User, task_id: i64) -> AppResult<()> {
    let task = visible_task(svc, user, task_id).await?;
    let mut tx = begin_board_change(&svc.pool, task.board_id).await?;
    let current = fetch(&mut *tx, task_id)
        .await?
        .ok_or_else(|| AppError::not_found("task"))?;
    sqlx::query("DELETE FROM tasks WHERE id = $1")
        .bind(task_id)
        .execute(&mut *tx)
        .await?;
    positions::close_gap(&mut tx, List::Tasks, current.column_id, current.position).await?;
    tx.commit().await?;
    Ok(())
}
