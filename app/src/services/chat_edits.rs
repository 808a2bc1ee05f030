//! Editing and deleting chat messages, and reading their earlier versions.
//!
//! Rules: authors edit their own messages (while in the room); authors, the
//! room's creator and the board's owners delete them (never edit others').
//! An edit keeps the version it replaces (readable by the room's readers),
//! notifies only people it newly mentions — never anyone twice — and
//! withdraws the unread notifications of mentions it took away. A deletion
//! leaves a "message deleted" placeholder and erases the text, its earlier
//! versions, its reactions, its mentions and every notification it caused.
//!
//! Each change takes the room's next `seq` in the writing transaction and
//! re-publishes the whole message as its usual `message` event: a tab that
//! was offline replays it by `seq` like any new message. Unread counts and
//! "last activity" go by message id, so edits and deletions never count.

use super::chat::{self, postable_room, require_room_admin, viewable_room};
use super::hub::Event;
use super::mentions;
use super::notifications::{self, MentionSite};
use super::numbered::{NumberedWrite, Stream};
use super::posts::{self, Post};
use super::replies;
use super::storage::now_ms;
use super::Services;
use crate::error::{AppError, AppResult, Current};
use crate::model::{Message, NotificationKind, Revision, Revisions, User};
use crate::validate;

/// Edits your own message. With `version`, an edit made on an older version
/// is refused (409 with the message as it is now).
#[tracing::instrument(skip_all, fields(user = user.id, message_id = message_id))]
pub async fn edit_message(
    svc: &Services,
    user: &User,
    message_id: i64,
    content: &str,
    version: Option<i64>,
) -> AppResult<Message> {
    let old = chat::message_by_id(&svc.pool, message_id).await?;
    let room = postable_room(svc, user, old.room_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => AppError::not_found("message"),
            other => other,
        })?;
    if old.author.id != user.id {
        return Err(AppError::forbidden("only its author can edit a message"));
    }
    // A direct message its author no longer shares a board with everyone
    // in is read-only to them.
    super::direct_messages::require_writable(&svc.pool, &room, user.id).await?;
    if old.deleted_at.is_some() {
        return Err(AppError::conflict("this message was deleted"));
    }
    let content = validate::message(content)?;
    if version.is_some_and(|v| v != old.version) {
        return Err(stale(old, user));
    }
    if content == old.content {
        return Ok(old.as_seen_by(user.id));
    }
    if room.archived_at.is_some() {
        return Err(AppError::invalid(
            "this room is archived: its messages cannot change",
        ));
    }
    svc.charge(user).await?;
    let (mentioned, _) =
        mentions::resolve_in_room(&svc.pool, room.board_id, room.id, &content).await?;
    let html = Post::Message.render(&content, &mentioned);
    let (mut write, seq) = NumberedWrite::begin_taking(&svc.pool, Stream::Room(room.id)).await?;
    let edited_at = now_ms();
    // Only the version it was made on, still there: a concurrent edit or
    // deletion committed first wins, and this one is told.
    let changed = sqlx::query(
        "UPDATE chat_messages SET content = $1, html = $2, edited_at = $3, seq = $4,
             version = version + 1
         WHERE id = $5 AND version = $6 AND deleted_at IS NULL",
    )
    .bind(&content)
    .bind(&html)
    .bind(edited_at)
    .bind(seq)
    .bind(message_id)
    .bind(old.version)
    .execute(&mut *write.tx)
    .await?
    .rows_affected();
    if changed == 0 {
        write.rollback().await?;
        let now = chat::message_by_id(&svc.pool, message_id).await?;
        if now.deleted_at.is_some() {
            return Err(AppError::conflict("this message was deleted"));
        }
        return Err(stale(now, user));
    }
    let site = MentionSite {
        kind: NotificationKind::ChatMention,
        board_id: room.board_id,
        task_id: None,
        comment_id: None,
        room_id: Some(room.id),
        message_id: Some(message_id),
    };
    let replaced = Revision::of(
        old.version,
        &old.content,
        &old.html,
        old.created_at,
        old.edited_at,
    );
    let notices = posts::after_edit(
        &mut write.tx,
        Post::Message,
        message_id,
        &replaced,
        user,
        &mentioned,
        &content,
        &site,
    )
    .await?;
    let message = Message {
        content,
        html,
        edited_at: Some(edited_at),
        version: old.version + 1,
        seq,
        mentions: mentions::as_loaded(mentioned),
        ..old
    };
    write.record(Event::Message {
        message: message.clone(),
    });
    // A reply's root's followers see its new text if it is the newest.
    let requoted = match message.thread_root_id {
        Some(root_id) => replies::refresh_reply_snippets(&mut write.tx, root_id).await?,
        None => Vec::new(),
    };
    write.commit(&svc.hub).await?;
    notices.publish(svc).await?;
    notifications::publish_refreshed(svc, &requoted).await?;
    Ok(message.as_seen_by(user.id))
}

