//! What is kept in the database as JSON, in types of its own.
//!
//! A board's changes are kept for a week so that a tab that was offline can
//! replay them. They are stored in these types, not in the wire's
//! (`protocol::BoardChange`): renaming a field of the protocol then changes
//! only the mapping below, and rows written last week still read. Every row
//! carries its format version (`"v"`, absent in rows written before it
//! existed: those are version 1). A change to a stored type that old rows
//! would not survive needs a new version here, and the golden rows in the
//! tests (one row of every kind, as written by each version) fail until it
//! has one.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::model::{
    ChecklistItem, ChecklistProgress, Column, Label, LabelColor, Member, Role, Task, User,
};
use crate::protocol::BoardChange;

/// The format version this build writes.
pub const BOARD_CHANGE_VERSION: u32 = 1;

/// One stored board change, as a row's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredRow {
    #[serde(default = "version_one")]
    v: u32,
    #[serde(flatten)]
    change: StoredBoardChange,
}

fn version_one() -> u32 {
    1
}

/// A board change as stored (version 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum StoredBoardChange {
    TaskCreated {
        task: StoredTask,
    },
    TaskEdited {
        task: StoredTask,
    },
    TaskMoved {
        task: StoredTask,
    },
    TaskDeleted {
        task_id: i64,
        column_id: i64,
    },
    ColumnCreated {
        column: StoredColumn,
    },
    ColumnRenamed {
        column: StoredColumn,
    },
    ColumnMoved {
        column: StoredColumn,
    },
    ColumnDeleted {
        column_id: i64,
    },
    MemberAdded {
        member: StoredMember,
    },
    MemberRoleChanged {
        member: StoredMember,
    },
    MemberRemoved {
        user_id: i64,
        unassigned: Vec<i64>,
    },
    BoardRenamed {
        name: String,
    },
    BoardDeleted,
    TaskArchived {
        task: StoredTask,
    },
    TaskRestored {
        task: StoredTask,
    },
    ColumnArchived {
        column_id: i64,
    },
    ColumnRestored {
        column: StoredColumn,
        tasks: Vec<StoredTask>,
    },
    BoardArchived {
        archived_at: Option<i64>,
    },
    LabelSaved {
        label: StoredLabel,
    },
    LabelDeleted {
        label_id: i64,
    },
    ChecklistChanged {
        task: StoredTask,
        items: Vec<StoredChecklistItem>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredTask {
    id: i64,
    board_id: i64,
    column_id: i64,
    title: String,
    /// (Its HTML is not stored: rendered when read, so the log keeps one
    /// copy of a description, and rows from before Markdown read the same.)
    description: String,
    position: i64,
    assignee_id: Option<i64>,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
    #[serde(default)]
    comment_count: i64,
    #[serde(default = "first_version")]
    version: i64,
    /// (Absent in rows written before it existed.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    updated_by: Option<i64>,
    // The kanban's depth (absent in rows written before it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    assignee_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    due_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    done_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    labels: Vec<i64>,
    #[serde(default, skip_serializing_if = "is_zero")]
    checklist_done: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    checklist_total: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    archived_at: Option<i64>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredLabel {
    id: i64,
    board_id: i64,
    name: String,
    /// One of `LabelColor`'s names; an unknown one reads as gray.
    color: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredChecklistItem {
    id: i64,
    task_id: i64,
    text: String,
    done: bool,
    position: i64,
    assignee_id: Option<i64>,
    due_at: Option<i64>,
    created_by: i64,
    created_at: i64,
}

fn first_version() -> i64 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredColumn {
    id: i64,
    board_id: i64,
    name: String,
    position: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredMember {
    user: StoredUser,
    role: StoredRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredUser {
    id: i64,
    username: String,
    display_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum StoredRole {
    Owner,
    Member,
}

/// A board change as a row's JSON (in this build's format version).
pub fn encode_board_change(change: &BoardChange) -> AppResult<String> {
    let row = StoredRow {
        v: BOARD_CHANGE_VERSION,
        change: StoredBoardChange::from(change.clone()),
    };
    serde_json::to_string(&row)
        .map_err(|e| AppError::Internal(format!("board change to JSON: {e}")))
}

/// A stored row's JSON back as the wire's board change.
pub fn decode_board_change(json: &str) -> AppResult<BoardChange> {
    let row: StoredRow = serde_json::from_str(json)
        .map_err(|e| AppError::Internal(format!("unreadable stored board change: {e}")))?;
    if row.v != BOARD_CHANGE_VERSION {
        return Err(AppError::Internal(format!(
            "stored board change of format version {} (this build reads {BOARD_CHANGE_VERSION})",
            row.v
        )));
    }
    Ok(row.change.into())
}

impl From<BoardChange> for StoredBoardChange {
    fn from(change: BoardChange) -> Self {
        match change {
            BoardChange::TaskCreated { task } => Self::TaskCreated { task: task.into() },
            BoardChange::TaskEdited { task } => Self::TaskEdited { task: task.into() },
            BoardChange::TaskMoved { task } => Self::TaskMoved { task: task.into() },
            BoardChange::TaskDeleted { task_id, column_id } => {
                Self::TaskDeleted { task_id, column_id }
            }
            BoardChange::ColumnCreated { column } => Self::ColumnCreated {
                column: column.into(),
            },
            BoardChange::ColumnRenamed { column } => Self::ColumnRenamed {
                column: column.into(),
            },
            BoardChange::ColumnMoved { column } => Self::ColumnMoved {
                column: column.into(),
            },
            BoardChange::ColumnDeleted { column_id } => Self::ColumnDeleted { column_id },
            BoardChange::MemberAdded { member } => Self::MemberAdded {
                member: member.into(),
            },
            BoardChange::MemberRoleChanged { member } => Self::MemberRoleChanged {
                member: member.into(),
            },
            BoardChange::MemberRemoved {
                user_id,
                unassigned,
            } => Self::MemberRemoved {
                user_id,
                unassigned,
            },
            BoardChange::BoardRenamed { name } => Self::BoardRenamed { name },
            BoardChange::BoardDeleted => Self::BoardDeleted,
            BoardChange::TaskArchived { task } => Self::TaskArchived { task: task.into() },
            BoardChange::TaskRestored { task } => Self::TaskRestored { task: task.into() },
            BoardChange::ColumnArchived { column_id } => Self::ColumnArchived { column_id },
            BoardChange::ColumnRestored { column, tasks } => Self::ColumnRestored {
                column: column.into(),
                tasks: tasks.into_iter().map(Into::into).collect(),
            },
            BoardChange::BoardArchived { archived_at } => Self::BoardArchived { archived_at },
            BoardChange::LabelSaved { label } => Self::LabelSaved {
                label: label.into(),
            },
            BoardChange::LabelDeleted { label_id } => Self::LabelDeleted { label_id },
            BoardChange::ChecklistChanged { task, items } => Self::ChecklistChanged {
                task: task.into(),
                items: items.into_iter().map(Into::into).collect(),
            },
        }
    }
}

impl From<StoredBoardChange> for BoardChange {
    fn from(change: StoredBoardChange) -> Self {
        use StoredBoardChange as S;
        match change {
            S::TaskCreated { task } => Self::TaskCreated { task: task.into() },
            S::TaskEdited { task } => Self::TaskEdited { task: task.into() },
            S::TaskMoved { task } => Self::TaskMoved { task: task.into() },
            S::TaskDeleted { task_id, column_id } => Self::TaskDeleted { task_id, column_id },
            S::ColumnCreated { column } => Self::ColumnCreated {
                column: column.into(),
            },
            S::ColumnRenamed { column } => Self::ColumnRenamed {
                column: column.into(),
            },
            S::ColumnMoved { column } => Self::ColumnMoved {
                column: column.into(),
            },
            S::ColumnDeleted { column_id } => Self::ColumnDeleted { column_id },
            S::MemberAdded { member } => Self::MemberAdded {
                member: member.into(),
            },
            S::MemberRoleChanged { member } => Self::MemberRoleChanged {
                member: member.into(),
            },
            S::MemberRemoved {
                user_id,
                unassigned,
            } => Self::MemberRemoved {
                user_id,
                unassigned,
            },
            S::BoardRenamed { name } => Self::BoardRenamed { name },
            S::BoardDeleted => Self::BoardDeleted,
            S::TaskArchived { task } => Self::TaskArchived { task: task.into() },
            S::TaskRestored { task } => Self::TaskRestored { task: task.into() },
            S::ColumnArchived { column_id } => Self::ColumnArchived { column_id },
            S::ColumnRestored { column, tasks } => Self::ColumnRestored {
                column: column.into(),
                tasks: tasks.into_iter().map(Into::into).collect(),
            },
            S::BoardArchived { archived_at } => Self::BoardArchived { archived_at },
            S::LabelSaved { label } => Self::LabelSaved {
                label: label.into(),
            },
            S::LabelDeleted { label_id } => Self::LabelDeleted { label_id },
            S::ChecklistChanged { task, items } => Self::ChecklistChanged {
                task: task.into(),
                items: items.into_iter().map(Into::into).collect(),
            },
        }
    }
}

impl From<Task> for StoredTask {
    fn from(t: Task) -> Self {
        Self {
            id: t.id,
            board_id: t.board_id,
            column_id: t.column_id,
            title: t.title,
            description: t.description,
            position: t.position,
            assignee_id: t.assignee_id,
            created_by: t.created_by,
            created_at: t.created_at,
            updated_at: t.updated_at,
            comment_count: t.comment_count,
            version: t.version,
            updated_by: t.updated_by,
            // One person is `assignee_id` already; the list is kept for several.
            assignee_ids: if t.assignee_ids.len() > 1 {
                t.assignee_ids
            } else {
                Vec::new()
            },
            due_at: t.due_at,
            done_at: t.done_at,
            labels: t.labels,
            checklist_done: t.checklist.done,
            checklist_total: t.checklist.total,
            archived_at: t.archived_at,
        }
    }
}

impl From<StoredTask> for Task {
    fn from(t: StoredTask) -> Self {
        Self {
            id: t.id,
            board_id: t.board_id,
            column_id: t.column_id,
            title: t.title,
            description_html: super::markdown::render_description(&t.description),
            description: t.description,
            position: t.position,
            assignee_id: t.assignee_id,
            created_by: t.created_by,
            created_at: t.created_at,
            updated_at: t.updated_at,
            comment_count: t.comment_count,
            version: t.version,
            updated_by: t.updated_by,
            // Rows from before several assignees: the one there was.
            assignee_ids: if t.assignee_ids.is_empty() {
                t.assignee_id.into_iter().collect()
            } else {
                t.assignee_ids
            },
            due_at: t.due_at,
            done_at: t.done_at,
            labels: t.labels,
            checklist: ChecklistProgress {
                done: t.checklist_done,
                total: t.checklist_total,
            },
            archived_at: t.archived_at,
        }
    }
}

impl From<Label> for StoredLabel {
    fn from(l: Label) -> Self {
        Self {
            id: l.id,
            board_id: l.board_id,
            name: l.name,
            color: l.color.as_str().to_string(),
        }
    }
}

impl From<StoredLabel> for Label {
    fn from(l: StoredLabel) -> Self {
        Self {
            id: l.id,
            board_id: l.board_id,
            name: l.name,
            color: LabelColor::parse(&l.color).unwrap_or(LabelColor::Gray),
        }
    }
}

impl From<ChecklistItem> for StoredChecklistItem {
    fn from(i: ChecklistItem) -> Self {
        let ChecklistItem {
            id,
            task_id,
            text,
            done,
            position,
            assignee_id,
            due_at,
            created_by,
            created_at,
        } = i;
        Self {
            id,
            task_id,
            text,
            done,
            position,
            assignee_id,
            due_at,
            created_by,
            created_at,
        }
    }
}

impl From<StoredChecklistItem> for ChecklistItem {
    fn from(i: StoredChecklistItem) -> Self {
        let StoredChecklistItem {
            id,
            task_id,
            text,
            done,
            position,
            assignee_id,
            due_at,
            created_by,
            created_at,
        } = i;
        Self {
            id,
            task_id,
            text,
            done,
            position,
            assignee_id,
            due_at,
            created_by,
            created_at,
        }
    }
}

impl From<Column> for StoredColumn {
    fn from(c: Column) -> Self {
        Self {
            id: c.id,
            board_id: c.board_id,
            name: c.name,
            position: c.position,
        }
    }
}

impl From<StoredColumn> for Column {
    fn from(c: StoredColumn) -> Self {
        Self {
            id: c.id,
            board_id: c.board_id,
            name: c.name,
            position: c.position,
        }
    }
}

impl From<Member> for StoredMember {
    fn from(m: Member) -> Self {
        Self {
            user: StoredUser {
                id: m.user.id,
                username: m.user.username,
                display_name: m.user.display_name,
            },
            role: match m.role {
                Role::Owner => StoredRole::Owner,
                Role::Member => StoredRole::Member,
            },
        }
    }
}

impl From<StoredMember> for Member {
    fn from(m: StoredMember) -> Self {
        Self {
            user: User {
                id: m.user.id,
                username: m.user.username,
                display_name: m.user.display_name,
            },
            role: match m.role {
                StoredRole::Owner => Role::Owner,
                StoredRole::Member => Role::Member,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task() -> Task {
        Task {
            id: 7,
            board_id: 2,
            column_id: 3,
            title: "Ship it".into(),
            description: "by Friday".into(),
            // (Rendered when read, never stored.)
            description_html: "<p>by Friday</p>".into(),
            position: 1,
            assignee_id: Some(4),
            created_by: 4,
            created_at: 1_764_000_000_000,
            updated_at: 1_764_000_100_000,
            comment_count: 2,
            version: 3,
            assignee_ids: vec![4],
            ..Task::default()
        }
    }

    /// A card with every field of the kanban's depth set.
    fn kanban_task() -> Task {
        Task {
            assignee_ids: vec![4, 5],
            due_at: Some(1_800_000_000_000),
            done_at: Some(1_790_000_000_000),
            labels: vec![8, 9],
            checklist: ChecklistProgress { done: 1, total: 3 },
            archived_at: Some(1_795_000_000_000),
            ..task()
        }
    }

    fn column() -> Column {
        Column {
            id: 3,
            board_id: 2,
            name: "Doing".into(),
            position: 1,
        }
    }

    /// One row of every kind, exactly as written before rows carried a
    /// version (the wire's JSON of that time), and as this version writes
    /// them. A stored type changed so that these no longer read, or read
    /// differently, fails here: give it a new format version instead.
    fn golden_rows() -> Vec<(&'static str, &'static str, BoardChange)> {
        vec![
            (
                r#"{"kind":"task_created","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3}}"#,
                r#"{"v":1,"kind":"task_created","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3}}"#,
                BoardChange::TaskCreated { task: task() },
            ),
            (
                r#"{"kind":"task_edited","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3}}"#,
                r#"{"v":1,"kind":"task_edited","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3}}"#,
                BoardChange::TaskEdited { task: task() },
            ),
            (
                // Written since tasks say who changed them last.
                r#"{"v":1,"kind":"task_edited","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3,"updated_by":5}}"#,
                r#"{"v":1,"kind":"task_edited","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3,"updated_by":5}}"#,
                BoardChange::TaskEdited {
                    task: Task {
                        updated_by: Some(5),
                        ..task()
                    },
                },
            ),
            (
                // Written before tasks had a comment count and a version.
                r#"{"kind":"task_moved","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000}}"#,
                r#"{"v":1,"kind":"task_moved","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":0,"version":1}}"#,
                BoardChange::TaskMoved {
                    task: Task {
                        comment_count: 0,
                        version: 1,
                        ..task()
                    },
                },
            ),
            (
                r#"{"kind":"task_deleted","task_id":7,"column_id":3}"#,
                r#"{"v":1,"kind":"task_deleted","task_id":7,"column_id":3}"#,
                BoardChange::TaskDeleted {
                    task_id: 7,
                    column_id: 3,
                },
            ),
            (
                r#"{"kind":"column_created","column":{"id":3,"board_id":2,"name":"Doing","position":1}}"#,
                r#"{"v":1,"kind":"column_created","column":{"id":3,"board_id":2,"name":"Doing","position":1}}"#,
                BoardChange::ColumnCreated { column: column() },
            ),
            (
                r#"{"kind":"column_renamed","column":{"id":3,"board_id":2,"name":"Doing","position":1}}"#,
                r#"{"v":1,"kind":"column_renamed","column":{"id":3,"board_id":2,"name":"Doing","position":1}}"#,
                BoardChange::ColumnRenamed { column: column() },
            ),
            (
                r#"{"kind":"column_moved","column":{"id":3,"board_id":2,"name":"Doing","position":1}}"#,
                r#"{"v":1,"kind":"column_moved","column":{"id":3,"board_id":2,"name":"Doing","position":1}}"#,
                BoardChange::ColumnMoved { column: column() },
            ),
            (
                r#"{"kind":"column_deleted","column_id":3}"#,
                r#"{"v":1,"kind":"column_deleted","column_id":3}"#,
                BoardChange::ColumnDeleted { column_id: 3 },
            ),
            (
                r#"{"kind":"member_added","member":{"user":{"id":4,"username":"ann","display_name":"Ann"},"role":"member"}}"#,
                r#"{"v":1,"kind":"member_added","member":{"user":{"id":4,"username":"ann","display_name":"Ann"},"role":"member"}}"#,
                BoardChange::MemberAdded {
                    member: Member {
                        user: User {
                            id: 4,
                            username: "ann".into(),
                            display_name: "Ann".into(),
                        },
                        role: Role::Member,
                    },
                },
            ),
            (
                // (New in version 1: no row was ever written without `v`.)
                r#"{"v":1,"kind":"member_role_changed","member":{"user":{"id":4,"username":"ann","display_name":"Ann"},"role":"owner"}}"#,
                r#"{"v":1,"kind":"member_role_changed","member":{"user":{"id":4,"username":"ann","display_name":"Ann"},"role":"owner"}}"#,
                BoardChange::MemberRoleChanged {
                    member: Member {
                        user: User {
                            id: 4,
                            username: "ann".into(),
                            display_name: "Ann".into(),
                        },
                        role: Role::Owner,
                    },
                },
            ),
            (
                r#"{"kind":"member_removed","user_id":4,"unassigned":[7,9]}"#,
                r#"{"v":1,"kind":"member_removed","user_id":4,"unassigned":[7,9]}"#,
                BoardChange::MemberRemoved {
                    user_id: 4,
                    unassigned: vec![7, 9],
                },
            ),
            (
                r#"{"kind":"board_renamed","name":"Launch"}"#,
                r#"{"v":1,"kind":"board_renamed","name":"Launch"}"#,
                BoardChange::BoardRenamed {
                    name: "Launch".into(),
                },
            ),
            (
                r#"{"kind":"board_deleted"}"#,
                r#"{"v":1,"kind":"board_deleted"}"#,
                BoardChange::BoardDeleted,
            ),
            // The kanban's depth (new in version 1 too: every field a card
            // gained, and every new kind).
            (
                r#"{"v":1,"kind":"task_archived","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3,"assignee_ids":[4,5],"due_at":1800000000000,"done_at":1790000000000,"labels":[8,9],"checklist_done":1,"checklist_total":3,"archived_at":1795000000000}}"#,
                r#"{"v":1,"kind":"task_archived","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3,"assignee_ids":[4,5],"due_at":1800000000000,"done_at":1790000000000,"labels":[8,9],"checklist_done":1,"checklist_total":3,"archived_at":1795000000000}}"#,
                BoardChange::TaskArchived {
                    task: kanban_task(),
                },
            ),
            (
                r#"{"v":1,"kind":"task_restored","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3}}"#,
                r#"{"v":1,"kind":"task_restored","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3}}"#,
                BoardChange::TaskRestored { task: task() },
            ),
            (
                r#"{"v":1,"kind":"column_archived","column_id":3}"#,
                r#"{"v":1,"kind":"column_archived","column_id":3}"#,
                BoardChange::ColumnArchived { column_id: 3 },
            ),
            (
                r#"{"v":1,"kind":"column_restored","column":{"id":3,"board_id":2,"name":"Doing","position":1},"tasks":[{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3}]}"#,
                r#"{"v":1,"kind":"column_restored","column":{"id":3,"board_id":2,"name":"Doing","position":1},"tasks":[{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3}]}"#,
                BoardChange::ColumnRestored {
                    column: column(),
                    tasks: vec![task()],
                },
            ),
            (
                r#"{"v":1,"kind":"board_archived","archived_at":1795000000000}"#,
                r#"{"v":1,"kind":"board_archived","archived_at":1795000000000}"#,
                BoardChange::BoardArchived {
                    archived_at: Some(1_795_000_000_000),
                },
            ),
            (
                r#"{"v":1,"kind":"label_saved","label":{"id":8,"board_id":2,"name":"Bug","color":"red"}}"#,
                r#"{"v":1,"kind":"label_saved","label":{"id":8,"board_id":2,"name":"Bug","color":"red"}}"#,
                BoardChange::LabelSaved {
                    label: Label {
                        id: 8,
                        board_id: 2,
                        name: "Bug".into(),
                        color: LabelColor::Red,
                    },
                },
            ),
            (
                r#"{"v":1,"kind":"label_deleted","label_id":8}"#,
                r#"{"v":1,"kind":"label_deleted","label_id":8}"#,
                BoardChange::LabelDeleted { label_id: 8 },
            ),
            (
                r#"{"v":1,"kind":"checklist_changed","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3},"items":[{"id":1,"task_id":7,"text":"Tag","done":true,"position":0,"assignee_id":4,"due_at":null,"created_by":4,"created_at":1764000000000}]}"#,
                r#"{"v":1,"kind":"checklist_changed","task":{"id":7,"board_id":2,"column_id":3,"title":"Ship it","description":"by Friday","position":1,"assignee_id":4,"created_by":4,"created_at":1764000000000,"updated_at":1764000100000,"comment_count":2,"version":3},"items":[{"id":1,"task_id":7,"text":"Tag","done":true,"position":0,"assignee_id":4,"due_at":null,"created_by":4,"created_at":1764000000000}]}"#,
                BoardChange::ChecklistChanged {
                    task: task(),
                    items: vec![ChecklistItem {
                        id: 1,
                        task_id: 7,
                        text: "Tag".into(),
                        done: true,
                        position: 0,
                        assignee_id: Some(4),
                        due_at: None,
                        created_by: 4,
                        created_at: 1_764_000_000_000,
                    }],
                },
            ),
        ]
    }

    #[test]
    fn golden_rows_of_every_kind_still_read() {
        for (before_versions, version_1, wire) in golden_rows() {
            assert_eq!(
                decode_board_change(before_versions).unwrap(),
                wire,
                "{before_versions}"
            );
            assert_eq!(decode_board_change(version_1).unwrap(), wire, "{version_1}");
        }
    }

    #[test]
    fn this_version_writes_the_golden_rows() {
        for (_, version_1, wire) in golden_rows() {
            let written: serde_json::Value =
                serde_json::from_str(&encode_board_change(&wire).unwrap()).unwrap();
            let golden: serde_json::Value = serde_json::from_str(version_1).unwrap();
            assert_eq!(written, golden);
        }
    }

    /// Every kind of change, named: a new kind does not compile here until
    /// it is added, and then the test below wants its golden row.
    fn kind_of(change: &BoardChange) -> &'static str {
        match change {
            BoardChange::TaskCreated { .. } => "task_created",
            BoardChange::TaskEdited { .. } => "task_edited",
            BoardChange::TaskMoved { .. } => "task_moved",
            BoardChange::TaskDeleted { .. } => "task_deleted",
            BoardChange::ColumnCreated { .. } => "column_created",
            BoardChange::ColumnRenamed { .. } => "column_renamed",
            BoardChange::ColumnMoved { .. } => "column_moved",
            BoardChange::ColumnDeleted { .. } => "column_deleted",
            BoardChange::MemberAdded { .. } => "member_added",
            BoardChange::MemberRoleChanged { .. } => "member_role_changed",
            BoardChange::MemberRemoved { .. } => "member_removed",
            BoardChange::BoardRenamed { .. } => "board_renamed",
            BoardChange::BoardDeleted => "board_deleted",
            BoardChange::TaskArchived { .. } => "task_archived",
            BoardChange::TaskRestored { .. } => "task_restored",
            BoardChange::ColumnArchived { .. } => "column_archived",
            BoardChange::ColumnRestored { .. } => "column_restored",
            BoardChange::BoardArchived { .. } => "board_archived",
            BoardChange::LabelSaved { .. } => "label_saved",
            BoardChange::LabelDeleted { .. } => "label_deleted",
            BoardChange::ChecklistChanged { .. } => "checklist_changed",
        }
    }

    #[test]
    fn every_kind_has_a_golden_row() {
        let all = [
            "task_created",
            "task_edited",
            "task_moved",
            "task_deleted",
            "column_created",
            "column_renamed",
            "column_moved",
            "column_deleted",
            "member_added",
            "member_role_changed",
            "member_removed",
            "board_renamed",
            "board_deleted",
            "task_archived",
            "task_restored",
            "column_archived",
            "column_restored",
            "board_archived",
            "label_saved",
            "label_deleted",
            "checklist_changed",
        ];
        let covered: std::collections::BTreeSet<&str> = golden_rows()
            .iter()
            .map(|(_, _, wire)| kind_of(wire))
            .collect();
        for kind in all {
            assert!(covered.contains(kind), "no golden row for {kind}");
        }
    }

    #[test]
    fn a_newer_format_is_refused_not_misread() {
        let err = decode_board_change(r#"{"v":2,"kind":"board_renamed","name":"x"}"#);
        assert!(err.is_err());
    }
}
