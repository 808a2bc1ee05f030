//! Reading and changing notification settings (`GET`/`PUT
//! /messaging/preferences/`) and muting people: who may set what, for the
//! boards, rooms and tasks they can see. What the settings do is
//! `preferences`.

use super::boards::role_on;
use super::chat;
use super::preferences::PrefRow;
use super::storage::now_ms;
use super::tasks;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{Change, NotificationPref, NotificationPrefs, PrefChange, PrefScope, User};

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
