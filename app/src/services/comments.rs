//! Task comment threads: post, edit, delete, history, and the change stream
//! that lets a client resume without missing anything.
//!
//! Rules: only board members see or post; authors edit and delete their own
//! comments, the board owner deletes any. A deleted comment stays in the
//! thread as "comment deleted" (its text is erased). Every change takes the
//! task's next `seq` in the writing transaction and is published after the
//! commit, in `seq` order: a client that saw up to `seq` N asks for
//! "changed after N" and gets every new comment, edit and deletion once.

use sqlx::{Any, AnyPool, Transaction};

use super::boards::role_on;
use super::hub::{Event, Topic};
use super::mentions::{self, Audience, Mentioning};
use super::notifications::{self, MentionSite};
use super::paging::Keyset;
use super::storage::now_ms;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{Comment, CommentPage, NotificationKind, Role, User};
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

/// The columns of a comment row (`Row`), with its author.
macro_rules! select_comments {
    () => {
        "SELECT c.id, c.task_id, c.content, c.created_at, c.edited_at, c.deleted_at,
        c.seq, u.id, u.username, u.display_name
    FROM task_comments c JOIN users u ON u.id = c.author_id"
    };
}
const SELECT: &str = select_comments!();
const SELECT_IN_TASK: &str = concat!(select_comments!(), " WHERE c.task_id = $1");

type Row = (
    i64,
    i64,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
    String,
    String,
);

/// Rows to comments, with their stored mentions (one extra query for all).
async fn with_mentions(pool: &AnyPool, rows: Vec<Row>) -> AppResult<Vec<Comment>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut mentioned = mentions::load(pool, Mentioning::Comment, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| Comment {
            id: r.0,
            task_id: r.1,
            content: r.2,
            created_at: r.3,
            edited_at: r.4,
            deleted_at: r.5,
            seq: r.6,
            author: User {
                id: r.7,
                username: r.8,
                display_name: r.9,
            },
            mentions: mentioned.remove(&r.0).unwrap_or_default(),
        })
        .collect())
}

async fn one(pool: &AnyPool, comment_id: i64) -> AppResult<Comment> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE c.id = $1"))
        .bind(comment_id)
        .fetch_optional(pool)
        .await?;
    let row = row.ok_or_else(|| AppError::not_found("comment"))?;
    Ok(with_mentions(pool, vec![row]).await?.remove(0))
}

/// The task's latest change number.
pub(crate) async fn current_seq(pool: &AnyPool, task_id: i64) -> AppResult<i64> {
    let (seq,): (i64,) = sqlx::query_as("SELECT comment_seq FROM tasks WHERE id = $1")
        .bind(task_id)
        .fetch_one(pool)
        .await?;
    Ok(seq)
}

/// Takes the task's next change number (and, until commit, its write lock),
/// adding `count_change` to its comment count (+1 new, -1 deleted, 0 edited).
async fn next_seq(
    tx: &mut Transaction<'static, Any>,
    task_id: i64,
    count_change: i64,
) -> AppResult<i64> {
    let seq: Option<(i64,)> = sqlx::query_as(
        "UPDATE tasks SET comment_seq = comment_seq + 1, comment_count = comment_count + $2
         WHERE id = $1 RETURNING comment_seq",
    )
    .bind(task_id)
    .bind(count_change)
    .fetch_optional(&mut **tx)
    .await?;
    seq.map(|(s,)| s).ok_or_else(|| AppError::not_found("task"))
}

pub use super::paging::Cursor;

/// How threads are paged: (task_id, id) ranges.
const COMMENTS: Keyset = Keyset {
    select: SELECT_IN_TASK,
    id: "c.id",
    table: "task_comments",
    scope: "task_id",
};

