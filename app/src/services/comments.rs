//! Task comment threads: post, edit, delete, history, and the change stream
//! that lets a client resume without missing anything.
//!
//! Rules: only board members see or post; authors edit and delete their own
//! comments, the board owner deletes any. A deleted comment stays in the
//! thread as "comment deleted" (its text is erased). Every change takes the
//! task's next `seq` in the writing transaction and is published after the
//! commit, in `seq` order: a client that saw up to `seq` N asks for
//! "changed after N" and gets every new comment, edit and deletion once.

use sqlx::AnyPool;

use super::boards::role_on;
use super::hub::Event;
use super::mentions::{self, Audience, Mentioning};
use super::notifications::{self, Activity, MentionSite};
use super::numbered::{self, NumberedWrite, Sent, Stream};
use super::paging::Keyset;
use super::posts::{self, Post};
use super::storage::now_ms;
use super::watching;
use super::Services;
use crate::error::{AppError, AppResult, Current};
use crate::model::{Comment, CommentPage, NotificationKind, Revision, Revisions, Role, User};
use crate::validate;

/// The board of a task the user may see, and their role on it (404 otherwise).
pub(crate) async fn task_board(
    pool: &AnyPool,
    task_id: i64,
    user_id: i64,
) -> AppResult<(i64, Role)> {
    let board: Option<(i64,)> = sqlx::query_as("SELECT board_id FROM tasks WHERE id = $1")
        .bind(task_id)
        .fetch_optional(pool)
        .await?;
    let (board_id,) = board.ok_or_else(|| AppError::not_found("task"))?;
    let role = role_on(pool, board_id, user_id)
        .await
        .map_err(|_| AppError::not_found("task"))?;
    Ok((board_id, role))
}

/// The columns of a comment row ([`Row`]), with its author.
macro_rules! select_comments {
    () => {
        "SELECT c.id, c.task_id, c.content, c.html, c.created_at, c.edited_at, c.deleted_at,
        c.version, c.seq, c.client_id, u.id AS author_id, u.username, u.display_name
    FROM task_comments c JOIN users u ON u.id = c.author_id"
    };
}
const SELECT: &str = select_comments!();
const SELECT_IN_TASK: &str = concat!(select_comments!(), " WHERE c.task_id = $1");

/// A stored comment with its author.
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    task_id: i64,
    content: String,
    /// NULL until rendered (see `posts::backfill_html`).
    html: Option<String>,
    created_at: i64,
    edited_at: Option<i64>,
    deleted_at: Option<i64>,
    version: i64,
    seq: i64,
    client_id: Option<String>,
    author_id: i64,
    username: String,
    display_name: String,
}

/// Rows to comments, with their stored mentions and reactions (one extra
/// query for all of each).
async fn with_mentions(pool: &AnyPool, rows: Vec<Row>) -> AppResult<Vec<Comment>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut mentioned = mentions::load(pool, Mentioning::Comment, &ids).await?;
    let mut reactions = posts::reactions(pool, Post::Comment, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mentions = mentioned.remove(&r.id).unwrap_or_default();
            Comment {
                id: r.id,
                task_id: r.task_id,
                html: r
                    .html
                    .unwrap_or_else(|| Post::Comment.render(&r.content, &mentions)),
                content: r.content,
                created_at: r.created_at,
                edited_at: r.edited_at,
                deleted_at: r.deleted_at,
                version: r.version,
                seq: r.seq,
                author: User {
                    id: r.author_id,
                    username: r.username,
                    display_name: r.display_name,
                },
                mentions,
                reactions: reactions.remove(&r.id).unwrap_or_default(),
                client_id: r.client_id,
            }
        })
        .collect())
}

pub(crate) async fn one(pool: &AnyPool, comment_id: i64) -> AppResult<Comment> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE c.id = $1"))
        .bind(comment_id)
        .fetch_optional(pool)
        .await?;
    let row = row.ok_or_else(|| AppError::not_found("comment"))?;
    Ok(with_mentions(pool, vec![row]).await?.remove(0))
}

/// Begins a change of the task's thread: a numbered write whose first
/// statement takes its next change number (and locks the thread until the
/// commit), adding `count_change` to its comment count (+1 new, -1 deleted,
/// 0 edited).
async fn begin_change(
    svc: &Services,
    task_id: i64,
    count_change: i64,
) -> AppResult<(NumberedWrite, i64)> {
    let (mut write, seq) = NumberedWrite::begin_taking(&svc.pool, Stream::Thread(task_id)).await?;
    if count_change != 0 {
        sqlx::query("UPDATE tasks SET comment_count = comment_count + $2 WHERE id = $1")
            .bind(task_id)
            .bind(count_change)
            .execute(&mut *write.tx)
            .await?;
    }
    Ok((write, seq))
}

