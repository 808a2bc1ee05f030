//! Board chat rooms: rooms, their members, messages and read pointers.
//!
//! Rules: only board members can be in a board's rooms. A public room is
//! listed to every board member, who may read it (a preview) and join it;
//! a private room is seen and read by its members only (anyone else gets
//! "not found", as for boards). Posting, unread counts and notifications
//! come with joining. The room's creator or a board owner renames, archives
//! or deletes it. An archived room keeps its history but takes no new
//! messages. The board's `#general` (see `general_room`) holds everyone.

use sqlx::AnyPool;

use super::boards::role_on;
use super::direct_messages;
use super::group_mentions::{self, GroupCall};
use super::hub::{Event, Topic};
use super::mentions::{self, Mentioning};
use super::message_rows::{to_messages, MessageRow, SELECT, SELECT_IN_ROOM};
use super::notifications::{self, MentionSite};
use super::numbered::{self, NumberedWrite, Sent, Stream};
use super::paging::Keyset;
use super::posts::{self, Post};
use super::replies::{self, ReplyTo};
use super::room_rows::{unread_of, RoomRow, LAST_MESSAGE_ID, ROOM_COLUMNS};
use super::storage::{now_ms, unique_violation, UniqueKey};
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{
    HistoryPage, Message, NewRoom, NotificationKind, Role, Room, RoomDetail, RoomPatch,
    RoomSummary, SentMessage, User,
};
use crate::validate;

/// Room names are unique per board ignoring case; this is the key compared.
fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// How far someone reaches into a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// In it: posts, reads, counts unread.
    Member,
    /// Reads it: a member, or a board member previewing a public room.
    Reader,
    /// Manages it: a member, or an owner of its board (she renames,
    /// archives and deletes any of her board's rooms, and manages their
    /// members, without reading the private ones).
    Manager,
    /// Sees its details (name, members): a reader or a manager.
    Viewer,
}

/// A room the user is a member of, or 404.
pub(crate) async fn member_room(pool: &AnyPool, room_id: i64, user_id: i64) -> AppResult<Room> {
    find_room(pool, room_id, user_id, Reach::Member).await
}

/// Checks that the user is in the room (to type or post there): a reader
/// who has not joined a public room gets 403, anyone else 404.
pub async fn require_member(svc: &Services, user: &User, room_id: i64) -> AppResult<()> {
    postable_room(svc, user, room_id).await.map(|_| ())
}

/// The room, if the user is in it ([`require_member`]'s answers otherwise).
pub(crate) async fn postable_room(svc: &Services, user: &User, room_id: i64) -> AppResult<Room> {
    match member_room(&svc.pool, room_id, user.id).await {
        Ok(room) => Ok(room),
        Err(AppError::NotFound(_)) if readable_room(&svc.pool, room_id, user.id).await.is_ok() => {
            Err(AppError::forbidden("join this room to post in it"))
        }
        Err(e) => Err(e),
    }
}

/// A room the user may read (history, live events), or 404.
pub(crate) async fn readable_room(pool: &AnyPool, room_id: i64, user_id: i64) -> AppResult<Room> {
    find_room(pool, room_id, user_id, Reach::Reader).await
}

/// A room whose details the user sees (its readers, and the board's
/// owners for every room of the board), or 404.
pub(crate) async fn viewable_room(pool: &AnyPool, room_id: i64, user_id: i64) -> AppResult<Room> {
    find_room(pool, room_id, user_id, Reach::Viewer).await
}

/// A room the user may manage, or 404.
async fn managed_room(pool: &AnyPool, room_id: i64, user_id: i64) -> AppResult<Room> {
    find_room(pool, room_id, user_id, Reach::Manager).await
}

async fn find_room(pool: &AnyPool, room_id: i64, user_id: i64, reach: Reach) -> AppResult<Room> {
    let (reader, manager) = match reach {
        Reach::Member => (0, 0),
        Reach::Reader => (1, 0),
        Reach::Manager => (0, 1),
        Reach::Viewer => (1, 1),
    };
    let row: Option<RoomRow> = sqlx::query_as(&format!(
        "SELECT {ROOM_COLUMNS} FROM chat_rooms r
         LEFT JOIN chat_room_members m ON m.room_id = r.id AND m.user_id = $2
         LEFT JOIN board_members b ON b.board_id = r.board_id AND b.user_id = $2
         WHERE r.id = $1 AND (m.user_id IS NOT NULL
           OR ($3 = 1 AND r.is_private = 0 AND b.user_id IS NOT NULL)
           OR ($4 = 1 AND b.role = 'owner'))"
    ))
    .bind(room_id)
    .bind(user_id)
    .bind(reader)
    .bind(manager)
    .fetch_optional(pool)
    .await?;
    row.map(Room::from)
        .ok_or_else(|| AppError::not_found("room"))
}

/// The room's creator and the board's owners may rename, archive and delete it.
pub(crate) async fn require_room_admin(pool: &AnyPool, room: &Room, user_id: i64) -> AppResult<()> {
    let board_id = board_of(room)?;
    if room.created_by == user_id || role_on(pool, board_id, user_id).await? == Role::Owner {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only the room's creator or a board owner can do this",
        ))
    }
}

