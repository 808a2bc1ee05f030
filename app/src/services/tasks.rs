//! Tasks (cards): create, edit, assign, date, label, move between and
//! within columns, delete. Archiving and restoring live in `archive`.

use sqlx::{Any, Transaction};

use super::activity;
use super::board_events::BoardWrite;
use super::boards::role_on;
use super::markdown;
use super::notifications::{self, Activity, Notified};
use super::positions::{self, List};
use super::storage::now_ms;
use super::task_rows::{self, current, set_assignees, set_labels, Cards};
use super::watching;
use super::Services;
use crate::error::{AppError, AppResult, Current};
use crate::model::{
    ActivityPage, ActivityWhat, Change, MyTask, NotificationKind, Task, TaskMove, TaskPatch,
    TimelineEntry, User,
};
use crate::protocol::BoardChange;
use crate::validate;

/// Loads a task the user may see (404 for unknown ids and other people's boards).
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
pub async fn visible_task(svc: &Services, user: &User, task_id: i64) -> AppResult<Task> {
    let mut db = svc.pool.acquire().await?;
    let task = task_rows::one(&mut db, task_id)
        .await?
        .ok_or_else(|| AppError::not_found("task"))?;
    drop(db);
    role_on(&svc.pool, task.board_id, user.id)
        .await
        .map_err(|_| AppError::not_found("task"))?;
    Ok(task)
}

/// The board a column belongs to, checked against the board of the request.
pub(crate) async fn column_on_board(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    column_id: i64,
    board_id: i64,
) -> AppResult<()> {
    let found: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT board_id, archived_at FROM board_columns WHERE id = $1")
            .bind(column_id)
            .fetch_optional(&mut **tx)
            .await?;
    match found {
        Some((b, None)) if b == board_id => Ok(()),
        // Plain words for the person reading it (no ids): the column was
        // usually deleted or archived by someone else meanwhile.
        _ => Err(AppError::invalid(
            "that column is not on this board any more (it may have been deleted or archived)",
        )),
    }
}

/// Everyone in `people` must be a member of the board.
pub(crate) async fn check_members(
    tx: &mut Transaction<'static, Any>,
    board_id: i64,
    people: &[i64],
) -> AppResult<()> {
    for &person in people {
        let found: Option<(i64,)> = sqlx::query_as(
            "SELECT user_id FROM board_members WHERE board_id = $1 AND user_id = $2",
        )
        .bind(board_id)
        .bind(person)
        .fetch_optional(&mut **tx)
        .await?;
        if found.is_none() {
            return Err(AppError::invalid(
                "that person is not a member of this board",
            ));
        }
    }
    Ok(())
}

/// Every label in `labels` must be one of the board's.
async fn check_labels(
    tx: &mut Transaction<'static, Any>,
    board_id: i64,
    labels: &[i64],
) -> AppResult<()> {
    for &label in labels {
        let found: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM labels WHERE id = $1 AND board_id = $2")
                .bind(label)
                .bind(board_id)
                .fetch_optional(&mut **tx)
                .await?;
        if found.is_none() {
            return Err(AppError::invalid(
                "that label is not on this board (it may have been deleted)",
            ));
        }
    }
    Ok(())
}

/// Newly assigned people watch the card and hear of it (unless they
/// assigned themselves).
pub(crate) async fn tell_assigned(
    tx: &mut Transaction<'static, Any>,
    task: &Task,
    by: &User,
    added: &[i64],
) -> AppResult<Notified> {
    for &person in added {
        watching::watch_automatically(tx, task.id, person).await?;
    }
    if added.is_empty() {
        return Ok(Notified::default());
    }
    notifications::insert_activity(
        tx,
        &Activity {
            kind: NotificationKind::Assigned,
            board_id: Some(task.board_id),
            task_id: Some(task.id),
            comment_id: None,
            room_id: None,
            message_id: None,
            snippet: task.title.clone(),
        },
        by,
        added,
    )
    .await
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
    let (task_id,): (i64,) = sqlx::query_as(
        "INSERT INTO tasks (board_id, column_id, title, description, description_html, position, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $8, $5, $6, $7, $7) RETURNING id",
    )
    .bind(board_id)
    .bind(column_id)
    .bind(&title)
    .bind(&description)
    .bind(position)
    .bind(user.id)
    .bind(now)
    .bind(markdown::render_description(&description))
    .fetch_one(&mut **tx)
    .await?;
    let task = current(tx, task_id).await?;
    watching::watch_automatically(tx, task.id, user.id).await?;
    write
        .record_task(
            BoardChange::TaskCreated { task: task.clone() },
            None,
            user.id,
        )
        .await?;
    write.commit(svc).await?;
    Ok(task)
}

