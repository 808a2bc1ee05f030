//! Boards, members, columns and tasks from the UI.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{
    BoardDetail, BoardSummary, Column, ColumnPatch, Member, Task, TaskMove, TaskPatch,
};

#[cfg(feature = "ssr")]
use crate::services::{boards, columns, tasks};

#[server(prefix = "/rpc", endpoint = "boards/list", input = super::FormOrJson)]
pub async fn list_boards() -> Result<Vec<BoardSummary>, AppError> {
    let (svc, user) = super::ctx::user().await?;
    boards::list_boards(&svc, &user).await
}

#[server(prefix = "/rpc", endpoint = "boards/create", input = super::FormOrJson)]
pub async fn create_board(name: String) -> Result<BoardSummary, AppError> {
    let (svc, user) = super::ctx::user().await?;
    let board = boards::create_board(&svc, &user, &name).await?;
    leptos_axum::redirect(&format!("/boards/{}", board.id));
    Ok(board)
}

#[server(prefix = "/rpc", endpoint = "boards/get", input = super::FormOrJson)]
pub async fn get_board(board_id: i64) -> Result<BoardDetail, AppError> {
    let (svc, user) = super::ctx::user().await?;
    boards::get_board(&svc, &user, board_id).await
}

#[server(prefix = "/rpc", endpoint = "boards/rename", input = super::FormOrJson)]
pub async fn rename_board(board_id: i64, name: String) -> Result<BoardSummary, AppError> {
    let (svc, user) = super::ctx::user().await?;
    boards::rename_board(&svc, &user, board_id, &name).await
}

#[server(prefix = "/rpc", endpoint = "boards/delete", input = super::FormOrJson)]
pub async fn delete_board(board_id: i64) -> Result<(), AppError> {
    let (svc, user) = super::ctx::user().await?;
    boards::delete_board(&svc, &user, board_id).await?;
    leptos_axum::redirect("/boards");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "members/add", input = super::FormOrJson)]
pub async fn add_member(board_id: i64, username: String) -> Result<Member, AppError> {
    let (svc, user) = super::ctx::user().await?;
    boards::add_member(&svc, &user, board_id, &username).await
}

#[server(prefix = "/rpc", endpoint = "members/remove", input = super::FormOrJson)]
pub async fn remove_member(board_id: i64, user_id: i64) -> Result<(), AppError> {
    let (svc, user) = super::ctx::user().await?;
    boards::remove_member(&svc, &user, board_id, user_id).await
}

#[server(prefix = "/rpc", endpoint = "columns/create", input = super::FormOrJson)]
pub async fn create_column(board_id: i64, name: String) -> Result<Column, AppError> {
    let (svc, user) = super::ctx::user().await?;
    columns::create_column(&svc, &user, board_id, &name).await
}

#[server(prefix = "/rpc", endpoint = "columns/update", input = super::FormOrJson)]
pub async fn update_column(column_id: i64, patch: ColumnPatch) -> Result<Column, AppError> {
    let (svc, user) = super::ctx::user().await?;
    columns::update_column(&svc, &user, column_id, patch).await
}

#[server(prefix = "/rpc", endpoint = "columns/delete", input = super::FormOrJson)]
pub async fn delete_column(column_id: i64) -> Result<(), AppError> {
    let (svc, user) = super::ctx::user().await?;
    columns::delete_column(&svc, &user, column_id).await
}

#[server(prefix = "/rpc", endpoint = "tasks/create", input = super::FormOrJson)]
pub async fn create_task(
    board_id: i64,
    column_id: i64,
    title: String,
    description: Option<String>,
) -> Result<Task, AppError> {
    let (svc, user) = super::ctx::user().await?;
    tasks::create_task(
        &svc,
        &user,
        board_id,
        column_id,
        &title,
        description.as_deref(),
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "tasks/update", input = super::FormOrJson)]
pub async fn update_task(task_id: i64, patch: TaskPatch) -> Result<Task, AppError> {
    let (svc, user) = super::ctx::user().await?;
    tasks::update_task(&svc, &user, task_id, patch).await
}

/// Moves a card after a neighbour (or first), from the version the user saw.
#[server(prefix = "/rpc", endpoint = "tasks/move", input = super::FormOrJson)]
pub async fn move_task(task_id: i64, to: TaskMove) -> Result<Task, AppError> {
    let (svc, user) = super::ctx::user().await?;
    tasks::move_task(&svc, &user, task_id, to).await
}

#[server(prefix = "/rpc", endpoint = "tasks/delete", input = super::FormOrJson)]
pub async fn delete_task(task_id: i64) -> Result<(), AppError> {
    let (svc, user) = super::ctx::user().await?;
    tasks::delete_task(&svc, &user, task_id).await
}

/// Makes a member an owner, or an owner a member (owners only).
#[server(prefix = "/rpc", endpoint = "boards/members/role", input = super::FormOrJson)]
pub async fn set_member_role(
    board_id: i64,
    user_id: i64,
    role: crate::model::Role,
) -> Result<crate::model::Member, AppError> {
    let (svc, user) = super::ctx::user().await?;
    crate::services::boards::set_role(&svc, &user, board_id, user_id, role).await
}

/// People an owner may add: those she shares a board with, by name.
#[server(prefix = "/rpc", endpoint = "boards/members/suggest", input = super::FormOrJson)]
pub async fn suggest_members(
    board_id: i64,
    query: String,
) -> Result<Vec<crate::model::User>, AppError> {
    let (svc, user) = super::ctx::user().await?;
    crate::services::boards::member_suggestions(&svc, &user, board_id, &query).await
}

/// Whether I watch a card (its comments reach my bell): asks (`on` absent),
/// or watches / unwatches it for good. (One server function with a plain
/// answer: the browser bundle carries less.)
#[server(prefix = "/rpc", endpoint = "tasks/watch", input = super::FormOrJson)]
pub async fn watch_task(task_id: i64, on: Option<bool>) -> Result<bool, AppError> {
    let (svc, user) = super::ctx::user().await?;
    let state = match on {
        None => crate::services::watching::watching(&svc, &user, task_id).await?,
        Some(on) => crate::services::watching::set_watching(&svc, &user, task_id, on).await?,
    };
    Ok(state.watching)
}
