//! Types shared by the server and the browser: what the API returns.

use serde::{Deserialize, Serialize};

mod kanban;
pub use kanban::*;

/// A user as other users see them (never with a password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
}

impl User {
    /// One or two letters for the avatar bubble.
    pub fn initials(&self) -> String {
        initials(&self.display_name)
    }
}

/// Initials of a display name ("Ada Lovelace" → "AL").
pub fn initials(name: &str) -> String {
    let mut letters = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase);
    let first = letters.next();
    let last = letters.last();
    first.into_iter().chain(last).collect()
}

/// A member's role on a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Member => "member",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(Role::Owner),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
}

/// Who may call a whole group (@room, @board, @here) on a board of more
/// than [`crate::validate::GROUP_MENTION_OPEN_UP_TO`] members: its owners
/// (the default), or everyone, as an owner decides. Smaller boards let
/// everyone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupMentions {
    #[default]
    Owners,
    Everyone,
}

impl GroupMentions {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owners => "owners",
            Self::Everyone => "everyone",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owners" => Some(Self::Owners),
            "everyone" => Some(Self::Everyone),
            _ => None,
        }
    }
}

/// A board in the board list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardSummary {
    pub id: i64,
    pub name: String,
    pub owner_id: i64,
    /// The caller's role on this board.
    pub role: Role,
    pub member_count: i64,
    pub task_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the board was archived (listed apart, read-only); `None`: live.
    #[serde(default)]
    pub archived_at: Option<i64>,
    /// Who may call @room, @board and @here once the board is big.
    #[serde(default)]
    pub group_mentions: GroupMentions,
}

/// A board member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user: User,
    pub role: Role,
}

/// A column of a board. `position` is 0-based and contiguous within the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Column {
    pub id: i64,
    pub board_id: i64,
    pub name: String,
    pub position: i64,
}

/// A task card. `position` is 0-based and contiguous within its column
/// (among the column's live cards; an archived card keeps the position it
/// had, where a restore puts it back).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: i64,
    pub board_id: i64,
    pub column_id: i64,
    pub title: String,
    /// Markdown, as written.
    pub description: String,
    /// `description` rendered to sanitized HTML by the server (tables
    /// allowed): what a browser shows.
    #[serde(default)]
    pub description_html: String,
    pub position: i64,
    /// The first of `assignee_ids` (for clients that know only one).
    pub assignee_id: Option<i64>,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// How many comments it has (not counting deleted ones).
    #[serde(default)]
    pub comment_count: i64,
    /// Bumped by every edit and move: a change made from an older version
    /// is refused (409) instead of overwriting someone else's.
    #[serde(default = "first_version")]
    pub version: i64,
    /// Who changed it last (an edit, a move, an assignment); `None` before
    /// anyone did, or for changes older than this field.
    #[serde(default)]
    pub updated_by: Option<i64>,
    /// Everyone on the card, in the order they were added.
    #[serde(default)]
    pub assignee_ids: Vec<i64>,
    /// When it is due (Unix ms), if ever.
    #[serde(default)]
    pub due_at: Option<i64>,
    /// When it was marked done; `None`: open.
    #[serde(default)]
    pub done_at: Option<i64>,
    /// The ids of its labels, in the board's label order.
    #[serde(default)]
    pub labels: Vec<i64>,
    #[serde(default)]
    pub checklist: ChecklistProgress,
    /// When it was archived; `None`: on the board.
    #[serde(default)]
    pub archived_at: Option<i64>,
}

fn first_version() -> i64 {
    1
}

/// A whole board: what the board page and `GET /api/boards/{id}` show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardDetail {
    pub id: i64,
    pub name: String,
    pub owner_id: i64,
    /// The caller's role on this board.
    pub role: Role,
    /// The caller's user id.
    pub viewer_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the board was archived (read-only until restored).
    #[serde(default)]
    pub archived_at: Option<i64>,
    /// Who may call @room, @board and @here once the board is big.
    #[serde(default)]
    pub group_mentions: GroupMentions,
    /// The number of the board's last change these columns, tasks and
    /// members include: follow `board:{id}` with `after` = this.
    #[serde(default)]
    pub seq: i64,
    /// Ordered by position.
    pub columns: Vec<Column>,
    /// Ordered by column position, then task position.
    pub tasks: Vec<Task>,
    /// Owner first, then by username.
    pub members: Vec<Member>,
    /// The board's labels, oldest first.
    #[serde(default)]
    pub labels: Vec<Label>,
}

impl BoardDetail {
    /// The tasks of one column, in order.
    pub fn tasks_in(&self, column_id: i64) -> impl Iterator<Item = &Task> {
        self.tasks.iter().filter(move |t| t.column_id == column_id)
    }
    pub fn member(&self, user_id: i64) -> Option<&Member> {
        self.members.iter().find(|m| m.user.id == user_id)
    }