pub use super::paging::Cursor;

/// How threads are paged: (task_id, id) ranges.
const COMMENTS: Keyset = Keyset {
    select: SELECT_IN_TASK,
    id: "c.id",
    table: "task_comments",
    scope: "task_id",
    only: "",
};

/// A page of a task's thread, oldest first: the newest page with no cursor.
/// Keyset pagination on (task_id, id).
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
pub async fn history(
    svc: &Services,
    user: &User,
    task_id: i64,
    cursor: Cursor,
    limit: Option<i64>,
) -> AppResult<CommentPage> {
    let limit = validate::page_limit(limit)?;
    let cursor = cursor.check()?;
    task_board(&svc.pool, task_id, user.id).await?;
    let pool = &svc.pool;
    // Read the change number first: a change committed while the page is
    // read then has a higher `seq` and reaches the client by the replay.
    let (seq, count): (i64, i64) =
        sqlx::query_as("SELECT comment_seq, comment_count FROM tasks WHERE id = $1")
            .bind(task_id)
            .fetch_one(pool)
            .await?;
    let page = COMMENTS
        .page(pool, task_id, cursor, limit, |r: &Row| r.id)
        .await?;
    let comments = with_mentions(pool, page.rows).await?;
    Ok(CommentPage {
        comments: comments
            .into_iter()
            .map(|c| c.as_seen_by(user.id))
            .collect(),
        has_older: page.has_older,
        has_newer: page.has_newer,
        seq,
        count,
    })
}

/// Every comment changed (created, edited, deleted) after change `seq`, in
/// change order, at most `limit`; and whether more follow. Used to resume.
pub(crate) async fn changes_since(
    pool: &AnyPool,
    task_id: i64,
    seq: i64,
    limit: i64,
) -> AppResult<(Vec<Comment>, bool)> {
    let mut rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT_IN_TASK} AND c.seq > $2 ORDER BY c.seq ASC LIMIT $3"
    ))
    .bind(task_id)
    .bind(seq)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((with_mentions(pool, rows).await?, more))
}

fn site(board_id: i64, task_id: i64, comment_id: i64) -> MentionSite {
    MentionSite {
        kind: NotificationKind::CommentMention,
        board_id: Some(board_id),
        task_id: Some(task_id),
        comment_id: Some(comment_id),
        room_id: None,
        message_id: None,
    }
}