/// A board room's board. A direct message has none, and nothing that
/// manages a room applies to it: its people are fixed.
fn board_of(room: &Room) -> AppResult<i64> {
    room.board_id.ok_or_else(|| {
        AppError::invalid(
            "a direct message keeps its people: it cannot be renamed, archived, deleted, \
             joined or left, or have people added or removed",
        )
    })
}

/// The default room holds everyone on the board, always.
fn refuse_for_default(room: &Room, what: &str) -> AppResult<()> {
    if room.is_default {
        Err(AppError::invalid(format!(
            "#{} is the board's room for everyone: it cannot be {what}",
            room.name
        )))
    } else {
        Ok(())
    }
}

fn unique_name_error(err: sqlx::Error, name: &str) -> AppError {
    if unique_violation(&err) == Some(UniqueKey::RoomName) {
        AppError::conflict(format!("this board already has a room named {name:?}"))
    } else {
        err.into()
    }
}

/// Creates a room; the creator is its first member, with the board members
/// asked for (`members`, by username) or all of them (`add_all_members`).
/// Public unless `is_private`.
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn create_room(
    svc: &Services,
    user: &User,
    board_id: i64,
    new: &NewRoom,
) -> AppResult<Room> {
    role_on(&svc.pool, board_id, user.id).await?;
    let name = validate::room_name(&new.name)?;
    let description = validate::room_description(new.description.as_deref().unwrap_or_default())?;
    let invited = invitees(&svc.pool, board_id, user.id, new).await?;
    let mut tx = svc.pool.begin().await?;
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM chat_rooms WHERE board_id = $1")
        .bind(board_id)
        .fetch_one(&mut *tx)
        .await?;
    if count >= validate::MAX_ROOMS_PER_BOARD {
        return Err(AppError::invalid(format!(
            "a board can have at most {} rooms",
            validate::MAX_ROOMS_PER_BOARD
        )));
    }
    let now = now_ms();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO chat_rooms (board_id, name, name_key, description, created_by, created_at,
                                 is_private)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(board_id)
    .bind(&name)
    .bind(name_key(&name))
    .bind(&description)
    .bind(user.id)
    .bind(now)
    .bind(i64::from(new.is_private))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| unique_name_error(e, &name))?;
    for member in std::iter::once(user.id).chain(invited.iter().map(|u| u.id)) {
        sqlx::query(
            "INSERT INTO chat_room_members (room_id, user_id, added_at) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(member)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let room = Room {
        id,
        board_id: Some(board_id),
        name,
        description,
        created_by: user.id,
        created_at: now,
        archived_at: None,
        is_private: new.is_private,
        is_default: false,
    };
    let added: Vec<i64> = invited.iter().map(|u| u.id).collect();
    let notified = notify_added(&mut tx, &room, user, &added).await?;
    tx.commit().await?;
    for member in &invited {
        svc.hub.publish(
            Topic::User(member.id),
            Event::access(board_id, Some(id), true),
        );
    }
    notifications::publish_notified(&svc.pool, &svc.hub, &notified).await?;
    Ok(room)
}

/// The board members a new room starts with besides its creator: every
/// one (`add_all_members`), or those named. A name that is not a board
/// member's is refused, naming it.
async fn invitees(
    pool: &AnyPool,
    board_id: i64,
    creator: i64,
    new: &NewRoom,
) -> AppResult<Vec<User>> {
    let members: Vec<User> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name FROM board_members b
         JOIN users u ON u.id = b.user_id WHERE b.board_id = $1 ORDER BY u.username",
    )
    .bind(board_id)
    .fetch_all(pool)
    .await?;
    if new.add_all_members {
        return Ok(members.into_iter().filter(|u| u.id != creator).collect());
    }
    let mut chosen: Vec<User> = Vec::new();
    let mut unknown = Vec::new();
    for name in &new.members {
        let name = validate::lookup_username(name)?;
        match members.iter().find(|u| u.username == name) {
            Some(u) if u.id != creator && !chosen.iter().any(|c| c.id == u.id) => {
                chosen.push(u.clone())
            }
            Some(_) => {}
            None => unknown.push(name),
        }
    }
    if unknown.is_empty() {
        Ok(chosen)
    } else {
        Err(AppError::invalid(format!(
            "not members of this board: {}",
            unknown.join(", ")
        )))
    }
}