    pub fn task(&self, task_id: i64) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == task_id)
    }

    pub fn column(&self, column_id: i64) -> Option<&Column> {
        self.columns.iter().find(|c| c.id == column_id)
    }

    /// Applies a task move locally, with the server's rules (the position is
    /// clamped to the target column, positions stay contiguous). The browser
    /// uses it to show a drag-and-drop result before the server confirms it.
    pub fn move_task(&mut self, task_id: i64, to_column: i64, position: i64) {
        let Some(idx) = self.tasks.iter().position(|t| t.id == task_id) else {
            return;
        };
        if !self.columns.iter().any(|c| c.id == to_column) {
            return;
        }
        let mut task = self.tasks.remove(idx);
        let from_column = task.column_id;
        let mut target: Vec<Task> = self.tasks_in(to_column).cloned().collect();
        let to = position.clamp(0, target.len() as i64);
        task.column_id = to_column;
        target.insert(to as usize, task);
        self.tasks.retain(|t| t.column_id != to_column);
        self.tasks.extend(target);
        // Renumber both columns and restore the board order.
        let column_pos = |id: i64| {
            self.columns
                .iter()
                .find(|c| c.id == id)
                .map_or(i64::MAX, |c| c.position)
        };
        let mut counters = std::collections::HashMap::new();
        let mut ordered = std::mem::take(&mut self.tasks);
        ordered.sort_by_key(|t| {
            let in_target = t.column_id == to_column;
            (
                column_pos(t.column_id),
                if in_target { 0 } else { t.position },
            )
        });
        // The target column keeps the order built above (stable sort), others keep theirs.
        for t in &mut ordered {
            if t.column_id == to_column || t.column_id == from_column {
                let n = counters.entry(t.column_id).or_insert(0i64);
                t.position = *n;
                *n += 1;
            }
        }
        self.tasks = ordered;
    }

    /// Puts a task's new state in place: replaces (or adds) it and moves it
    /// to its `column_id` and `position`, renumbering the columns involved.
    pub(crate) fn place_task(&mut self, task: &Task) {
        match self.tasks.iter_mut().find(|t| t.id == task.id) {
            Some(mine) => {
                // Its new fields, still at its old place: the move below
                // renumbers the column it leaves too.
                let (column_id, position) = (mine.column_id, mine.position);
                *mine = task.clone();
                mine.column_id = column_id;
                mine.position = position;
            }
            None => {
                let mut new = task.clone();
                new.position = i64::MAX;
                self.tasks.push(new);
            }
        }
        self.move_task(task.id, task.column_id, task.position);
    }

    /// Takes a card off the board (deleted or archived); the cards after
    /// it in its column move up.
    pub(crate) fn remove_task(&mut self, task_id: i64, column_id: i64) {
        self.tasks.retain(|t| t.id != task_id);
        for (n, t) in self
            .tasks
            .iter_mut()
            .filter(|t| t.column_id == column_id)
            .enumerate()
        {
            t.position = n as i64;
        }
    }

    pub(crate) fn renumber_columns(&mut self) {
        self.columns.sort_by_key(|c| c.position);
        for (i, c) in self.columns.iter_mut().enumerate() {
            c.position = i as i64;
        }
    }

    /// Restores the board order of tasks (by column, then position).
    pub(crate) fn sort_tasks(&mut self) {
        let column_pos: std::collections::HashMap<i64, i64> =
            self.columns.iter().map(|c| (c.id, c.position)).collect();
        self.tasks.sort_by_key(|t| {
            (
                column_pos.get(&t.column_id).copied().unwrap_or(i64::MAX),
                t.position,
            )
        });
    }
}

/// A chat room of a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: i64,
    /// The board it belongs to; `None` for a direct message, which belongs
    /// to no board (its people are its only readers).
    pub board_id: Option<i64>,
    pub name: String,
    pub description: String,
    pub created_by: i64,
    pub created_at: i64,
    /// When it was archived (read-only), if it was.
    pub archived_at: Option<i64>,
    /// Invitation only. A public room (`false`) is listed to every board
    /// member, who may read it and join it.
    #[serde(default)]
    pub is_private: bool,
    /// The board's `#general`: every board member is in it; it cannot be
    /// left, archived, deleted or made private.
    #[serde(default)]
    pub is_default: bool,
}

/// Opening a direct message: the other people, by username (1 to 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenDirect {
    pub usernames: Vec<String>,
}

