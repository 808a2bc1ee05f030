//! Tasks (cards): create, edit, assign, move between and within columns, delete.

use super::board_events::BoardWrite;
use super::boards::role_on;
use super::notifications::{self, Activity, Notified};
use super::positions::{self, List};
use super::storage::now_ms;
use super::watching;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{Change, NotificationKind, Task, TaskMove, TaskPatch, User};
use crate::protocol::BoardChange;
use crate::validate;

pub(crate) const TASK_COLUMNS: &str = "id, board_id, column_id, title, description, position, \
                            assignee_id, created_by, created_at, updated_at, comment_count, version, updated_by";

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
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
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
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id, column_id = column_id))]
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
    let mut write = BoardWrite::begin(&svc.pool, board_id).await?;
    let tx = &mut write.tx;
    column_on_board(tx, column_id, board_id).await?;
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tasks WHERE board_id = $1")
        .bind(board_id)
        .fetch_one(&mut **tx)
        .await?;
    if count >= validate::MAX_TASKS_PER_BOARD {
        return Err(AppError::invalid(format!(
            "a board can have at most {} tasks",
            validate::MAX_TASKS_PER_BOARD
        )));
    }
    let position = positions::len(tx, List::Tasks, column_id).await?;
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
    .fetch_one(&mut **tx)
    .await?;
    watching::watch_automatically(tx, task.id, user.id).await?;
    write
        .record(BoardChange::TaskCreated { task: task.clone() })
        .await?;
    write.commit(svc).await?;
    Ok(task)
}

/// Edits, assigns and/or moves a task. A move without a position appends to
/// the target column; a position past the end is clamped to the end. With a
/// `version` that is not the task's any more, nothing changes (409 with the
/// current task).
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
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
    let unversioned = TaskPatch {
        version: None,
        ..patch.clone()
    };
    if unversioned == TaskPatch::default() {
        return Err(AppError::invalid("nothing to change"));
    }
    let mut write = BoardWrite::begin(&svc.pool, task.board_id).await?;
    let tx = &mut write.tx;
    // Re-read inside the lock: a concurrent move may have shifted this task.
    let current = current_version(tx, task_id, patch.version).await?;
    if let Some(column_id) = patch.column_id {
        column_on_board(tx, column_id, current.board_id).await?;
    }
    if let Change::Set(assignee) = patch.assignee_id {
        check_assignee(tx, current.board_id, assignee).await?;
    }
    if patch.column_id.is_some() || patch.position.is_some() {
        let to_column = patch.column_id.unwrap_or(current.column_id);
        // Moving within the same column with no position is a no-op, not "append".
        let wanted = match (patch.position, to_column == current.column_id) {
            (None, true) => Some(current.position),
            (p, _) => p,
        };
        positions::move_item(
            tx,
            List::Tasks,
            task_id,
            (current.column_id, current.position),
            (to_column, wanted),
        )
        .await?;
    }
    sqlx::query(
        "UPDATE tasks SET title = COALESCE($1, title), description = COALESCE($2, description),
                          updated_at = $3, version = version + 1, updated_by = $5
         WHERE id = $4",
    )
    .bind(title)
    .bind(description)
    .bind(now_ms())
    .bind(task_id)
    .bind(user.id)
    .execute(&mut **tx)
    .await?;
    if let Some(assignee) = patch.assignee_id.new_value() {
        sqlx::query("UPDATE tasks SET assignee_id = $1 WHERE id = $2")
            .bind(assignee)
            .bind(task_id)
            .execute(&mut **tx)
            .await?;
    }
    let updated = fetch(&mut **tx, task_id)
        .await?
        .ok_or_else(|| AppError::not_found("task"))?;
    // A newly assigned person watches the card and hears of it (unless
    // they assigned themself).
    let mut notified = Notified::default();
    if let Some(assignee) = updated
        .assignee_id
        .filter(|a| Some(*a) != current.assignee_id)
    {
        watching::watch_automatically(tx, task_id, assignee).await?;
        notified = notifications::insert_activity(
            tx,
            &Activity {
                kind: NotificationKind::Assigned,
                board_id: updated.board_id,
                task_id: Some(task_id),
                comment_id: None,
                room_id: None,
                snippet: updated.title.clone(),
            },
            user,
            &[assignee],
        )
        .await?;
    }
    let moved = (updated.column_id, updated.position) != (current.column_id, current.position);
    let change = if moved {
        BoardChange::TaskMoved {
            task: updated.clone(),
        }
    } else {
        BoardChange::TaskEdited {
            task: updated.clone(),
        }
    };
    write.record(change).await?;
    write.commit(svc).await?;
    notifications::publish_notified(&svc.pool, &svc.hub, &notified).await?;
    Ok(updated)
}

