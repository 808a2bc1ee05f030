//! Ordered lists (columns of a board, tasks of a column) with contiguous
//! 0-based positions. Callers run these inside a board transaction (see
//! `board_events::BoardWrite`), which is what keeps positions consistent
//! when two people move cards at once.

use sqlx::{Any, Transaction};

use crate::error::AppResult;

/// The ordered lists TaskFlow keeps. Table and column names are fixed here,
/// never taken from input.
#[derive(Debug, Clone, Copy)]
pub enum List {
    /// Columns of one board (`board_columns.board_id`).
    Columns,
    /// Live tasks of one column (`tasks.column_id`).
    Tasks,
    /// Items of one card's checklist (`checklist_items.task_id`).
    Checklist,
}

impl List {
    /// The table, the list's scope column, and which rows are in the order
    /// (archived columns and cards keep their old position outside it).
    fn table_and_scope(self) -> (&'static str, &'static str, &'static str) {
        match self {
            List::Columns => ("board_columns", "board_id", "archived_at IS NULL"),
            List::Tasks => ("tasks", "column_id", "archived_at IS NULL"),
            List::Checklist => ("checklist_items", "task_id", "1 = 1"),
        }
    }
}

/// Number of items in a list (the position a new item appends at).
pub async fn len(tx: &mut Transaction<'static, Any>, list: List, scope_id: i64) -> AppResult<i64> {
    let (table, scope, live) = list.table_and_scope();
    let (n,): (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM {table} WHERE {scope} = $1 AND {live}"
    ))
    .bind(scope_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n)
}

/// Closes the hole left at `position` (after a delete or a move out).
pub async fn close_gap(
    tx: &mut Transaction<'static, Any>,
    list: List,
    scope_id: i64,
    position: i64,
) -> AppResult<()> {
    shift_from(tx, list, scope_id, position + 1, -1).await
}

/// Makes room at `position` (before an insert or a move in).
pub async fn open_gap(
    tx: &mut Transaction<'static, Any>,
    list: List,
    scope_id: i64,
    position: i64,
) -> AppResult<()> {
    shift_from(tx, list, scope_id, position, 1).await
}

/// Adds `delta` to the position of every item at `first` or after.
async fn shift_from(
    tx: &mut Transaction<'static, Any>,
    list: List,
    scope_id: i64,
    first: i64,
    delta: i64,
) -> AppResult<()> {
    let (table, scope, live) = list.table_and_scope();
    sqlx::query(&format!(
        "UPDATE {table} SET position = position + $1
         WHERE {scope} = $2 AND position >= $3 AND {live}"
    ))
    .bind(delta)
    .bind(scope_id)
    .bind(first)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves item `id` from (`from_scope`, `from`) to (`to_scope`, wanted position),
/// clamping the wanted position to the target list. Returns the final position.
pub async fn move_item(
    tx: &mut Transaction<'static, Any>,
    list: List,
    id: i64,
    (from_scope, from): (i64, i64),
    (to_scope, wanted): (i64, Option<i64>),
) -> AppResult<i64> {
    let (table, scope, _) = list.table_and_scope();
    // Park the item outside both lists, close its old hole, open the new one.
    sqlx::query(&format!("UPDATE {table} SET position = -1 WHERE id = $1"))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    close_gap(tx, list, from_scope, from).await?;
    let others = len(tx, list, to_scope).await? - i64::from(from_scope == to_scope);
    let to = wanted.unwrap_or(others).clamp(0, others);
    open_gap(tx, list, to_scope, to).await?;
    sqlx::query(&format!(
        "UPDATE {table} SET {scope} = $1, position = $2 WHERE id = $3"
    ))
    .bind(to_scope)
    .bind(to)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(to)
}