/// A room in the room list, with the caller's unread count. On the wire the
/// room's fields and these are one flat object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RoomSummaryWire")]
pub struct RoomSummary {
    #[serde(flatten)]
    pub room: Room,
    /// Whether the caller is in the room. Others are shown public rooms
    /// (to read and join) and, to a board owner, every room (to manage).
    #[serde(default = "in_room")]
    pub member: bool,
    pub member_count: i64,
    /// Messages after the caller's last-read pointer (not counting their own).
    pub unread: i64,
    pub last_message_id: Option<i64>,
    /// The caller muted the room: it shows no unread badge.
    #[serde(default)]
    pub muted: bool,
    /// A direct message's people other than the caller (empty for a
    /// board's room).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<User>,
    /// A direct message the caller can no longer write to: they no longer
    /// share a board with each of its other people.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

impl Room {
    /// A direct message (no board's room).
    pub fn is_direct(&self) -> bool {
        self.board_id.is_none()
    }
}

fn in_room() -> bool {
    true
}

// Reading the flat objects above in one pass. serde's `#[serde(flatten)]`
// would first copy each object into its private buffer (see `crate::tagged`),
// which costs the browser bundle a second decoder per type. The room's fields
// are `Room`'s, by the same names (a test pins the round trip).

#[derive(Deserialize)]
struct RoomSummaryWire {
    id: i64,
    board_id: Option<i64>,
    name: String,
    description: String,
    created_by: i64,
    created_at: i64,
    archived_at: Option<i64>,
    #[serde(default)]
    is_private: bool,
    #[serde(default)]
    is_default: bool,
    #[serde(default = "in_room")]
    member: bool,
    member_count: i64,
    unread: i64,
    last_message_id: Option<i64>,
    #[serde(default)]
    muted: bool,
    #[serde(default)]
    people: Vec<User>,
    #[serde(default)]
    read_only: bool,
}

impl From<RoomSummaryWire> for RoomSummary {
    fn from(w: RoomSummaryWire) -> Self {
        Self {
            room: Room {
                id: w.id,
                board_id: w.board_id,
                name: w.name,
                description: w.description,
                created_by: w.created_by,
                created_at: w.created_at,
                archived_at: w.archived_at,
                is_private: w.is_private,
                is_default: w.is_default,
            },
            member: w.member,
            member_count: w.member_count,
            unread: w.unread,
            last_message_id: w.last_message_id,
            muted: w.muted,
            people: w.people,
            read_only: w.read_only,
        }
    }
}

#[derive(Deserialize)]
struct RoomDetailWire {
    id: i64,
    board_id: Option<i64>,
    name: String,
    description: String,
    created_by: i64,
    created_at: i64,
    archived_at: Option<i64>,
    #[serde(default)]
    is_private: bool,
    #[serde(default)]
    is_default: bool,
    members: Vec<User>,
    last_read_id: i64,
}

impl From<RoomDetailWire> for RoomDetail {
    fn from(w: RoomDetailWire) -> Self {
        Self {
            room: Room {
                id: w.id,
                board_id: w.board_id,
                name: w.name,
                description: w.description,
                created_by: w.created_by,
                created_at: w.created_at,
                archived_at: w.archived_at,
                is_private: w.is_private,
                is_default: w.is_default,
            },
            members: w.members,
            last_read_id: w.last_read_id,
        }
    }
}

/// A room with its members (`GET /messaging/room/{id}/`), one flat object on
/// the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RoomDetailWire")]
pub struct RoomDetail {
    #[serde(flatten)]
    pub room: Room,
    pub members: Vec<User>,
    /// The caller's last-read pointer.
    pub last_read_id: i64,
}

/// What making an invite link takes (`POST /api/boards/{id}/invites`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    /// Default 7, at most 90.
    #[serde(default)]
    pub expires_in_days: Option<i64>,
    /// Default 10, at most 1,000.
    #[serde(default)]
    pub max_uses: Option<i64>,
}

/// A board invite link. `token` and `url` are shown once, when it is made
/// (only the token's hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub id: i64,
    pub board_id: i64,
    pub created_by: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub max_uses: i64,
    pub uses: i64,
    pub revoked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// What an invite link's page shows before anyone logs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePreview {
    pub board_id: i64,
    pub board_name: String,
    /// The display name of who made the link.
    pub invited_by: String,
    pub expires_at: i64,
    /// Whether anyone may sign up without a link on this server.
    pub signup_open: bool,
}

/// What creating a room takes (`POST /messaging/board/{id}/rooms/create/`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRoom {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Invitation only (default: public, any board member may join).
    #[serde(default)]
    pub is_private: bool,
    /// Board members (usernames) to put in it besides its creator.
    #[serde(default)]
    pub members: Vec<String>,
    /// Put every board member in it.
    #[serde(default)]
    pub add_all_members: bool,
}

/// A chat message just sent, and the board members it mentions who were
/// not notified because they are not in the room (usernames; empty when
/// everyone mentioned was).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    pub message: Message,
    pub not_notified: Vec<String>,
}

/// A chat message, as stored and as delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub room_id: i64,
    pub author: User,
    /// Its Markdown source (empty once deleted).
    pub content: String,
    /// `content` rendered and sanitized by the server: what the browser shows.
    #[serde(default)]
    pub html: String,
    pub created_at: i64,
    /// When its author last edited it, if ever.
    #[serde(default)]
    pub edited_at: Option<i64>,
    /// When it was deleted: the room shows "message deleted" in its place.
    #[serde(default)]
    pub deleted_at: Option<i64>,
    /// 1 when posted, +1 for every edit: an edit made on an older version is refused.
    #[serde(default = "first_version")]
    pub version: i64,
    /// Room members this message @mentions (resolved by the server).
    #[serde(default)]
    pub mentions: Vec<User>,
    /// Its emoji reactions, in the order each emoji was first used.
    #[serde(default)]
    pub reactions: Vec<Reaction>,
    /// Its place in the room's stream: every new message, edit, deletion
    /// and reaction takes the room's next number, and the message keeps the
    /// number of its latest change (resume with `after_seq` = the last seen).
    #[serde(default)]
    pub seq: i64,
    /// The `client_id` it was sent with: only on its author's own copies
    /// (their tab's outbox recognises its echo by it, never by its text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// On a reply: the message it answers (its root, always a message of
    /// the same room that is not itself a reply).
    #[serde(default)]
    pub thread_root_id: Option<i64>,
    /// On a reply: it was also sent to the room, so the room's main
    /// history shows it too (a reply without it lives in its root's pane).
    #[serde(default)]
    pub also_to_room: bool,
    /// On a root: how many replies (not deleted) answer it.
    #[serde(default)]
    pub reply_count: i64,
    /// On a root: when its newest reply was sent.
    #[serde(default)]
    pub last_reply_at: Option<i64>,
    /// On a root: the latest repliers (at most three, newest first), for
    /// the avatars beside "N replies".
    #[serde(default)]
    pub repliers: Vec<User>,
}