/// A page of a task's thread, oldest first: the newest page with no cursor.
/// Keyset pagination on (task_id, id).
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
        .page(pool, task_id, cursor, limit, |r: &Row| r.0)
        .await?;
    Ok(CommentPage {
        comments: with_mentions(pool, page.rows).await?,
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

/// Publishes a committed change to the task's subscribers.
fn publish(svc: &Services, comment: &Comment) {
    svc.hub.publish(
        Topic::Task(comment.task_id),
        Event::Comment {
            comment: comment.clone(),
        },
    );
}

fn site(board_id: i64, task_id: i64, comment_id: i64) -> MentionSite {
    MentionSite {
        kind: NotificationKind::CommentMention,
        board_id,
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
    // Publishing in commit order is what makes `seq` resumable.
    let _order = svc.comment_order.lock(task_id).await;
    let mut tx = svc.pool.begin().await?;
    // The task's number first: a write, which takes the write lock (see
    // `chat::insert_batch`); the transaction rolls back if it goes no further.
    let seq = next_seq(&mut tx, task_id, 1).await?;
    // Checked again inside the transaction: a comment racing its author's
    // removal from the board does not land.
    let member: Option<(i64,)> =
        sqlx::query_as("SELECT user_id FROM board_members WHERE board_id = $1 AND user_id = $2")
            .bind(board_id)
            .bind(user.id)
            .fetch_optional(&mut *tx)
            .await?;
    if member.is_none() {
        return Err(AppError::not_found("task"));
    }
    let inserted = sqlx::query_as::<_, (i64,)>(
        "INSERT INTO task_comments (task_id, author_id, content, created_at, seq, client_id)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(task_id)
    .bind(user.id)
    .bind(&content)
    .bind(now_ms())
    .bind(seq)
    .bind(client_id.as_deref())
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok((id,)) => id,
        // Another instance stored the same client_id a moment ago: that one
        // is the answer (this transaction rolls back, its number unused).
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() && client_id.is_some() => {
            drop(tx);
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
    mentions::store(&mut tx, Mentioning::Comment, id, &mentioned).await?;
    let notified = notifications::insert_for_mentions(
        &mut tx,
        &site(board_id, task_id, id),
        user,
        &mentioned,
        &content,
    )
    .await?;
    tx.commit().await?;
    let comment = one(&svc.pool, id).await?;
    publish(svc, &comment);
    notifications::publish_new(&svc.pool, &svc.hub, &notified).await?;
    Ok(comment)
}

/// The comment this author already posted under `client_id`, if any.
async fn sent_before(
    pool: &AnyPool,
    author_id: i64,
    client_id: &str,
) -> AppResult<Option<Comment>> {
    let id: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM task_comments WHERE author_id = $1 AND client_id = $2")
            .bind(author_id)
            .bind(client_id)
            .fetch_optional(pool)
            .await?;
    match id {
        Some((id,)) => one(pool, id).await.map(Some),
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

/// Edits your own comment. Only people newly @mentioned by the edit are notified.
pub async fn edit(
    svc: &Services,
    user: &User,
    comment_id: i64,
    content: &str,
) -> AppResult<Comment> {
    let (old, board_id, _) = editable(svc, user, comment_id).await?;
    if old.author.id != user.id {
        return Err(AppError::forbidden("only its author can edit a comment"));
    }
    if old.deleted_at.is_some() {
        return Err(AppError::conflict("this comment was deleted"));
    }
    let content = validate::message(content)?;
    if content == old.content {
        return Ok(old);
    }
    svc.charge(user).await?;
    let mentioned = mentions::resolve(&svc.pool, Audience::Board(board_id), &content).await?;
    let newly: Vec<User> = mentioned
        .iter()
        .filter(|m| !old.mentions.iter().any(|o| o.id == m.id))
        .cloned()
        .collect();
    let _order = svc.comment_order.lock(old.task_id).await;
    let mut tx = svc.pool.begin().await?;
    let seq = next_seq(&mut tx, old.task_id, 0).await?;
    sqlx::query("UPDATE task_comments SET content = $1, edited_at = $2, seq = $3 WHERE id = $4")
        .bind(&content)
        .bind(now_ms())
        .bind(seq)
        .bind(comment_id)
        .execute(&mut *tx)
        .await?;
    mentions::store(&mut tx, Mentioning::Comment, comment_id, &mentioned).await?;
    let refreshed = notifications::refresh_for_comment(&mut tx, comment_id, &content).await?;
    let notified = notifications::insert_for_mentions(
        &mut tx,
        &site(board_id, old.task_id, comment_id),
        user,
        &newly,
        &content,
    )
    .await?;
    tx.commit().await?;
    let comment = one(&svc.pool, comment_id).await?;
    publish(svc, &comment);
    notifications::publish_refreshed(svc, &refreshed).await?;
    notifications::publish_new(&svc.pool, &svc.hub, &notified).await?;
    Ok(comment)
}

/// Deletes a comment (its author, or the board owner). The thread keeps a
/// "comment deleted" placeholder; the notifications it caused are withdrawn.
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
    let _order = svc.comment_order.lock(old.task_id).await;
    let mut tx = svc.pool.begin().await?;
    let seq = next_seq(&mut tx, old.task_id, -1).await?;
    // Only a comment not yet deleted: a concurrent second deletion must not
    // count it twice (its transaction rolls back and answers the comment).
    let deleted = sqlx::query(
        "UPDATE task_comments SET content = '', deleted_at = $1, seq = $2
         WHERE id = $3 AND deleted_at IS NULL",
    )
    .bind(now_ms())
    .bind(seq)
    .bind(comment_id)
    .execute(&mut *tx)
    .await?;
    if deleted.rows_affected() == 0 {
        tx.rollback().await?;
        return one(&svc.pool, comment_id).await;
    }
    mentions::store(&mut tx, Mentioning::Comment, comment_id, &[]).await?;
    let withdrawn = notifications::delete_for_comment(&mut tx, comment_id).await?;
    tx.commit().await?;
    let comment = one(&svc.pool, comment_id).await?;
    publish(svc, &comment);
    notifications::publish_removed(svc, withdrawn).await?;
    Ok(comment)
}
