//! Archiving instead of destroying: cards, columns and boards leave the
//! board (or the board list's live part) and come back where they were.
//!
//! An archived card or column keeps its `position` as where it was; the
//! live order (`positions`) skips archived rows, so archiving closes the
//! gap it leaves and restoring opens one at the old place (or the end, if
//! the list got shorter). An archived board is read-only
//! (`BoardWrite::begin` refuses) until restored. Deleting for good stays
//! the `DELETE` routes' job.

use super::board_events::BoardWrite;
use super::boards::{require_owner, role_on};
use super::columns;
use super::hub::{Event, Topic};
use super::notifications;
use super::positions::{self, List};
use super::storage::now_ms;
use super::task_rows::{self, Cards};
use super::tasks::visible_task;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{ArchivedColumn, BoardArchive, Column, Task, User};
use crate::protocol::BoardChange;

/// Archives a card (any member): it leaves its column. Archiving an
/// archived card changes nothing.
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
pub async fn archive_task(svc: &Services, user: &User, task_id: i64) -> AppResult<Task> {
    let task = visible_task(svc, user, task_id).await?;
    let mut write = BoardWrite::begin(&svc.pool, task.board_id).await?;
    let tx = &mut write.tx;
    let before = task_rows::current(tx, task_id).await?;
    if before.archived_at.is_some() {
        return Ok(before);
    }
    sqlx::query(
        "UPDATE tasks SET archived_at = $1, updated_at = $1, version = version + 1, updated_by = $2
         WHERE id = $3",
    )
    .bind(now_ms())
    .bind(user.id)
    .bind(task_id)
    .execute(&mut **tx)
    .await?;
    positions::close_gap(tx, List::Tasks, before.column_id, before.position).await?;
    let withdrawn = notifications::withdraw_due_reminders(tx, task_id).await?;
    let archived = task_rows::current(tx, task_id).await?;
    write
        .record_task(
            BoardChange::TaskArchived {
                task: archived.clone(),
            },
            Some(&before),
            user.id,
        )
        .await?;
    write.commit(svc).await?;
    notifications::publish_removed(&svc.pool, &svc.hub, withdrawn).await?;
    Ok(archived)
}

/// Brings an archived card back to where it was in its column (any
/// member). Its column must be on the board: restore that first.
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
pub async fn restore_task(svc: &Services, user: &User, task_id: i64) -> AppResult<Task> {
    let task = visible_task(svc, user, task_id).await?;
    let mut write = BoardWrite::begin(&svc.pool, task.board_id).await?;
    let tx = &mut write.tx;
    let before = task_rows::current(tx, task_id).await?;
    if before.archived_at.is_none() {
        return Ok(before);
    }
    if columns::archived_at(tx, before.column_id).await?.is_some() {
        return Err(AppError::invalid(
            "this card's column is archived: restore the column first",
        ));
    }
    let live = positions::len(tx, List::Tasks, before.column_id).await?;
    let position = before.position.clamp(0, live);
    positions::open_gap(tx, List::Tasks, before.column_id, position).await?;
    sqlx::query(
        "UPDATE tasks SET archived_at = NULL, position = $1, updated_at = $2,
                          version = version + 1, updated_by = $3
         WHERE id = $4",
    )
    .bind(position)
    .bind(now_ms())
    .bind(user.id)
    .bind(task_id)
    .execute(&mut **tx)
    .await?;
    let restored = task_rows::current(tx, task_id).await?;
    write
        .record_task(
            BoardChange::TaskRestored {
                task: restored.clone(),
            },
            Some(&before),
            user.id,
        )
        .await?;
    write.commit(svc).await?;
    Ok(restored)
}

