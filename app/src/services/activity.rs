//! A card's history, derived from the board's changes as they are recorded.
//!
//! The board's change log (`board_events`) is pruned after a week; a card's
//! history is kept as long as the card. So when a change to a card is
//! recorded (`BoardWrite::record_task`), what it did to the card — compared
//! with the card before — is stored beside it in `task_activity`, with the
//! change's `seq`, who did it and column and label names as they were then.

use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};

use super::storage::now_ms;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{ActivityPage, ActivityWhat, Task, TaskActivity, User};
use crate::protocol::BoardChange;

/// What one change did to a card, in ids (names are looked up when stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delta {
    Created { column_id: i64 },
    Moved { from: i64, to: i64 },
    Renamed { from: String, to: String },
    DescriptionChanged,
    Assigned(Vec<i64>),
    Unassigned(Vec<i64>),
    DueSet(Option<i64>),
    Done,
    Reopened,
    Labelled(i64),
    Unlabelled(i64),
    Archived,
    Restored,
}

/// The card a change is about, if it is about one card.
pub fn card_of(change: &BoardChange) -> Option<&Task> {
    match change {
        BoardChange::TaskCreated { task }
        | BoardChange::TaskEdited { task }
        | BoardChange::TaskMoved { task }
        | BoardChange::TaskArchived { task }
        | BoardChange::TaskRestored { task } => Some(task),
        _ => None,
    }
}

/// What `change` did to its card, which was `before` (`None` for a new
/// card). Reordering within a column and checklist ticks are not history.
pub fn deltas(before: Option<&Task>, change: &BoardChange) -> Vec<Delta> {
    let after = match change {
        BoardChange::TaskCreated { task } => {
            return vec![Delta::Created {
                column_id: task.column_id,
            }]
        }
        BoardChange::TaskArchived { .. } => return vec![Delta::Archived],
        BoardChange::TaskRestored { .. } => return vec![Delta::Restored],
        BoardChange::TaskEdited { task } | BoardChange::TaskMoved { task } => task,
        _ => return Vec::new(),
    };
    let Some(before) = before else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if before.column_id != after.column_id {
        out.push(Delta::Moved {
            from: before.column_id,
            to: after.column_id,
        });
    }
    if before.title != after.title {
        out.push(Delta::Renamed {
            from: before.title.clone(),
            to: after.title.clone(),
        });
    }
    if before.description != after.description {
        out.push(Delta::DescriptionChanged);
    }
    let added: Vec<i64> = missing_from(&after.assignee_ids, &before.assignee_ids);
    if !added.is_empty() {
        out.push(Delta::Assigned(added));
    }
    let removed: Vec<i64> = missing_from(&before.assignee_ids, &after.assignee_ids);
    if !removed.is_empty() {
        out.push(Delta::Unassigned(removed));
    }
    if before.due_at != after.due_at {
        out.push(Delta::DueSet(after.due_at));
    }
    match (before.done_at, after.done_at) {
        (None, Some(_)) => out.push(Delta::Done),
        (Some(_), None) => out.push(Delta::Reopened),
        _ => {}
    }
    for label in missing_from(&after.labels, &before.labels) {
        out.push(Delta::Labelled(label));
    }
    for label in missing_from(&before.labels, &after.labels) {
        out.push(Delta::Unlabelled(label));
    }
    out
}

/// The ids in `these` that are not in `those`, in order.
fn missing_from(these: &[i64], those: &[i64]) -> Vec<i64> {
    these
        .iter()
        .copied()
        .filter(|x| !those.contains(x))
        .collect()
}

/// An entry as stored in `task_activity.detail`: flat, with the fields its
/// kind uses (its own type, so the wire's can change freely).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredActivity {
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    user_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    due_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
}

impl StoredActivity {
    fn of(kind: &str) -> Self {
        Self {
            kind: kind.to_string(),
            ..Self::default()
        }
    }

