//! Emoji reactions on chat messages and task comments, one implementation
//! for both.
//!
//! Rules: anyone who reads a message (a room's readers) or a comment (the
//! board's members) adds and removes their own reactions. An emoji is
//! checked against the bundled Unicode emoji table (skin tones and ZWJ
//! sequences included) and stored in its fully-qualified form, so the
//! unqualified spelling of the same emoji counts as the same one. At most
//! [`MAX_DISTINCT`] different emoji per post. Adding what is there, or
//! removing what is not, writes nothing and answers the post as it is.
//! Reactions spend their own budget (`--reaction-rate`), and only once the
//! input was found good and the change is a real one.
//!
//! A change takes the stream's next `seq` (the room's, or the task
//! thread's) and is published as a `reaction` event with the emoji's new
//! count; the post keeps that number as its `seq`, so a follower that
//! missed the event replays the post, reactions included. Nobody is
//! notified of a reaction.

use super::chat;
use super::comments;
use super::hub::Event;
use super::numbered::{NumberedWrite, Stream};
use super::posts::{self, Post};
use super::storage::now_ms;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::{Comment, EmojiEntry, Message, Reaction, User};

/// At most this many different emoji on one message or comment.
pub const MAX_DISTINCT: usize = 20;

/// The post a reaction changed, as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reacted {
    Message(Message),
    Comment(Comment),
}

/// The emoji in its fully-qualified form, or 400: one emoji of the Unicode
/// table, nothing around it.
pub fn canonical_emoji(raw: &str) -> AppResult<&'static str> {
    emojis::get(raw)
        .map(|e| e.as_str())
        .ok_or_else(|| AppError::invalid("emoji must be one Unicode emoji (like 👍 or 👍🏽)"))
}

/// The picker's table: every emoji in the default skin tone, in Unicode's
/// order, with its name, group and short names (made once).
pub fn emoji_table() -> &'static [EmojiEntry] {
    static TABLE: std::sync::LazyLock<Vec<EmojiEntry>> = std::sync::LazyLock::new(|| {
        emojis::iter()
            .map(|e| EmojiEntry {
                emoji: e.as_str().to_string(),
                name: e.name().to_string(),
                group: group_name(e.group()).to_string(),
                shortcodes: e.shortcodes().map(str::to_string).collect(),
                skin_tones: toned(e),
            })
            .collect()
    });
    &TABLE
}

/// The five toned forms of an emoji that takes a skin tone (every person
/// in it the same tone), light to dark; none for the others.
fn toned(e: &emojis::Emoji) -> Vec<String> {
    use emojis::SkinTone as T;
    if e.skin_tone().is_none() {
        return Vec::new();
    }
    [T::Light, T::MediumLight, T::Medium, T::MediumDark, T::Dark]
        .into_iter()
        .filter_map(|tone| e.with_skin_tone(tone))
        .map(|t| t.as_str().to_string())
        .collect()
}

fn group_name(group: emojis::Group) -> &'static str {
    use emojis::Group as G;
    match group {
        G::SmileysAndEmotion => "Smileys & Emotion",
        G::PeopleAndBody => "People & Body",
        G::AnimalsAndNature => "Animals & Nature",
        G::FoodAndDrink => "Food & Drink",
        G::TravelAndPlaces => "Travel & Places",
        G::Activities => "Activities",
        G::Objects => "Objects",
        G::Symbols => "Symbols",
        G::Flags => "Flags",
    }
}

impl Reacted {
    fn deleted(&self) -> bool {
        match self {
            Reacted::Message(m) => m.deleted_at.is_some(),
            Reacted::Comment(c) => c.deleted_at.is_some(),
        }
    }

    fn reactions(&self) -> &[Reaction] {
        match self {
            Reacted::Message(m) => &m.reactions,
            Reacted::Comment(c) => &c.reactions,
        }
    }
}

/// The post as `user` sees it now, and the stream it lives in, if they may
/// react to it (404 otherwise, as for reading it). One read: the post comes
/// with its reactions.
async fn target(svc: &Services, user: &User, post: Post, id: i64) -> AppResult<(Stream, Reacted)> {
    match post {
        Post::Message => {
            let message = chat::message_by_id(&svc.pool, id).await?;
            chat::readable_room(&svc.pool, message.room_id, user.id)
                .await
                .map_err(|_| AppError::not_found("message"))?;
            Ok((
                Stream::Room(message.room_id),
                Reacted::Message(message.as_seen_by(user.id)),
            ))
        }
        Post::Comment => {
            let comment = comments::one(&svc.pool, id).await?;
            comments::task_board(&svc.pool, comment.task_id, user.id)
                .await
                .map_err(|_| AppError::not_found("comment"))?;
            Ok((
                Stream::Thread(comment.task_id),
                Reacted::Comment(comment.as_seen_by(user.id)),
            ))
        }
    }
}