/// Archives a column with its cards (any member).
#[tracing::instrument(skip_all, fields(user = user.id, column_id = column_id))]
pub async fn archive_column(svc: &Services, user: &User, column_id: i64) -> AppResult<()> {
    let column = columns::visible_column(svc, user, column_id).await?;
    let mut write = BoardWrite::begin(&svc.pool, column.board_id).await?;
    let tx = &mut write.tx;
    if columns::archived_at(tx, column_id).await?.is_some() {
        return Ok(());
    }
    let current = columns::fetch(&mut **tx, column_id)
        .await?
        .ok_or_else(|| AppError::not_found("column"))?;
    sqlx::query("UPDATE board_columns SET archived_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(column_id)
        .execute(&mut **tx)
        .await?;
    positions::close_gap(tx, List::Columns, current.board_id, current.position).await?;
    write
        .record(BoardChange::ColumnArchived { column_id })
        .await?;
    write.commit(svc).await?;
    Ok(())
}

/// Brings an archived column back where it was, with the cards it had.
#[tracing::instrument(skip_all, fields(user = user.id, column_id = column_id))]
pub async fn restore_column(svc: &Services, user: &User, column_id: i64) -> AppResult<Column> {
    let column = columns::visible_column(svc, user, column_id).await?;
    let mut write = BoardWrite::begin(&svc.pool, column.board_id).await?;
    let tx = &mut write.tx;
    let current = columns::fetch(&mut **tx, column_id)
        .await?
        .ok_or_else(|| AppError::not_found("column"))?;
    if columns::archived_at(tx, column_id).await?.is_none() {
        return Ok(current);
    }
    let live = positions::len(tx, List::Columns, current.board_id).await?;
    let position = current.position.clamp(0, live);
    positions::open_gap(tx, List::Columns, current.board_id, position).await?;
    sqlx::query("UPDATE board_columns SET archived_at = NULL, position = $1 WHERE id = $2")
        .bind(position)
        .bind(column_id)
        .execute(&mut **tx)
        .await?;
    let restored = columns::fetch(&mut **tx, column_id)
        .await?
        .ok_or_else(|| AppError::not_found("column"))?;
    let cards = task_rows::load(tx, Cards::InColumn(column_id)).await?;
    write
        .record(BoardChange::ColumnRestored {
            column: restored.clone(),
            tasks: cards,
        })
        .await?;
    write.commit(svc).await?;
    Ok(restored)
}

/// Archives (`true`) or restores a board (owners only): an archived board
/// is read-only and listed apart. Every member's board list follows.
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn set_board_archived(
    svc: &Services,
    user: &User,
    board_id: i64,
    archived: bool,
) -> AppResult<Option<i64>> {
    require_owner(&svc.pool, board_id, user.id).await?;
    let mut write = BoardWrite::begin_even_archived(&svc.pool, board_id).await?;
    let (was,): (Option<i64>,) = sqlx::query_as("SELECT archived_at FROM boards WHERE id = $1")
        .bind(board_id)
        .fetch_one(&mut *write.tx)
        .await?;
    if was.is_some() == archived {
        return Ok(was);
    }
    let archived_at = archived.then(now_ms);
    sqlx::query("UPDATE boards SET archived_at = $1 WHERE id = $2")
        .bind(archived_at)
        .bind(board_id)
        .execute(&mut *write.tx)
        .await?;
    let members: Vec<(i64,)> =
        sqlx::query_as("SELECT user_id FROM board_members WHERE board_id = $1")
            .bind(board_id)
            .fetch_all(&mut *write.tx)
            .await?;
    write
        .record(BoardChange::BoardArchived { archived_at })
        .await?;
    write.commit(svc).await?;
    for (member,) in members {
        svc.hub
            .publish(Topic::User(member), Event::BoardListChanged { board_id });
    }
    Ok(archived_at)
}

/// What a board keeps archived: its archived cards (those of archived
/// columns go with their column) and columns, most recent first.
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn board_archive(svc: &Services, user: &User, board_id: i64) -> AppResult<BoardArchive> {
    role_on(&svc.pool, board_id, user.id).await?;
    let mut db = svc.pool.acquire().await?;
    let tasks = task_rows::load(&mut db, Cards::ArchivedOn(board_id)).await?;
    #[derive(sqlx::FromRow)]
    struct ArchivedRow {
        id: i64,
        board_id: i64,
        name: String,
        position: i64,
        archived_at: i64,
        task_count: i64,
    }
    let rows: Vec<ArchivedRow> = sqlx::query_as(
        "SELECT c.id, c.board_id, c.name, c.position, c.archived_at,
                (SELECT COUNT(*) FROM tasks t WHERE t.column_id = c.id) AS task_count
         FROM board_columns c
         WHERE c.board_id = $1 AND c.archived_at IS NOT NULL
         ORDER BY c.archived_at DESC, c.id DESC",
    )
    .bind(board_id)
    .fetch_all(&mut *db)
    .await?;
    let columns = rows
        .into_iter()
        .map(|r| ArchivedColumn {
            column: Column {
                id: r.id,
                board_id: r.board_id,
                name: r.name,
                position: r.position,
            },
            archived_at: r.archived_at,
            task_count: r.task_count,
        })
        .collect();
    Ok(BoardArchive { tasks, columns })
}