    fn into_wire(self) -> Option<ActivityWhat> {
        let text = |s: Option<String>| s.unwrap_or_default();
        Some(match self.kind.as_str() {
            "created" => ActivityWhat::Created {
                column: text(self.column),
            },
            "moved" => ActivityWhat::Moved {
                from_column: text(self.from),
                to_column: text(self.to),
            },
            "renamed" => ActivityWhat::Renamed {
                from: text(self.from),
                to: text(self.to),
            },
            "description_changed" => ActivityWhat::DescriptionChanged,
            "assigned" => ActivityWhat::Assigned {
                user_ids: self.user_ids,
            },
            "unassigned" => ActivityWhat::Unassigned {
                user_ids: self.user_ids,
            },
            "due_set" => ActivityWhat::DueSet {
                due_at: self.due_at,
            },
            "done" => ActivityWhat::Done,
            "reopened" => ActivityWhat::Reopened,
            "labelled" => ActivityWhat::Labelled {
                label: text(self.label),
            },
            "unlabelled" => ActivityWhat::Unlabelled {
                label: text(self.label),
            },
            "archived" => ActivityWhat::Archived,
            "restored" => ActivityWhat::Restored,
            // A kind a newer build wrote: left out rather than misread.
            _ => return None,
        })
    }
}