impl Message {
    /// Whether the room's main history lists it (a root, a plain message,
    /// or a reply also sent to the room).
    pub fn in_room(&self) -> bool {
        self.thread_root_id.is_none() || self.also_to_room
    }

    /// The message as `viewer` may see it: the `client_id` only for its author.
    pub fn as_seen_by(mut self, viewer: i64) -> Self {
        if self.author.id != viewer {
            self.client_id = None;
        }
        self
    }
}

/// A page of a root's replies (`GET /messaging/message/{id}/thread/`),
/// oldest first, paged like a room's history, with the root itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepliesPage {
    pub root: Message,
    /// The replies, oldest first.
    pub messages: Vec<Message>,
    pub has_older: bool,
    pub has_newer: bool,
    /// The room's stream number when the page was read: follow the room
    /// with `after_seq` = this to miss nothing after it.
    pub seq: i64,
    /// Whether the reader follows these replies.
    pub following: bool,
    /// The newest reply the reader has read (0: none).
    pub last_read_id: i64,
}

/// A root the user follows, in the Replies view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowedRoot {
    pub root: Message,
    pub room_name: String,
    pub board_id: i64,
    /// Replies by others after `last_read_id`.
    pub unread: i64,
    pub last_read_id: i64,
}

/// The roots a user follows, those with the newest replies first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowedRoots {
    pub roots: Vec<FollowedRoot>,
    /// More follow: ask again with `before` = the last root's id.
    pub has_more: bool,
}

/// Whether a user follows a root's replies (the answer of follow/unfollow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyFollow {
    pub root_id: i64,
    pub following: bool,
}

/// One emoji on a message or comment: how many reacted with it, and who
/// (in the order they did). Events go to every reader alike: each browser
/// works out from `user_ids` whether it is one of "mine".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    pub count: i64,
    pub user_ids: Vec<i64>,
}

/// One emoji of the reaction picker's table (`GET /api/emoji`): the same
/// table the server checks reactions against, default skin tone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmojiEntry {
    pub emoji: String,
    /// Its CLDR name ("thumbs up"), which the picker searches.
    pub name: String,
    /// Its group ("Smileys & Emotion", …), in the table's order.
    pub group: String,
    /// GitHub-style short names ("+1", "thumbsup"), also searched.
    #[serde(default)]
    pub shortcodes: Vec<String>,
    /// For emoji that take a skin tone: the five toned forms, light to
    /// dark (the picker's tone choice). Absent for the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skin_tones: Vec<String>,
}

/// An earlier version of a message or comment, replaced by an edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub version: i64,
    pub content: String,
    pub html: String,
    /// When this version was written (posted, or the edit that made it).
    pub written_at: i64,
}

impl Revision {
    /// A message's or comment's version as it stands: written when it was
    /// posted, or by its last edit.
    pub fn of(
        version: i64,
        content: &str,
        html: &str,
        created_at: i64,
        edited_at: Option<i64>,
    ) -> Self {
        Self {
            version,
            content: content.to_string(),
            html: html.to_string(),
            written_at: edited_at.unwrap_or(created_at),
        }
    }
}

/// A message's or comment's earlier versions, oldest first, and the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revisions {
    pub revisions: Vec<Revision>,
    pub current: Revision,
}

/// A page of history, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub messages: Vec<Message>,
    /// Whether older messages exist before the first one (scroll up for more).
    pub has_older: bool,
    /// Whether newer messages exist after the last one.
    pub has_newer: bool,
    /// The room's stream number when the page was read: follow it live
    /// with `after_seq` = this (edits and reactions of the page's messages
    /// made since come as changes after it).
    #[serde(default)]
    pub seq: i64,
}

/// A comment in a task's thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub task_id: i64,
    pub author: User,
    /// Its Markdown source (empty once deleted).
    pub content: String,
    /// `content` rendered and sanitized by the server: what the browser shows.
    #[serde(default)]
    pub html: String,
    pub created_at: i64,
    /// When the author last edited it, if ever.
    pub edited_at: Option<i64>,
    /// When it was deleted: the thread shows "comment deleted" in its place.
    pub deleted_at: Option<i64>,
    /// 1 when posted, +1 for every edit: an edit made on an older version is refused.
    #[serde(default = "first_version")]
    pub version: i64,
    /// Its emoji reactions, in the order each emoji was first used.
    #[serde(default)]
    pub reactions: Vec<Reaction>,
    /// Position in the task's change stream: every new comment, edit and
    /// deletion takes the next number (resume with `after` = the last seen).
    pub seq: i64,
    /// Board members this comment @mentions (resolved by the server).
    #[serde(default)]
    pub mentions: Vec<User>,
    /// The `client_id` it was posted with: only on its author's own copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

impl Comment {
    /// The comment as `viewer` may see it: the `client_id` only for its author.
    pub fn as_seen_by(mut self, viewer: i64) -> Self {
        if self.author.id != viewer {
            self.client_id = None;
        }
        self
    }
}

/// A page of a task's comments, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentPage {
    pub comments: Vec<Comment>,
    pub has_older: bool,
    pub has_newer: bool,
    /// The task's latest change number: subscribe with `after` = this to get
    /// every change from here on.
    pub seq: i64,
    /// How many comments the task has (not counting deleted ones).
    #[serde(default)]
    pub count: i64,
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// Someone mentioned you in a task comment.
    CommentMention,
    /// Someone mentioned you in a chat message.
    ChatMention,
    /// Someone assigned you a card.
    Assigned,
    /// Someone added you to a board.
    AddedToBoard,
    /// Someone added you to a room.
    AddedToRoom,
    /// Comments on a card you watch (one entry per card, counting them).
    TaskComment,
    /// A card of yours is due within a day.
    DueSoon,
    /// A card of yours is past its due date.
    Overdue,
    /// Replies to a message you follow (one entry per root, counting them).
    Reply,
    /// Someone called a group you are in (@room, @board, @here).
    GroupMention,
    /// A message to you in a direct message (each one, like a mention).
    DirectMessage,
}

