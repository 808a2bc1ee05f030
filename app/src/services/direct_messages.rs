//! Direct messages: a room of 2 to [`MAX_PEOPLE`] people that belongs to
//! no board (`board_id` NULL). Everything a room does (history, unread,
//! typing, presence, reactions, edits, replies) works the same, through the
//! same routes: a direct message's only readers are its people, so no board
//! owner sees or manages it, and leaving a board leaves it untouched.
//!
//! Rules:
//! - Opening one names the other people; each must share a board with the
//!   opener, and with each other. The same people always reach the same conversation (its
//!   `dm_key`, their sorted ids, is unique).
//! - Someone may write while they share a board with each of its other
//!   people; otherwise it is read-only to them (`read_only` in the list).
//! - Every message notifies each other person (`direct_message`), like a
//!   mention, through their preferences and mutes; reading the conversation
//!   reads those notifications.
//! - Its people are fixed: it cannot be renamed, archived, deleted, left or
//!   have people added (`chat` refuses).
//! - Muting a person hides the direct messages with no one else in them.

use std::collections::HashMap;

use sqlx::{Any, AnyPool, Transaction};

use super::hub::{Event, Topic};
use super::notifications::{self, MentionSite};
use super::room_rows::{unread_of, RoomRow, LAST_MESSAGE_ID, ROOM_COLUMNS};
use super::storage::{now_ms, unique_violation, UniqueKey};
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{NotificationKind, Room, RoomSummary, User};
use crate::validate;

/// Most people in one direct message (the opener included).
pub const MAX_PEOPLE: usize = 8;
/// Most direct messages listed (the most recently active first).
pub const LIST_MAX: i64 = 200;

/// An SQL condition: the people `one` and `other` (columns or
/// placeholders) share no board.
fn share_no_board(one: &str, other: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM board_members a
           JOIN board_members b ON b.board_id = a.board_id
           WHERE a.user_id = {one} AND b.user_id = {other})"
    )
}

/// Opens the direct message between the caller and the people named (by
/// username, 1 to 7 of them), creating it the first time. Every one of
/// them must share a board with the caller (who else exists is not told).
#[tracing::instrument(skip_all, fields(user = user.id))]
pub async fn open(svc: &Services, user: &User, usernames: &[String]) -> AppResult<RoomSummary> {
    let mut names: Vec<String> = Vec::new();
    for raw in usernames {
        let name = validate::lookup_username(raw)?;
        if name != user.username && !names.contains(&name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        return Err(AppError::invalid(
            "name at least one other person (usernames)",
        ));
    }
    if names.len() >= MAX_PEOPLE {
        return Err(AppError::invalid(format!(
            "a direct message holds at most {MAX_PEOPLE} people, you included"
        )));
    }
    let list = (0..names.len())
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT o.id, o.username, o.display_name FROM users o
         WHERE o.username IN ({list}) AND NOT ({})",
        share_no_board("$1", "o.id")
    );
    let mut query = sqlx::query_as::<_, User>(&sql).bind(user.id);
    for name in &names {
        query = query.bind(name);
    }
    let people: Vec<User> = query.fetch_all(&svc.pool).await?;
    let unknown: Vec<&str> = names
        .iter()
        .filter(|n| !people.iter().any(|p| &p.username == *n))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::invalid(format!(
            "you share no board with: {}",
            unknown.join(", ")
        )));
    }
    strangers_among(&svc.pool, &people).await?;
    let mut ids: Vec<i64> = people.iter().map(|p| p.id).chain([user.id]).collect();
    ids.sort_unstable();
    let key = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let room_id = match find_by_key(&svc.pool, &key).await? {
        Some(id) => id,
        None => match create(&svc.pool, user, &ids, &key).await {
            Ok(id) => {
                for person in &people {
                    svc.hub
                        .publish(Topic::User(person.id), Event::access_to_direct(id));
                }
                id
            }
            // Opened by one of them at the same moment: that one it is.
            Err(e) if unique_violation(&e) == Some(UniqueKey::DirectMessage) => {
                find_by_key(&svc.pool, &key)
                    .await?
                    .ok_or_else(|| AppError::Internal("a direct message vanished".into()))?
            }
            Err(e) => return Err(e.into()),
        },
    };
    summaries(&svc.pool, user.id, Some(room_id))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::not_found("direct message"))
}