/// The rooms of a board the user is in and the public ones they may join
/// (`member: false`), optionally filtered by name, by name. A board owner
/// also sees the private rooms she is not in: she manages every room of her
/// board, though she reads only those she joins.
#[tracing::instrument(skip_all, fields(user = user.id, board_id = board_id))]
pub async fn list_rooms(
    svc: &Services,
    user: &User,
    board_id: i64,
    query: Option<&str>,
) -> AppResult<Vec<RoomSummary>> {
    let owner = role_on(&svc.pool, board_id, user.id).await? == Role::Owner;
    let pattern = query
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| format!("%{}%", escape_like(&q.to_lowercase())));
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        room: RoomRow,
        member: i64,
        member_count: i64,
        unread: i64,
        last_message_id: Option<i64>,
        muted: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {ROOM_COLUMNS},
                CASE WHEN m.user_id IS NULL THEN 0 ELSE 1 END AS member,
                (SELECT COUNT(*) FROM chat_room_members x WHERE x.room_id = r.id) AS member_count,
                CASE WHEN m.user_id IS NULL THEN 0 ELSE {unread} END AS unread,
                {LAST_MESSAGE_ID},
                COALESCE(p.muted, 0) AS muted
         FROM chat_rooms r
         LEFT JOIN chat_room_members m ON m.room_id = r.id AND m.user_id = $2
         LEFT JOIN notification_prefs p
           ON p.user_id = $2 AND p.scope = 'room' AND p.scope_id = r.id
         WHERE r.board_id = $1 AND ($3 IS NULL OR r.name_key LIKE $3 ESCAPE '\\')
           AND (m.user_id IS NOT NULL OR r.is_private = 0 OR $4 = 1)
         ORDER BY r.archived_at IS NOT NULL, r.name_key",
        unread = unread_of("$2"),
    ))
    .bind(board_id)
    .bind(user.id)
    .bind(pattern)
    .bind(i64::from(owner))
    .fetch_all(&svc.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RoomSummary {
            room: r.room.into(),
            member: r.member == 1,
            member_count: r.member_count,
            unread: r.unread,
            last_message_id: r.last_message_id,
            muted: r.muted == 1,
            people: Vec::new(),
            read_only: false,
        })
        .collect())
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A room with its members and the caller's read pointer (0 when they are
/// not in it). Its readers see it, and a board owner sees any room of her
/// board (to manage its members); a private room's history stays
/// members-only.
#[tracing::instrument(skip_all, fields(user = user.id, room_id = room_id))]
pub async fn get_room(svc: &Services, user: &User, room_id: i64) -> AppResult<RoomDetail> {
    let room = find_room(&svc.pool, room_id, user.id, Reach::Viewer).await?;
    let members = room_members(&svc.pool, room_id).await?;
    let last_read_id: Option<i64> = sqlx::query_scalar(
        "SELECT last_read_id FROM chat_room_members WHERE room_id = $1 AND user_id = $2",
    )
    .bind(room_id)
    .bind(user.id)
    .fetch_optional(&svc.pool)
    .await?;
    let last_read_id = last_read_id.unwrap_or(0);
    Ok(RoomDetail {
        room,
        members,
        last_read_id,
    })
}

/// The members of a room, by username.
pub async fn room_members(pool: &AnyPool, room_id: i64) -> AppResult<Vec<User>> {
    Ok(sqlx::query_as::<_, User>(
        "SELECT u.id, u.username, u.display_name FROM chat_room_members m
         JOIN users u ON u.id = m.user_id WHERE m.room_id = $1 ORDER BY u.username",
    )
    .bind(room_id)
    .fetch_all(pool)
    .await?)
}

