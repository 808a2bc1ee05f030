//! What chat messages and task comments share, written once for both:
//! their Markdown rendering, earlier versions, reactions as stored, whom
//! they ever notified, and erasing what a deletion erases.
//!
//! Each kind has its own tables (so a deleted room or task takes its rows
//! with it by foreign key); [`Post`] names them.

use std::collections::HashMap;

use sqlx::{Any, AnyPool, Transaction};

use super::markdown::{self, Flavor};
use super::notifications;
use crate::error::AppResult;
use crate::model::{NotificationKind, Reaction, Revision, User};

/// A kind of post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Post {
    Message,
    Comment,
}

impl Post {
    /// Its own table and the column its satellite tables key it by.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Self::Message => ("chat_messages", "message_id"),
            Self::Comment => ("task_comments", "comment_id"),
        }
    }

    /// Its own table, and the column its satellite tables key it by.
    pub fn own_table(self) -> (&'static str, &'static str) {
        self.table()
    }

    /// Its reactions' table, and the column that names the post there.
    pub fn reaction_table(self) -> (&'static str, &'static str) {
        match self {
            Self::Message => ("chat_message_reactions", "message_id"),
            Self::Comment => ("task_comment_reactions", "comment_id"),
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::Message => "chat_message",
            Self::Comment => "task_comment",
        }
    }

    /// How its Markdown renders (tables only in comments).
    pub fn flavor(self) -> Flavor {
        match self {
            Self::Message => Flavor::Chat,
            Self::Comment => Flavor::Document,
        }
    }

    /// Its text rendered to sanitized HTML, with its resolved mentions.
    pub fn render(self, text: &str, mentioned: &[User]) -> String {
        markdown::render(text, self.flavor(), mentioned)
    }

    /// The word users read ("message", "comment").
    pub fn noun(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Comment => "comment",
        }
    }
}

/// Keeps the version an edit replaces (inside the edit's transaction).
async fn keep_revision(
    tx: &mut Transaction<'static, Any>,
    post: Post,
    id: i64,
    replaced: &Revision,
) -> AppResult<()> {
    let (_, key) = post.table();
    sqlx::query(&format!(
        "INSERT INTO {}_revisions ({key}, version, content, html, written_at)
         VALUES ($1, $2, $3, $4, $5)",
        post.prefix()
    ))
    .bind(id)
    .bind(replaced.version)
    .bind(&replaced.content)
    .bind(&replaced.html)
    .bind(replaced.written_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What an edit did to notifications (see [`after_edit`]), to publish once
/// its transaction is committed.
#[must_use]
pub struct EditNotices {
    withdrawn: Vec<(i64, i64)>,
    refreshed: Vec<i64>,
    notified: Vec<i64>,
}

impl EditNotices {
    /// Tells every recipient's tabs: withdrawn entries, lists whose text
    /// changed, new mentions.
    pub async fn publish(self, svc: &super::Services) -> AppResult<()> {
        notifications::publish_removed(&svc.pool, &svc.hub, self.withdrawn).await?;
        notifications::publish_refreshed(svc, &self.refreshed).await?;
        notifications::publish_new(&svc.pool, &svc.hub, &self.notified).await
    }
}

/// What an edit stores besides the post's new row, inside its transaction,
/// the same for messages and comments: the version it replaced is kept, the
/// mentions are replaced, mentions taken away withdraw their unread
/// notifications, the others show the new text, and only people the post
/// never notified before are notified now (at `site`).
#[allow(clippy::too_many_arguments)]
pub async fn after_edit(
    tx: &mut Transaction<'static, Any>,
    post: Post,
    id: i64,
    replaced: &Revision,
    author: &User,
    mentioned: &[User],
    text: &str,
    site: &notifications::MentionSite,
) -> AppResult<EditNotices> {
    keep_revision(tx, post, id, replaced).await?;
    let mentioning = match post {
        Post::Message => super::mentions::Mentioning::Message,
        Post::Comment => super::mentions::Mentioning::Comment,
    };
    super::mentions::store(tx, mentioning, id, mentioned).await?;
    let withdrawn = withdraw_notifications(tx, post, id, mentioned, false).await?;
    let refreshed = refresh_snippets(tx, post, id, text).await?;
    let fresh = first_notices(tx, post, id, author, mentioned).await?;
    let notified = notifications::insert_for_mentions(tx, site, author, &fresh, text).await?;
    Ok(EditNotices {
        withdrawn,
        refreshed,
        notified,
    })
}

/// A post's earlier versions, oldest first.
pub async fn revisions(pool: &AnyPool, post: Post, id: i64) -> AppResult<Vec<Revision>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        version: i64,
        content: String,
        html: String,
        written_at: i64,
    }
    let (_, key) = post.table();
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT version, content, html, written_at FROM {}_revisions
         WHERE {key} = $1 ORDER BY version",
        post.prefix()
    ))
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Revision {
            version: r.version,
            content: r.content,
            html: r.html,
            written_at: r.written_at,
        })
        .collect())
}