impl NotificationKind {
    /// Reminders the server sends by itself (due dates), not someone's action.
    pub fn is_reminder(self) -> bool {
        matches!(self, Self::DueSoon | Self::Overdue)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CommentMention => "comment_mention",
            Self::ChatMention => "chat_mention",
            Self::Assigned => "assigned",
            Self::AddedToBoard => "added_to_board",
            Self::AddedToRoom => "added_to_room",
            Self::TaskComment => "task_comment",
            Self::DueSoon => "due_soon",
            Self::Overdue => "overdue",
            Self::Reply => "reply",
            Self::GroupMention => "group_mention",
            Self::DirectMessage => "direct_message",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "comment_mention" => Some(Self::CommentMention),
            "chat_mention" => Some(Self::ChatMention),
            "assigned" => Some(Self::Assigned),
            "added_to_board" => Some(Self::AddedToBoard),
            "added_to_room" => Some(Self::AddedToRoom),
            "task_comment" => Some(Self::TaskComment),
            "due_soon" => Some(Self::DueSoon),
            "overdue" => Some(Self::Overdue),
            "reply" => Some(Self::Reply),
            "group_mention" => Some(Self::GroupMention),
            "direct_message" => Some(Self::DirectMessage),
            _ => None,
        }
    }
}

/// A notification of the logged-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    pub sender: User,
    /// The board it happened on; `None` for a direct message.
    pub board_id: Option<i64>,
    pub task_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub room_id: Option<i64>,
    pub message_id: Option<i64>,
    /// Where it happened, for the list: the task's title or the room's name.
    pub context: String,
    /// The board's name (as it was, once the recipient has left the board).
    #[serde(default)]
    pub board_name: String,
    /// How many times it happened while unread (comments on a watched card:
    /// one entry, updated, says "3 new comments").
    #[serde(default = "one")]
    pub occurrences: i64,
    /// The start of the text (the mention, the comment, the card's title).
    pub snippet: String,
    /// The page that shows it: the comment or message highlighted, the
    /// card, the board, the room.
    pub link: String,
    pub created_at: i64,
    pub read: bool,
}

impl Notification {
    /// What happened, in one line naming the board (lists, desktop notifications).
    pub fn headline(&self) -> String {
        let n = self;
        let who = &n.sender.display_name;
        let board = &n.board_name;
        match n.kind {
            NotificationKind::CommentMention => {
                format!("{who} mentioned you on “{}” in {board}", n.context)
            }
            NotificationKind::ChatMention => {
                format!("{who} mentioned you in {} on {board}", n.context)
            }
            NotificationKind::Assigned => format!("{who} assigned you “{}” in {board}", n.context),
            NotificationKind::AddedToBoard => format!("{who} added you to the board {board}"),
            NotificationKind::AddedToRoom => format!("{who} added you to {} on {board}", n.context),
            NotificationKind::TaskComment => match n.occurrences {
                1 => format!("{who} commented on “{}” in {board}", n.context),
                k => format!(
                    "{k} new comments on “{}” in {board} (latest by {who})",
                    n.context
                ),
            },
            NotificationKind::DueSoon => format!("“{}” in {board} is due soon", n.context),
            NotificationKind::Overdue => format!("“{}” in {board} is overdue", n.context),
            NotificationKind::GroupMention => {
                format!("{who} called everyone in {} on {board}", n.context)
            }
            NotificationKind::DirectMessage => format!("{who} wrote to you ({})", n.context),
            NotificationKind::Reply => match n.occurrences {
                1 => format!("{who} replied in {} on {board}", n.context),
                k => format!(
                    "{k} new replies in {} on {board} (latest by {who})",
                    n.context
                ),
            },
        }
    }

    /// The in-app link to what a notification is about: the comment in its
    /// task, the message in its room (a root's replies open in their pane),
    /// the task, the room, the board.
    pub fn link_for(
        kind: NotificationKind,
        board_id: Option<i64>,
        task_id: Option<i64>,
        comment_id: Option<i64>,
        room_id: Option<i64>,
        message_id: Option<i64>,
    ) -> String {
        let Some(board_id) = board_id else {
            // A direct message's page.
            return match (kind, room_id, message_id) {
                (NotificationKind::Reply, Some(r), Some(m)) => format!("/messages/{r}?replies={m}"),
                (_, Some(r), Some(m)) => format!("/messages/{r}?message={m}"),
                (_, Some(r), None) => format!("/messages/{r}"),
                _ => "/messages".to_string(),
            };
        };
        if let (NotificationKind::Reply, Some(r), Some(m)) = (kind, room_id, message_id) {
            return format!("/boards/{board_id}?room={r}&replies={m}");
        }
        match (task_id, comment_id, room_id, message_id) {
            (Some(t), Some(c), _, _) => format!("/boards/{board_id}/tasks/{t}?comment={c}"),
            (Some(t), None, _, _) => format!("/boards/{board_id}/tasks/{t}"),
            (_, _, Some(r), Some(m)) => format!("/boards/{board_id}?room={r}&message={m}"),
            (_, _, Some(r), None) => format!("/boards/{board_id}?room={r}"),
            _ => format!("/boards/{board_id}"),
        }
    }
}

