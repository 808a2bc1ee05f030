//! Columns of a board: any member may add, rename, reorder and delete them
//! (archiving and restoring live in `archive`).

use super::board_events::BoardWrite;
use super::boards::role_on;
use super::positions::{self, List};
use super::storage::now_ms;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{Column, ColumnPatch, User};
use crate::protocol::BoardChange;
use crate::validate;

/// Loads a column the user may see (404 for unknown ids and other people's boards).
#[tracing::instrument(skip_all, fields(user = user.id, column_id = column_id))]
pub async fn visible_column(svc: &Services, user: &User, column_id: i64) -> AppResult<Column> {
    let column = fetch(&svc.pool, column_id)
        .await?
        .ok_or_else(|| AppError::not_found("column"))?;
    role_on(&svc.pool, column.board_id, user.id)
        .await
        .map_err(|_| AppError::not_found("column"))?;
    Ok(column)
}

pub(crate) async fn fetch<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    db: E,
    column_id: i64,
) -> AppResult<Option<Column>> {
    Ok(sqlx::query_as::<_, Column>(
        "SELECT id, board_id, name, position FROM board_columns WHERE id = $1",
    )
    .bind(column_id)
    .fetch_optional(db)
    .await?)
}

/// Adds a column at the right end of the board.
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn create_column(
    svc: &Services,
    user: &User,
    board_id: i64,
    name: &str,
) -> AppResult<Column> {
    role_on(&svc.pool, board_id, user.id).await?;
    let name = validate::column_name(name)?;
    let mut write = BoardWrite::begin(&svc.pool, board_id).await?;
    let tx = &mut write.tx;
    let position = positions::len(tx, List::Columns, board_id).await?;
    if position >= validate::MAX_COLUMNS_PER_BOARD {
        return Err(AppError::invalid(format!(
            "a board can have at most {} columns",
            validate::MAX_COLUMNS_PER_BOARD
        )));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO board_columns (board_id, name, position, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(board_id)
    .bind(&name)
    .bind(position)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?;
    let column = Column {
        id,
        board_id,
        name,
        position,
    };
    write
        .record(BoardChange::ColumnCreated {
            column: column.clone(),
        })
        .await?;
    write.commit(svc).await?;
    Ok(column)
}

/// Renames and/or moves a column.
#[tracing::instrument(skip_all, fields(user = user.id, column_id = column_id))]
pub async fn update_column(
    svc: &Services,
    user: &User,
    column_id: i64,
    patch: ColumnPatch,
) -> AppResult<Column> {
    let column = visible_column(svc, user, column_id).await?;
    let name = patch
        .name
        .as_deref()
        .map(validate::column_name)
        .transpose()?;
    if let Some(p) = patch.position {
        if p < 0 {
            return Err(AppError::invalid("position must be 0 or more"));
        }
    }
    if name.is_none() && patch.position.is_none() {
        return Err(AppError::invalid(
            "nothing to change: give a name or a position",
        ));
    }
    let mut write = BoardWrite::begin(&svc.pool, column.board_id).await?;
    let tx = &mut write.tx;
    // Re-read inside the lock: another move may have shifted this column.
    let current = fetch(&mut **tx, column_id)
        .await?
        .ok_or_else(|| AppError::not_found("column"))?;
    if archived_at(tx, column_id).await?.is_some() {
        return Err(AppError::invalid(
            "this column is archived: restore it to change it",
        ));
    }
    if let Some(name) = &name {
        sqlx::query("UPDATE board_columns SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(column_id)
            .execute(&mut **tx)
            .await?;
    }
    if let Some(wanted) = patch.position {
        positions::move_item(
            tx,
            List::Columns,
            column_id,
            (current.board_id, current.position),
            (current.board_id, Some(wanted)),
        )
        .await?;
    }
    let updated = fetch(&mut **tx, column_id)
        .await?
        .ok_or_else(|| AppError::not_found("column"))?;
    if updated.name != current.name {
        write
            .record(BoardChange::ColumnRenamed {
                column: updated.clone(),
            })
            .await?;
    }
    if updated.position != current.position {
        write
            .record(BoardChange::ColumnMoved {
                column: updated.clone(),
            })
            .await?;
    }
    write.commit(svc).await?;
    Ok(updated)
}

/// When a column was archived (`None`: it is on the board).
pub(crate) async fn archived_at(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    column_id: i64,
) -> AppResult<Option<i64>> {
    let (at,): (Option<i64>,) =
        sqlx::query_as("SELECT archived_at FROM board_columns WHERE id = $1")
            .bind(column_id)
            .fetch_one(&mut **tx)
            .await?;
    Ok(at)
}

/// Deletes a column and every task in it for good (live or archived; the
/// UI archives first).
#[tracing::instrument(skip_all, fields(user = user.id, column_id = column_id))]
pub async fn delete_column(svc: &Services, user: &User, column_id: i64) -> AppResult<()> {
    let column = visible_column(svc, user, column_id).await?;
    let mut write = BoardWrite::begin(&svc.pool, column.board_id).await?;
    let tx = &mut write.tx;
    let current = fetch(&mut **tx, column_id)
        .await?
        .ok_or_else(|| AppError::not_found("column"))?;
    let was_live = archived_at(tx, column_id).await?.is_none();
    sqlx::query("DELETE FROM tasks WHERE column_id = $1")
        .bind(column_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM board_columns WHERE id = $1")
        .bind(column_id)
        .execute(&mut **tx)
        .await?;
    if was_live {
        positions::close_gap(tx, List::Columns, current.board_id, current.position).await?;
    }
    write
        .record(BoardChange::ColumnDeleted { column_id })
        .await?;
    write.commit(svc).await?;
    Ok(())
}