/// The assignees a patch asks for, if it changes them: `assignee_ids`, or
/// the one-assignee API's `assignee_id` (an id: only them; `null`: nobody).
fn wanted_assignees(patch: &TaskPatch) -> AppResult<Option<Vec<i64>>> {
    match (&patch.assignee_ids, patch.assignee_id) {
        (Some(_), change) if !change.is_keep() => Err(AppError::invalid(
            "send assignee_ids or assignee_id, not both",
        )),
        (Some(ids), _) => Ok(Some(validate::distinct_ids(
            "assignees",
            ids,
            validate::MAX_ASSIGNEES,
        )?)),
        (None, Change::Set(id)) => Ok(Some(vec![id])),
        (None, Change::Clear) => Ok(Some(Vec::new())),
        (None, Change::Keep) => Ok(None),
    }
}

/// Edits, assigns, dates, labels, marks done and/or moves a task. A move
/// without a position appends to the target column; a position past the end
/// is clamped to the end. With a `version` that is not the task's any more,
/// nothing changes (409 with the current task).
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
    let assignees = wanted_assignees(&patch)?;
    let labels = patch
        .labels
        .as_deref()
        .map(|l| validate::distinct_ids("labels", l, validate::MAX_LABELS_PER_BOARD as usize))
        .transpose()?;
    if let Change::Set(due) = patch.due_at {
        validate::due_at(due)?;
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
    let before = current_version(tx, task_id, patch.version).await?;
    if before.archived_at.is_some() {
        return Err(AppError::invalid(
            "this card is archived: restore it to change it",
        ));
    }
    if let Some(column_id) = patch.column_id {
        column_on_board(tx, column_id, before.board_id).await?;
    }
    if let Some(people) = &assignees {
        check_members(tx, before.board_id, people).await?;
    }
    if let Some(labels) = &labels {
        check_labels(tx, before.board_id, labels).await?;
    }
    if patch.column_id.is_some() || patch.position.is_some() {
        let to_column = patch.column_id.unwrap_or(before.column_id);
        // Moving within the same column with no position is a no-op, not "append".
        let wanted = match (patch.position, to_column == before.column_id) {
            (None, true) => Some(before.position),
            (p, _) => p,
        };
        positions::move_item(
            tx,
            List::Tasks,
            task_id,
            (before.column_id, before.position),
            (to_column, wanted),
        )
        .await?;
    }
    let now = now_ms();
    sqlx::query(
        "UPDATE tasks SET title = COALESCE($1, title), description = COALESCE($2, description),
                          description_html = COALESCE($6, description_html),
                          updated_at = $3, version = version + 1, updated_by = $5
         WHERE id = $4",
    )
    .bind(title)
    .bind(description.as_deref())
    .bind(now)
    .bind(task_id)
    .bind(user.id)
    .bind(description.as_deref().map(markdown::render_description))
    .execute(&mut **tx)
    .await?;
    // Reminders that no longer hold (another date, or done) leave the bells.
    let new_due = patch.due_at.new_value().filter(|due| *due != before.due_at);
    let newly_done = patch.done == Some(true) && before.done_at.is_none();
    // Reminders that no longer hold (another date, or done) are withdrawn.
    let withdrawn = if new_due.is_some() || newly_done {
        notifications::withdraw_due_reminders(tx, task_id).await?
    } else {
        Vec::new()
    };
    if let Some(due) = new_due {
        // A new date: its reminders are yet to be sent.
        sqlx::query(
            "UPDATE tasks SET due_at = $1, due_soon_sent = 0, overdue_sent = 0 WHERE id = $2",
        )
        .bind(due)
        .bind(task_id)
        .execute(&mut **tx)
        .await?;
    }
    match (patch.done, before.done_at) {
        (Some(true), None) | (Some(false), Some(_)) => {
            sqlx::query("UPDATE tasks SET done_at = $1 WHERE id = $2")
                .bind(patch.done.filter(|d| *d).map(|_| now))
                .bind(task_id)
                .execute(&mut **tx)
                .await?;
        }
        _ => {}
    }
    let added = match &assignees {
        Some(people) => set_assignees(tx, task_id, &before.assignee_ids, people).await?,
        None => Vec::new(),
    };
    if let Some(labels) = &labels {
        set_labels(tx, task_id, &before.labels, labels).await?;
    }
    let updated = current(tx, task_id).await?;
    let notified = tell_assigned(tx, &updated, user, &added).await?;
    let moved = (updated.column_id, updated.position) != (before.column_id, before.position);
    let change = if moved {
        BoardChange::TaskMoved {
            task: updated.clone(),
        }
    } else {
        BoardChange::TaskEdited {
            task: updated.clone(),
        }
    };
    write.record_task(change, Some(&before), user.id).await?;
    write.commit(svc).await?;
    notifications::publish_notified(&svc.pool, &svc.hub, &notified).await?;
    notifications::publish_removed(&svc.pool, &svc.hub, withdrawn).await?;
    Ok(updated)
}