/// What deleting a post erases besides its text: its earlier versions, its
/// reactions, its mentions (inside the deletion's transaction).
pub async fn erase(tx: &mut Transaction<'static, Any>, post: Post, id: i64) -> AppResult<()> {
    let (_, key) = post.table();
    for satellite in ["revisions", "reactions", "mentions"] {
        sqlx::query(&format!(
            "DELETE FROM {}_{satellite} WHERE {key} = $1",
            post.prefix()
        ))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Of the people a post mentions now, those it never notified before; they
/// are recorded as notified (inside the write's transaction). A mention
/// removed by an edit and added again by the next notifies nobody twice.
pub async fn first_notices(
    tx: &mut Transaction<'static, Any>,
    post: Post,
    id: i64,
    author: &User,
    mentioned: &[User],
) -> AppResult<Vec<User>> {
    let (_, key) = post.table();
    let mut fresh = Vec::new();
    for user in mentioned.iter().filter(|u| u.id != author.id) {
        let added = sqlx::query(&format!(
            "INSERT INTO {}_notices ({key}, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            post.prefix()
        ))
        .bind(id)
        .bind(user.id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if added > 0 {
            fresh.push(user.clone());
        }
    }
    Ok(fresh)
}

/// Withdraws notifications a post caused (inside the change's
/// transaction). After an edit: the unread mention notifications of people
/// it no longer mentions (`still`: those it does); read ones stay as
/// history. After a deletion (`deleted`): every notification it caused,
/// read or not (they quote the erased text). Returns (recipient,
/// notification id) pairs for `notifications::publish_removed`.
pub async fn withdraw_notifications(
    tx: &mut Transaction<'static, Any>,
    post: Post,
    id: i64,
    still: &[User],
    deleted: bool,
) -> AppResult<Vec<(i64, i64)>> {
    let (_, key) = post.table();
    let mention = match post {
        Post::Message => NotificationKind::ChatMention,
        Post::Comment => NotificationKind::CommentMention,
    };
    let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT recipient_id, id FROM notifications WHERE {key} = $1
           AND (($2 = 1 AND kind <> 'reply') OR (kind = $3 AND read_at IS NULL))"
    ))
    .bind(id)
    .bind(i64::from(deleted))
    .bind(mention.as_str())
    .fetch_all(&mut **tx)
    .await?;
    let gone: Vec<(i64, i64)> = rows
        .into_iter()
        .filter(|(recipient, _)| !still.iter().any(|u| u.id == *recipient))
        .collect();
    for (_, notification) in &gone {
        sqlx::query("DELETE FROM notifications WHERE id = $1")
            .bind(notification)
            .execute(&mut **tx)
            .await?;
    }
    Ok(gone)
}

/// An edited post's notifications show its new text (what was edited out
/// does not linger in anyone's list). Inside the edit's transaction; returns
/// the recipients whose lists changed, for `notifications::publish_refreshed`.
pub async fn refresh_snippets(
    tx: &mut Transaction<'static, Any>,
    post: Post,
    id: i64,
    text: &str,
) -> AppResult<Vec<i64>> {
    let (_, key) = post.table();
    let recipients: Vec<(i64,)> = sqlx::query_as(&format!(
        "UPDATE notifications SET snippet = $1 WHERE {key} = $2 AND kind <> 'reply'
         RETURNING recipient_id"
    ))
    .bind(notifications::snippet(text))
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let mut recipients: Vec<i64> = recipients.into_iter().map(|(r,)| r).collect();
    recipients.sort_unstable();
    recipients.dedup();
    Ok(recipients)
}

/// The reactions of many posts of one kind (one query), by post id: each
/// emoji in the order it was first used, its people in the order they
/// reacted.
pub async fn reactions<'e, E: sqlx::Executor<'e, Database = Any>>(
    db: E,
    post: Post,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<Reaction>>> {
    let mut out: HashMap<i64, Vec<Reaction>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let (_, key) = post.table();
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {key} AS item, emoji, user_id, created_at FROM {}_reactions
         WHERE {key} IN ({}) ORDER BY {key}, created_at, user_id",
        post.prefix(),
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, (i64, String, i64, i64)>(&sql);
    for id in ids {
        query = query.bind(id);
    }
    for (item, emoji, user_id, _) in query.fetch_all(db).await? {
        let list = out.entry(item).or_default();
        match list.iter_mut().find(|r| r.emoji == emoji) {
            Some(r) => {
                r.count += 1;
                r.user_ids.push(user_id);
            }
            None => list.push(Reaction {
                emoji,
                count: 1,
                user_ids: vec![user_id],
            }),
        }
    }
    Ok(out)
}

/// Renders the `html` of posts stored before Markdown was (NULL until
/// then): a start-up backfill in batches, safe on every start and on every
/// instance (it only fills what is missing). Returns how many it rendered.
pub async fn backfill_html(pool: &AnyPool) -> AppResult<u64> {
    let mut done = 0;
    for post in [Post::Message, Post::Comment] {
        let (table, _) = post.table();
        let mentioning = match post {
            Post::Message => super::mentions::Mentioning::Message,
            Post::Comment => super::mentions::Mentioning::Comment,
        };
        loop {
            let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
                "SELECT id, content FROM {table} WHERE html IS NULL ORDER BY id LIMIT 500"
            ))
            .fetch_all(pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
            let mut mentioned = super::mentions::load(pool, mentioning, &ids).await?;
            let mut tx = pool.begin().await?;
            for (id, content) in rows {
                let users = mentioned.remove(&id).unwrap_or_default();
                sqlx::query(&format!(
                    "UPDATE {table} SET html = $1 WHERE id = $2 AND html IS NULL"
                ))
                .bind(post.render(&content, &users))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                done += 1;
            }
            tx.commit().await?;
        }
    }
    Ok(done)
}
