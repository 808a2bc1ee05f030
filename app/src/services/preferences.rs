//! Notification preferences: per board, room and task, which notifications
//! reach someone (`all`, only `mentions`, `nothing`) and whether a room is
//! muted (no unread badge; its group calls are ignored unless the person
//! opted in); and the people someone muted (nothing of theirs reaches them).
//!
//! The most specific setting wins: a room's or a task's level over its
//! board's, which is over the default (`all`). Every notification passes
//! [`allowed`] in the transaction that stores it, so no path can forget it.
//! (Reading and changing the settings is `notification_settings`: this
//! module is what `notifications` asks, and depends on nothing above it.)
//! Mentions are personal (`chat_mention`, `comment_mention`, and every
//! message of a direct message, `direct_message`) or by group
//! (`group_mention`); everything else — assigned, added, comments on a
//! watched card, replies, due dates — needs `all`.

use std::collections::HashMap;

use sqlx::AnyConnection;

use crate::error::AppResult;
use crate::model::{NotificationKind, NotificationPref, NotifyLevel, PrefScope};

/// Where a notification happens, for finding the settings that apply.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    /// `None` in a direct message (only its own, room, settings apply).
    pub board_id: Option<i64>,
    pub room_id: Option<i64>,
    pub task_id: Option<i64>,
}

/// Whether a notification of `kind` gets through, given the person's
/// settings for the place (board's, and the room's or task's).
pub fn lets_through(
    kind: NotificationKind,
    board: Option<&NotificationPref>,
    specific: Option<&NotificationPref>,
) -> bool {
    use NotificationKind as K;
    let level = specific
        .and_then(|p| p.level)
        .or_else(|| board.and_then(|p| p.level))
        .unwrap_or(NotifyLevel::All);
    let muted_room = specific.is_some_and(|p| p.scope == PrefScope::Room && p.muted);
    match kind {
        K::GroupMention if muted_room && !specific.is_some_and(|p| p.group_calls) => false,
        K::GroupMention | K::ChatMention | K::CommentMention | K::DirectMessage => {
            level != NotifyLevel::Nothing
        }
        _ => level == NotifyLevel::All,
    }
}

/// The recipients a notification of `kind` from `sender` at `place` may
/// reach: not those who muted the sender, nor those whose settings there
/// say no. (A reminder's sender is its recipient: never muted.)
pub(crate) async fn allowed(
    conn: &mut AnyConnection,
    kind: NotificationKind,
    sender_id: i64,
    place: Place,
    recipients: &[i64],
) -> AppResult<Vec<i64>> {
    if recipients.is_empty() {
        return Ok(Vec::new());
    }
    let n = recipients.len();
    let list = (0..n)
        .map(|i| format!("${}", i + 4))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT user_id, scope, scope_id, level, muted, group_calls FROM notification_prefs
         WHERE user_id IN ({list})
           AND ((scope = 'board' AND scope_id = $1) OR (scope = 'room' AND scope_id = $2)
                OR (scope = 'task' AND scope_id = $3))"
    );
    let mut query = sqlx::query_as::<_, PrefRow>(&sql)
        .bind(place.board_id)
        .bind(place.room_id.unwrap_or(0))
        .bind(place.task_id.unwrap_or(0));
    for id in recipients {
        query = query.bind(id);
    }
    let mut prefs: HashMap<i64, Vec<NotificationPref>> = HashMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        if let Some(pref) = row.pref() {
            prefs.entry(row.user_id).or_default().push(pref);
        }
    }
    let list = (0..n)
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let sql =
        format!("SELECT user_id FROM muted_people WHERE muted_id = $1 AND user_id IN ({list})");
    let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(sender_id);
    for id in recipients {
        query = query.bind(id);
    }
    let muting: Vec<i64> = query.fetch_all(&mut *conn).await?;
    Ok(recipients
        .iter()
        .copied()
        .filter(|r| *r == sender_id || !muting.contains(r))
        .filter(|r| {
            let mine = prefs.get(r).map(Vec::as_slice).unwrap_or_default();
            let board = mine.iter().find(|p| p.scope == PrefScope::Board);
            let specific = mine.iter().find(|p| p.scope != PrefScope::Board);
            lets_through(kind, board, specific)
        })
        .collect())
}

#[derive(sqlx::FromRow)]
pub(crate) struct PrefRow {
    user_id: i64,
    scope: String,
    scope_id: i64,
    level: Option<String>,
    muted: i64,
    group_calls: i64,
}

impl PrefRow {
    pub(crate) fn pref(&self) -> Option<NotificationPref> {
        Some(NotificationPref {
            scope: PrefScope::parse(&self.scope)?,
            id: self.scope_id,
            level: self.level.as_deref().and_then(NotifyLevel::parse),
            muted: self.muted == 1,
            group_calls: self.group_calls == 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NotificationKind as K;

    fn pref(scope: PrefScope, level: Option<NotifyLevel>, muted: bool) -> NotificationPref {
        NotificationPref {
            scope,
            id: 1,
            level,
            muted,
            group_calls: false,
        }
    }

    #[test]
    fn the_most_specific_setting_wins() {
        let board_quiet = pref(PrefScope::Board, Some(NotifyLevel::Nothing), false);
        let room_all = pref(PrefScope::Room, Some(NotifyLevel::All), false);
        let room_inherits = pref(PrefScope::Room, None, false);
        assert!(!lets_through(K::ChatMention, Some(&board_quiet), None));
        assert!(lets_through(
            K::ChatMention,
            Some(&board_quiet),
            Some(&room_all)
        ));
        assert!(!lets_through(
            K::Reply,
            Some(&board_quiet),
            Some(&room_inherits)
        ));
        assert!(lets_through(K::Assigned, None, None), "all by default");
    }

    #[test]
    fn mentions_only_lets_mentions_through() {
        let mentions = pref(PrefScope::Task, Some(NotifyLevel::Mentions), false);
        assert!(lets_through(K::CommentMention, None, Some(&mentions)));
        assert!(lets_through(K::GroupMention, None, Some(&mentions)));
        assert!(!lets_through(K::TaskComment, None, Some(&mentions)));
        assert!(!lets_through(K::DueSoon, None, Some(&mentions)));
    }

    #[test]
    fn a_muted_room_ignores_group_calls_unless_asked() {
        let mut muted = pref(PrefScope::Room, None, true);
        assert!(!lets_through(K::GroupMention, None, Some(&muted)));
        assert!(lets_through(K::ChatMention, None, Some(&muted)));
        muted.group_calls = true;
        assert!(lets_through(K::GroupMention, None, Some(&muted)));
    }
}