/// Adds (`add`) or removes `user`'s reaction `emoji` on a post.
#[tracing::instrument(skip_all, fields(user = user.id, post = ?post, id = id, add = add))]
pub async fn react(
    svc: &Services,
    user: &User,
    post: Post,
    id: i64,
    emoji: &str,
    add: bool,
) -> AppResult<Reacted> {
    let emoji = canonical_emoji(emoji)?;
    let (stream, before) = target(svc, user, post, id).await?;
    if before.deleted() {
        return Err(AppError::conflict(format!(
            "this {} was deleted",
            post.noun()
        )));
    }
    let now = before.reactions();
    let mine = now
        .iter()
        .any(|r| r.emoji == emoji && r.user_ids.contains(&user.id));
    if mine == add {
        // Nothing to change: the post as just read is the answer.
        return Ok(before);
    }
    if add && !now.iter().any(|r| r.emoji == emoji) && now.len() >= MAX_DISTINCT {
        return Err(too_many());
    }
    svc.charge_reaction(user).await?;
    let (mut write, seq) = NumberedWrite::begin_taking(&svc.pool, stream).await?;
    let (table, key) = post.reaction_table();
    let changed = if add {
        // Reactions list in the order they were made: within one post (its
        // stream is locked) each gets a later time than the one before,
        // even within the same millisecond.
        let latest: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT MAX(created_at) FROM {table} WHERE {key} = $1"
        ))
        .bind(id)
        .fetch_one(&mut *write.tx)
        .await?;
        let at = latest.map_or(now_ms(), |l| now_ms().max(l + 1));
        sqlx::query(&format!(
            "INSERT INTO {table} ({key}, emoji, user_id, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING"
        ))
        .bind(id)
        .bind(emoji)
        .bind(user.id)
        .bind(at)
        .execute(&mut *write.tx)
        .await?
    } else {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE {key} = $1 AND emoji = $2 AND user_id = $3"
        ))
        .bind(id)
        .bind(emoji)
        .bind(user.id)
        .execute(&mut *write.tx)
        .await?
    }
    .rows_affected();
    // The post keeps the number of its latest change; one deleted meanwhile
    // takes no reaction.
    let (posts_table, _) = post.own_table();
    let alive = sqlx::query(&format!(
        "UPDATE {posts_table} SET seq = $1 WHERE id = $2 AND deleted_at IS NULL"
    ))
    .bind(seq)
    .bind(id)
    .execute(&mut *write.tx)
    .await?
    .rows_affected();
    if changed == 0 || alive == 0 {
        // Another tab of this user got there first, or the post is gone:
        // nothing to publish, and this number goes unused.
        write.rollback().await?;
        if alive == 0 {
            return Err(AppError::conflict(format!(
                "this {} was deleted",
                post.noun()
            )));
        }
        return current(svc, user, post, id).await;
    }
    let after = posts::reactions(&mut *write.tx, post, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    if after.len() > MAX_DISTINCT {
        // Two people adding a 21st emoji at once: the later one loses.
        write.rollback().await?;
        return Err(too_many());
    }
    let reaction = after
        .into_iter()
        .find(|r| r.emoji == emoji)
        .unwrap_or_else(|| Reaction {
            emoji: emoji.to_string(),
            count: 0,
            user_ids: Vec::new(),
        });
    let (room_id, task_id) = match stream {
        Stream::Room(room) => (Some(room), None),
        Stream::Thread(task) => (None, Some(task)),
        Stream::Board(_) => (None, None),
    };
    let (message_id, comment_id) = match post {
        Post::Message => (Some(id), None),
        Post::Comment => (None, Some(id)),
    };
    write.record(Event::Reaction {
        room_id,
        task_id,
        message_id,
        comment_id,
        seq,
        user_id: user.id,
        added: add,
        reaction,
    });
    write.commit(&svc.hub).await?;
    current(svc, user, post, id).await
}

fn too_many() -> AppError {
    AppError::invalid(format!(
        "at most {MAX_DISTINCT} different emoji on one message or comment"
    ))
}

/// The post as it is now, as `user` sees it.
async fn current(svc: &Services, user: &User, post: Post, id: i64) -> AppResult<Reacted> {
    Ok(match post {
        Post::Message => Reacted::Message(
            chat::message_by_id(&svc.pool, id)
                .await?
                .as_seen_by(user.id),
        ),
        Post::Comment => Reacted::Comment(comments::one(&svc.pool, id).await?.as_seen_by(user.id)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_emoji_table_is_what_reactions_accept() {
        assert_eq!(canonical_emoji("👍").unwrap(), "👍");
        // Unqualified and fully-qualified forms are one emoji.
        assert_eq!(canonical_emoji("\u{2764}").unwrap(), "\u{2764}\u{fe0f}");
        assert_eq!(canonical_emoji("👍🏽").unwrap(), "👍🏽");
        assert_eq!(canonical_emoji("👩\u{200d}💻").unwrap(), "👩\u{200d}💻");
        for bad in ["", "a", "👍👍", " 👍", "👍 ", ":+1:", "\u{200d}"] {
            assert!(canonical_emoji(bad).is_err(), "{bad:?}");
        }
        let table = emoji_table();
        assert!(table.len() > 1500, "{}", table.len());
        assert!(table.iter().all(|e| canonical_emoji(&e.emoji).is_ok()));
        let thumbs = table.iter().find(|e| e.emoji == "👍").unwrap();
        assert_eq!(thumbs.name, "thumbs up");
        assert!(thumbs.shortcodes.iter().any(|s| s == "+1"));
        assert_eq!(table[0].group, "Smileys & Emotion");
        // The picker's tones: five, light to dark, each one a reaction takes.
        assert_eq!(thumbs.skin_tones, ["👍🏻", "👍🏼", "👍🏽", "👍🏾", "👍🏿"]);
        let toned: Vec<&EmojiEntry> = table.iter().filter(|e| !e.skin_tones.is_empty()).collect();
        assert!(toned.len() > 200, "{}", toned.len());
        assert!(toned.iter().all(|e| e.skin_tones.len() == 5
            && e.skin_tones
                .iter()
                .all(|t| canonical_emoji(t) == Ok(t.as_str()))));
        let rocket = table.iter().find(|e| e.emoji == "🚀").unwrap();
        assert!(rocket.skin_tones.is_empty());
    }
}
