//! Chat rooms from the UI. Live delivery is the WebSocket (`ui::chat::live`);
//! these calls load lists and history, and send over HTTP when no socket is up.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{
    FollowedRoots, HistoryPage, Message, NotificationPref, NotificationPrefs, RepliesPage,
    ReplyFollow, Revisions, Room, RoomDetail, RoomPatch, RoomSummary, SentMessage, User,
};

#[cfg(feature = "ssr")]
use crate::model::NewRoom;
#[cfg(feature = "ssr")]
use crate::services::{chat, following, replies};

/// The rooms the board view lists: the ones the caller is in and the
/// public ones they may read and join (`member: false`). Private rooms
/// a board owner is not in are [`list_other_rooms`]'.
#[server(prefix = "/rpc", endpoint = "rooms/list", input = super::FormOrJson)]
pub async fn list_rooms(board_id: i64) -> Result<Vec<RoomSummary>, AppError> {
    let (svc, user) = super::ctx::user().await?;
    let mut rooms = chat::list_rooms(&svc, &user, board_id, None).await?;
    rooms.retain(|r| r.member || !r.room.is_private);
    Ok(rooms)
}

/// The private rooms of her board an owner is not in: she may see, rename,
/// archive, delete and join them (their history stays members-only).
/// Empty for everyone else.
#[server(prefix = "/rpc", endpoint = "rooms/others", input = super::FormOrJson)]
pub async fn list_other_rooms(board_id: i64) -> Result<Vec<RoomSummary>, AppError> {
    let (svc, user) = super::ctx::user().await?;
    let mut rooms = chat::list_rooms(&svc, &user, board_id, None).await?;
    rooms.retain(|r| !r.member && r.room.is_private);
    Ok(rooms)
}

/// Creates a room: public unless `is_private`, with the board members
/// named in `members` or all of them (`add_all_members`).
#[server(prefix = "/rpc", endpoint = "rooms/create", input = super::FormOrJson)]
pub async fn create_room(
    board_id: i64,
    name: String,
    description: Option<String>,
    is_private: Option<bool>,
    members: Option<Vec<String>>,
    add_all_members: Option<bool>,
) -> Result<Room, AppError> {
    let (svc, user) = super::ctx::user().await?;
    let room = NewRoom {
        name,
        description,
        is_private: is_private.unwrap_or(false),
        members: members.unwrap_or_default(),
        add_all_members: add_all_members.unwrap_or(false),
    };
    chat::create_room(&svc, &user, board_id, &room).await
}

/// Joins a public room (see `services::chat::join_room`).
#[server(prefix = "/rpc", endpoint = "rooms/join", input = super::FormOrJson)]
pub async fn join_room(room_id: i64) -> Result<RoomSummary, AppError> {
    let (svc, user) = super::ctx::user().await?;
    chat::join_room(&svc, &user, room_id).await
}

#[server(prefix = "/rpc", endpoint = "rooms/leave", input = super::FormOrJson)]
pub async fn leave_room(room_id: i64) -> Result<(), AppError> {
    let (svc, user) = super::ctx::user().await?;
    chat::leave_room(&svc, &user, room_id).await
}

#[server(prefix = "/rpc", endpoint = "rooms/get", input = super::FormOrJson)]
pub async fn get_room(room_id: i64) -> Result<RoomDetail, AppError> {
    let (svc, user) = super::ctx::user().await?;
    chat::get_room(&svc, &user, room_id).await
}

#[server(prefix = "/rpc", endpoint = "rooms/update", input = super::FormOrJson)]
pub async fn update_room(room_id: i64, patch: RoomPatch) -> Result<Room, AppError> {
    let (svc, user) = super::ctx::user().await?;
    chat::update_room(&svc, &user, room_id, patch).await
}

#[server(prefix = "/rpc", endpoint = "rooms/delete", input = super::FormOrJson)]
pub async fn delete_room(room_id: i64) -> Result<(), AppError> {
    let (svc, user) = super::ctx::user().await?;
    chat::delete_room(&svc, &user, room_id).await
}

