//! The kanban's depth: labels, checklists, a card's history and "My tasks"
//! (what the API returns and takes; cards themselves are `model::Task`).

use serde::{Deserialize, Serialize};

use super::{present, Change, Task, User};

/// The colours a label can have: ten that stay readable with white text and
/// tell apart for most colour-blind people when paired with the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelColor {
    Red,
    Orange,
    Yellow,
    Green,
    Teal,
    Blue,
    Purple,
    Pink,
    Brown,
    Gray,
}

impl LabelColor {
    pub const ALL: [LabelColor; 10] = [
        Self::Red,
        Self::Orange,
        Self::Yellow,
        Self::Green,
        Self::Teal,
        Self::Blue,
        Self::Purple,
        Self::Pink,
        Self::Brown,
        Self::Gray,
    ];

    /// The names, in the order of [`Self::ALL`] (the variants' own order).
    const NAMES: [&'static str; 10] = [
        "red", "orange", "yellow", "green", "teal", "blue", "purple", "pink", "brown", "gray",
    ];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Read by name through [`LabelColor::parse`], the one list of names: the
/// derive compiled a second matcher (and byte and index forms) into the
/// browser.
impl<'de> Deserialize<'de> for LabelColor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&name).ok_or_else(|| serde::de::Error::unknown_variant(&name, &Self::NAMES))
    }
}

/// A label of a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub id: i64,
    pub board_id: i64,
    pub name: String,
    pub color: LabelColor,
}

/// A new label (`POST /api/boards/{id}/labels`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLabel {
    pub name: String,
    pub color: LabelColor,
}

/// Changes to a label (`PATCH /api/labels/{id}`); absent fields stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelPatch {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub color: Option<LabelColor>,
}

/// How far a card's checklist is: `done` of `total` items ticked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistProgress {
    pub done: i64,
    pub total: i64,
}

/// One item of a card's checklist. `position` is 0-based and contiguous.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub id: i64,
    pub task_id: i64,
    pub text: String,
    pub done: bool,
    pub position: i64,
    /// The member who does it, if anyone.
    pub assignee_id: Option<i64>,
    /// When it is due (Unix ms), if ever.
    pub due_at: Option<i64>,
    pub created_by: i64,
    pub created_at: i64,
}

/// A new checklist item (`POST /api/tasks/{id}/checklist`), at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewChecklistItem {
    pub text: String,
}

/// Changes to a checklist item (`PATCH /api/checklist/{id}`); absent fields
/// stay, `null` clears `assignee_id` and `due_at`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistPatch {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub text: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub done: Option<bool>,
    /// Where it goes in the list (clamped to the list).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub position: Option<i64>,
    #[serde(default, skip_serializing_if = "Change::is_keep")]
    pub assignee_id: Change<i64>,
    #[serde(default, skip_serializing_if = "Change::is_keep")]
    pub due_at: Change<i64>,
}

/// What happened to a card, as its history shows it. Column and label names
/// are as they were then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActivityWhat {
    Created {
        column: String,
    },
    Moved {
        from_column: String,
        to_column: String,
    },
    Renamed {
        from: String,
        to: String,
    },
    DescriptionChanged,
    Assigned {
        user_ids: Vec<i64>,
    },
    Unassigned {
        user_ids: Vec<i64>,
    },
    DueSet {
        due_at: Option<i64>,
    },
    Done,
    Reopened,
    Labelled {
        label: String,
    },
    Unlabelled {
        label: String,
    },
    Archived,
    Restored,
}

/// One entry of a card's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskActivity {
    pub id: i64,
    pub task_id: i64,
    /// Who did it (`None` once their account is gone).
    pub actor: Option<User>,
    pub at: i64,
    /// The board change it came from (0: before history was kept).
    pub seq: i64,
    #[serde(flatten)]
    pub what: ActivityWhat,
}

/// A page of a card's history, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub activity: Vec<TaskActivity>,
    /// Whether older entries exist (ask again with `before` = the first id).
    pub has_more: bool,
}

/// One line of a card's timeline in its dialog: its comments and its history
/// together, already phrased ("moved this card from To do to Doing"), so
/// the browser only shows them. A due date is left to the browser, to show
/// in the reader's time zone after `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: i64,
    /// Who did it (`None` once their account is gone).
    pub actor: Option<String>,
    pub text: String,
    /// The date a "set the due date to" line names.
    pub due_at: Option<i64>,
    /// A comment (its text is the comment's beginning, quoted).
    pub comment: bool,
}

/// A card assigned to the caller, with where it lives (`GET /api/me/tasks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyTask {
    pub task: Task,
    pub board_name: String,
    pub column_name: String,
}

/// What a board keeps archived (`GET /api/boards/{id}/archive`): cards and
/// columns to restore or delete for good, most recently archived first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardArchive {
    pub tasks: Vec<Task>,
    pub columns: Vec<ArchivedColumn>,
}

/// An archived column and how many cards went with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedColumn {
    pub column: super::Column,
    pub archived_at: i64,
    pub task_count: i64,
}

#[cfg(test)]
mod tests {
    use super::LabelColor;

    #[test]
    fn label_colours_read_back_by_name_and_refuse_others() {
        for color in LabelColor::ALL {
            let json = serde_json::to_string(&color).unwrap();
            assert_eq!(json, format!("\"{}\"", color.as_str()));
            assert_eq!(serde_json::from_str::<LabelColor>(&json).unwrap(), color);
        }
        let err = serde_json::from_str::<LabelColor>("\"mauve\"").unwrap_err();
        assert!(err.to_string().contains("unknown variant `mauve`"), "{err}");
        assert!(err.to_string().contains("gray"), "{err}");
        assert!(serde_json::from_str::<LabelColor>("3").is_err());
        assert!(serde_json::from_str::<LabelColor>("\"Red\"").is_err());
    }
}