/// The task as it is now, inside the board lock; a stale `version` (someone
/// changed the task since the caller saw it) is a 409 carrying it.
async fn current_version(
    tx: &mut Transaction<'static, Any>,
    task_id: i64,
    version: Option<i64>,
) -> AppResult<Task> {
    let now = current(tx, task_id).await?;
    match version {
        Some(v) if v != now.version => Err(AppError::Stale(Box::new(Current::Task(now)))),
        _ => Ok(now),
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
    let before = current_version(tx, task_id, Some(to.version)).await?;
    if before.archived_at.is_some() {
        return Err(AppError::Stale(Box::new(Current::Task(before))));
    }
    column_on_board(tx, to.column_id, before.board_id).await?;
    let position = match to.after_id {
        None => 0,
        Some(after_id) => {
            // Only where the neighbour is matters (a live card of that column).
            let after: Option<(i64,)> = sqlx::query_as(
                "SELECT position FROM tasks
                 WHERE id = $1 AND column_id = $2 AND archived_at IS NULL",
            )
            .bind(after_id)
            .bind(to.column_id)
            .fetch_optional(&mut **tx)
            .await?;
            match after {
                Some((after,)) => {
                    // Leaving its place first shifts the cards below it up by one.
                    let below_own_place =
                        before.column_id == to.column_id && after > before.position;
                    after + 1 - i64::from(below_own_place)
                }
                _ => return Err(AppError::Stale(Box::new(Current::Task(before)))),
            }
        }
    };
    positions::move_item(
        tx,
        List::Tasks,
        task_id,
        (before.column_id, before.position),
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
    let moved = current(tx, task_id).await?;
    write
        .record_task(
            BoardChange::TaskMoved {
                task: moved.clone(),
            },
            Some(&before),
            user.id,
        )
        .await?;
    write.commit(svc).await?;
    Ok(moved)
}

/// Deletes a task for good (live or archived; the UI archives first).
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
pub async fn delete_task(svc: &Services, user: &User, task_id: i64) -> AppResult<()> {
    let task = visible_task(svc, user, task_id).await?;
    let mut write = BoardWrite::begin(&svc.pool, task.board_id).await?;
    let tx = &mut write.tx;
    let before = current(tx, task_id).await?;
    sqlx::query("DELETE FROM tasks WHERE id = $1")
        .bind(task_id)
        .execute(&mut **tx)
        .await?;
    if before.archived_at.is_none() {
        positions::close_gap(tx, List::Tasks, before.column_id, before.position).await?;
    }
    write
        .record(BoardChange::TaskDeleted {
            task_id,
            column_id: before.column_id,
        })
        .await?;
    write.commit(svc).await?;
    Ok(())
}

/// A card's history (anyone who can see the card), oldest first.
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
pub async fn task_activity(
    svc: &Services,
    user: &User,
    task_id: i64,
    before: Option<i64>,
    limit: Option<i64>,
) -> AppResult<ActivityPage> {
    visible_task(svc, user, task_id).await?;
    activity::page(svc, task_id, before, limit).await
}

/// How many of a card's latest changes and comments its timeline shows.
const TIMELINE_LEN: i64 = 100;

/// A card's timeline for its dialog (anyone who can see the card): its
/// latest history and comments in one list, oldest first, phrased.
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
pub async fn timeline(svc: &Services, user: &User, task_id: i64) -> AppResult<Vec<TimelineEntry>> {
    visible_task(svc, user, task_id).await?;
    let activity = activity::page(svc, task_id, None, Some(TIMELINE_LEN))
        .await?
        .activity;
    // Names of the people assigned or unassigned, as they are now.
    let mut ids: Vec<i64> = activity
        .iter()
        .flat_map(|a| match &a.what {
            ActivityWhat::Assigned { user_ids } | ActivityWhat::Unassigned { user_ids } => {
                user_ids.clone()
            }
            _ => Vec::new(),
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names = std::collections::HashMap::new();
    for id in ids {
        let name: Option<(String,)> =
            sqlx::query_as("SELECT display_name FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&svc.pool)
                .await?;
        names.insert(
            id,
            name.map_or_else(|| "a former member".to_string(), |(n,)| n),
        );
    }
    let mut entries: Vec<TimelineEntry> = activity
        .into_iter()
        .map(|a| {
            let (text, due_at) = phrase(&a.what, &names);
            TimelineEntry {
                at: a.at,
                actor: a.actor.map(|u| u.display_name),
                text,
                due_at,
                comment: false,
            }
        })
        .collect();
    let comments: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT c.created_at, u.display_name, c.content FROM task_comments c
         JOIN users u ON u.id = c.author_id
         WHERE c.task_id = $1 AND c.deleted_at IS NULL ORDER BY c.id DESC LIMIT $2",
    )
    .bind(task_id)
    .bind(TIMELINE_LEN)
    .fetch_all(&svc.pool)
    .await?;
    entries.extend(
        comments
            .into_iter()
            .map(|(at, author, content)| TimelineEntry {
                at,
                actor: Some(author),
                text: format!("commented: “{}”", excerpt(&content, 140)),
                due_at: None,
                comment: true,
            }),
    );
    // Stable: what happened in the same millisecond keeps its order.
    entries.sort_by_key(|e| e.at);
    let keep = entries.len().saturating_sub(TIMELINE_LEN as usize);
    entries.drain(..keep);
    Ok(entries)
}

/// The first `max` characters of `text` on one line, "…" when cut.
fn excerpt(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", line[..cut].trim_end()),
        None => line,
    }
}

/// What a line of history says (after who did it), and the date it names.
fn phrase(
    what: &ActivityWhat,
    names: &std::collections::HashMap<i64, String>,
) -> (String, Option<i64>) {
    let people = |ids: &[i64]| {
        ids.iter()
            .filter_map(|id| names.get(id).cloned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = match what {
        ActivityWhat::Created { column } => format!("created this card in {column}"),
        ActivityWhat::Moved {
            from_column,
            to_column,
        } => format!("moved this card from {from_column} to {to_column}"),
        ActivityWhat::Renamed { to, .. } => format!("renamed this card to “{to}”"),
        ActivityWhat::DescriptionChanged => "changed the description".to_string(),
        ActivityWhat::Assigned { user_ids } => format!("added {}", people(user_ids)),
        ActivityWhat::Unassigned { user_ids } => format!("removed {}", people(user_ids)),
        ActivityWhat::DueSet { due_at: Some(due) } => {
            return ("set the due date to".to_string(), Some(*due))
        }
        ActivityWhat::DueSet { due_at: None } => "removed the due date".to_string(),
        ActivityWhat::Done => "marked this card done".to_string(),
        ActivityWhat::Reopened => "marked this card not done".to_string(),
        ActivityWhat::Labelled { label } => format!("added the label “{label}”"),
        ActivityWhat::Unlabelled { label } => format!("removed the label “{label}”"),
        ActivityWhat::Archived => "archived this card".to_string(),
        ActivityWhat::Restored => "restored this card".to_string(),
    };
    (text, None)
}

/// Every live card assigned to the user on their live boards, soonest due
/// first, with where it lives (`GET /api/me/tasks`).
#[tracing::instrument(skip_all, fields(user = user.id))]
pub async fn my_tasks(svc: &Services, user: &User) -> AppResult<Vec<MyTask>> {
    let mut db = svc.pool.acquire().await?;
    let tasks = task_rows::load(&mut db, Cards::AssignedTo(user.id)).await?;
    let places: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT c.id, b.name, c.name FROM board_columns c JOIN boards b ON b.id = c.board_id
         WHERE c.id IN (SELECT t.column_id FROM tasks t
                        JOIN task_assignees a ON a.task_id = t.id WHERE a.user_id = $1)",
    )
    .bind(user.id)
    .fetch_all(&mut *db)
    .await?;
    let names: std::collections::HashMap<i64, (String, String)> = places
        .into_iter()
        .map(|(column, board, name)| (column, (board, name)))
        .collect();
    Ok(tasks
        .into_iter()
        .map(|task| {
            let (board_name, column_name) = names.get(&task.column_id).cloned().unwrap_or_default();
            MyTask {
                task,
                board_name,
                column_name,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_name_the_people_and_leave_dates_to_the_reader() {
        let names =
            std::collections::HashMap::from([(1, "Ann".to_string()), (2, "Bob".to_string())]);
        let moved = ActivityWhat::Moved {
            from_column: "To do".into(),
            to_column: "Doing".into(),
        };
        assert_eq!(
            phrase(&moved, &names).0,
            "moved this card from To do to Doing"
        );
        let assigned = ActivityWhat::Assigned {
            user_ids: vec![2, 1],
        };
        assert_eq!(phrase(&assigned, &names).0, "added Bob, Ann");
        let due = ActivityWhat::DueSet { due_at: Some(5) };
        assert_eq!(
            phrase(&due, &names),
            ("set the due date to".to_string(), Some(5))
        );
    }

    #[test]
    fn excerpts_are_one_line_and_cut_on_characters() {
        assert_eq!(excerpt("two\nlines", 140), "two lines");
        assert_eq!(excerpt("ééééé", 3), "ééé…");
        assert_eq!(excerpt("short", 5), "short");
    }
}
