//! Who a text mentions (resolved against the people who can see it), the
//! mentions stored with comments and messages, and the autocomplete.
//!
//! Parsing is in [`crate::mentions`]; here the names found become users: only
//! those who can read the text count (board members for a task comment, room
//! members for a chat message). Unknown names, e-mail addresses and people
//! who cannot see the text are silently plain text.

use std::collections::HashMap;

use sqlx::{Any, AnyPool, Transaction};

use super::boards::role_on;
use super::Services;
use crate::error::AppResult;
use crate::mentions::mentioned_names;
use crate::model::User;

/// At most this many suggestions.
pub const MAX_SUGGESTIONS: usize = 8;
/// At most this many different people are mentioned by one text (the rest is text).
pub const MAX_MENTIONS: usize = 50;

/// Who may be mentioned: the members of a board, or of a chat room.
#[derive(Debug, Clone, Copy)]
pub enum Audience {
    Board(i64),
    Room(i64),
}

/// Mentions in the order [`load`] gives them (by username): what a text
/// carries when it is published right after being written, so that the live
/// copy and the one read back later are the same.
pub fn as_loaded(mut users: Vec<User>) -> Vec<User> {
    users.sort_by(|a, b| a.username.cmp(&b.username));
    users
}

/// The users a text mentions, in order of first mention, each once.
pub async fn resolve(pool: &AnyPool, audience: Audience, text: &str) -> AppResult<Vec<User>> {
    let (members, key) = match audience {
        Audience::Board(id) => (
            "JOIN board_members m ON m.user_id = u.id AND m.board_id = $1",
            id,
        ),
        Audience::Room(id) => (
            "JOIN chat_room_members m ON m.user_id = u.id AND m.room_id = $1",
            id,
        ),
    };
    let found = find(pool, members, key, "1", None, text).await?;
    Ok(found.into_iter().map(|(user, _)| user).collect())
}

/// The room members a chat message mentions (in order of first mention,
/// each once), and the usernames of the board members it mentions who are
/// not in the room (they are not notified, and the author is told). One
/// query: room members are always board members.
pub async fn resolve_in_room(
    pool: &AnyPool,
    board_id: Option<i64>,
    room_id: i64,
    text: &str,
) -> AppResult<(Vec<User>, Vec<String>)> {
    // A direct message: its people are all there is.
    let Some(board_id) = board_id else {
        return Ok((
            resolve(pool, Audience::Room(room_id), text).await?,
            Vec::new(),
        ));
    };
    let found = find(
        pool,
        "JOIN board_members m ON m.user_id = u.id AND m.board_id = $1",
        board_id,
        "CASE WHEN EXISTS (SELECT 1 FROM chat_room_members r
                           WHERE r.room_id = $2 AND r.user_id = u.id) THEN 1 ELSE 0 END",
        Some(room_id),
        text,
    )
    .await?;
    let (inside, outside): (Vec<_>, Vec<_>) = found.into_iter().partition(|(_, inside)| *inside);
    Ok((
        inside.into_iter().map(|(user, _)| user).collect(),
        outside.into_iter().map(|(user, _)| user.username).collect(),
    ))
}

/// The users `members` (a join on `$1` = `key`) holds among those a text
/// names, in order of first mention, each once, at most [`MAX_MENTIONS`]
/// of those `flag` (an SQL expression, `$2` = `flag_key`) marks.
async fn find(
    pool: &AnyPool,
    members: &str,
    key: i64,
    flag: &str,
    flag_key: Option<i64>,
    text: &str,
) -> AppResult<Vec<(User, bool)>> {
    let mut names = mentioned_names(text);
    names.truncate(2 * MAX_MENTIONS);
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let first = if flag_key.is_some() { 3 } else { 2 };
    let placeholders: Vec<String> = (0..names.len())
        .map(|i| format!("${}", i + first))
        .collect();
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: User,
        flagged: i64,
    }
    let sql = format!(
        "SELECT u.id, u.username, u.display_name, {flag} AS flagged FROM users u {members}
         WHERE u.username IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, Row>(&sql).bind(key);
    if let Some(flag_key) = flag_key {
        query = query.bind(flag_key);
    }
    for name in &names {
        query = query.bind(name);
    }
    let found = query.fetch_all(pool).await?;
    // Order of appearance; `bob.` and `bob` are two spellings of one mention.
    let mut out: Vec<(User, bool)> = Vec::new();
    let mut flagged = 0;
    for name in &names {
        if let Some(row) = found.iter().find(|r| &r.user.username == name) {
            let on = row.flagged == 1;
            if out.iter().any(|(u, _)| u.id == row.user.id) || (on && flagged >= MAX_MENTIONS) {
                continue;
            }
            flagged += usize::from(on);
            out.push((row.user.clone(), on));
        }
    }
    Ok(out)
}

/// Which mention table an item's mentions are in.
#[derive(Debug, Clone, Copy)]
pub enum Mentioning {
    Comment,
    Message,
}