fn one() -> i64 {
    1
}

/// Whether the logged-in user watches a card (hears about its comments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watching {
    pub task_id: i64,
    pub watching: bool,
}

/// A page of notifications, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPage {
    pub notifications: Vec<Notification>,
    /// Whether older ones exist (ask again with `before` = the last id).
    pub has_more: bool,
    /// The user's unread count.
    pub unread: i64,
}

/// A change to a field that may be empty (like a task's assignee): leave it,
/// clear it, or set it. On the wire "leave it" is the field being absent —
/// it can never be written as `null`, which means "clear" (so a client that
/// only moves a task cannot unassign it by accident).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Change<T> {
    /// Absent on the wire: the field stays as it is.
    #[default]
    Keep,
    /// `null` on the wire: the field becomes empty.
    Clear,
    /// A value on the wire.
    Set(T),
}

impl<T> Change<T> {
    pub fn is_keep(&self) -> bool {
        matches!(self, Self::Keep)
    }

    /// The new value, if the field changes: `Some(None)` clears it.
    pub fn new_value(self) -> Option<Option<T>> {
        match self {
            Self::Keep => None,
            Self::Clear => Some(None),
            Self::Set(v) => Some(Some(v)),
        }
    }
}

impl<T> From<Option<T>> for Change<T> {
    /// The value a form shows: empty clears, a value sets.
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Clear, Self::Set)
    }
}

impl<T: Serialize> Serialize for Change<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // Only reached when a container forgets `skip_serializing_if`:
            // refuse rather than send a `null` that would clear the field.
            Self::Keep => Err(serde::ser::Error::custom(
                "Change::Keep must be skipped (skip_serializing_if = \"Change::is_keep\")",
            )),
            Self::Clear => s.serialize_none(),
            Self::Set(v) => s.serialize_some(v),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Change<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Absent fields never get here (`#[serde(default)]` gives `Keep`).
        Ok(Option::<T>::deserialize(d)?.into())
    }
}

/// Which notifications someone gets somewhere: all of them, only
/// mentions of them (by name or by group), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyLevel {
    All,
    Mentions,
    Nothing,
}

impl NotifyLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Mentions => "mentions",
            Self::Nothing => "nothing",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "all" => Some(Self::All),
            "mentions" => Some(Self::Mentions),
            "nothing" => Some(Self::Nothing),
            _ => None,
        }
    }
}

/// What a notification preference is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrefScope {
    Board,
    Room,
    Task,
}

impl PrefScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Board => "board",
            Self::Room => "room",
            Self::Task => "task",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "board" => Some(Self::Board),
            "room" => Some(Self::Room),
            "task" => Some(Self::Task),
            _ => None,
        }
    }
}

/// A person's notification setting for one board, room or task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPref {
    pub scope: PrefScope,
    pub id: i64,
    /// `None`: as the board says (for a board: all).
    pub level: Option<NotifyLevel>,
    /// A room: no unread badge, and no group calls unless `group_calls`.
    pub muted: bool,
    /// A muted room still calls you with @room, @board and @here.
    pub group_calls: bool,
}

/// A change to one setting (`PUT /messaging/preferences/`): an absent
/// field stays as it is; `"level": null` goes back to the board's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrefChange {
    pub scope: PrefScope,
    pub id: i64,
    #[serde(default, skip_serializing_if = "Change::is_keep")]
    pub level: Change<NotifyLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_calls: Option<bool>,
}

/// Everything a person set: their settings and the people they muted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPrefs {
    pub preferences: Vec<NotificationPref>,
    pub muted_people: Vec<User>,
}

/// Changes to a room; an absent field is left as it is (`null` is refused).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomPatch {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub description: Option<String>,
    /// `true` archives (read-only), `false` brings it back.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub archived: Option<bool>,
}

/// Fields to change on a task; an absent field is left as it is. The
/// browser never sends a field it does not change: `null` is only ever
/// "unassign" (`assignee_id`), and is refused for the other fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub title: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub description: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub column_id: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub position: Option<i64>,
    /// Absent keeps the assignees, `null` unassigns everyone, an id makes
    /// that person the only one (the one-assignee API).
    #[serde(default, skip_serializing_if = "Change::is_keep")]
    pub assignee_id: Change<i64>,
    /// Everyone on the card, in order (replaces the set; `[]` unassigns).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub assignee_ids: Option<Vec<i64>>,
    /// Absent keeps the due date, `null` clears it, a time sets it.
    #[serde(default, skip_serializing_if = "Change::is_keep")]
    pub due_at: Change<i64>,
    /// `true` marks it done (now), `false` open again.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub done: Option<bool>,
    /// Its labels (replaces the set).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub labels: Option<Vec<i64>>,
    /// The task's version this edit was made from: if someone changed the
    /// task since, nothing is written (409 with the current task). Absent:
    /// last write wins.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub version: Option<i64>,
}

/// Where a card goes (`POST /api/tasks/{id}/move`): into `column_id`, right
/// after the card `after_id` (absent or `null`: first), from the card's
/// `version` as the mover saw it. Saying where relative to a neighbour, not
/// as an index, keeps the intent when others move cards meanwhile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskMove {
    pub column_id: i64,
    #[serde(default)]
    pub after_id: Option<i64>,
    pub version: i64,
}