/// The 409 of an edit made on an older version: the message as it is now.
fn stale(now: Message, viewer: &User) -> AppError {
    AppError::Stale(Box::new(Current::ChatMessage(now.as_seen_by(viewer.id))))
}

/// Deletes a message: its author, the room's creator or a board owner.
/// Deleting one already deleted changes nothing (and answers it).
#[tracing::instrument(skip_all, fields(user = user.id, message_id = message_id))]
pub async fn delete_message(svc: &Services, user: &User, message_id: i64) -> AppResult<Message> {
    let old = chat::message_by_id(&svc.pool, message_id).await?;
    let room = viewable_room(&svc.pool, old.room_id, user.id)
        .await
        .map_err(|_| AppError::not_found("message"))?;
    if old.author.id != user.id {
        require_room_admin(&svc.pool, &room, user.id)
            .await
            .map_err(|_| {
                AppError::forbidden(
                    "only its author, the room's creator or a board owner can delete a message",
                )
            })?;
    } else if !room_member(svc, user, room.id).await? {
        // An author who left the room: only its managers delete it now.
        require_room_admin(&svc.pool, &room, user.id).await?;
    }
    if old.deleted_at.is_some() {
        return Ok(old.as_seen_by(user.id));
    }
    svc.charge(user).await?;
    let (mut write, seq) = NumberedWrite::begin_taking(&svc.pool, Stream::Room(room.id)).await?;
    let deleted_at = now_ms();
    let deleted = sqlx::query(
        "UPDATE chat_messages SET content = '', html = '', deleted_at = $1, seq = $2
         WHERE id = $3 AND deleted_at IS NULL",
    )
    .bind(deleted_at)
    .bind(seq)
    .bind(message_id)
    .execute(&mut *write.tx)
    .await?
    .rows_affected();
    if deleted == 0 {
        // Deleted meanwhile by someone else: that deletion is the answer.
        write.rollback().await?;
        return Ok(chat::message_by_id(&svc.pool, message_id)
            .await?
            .as_seen_by(user.id));
    }
    posts::erase(&mut write.tx, Post::Message, message_id).await?;
    let withdrawn =
        posts::withdraw_notifications(&mut write.tx, Post::Message, message_id, &[], true).await?;
    let message = Message {
        content: String::new(),
        html: String::new(),
        deleted_at: Some(deleted_at),
        seq,
        mentions: Vec::new(),
        reactions: Vec::new(),
        ..old
    };
    write.record(Event::Message {
        message: message.clone(),
    });
    let requoted = match message.thread_root_id {
        Some(root_id) => replies::record_reply_deleted(&mut write, room.id, root_id).await?,
        None => Vec::new(),
    };
    write.commit(&svc.hub).await?;
    notifications::publish_removed(&svc.pool, &svc.hub, withdrawn).await?;
    notifications::publish_refreshed(svc, &requoted).await?;
    Ok(message.as_seen_by(user.id))
}

async fn room_member(svc: &Services, user: &User, room_id: i64) -> AppResult<bool> {
    Ok(chat::member_room(&svc.pool, room_id, user.id).await.is_ok())
}

/// A message's earlier versions and its current one, for the room's
/// readers. A deleted message has none left.
#[tracing::instrument(skip_all, fields(user = user.id, message_id = message_id))]
pub async fn message_revisions(
    svc: &Services,
    user: &User,
    message_id: i64,
) -> AppResult<Revisions> {
    let message = chat::message_by_id(&svc.pool, message_id).await?;
    chat::readable_room(&svc.pool, message.room_id, user.id)
        .await
        .map_err(|_| AppError::not_found("message"))?;
    Ok(Revisions {
        revisions: posts::revisions(&svc.pool, Post::Message, message_id).await?,
        current: Revision::of(
            message.version,
            &message.content,
            &message.html,
            message.created_at,
            message.edited_at,
        ),
    })
}