/// Renames, re-describes, archives or restores a room.
#[tracing::instrument(skip_all, fields(user = user.id, room_id = room_id))]
pub async fn update_room(
    svc: &Services,
    user: &User,
    room_id: i64,
    patch: RoomPatch,
) -> AppResult<Room> {
    let room = managed_room(&svc.pool, room_id, user.id).await?;
    require_room_admin(&svc.pool, &room, user.id).await?;
    if patch == RoomPatch::default() {
        return Err(AppError::invalid("nothing to change"));
    }
    if patch.archived == Some(true) {
        refuse_for_default(&room, "archived")?;
    }
    let name = patch.name.as_deref().map(validate::room_name).transpose()?;
    let description = patch
        .description
        .as_deref()
        .map(validate::room_description)
        .transpose()?;
    let archived_at = patch.archived.map(|a| {
        if a {
            room.archived_at.or(Some(now_ms()))
        } else {
            None
        }
    });
    let mut tx = svc.pool.begin().await?;
    if let Some(name) = &name {
        sqlx::query("UPDATE chat_rooms SET name = $1, name_key = $2 WHERE id = $3")
            .bind(name)
            .bind(name_key(name))
            .bind(room_id)
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_name_error(e, name))?;
    }
    if let Some(description) = &description {
        sqlx::query("UPDATE chat_rooms SET description = $1 WHERE id = $2")
            .bind(description)
            .bind(room_id)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(archived_at) = archived_at {
        sqlx::query("UPDATE chat_rooms SET archived_at = $1 WHERE id = $2")
            .bind(archived_at)
            .bind(room_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let room = managed_room(&svc.pool, room_id, user.id).await?;
    // Every open tab of its members shows the new name or state at once.
    svc.hub.publish(
        Topic::Room(room_id),
        Event::RoomChanged {
            room: room.clone(),
            deleted: false,
        },
    );
    Ok(room)
}

/// Deletes a room and its history.
#[tracing::instrument(skip_all, fields(user = user.id, room_id = room_id))]
pub async fn delete_room(svc: &Services, user: &User, room_id: i64) -> AppResult<()> {
    let room = managed_room(&svc.pool, room_id, user.id).await?;
    require_room_admin(&svc.pool, &room, user.id).await?;
    refuse_for_default(&room, "deleted")?;
    sqlx::query("DELETE FROM chat_rooms WHERE id = $1")
        .bind(room_id)
        .execute(&svc.pool)
        .await?;
    svc.hub.publish(
        Topic::Room(room_id),
        Event::RoomChanged {
            room,
            deleted: true,
        },
    );
    Ok(())
}

/// Adds a board member to a room (any room member, and a board owner, may).
#[tracing::instrument(skip_all, fields(user = user.id, room_id = room_id))]
pub async fn add_room_member(
    svc: &Services,
    user: &User,
    room_id: i64,
    username: &str,
) -> AppResult<User> {
    let room = managed_room(&svc.pool, room_id, user.id).await?;
    let board_id = board_of(&room)?;
    let username = validate::lookup_username(username)?;
    let new_member: Option<User> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name FROM users u
         JOIN board_members b ON b.user_id = u.id AND b.board_id = $2
         WHERE u.username = $1",
    )
    .bind(&username)
    .bind(board_id)
    .fetch_optional(&svc.pool)
    .await?;
    let new_member = new_member.ok_or_else(|| {
        AppError::invalid(format!(
            "{username:?} is not a member of this board; add them to the board first"
        ))
    })?;
    if enter(svc, &room, new_member.id, Some(user)).await? {
        Ok(new_member)
    } else {
        Err(AppError::conflict(format!(
            "{} is already in this room",
            new_member.username
        )))
    }
}

/// Joins a public room (any board member may). Joining a room one is in
/// already changes nothing. A private room answers 403: it takes
/// invitations only.
#[tracing::instrument(skip_all, fields(user = user.id, room_id = room_id))]
pub async fn join_room(svc: &Services, user: &User, room_id: i64) -> AppResult<RoomSummary> {
    let room = match readable_room(&svc.pool, room_id, user.id).await {
        Ok(room) => room,
        Err(AppError::NotFound(_)) => {
            // A board member learns that a private room takes invitations
            // only; anyone else, that there is no such room.
            let on_board = sqlx::query_scalar::<_, i64>(
                "SELECT b.user_id FROM chat_rooms r
                 JOIN board_members b ON b.board_id = r.board_id AND b.user_id = $2
                 WHERE r.id = $1",
            )
            .bind(room_id)
            .bind(user.id)
            .fetch_optional(&svc.pool)
            .await?;
            return Err(if on_board.is_some() {
                AppError::forbidden("this room is private: a member has to add you")
            } else {
                AppError::not_found("room")
            });
        }
        Err(e) => return Err(e),
    };
    let board_id = board_of(&room)?;
    enter(svc, &room, user.id, None).await?;
    let summary = list_rooms(svc, user, board_id, None)
        .await?
        .into_iter()
        .find(|r| r.room.id == room_id);
    summary.ok_or_else(|| AppError::not_found("room"))
}

/// Leaves a room (the board's `#general` cannot be left).
#[tracing::instrument(skip_all, fields(user = user.id, room_id = room_id))]
pub async fn leave_room(svc: &Services, user: &User, room_id: i64) -> AppResult<()> {
    remove_room_member(svc, user, room_id, user.id).await
}

/// Puts a board member in a room, read pointer at its current end (no
/// backlog of "unread"), and tells their tabs; someone else who added them
/// (`added_by`) leaves them a bell entry. Whether they were not in it.
async fn enter(
    svc: &Services,
    room: &Room,
    user_id: i64,
    added_by: Option<&User>,
) -> AppResult<bool> {
    let board_id = board_of(room)?;
    let mut tx = svc.pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO chat_room_members (room_id, user_id, added_at, last_read_id)
         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(id), 0) FROM chat_messages WHERE room_id = $1))",
    )
    .bind(room.id)
    .bind(user_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if unique_violation(&e) == Some(UniqueKey::RoomMember) => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    let notified = match added_by {
        Some(by) => notify_added(&mut tx, room, by, &[user_id]).await?,
        None => Default::default(),
    };
    tx.commit().await?;
    svc.hub.publish(
        Topic::User(user_id),
        Event::access(board_id, Some(room.id), true),
    );
    notifications::publish_notified(&svc.pool, &svc.hub, &notified).await?;
    Ok(true)
}

/// Bell entries for people someone added to a room.
async fn notify_added(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    room: &Room,
    by: &User,
    added: &[i64],
) -> AppResult<notifications::Notified> {
    notifications::insert_activity(
        tx,
        &notifications::Activity {
            kind: NotificationKind::AddedToRoom,
            board_id: room.board_id,
            task_id: None,
            comment_id: None,
            room_id: Some(room.id),
            message_id: None,
            snippet: room.description.clone(),
        },
        by,
        added,
    )
    .await
}

