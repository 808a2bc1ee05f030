//! A card's checklist: items anyone on the board adds, edits, reorders,
//! ticks, assigns, dates and deletes. Every change is one board change
//! carrying the whole list and the card's progress (kept on the card).

use sqlx::{Any, Transaction};

use super::board_events::BoardWrite;
use super::positions::{self, List};
use super::storage::now_ms;
use super::task_rows;
use super::tasks::{self, visible_task};
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{Change, ChecklistItem, ChecklistPatch, NewChecklistItem, User};
use crate::protocol::BoardChange;
use crate::validate;

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    task_id: i64,
    text: String,
    done: i64,
    position: i64,
    assignee_id: Option<i64>,
    due_at: Option<i64>,
    created_by: i64,
    created_at: i64,
}

const ITEM_COLUMNS: &str =
    "id, task_id, text, done, position, assignee_id, due_at, created_by, created_at";

impl From<ItemRow> for ChecklistItem {
    fn from(r: ItemRow) -> Self {
        ChecklistItem {
            id: r.id,
            task_id: r.task_id,
            text: r.text,
            done: r.done != 0,
            position: r.position,
            assignee_id: r.assignee_id,
            due_at: r.due_at,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

async fn items_of<'e, E: sqlx::Executor<'e, Database = Any>>(
    db: E,
    task_id: i64,
) -> AppResult<Vec<ChecklistItem>> {
    let rows: Vec<ItemRow> = sqlx::query_as(&format!(
        "SELECT {ITEM_COLUMNS} FROM checklist_items WHERE task_id = $1 ORDER BY position, id"
    ))
    .bind(task_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(ChecklistItem::from).collect())
}

/// A card's checklist, in order (anyone who can see the card).
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
pub async fn checklist(svc: &Services, user: &User, task_id: i64) -> AppResult<Vec<ChecklistItem>> {
    visible_task(svc, user, task_id).await?;
    items_of(&svc.pool, task_id).await
}

/// Counts the card's items into its progress, then records the change:
/// the whole list and the card. Returns the list.
async fn finish(
    mut write: BoardWrite,
    svc: &Services,
    task_id: i64,
) -> AppResult<Vec<ChecklistItem>> {
    let tx = &mut write.tx;
    sqlx::query(
        "UPDATE tasks SET
             checklist_total = (SELECT COUNT(*) FROM checklist_items WHERE task_id = $1),
             checklist_done = (SELECT COUNT(*) FROM checklist_items WHERE task_id = $1 AND done = 1)
         WHERE id = $1",
    )
    .bind(task_id)
    .execute(&mut **tx)
    .await?;
    let task = task_rows::current(tx, task_id).await?;
    let items = items_of(&mut **tx, task_id).await?;
    write
        .record(BoardChange::ChecklistChanged {
            task,
            items: items.clone(),
        })
        .await?;
    write.commit(svc).await?;
    Ok(items)
}

/// Adds an item at the end of a card's checklist.
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
pub async fn add_item(
    svc: &Services,
    user: &User,
    task_id: i64,
    new: NewChecklistItem,
) -> AppResult<ChecklistItem> {
    let task = visible_task(svc, user, task_id).await?;
    let text = validate::checklist_text(&new.text)?;
    let mut write = BoardWrite::begin(&svc.pool, task.board_id).await?;
    let tx = &mut write.tx;
    task_rows::current(tx, task_id).await?;
    let position = positions::len(tx, List::Checklist, task_id).await?;
    if position >= validate::MAX_CHECKLIST_ITEMS {
        return Err(AppError::invalid(format!(
            "a checklist can have at most {} items",
            validate::MAX_CHECKLIST_ITEMS
        )));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO checklist_items (task_id, text, done, position, created_by, created_at)
         VALUES ($1, $2, 0, $3, $4, $5) RETURNING id",
    )
    .bind(task_id)
    .bind(&text)
    .bind(position)
    .bind(user.id)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?;
    let items = finish(write, svc, task_id).await?;
    items
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| AppError::not_found("checklist item"))
}

/// The card of a checklist item the user may see (404 otherwise).
async fn item_task(svc: &Services, user: &User, item_id: i64) -> AppResult<(i64, i64)> {
    let found: Option<(i64,)> = sqlx::query_as("SELECT task_id FROM checklist_items WHERE id = $1")
        .bind(item_id)
        .fetch_optional(&svc.pool)
        .await?;
    let (task_id,) = found.ok_or_else(|| AppError::not_found("checklist item"))?;
    let task = visible_task(svc, user, task_id)
        .await
        .map_err(|_| AppError::not_found("checklist item"))?;
    Ok((task.board_id, task_id))
}

async fn fetch_item(tx: &mut Transaction<'static, Any>, item_id: i64) -> AppResult<ChecklistItem> {
    let row: Option<ItemRow> = sqlx::query_as(&format!(
        "SELECT {ITEM_COLUMNS} FROM checklist_items WHERE id = $1"
    ))
    .bind(item_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(ChecklistItem::from)
        .ok_or_else(|| AppError::not_found("checklist item"))
}

/// Edits, ticks, moves, assigns and/or dates an item.
#[tracing::instrument(skip_all, fields(user = user.id, item_id = item_id))]
pub async fn update_item(
    svc: &Services,
    user: &User,
    item_id: i64,
    patch: ChecklistPatch,
) -> AppResult<ChecklistItem> {
    if patch == ChecklistPatch::default() {
        return Err(AppError::invalid("nothing to change"));
    }
    let text = patch
        .text
        .as_deref()
        .map(validate::checklist_text)
        .transpose()?;
    if let Some(p) = patch.position {
        if p < 0 {
            return Err(AppError::invalid("position must be 0 or more"));
        }
    }
    if let Change::Set(due) = patch.due_at {
        validate::due_at(due)?;
    }
    let (board_id, task_id) = item_task(svc, user, item_id).await?;
    let mut write = BoardWrite::begin(&svc.pool, board_id).await?;
    let tx = &mut write.tx;
    let before = fetch_item(tx, item_id).await?;
    if let Change::Set(person) = patch.assignee_id {
        tasks::check_members(tx, board_id, &[person]).await?;
    }
    if let Some(wanted) = patch.position {
        positions::move_item(
            tx,
            List::Checklist,
            item_id,
            (task_id, before.position),
            (task_id, Some(wanted)),
        )
        .await?;
    }
    sqlx::query(
        "UPDATE checklist_items SET text = COALESCE($1, text), done = COALESCE($2, done)
         WHERE id = $3",
    )
    .bind(text)
    .bind(patch.done.map(i64::from))
    .bind(item_id)
    .execute(&mut **tx)
    .await?;
    if let Some(person) = patch.assignee_id.new_value() {
        sqlx::query("UPDATE checklist_items SET assignee_id = $1 WHERE id = $2")
            .bind(person)
            .bind(item_id)
            .execute(&mut **tx)
            .await?;
    }
    if let Some(due) = patch.due_at.new_value() {
        sqlx::query("UPDATE checklist_items SET due_at = $1 WHERE id = $2")
            .bind(due)
            .bind(item_id)
            .execute(&mut **tx)
            .await?;
    }
    let items = finish(write, svc, task_id).await?;
    items
        .into_iter()
        .find(|i| i.id == item_id)
        .ok_or_else(|| AppError::not_found("checklist item"))
}

/// Deletes an item; the ones after it move up.
#[tracing::instrument(skip_all, fields(user = user.id, item_id = item_id))]
pub async fn delete_item(svc: &Services, user: &User, item_id: i64) -> AppResult<()> {
    let (board_id, task_id) = item_task(svc, user, item_id).await?;
    let mut write = BoardWrite::begin(&svc.pool, board_id).await?;
    let tx = &mut write.tx;
    let before = fetch_item(tx, item_id).await?;
    sqlx::query("DELETE FROM checklist_items WHERE id = $1")
        .bind(item_id)
        .execute(&mut **tx)
        .await?;
    positions::close_gap(tx, List::Checklist, task_id, before.position).await?;
    finish(write, svc, task_id).await?;
    Ok(())
}
