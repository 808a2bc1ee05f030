//! Labels of a board (any member creates, renames, recolours, deletes
//! them) and the cards that carry them.

use sqlx::{Any, Transaction};

use super::board_events::BoardWrite;
use super::boards::role_on;
use super::storage::now_ms;
use super::task_rows::{self, LabelRow};
use super::tasks::visible_task;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{Label, LabelColor, LabelPatch, NewLabel, Task, User};
use crate::protocol::BoardChange;
use crate::validate;

async fn fetch(tx: &mut Transaction<'static, Any>, label_id: i64) -> AppResult<Option<Label>> {
    let row: Option<LabelRow> =
        sqlx::query_as("SELECT id, board_id, name, color FROM labels WHERE id = $1")
            .bind(label_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(Label::from))
}

/// The board's labels (any member).
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn list_labels(svc: &Services, user: &User, board_id: i64) -> AppResult<Vec<Label>> {
    role_on(&svc.pool, board_id, user.id).await?;
    task_rows::board_labels(&svc.pool, board_id).await
}

/// No two labels of a board share a name (ignoring case).
async fn name_free(
    tx: &mut Transaction<'static, Any>,
    board_id: i64,
    name: &str,
    except: i64,
) -> AppResult<()> {
    let taken: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM labels WHERE board_id = $1 AND LOWER(name) = LOWER($2) AND id <> $3",
    )
    .bind(board_id)
    .bind(name)
    .bind(except)
    .fetch_optional(&mut **tx)
    .await?;
    match taken {
        Some(_) => Err(AppError::conflict(format!(
            "this board already has a label called “{name}”"
        ))),
        None => Ok(()),
    }
}

/// Creates a label on a board (any member).
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn create_label(
    svc: &Services,
    user: &User,
    board_id: i64,
    new: NewLabel,
) -> AppResult<Label> {
    role_on(&svc.pool, board_id, user.id).await?;
    let name = validate::label_name(&new.name)?;
    let mut write = BoardWrite::begin(&svc.pool, board_id).await?;
    let tx = &mut write.tx;
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM labels WHERE board_id = $1")
        .bind(board_id)
        .fetch_one(&mut **tx)
        .await?;
    if count >= validate::MAX_LABELS_PER_BOARD {
        return Err(AppError::invalid(format!(
            "a board can have at most {} labels",
            validate::MAX_LABELS_PER_BOARD
        )));
    }
    name_free(tx, board_id, &name, 0).await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO labels (board_id, name, color, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(board_id)
    .bind(&name)
    .bind(new.color.as_str())
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?;
    let label = Label {
        id,
        board_id,
        name,
        color: new.color,
    };
    write
        .record(BoardChange::LabelSaved {
            label: label.clone(),
        })
        .await?;
    write.commit(svc).await?;
    Ok(label)
}

/// A label the user may see (404 otherwise).
async fn visible_label(svc: &Services, user: &User, label_id: i64) -> AppResult<i64> {
    let board: Option<(i64,)> = sqlx::query_as("SELECT board_id FROM labels WHERE id = $1")
        .bind(label_id)
        .fetch_optional(&svc.pool)
        .await?;
    let (board_id,) = board.ok_or_else(|| AppError::not_found("label"))?;
    role_on(&svc.pool, board_id, user.id)
        .await
        .map_err(|_| AppError::not_found("label"))?;
    Ok(board_id)
}

/// Renames and/or recolours a label (any member).
#[tracing::instrument(skip_all, fields(user = user.id, label_id = label_id))]
pub async fn update_label(
    svc: &Services,
    user: &User,
    label_id: i64,
    patch: LabelPatch,
) -> AppResult<Label> {
    let board_id = visible_label(svc, user, label_id).await?;
    let name = patch
        .name
        .as_deref()
        .map(validate::label_name)
        .transpose()?;
    if name.is_none() && patch.color.is_none() {
        return Err(AppError::invalid(
            "nothing to change: give a name or a color",
        ));
    }
    let mut write = BoardWrite::begin(&svc.pool, board_id).await?;
    let tx = &mut write.tx;
    if let Some(name) = &name {
        name_free(tx, board_id, name, label_id).await?;
    }
    sqlx::query(
        "UPDATE labels SET name = COALESCE($1, name), color = COALESCE($2, color) WHERE id = $3",
    )
    .bind(name)
    .bind(patch.color.map(LabelColor::as_str))
    .bind(label_id)
    .execute(&mut **tx)
    .await?;
    let label = fetch(tx, label_id)
        .await?
        .ok_or_else(|| AppError::not_found("label"))?;
    write
        .record(BoardChange::LabelSaved {
            label: label.clone(),
        })
        .await?;
    write.commit(svc).await?;
    Ok(label)
}

/// Deletes a label (any member): every card carrying it loses it.
#[tracing::instrument(skip_all, fields(user = user.id, label_id = label_id))]
pub async fn delete_label(svc: &Services, user: &User, label_id: i64) -> AppResult<()> {
    let board_id = visible_label(svc, user, label_id).await?;
    let mut write = BoardWrite::begin(&svc.pool, board_id).await?;
    sqlx::query("DELETE FROM task_labels WHERE label_id = $1")
        .bind(label_id)
        .execute(&mut *write.tx)
        .await?;
    sqlx::query("DELETE FROM labels WHERE id = $1")
        .bind(label_id)
        .execute(&mut *write.tx)
        .await?;
    write.record(BoardChange::LabelDeleted { label_id }).await?;
    write.commit(svc).await?;
    Ok(())
}

/// Puts a label on a card (`on`) or takes it off; doing what is already
/// so changes nothing.
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id, label_id = label_id))]
pub async fn set_task_label(
    svc: &Services,
    user: &User,
    task_id: i64,
    label_id: i64,
    on: bool,
) -> AppResult<Task> {
    let task = visible_task(svc, user, task_id).await?;
    let mut write = BoardWrite::begin(&svc.pool, task.board_id).await?;
    let tx = &mut write.tx;
    let before = task_rows::current(tx, task_id).await?;
    match fetch(tx, label_id).await? {
        Some(label) if label.board_id == before.board_id => {}
        _ => return Err(AppError::not_found("label")),
    }
    if before.labels.contains(&label_id) == on {
        return Ok(before);
    }
    let labels: Vec<i64> = if on {
        before.labels.iter().copied().chain([label_id]).collect()
    } else {
        before
            .labels
            .iter()
            .copied()
            .filter(|l| *l != label_id)
            .collect()
    };
    task_rows::set_labels(tx, task_id, &before.labels, &labels).await?;
    sqlx::query("UPDATE tasks SET updated_at = $1, updated_by = $2 WHERE id = $3")
        .bind(now_ms())
        .bind(user.id)
        .bind(task_id)
        .execute(&mut **tx)
        .await?;
    let after = task_rows::current(tx, task_id).await?;
    write
        .record_task(
            BoardChange::TaskEdited {
                task: after.clone(),
            },
            Some(&before),
            user.id,
        )
        .await?;
    write.commit(svc).await?;
    Ok(after)
}