/// Refuses a group in which two of the others share no board (each of
/// its people could not write to it).
async fn strangers_among(pool: &AnyPool, people: &[User]) -> AppResult<()> {
    if people.len() < 2 {
        return Ok(());
    }
    let list = (0..people.len())
        .map(|i| format!("${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT x.id, o.id FROM users x JOIN users o ON x.id < o.id
         WHERE x.id IN ({list}) AND o.id IN ({list})
           AND {}",
        share_no_board("x.id", "o.id")
    );
    let mut query = sqlx::query_as::<_, (i64, i64)>(&sql);
    for p in people {
        query = query.bind(p.id);
    }
    let Some((x, o)) = query.fetch_optional(pool).await? else {
        return Ok(());
    };
    let name = |id: i64| {
        people
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.username.clone())
            .unwrap_or_default()
    };
    Err(AppError::invalid(format!(
        "{} and {} share no board: everyone in a direct message shares a board with everyone else",
        name(x),
        name(o)
    )))
}

async fn find_by_key(pool: &AnyPool, key: &str) -> AppResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM chat_rooms WHERE dm_key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?,
    )
}

/// Stores a new direct message and its people, in one transaction.
async fn create(pool: &AnyPool, user: &User, ids: &[i64], key: &str) -> Result<i64, sqlx::Error> {
    let now = now_ms();
    let mut tx = pool.begin().await?;
    // Private (only its people read it); named by its people when shown.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO chat_rooms (board_id, name, name_key, description, created_by, created_at,
                                 is_private, dm_key)
         VALUES (NULL, '', $1, '', $2, $3, 1, $1) RETURNING id",
    )
    .bind(key)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for person in ids {
        sqlx::query(
            "INSERT INTO chat_room_members (room_id, user_id, added_at) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(person)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The caller's direct messages, the most recently active first, with
/// unread counts — except those whose every other person they muted.
#[tracing::instrument(skip_all, fields(user = user.id))]
pub async fn list(svc: &Services, user: &User) -> AppResult<Vec<RoomSummary>> {
    let muted: Vec<i64> =
        sqlx::query_scalar("SELECT muted_id FROM muted_people WHERE user_id = $1")
            .bind(user.id)
            .fetch_all(&svc.pool)
            .await?;
    Ok(summaries(&svc.pool, user.id, None)
        .await?
        .into_iter()
        .filter(|s| !s.people.iter().all(|p| muted.contains(&p.id)))
        .collect())
}

/// The caller's direct messages (or the one `only`), as the list shows them.
async fn summaries(pool: &AnyPool, user_id: i64, only: Option<i64>) -> AppResult<Vec<RoomSummary>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        room: RoomRow,
        member_count: i64,
        unread: i64,
        last_message_id: Option<i64>,
        muted: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {ROOM_COLUMNS},
                (SELECT COUNT(*) FROM chat_room_members x WHERE x.room_id = r.id) AS member_count,
                {unread} AS unread,
                {LAST_MESSAGE_ID},
                COALESCE(p.muted, 0) AS muted,
                COALESCE((SELECT msg.created_at FROM chat_messages msg WHERE msg.room_id = r.id
                          ORDER BY msg.id DESC LIMIT 1), r.created_at) AS active_at
         FROM chat_room_members m
         JOIN chat_rooms r ON r.id = m.room_id
         LEFT JOIN notification_prefs p
           ON p.user_id = $1 AND p.scope = 'room' AND p.scope_id = r.id
         WHERE m.user_id = $1 AND r.dm_key IS NOT NULL AND ($2 IS NULL OR r.id = $2)
         ORDER BY active_at DESC, r.id DESC LIMIT {LIST_MAX}",
        unread = unread_of("$1"),
    ))
    .bind(user_id)
    .bind(only)
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(sqlx::FromRow)]
    struct Person {
        room_id: i64,
        #[sqlx(flatten)]
        user: User,
        read_only: i64,
    }
    let people: Vec<Person> = sqlx::query_as(&format!(
        "SELECT o.room_id, u.id, u.username, u.display_name,
                CASE WHEN {strangers} THEN 1 ELSE 0 END AS read_only
         FROM chat_room_members m
         JOIN chat_rooms r ON r.id = m.room_id AND r.dm_key IS NOT NULL
         JOIN chat_room_members o ON o.room_id = m.room_id AND o.user_id <> m.user_id
         JOIN users u ON u.id = o.user_id
         WHERE m.user_id = $1 AND ($2 IS NULL OR m.room_id = $2)
         ORDER BY u.display_name, u.id",
        strangers = share_no_board("$1", "o.user_id"),
    ))
    .bind(user_id)
    .bind(only)
    .fetch_all(pool)
    .await?;
    let mut by_room: HashMap<i64, (Vec<User>, bool)> = HashMap::new();
    for p in people {
        let entry = by_room.entry(p.room_id).or_default();
        entry.0.push(p.user);
        entry.1 |= p.read_only == 1;
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut room: Room = r.room.into();
            let (people, read_only) = by_room.remove(&room.id).unwrap_or_default();
            room.name = names_of(&people);
            RoomSummary {
                room,
                member: true,
                member_count: r.member_count,
                unread: r.unread,
                last_message_id: r.last_message_id,
                muted: r.muted == 1,
                people,
                read_only,
            }
        })
        .collect())
}