/// Removes someone from a room: themself (leaving), or anyone by the room's
/// creator or a board owner. Nobody leaves the board's `#general`.
#[tracing::instrument(skip_all, fields(user = user.id, room_id = room_id, member_id = member_id))]
pub async fn remove_room_member(
    svc: &Services,
    user: &User,
    room_id: i64,
    member_id: i64,
) -> AppResult<()> {
    let room = managed_room(&svc.pool, room_id, user.id).await?;
    let board_id = board_of(&room)?;
    if member_id != user.id {
        require_room_admin(&svc.pool, &room, user.id).await?;
    }
    refuse_for_default(&room, "left")?;
    let removed = sqlx::query("DELETE FROM chat_room_members WHERE room_id = $1 AND user_id = $2")
        .bind(room_id)
        .bind(member_id)
        .execute(&svc.pool)
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(AppError::not_found("room member"));
    }
    // Their open sockets stop receiving the room at once.
    svc.hub.publish(
        Topic::User(member_id),
        Event::access(board_id, Some(room_id), false),
    );
    Ok(())
}

/// Stores a message and publishes it to the room. It is committed before this
/// returns: whatever the caller acknowledges is durable. Room members it
/// @mentions are notified; the board members it mentions who are not in the
/// room are not, and the answer names them (`not_notified`). With a
/// `client_id` already used by this author, nothing is written: the stored
/// message is the answer.
#[tracing::instrument(skip_all, fields(user = user.id, room_id = room_id))]
pub async fn post_message(
    svc: &Services,
    user: &User,
    room_id: i64,
    content: &str,
    client_id: Option<&str>,
    reply_to: Option<ReplyTo>,
) -> AppResult<SentMessage> {
    submit_message(svc, user, room_id, content, client_id, reply_to)
        .await?
        .committed()
        .await
}

/// Checks a message and queues it for the group commit without waiting for
/// it: messages submitted one after the other are committed, numbered and
/// published in that order (one connection's burst stays in order), while
/// the writer still batches across connections. The ticket resolves once
/// the message is committed.
#[tracing::instrument(skip_all, fields(user = user.id, room_id = room_id))]
pub async fn submit_message(
    svc: &Services,
    user: &User,
    room_id: i64,
    content: &str,
    client_id: Option<&str>,
    reply_to: Option<ReplyTo>,
) -> AppResult<Ticket> {
    let content = validate::message(content)?;
    let client_id = validate::client_id(client_id)?;
    let room = postable_room(svc, user, room_id).await?;
    direct_messages::require_writable(&svc.pool, &room, user.id).await?;
    if let Some(reply_to) = reply_to {
        replies::check_root(&svc.pool, room_id, reply_to.root_id).await?;
    }
    let (mentions, not_notified) =
        mentions::resolve_in_room(&svc.pool, room.board_id, room_id, &content).await?;
    // A repeat (its ack was lost) costs no rate budget and writes nothing.
    if let Some(id) = &client_id {
        if let Some(sent) = sent_before(&svc.pool, user.id, id).await? {
            return repeat_of(sent, room_id).map(|message| Ticket {
                pending: Pending::Stored(Box::new(message)),
                not_notified,
            });
        }
    }
    svc.charge(user).await?;
    if room.archived_at.is_some() {
        return Err(AppError::invalid(
            "this room is archived: it takes no new messages",
        ));
    }
    let group = group_mentions::resolve(svc, user, &room, &content, &mentions).await?;
    svc.message_writer
        .enqueue(PendingMessage {
            room_id,
            board_id: room.board_id,
            author: user.clone(),
            html: Post::Message.render(&content, &mentions),
            content,
            mentions,
            client_id,
            reply_to,
            group,
        })
        .await
        .map(|answer| Ticket {
            pending: Pending::Queued(answer),
            not_notified,
        })
}

/// A repeated `client_id` must name a message of the same room.
fn repeat_of(sent: Message, room_id: i64) -> AppResult<Message> {
    if sent.room_id == room_id {
        Ok(sent)
    } else {
        Err(AppError::conflict(
            "this client_id was already used for a message in another room",
        ))
    }
}

/// The message this author already sent under `client_id`, if any.
async fn sent_before(
    pool: &AnyPool,
    author_id: i64,
    client_id: &str,
) -> AppResult<Option<Message>> {
    match numbered::sent_before(pool, Sent::Message, author_id, client_id).await? {
        Some(id) => message_by_id(pool, id).await.map(Some),
        None => Ok(None),
    }
}

/// A message on its way to the database (see [`submit_message`]), and
/// the people it mentions who will not be notified.
pub struct Ticket {
    pending: Pending,
    not_notified: Vec<String>,
}

enum Pending {
    /// In the writer's queue.
    Queued(tokio::sync::oneshot::Receiver<AppResult<Message>>),
    /// Stored before (a repeat): nothing more to do.
    Stored(Box<Message>),
}

impl Ticket {
    /// Waits until the message is committed (and published).
    pub async fn committed(self) -> AppResult<SentMessage> {
        let message = match self.pending {
            Pending::Stored(message) => *message,
            Pending::Queued(answer) => answer
                .await
                .map_err(|_| AppError::Internal("the message writer has stopped".into()))??,
        };
        Ok(SentMessage {
            message,
            not_notified: self.not_notified,
        })
    }
}

