//! The kanban's depth over JSON (documented in docs/api.md): labels,
//! checklists, archiving and restoring, a card's history and "My tasks".
//! Thin handlers over the service layer, like `api`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use app::model::{ChecklistPatch, LabelPatch, NewChecklistItem, NewLabel};
use app::services::{archive, boards, checklists, labels, tasks};

use crate::error::HttpResult;
use crate::extract::{CurrentUser, JsonBody, QueryParams};
use crate::params::parse_id;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/boards/{id}/labels",
            get(list_labels).post(create_label),
        )
        .route("/api/labels/{id}", patch(update_label).delete(delete_label))
        .route(
            "/api/tasks/{id}/labels/{label_id}",
            put(label_task).delete(unlabel_task),
        )
        .route(
            "/api/tasks/{id}/checklist",
            get(checklist).post(add_checklist_item),
        )
        .route(
            "/api/checklist/{id}",
            patch(update_checklist_item).delete(delete_checklist_item),
        )
        .route("/api/tasks/{id}/archive", post(archive_task))
        .route("/api/tasks/{id}/restore", post(restore_task))
        .route("/api/columns/{id}/archive", post(archive_column))
        .route("/api/columns/{id}/restore", post(restore_column))
        .route(
            "/api/boards/{id}/archive",
            get(board_archive).post(archive_board),
        )
        .route("/api/boards/{id}/restore", post(restore_board))
        .route("/api/tasks/{id}/activity", get(task_activity))
        .route("/api/me/tasks", get(my_tasks))
}

async fn list_labels(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        labels::list_labels(&s.services, &u, parse_id(&id)?).await?,
    ))
}

async fn create_label(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    JsonBody(new): JsonBody<NewLabel>,
) -> HttpResult<impl IntoResponse> {
    let label = labels::create_label(&s.services, &u, parse_id(&id)?, new).await?;
    Ok((StatusCode::CREATED, Json(label)))
}

async fn update_label(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<LabelPatch>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        labels::update_label(&s.services, &u, parse_id(&id)?, patch).await?,
    ))
}

async fn delete_label(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<StatusCode> {
    labels::delete_label(&s.services, &u, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn label_task(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path((id, label_id)): Path<(String, String)>,
) -> HttpResult<impl IntoResponse> {
    let (task, label) = (parse_id(&id)?, parse_id(&label_id)?);
    Ok(Json(
        labels::set_task_label(&s.services, &u, task, label, true).await?,
    ))
}

async fn unlabel_task(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path((id, label_id)): Path<(String, String)>,
) -> HttpResult<impl IntoResponse> {
    let (task, label) = (parse_id(&id)?, parse_id(&label_id)?);
    Ok(Json(
        labels::set_task_label(&s.services, &u, task, label, false).await?,
    ))
}

async fn checklist(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        checklists::checklist(&s.services, &u, parse_id(&id)?).await?,
    ))
}

async fn add_checklist_item(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    JsonBody(new): JsonBody<NewChecklistItem>,
) -> HttpResult<impl IntoResponse> {
    let item = checklists::add_item(&s.services, &u, parse_id(&id)?, new).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

async fn update_checklist_item(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<ChecklistPatch>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        checklists::update_item(&s.services, &u, parse_id(&id)?, patch).await?,
    ))
}

async fn delete_checklist_item(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<StatusCode> {
    checklists::delete_item(&s.services, &u, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn archive_task(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        archive::archive_task(&s.services, &u, parse_id(&id)?).await?,
    ))
}

async fn restore_task(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        archive::restore_task(&s.services, &u, parse_id(&id)?).await?,
    ))
}

async fn archive_column(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<StatusCode> {
    archive::archive_column(&s.services, &u, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn restore_column(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        archive::restore_column(&s.services, &u, parse_id(&id)?).await?,
    ))
}

async fn board_archive(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        archive::board_archive(&s.services, &u, parse_id(&id)?).await?,
    ))
}

/// Archives or restores a board; answers its summary as it is now.
async fn set_board_archived(
    s: AppState,
    u: app::model::User,
    id: &str,
    archived: bool,
) -> HttpResult<impl IntoResponse> {
    let board_id = parse_id(id)?;
    archive::set_board_archived(&s.services, &u, board_id, archived).await?;
    Ok(Json(
        boards::board_summary(&s.services, &u, board_id).await?,
    ))
}

async fn archive_board(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    set_board_archived(s, u, &id, true).await
}

async fn restore_board(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
) -> HttpResult<impl IntoResponse> {
    set_board_archived(s, u, &id, false).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivityQuery {
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

async fn task_activity(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<ActivityQuery>,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(
        tasks::task_activity(&s.services, &u, parse_id(&id)?, q.before, q.limit).await?,
    ))
}

async fn my_tasks(
    State(s): State<AppState>,
    CurrentUser(u): CurrentUser,
) -> HttpResult<impl IntoResponse> {
    Ok(Json(tasks::my_tasks(&s.services, &u).await?))
}
