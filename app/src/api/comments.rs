//! Task comments, mention suggestions and notifications from the UI. Live
//! updates come over the WebSocket (`ui::live`); these load pages and change
//! things.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{Comment, CommentPage, NotificationPage, Revisions, User};

#[cfg(feature = "ssr")]
use crate::services::{comments, mentions, notifications};

/// A page of a task's comments: the newest (no cursor) or older than `before`.
#[server(prefix = "/rpc", endpoint = "comments/history", input = super::FormOrJson)]
pub async fn comment_history(task_id: i64, before: Option<i64>) -> Result<CommentPage, AppError> {
    let (svc, user) = super::ctx::user().await?;
    let cursor = comments::Cursor {
        before,
        after: None,
    };
    comments::history(&svc, &user, task_id, cursor, Some(50)).await
}

/// Posts over HTTP (the fallback when no WebSocket is up). The same
/// `client_id` again answers with the comment stored the first time.
#[server(prefix = "/rpc", endpoint = "comments/post", input = super::FormOrJson)]
pub async fn post_comment(
    task_id: i64,
    content: String,
    client_id: Option<String>,
) -> Result<Comment, AppError> {
    let (svc, user) = super::ctx::user().await?;
    comments::post(&svc, &user, task_id, &content, client_id.as_deref()).await
}

/// Edits your comment; with `version`, only if nobody changed it since.
#[server(prefix = "/rpc", endpoint = "comments/edit", input = super::FormOrJson)]
pub async fn edit_comment(
    comment_id: i64,
    content: String,
    version: Option<i64>,
) -> Result<Comment, AppError> {
    let (svc, user) = super::ctx::user().await?;
    comments::edit(&svc, &user, comment_id, &content, version).await
}

/// A comment's earlier versions.
#[server(prefix = "/rpc", endpoint = "comments/revisions", input = super::FormOrJson)]
pub async fn comment_revisions(comment_id: i64) -> Result<Revisions, AppError> {
    let (svc, user) = super::ctx::user().await?;
    comments::revisions(&svc, &user, comment_id).await
}

/// Adds (`add`) or removes your reaction `emoji` on a comment.
#[server(prefix = "/rpc", endpoint = "comments/react", input = super::FormOrJson)]
pub async fn react_to_comment(
    comment_id: i64,
    emoji: String,
    add: bool,
) -> Result<Comment, AppError> {
    use crate::services::posts::Post;
    use crate::services::reactions::{self, Reacted};
    let (svc, user) = super::ctx::user().await?;
    match reactions::react(&svc, &user, Post::Comment, comment_id, &emoji, add).await? {
        Reacted::Comment(comment) => Ok(comment),
        Reacted::Message(_) => Err(AppError::Internal("a comment was expected".into())),
    }
}

#[server(prefix = "/rpc", endpoint = "comments/delete", input = super::FormOrJson)]
pub async fn delete_comment(comment_id: i64) -> Result<Comment, AppError> {
    let (svc, user) = super::ctx::user().await?;
    comments::delete(&svc, &user, comment_id).await
}

/// Board members matching an `@` prefix, best first.
#[server(prefix = "/rpc", endpoint = "mentions/suggest", input = super::FormOrJson)]
pub async fn suggest_mentions(board_id: i64, q: String) -> Result<Vec<User>, AppError> {
    let (svc, user) = super::ctx::user().await?;
    mentions::suggest(&svc, &user, board_id, &q).await
}

#[server(prefix = "/rpc", endpoint = "notifications/list", input = super::FormOrJson)]
pub async fn list_notifications(
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<NotificationPage, AppError> {
    let (svc, user) = super::ctx::user().await?;
    notifications::list(&svc, &user, before, limit, false).await
}

/// Marks one read; returns the new unread count.
#[server(prefix = "/rpc", endpoint = "notifications/read", input = super::FormOrJson)]
pub async fn read_notification(id: i64) -> Result<i64, AppError> {
    let (svc, user) = super::ctx::user().await?;
    notifications::mark_read(&svc, &user, id).await
}

#[server(prefix = "/rpc", endpoint = "notifications/read-all", input = super::FormOrJson)]
pub async fn read_all_notifications() -> Result<u64, AppError> {
    let (svc, user) = super::ctx::user().await?;
    notifications::mark_all_read(&svc, &user).await
}