/// Group commit for chat messages.
///
/// One task owns all message inserts. It takes whatever is waiting (up to
/// [`MAX_BATCH`]), inserts it in one transaction (one fsync for the lot),
/// then publishes the messages in id order and answers each sender. So under
/// load throughput is not bound by one fsync per message, every room's
/// messages are published in the order of their ids (which is what lets a
/// resuming client ask for "everything after id N"), messages queued one
/// after the other keep that order, and nobody is told "sent" before the
/// message is on disk.
#[derive(Clone)]
pub struct MessageWriter {
    tx: tokio::sync::mpsc::Sender<Queued>,
}

/// Most messages committed in one transaction.
pub const MAX_BATCH: usize = 256;

/// A validated message on its way to the database.
pub struct PendingMessage {
    pub room_id: i64,
    /// `None` in a direct message.
    pub board_id: Option<i64>,
    pub author: User,
    pub content: String,
    /// `content` rendered (by the sender's task, not the writer's).
    pub html: String,
    /// The room members it mentions (resolved by `submit_message`).
    pub mentions: Vec<User>,
    pub client_id: Option<String>,
    /// A reply: the root it answers (checked by `submit_message`).
    pub reply_to: Option<ReplyTo>,
    /// The groups it calls (@room, @board, @here) and whom they reach,
    /// notified once it is committed.
    pub group: Option<GroupCall>,
}

type Queued = (
    PendingMessage,
    tokio::sync::oneshot::Sender<AppResult<Message>>,
);

impl MessageWriter {
    pub fn start(pool: AnyPool, hub: super::hub::Hub) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run_writer(pool, hub, rx));
        Self { tx }
    }

    /// Queues a message (in order); the receiver gets it once committed.
    pub async fn enqueue(
        &self,
        pending: PendingMessage,
    ) -> AppResult<tokio::sync::oneshot::Receiver<AppResult<Message>>> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.tx
            .send((pending, reply))
            .await
            .map_err(|_| AppError::Internal("the message writer has stopped".into()))?;
        Ok(answer)
    }
}

/// What writing one message of a batch came to.
enum Written {
    /// Stored now, with the notifications it made.
    New {
        message: Box<Message>,
        notified: Vec<i64>,
        /// Unread bell entries the new ones took the place of
        /// (recipient, id): a reply's one entry per root.
        replaced: Vec<(i64, i64)>,
        /// It called a group: notified after the commit.
        called: bool,
        /// A reply: its root, and whether its author follows it now (their
        /// tabs are told).
        replied: Option<(i64, bool)>,
    },
    /// Its `client_id` was stored before: this message id.
    Repeat(i64),
    /// Refused (its author left the room meanwhile, the room is gone).
    Refused(AppError),
}

async fn run_writer(
    pool: AnyPool,
    hub: super::hub::Hub,
    mut rx: tokio::sync::mpsc::Receiver<Queued>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let created_at = now_ms();
        // Rooms are locked in one order by every writer (no deadlock between
        // instances); each room's messages keep their order (stable sort).
        batch.sort_by_key(|(m, _)| m.room_id);
        let (messages, replies): (Vec<PendingMessage>, Vec<_>) = batch.into_iter().unzip();
        let written = match insert_batch(&pool, &hub, &messages, created_at).await {
            Ok(written) => written.into_iter().map(Ok).collect(),
            // A failing batch (a database error, or another instance storing
            // the same client_id at the same moment) must not sink the
            // others: retry them one by one, in order.
            Err(_) if messages.len() > 1 => {
                let mut written = Vec::with_capacity(messages.len());
                for one in &messages {
                    written.push(
                        insert_batch(&pool, &hub, std::slice::from_ref(one), created_at)
                            .await
                            .map(|mut v| v.remove(0)),
                    );
                }
                written
            }
            Err(e) => vec![Err(e)],
        };
        let mut notified = Vec::new();
        let mut replaced = Vec::new();
        let mut calls = Vec::new();
        for ((pending, reply), written) in messages.into_iter().zip(replies).zip(written) {
            let result = match written {
                Ok(Written::New {
                    message,
                    notified: notes,
                    replaced: gone,
                    called,
                    replied,
                }) => {
                    notified.extend(notes);
                    replaced.extend(gone);
                    if let Some((root_id, following)) = replied {
                        hub.publish(
                            Topic::User(message.author.id),
                            Event::RepliesRead {
                                root_id,
                                last_read_id: message.id,
                                following,
                            },
                        );
                    }
                    if let (true, Some(call)) = (called, pending.group) {
                        calls.push((message.id, call));
                    }
                    Ok(*message)
                }
                // The first one was published and notified already.
                Ok(Written::Repeat(id)) => message_by_id(&pool, id)
                    .await
                    .and_then(|m| repeat_of(m, pending.room_id)),
                Ok(Written::Refused(e)) | Err(e) => Err(e),
            };
            let _ = reply.send(result);
        }
        if !notified.is_empty() || !replaced.is_empty() {
            // Off the writer's path: the next batch does not wait for these.
            let (pool, hub) = (pool.clone(), hub.clone());
            tokio::spawn(async move {
                let notified = notifications::Notified {
                    new: notified,
                    replaced,
                };
                if let Err(e) = notifications::publish_notified(&pool, &hub, &notified).await {
                    tracing::warn!("publishing chat mention notifications: {e}");
                }
            });
        }
        // Group calls: written after the commit, off the writer's path.
        for (message_id, call) in calls {
            let (pool, hub) = (pool.clone(), hub.clone());
            tokio::spawn(async move {
                if let Err(e) = group_mentions::notify(&pool, &hub, message_id, &call).await {
                    tracing::warn!("notifying a group call of message {message_id}: {e}");
                }
            });
        }
    }
}