/// The task as it is now, inside the board lock; a stale `version` (someone
/// changed the task since the caller saw it) is a 409 carrying it.
async fn current_version(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    task_id: i64,
    version: Option<i64>,
) -> AppResult<Task> {
    let current = fetch(&mut **tx, task_id)
        .await?
        .ok_or_else(|| AppError::not_found("task"))?;
    match version {
        Some(v) if v != current.version => Err(AppError::Stale(Box::new(current))),
        _ => Ok(current),
    }
}

/// Moves a card to just after another one (`after_id`; none: to the top) in
/// a column, from the version the mover saw. Cards others moved meanwhile
/// keep their places; if this card itself changed since, or the neighbour
/// is no longer in that column, nothing moves (409 with the current task).
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
pub async fn move_task(svc: &Services, user: &User, task_id: i64, to: TaskMove) -> AppResult<Task> {
    let task = visible_task(svc, user, task_id).await?;
    if to.after_id == Some(task_id) {
        return Err(AppError::invalid("a card cannot go after itself"));
    }
    let mut write = BoardWrite::begin(&svc.pool, task.board_id).await?;
    let tx = &mut write.tx;
    let current = current_version(tx, task_id, Some(to.version)).await?;
    column_on_board(tx, to.column_id, current.board_id).await?;
    let position = match to.after_id {
        None => 0,
        Some(after_id) => {
            let after = fetch(&mut **tx, after_id).await?;
            match after {
                Some(after) if after.column_id == to.column_id => {
                    // Leaving its place first shifts the cards below it up by one.
                    let below_own_place =
                        current.column_id == to.column_id && after.position > current.position;
                    after.position + 1 - i64::from(below_own_place)
                }
                _ => return Err(AppError::Stale(Box::new(current))),
            }
        }
    };
    positions::move_item(
        tx,
        List::Tasks,
        task_id,
        (current.column_id, current.position),
        (to.column_id, Some(position)),
    )
    .await?;
    sqlx::query(
        "UPDATE tasks SET updated_at = $1, version = version + 1, updated_by = $3 WHERE id = $2",
    )
    .bind(now_ms())
    .bind(task_id)
    .bind(user.id)
    .execute(&mut **tx)
    .await?;
    let moved = fetch(&mut **tx, task_id)
        .await?
        .ok_or_else(|| AppError::not_found("task"))?;
    write
        .record(BoardChange::TaskMoved {
            task: moved.clone(),
        })
        .await?;
    write.commit(svc).await?;
    Ok(moved)
}

/// Deletes a task.
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
pub async fn delete_task(svc: &Services, user: &User, task_id: i64) -> AppResult<()> {
    let task = visible_task(svc, user, task_id).await?;
    let mut write = BoardWrite::begin(&svc.pool, task.board_id).await?;
    let tx = &mut write.tx;
    let current = fetch(&mut **tx, task_id)
        .await?
        .ok_or_else(|| AppError::not_found("task"))?;
    sqlx::query("DELETE FROM tasks WHERE id = $1")
        .bind(task_id)
        .execute(&mut **tx)
        .await?;
    positions::close_gap(tx, List::Tasks, current.column_id, current.position).await?;
    write
        .record(BoardChange::TaskDeleted {
            task_id,
            column_id: current.column_id,
        })
        .await?;
    write.commit(svc).await?;
    Ok(())
}
