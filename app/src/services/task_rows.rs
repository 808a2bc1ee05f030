//! Cards as rows: a card's row plus its assignees and labels (kept in
//! tables of their own), put together as the API's `Task`, and the writes of
//! those parts. Every read of cards goes through here, so each answer and
//! event carries the same fields. (It imports no other service: boards,
//! tasks, labels and archive all use it.)

use std::collections::HashMap;

use sqlx::{Any, AnyConnection, Transaction};

use super::storage::now_ms;
use crate::error::{AppError, AppResult};
use crate::model::{ChecklistProgress, Label, LabelColor, Task};

/// A card's row in `tasks` (the stored shape; the API's `Task` adds the
/// assignees and labels).
#[derive(sqlx::FromRow)]
struct TaskRow {
    id: i64,
    board_id: i64,
    column_id: i64,
    title: String,
    description: String,
    /// NULL until the start-up backfill rendered an old description.
    description_html: Option<String>,
    position: i64,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
    comment_count: i64,
    version: i64,
    updated_by: Option<i64>,
    due_at: Option<i64>,
    done_at: Option<i64>,
    archived_at: Option<i64>,
    checklist_done: i64,
    checklist_total: i64,
}

const COLUMNS: &str =
    "t.id, t.board_id, t.column_id, t.title, t.description, t.description_html, t.position, \
     t.created_by, t.created_at, t.updated_at, t.comment_count, t.version, t.updated_by, \
     t.due_at, t.done_at, t.archived_at, t.checklist_done, t.checklist_total";

/// Which cards to read.
#[derive(Debug, Clone, Copy)]
pub enum Cards {
    /// One card (archived or not).
    One(i64),
    /// The cards on a board: live ones in live columns, in board order.
    OnBoard(i64),
    /// The live cards of one column, in order.
    InColumn(i64),
    /// A board's archived cards (and those of archived columns are not
    /// among them), most recently archived first.
    ArchivedOn(i64),
    /// Live cards assigned to a user, on live boards they are on, soonest
    /// due first (no date last).
    AssignedTo(i64),
}

impl Cards {
    /// `FROM ... WHERE ...` (aliases `t` for tasks, `c` for its column) and
    /// the order; the one parameter is `$1`.
    fn sql_parts(self) -> (&'static str, &'static str, i64) {
        match self {
            Cards::One(id) => ("FROM tasks t WHERE t.id = $1", "t.id", id),
            Cards::OnBoard(board) => (
                "FROM tasks t JOIN board_columns c ON c.id = t.column_id \
                 WHERE t.board_id = $1 AND t.archived_at IS NULL AND c.archived_at IS NULL",
                "c.position, t.position, t.id",
                board,
            ),
            Cards::InColumn(column) => (
                "FROM tasks t WHERE t.column_id = $1 AND t.archived_at IS NULL",
                "t.position, t.id",
                column,
            ),
            Cards::ArchivedOn(board) => (
                "FROM tasks t JOIN board_columns c ON c.id = t.column_id \
                 WHERE t.board_id = $1 AND t.archived_at IS NOT NULL AND c.archived_at IS NULL",
                "t.archived_at DESC, t.id DESC",
                board,
            ),
            Cards::AssignedTo(user) => (
                "FROM tasks t JOIN board_columns c ON c.id = t.column_id \
                 JOIN boards b ON b.id = t.board_id \
                 JOIN task_assignees a ON a.task_id = t.id \
                 JOIN board_members m ON m.board_id = t.board_id AND m.user_id = a.user_id \
                 WHERE a.user_id = $1 AND t.archived_at IS NULL AND c.archived_at IS NULL \
                   AND b.archived_at IS NULL",
                "CASE WHEN t.due_at IS NULL THEN 1 ELSE 0 END, t.due_at, t.id",
                user,
            ),
        }
    }
}

/// The cards of a scope, whole.
pub async fn load(db: &mut AnyConnection, which: Cards) -> AppResult<Vec<Task>> {
    let (from_where, order, param) = which.sql_parts();
    let rows: Vec<TaskRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} {from_where} ORDER BY {order}"))
            .bind(param)
            .fetch_all(&mut *db)
            .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // The card's people and labels in one statement: (task, 0 = person /
    // 1 = label, id), people in the order they were added.
    let ids = format!("SELECT t.id {from_where}");
    let parts: Vec<(i64, i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT task_id, 0 AS part, user_id AS id, added_at AS rank FROM task_assignees
             WHERE task_id IN ({ids})
         UNION ALL
         SELECT task_id, 1, label_id, label_id FROM task_labels WHERE task_id IN ({ids})
         ORDER BY 1, 2, 4, 3"
    ))
    .bind(param)
    .fetch_all(&mut *db)
    .await?;
    let mut assignees = grouped(parts.iter().filter(|p| p.1 == 0));
    let mut labels = grouped(parts.iter().filter(|p| p.1 == 1));
    Ok(rows
        .into_iter()
        .map(|r| {
            let assignee_ids = assignees.remove(&r.id).unwrap_or_default();
            Task {
                assignee_id: assignee_ids.first().copied(),
                assignee_ids,
                labels: labels.remove(&r.id).unwrap_or_default(),
                id: r.id,
                board_id: r.board_id,
                column_id: r.column_id,
                title: r.title,
                description_html: r
                    .description_html
                    .unwrap_or_else(|| super::markdown::render_description(&r.description)),
                description: r.description,
                position: r.position,
                created_by: r.created_by,
                created_at: r.created_at,
                updated_at: r.updated_at,
                comment_count: r.comment_count,
                version: r.version,
                updated_by: r.updated_by,
                due_at: r.due_at,
                done_at: r.done_at,
                archived_at: r.archived_at,
                checklist: ChecklistProgress {
                    done: r.checklist_done,
                    total: r.checklist_total,
                },
            }
        })
        .collect())
}