/// Writes a batch of messages (rooms in ascending order) with their
/// mentions and notifications in one numbered write (one transaction, one
/// fsync), then publishes them. Inside the transaction each is checked
/// again: its author is still in the room (a message racing its author's
/// removal does not land), and its `client_id` was not stored before.
async fn insert_batch(
    pool: &AnyPool,
    hub: &super::hub::Hub,
    batch: &[PendingMessage],
    created_at: i64,
) -> AppResult<Vec<Written>> {
    let Some(first) = batch.first() else {
        return Ok(Vec::new());
    };
    let mut write = match NumberedWrite::begin(pool, Stream::Room(first.room_id)).await {
        Ok(write) => write,
        // The first room is gone: its messages are refused, not the others'.
        Err(AppError::NotFound(_)) if batch.len() == 1 => {
            return Ok(vec![Written::Refused(AppError::not_found("room"))]);
        }
        Err(e) => return Err(e),
    };
    let mut written = Vec::with_capacity(batch.len());
    for m in batch {
        if let Some(client_id) = &m.client_id {
            if let Some(id) = write
                .sent_before(Sent::Message, m.author.id, client_id)
                .await?
            {
                written.push(Written::Repeat(id));
                continue;
            }
        }
        let member: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM chat_room_members WHERE room_id = $1 AND user_id = $2",
        )
        .bind(m.room_id)
        .bind(m.author.id)
        .fetch_optional(&mut *write.tx)
        .await?;
        // A root deleted since the reply was checked takes no reply.
        if let (Some(_), Some(reply_to)) = (member, m.reply_to) {
            if let Err(e) = replies::root_still_open(&mut write.tx, reply_to.root_id).await {
                written.push(Written::Refused(e));
                continue;
            }
        }
        // A group call takes its author's slot for the room (another
        // instance may have taken it since the check).
        if let (Some(_), Some(_)) = (member, &m.group) {
            if let Err(wait) =
                group_mentions::claim_call(&mut write.tx, m.author.id, m.room_id, created_at)
                    .await?
            {
                written.push(Written::Refused(AppError::RateLimited(wait)));
                continue;
            }
        }
        let seq = match member {
            Some(_) => write.try_next(Stream::Room(m.room_id)).await?,
            None => None,
        };
        let Some(seq) = seq else {
            written.push(Written::Refused(AppError::not_found("room")));
            continue;
        };
        let thread_root_id = m.reply_to.map(|r| r.root_id);
        let also_to_room = m.reply_to.is_some_and(|r| r.also_to_room);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO chat_messages (room_id, author_id, content, html, created_at, seq,
                 first_seq, client_id, thread_root_id, in_room)
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9) RETURNING id",
        )
        .bind(m.room_id)
        .bind(m.author.id)
        .bind(&m.content)
        .bind(&m.html)
        .bind(created_at)
        .bind(seq)
        .bind(m.client_id.as_deref())
        .bind(thread_root_id)
        .bind(i64::from(thread_root_id.is_none() || also_to_room))
        .fetch_one(&mut *write.tx)
        .await?;
        let mut notified = Vec::new();
        if !m.mentions.is_empty() {
            mentions::store(&mut write.tx, Mentioning::Message, id, &m.mentions).await?;
            let site = MentionSite {
                kind: NotificationKind::ChatMention,
                board_id: m.board_id,
                task_id: None,
                comment_id: None,
                room_id: Some(m.room_id),
                message_id: Some(id),
            };
            let fresh =
                posts::first_notices(&mut write.tx, Post::Message, id, &m.author, &m.mentions)
                    .await?;
            // In a direct message everyone hears of every message (below).
            if m.board_id.is_some() {
                notified = notifications::insert_for_mentions(
                    &mut write.tx,
                    &site,
                    &m.author,
                    &fresh,
                    &m.content,
                )
                .await?;
            }
        }
        if m.board_id.is_none() {
            notified.extend(
                direct_messages::notify(&mut write.tx, m.room_id, id, &m.author, &m.content)
                    .await?,
            );
        }
        let message = Message {
            id,
            room_id: m.room_id,
            author: m.author.clone(),
            content: m.content.clone(),
            html: m.html.clone(),
            created_at,
            edited_at: None,
            deleted_at: None,
            version: 1,
            mentions: mentions::as_loaded(m.mentions.clone()),
            reactions: Vec::new(),
            seq,
            client_id: m.client_id.clone(),
            thread_root_id,
            also_to_room,
            reply_count: 0,
            last_reply_at: None,
            repliers: Vec::new(),
        };
        write.record(Event::Message {
            message: message.clone(),
        });
        let mut replaced = Vec::new();
        let mut replied = None;
        if let Some(reply_to) = m.reply_to {
            // The root's new count (its own change, the room's next number),
            // its followers, and their one bell entry per root.
            let (notes, following) =
                replies::record_reply(&mut write, m.board_id, &message, reply_to, &m.mentions)
                    .await?;
            notified.extend(notes.new);
            replaced = notes.replaced;
            replied = Some((reply_to.root_id, following));
        }
        written.push(Written::New {
            message: Box::new(message),
            notified,
            replaced,
            called: m.group.is_some(),
            replied,
        });
    }
    write.commit(hub).await?;
    Ok(written)
}