/// Fields to change on a column; an absent field is left as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnPatch {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub position: Option<i64>,
}

/// A patch field that, when present, must hold a value: `null` for a field
/// that cannot be empty is a client bug, not "leave it".
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    match Option::<T>::deserialize(d)? {
        Some(v) => Ok(Some(v)),
        None => Err(serde::de::Error::custom(
            "null is not a value here: leave the field out to keep it",
        )),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn room_summaries_and_details_are_flat_objects_both_ways() {
        let room = Room {
            id: 4,
            board_id: Some(2),
            name: "general".into(),
            description: "all things".into(),
            created_by: 1,
            created_at: 100,
            archived_at: Some(200),
            is_private: true,
            is_default: false,
        };
        let summary = RoomSummary {
            room: room.clone(),
            member: false,
            member_count: 3,
            unread: 7,
            last_message_id: Some(9),
            muted: true,
            people: Vec::new(),
            read_only: false,
        };
        let json = serde_json::to_value(&summary).unwrap();
        assert!(json.get("people").is_none() && json.get("read_only").is_none());
        // A direct message: no board, its other people, read-only or not.
        let direct = RoomSummary {
            room: Room {
                board_id: None,
                ..room.clone()
            },
            people: vec![User {
                id: 8,
                username: "bob".into(),
                display_name: "Bob".into(),
            }],
            read_only: true,
            ..summary.clone()
        };
        let dm_json = serde_json::to_value(&direct).unwrap();
        assert_eq!(dm_json["board_id"], serde_json::Value::Null);
        assert_eq!(dm_json["people"][0]["username"], "bob");
        assert_eq!(dm_json["read_only"], true);
        assert!(direct.room.is_direct() && !summary.room.is_direct());
        assert_eq!(
            serde_json::from_value::<RoomSummary>(dm_json).unwrap(),
            direct
        );
        assert_eq!(json["name"], "general");
        assert_eq!(json["archived_at"], 200);
        assert_eq!(json["unread"], 7);
        assert_eq!(
            serde_json::from_value::<RoomSummary>(json.clone()).unwrap(),
            summary
        );
        // `member` may be left out (older servers): the caller is in the room.
        let mut without = json;
        without.as_object_mut().unwrap().remove("member");
        assert!(
            serde_json::from_value::<RoomSummary>(without)
                .unwrap()
                .member
        );

        let detail = RoomDetail {
            room,
            members: vec![User {
                id: 1,
                username: "ann".into(),
                display_name: "Ann".into(),
            }],
            last_read_id: 5,
        };
        let text = serde_json::to_string(&detail).unwrap();
        assert!(text.contains(r#""description":"all things""#), "{text}");
        assert_eq!(serde_json::from_str::<RoomDetail>(&text).unwrap(), detail);
    }

    #[test]
    fn initials_take_first_and_last_word() {
        assert_eq!(initials("Ada Lovelace"), "AL");
        assert_eq!(initials("ada"), "A");
        assert_eq!(initials("Jean Luc Picard"), "JP");
        assert_eq!(initials("  "), "");
        assert_eq!(initials("élodie durand"), "ÉD");
    }

    pub(crate) fn board(tasks: &[(i64, i64)]) -> BoardDetail {
        // (task id, column id), in order.
        let mut counters = std::collections::HashMap::new();
        BoardDetail {
            id: 1,
            name: "b".into(),
            owner_id: 1,
            role: Role::Owner,
            viewer_id: 1,
            created_at: 0,
            updated_at: 0,
            seq: 0,
            columns: (0..3)
                .map(|i| Column {
                    id: 10 + i,
                    board_id: 1,
                    name: format!("c{i}"),
                    position: i,
                })
                .collect(),
            tasks: tasks
                .iter()
                .map(|&(id, column_id)| {
                    let n = counters.entry(column_id).or_insert(0);
                    let position = *n;
                    *n += 1;
                    Task {
                        id,
                        board_id: 1,
                        column_id,
                        title: format!("t{id}"),
                        description: String::new(),
                        position,
                        assignee_id: None,
                        created_by: 1,
                        created_at: 0,
                        updated_at: 0,
                        comment_count: 0,
                        version: 1,
                        ..Task::default()
                    }
                })
                .collect(),
            members: vec![],
            labels: vec![],
            archived_at: None,
            group_mentions: GroupMentions::Owners,
        }
    }

    pub(crate) fn layout(b: &BoardDetail) -> Vec<(i64, i64, i64)> {
        b.tasks
            .iter()
            .map(|t| (t.id, t.column_id, t.position))
            .collect()
    }

    #[test]
    fn local_moves_follow_the_server_rules() {
        let mut b = board(&[(1, 10), (2, 10), (3, 10), (4, 11)]);
        b.move_task(1, 10, 2);
        assert_eq!(
            layout(&b),
            vec![(2, 10, 0), (3, 10, 1), (1, 10, 2), (4, 11, 0)]
        );
        b.move_task(3, 11, 0);
        assert_eq!(
            layout(&b),
            vec![(2, 10, 0), (1, 10, 1), (3, 11, 0), (4, 11, 1)]
        );
        b.move_task(2, 12, 99);
        assert_eq!(
            layout(&b),
            vec![(1, 10, 0), (3, 11, 0), (4, 11, 1), (2, 12, 0)]
        );
        // Unknown task or column: nothing changes.
        let before = layout(&b);
        b.move_task(99, 10, 0);
        b.move_task(1, 99, 0);
        assert_eq!(layout(&b), before);
    }

    #[test]
    fn task_patch_tells_null_from_absent() {
        let p: TaskPatch = serde_json::from_str(r#"{"assignee_id":null}"#).unwrap();
        assert_eq!(p.assignee_id, Change::Clear);
        let p: TaskPatch = serde_json::from_str(r#"{"assignee_id":7}"#).unwrap();
        assert_eq!(p.assignee_id, Change::Set(7));
        let p: TaskPatch = serde_json::from_str(r#"{"title":"x"}"#).unwrap();
        assert_eq!(p.assignee_id, Change::Keep);
        assert!(serde_json::from_str::<TaskPatch>(r#"{"titel":"x"}"#).is_err());
        // `null` only means "clear" where a field can be empty.
        for body in [
            r#"{"title":null}"#,
            r#"{"column_id":null}"#,
            r#"{"position":null}"#,
            r#"{"description":null}"#,
        ] {
            assert!(serde_json::from_str::<TaskPatch>(body).is_err(), "{body}");
        }
        assert!(serde_json::from_str::<ColumnPatch>(r#"{"name":null}"#).is_err());
    }

    /// What the browser sends is exactly the fields it changes: a move or a
    /// text edit has no `assignee_id` at all, so it cannot unassign.
    #[test]
    fn task_patches_on_the_wire_hold_only_what_changes() {
        let wire = |p: &TaskPatch| serde_json::to_string(p).unwrap();
        let moved = TaskPatch {
            column_id: Some(3),
            position: Some(0),
            ..Default::default()
        };
        assert_eq!(wire(&moved), r#"{"column_id":3,"position":0}"#);
        let edited = TaskPatch {
            title: Some("T".into()),
            description: Some("D".into()),
            ..Default::default()
        };
        assert_eq!(wire(&edited), r#"{"title":"T","description":"D"}"#);
        let unassigned = TaskPatch {
            assignee_id: None.into(),
            ..Default::default()
        };
        assert_eq!(wire(&unassigned), r#"{"assignee_id":null}"#);
        let assigned = TaskPatch {
            assignee_id: Some(5).into(),
            ..Default::default()
        };
        assert_eq!(wire(&assigned), r#"{"assignee_id":5}"#);
        assert_eq!(wire(&TaskPatch::default()), "{}");
        // And each reads back as it was meant.
        for p in [moved, edited, unassigned, assigned, TaskPatch::default()] {
            assert_eq!(serde_json::from_str::<TaskPatch>(&wire(&p)).unwrap(), p);
        }
        // The server function's argument object (`{"task_id":…,"patch":…}`).
        let rpc = serde_json::json!({"task_id": 1, "patch": TaskPatch { position: Some(2), ..Default::default() }});
        assert_eq!(rpc.to_string(), r#"{"patch":{"position":2},"task_id":1}"#);

        let column = ColumnPatch {
            position: Some(1),
            name: None,
        };
        assert_eq!(serde_json::to_string(&column).unwrap(), r#"{"position":1}"#);
        let room = RoomPatch {
            archived: Some(true),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&room).unwrap(),
            r#"{"archived":true}"#
        );
    }

    /// Drags, Alt+arrows and the dialog's Column select send a `TaskMove`
    /// (issue 12): a place and a version, and no field that could unassign.
    /// A versioned edit carries `version` beside only what it changes.
    #[test]
    fn moves_and_versioned_edits_on_the_wire_hold_no_assignee() {
        let first = TaskMove {
            column_id: 3,
            after_id: None,
            version: 4,
        };
        let after = TaskMove {
            after_id: Some(9),
            ..first.clone()
        };
        let wire = |m: &TaskMove| serde_json::to_string(m).unwrap();
        assert_eq!(
            wire(&first),
            r#"{"column_id":3,"after_id":null,"version":4}"#
        );
        assert_eq!(wire(&after), r#"{"column_id":3,"after_id":9,"version":4}"#);
        for m in [first, after] {
            assert_eq!(serde_json::from_str::<TaskMove>(&wire(&m)).unwrap(), m);
        }
        assert!(serde_json::from_str::<TaskMove>(
            r#"{"column_id":3,"version":1,"assignee_id":null}"#
        )
        .is_err());
        assert!(serde_json::from_str::<TaskMove>(r#"{"column_id":3}"#).is_err());

        let saved = TaskPatch {
            title: Some("T".into()),
            version: Some(2),
            ..Default::default()
        };
        let text = serde_json::to_string(&saved).unwrap();
        assert!(!text.contains("assignee_id"), "{text}");
        assert_eq!(serde_json::from_str::<TaskPatch>(&text).unwrap(), saved);
        assert!(serde_json::from_str::<TaskPatch>(r#"{"version":null}"#).is_err());

        // Rooms: nothing can be cleared by a null either.
        for body in [
            r#"{"name":null}"#,
            r#"{"description":null}"#,
            r#"{"archived":null}"#,
        ] {
            assert!(serde_json::from_str::<RoomPatch>(body).is_err(), "{body}");
        }
        assert_eq!(serde_json::to_string(&RoomPatch::default()).unwrap(), "{}");
    }

    #[test]
    fn keep_is_never_written_as_null() {
        #[derive(Serialize)]
        struct Forgot {
            a: Change<i64>,
        }
        assert!(serde_json::to_string(&Forgot { a: Change::Keep }).is_err());
    }
}