/// A direct message's name: its other people's names.
fn names_of(people: &[User]) -> String {
    people
        .iter()
        .map(|p| p.display_name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses a write to a direct message the user no longer shares a board
/// with each of its other people in (403: it is read-only to them).
pub(crate) async fn require_writable(pool: &AnyPool, room: &Room, user_id: i64) -> AppResult<()> {
    if !room.is_direct() {
        return Ok(());
    }
    let strangers: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM chat_room_members o
         WHERE o.room_id = $2 AND o.user_id <> $1 AND {}",
        share_no_board("$1", "o.user_id")
    ))
    .bind(user_id)
    .bind(room.id)
    .fetch_one(pool)
    .await?;
    if strangers > 0 {
        Err(AppError::forbidden(
            "this conversation is read-only: you no longer share a board with everyone in it",
        ))
    } else {
        Ok(())
    }
}

/// Reading a direct message up to message `pointer` reads its
/// notifications up to there too (every tab's bell follows).
pub(crate) async fn read_notifications(
    svc: &Services,
    user_id: i64,
    room_id: i64,
    pointer: i64,
) -> AppResult<()> {
    let read: Vec<i64> = sqlx::query_scalar(
        "UPDATE notifications SET read_at = $1
         WHERE recipient_id = $2 AND kind = 'direct_message' AND room_id = $3
           AND message_id <= $4 AND read_at IS NULL
         RETURNING id",
    )
    .bind(now_ms())
    .bind(user_id)
    .bind(room_id)
    .bind(pointer)
    .fetch_all(&svc.pool)
    .await?;
    if !read.is_empty() {
        notifications::publish_update(&svc.pool, &svc.hub, user_id, read, Vec::new(), false)
            .await?;
    }
    Ok(())
}

/// Notifies a direct message's other people of a message in it (in the
/// message's transaction; their preferences and mutes apply).
pub(crate) async fn notify(
    tx: &mut Transaction<'static, Any>,
    room_id: i64,
    message_id: i64,
    author: &User,
    content: &str,
) -> AppResult<Vec<i64>> {
    let recipients: Vec<User> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name FROM chat_room_members m
         JOIN users u ON u.id = m.user_id WHERE m.room_id = $1 AND m.user_id <> $2",
    )
    .bind(room_id)
    .bind(author.id)
    .fetch_all(&mut **tx)
    .await?;
    let site = MentionSite {
        kind: NotificationKind::DirectMessage,
        board_id: None,
        task_id: None,
        comment_id: None,
        room_id: Some(room_id),
        message_id: Some(message_id),
    };
    notifications::insert_for_mentions(tx, &site, author, &recipients, content).await
}