/// One message by id (read by `message_rows`).
pub(crate) use super::message_rows::message_by_id;
pub use super::paging::Cursor;

/// A page of a room's history, oldest message first. With no cursor: the
/// newest page. Keyset pagination on (room_id, id): each page is one index range.
#[tracing::instrument(skip_all, fields(user = user.id, room_id = room_id))]
pub async fn history(
    svc: &Services,
    user: &User,
    room_id: i64,
    cursor: Cursor,
    limit: Option<i64>,
) -> AppResult<HistoryPage> {
    let limit = validate::page_limit(limit)?;
    let cursor = cursor.check()?;
    readable_room(&svc.pool, room_id, user.id).await?;
    let mut page = messages_page(&svc.pool, room_id, cursor, limit).await?;
    page.messages = page
        .messages
        .into_iter()
        .map(|m| m.as_seen_by(user.id))
        .collect();
    Ok(page)
}

/// A room's messages numbered after `seq`, in order, at most `limit`, and
/// whether more follow (what a follower replays or fills a gap with).
pub(crate) async fn messages_after_seq(
    pool: &AnyPool,
    room_id: i64,
    seq: i64,
    limit: i64,
) -> AppResult<(Vec<Message>, bool)> {
    let mut rows: Vec<MessageRow> =
        sqlx::query_as(&format!("{SELECT} AND m.seq > $2 ORDER BY m.seq LIMIT $3"))
            .bind(room_id)
            .bind(seq)
            .bind(limit + 1)
            .fetch_all(pool)
            .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    Ok((to_messages(pool, rows).await?, more))
}

/// The `seq` of the last message of a room up to id `id` (0 if none).
pub(crate) async fn seq_at(pool: &AnyPool, room_id: i64, id: i64) -> AppResult<i64> {
    // The number the message was posted with (`first_seq`: its `seq` moves
    // on with each later change of it).
    let seq: Option<(i64,)> = sqlx::query_as(
        "SELECT first_seq FROM chat_messages WHERE room_id = $1 AND id <= $2
         ORDER BY id DESC LIMIT 1",
    )
    .bind(room_id)
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(seq.map_or(0, |(s,)| s))
}

/// How the room's main history is paged: (room_id, id) ranges of what it
/// lists (replies not also sent to the room are in their root's pane).
const MESSAGES: Keyset = Keyset {
    select: SELECT_IN_ROOM,
    id: "m.id",
    table: "chat_messages",
    scope: "room_id",
    only: "in_room = 1",
};

/// The history query itself (also used to replay what a client missed).
pub(crate) async fn messages_page(
    pool: &AnyPool,
    room_id: i64,
    cursor: Cursor,
    limit: i64,
) -> AppResult<HistoryPage> {
    // The stream's number first: a change committed while the page is read
    // has a higher one and reaches the reader by the replay after it.
    let seq = Stream::Room(room_id).last_seq(pool).await?;
    let page = MESSAGES
        .page(pool, room_id, cursor, limit, |r: &MessageRow| r.id)
        .await?;
    Ok(HistoryPage {
        messages: to_messages(pool, page.rows).await?,
        has_older: page.has_older,
        has_newer: page.has_newer,
        seq,
    })
}

/// Moves the caller's read pointer forward (never back) to `message_id`.
#[tracing::instrument(skip_all, fields(user = user.id, room_id = room_id, message_id = message_id))]
pub async fn mark_read(
    svc: &Services,
    user: &User,
    room_id: i64,
    message_id: i64,
) -> AppResult<i64> {
    let room = member_room(&svc.pool, room_id, user.id).await?;
    let moved = sqlx::query(
        "UPDATE chat_room_members SET last_read_id = $1
         WHERE room_id = $2 AND user_id = $3 AND last_read_id < $1
           AND EXISTS (SELECT 1 FROM chat_messages WHERE id = $1 AND room_id = $2)",
    )
    .bind(message_id)
    .bind(room_id)
    .bind(user.id)
    .execute(&svc.pool)
    .await?
    .rows_affected();
    let (pointer,): (i64,) = sqlx::query_as(
        "SELECT last_read_id FROM chat_room_members WHERE room_id = $1 AND user_id = $2",
    )
    .bind(room_id)
    .bind(user.id)
    .fetch_one(&svc.pool)
    .await?;
    if moved > 0 && room.is_direct() {
        direct_messages::read_notifications(svc, user.id, room_id, pointer).await?;
    }
    if moved > 0 {
        // Every tab of this user updates its unread badge.
        svc.hub.publish(
            Topic::User(user.id),
            Event::RoomRead {
                room_id,
                last_read_id: pointer,
            },
        );
    }
    Ok(pointer)
}