impl Mentioning {
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Self::Comment => ("task_comment_mentions", "comment_id"),
            Self::Message => ("chat_message_mentions", "message_id"),
        }
    }
}

/// Replaces the stored mentions of one comment or message.
pub async fn store(
    tx: &mut Transaction<'static, Any>,
    kind: Mentioning,
    item_id: i64,
    users: &[User],
) -> AppResult<()> {
    let (table, column) = kind.table();
    sqlx::query(&format!("DELETE FROM {table} WHERE {column} = $1"))
        .bind(item_id)
        .execute(&mut **tx)
        .await?;
    for user in users {
        sqlx::query(&format!(
            "INSERT INTO {table} ({column}, user_id) VALUES ($1, $2)"
        ))
        .bind(item_id)
        .bind(user.id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The stored mentions of many comments or messages (one query), by item id.
pub async fn load<'e, E: sqlx::Executor<'e, Database = Any>>(
    db: E,
    kind: Mentioning,
    item_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<User>>> {
    let mut out: HashMap<i64, Vec<User>> = HashMap::new();
    if item_ids.is_empty() {
        return Ok(out);
    }
    let (table, column) = kind.table();
    let placeholders: Vec<String> = (1..=item_ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT x.{column} AS item, u.id, u.username, u.display_name FROM {table} x
         JOIN users u ON u.id = x.user_id
         WHERE x.{column} IN ({}) ORDER BY u.username",
        placeholders.join(", ")
    );
    /// A mentioned user, with the id of the item (message, comment) they
    /// are mentioned in (the query names it `item`).
    #[derive(sqlx::FromRow)]
    struct MentionRow {
        item: i64,
        #[sqlx(flatten)]
        user: User,
    }
    let mut query = sqlx::query_as::<_, MentionRow>(&sql);
    for id in item_ids {
        query = query.bind(id);
    }
    for row in query.fetch_all(db).await? {
        out.entry(row.item).or_default().push(row.user);
    }
    Ok(out)
}

/// Autocomplete: board members matching what follows the `@`, best first
/// (username prefix, then display-name word prefix, then anywhere), at most
/// [`MAX_SUGGESTIONS`]. The caller must be a member; they are not suggested.
pub async fn suggest(svc: &Services, user: &User, board_id: i64, q: &str) -> AppResult<Vec<User>> {
    role_on(&svc.pool, board_id, user.id).await?;
    let q = q.trim().trim_start_matches('@').to_lowercase();
    if q.chars().count() > 64 {
        return Ok(Vec::new());
    }
    let members: Vec<User> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name FROM users u
         JOIN board_members m ON m.user_id = u.id AND m.board_id = $1
         WHERE u.id <> $2",
    )
    .bind(board_id)
    .bind(user.id)
    .fetch_all(&svc.pool)
    .await?;
    Ok(rank(members, &q))
}

/// Orders candidates for the query `q` (lower case) and keeps the best few.
pub fn rank(members: Vec<User>, q: &str) -> Vec<User> {
    let score = |u: &User| -> Option<u8> {
        let display = u.display_name.to_lowercase();
        if q.is_empty() {
            Some(4)
        } else if u.username == q {
            Some(0)
        } else if u.username.starts_with(q) {
            Some(1)
        } else if display.starts_with(q) || display.split_whitespace().any(|w| w.starts_with(q)) {
            Some(2)
        } else if u.username.contains(q) || display.contains(q) {
            Some(3)
        } else {
            None
        }
    };
    let mut scored: Vec<(u8, User)> = members
        .into_iter()
        .filter_map(|u| score(&u).map(|s| (s, u)))
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.username.cmp(&b.1.username)));
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, u)| u)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, username: &str, display_name: &str) -> User {
        User {
            id,
            username: username.into(),
            display_name: display_name.into(),
        }
    }

    #[test]
    fn best_matches_first() {
        let members = vec![
            user(1, "abby", "Bob's Sister"),
            user(2, "bobby", "Robert"),
            user(3, "bob", "Bob Stone"),
            user(4, "carol", "Carol Bobson"),
            user(5, "dave", "Dave"),
        ];
        let names = |q: &str| -> Vec<String> {
            rank(members.clone(), q)
                .into_iter()
                .map(|u| u.username)
                .collect()
        };
        assert_eq!(names("bob"), vec!["bob", "bobby", "abby", "carol"]);
        assert_eq!(names("rob"), vec!["bobby"]);
        assert_eq!(names("zzz"), Vec::<String>::new());
        assert_eq!(names("").len(), 5, "an empty query lists members");
    }

    #[test]
    fn at_most_eight() {
        let many: Vec<User> = (0..20)
            .map(|i| user(i, &format!("user{i:02}"), "U"))
            .collect();
        assert_eq!(rank(many, "user").len(), MAX_SUGGESTIONS);
    }
}
