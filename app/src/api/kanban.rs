//! The kanban's depth from the UI: archive and restore, labels, checklists,
//! a board's archive and "My tasks". (Due dates, done, assignees and a
//! card's labels are ordinary task edits: `boards::update_task`.)

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{
    BoardArchive, ChecklistItem, ChecklistPatch, Column, Label, LabelPatch, MyTask,
    NewChecklistItem, NewLabel, Task, TimelineEntry,
};

#[cfg(feature = "ssr")]
use crate::services::{archive, checklists, labels, tasks};

#[server(prefix = "/rpc", endpoint = "tasks/archive", input = super::FormOrJson)]
pub async fn archive_task(task_id: i64) -> Result<Task, AppError> {
    let (svc, user) = super::ctx::user().await?;
    archive::archive_task(&svc, &user, task_id).await
}

#[server(prefix = "/rpc", endpoint = "tasks/restore", input = super::FormOrJson)]
pub async fn restore_task(task_id: i64) -> Result<Task, AppError> {
    let (svc, user) = super::ctx::user().await?;
    archive::restore_task(&svc, &user, task_id).await
}

#[server(prefix = "/rpc", endpoint = "columns/archive", input = super::FormOrJson)]
pub async fn archive_column(column_id: i64) -> Result<(), AppError> {
    let (svc, user) = super::ctx::user().await?;
    archive::archive_column(&svc, &user, column_id).await
}

#[server(prefix = "/rpc", endpoint = "columns/restore", input = super::FormOrJson)]
pub async fn restore_column(column_id: i64) -> Result<Column, AppError> {
    let (svc, user) = super::ctx::user().await?;
    archive::restore_column(&svc, &user, column_id).await
}

/// Archives a board (read-only, listed apart) or brings it back (owners).
#[server(prefix = "/rpc", endpoint = "boards/archive", input = super::FormOrJson)]
pub async fn set_board_archived(board_id: i64, archived: bool) -> Result<(), AppError> {
    let (svc, user) = super::ctx::user().await?;
    archive::set_board_archived(&svc, &user, board_id, archived).await?;
    Ok(())
}

/// What a board keeps archived, to restore or delete for good.
#[server(prefix = "/rpc", endpoint = "boards/archived", input = super::FormOrJson)]
pub async fn archived_items(board_id: i64) -> Result<BoardArchive, AppError> {
    let (svc, user) = super::ctx::user().await?;
    archive::board_archive(&svc, &user, board_id).await
}

#[server(prefix = "/rpc", endpoint = "labels/create", input = super::FormOrJson)]
pub async fn create_label(board_id: i64, label: NewLabel) -> Result<Label, AppError> {
    let (svc, user) = super::ctx::user().await?;
    labels::create_label(&svc, &user, board_id, label).await
}

#[server(prefix = "/rpc", endpoint = "labels/update", input = super::FormOrJson)]
pub async fn update_label(label_id: i64, patch: LabelPatch) -> Result<Label, AppError> {
    let (svc, user) = super::ctx::user().await?;
    labels::update_label(&svc, &user, label_id, patch).await
}

#[server(prefix = "/rpc", endpoint = "labels/delete", input = super::FormOrJson)]
pub async fn delete_label(label_id: i64) -> Result<(), AppError> {
    let (svc, user) = super::ctx::user().await?;
    labels::delete_label(&svc, &user, label_id).await
}

#[server(prefix = "/rpc", endpoint = "checklist/list", input = super::FormOrJson)]
pub async fn checklist(task_id: i64) -> Result<Vec<ChecklistItem>, AppError> {
    let (svc, user) = super::ctx::user().await?;
    checklists::checklist(&svc, &user, task_id).await
}

#[server(prefix = "/rpc", endpoint = "checklist/add", input = super::FormOrJson)]
pub async fn add_checklist_item(
    task_id: i64,
    item: NewChecklistItem,
) -> Result<ChecklistItem, AppError> {
    let (svc, user) = super::ctx::user().await?;
    checklists::add_item(&svc, &user, task_id, item).await
}

#[server(prefix = "/rpc", endpoint = "checklist/update", input = super::FormOrJson)]
pub async fn update_checklist_item(
    item_id: i64,
    patch: ChecklistPatch,
) -> Result<ChecklistItem, AppError> {
    let (svc, user) = super::ctx::user().await?;
    checklists::update_item(&svc, &user, item_id, patch).await
}

#[server(prefix = "/rpc", endpoint = "checklist/delete", input = super::FormOrJson)]
pub async fn delete_checklist_item(item_id: i64) -> Result<(), AppError> {
    let (svc, user) = super::ctx::user().await?;
    checklists::delete_item(&svc, &user, item_id).await
}

/// A card's timeline for its dialog: comments and history, phrased.
#[server(prefix = "/rpc", endpoint = "tasks/timeline", input = super::FormOrJson)]
pub async fn task_timeline(task_id: i64) -> Result<Vec<TimelineEntry>, AppError> {
    let (svc, user) = super::ctx::user().await?;
    tasks::timeline(&svc, &user, task_id).await
}

/// Every live card assigned to me, soonest due first.
#[server(prefix = "/rpc", endpoint = "me/tasks", input = super::FormOrJson)]
pub async fn my_tasks() -> Result<Vec<MyTask>, AppError> {
    let (svc, user) = super::ctx::user().await?;
    tasks::my_tasks(&svc, &user).await
}