async fn column_name(tx: &mut Transaction<'static, Any>, column_id: i64) -> AppResult<String> {
    let name: Option<(String,)> = sqlx::query_as("SELECT name FROM board_columns WHERE id = $1")
        .bind(column_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(name.map(|(n,)| n).unwrap_or_default())
}

async fn label_name(tx: &mut Transaction<'static, Any>, label_id: i64) -> AppResult<String> {
    let name: Option<(String,)> = sqlx::query_as("SELECT name FROM labels WHERE id = $1")
        .bind(label_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(name.map(|(n,)| n).unwrap_or_default())
}

/// Stores what a change (board change `seq`) did to card `task_id`.
pub async fn note(
    tx: &mut Transaction<'static, Any>,
    (board_id, seq): (i64, i64),
    actor_id: i64,
    task_id: i64,
    deltas: Vec<Delta>,
) -> AppResult<()> {
    let now = now_ms();
    for delta in deltas {
        let stored = match delta {
            Delta::Created { column_id } => StoredActivity {
                column: Some(column_name(tx, column_id).await?),
                ..StoredActivity::of("created")
            },
            Delta::Moved { from, to } => StoredActivity {
                from: Some(column_name(tx, from).await?),
                to: Some(column_name(tx, to).await?),
                ..StoredActivity::of("moved")
            },
            Delta::Renamed { from, to } => StoredActivity {
                from: Some(from),
                to: Some(to),
                ..StoredActivity::of("renamed")
            },
            Delta::DescriptionChanged => StoredActivity::of("description_changed"),
            Delta::Assigned(user_ids) => StoredActivity {
                user_ids,
                ..StoredActivity::of("assigned")
            },
            Delta::Unassigned(user_ids) => StoredActivity {
                user_ids,
                ..StoredActivity::of("unassigned")
            },
            Delta::DueSet(due_at) => StoredActivity {
                due_at,
                ..StoredActivity::of("due_set")
            },
            Delta::Done => StoredActivity::of("done"),
            Delta::Reopened => StoredActivity::of("reopened"),
            Delta::Labelled(label) => StoredActivity {
                label: Some(label_name(tx, label).await?),
                ..StoredActivity::of("labelled")
            },
            Delta::Unlabelled(label) => StoredActivity {
                label: Some(label_name(tx, label).await?),
                ..StoredActivity::of("unlabelled")
            },
            Delta::Archived => StoredActivity::of("archived"),
            Delta::Restored => StoredActivity::of("restored"),
        };
        let detail = serde_json::to_string(&stored)
            .map_err(|e| AppError::Internal(format!("activity to JSON: {e}")))?;
        sqlx::query(
            "INSERT INTO task_activity (task_id, board_id, seq, actor_id, detail, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(task_id)
        .bind(board_id)
        .bind(seq)
        .bind(actor_id)
        .bind(detail)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Largest page of history.
pub const MAX_PAGE: i64 = 200;

#[derive(sqlx::FromRow)]
struct ActivityRow {
    id: i64,
    task_id: i64,
    seq: i64,
    detail: String,
    created_at: i64,
    actor_id: Option<i64>,
    username: Option<String>,
    display_name: Option<String>,
}

/// A card's history, oldest first: the newest `limit` entries before the
/// entry `before` (keyset on id). The caller checks access
/// (`tasks::task_activity`).
pub(crate) async fn page(
    svc: &Services,
    task_id: i64,
    before: Option<i64>,
    limit: Option<i64>,
) -> AppResult<ActivityPage> {
    let limit = limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
    let mut rows: Vec<ActivityRow> = sqlx::query_as(
        "SELECT a.id, a.task_id, a.seq, a.detail, a.created_at, a.actor_id,
                u.username, u.display_name
         FROM task_activity a LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.task_id = $1 AND a.id < $2
         ORDER BY a.id DESC LIMIT $3",
    )
    .bind(task_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit + 1)
    .fetch_all(&svc.pool)
    .await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    rows.reverse();
    let activity = rows
        .into_iter()
        .filter_map(|r| {
            let what = serde_json::from_str::<StoredActivity>(&r.detail)
                .ok()?
                .into_wire()?;
            let actor = match (r.actor_id, r.username, r.display_name) {
                (Some(id), Some(username), Some(display_name)) => Some(User {
                    id,
                    username,
                    display_name,
                }),
                _ => None,
            };
            Some(TaskActivity {
                id: r.id,
                task_id: r.task_id,
                actor,
                at: r.created_at,
                seq: r.seq,
                what,
            })
        })
        .collect();
    Ok(ActivityPage { activity, has_more })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ChecklistProgress;

    fn card() -> Task {
        Task {
            id: 7,
            board_id: 1,
            column_id: 10,
            title: "Ship".into(),
            description: String::new(),
            description_html: String::new(),
            position: 0,
            assignee_id: Some(3),
            created_by: 3,
            created_at: 1,
            updated_at: 1,
            comment_count: 0,
            version: 1,
            updated_by: None,
            assignee_ids: vec![3],
            due_at: None,
            done_at: None,
            labels: vec![5],
            checklist: ChecklistProgress::default(),
            archived_at: None,
        }
    }

    #[test]
    fn a_move_across_columns_with_edits_is_each_thing_it_did() {
        let before = card();
        let mut after = card();
        after.column_id = 11;
        after.position = 4;
        after.title = "Ship it".into();
        after.assignee_ids = vec![4];
        after.due_at = Some(99);
        after.done_at = Some(100);
        after.labels = vec![6];
        let got = deltas(
            Some(&before),
            &BoardChange::TaskMoved {
                task: after.clone(),
            },
        );
        assert_eq!(
            got,
            vec![
                Delta::Moved { from: 10, to: 11 },
                Delta::Renamed {
                    from: "Ship".into(),
                    to: "Ship it".into()
                },
                Delta::Assigned(vec![4]),
                Delta::Unassigned(vec![3]),
                Delta::DueSet(Some(99)),
                Delta::Done,
                Delta::Labelled(6),
                Delta::Unlabelled(5),
            ]
        );
    }

    #[test]
    fn reordering_within_a_column_is_not_history() {
        let before = card();
        let mut after = card();
        after.position = 3;
        assert!(deltas(Some(&before), &BoardChange::TaskMoved { task: after }).is_empty());
    }

    #[test]
    fn stored_entries_read_back_and_unknown_kinds_are_skipped() {
        let row = r#"{"kind":"moved","from":"To do","to":"Done"}"#;
        let stored: StoredActivity = serde_json::from_str(row).unwrap();
        assert_eq!(
            stored.into_wire(),
            Some(ActivityWhat::Moved {
                from_column: "To do".into(),
                to_column: "Done".into()
            })
        );
        let newer: StoredActivity = serde_json::from_str(r#"{"kind":"teleported"}"#).unwrap();
        assert_eq!(newer.into_wire(), None);
    }
}
