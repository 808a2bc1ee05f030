//! Notification preferences: per board, room and task, which notifications
//! reach someone (`all`, only `mentions`, `nothing`) and whether a room is
//! muted (no unread badge; its group calls are ignored unless the person
//! opted in); and the people someone muted (nothing of theirs reaches them).
//!
//! The most specific setting wins: a room's or a task's level over its
//! board's, which is over the default (`all`). Every notification passes
//! [`allowed`] in the transaction that stores it, so no path can forget it.
//! Mentions are personal (`chat_mention`, `comment_mention`) or by group
//! (`group_mention`); everything else — assigned, added, comments on a
//! watched card, replies, due dates — needs `all`.

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::boards::role_on;
use super::chat;
use super::storage::now_ms;
use super::tasks;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{
    Change, NotificationKind, NotificationPref, NotificationPrefs, NotifyLevel, PrefChange,
    PrefScope, User,
};

/// Where a notification happens, for finding the settings that apply.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub board_id: i64,
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
        K::GroupMention | K::ChatMention | K::CommentMention => level != NotifyLevel::Nothing,
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
struct PrefRow {
    user_id: i64,
    scope: String,
    scope_id: i64,
    level: Option<String>,
    muted: i64,
    group_calls: i64,
}

impl PrefRow {
    fn pref(&self) -> Option<NotificationPref> {
        Some(NotificationPref {
            scope: PrefScope::parse(&self.scope)?,
            id: self.scope_id,
            level: self.level.as_deref().and_then(NotifyLevel::parse),
            muted: self.muted == 1,
            group_calls: self.group_calls == 1,
        })
    }
}

/// Everything the user set.
#[tracing::instrument(skip_all, fields(user = user.id))]
pub async fn list(svc: &Services, user: &User) -> AppResult<NotificationPrefs> {
    let rows: Vec<PrefRow> = sqlx::query_as(
        "SELECT user_id, scope, scope_id, level, muted, group_calls FROM notification_prefs
         WHERE user_id = $1 ORDER BY scope, scope_id",
    )
    .bind(user.id)
    .fetch_all(&svc.pool)
    .await?;
    let muted_people: Vec<User> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name FROM muted_people m
         JOIN users u ON u.id = m.muted_id WHERE m.user_id = $1 ORDER BY u.username",
    )
    .bind(user.id)
    .fetch_all(&svc.pool)
    .await?;
    Ok(NotificationPrefs {
        preferences: rows.iter().filter_map(PrefRow::pref).collect(),
        muted_people,
    })
}

/// Changes one setting (for a board, room or task the user can see; `404`
/// otherwise). Muting is for rooms. Answers the setting as it is now.
#[tracing::instrument(skip_all, fields(user = user.id, scope = change.scope.as_str(), id = change.id))]
pub async fn set(svc: &Services, user: &User, change: PrefChange) -> AppResult<NotificationPref> {
    match change.scope {
        PrefScope::Board => {
            role_on(&svc.pool, change.id, user.id).await?;
        }
        PrefScope::Room => {
            chat::viewable_room(&svc.pool, change.id, user.id).await?;
        }
        PrefScope::Task => {
            tasks::visible_task(svc, user, change.id).await?;
        }
    }
    if change.scope != PrefScope::Room && (change.muted.is_some() || change.group_calls.is_some()) {
        return Err(AppError::invalid(
            "muted and group_calls are for rooms: a board or task takes a level",
        ));
    }
    let (level_given, level) = match change.level {
        Change::Keep => (0, None),
        Change::Clear => (1, None),
        Change::Set(level) => (1, Some(level.as_str())),
    };
    sqlx::query(
        "INSERT INTO notification_prefs (user_id, scope, scope_id, level, muted, group_calls)
         VALUES ($1, $2, $3, $4, COALESCE($5, 0), COALESCE($6, 0))
         ON CONFLICT (user_id, scope, scope_id) DO UPDATE SET
             level = CASE WHEN $7 = 1 THEN excluded.level ELSE notification_prefs.level END,
             muted = COALESCE($5, notification_prefs.muted),
             group_calls = COALESCE($6, notification_prefs.group_calls)",
    )
    .bind(user.id)
    .bind(change.scope.as_str())
    .bind(change.id)
    .bind(level)
    .bind(change.muted.map(i64::from))
    .bind(change.group_calls.map(i64::from))
    .bind(level_given)
    .execute(&svc.pool)
    .await?;
    let row: PrefRow = sqlx::query_as(
        "SELECT user_id, scope, scope_id, level, muted, group_calls FROM notification_prefs
         WHERE user_id = $1 AND scope = $2 AND scope_id = $3",
    )
    .bind(user.id)
    .bind(change.scope.as_str())
    .bind(change.id)
    .fetch_one(&svc.pool)
    .await?;
    row.pref()
        .ok_or_else(|| AppError::Internal("a stored preference did not read back".into()))
}

/// Mutes (or unmutes) a person: nothing of theirs notifies the user any
/// more. Anyone the user shares a board with; not themselves.
#[tracing::instrument(skip_all, fields(user = user.id, other = other_id, muted = muted))]
pub async fn mute_person(
    svc: &Services,
    user: &User,
    other_id: i64,
    muted: bool,
) -> AppResult<User> {
    if other_id == user.id {
        return Err(AppError::invalid("you cannot mute yourself"));
    }
    let other: Option<User> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name FROM users u
         WHERE u.id = $1 AND EXISTS (
             SELECT 1 FROM board_members a JOIN board_members b ON b.board_id = a.board_id
             WHERE a.user_id = $2 AND b.user_id = u.id)",
    )
    .bind(other_id)
    .bind(user.id)
    .fetch_optional(&svc.pool)
    .await?;
    let other = other.ok_or_else(|| AppError::not_found("user"))?;
    if muted {
        sqlx::query(
            "INSERT INTO muted_people (user_id, muted_id, muted_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, muted_id) DO NOTHING",
        )
        .bind(user.id)
        .bind(other_id)
        .bind(now_ms())
        .execute(&svc.pool)
        .await?;
    } else {
        sqlx::query("DELETE FROM muted_people WHERE user_id = $1 AND muted_id = $2")
            .bind(user.id)
            .bind(other_id)
            .execute(&svc.pool)
            .await?;
    }
    Ok(other)
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