/// Renders the descriptions written before they were Markdown (NULL
/// `description_html`): a start-up backfill in batches, safe on every start
/// and instance (it only fills what is missing). Returns how many.
pub async fn backfill_description_html(pool: &sqlx::AnyPool) -> AppResult<u64> {
    let mut done = 0;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, description FROM tasks WHERE description_html IS NULL ORDER BY id LIMIT 500",
        )
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            return Ok(done);
        }
        let mut tx = pool.begin().await?;
        for (id, description) in rows {
            sqlx::query(
                "UPDATE tasks SET description_html = $1 WHERE id = $2 AND description_html IS NULL",
            )
            .bind(super::markdown::render_description(&description))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            done += 1;
        }
        tx.commit().await?;
    }
}

/// One card (archived or not), if it exists.
pub async fn one(db: &mut AnyConnection, task_id: i64) -> AppResult<Option<Task>> {
    Ok(load(db, Cards::One(task_id)).await?.pop())
}

/// (task, part, id, rank) rows, in order, as ids per task.
fn grouped<'a>(rows: impl Iterator<Item = &'a (i64, i64, i64, i64)>) -> HashMap<i64, Vec<i64>> {
    let mut by_task: HashMap<i64, Vec<i64>> = HashMap::new();
    for &(task, _, id, _) in rows {
        by_task.entry(task).or_default().push(id);
    }
    by_task
}

/// A card as it is now, inside a transaction.
pub(crate) async fn current(tx: &mut Transaction<'static, Any>, task_id: i64) -> AppResult<Task> {
    one(tx, task_id)
        .await?
        .ok_or_else(|| AppError::not_found("task"))
}

/// The card's first assignee other than the user `$2` (by when they were
/// added), inside an `UPDATE tasks`: what `tasks.assignee_id` mirrors.
pub(crate) const FIRST_ASSIGNEE_BUT: &str = "(SELECT a.user_id FROM task_assignees a
     WHERE a.task_id = tasks.id AND a.user_id <> $2 ORDER BY a.added_at, a.user_id LIMIT 1)";

/// Makes `people` the card's assignees, in this order (those already on it
/// keep their place), and `tasks.assignee_id` the first of them. Returns
/// who was added.
pub(crate) async fn set_assignees(
    tx: &mut Transaction<'static, Any>,
    task_id: i64,
    before: &[i64],
    people: &[i64],
) -> AppResult<Vec<i64>> {
    for gone in before.iter().filter(|p| !people.contains(p)) {
        sqlx::query("DELETE FROM task_assignees WHERE task_id = $1 AND user_id = $2")
            .bind(task_id)
            .bind(gone)
            .execute(&mut **tx)
            .await?;
    }
    let added: Vec<i64> = people
        .iter()
        .copied()
        .filter(|p| !before.contains(p))
        .collect();
    // One millisecond apart, so "the order they were added" is the order given.
    let now = now_ms();
    for (i, person) in added.iter().enumerate() {
        sqlx::query("INSERT INTO task_assignees (task_id, user_id, added_at) VALUES ($1, $2, $3)")
            .bind(task_id)
            .bind(person)
            .bind(now + i as i64)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(&format!(
        "UPDATE tasks SET assignee_id = {FIRST_ASSIGNEE_BUT} WHERE id = $1"
    ))
    .bind(task_id)
    .bind(0) // nobody left out (ids start at 1)
    .execute(&mut **tx)
    .await?;
    Ok(added)
}

/// Makes `labels` the card's labels.
pub(crate) async fn set_labels(
    tx: &mut Transaction<'static, Any>,
    task_id: i64,
    before: &[i64],
    labels: &[i64],
) -> AppResult<()> {
    for gone in before.iter().filter(|l| !labels.contains(l)) {
        sqlx::query("DELETE FROM task_labels WHERE task_id = $1 AND label_id = $2")
            .bind(task_id)
            .bind(gone)
            .execute(&mut **tx)
            .await?;
    }
    for new in labels.iter().filter(|l| !before.contains(l)) {
        sqlx::query("INSERT INTO task_labels (task_id, label_id) VALUES ($1, $2)")
            .bind(task_id)
            .bind(new)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
pub(crate) struct LabelRow {
    id: i64,
    board_id: i64,
    name: String,
    color: String,
}

impl From<LabelRow> for Label {
    fn from(r: LabelRow) -> Self {
        Label {
            id: r.id,
            board_id: r.board_id,
            name: r.name,
            // Only the service writes colours; an unknown one reads as gray.
            color: LabelColor::parse(&r.color).unwrap_or(LabelColor::Gray),
        }
    }
}

/// A board's labels (what its cards' `labels` refer to), oldest first.
pub(crate) async fn board_labels<'e, E: sqlx::Executor<'e, Database = Any>>(
    db: E,
    board_id: i64,
) -> AppResult<Vec<Label>> {
    let rows: Vec<LabelRow> = sqlx::query_as(
        "SELECT id, board_id, name, color FROM labels WHERE board_id = $1 ORDER BY id",
    )
    .bind(board_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Label::from).collect())
}
