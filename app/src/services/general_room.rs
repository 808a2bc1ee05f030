//! Every board's `#general`: the one room everyone on the board is in.
//!
//! It is made with the board and joined with the board (in the same
//! transaction as the board or the membership, so nobody is ever on a board
//! without it), and it cannot be left, archived, deleted or made private.
//! Boards made before it existed got theirs from the migration that added
//! public rooms. This module stands apart from `boards` and `chat` so that
//! both can use it without importing each other.

use sqlx::{Any, Transaction};

use super::storage::now_ms;
use crate::error::AppResult;

/// The default room's name on a new board.
pub const NAME: &str = "general";
/// What it says about itself.
pub const DESCRIPTION: &str = "Everyone on this board.";

/// Makes the `#general` of a new board, with its owner in it.
pub async fn create(
    tx: &mut Transaction<'static, Any>,
    board_id: i64,
    owner_id: i64,
) -> AppResult<i64> {
    let now = now_ms();
    let room_id: i64 = sqlx::query_scalar(
        "INSERT INTO chat_rooms (board_id, name, name_key, description, created_by, created_at,
                                 is_private, is_default)
         VALUES ($1, $2, $2, $3, $4, $5, 0, 1) RETURNING id",
    )
    .bind(board_id)
    .bind(NAME)
    .bind(DESCRIPTION)
    .bind(owner_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO chat_room_members (room_id, user_id, added_at) VALUES ($1, $2, $3)")
        .bind(room_id)
        .bind(owner_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(room_id)
}

/// Puts a new board member in the board's `#general` (read pointer at its
/// current end: no backlog of "unread"). The room's id, if the board has one.
pub async fn join(
    tx: &mut Transaction<'static, Any>,
    board_id: i64,
    user_id: i64,
) -> AppResult<Option<i64>> {
    let room_id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM chat_rooms WHERE board_id = $1 AND is_default = 1")
            .bind(board_id)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(room_id) = room_id else {
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO chat_room_members (room_id, user_id, added_at, last_read_id)
         SELECT $1, $2, $3, (SELECT COALESCE(MAX(id), 0) FROM chat_messages WHERE room_id = $1)
         WHERE NOT EXISTS (SELECT 1 FROM chat_room_members WHERE room_id = $1 AND user_id = $2)",
    )
    .bind(room_id)
    .bind(user_id)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(Some(room_id))
}