#[server(prefix = "/rpc", endpoint = "rooms/members/add", input = super::FormOrJson)]
pub async fn add_room_member(room_id: i64, username: String) -> Result<User, AppError> {
    let (svc, user) = super::ctx::user().await?;
    chat::add_room_member(&svc, &user, room_id, &username).await
}

#[server(prefix = "/rpc", endpoint = "rooms/members/remove", input = super::FormOrJson)]
pub async fn remove_room_member(room_id: i64, user_id: i64) -> Result<(), AppError> {
    let (svc, user) = super::ctx::user().await?;
    chat::remove_room_member(&svc, &user, room_id, user_id).await
}

/// A page of history: the newest (no cursor), older than `before`, or newer than `after`.
#[server(prefix = "/rpc", endpoint = "rooms/history", input = super::FormOrJson)]
pub async fn room_history(
    room_id: i64,
    before: Option<i64>,
    after: Option<i64>,
) -> Result<HistoryPage, AppError> {
    let (svc, user) = super::ctx::user().await?;
    let cursor = chat::Cursor { before, after };
    chat::history(&svc, &user, room_id, cursor, Some(50)).await
}

/// Sends over HTTP (the fallback when no WebSocket is up). The same
/// `client_id` again answers with the message stored the first time.
#[server(prefix = "/rpc", endpoint = "rooms/send", input = super::FormOrJson)]
pub async fn send_message(
    room_id: i64,
    content: String,
    client_id: Option<String>,
    /// A reply: the room message it answers.
    thread_root_id: Option<i64>,
    /// A reply also shown in the room's main history.
    also_to_room: Option<bool>,
) -> Result<SentMessage, AppError> {
    let (svc, user) = super::ctx::user().await?;
    let reply_to = replies::ReplyTo::from_fields(thread_root_id, also_to_room)?;
    chat::post_message(
        &svc,
        &user,
        room_id,
        &content,
        client_id.as_deref(),
        reply_to,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "rooms/read", input = super::FormOrJson)]
pub async fn mark_read(room_id: i64, message_id: i64) -> Result<i64, AppError> {
    let (svc, user) = super::ctx::user().await?;
    chat::mark_read(&svc, &user, room_id, message_id).await
}

/// Edits your message; with `version`, only if nobody changed it since.
#[server(prefix = "/rpc", endpoint = "messages/edit", input = super::FormOrJson)]
pub async fn edit_message(
    message_id: i64,
    content: String,
    version: Option<i64>,
) -> Result<Message, AppError> {
    let (svc, user) = super::ctx::user().await?;
    crate::services::chat_edits::edit_message(&svc, &user, message_id, &content, version).await
}

/// Deletes a message (yours; any, for the room's creator and board owners).
#[server(prefix = "/rpc", endpoint = "messages/delete", input = super::FormOrJson)]
pub async fn delete_message(message_id: i64) -> Result<Message, AppError> {
    let (svc, user) = super::ctx::user().await?;
    crate::services::chat_edits::delete_message(&svc, &user, message_id).await
}

/// A message's earlier versions.
#[server(prefix = "/rpc", endpoint = "messages/revisions", input = super::FormOrJson)]
pub async fn message_revisions(message_id: i64) -> Result<Revisions, AppError> {
    let (svc, user) = super::ctx::user().await?;
    crate::services::chat_edits::message_revisions(&svc, &user, message_id).await
}

/// Adds (`add`) or removes your reaction `emoji` on a message.
#[server(prefix = "/rpc", endpoint = "messages/react", input = super::FormOrJson)]
pub async fn react_to_message(
    message_id: i64,
    emoji: String,
    add: bool,
) -> Result<Message, AppError> {
    use crate::services::posts::Post;
    use crate::services::reactions::{self, Reacted};
    let (svc, user) = super::ctx::user().await?;
    match reactions::react(&svc, &user, Post::Message, message_id, &emoji, add).await? {
        Reacted::Message(message) => Ok(message),
        Reacted::Comment(_) => Err(AppError::Internal("a message was expected".into())),
    }
}