/// Posts a comment. It is committed before this returns, then published to
/// the task's subscribers; each board member it @mentions is notified. With a
/// `client_id` this author used before, nothing is written: the stored
/// comment is the answer (a re-sent comment whose ack was lost).
#[tracing::instrument(skip_all, fields(user = user.id, task_id = task_id))]
pub async fn post(
    svc: &Services,
    user: &User,
    task_id: i64,
    content: &str,
    client_id: Option<&str>,
) -> AppResult<Comment> {
    let content = validate::message(content)?;
    let client_id = validate::client_id(client_id)?;
    let (board_id, _) = task_board(&svc.pool, task_id, user.id).await?;
    if let Some(id) = &client_id {
        if let Some(sent) = sent_before(&svc.pool, user.id, id).await? {
            return repeat_of(sent, task_id);
        }
    }
    svc.charge(user).await?;
    let mentioned = mentions::resolve(&svc.pool, Audience::Board(board_id), &content).await?;
    let html = Post::Comment.render(&content, &mentioned);
    let (mut write, seq) = begin_change(svc, task_id, 1).await?;
    if let Some(id) = &client_id {
        if let Some(id) = write.sent_before(Sent::Comment, user.id, id).await? {
            // Stored meanwhile: that one is the answer, this number unused.
            write.rollback().await?;
            return repeat_of(one(&svc.pool, id).await?, task_id);
        }
    }
    // Checked again inside the transaction: a comment racing its author's
    // removal from the board does not land.
    let member: Option<i64> = sqlx::query_scalar(
        "SELECT user_id FROM board_members WHERE board_id = $1 AND user_id = $2",
    )
    .bind(board_id)
    .bind(user.id)
    .fetch_optional(&mut *write.tx)
    .await?;
    if member.is_none() {
        return Err(AppError::not_found("task"));
    }
    let created_at = now_ms();
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO task_comments (task_id, author_id, content, html, created_at, seq, client_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(task_id)
    .bind(user.id)
    .bind(&content)
    .bind(&html)
    .bind(created_at)
    .bind(seq)
    .bind(client_id.as_deref())
    .fetch_one(&mut *write.tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        // Another instance stored the same client_id a moment ago: that one
        // is the answer (this transaction rolls back, its number unused).
        Err(e) if numbered::is_repeat(&e, Sent::Comment) => {
            drop(write);
            let id = client_id.as_deref().unwrap_or_default();
            return match sent_before(&svc.pool, user.id, id).await? {
                Some(sent) => repeat_of(sent, task_id),
                None => Err(AppError::Internal(
                    "internal error, please try again".into(),
                )),
            };
        }
        Err(e) => return Err(e.into()),
    };
    mentions::store(&mut write.tx, Mentioning::Comment, id, &mentioned).await?;
    let fresh = posts::first_notices(&mut write.tx, Post::Comment, id, user, &mentioned).await?;
    let notified = notifications::insert_for_mentions(
        &mut write.tx,
        &site(board_id, task_id, id),
        user,
        &fresh,
        &content,
    )
    .await?;
    // The card's watchers hear of it (one entry per card, counting the
    // comments); the people it mentions already did. The author watches it
    // from now on, unless they chose not to.
    let watchers: Vec<i64> = watching::watchers(&mut write.tx, task_id)
        .await?
        .into_iter()
        .filter(|w| !mentioned.iter().any(|m| m.id == *w))
        .collect();
    let commented = notifications::insert_activity(
        &mut write.tx,
        &Activity {
            kind: NotificationKind::TaskComment,
            board_id: Some(board_id),
            task_id: Some(task_id),
            comment_id: Some(id),
            room_id: None,
            message_id: None,
            snippet: content.clone(),
        },
        user,
        &watchers,
    )
    .await?;
    watching::watch_automatically(&mut write.tx, task_id, user.id).await?;
    let comment = Comment {
        id,
        task_id,
        author: user.clone(),
        content,
        html,
        created_at,
        edited_at: None,
        deleted_at: None,
        version: 1,
        seq,
        mentions: mentions::as_loaded(mentioned),
        reactions: Vec::new(),
        client_id,
    };
    write.record(Event::Comment {
        comment: comment.clone(),
    });
    write.commit(&svc.hub).await?;
    notifications::publish_new(&svc.pool, &svc.hub, &notified).await?;
    notifications::publish_notified(&svc.pool, &svc.hub, &commented).await?;
    Ok(comment)
}

/// The comment this author already posted under `client_id`, if any.
async fn sent_before(
    pool: &AnyPool,
    author_id: i64,
    client_id: &str,
) -> AppResult<Option<Comment>> {
    match numbered::sent_before(pool, Sent::Comment, author_id, client_id).await? {
        Some(id) => one(pool, id).await.map(Some),
        None => Ok(None),
    }
}

/// A repeated `client_id` must name a comment of the same task.
fn repeat_of(sent: Comment, task_id: i64) -> AppResult<Comment> {
    if sent.task_id == task_id {
        Ok(sent)
    } else {
        Err(AppError::conflict(
            "this client_id was already used for a comment on another task",
        ))
    }
}

/// A comment with its task's board, for the edit and delete rules.
async fn editable(svc: &Services, user: &User, comment_id: i64) -> AppResult<(Comment, i64, Role)> {
    let comment = one(&svc.pool, comment_id).await?;
    let (board_id, role) = task_board(&svc.pool, comment.task_id, user.id)
        .await
        .map_err(|_| AppError::not_found("comment"))?;
    Ok((comment, board_id, role))
}

/// Edits your own comment. With `version`, an edit made on an older
/// version is refused (409 with the comment as it is now). The version it
/// replaces is kept; only people it newly mentions are notified (never
/// anyone twice), and mentions taken away withdraw their unread
/// notifications.
#[tracing::instrument(skip_all, fields(user = user.id, comment_id = comment_id))]
pub async fn edit(
    svc: &Services,
    user: &User,
    comment_id: i64,
    content: &str,
    version: Option<i64>,
) -> AppResult<Comment> {
    let (old, board_id, _) = editable(svc, user, comment_id).await?;
    if old.author.id != user.id {
        return Err(AppError::forbidden("only its author can edit a comment"));
    }
    if old.deleted_at.is_some() {
        return Err(AppError::conflict("this comment was deleted"));
    }
    let content = validate::message(content)?;
    if version.is_some_and(|v| v != old.version) {
        return Err(stale(old, user));
    }
    if content == old.content {
        return Ok(old.as_seen_by(user.id));
    }
    svc.charge(user).await?;
    let mentioned = mentions::resolve(&svc.pool, Audience::Board(board_id), &content).await?;
    let html = Post::Comment.render(&content, &mentioned);
    let (mut write, seq) = begin_change(svc, old.task_id, 0).await?;
    let edited_at = now_ms();
    // Only the version it was made on, still there: a concurrent edit or
    // deletion committed first wins, and this one is told.
    let edited = sqlx::query(
        "UPDATE task_comments SET content = $1, html = $2, edited_at = $3, seq = $4,
             version = version + 1
         WHERE id = $5 AND version = $6 AND deleted_at IS NULL",
    )
    .bind(&content)
    .bind(&html)
    .bind(edited_at)
    .bind(seq)
    .bind(comment_id)
    .bind(old.version)
    .execute(&mut *write.tx)
    .await?;
    if edited.rows_affected() == 0 {
        write.rollback().await?;
        let now = one(&svc.pool, comment_id).await?;
        if now.deleted_at.is_some() {
            return Err(AppError::conflict("this comment was deleted"));
        }
        return Err(stale(now, user));
    }
    let replaced = Revision::of(
        old.version,
        &old.content,
        &old.html,
        old.created_at,
        old.edited_at,
    );
    let notices = posts::after_edit(
        &mut write.tx,
        Post::Comment,
        comment_id,
        &replaced,
        user,
        &mentioned,
        &content,
        &site(board_id, old.task_id, comment_id),
    )
    .await?;
    let comment = Comment {
        content,
        html,
        edited_at: Some(edited_at),
        version: old.version + 1,
        seq,
        mentions: mentions::as_loaded(mentioned),
        ..old
    };
    write.record(Event::Comment {
        comment: comment.clone(),
    });
    write.commit(&svc.hub).await?;
    notices.publish(svc).await?;
    Ok(comment.as_seen_by(user.id))
}

/// The 409 of an edit made on an older version: the comment as it is now.
fn stale(now: Comment, viewer: &User) -> AppError {
    AppError::Stale(Box::new(Current::Comment(now.as_seen_by(viewer.id))))
}

/// A comment's earlier versions and its current one, for the board's
/// members. A deleted comment has none left.
#[tracing::instrument(skip_all, fields(user = user.id, comment_id = comment_id))]
pub async fn revisions(svc: &Services, user: &User, comment_id: i64) -> AppResult<Revisions> {
    let (comment, _, _) = editable(svc, user, comment_id).await?;
    Ok(Revisions {
        revisions: posts::revisions(&svc.pool, Post::Comment, comment_id).await?,
        current: Revision::of(
            comment.version,
            &comment.content,
            &comment.html,
            comment.created_at,
            comment.edited_at,
        ),
    })
}

/// Deletes a comment (its author, or the board owner). The thread keeps a
/// "comment deleted" placeholder; the notifications it caused are withdrawn.
#[tracing::instrument(skip_all, fields(user = user.id, comment_id = comment_id))]
pub async fn delete(svc: &Services, user: &User, comment_id: i64) -> AppResult<Comment> {
    let (old, _, role) = editable(svc, user, comment_id).await?;
    if old.author.id != user.id && role != Role::Owner {
        return Err(AppError::forbidden(
            "only its author or the board owner can delete a comment",
        ));
    }
    if old.deleted_at.is_some() {
        return Ok(old);
    }
    svc.charge(user).await?;
    let (mut write, seq) = begin_change(svc, old.task_id, -1).await?;
    let deleted_at = now_ms();
    // Only a comment not yet deleted: a concurrent second deletion must not
    // count it twice (its transaction rolls back and answers the comment).
    let deleted = sqlx::query(
        "UPDATE task_comments SET content = '', html = '', deleted_at = $1, seq = $2
         WHERE id = $3 AND deleted_at IS NULL",
    )
    .bind(deleted_at)
    .bind(seq)
    .bind(comment_id)
    .execute(&mut *write.tx)
    .await?;
    if deleted.rows_affected() == 0 {
        write.rollback().await?;
        return one(&svc.pool, comment_id).await;
    }
    posts::erase(&mut write.tx, Post::Comment, comment_id).await?;
    let withdrawn =
        posts::withdraw_notifications(&mut write.tx, Post::Comment, comment_id, &[], true).await?;
    let comment = Comment {
        content: String::new(),
        html: String::new(),
        deleted_at: Some(deleted_at),
        seq,
        mentions: Vec::new(),
        reactions: Vec::new(),
        ..old
    };
    write.record(Event::Comment {
        comment: comment.clone(),
    });
    write.commit(&svc.hub).await?;
    notifications::publish_removed(&svc.pool, &svc.hub, withdrawn).await?;
    Ok(comment)
}
