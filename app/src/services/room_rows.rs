//! A room as stored: the columns every room query reads and the row they
//! come back as, for board rooms (`chat`) and direct messages
//! (`direct_messages`, which `chat` asks and which must not ask it back).

use crate::model::Room;

/// A room as stored (the columns of [`ROOM_COLUMNS`]).
#[derive(sqlx::FromRow)]
pub(crate) struct RoomRow {
    id: i64,
    board_id: Option<i64>,
    name: String,
    description: String,
    created_by: i64,
    created_at: i64,
    archived_at: Option<i64>,
    is_private: i64,
    is_default: i64,
}

pub(crate) const ROOM_COLUMNS: &str =
    "r.id, r.board_id, r.name, r.description, r.created_by, r.created_at,
     r.archived_at, r.is_private, r.is_default";

/// A room list's count of what `m` (the reader's membership row) has not
/// read: messages the room lists (not replies kept to their pane) after the
/// read pointer, not by the reader (`user`, a placeholder such as `$2`).
pub(crate) fn unread_of(user: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM chat_messages msg
          WHERE msg.room_id = r.id AND msg.in_room = 1 AND msg.id > m.last_read_id
            AND msg.author_id <> {user})"
    )
}

/// A room list's newest message the room lists, as `last_message_id`.
pub(crate) const LAST_MESSAGE_ID: &str = "(SELECT MAX(msg.id) FROM chat_messages msg
      WHERE msg.room_id = r.id AND msg.in_room = 1) AS last_message_id";

impl From<RoomRow> for Room {
    fn from(r: RoomRow) -> Self {
        Room {
            id: r.id,
            board_id: r.board_id,
            name: r.name,
            description: r.description,
            created_by: r.created_by,
            created_at: r.created_at,
            archived_at: r.archived_at,
            is_private: r.is_private != 0,
            is_default: r.is_default != 0,
        }
    }
}