/// A page of a root's replies (the replies pane), with the root.
#[server(prefix = "/rpc", endpoint = "replies/page", input = super::FormOrJson)]
pub async fn reply_page(
    root_id: i64,
    before: Option<i64>,
    after: Option<i64>,
) -> Result<RepliesPage, AppError> {
    let (svc, user) = super::ctx::user().await?;
    let cursor = chat::Cursor { before, after };
    following::replies(&svc, &user, root_id, cursor, Some(50)).await
}

/// Follows or unfollows a root's replies.
#[server(prefix = "/rpc", endpoint = "replies/follow", input = super::FormOrJson)]
pub async fn follow_replies(root_id: i64, following: bool) -> Result<ReplyFollow, AppError> {
    let (svc, user) = super::ctx::user().await?;
    following::set_following(&svc, &user, root_id, following).await
}

/// Marks a root's replies read up to `message_id`.
#[server(prefix = "/rpc", endpoint = "replies/read", input = super::FormOrJson)]
pub async fn mark_replies_read(root_id: i64, message_id: i64) -> Result<i64, AppError> {
    let (svc, user) = super::ctx::user().await?;
    following::mark_read(&svc, &user, root_id, message_id).await
}

/// The roots I follow (the Replies view), newest replies first.
#[server(prefix = "/rpc", endpoint = "replies/followed", input = super::FormOrJson)]
pub async fn list_followed_roots(before: Option<i64>) -> Result<FollowedRoots, AppError> {
    let (svc, user) = super::ctx::user().await?;
    following::followed(&svc, &user, before, None).await
}

/// Opens the direct message with these people (by username), creating it
/// the first time.
#[server(prefix = "/rpc", endpoint = "dm/open", input = super::FormOrJson)]
pub async fn open_direct(usernames: Vec<String>) -> Result<RoomSummary, AppError> {
    let (svc, user) = super::ctx::user().await?;
    crate::services::direct_messages::open(&svc, &user, &usernames).await
}

/// My direct messages, the most recently active first, with unread counts.
#[server(prefix = "/rpc", endpoint = "dm/list", input = super::FormOrJson)]
pub async fn list_direct() -> Result<Vec<RoomSummary>, AppError> {
    let (svc, user) = super::ctx::user().await?;
    crate::services::direct_messages::list(&svc, &user).await
}

/// My notification settings (for the Notifications settings of a room, a
/// board or a card).
#[server(prefix = "/rpc", endpoint = "preferences/list", input = super::FormOrJson)]
pub async fn my_notification_prefs() -> Result<NotificationPrefs, AppError> {
    let (svc, user) = super::ctx::user().await?;
    crate::services::notification_settings::list(&svc, &user).await
}

/// Changes my notification setting for a board, room or card: `level`
/// "all", "mentions", "nothing" or "default" (a board's default is all, a
/// room's or card's is its board's); a room's `muted` and `group_calls`.
#[server(prefix = "/rpc", endpoint = "preferences/set", input = super::FormOrJson)]
pub async fn set_notify_pref(
    scope: crate::model::PrefScope,
    id: i64,
    level: Option<String>,
    muted: Option<bool>,
    group_calls: Option<bool>,
) -> Result<NotificationPref, AppError> {
    use crate::model::{Change, NotifyLevel, PrefChange};
    let (svc, user) = super::ctx::user().await?;
    let level = match level.as_deref() {
        None => Change::Keep,
        Some("default") => Change::Clear,
        Some(other) => Change::Set(NotifyLevel::parse(other).ok_or_else(|| {
            AppError::invalid("level is one of all, mentions, nothing or default")
        })?),
    };
    let change = PrefChange {
        scope,
        id,
        level,
        muted,
        group_calls,
    };
    crate::services::notification_settings::set(&svc, &user, change).await
}
