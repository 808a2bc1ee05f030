//! The real-time wire, typed once for both ends: what a client may send
//! ([`ClientFrame`]), what the server sends ([`ServerFrame`], including every
//! [`Event`]), the topics they name ([`Topic`]) and the error codes
//! ([`ErrorCode`]). The server only ever writes these values and the browser
//! only ever reads them, so renaming a field changes both or fails to compile.
//! docs/realtime.md describes the protocol; a test parses its examples.
//!
//! To add an event: add a variant to [`Event`] (and say who gets it in the
//! hub), document it in docs/realtime.md, and pin its JSON in the tests below.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::{
    BoardDetail, ChecklistItem, Column, Comment, Label, Member, Message, Notification, Reaction,
    Role, Room, Task, User,
};

/// Version of the protocol in docs/realtime.md (sent in `hello`).
pub const PROTOCOL_VERSION: u32 = 1;
/// Largest client frame accepted; larger ones get a `too_large` error.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Longest `client_id` a client may put on a message or comment.
pub const CLIENT_ID_MAX: usize = 64;

/// What a subscriber can listen to. On the wire: `"room:12"`, `"board:3"`,
/// `"task:9"`, `"user:1"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A chat room: messages, typing, presence, its renames.
    Room(i64),
    /// A board: every change to its tasks, columns, members and name
    /// (numbered, resumable), who of its members is online, and who is
    /// moving which card.
    Board(i64),
    /// A task's comment thread: comment changes and typing.
    Task(i64),
    /// One user's own events: notifications, read pointers (all their tabs).
    User(i64),
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Room(id) => write!(f, "room:{id}"),
            Topic::Board(id) => write!(f, "board:{id}"),
            Topic::Task(id) => write!(f, "task:{id}"),
            Topic::User(id) => write!(f, "user:{id}"),
        }
    }
}

/// Why a topic name is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadTopic(String);

impl std::str::FromStr for Topic {
    type Err = BadTopic;
    fn from_str(s: &str) -> Result<Self, BadTopic> {
        let (kind, id) = s
            .split_once(':')
            .ok_or_else(|| BadTopic(format!("unknown topic {s:?} (expected e.g. \"room:12\")")))?;
        let id: i64 = id
            .parse()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| BadTopic(format!("bad id in topic {s:?}")))?;
        match kind {
            "room" => Ok(Topic::Room(id)),
            "board" => Ok(Topic::Board(id)),
            "task" => Ok(Topic::Task(id)),
            "user" => Ok(Topic::User(id)),
            _ => Err(BadTopic(format!("unknown topic kind {kind:?}"))),
        }
    }
}

impl Serialize for Topic {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Topic {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A topic as a client names it in `subscribe`/`unsubscribe`. The server
/// parses it itself, so a name that is not a topic is answered with
/// `bad_topic` (not a generic `bad_frame`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TopicName(String);

impl TopicName {
    pub fn parse(&self) -> Result<Topic, BadTopic> {
        self.0.parse()
    }
}

impl From<Topic> for TopicName {
    fn from(topic: Topic) -> Self {
        Self(topic.to_string())
    }
}

/// Every frame a client may send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Follow a topic; with `after`, first get what was missed (a message id
    /// for rooms, a change `seq` for threads and boards) — or with
    /// `after_seq`, a change `seq` for every stream (rooms too).
    Subscribe {
        topic: TopicName,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after_seq: Option<i64>,
    },
    Unsubscribe {
        topic: TopicName,
    },
    /// A chat message (on a task-comments socket: a comment). `room_id` may
    /// be left out on a room socket.
    Message {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        room_id: Option<i64>,
        content: String,
        /// The client's own id for this text: sending it again (after a lost
        /// ack) stores nothing twice and gets the same ack.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        /// A reply: the room message it answers (never on a task-comments
        /// socket: comments take no replies).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread_root_id: Option<i64>,
        /// A reply also shown in the room's main history.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        also_to_room: Option<bool>,
    },
    /// A comment on a task's thread.
    Comment {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task_id: Option<i64>,
        content: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// Edits your chat message (`message_id`) or comment (`comment_id`);
    /// with `version`, only if nobody changed it since. Answered by an
    /// `ack` with the message or comment (its `client_id`, if given, lets
    /// the client match the answer), or an error frame.
    Edit {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment_id: Option<i64>,
        content: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// Deletes a chat message or a comment (answered like `edit`).
    Delete {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment_id: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// Adds (`add`) or removes your reaction `emoji` on a chat message or a
    /// comment (answered like `edit`).
    React {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment_id: Option<i64>,
        emoji: String,
        add: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    Typing {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        room_id: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task_id: Option<i64>,
        /// Typing a reply to this root (in its pane), not in the room.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread_root_id: Option<i64>,
        is_typing: bool,
    },
    /// Picking up (`moving`) or putting down a card: the board's other
    /// followers see "<name> is moving this" until it is put down or expires.
    Moving {
        task_id: i64,
        moving: bool,
    },
    /// Moves the read pointer of a room forward.
    Read {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        room_id: Option<i64>,
        message_id: i64,
    },
    Ping,
}

impl ClientFrame {
    /// The client's id of a message or comment frame (its answer carries it).
    pub fn client_id(&self) -> Option<&str> {
        match self {
            Self::Message { client_id, .. }
            | Self::Comment { client_id, .. }
            | Self::Edit { client_id, .. }
            | Self::Delete { client_id, .. }
            | Self::React { client_id, .. } => client_id.as_deref(),
            _ => None,
        }
    }
}

tagged_enum! {
    /// Something that happened, as delivered to subscribers (published through
    /// the hub, relayed between instances, sent as a frame of its own).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Event tag "type" {
        /// A committed chat message.
        Message { message: Message },
        /// A committed change to a board, numbered per board (`seq` is
        /// contiguous: resume with `after` = the last one seen).
        BoardEvent {
            board_id: i64,
            seq: i64,
            change: BoardChange,
        },
        /// Someone picked up a card (`moving`) or put it down, on a board
        /// (ephemeral, like typing: it expires by itself).
        Moving {
            board_id: i64,
            task_id: i64,
            user: User,
            moving: bool,
        },
        /// A comment was posted, edited or deleted (its current state).
        Comment { comment: Comment },
        /// Someone (`user_id`) added (`added`) or removed an emoji reaction
        /// on a chat message (`room_id`, `message_id`) or a task comment
        /// (`task_id`, `comment_id`): the emoji's count and people now.
        /// Numbered in the room's or thread's stream like a message; a
        /// follower that missed it replays the whole message instead.
        Reaction {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            room_id: Option<i64>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            task_id: Option<i64>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            message_id: Option<i64>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            comment_id: Option<i64>,
            seq: i64,
            user_id: i64,
            added: bool,
            reaction: Reaction,
        },
        /// Someone started or stopped typing in a room (`room_id`) or in a
        /// task's comment thread (`task_id`).
        Typing {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            room_id: Option<i64>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            task_id: Option<i64>,
            /// Typing a reply to this root (its pane shows it, not the room).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            thread_root_id: Option<i64>,
            user: User,
            is_typing: bool,
        },
        /// A room member came online or went offline.
        Presence {
            room_id: i64,
            user_id: i64,
            online: bool,
        },
        /// A board member came online or went offline.
        BoardPresence {
            board_id: i64,
            user_id: i64,
            online: bool,
        },
        /// A new notification for the topic's user, and their unread count.
        Notification {
            notification: Notification,
            unread: i64,
        },
        /// The user's notifications changed elsewhere (another tab marked some
        /// read, a mentioning comment was deleted): the new count, and which.
        NotificationsUpdated {
            unread: i64,
            read: Vec<i64>,
            removed: Vec<i64>,
            all_read: bool,
        },
        /// A room was renamed, archived, restored or deleted.
        RoomChanged { room: Room, deleted: bool },
        /// The user's read pointer in a room moved (in any tab).
        RoomRead { room_id: i64, last_read_id: i64 },
        /// The user's read pointer in a root's replies moved, or they
        /// followed or unfollowed it (in any tab).
        RepliesRead {
            root_id: i64,
            last_read_id: i64,
            following: bool,
        },
        /// The user was added to or removed from a board (`room_id` absent) or
        /// one of its rooms, or someone opened a direct message with them
        /// (`board_id` null). Every connection of theirs stops delivering
        /// what they lost access to.
        AccessChanged {
            board_id: Option<i64>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            room_id: Option<i64>,
            member: bool,
        },
        /// One of the user's boards was archived or restored: their board
        /// list shows it elsewhere (fetch it again).
        BoardListChanged { board_id: i64 },
        /// A session ended (logout): its connections close, on every instance.
        /// Between servers only — never sent to a client. `session` is a
        /// reference derived from the session key, not the key itself.
        SessionEnded { session: String },
    }
}

impl Event {
    /// Tells a user's tabs that their access changed.
    pub fn access(board_id: i64, room_id: Option<i64>, member: bool) -> Self {
        Event::AccessChanged {
            board_id: Some(board_id),
            room_id,
            member,
        }
    }

    /// Tells a user someone opened a direct message with them.
    pub fn access_to_direct(room_id: i64) -> Self {
        Event::AccessChanged {
            board_id: None,
            room_id: Some(room_id),
            member: true,
        }
    }

    /// The numbered stream this event is an item of, as its topic, and its
    /// number there (`seq`): messages, comment changes and board changes.
    pub fn numbered(&self) -> Option<(Topic, i64)> {
        match self {
            Event::Message { message } => Some((Topic::Room(message.room_id), message.seq)),
            Event::Comment { comment } => Some((Topic::Task(comment.task_id), comment.seq)),
            Event::Reaction {
                room_id: Some(room),
                seq,
                ..
            } => Some((Topic::Room(*room), *seq)),
            Event::Reaction {
                task_id: Some(task),
                seq,
                ..
            } => Some((Topic::Task(*task), *seq)),
            Event::BoardEvent { board_id, seq, .. } => Some((Topic::Board(*board_id), *seq)),
            _ => None,
        }
    }

    /// Who wrote it, for the items that carry the `client_id` they were
    /// sent with (only their author sees that).
    fn sent_by(&self) -> Option<(i64, &Option<String>)> {
        match self {
            Event::Message { message } => Some((message.author.id, &message.client_id)),
            Event::Comment { comment } => Some((comment.author.id, &comment.client_id)),
            _ => None,
        }
    }

    /// Whether `viewer` sees this event with something taken out (the
    /// `client_id` of someone else's message or comment).
    pub fn differs_for(&self, viewer: i64) -> bool {
        matches!(self.sent_by(), Some((author, Some(_))) if author != viewer)
    }

    /// The event as `viewer` may see it: the `client_id` a message or
    /// comment was sent with goes to its author's connections only (their
    /// outbox matches its echo by it); everyone else gets it without.
    pub fn for_viewer(self, viewer: i64) -> Self {
        match self {
            Event::Message { message } => Event::Message {
                message: message.as_seen_by(viewer),
            },
            Event::Comment { comment } => Event::Comment {
                comment: comment.as_seen_by(viewer),
            },
            other => other,
        }
    }

    /// Hints (typing, presence) may be dropped under pressure; anything the
    /// user must not miss never is.
    pub fn is_droppable(&self) -> bool {
        matches!(
            self,
            Event::Typing { .. }
                | Event::Presence { .. }
                | Event::BoardPresence { .. }
                | Event::Moving { .. }
        )
    }

    /// Whether it is for the servers only (connections act on it; clients never see it).
    pub fn is_internal(&self) -> bool {
        matches!(self, Event::SessionEnded { .. })
    }

    /// The WebSocket frame for this event, whole (between servers, or for a
    /// viewer who may see all of it).
    pub fn to_frame(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The WebSocket frame for this event as `viewer` gets it.
    pub fn to_frame_for(&self, viewer: i64) -> String {
        if self.differs_for(viewer) {
            self.clone().for_viewer(viewer).to_frame()
        } else {
            self.to_frame()
        }
    }
}

tagged_enum! {
    /// What changed on a board: each carries the new state of what changed, so
    /// a follower applies it without asking the server again.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum BoardChange tag "kind" {
        /// A new card, at `task.position` of `task.column_id`.
        TaskCreated { task: Task },
        /// A card's title, description or assignee changed (same place).
        TaskEdited { task: Task },
        /// A card moved (and maybe changed too): it is now at `task.position`
        /// of `task.column_id`; the cards after its old and new places shift.
        TaskMoved { task: Task },
        /// A card was deleted; the cards after it in its column move up.
        TaskDeleted { task_id: i64, column_id: i64 },
        /// A new column, at `column.position`.
        ColumnCreated { column: Column },
        /// A column was renamed (same place).
        ColumnRenamed { column: Column },
        /// A column moved to `column.position`; the others shift.
        ColumnMoved { column: Column },
        /// A column was deleted with every card in it.
        ColumnDeleted { column_id: i64 },
        /// Someone joined the board.
        MemberAdded { member: Member },
        /// A member became an owner, or an owner a member.
        MemberRoleChanged { member: Member },
        /// Someone left or was removed; their cards here are unassigned
        /// (`unassigned`: those cards' ids).
        MemberRemoved { user_id: i64, unassigned: Vec<i64> },
        /// The board's name changed.
        BoardRenamed { name: String },
        /// The board was deleted: the last event of its topic.
        BoardDeleted,
        /// A card was archived (`task.archived_at`): it leaves its column,
        /// the cards after it move up.
        TaskArchived { task: Task },
        /// An archived card is back, at `task.position` of `task.column_id`.
        TaskRestored { task: Task },
        /// A column was archived with its cards: both leave the board.
        ColumnArchived { column_id: i64 },
        /// An archived column is back at `column.position`, with its cards.
        ColumnRestored { column: Column, tasks: Vec<Task> },
        /// The board was archived (read-only) or restored (`archived_at` null).
        BoardArchived { archived_at: Option<i64> },
        /// A label was created or changed.
        LabelSaved { label: Label },
        /// A label was deleted: cards carrying it lose it.
        LabelDeleted { label_id: i64 },
        /// A card's checklist changed: all of it, and the card's progress.
        /// (The browser reads the progress only; an open card reads its
        /// items again: their decoder stays out of the main bundle.)
        ChecklistChanged {
            task: Task,
            #[cfg_attr(target_arch = "wasm32", serde(skip_deserializing))]
            items: Vec<ChecklistItem>
        },
    }
}

/// What a subscriber is told when it starts following a topic (or must
/// start over): what it got replayed, and the state of things now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub topic: Topic,
    /// How many missed messages or changes were just sent.
    #[serde(default)]
    pub replayed: usize,
    /// Who is online: the room's or the board's members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<Vec<i64>>,
    /// Who is typing there now (rooms and threads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typing: Option<Vec<User>>,
    /// The unread notification count (the user's topic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<i64>,
    /// The stream's last change sent (rooms, threads, boards): resume with
    /// `after_seq` = this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
}

impl Snapshot {
    pub fn of(topic: Topic) -> Self {
        Self {
            topic,
            replayed: 0,
            online: None,
            typing: None,
            unread: None,
            seq: None,
        }
    }
}

/// The error codes of error frames (docs/realtime.md, "Errors").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, an unknown `type`, wrong field types, a binary frame, a missing id.
    BadFrame,
    /// Over [`MAX_FRAME_BYTES`].
    TooLarge,
    /// Not a topic name.
    BadTopic,
    /// Typing somewhere not subscribed to.
    NotSubscribed,
    InvalidInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    /// No longer usable (an expired invite link).
    Gone,
    RateLimited,
    /// Too many live connections of this user.
    TooManyConnections,
    /// The server is saturated; `retry_after_ms` says when to try again.
    Unavailable,
    Internal,
}

impl From<&AppError> for ErrorCode {
    /// The one mapping from service errors to WebSocket error codes.
    fn from(error: &AppError) -> Self {
        match error {
            AppError::InvalidInput(_) => Self::InvalidInput,
            AppError::Unauthenticated(_) => Self::Unauthenticated,
            AppError::Forbidden(_) => Self::Forbidden,
            AppError::NotFound(_) => Self::NotFound,
            AppError::Conflict(_) | AppError::Stale(_) => Self::Conflict,
            AppError::Gone(_) => Self::Gone,
            AppError::RateLimited(_) => Self::RateLimited,
            AppError::TooManyConnections(_) => Self::TooManyConnections,
            AppError::Busy(_) => Self::Unavailable,
            AppError::Internal(_) | AppError::Network(_) => Self::Internal,
        }
    }
}

/// The answer to a `message` or `comment` frame, once it is committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Comment>,
    /// With a message: the board members it mentions who were not notified
    /// (not in the room; empty when everyone was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_notified: Option<Vec<String>>,
}

/// An error frame: the request it answers changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorFrame {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

tagged_enum! {
    /// Every frame the server sends. (Frames are made, written and
    /// dropped: an `ack` carrying a whole message or comment being larger
    /// than a `pong` costs nothing worth a box.)
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[allow(clippy::large_enum_variant)]
    pub enum ServerFrame tag "type" {
        /// The first frame of every connection.
        Hello {
            protocol: u32,
            user: User,
            heartbeat_ms: u64,
            max_frame_bytes: usize,
        },
        /// Now following the topic (after replaying what was missed).
        Subscribed(Snapshot),
        /// Too far behind to replay (or events may have been lost): reload the
        /// newest page over HTTP; live events keep coming.
        Resync(Snapshot),
        Unsubscribed {
            topic: Topic,
        },
        Ack(Ack),
        Error(ErrorFrame),
        /// The read pointer after a `read` frame.
        Read {
            room_id: i64,
            last_read_id: i64,
        },
        Pong,
    }
    untagged
    /// An event of a followed topic (its own `type`).
    Event(Event)
}

impl ServerFrame {
    /// The error frame for a service error (with the `client_id` it answers).
    pub fn failure(error: &AppError, client_id: Option<String>) -> Self {
        Self::Error(ErrorFrame {
            code: error.into(),
            message: error.client_message(),
            retry_after_ms: error.retry_after_ms(),
            client_id,
        })
    }

    /// An error frame of the protocol itself (a bad frame, a bad topic…).
    pub fn refusal(code: ErrorCode, message: impl Into<String>, client_id: Option<String>) -> Self {
        Self::Error(ErrorFrame {
            code,
            message: message.into(),
            retry_after_ms: None,
            client_id,
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The board reducer lives with the changes it applies: the model knows
/// nothing of the wire.
impl BoardDetail {
    /// Applies a change of the board's live topic (the same rules as the
    /// server's, so every tab ends with the board the database has). Applying
    /// one twice changes nothing more.
    pub fn apply(&mut self, change: &BoardChange) {
        use BoardChange as C;
        match change {
            C::TaskCreated { task }
            | C::TaskEdited { task }
            | C::TaskMoved { task }
            | C::TaskRestored { task }
            | C::ChecklistChanged { task, .. } => self.place_task(task),
            C::TaskDeleted { task_id, column_id } => self.remove_task(*task_id, *column_id),
            C::TaskArchived { task } => self.remove_task(task.id, task.column_id),
            C::ColumnCreated { column }
            | C::ColumnMoved { column }
            | C::ColumnRenamed { column } => {
                let mut others: Vec<Column> = self
                    .columns
                    .iter()
                    .filter(|c| c.id != column.id)
                    .cloned()
                    .collect();
                let at = (column.position.max(0) as usize).min(others.len());
                others.insert(at, column.clone());
                for (i, c) in others.iter_mut().enumerate() {
                    c.position = i as i64;
                }
                self.columns = others;
                self.sort_tasks();
            }
            C::ColumnDeleted { column_id } | C::ColumnArchived { column_id } => {
                self.columns.retain(|c| c.id != *column_id);
                self.tasks.retain(|t| t.column_id != *column_id);
                self.renumber_columns();
            }
            C::ColumnRestored { column, tasks } => {
                self.apply(&C::ColumnCreated {
                    column: column.clone(),
                });
                self.tasks.retain(|t| t.column_id != column.id);
                self.tasks.extend(tasks.iter().cloned());
                self.sort_tasks();
            }
            C::BoardArchived { archived_at } => self.archived_at = *archived_at,
            C::LabelSaved { label } => match self.labels.iter_mut().find(|l| l.id == label.id) {
                Some(mine) => *mine = label.clone(),
                None => self.labels.push(label.clone()),
            },
            C::LabelDeleted { label_id } => {
                self.labels.retain(|l| l.id != *label_id);
                for t in &mut self.tasks {
                    t.labels.retain(|l| l != label_id);
                }
            }
            C::MemberAdded { member } | C::MemberRoleChanged { member } => {
                if member.user.id == self.viewer_id {
                    self.role = member.role;
                }
                self.members.retain(|m| m.user.id != member.user.id);
                self.members.push(member.clone());
                self.members.sort_by(|a, b| {
                    (a.role != Role::Owner, &a.user.username)
                        .cmp(&(b.role != Role::Owner, &b.user.username))
                });
            }
            C::MemberRemoved {
                user_id,
                unassigned,
            } => {
                self.members.retain(|m| m.user.id != *user_id);
                for t in &mut self.tasks {
                    // (Only once: applying it again finds them gone.)
                    if unassigned.contains(&t.id) && t.assignee_ids.contains(user_id) {
                        t.assignee_ids.retain(|a| a != user_id);
                        t.assignee_id = t.assignee_ids.first().copied();
                        t.version += 1;
                    }
                }
            }
            C::BoardRenamed { name } => self.name = name.clone(),
            C::BoardDeleted => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ChecklistProgress;
    use serde_json::json;

    fn user(id: i64) -> User {
        User {
            id,
            username: format!("u{id}"),
            display_name: format!("U {id}"),
        }
    }

    fn message() -> Message {
        Message {
            id: 131,
            room_id: 5,
            author: user(1),
            content: "hi".into(),
            html: "<p>hi</p>".into(),
            created_at: 7,
            edited_at: None,
            deleted_at: None,
            version: 1,
            mentions: vec![],
            reactions: vec![Reaction {
                emoji: "👍".into(),
                count: 1,
                user_ids: vec![2],
            }],
            seq: 12,
            client_id: None,
            thread_root_id: None,
            also_to_room: false,
            reply_count: 0,
            last_reply_at: None,
            repliers: vec![],
        }
    }

    fn comment() -> Comment {
        Comment {
            id: 12,
            task_id: 9,
            author: user(1),
            content: "done?".into(),
            html: "<p>done?</p>".into(),
            created_at: 7,
            edited_at: None,
            deleted_at: None,
            version: 1,
            seq: 42,
            mentions: vec![],
            reactions: vec![],
            client_id: None,
        }
    }

    fn room() -> Room {
        Room {
            id: 5,
            board_id: Some(3),
            name: "Lobby".into(),
            description: String::new(),
            created_by: 1,
            created_at: 7,
            archived_at: None,
            is_private: false,
            is_default: false,
        }
    }

    fn notification() -> Notification {
        Notification {
            id: 7,
            kind: crate::model::NotificationKind::CommentMention,
            sender: user(2),
            board_id: Some(3),
            task_id: Some(9),
            comment_id: Some(12),
            room_id: None,
            message_id: None,
            context: "Ship it".into(),
            board_name: "Launch".into(),
            occurrences: 1,
            snippet: "@u1 can you".into(),
            link: "/boards/3/tasks/9?comment=12".into(),
            created_at: 7,
            read: false,
        }
    }

    /// One of every event (a new variant must be added here: the match in
    /// `every_event_is_listed` does not compile otherwise).
    fn every_event() -> Vec<Event> {
        vec![
            Event::Message { message: message() },
            Event::Comment { comment: comment() },
            Event::Reaction {
                room_id: Some(5),
                task_id: None,
                message_id: Some(131),
                comment_id: None,
                seq: 13,
                user_id: 2,
                added: true,
                reaction: Reaction {
                    emoji: "👍".into(),
                    count: 2,
                    user_ids: vec![1, 2],
                },
            },
            Event::Typing {
                room_id: Some(5),
                task_id: None,
                thread_root_id: None,
                user: user(2),
                is_typing: true,
            },
            Event::Typing {
                room_id: Some(5),
                task_id: None,
                thread_root_id: Some(40),
                user: user(2),
                is_typing: true,
            },
            Event::Presence {
                room_id: 5,
                user_id: 2,
                online: false,
            },
            Event::BoardPresence {
                board_id: 3,
                user_id: 2,
                online: true,
            },
            Event::BoardEvent {
                board_id: 3,
                seq: 18,
                change: BoardChange::TaskMoved { task: task() },
            },
            Event::Moving {
                board_id: 3,
                task_id: 9,
                user: user(2),
                moving: true,
            },
            Event::Notification {
                notification: notification(),
                unread: 3,
            },
            Event::NotificationsUpdated {
                unread: 2,
                read: vec![7],
                removed: vec![],
                all_read: false,
            },
            Event::RoomChanged {
                room: room(),
                deleted: false,
            },
            Event::RoomRead {
                room_id: 5,
                last_read_id: 131,
            },
            Event::RepliesRead {
                root_id: 131,
                last_read_id: 140,
                following: true,
            },
            Event::access(3, Some(5), false),
            Event::BoardListChanged { board_id: 3 },
            Event::SessionEnded {
                session: "5f2c".into(),
            },
        ]
    }

    #[test]
    fn only_the_author_sees_the_client_id_of_a_message_or_comment() {
        let sent = Event::Message {
            message: Message {
                client_id: Some("tab1-17".into()),
                ..message()
            },
        };
        let own: serde_json::Value = serde_json::from_str(&sent.to_frame_for(1)).unwrap();
        assert_eq!(own["message"]["client_id"], "tab1-17");
        let other: serde_json::Value = serde_json::from_str(&sent.to_frame_for(2)).unwrap();
        assert!(other["message"].get("client_id").is_none(), "{other}");
        assert_eq!(other["message"]["id"], 131);
        let comment = Event::Comment {
            comment: Comment {
                client_id: Some("tab1-18".into()),
                ..comment()
            },
        };
        assert!(!comment.differs_for(1));
        assert!(comment.differs_for(2));
        match comment.for_viewer(2) {
            Event::Comment { comment } => assert_eq!(comment.client_id, None),
            other => panic!("{other:?}"),
        }
        // Items of numbered streams name their stream and number.
        assert_eq!(sent.numbered(), Some((Topic::Room(5), 12)));
    }

    #[test]
    fn every_event_is_listed() {
        for event in every_event() {
            match event {
                Event::Message { .. }
                | Event::Comment { .. }
                | Event::Reaction { .. }
                | Event::Typing { .. }
                | Event::Presence { .. }
                | Event::BoardPresence { .. }
                | Event::BoardEvent { .. }
                | Event::Moving { .. }
                | Event::Notification { .. }
                | Event::NotificationsUpdated { .. }
                | Event::RoomChanged { .. }
                | Event::RoomRead { .. }
                | Event::RepliesRead { .. }
                | Event::AccessChanged { .. }
                | Event::BoardListChanged { .. }
                | Event::SessionEnded { .. } => {}
            }
        }
    }

    fn every_server_frame() -> Vec<ServerFrame> {
        let mut frames = vec![
            ServerFrame::Hello {
                protocol: PROTOCOL_VERSION,
                user: user(1),
                heartbeat_ms: 20_000,
                max_frame_bytes: MAX_FRAME_BYTES,
            },
            ServerFrame::Subscribed(Snapshot {
                topic: Topic::Room(5),
                replayed: 3,
                online: Some(vec![1, 7]),
                typing: Some(vec![user(2)]),
                unread: None,
                seq: None,
            }),
            ServerFrame::Resync(Snapshot::of(Topic::Task(9))),
            ServerFrame::Unsubscribed {
                topic: Topic::Board(3),
            },
            ServerFrame::Ack(Ack {
                client_id: Some("tab1-17".into()),
                message: Some(message()),
                comment: None,
                not_notified: Some(vec!["bob".into()]),
            }),
            ServerFrame::Ack(Ack {
                client_id: Some("tab1-18".into()),
                message: None,
                comment: Some(comment()),
                not_notified: None,
            }),
            ServerFrame::failure(&AppError::RateLimited(80), Some("tab1-18".into())),
            ServerFrame::refusal(ErrorCode::BadTopic, "unknown topic", None),
            ServerFrame::Read {
                room_id: 5,
                last_read_id: 130,
            },
            ServerFrame::Pong,
        ];
        frames.extend(every_event().into_iter().map(ServerFrame::Event));
        frames
    }

    fn every_client_frame() -> Vec<ClientFrame> {
        vec![
            ClientFrame::Subscribe {
                topic: Topic::Room(5).into(),
                after: Some(120),
                after_seq: None,
            },
            ClientFrame::Subscribe {
                topic: Topic::Room(5).into(),
                after: None,
                after_seq: Some(57),
            },
            ClientFrame::Subscribe {
                topic: Topic::User(1).into(),
                after: None,
                after_seq: None,
            },
            ClientFrame::Unsubscribe {
                topic: Topic::Room(5).into(),
            },
            ClientFrame::Message {
                room_id: Some(5),
                content: "hi".into(),
                client_id: Some("tab1-17".into()),
                thread_root_id: None,
                also_to_room: None,
            },
            ClientFrame::Message {
                room_id: Some(5),
                content: "agreed".into(),
                client_id: Some("tab1-18".into()),
                thread_root_id: Some(131),
                also_to_room: Some(true),
            },
            ClientFrame::Comment {
                task_id: Some(9),
                content: "done?".into(),
                client_id: None,
            },
            ClientFrame::Edit {
                message_id: Some(131),
                comment_id: None,
                content: "hi, **all**".into(),
                version: Some(1),
                client_id: Some("tab1-19".into()),
            },
            ClientFrame::Delete {
                message_id: None,
                comment_id: Some(12),
                client_id: None,
            },
            ClientFrame::React {
                message_id: Some(131),
                comment_id: None,
                emoji: "🎉".into(),
                add: true,
                client_id: None,
            },
            ClientFrame::Typing {
                room_id: None,
                task_id: Some(9),
                thread_root_id: None,
                is_typing: false,
            },
            ClientFrame::Typing {
                room_id: Some(5),
                task_id: None,
                thread_root_id: Some(40),
                is_typing: true,
            },
            ClientFrame::Read {
                room_id: Some(5),
                message_id: 130,
            },
            ClientFrame::Moving {
                task_id: 9,
                moving: true,
            },
            ClientFrame::Ping,
        ]
    }

    fn task() -> Task {
        Task {
            id: 9,
            board_id: 3,
            column_id: 4,
            title: "Ship it".into(),
            description: String::new(),
            position: 0,
            assignee_id: Some(2),
            created_by: 1,
            created_at: 7,
            updated_at: 8,
            comment_count: 2,
            version: 5,
            assignee_ids: vec![2],
            labels: vec![4],
            checklist: ChecklistProgress { done: 1, total: 3 },
            ..Task::default()
        }
    }

    fn task_json() -> serde_json::Value {
        json!({"id":9,"board_id":3,"column_id":4,"title":"Ship it","description":"","description_html":"","position":0,
               "assignee_id":2,"created_by":1,"created_at":7,"updated_at":8,"comment_count":2,"version":5,
               "updated_by":null,"assignee_ids":[2],"due_at":null,"done_at":null,"labels":[4],
               "checklist":{"done":1,"total":3},"archived_at":null})
    }

    /// Every board change, with its exact JSON (an accidental rename fails here).
    #[test]
    fn board_changes_are_pinned() {
        let column = Column {
            id: 4,
            board_id: 3,
            name: "Doing".into(),
            position: 1,
        };
        let column_json = json!({"id":4,"board_id":3,"name":"Doing","position":1});
        let member = Member {
            user: user(2),
            role: crate::model::Role::Member,
        };
        let cases = [
            (
                BoardChange::TaskCreated { task: task() },
                json!({"kind":"task_created","task":task_json()}),
            ),
            (
                BoardChange::TaskEdited { task: task() },
                json!({"kind":"task_edited","task":task_json()}),
            ),
            (
                BoardChange::TaskMoved { task: task() },
                json!({"kind":"task_moved","task":task_json()}),
            ),
            (
                BoardChange::TaskDeleted {
                    task_id: 9,
                    column_id: 4,
                },
                json!({"kind":"task_deleted","task_id":9,"column_id":4}),
            ),
            (
                BoardChange::ColumnCreated {
                    column: column.clone(),
                },
                json!({"kind":"column_created","column":column_json}),
            ),
            (
                BoardChange::ColumnRenamed {
                    column: column.clone(),
                },
                json!({"kind":"column_renamed","column":column_json}),
            ),
            (
                BoardChange::ColumnMoved { column },
                json!({"kind":"column_moved","column":column_json}),
            ),
            (
                BoardChange::ColumnDeleted { column_id: 4 },
                json!({"kind":"column_deleted","column_id":4}),
            ),
            (
                BoardChange::MemberAdded { member },
                json!({"kind":"member_added","member":{"user":{"id":2,"username":"u2","display_name":"U 2"},"role":"member"}}),
            ),
            (
                BoardChange::MemberRoleChanged {
                    member: Member {
                        user: user(2),
                        role: Role::Owner,
                    },
                },
                json!({"kind":"member_role_changed","member":{"user":{"id":2,"username":"u2","display_name":"U 2"},"role":"owner"}}),
            ),
            (
                BoardChange::MemberRemoved {
                    user_id: 2,
                    unassigned: vec![9],
                },
                json!({"kind":"member_removed","user_id":2,"unassigned":[9]}),
            ),
            (
                BoardChange::BoardRenamed { name: "Q3".into() },
                json!({"kind":"board_renamed","name":"Q3"}),
            ),
            (BoardChange::BoardDeleted, json!({"kind":"board_deleted"})),
            (
                BoardChange::TaskArchived { task: task() },
                json!({"kind":"task_archived","task":task_json()}),
            ),
            (
                BoardChange::TaskRestored { task: task() },
                json!({"kind":"task_restored","task":task_json()}),
            ),
            (
                BoardChange::ColumnArchived { column_id: 4 },
                json!({"kind":"column_archived","column_id":4}),
            ),
            (
                BoardChange::ColumnRestored {
                    column: Column {
                        id: 4,
                        board_id: 3,
                        name: "Doing".into(),
                        position: 1,
                    },
                    tasks: vec![task()],
                },
                json!({"kind":"column_restored","column":{"id":4,"board_id":3,"name":"Doing","position":1},
                       "tasks":[task_json()]}),
            ),
            (
                BoardChange::BoardArchived {
                    archived_at: Some(5),
                },
                json!({"kind":"board_archived","archived_at":5}),
            ),
            (
                BoardChange::LabelSaved {
                    label: Label {
                        id: 4,
                        board_id: 3,
                        name: "Bug".into(),
                        color: crate::model::LabelColor::Red,
                    },
                },
                json!({"kind":"label_saved","label":{"id":4,"board_id":3,"name":"Bug","color":"red"}}),
            ),
            (
                BoardChange::LabelDeleted { label_id: 4 },
                json!({"kind":"label_deleted","label_id":4}),
            ),
            (
                BoardChange::ChecklistChanged {
                    task: task(),
                    items: vec![ChecklistItem {
                        id: 1,
                        task_id: 9,
                        text: "Tag".into(),
                        done: true,
                        position: 0,
                        assignee_id: None,
                        due_at: Some(9),
                        created_by: 1,
                        created_at: 7,
                    }],
                },
                json!({"kind":"checklist_changed","task":task_json(),"items":[{"id":1,"task_id":9,
                       "text":"Tag","done":true,"position":0,"assignee_id":null,"due_at":9,
                       "created_by":1,"created_at":7}]}),
            ),
        ];
        for (change, expected) in cases {
            assert_eq!(serde_json::to_value(&change).unwrap(), expected);
            let back: BoardChange = serde_json::from_value(expected).unwrap();
            assert_eq!(back, change);
        }
    }

    #[test]
    fn every_frame_round_trips() {
        for frame in every_server_frame() {
            let text = frame.to_json();
            let back: ServerFrame = serde_json::from_str(&text).expect(&text);
            assert_eq!(back, frame, "{text}");
        }
        for frame in every_client_frame() {
            let text = serde_json::to_string(&frame).unwrap();
            let back: ClientFrame = serde_json::from_str(&text).expect(&text);
            assert_eq!(back, frame, "{text}");
        }
    }

    /// Server frames are read tag first (`crate::tagged`): the tag leads what
    /// the server writes, the same object with its tag later still reads the
    /// same here, and a frame nothing matches is refused.
    #[test]
    fn server_frames_are_read_tag_first() {
        for frame in every_server_frame() {
            let text = frame.to_json();
            assert!(text.starts_with(r#"{"type":""#), "{text}");
            let sorted: serde_json::Value = serde_json::from_str(&text).unwrap();
            let back: ServerFrame = serde_json::from_value(sorted).expect(&text);
            assert_eq!(back, frame, "{text}");
        }
        for bad in [
            r#"{"type":"shout"}"#,
            r#"{"type":7}"#,
            r#"{}"#,
            r#"{"seq":1}"#,
            r#"{"type":"read","room_id":5}"#,
            r#"{"type":"hello","protocol":"one","user":{"id":1,"username":"a","display_name":"A"},"heartbeat_ms":1,"max_frame_bytes":1}"#,
            r#"{"type":"board_event","board_id":1,"seq":2,"change":{"kind":"nope"}}"#,
            r#"{"type":"board_event","board_id":1,"seq":2,"change":{"task_id":1}}"#,
        ] {
            assert!(serde_json::from_str::<ServerFrame>(bad).is_err(), "{bad}");
        }
    }

    /// The exact JSON of a sample of each: an accidental rename fails here.
    #[test]
    fn the_wire_is_pinned() {
        let wire =
            |f: &ServerFrame| serde_json::from_str::<serde_json::Value>(&f.to_json()).unwrap();
        let u = |id: i64| json!({"id": id, "username": format!("u{id}"), "display_name": format!("U {id}")});
        let pinned = [
            json!({"type":"hello","protocol":1,"user":u(1),"heartbeat_ms":20000,"max_frame_bytes":65536}),
            json!({"type":"subscribed","topic":"room:5","replayed":3,"online":[1,7],"typing":[u(2)]}),
            json!({"type":"resync","topic":"task:9","replayed":0}),
            json!({"type":"unsubscribed","topic":"board:3"}),
            json!({"type":"ack","client_id":"tab1-17","message":{"id":131,"room_id":5,"author":u(1),"content":"hi","html":"<p>hi</p>","created_at":7,"edited_at":null,"deleted_at":null,"version":1,"mentions":[],"reactions":[{"emoji":"👍","count":1,"user_ids":[2]}],"seq":12,"thread_root_id":null,"also_to_room":false,"reply_count":0,"last_reply_at":null,"repliers":[]},"not_notified":["bob"]}),
            json!({"type":"ack","client_id":"tab1-18","comment":{"id":12,"task_id":9,"author":u(1),"content":"done?","html":"<p>done?</p>","created_at":7,"edited_at":null,"deleted_at":null,"version":1,"seq":42,"mentions":[],"reactions":[]}}),
            json!({"type":"error","code":"rate_limited","message":"too many requests: wait 80 ms","retry_after_ms":80,"client_id":"tab1-18"}),
            json!({"type":"error","code":"bad_topic","message":"unknown topic"}),
            json!({"type":"read","room_id":5,"last_read_id":130}),
            json!({"type":"pong"}),
            json!({"type":"message","message":{"id":131,"room_id":5,"author":u(1),"content":"hi","html":"<p>hi</p>","created_at":7,"edited_at":null,"deleted_at":null,"version":1,"mentions":[],"reactions":[{"emoji":"👍","count":1,"user_ids":[2]}],"seq":12,"thread_root_id":null,"also_to_room":false,"reply_count":0,"last_reply_at":null,"repliers":[]}}),
            json!({"type":"comment","comment":{"id":12,"task_id":9,"author":u(1),"content":"done?","html":"<p>done?</p>","created_at":7,"edited_at":null,"deleted_at":null,"version":1,"seq":42,"mentions":[],"reactions":[]}}),
            json!({"type":"reaction","room_id":5,"message_id":131,"seq":13,"user_id":2,"added":true,"reaction":{"emoji":"👍","count":2,"user_ids":[1,2]}}),
            json!({"type":"typing","room_id":5,"user":u(2),"is_typing":true}),
            json!({"type":"typing","room_id":5,"thread_root_id":40,"user":u(2),"is_typing":true}),
            json!({"type":"presence","room_id":5,"user_id":2,"online":false}),
            json!({"type":"board_presence","board_id":3,"user_id":2,"online":true}),
            json!({"type":"board_event","board_id":3,"seq":18,"change":{"kind":"task_moved","task":task_json()}}),
            json!({"type":"moving","board_id":3,"task_id":9,"user":u(2),"moving":true}),
            json!({"type":"notification","notification":{"id":7,"kind":"comment_mention","sender":u(2),"board_id":3,"task_id":9,"comment_id":12,"room_id":null,"message_id":null,"context":"Ship it","board_name":"Launch","occurrences":1,"snippet":"@u1 can you","link":"/boards/3/tasks/9?comment=12","created_at":7,"read":false},"unread":3}),
            json!({"type":"notifications_updated","unread":2,"read":[7],"removed":[],"all_read":false}),
            json!({"type":"room_changed","room":{"id":5,"board_id":3,"name":"Lobby","description":"","created_by":1,"created_at":7,"archived_at":null,"is_private":false,"is_default":false},"deleted":false}),
            json!({"type":"room_read","room_id":5,"last_read_id":131}),
            json!({"type":"replies_read","root_id":131,"last_read_id":140,"following":true}),
            json!({"type":"access_changed","board_id":3,"room_id":5,"member":false}),
            json!({"type":"board_list_changed","board_id":3}),
            json!({"type":"session_ended","session":"5f2c"}),
        ];
        let frames = every_server_frame();
        assert_eq!(frames.len(), pinned.len());
        for (frame, expected) in frames.iter().zip(pinned) {
            assert_eq!(wire(frame), expected);
        }
        let client = [
            json!({"type":"subscribe","topic":"room:5","after":120}),
            json!({"type":"subscribe","topic":"room:5","after_seq":57}),
            json!({"type":"subscribe","topic":"user:1"}),
            json!({"type":"unsubscribe","topic":"room:5"}),
            json!({"type":"message","room_id":5,"content":"hi","client_id":"tab1-17"}),
            json!({"type":"message","room_id":5,"content":"agreed","client_id":"tab1-18","thread_root_id":131,"also_to_room":true}),
            json!({"type":"comment","task_id":9,"content":"done?"}),
            json!({"type":"edit","message_id":131,"content":"hi, **all**","version":1,"client_id":"tab1-19"}),
            json!({"type":"delete","comment_id":12}),
            json!({"type":"react","message_id":131,"emoji":"🎉","add":true}),
            json!({"type":"typing","task_id":9,"is_typing":false}),
            json!({"type":"typing","room_id":5,"thread_root_id":40,"is_typing":true}),
            json!({"type":"read","room_id":5,"message_id":130}),
            json!({"type":"moving","task_id":9,"moving":true}),
            json!({"type":"ping"}),
        ];
        assert_eq!(every_client_frame().len(), client.len());
        for (frame, expected) in every_client_frame().iter().zip(client) {
            assert_eq!(serde_json::to_value(frame).unwrap(), expected);
        }
    }

    #[test]
    fn topics_parse_and_print() {
        assert_eq!("room:12".parse::<Topic>().unwrap(), Topic::Room(12));
        assert_eq!(Topic::Room(12).to_string(), "room:12");
        assert_eq!("board:3".parse::<Topic>().unwrap(), Topic::Board(3));
        assert_eq!("task:4".parse::<Topic>().unwrap(), Topic::Task(4));
        assert_eq!("user:5".parse::<Topic>().unwrap(), Topic::User(5));
        for bad in ["room", "room:x", "room:0", "room:-1", "planet:1", ""] {
            assert!(bad.parse::<Topic>().is_err(), "{bad}");
            assert!(TopicName(bad.into()).parse().is_err());
        }
        // A bad topic still reads as a frame: the server answers `bad_topic`.
        let frame: ClientFrame =
            serde_json::from_str(r#"{"type":"subscribe","topic":"planet:1"}"#).unwrap();
        let ClientFrame::Subscribe { topic, .. } = frame else {
            panic!("a subscribe frame")
        };
        assert!(topic.parse().is_err());
    }

    #[test]
    fn unknown_fields_and_types_are_refused() {
        for bad in [
            r#"{"type":"subscribe","topic":"room:1","aftr":3}"#,
            r#"{"type":"shout"}"#,
            r#"{"type":"message","room_id":"five","content":"x"}"#,
            r#"[]"#,
        ] {
            assert!(serde_json::from_str::<ClientFrame>(bad).is_err(), "{bad}");
        }
    }

    /// Every example in docs/realtime.md reads as a frame of these types
    /// (client → server in the request table, server → client elsewhere).
    #[test]
    fn the_documented_examples_are_frames() {
        let doc = include_str!("../../docs/realtime.md");
        let mut checked = (0, 0);
        for line in doc.lines() {
            // Rows of the request table: the first cell is what a client
            // sends, later cells
            // what the server answers. Elsewhere a frame may be either.
            let request_row = line.starts_with("| `{\"type\"");
            for (i, cell) in line.split(" | ").enumerate() {
                for example in backquoted_json(cell) {
                    let value: serde_json::Value =
                        serde_json::from_str(&example).unwrap_or_else(|e| panic!("{example}: {e}"));
                    let client = serde_json::from_value::<ClientFrame>(value.clone());
                    let server = serde_json::from_value::<ServerFrame>(value);
                    match (request_row, i) {
                        (true, 0) => {
                            client.unwrap_or_else(|e| panic!("client frame {example}: {e}"));
                            checked.0 += 1;
                        }
                        (true, _) => {
                            server.unwrap_or_else(|e| panic!("server frame {example}: {e}"));
                            checked.1 += 1;
                        }
                        _ => assert!(client.is_ok() || server.is_ok(), "{example} is no frame"),
                    }
                }
            }
            // Example blocks: one server frame per line.
            let line = line.trim();
            if line.starts_with("{\"type\"") && line.ends_with('}') && !line.contains('…') {
                serde_json::from_str::<ServerFrame>(line)
                    .unwrap_or_else(|e| panic!("server frame {line}: {e}"));
                checked.1 += 1;
            }
        }
        assert!(checked.0 >= 8, "client examples found: {}", checked.0);
        assert!(checked.1 >= 10, "server examples found: {}", checked.1);
    }

    /// The complete JSON objects written in backquotes in a piece of text
    /// (examples with "…" in them are abbreviated and skipped).
    fn backquoted_json(text: &str) -> Vec<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .filter(|s| s.starts_with("{\"type\"") && !s.contains('…'))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn board_changes_apply_like_the_server_stores_them() {
        use crate::model::tests::{board, layout};
        use BoardChange as C;
        let mut b = board(&[(1, 10), (2, 10), (3, 11)]);
        let task = |b: &BoardDetail, id: i64| b.task(id).cloned().unwrap();
        // Moved: out of its column (which closes up), into place in another.
        let mut moved = task(&b, 1);
        (moved.column_id, moved.position, moved.version) = (11, 0, 2);
        b.apply(&C::TaskMoved {
            task: moved.clone(),
        });
        assert_eq!(layout(&b), vec![(2, 10, 0), (1, 11, 0), (3, 11, 1)]);
        assert_eq!(task(&b, 1).version, 2);
        // Applying it twice changes nothing more.
        b.apply(&C::TaskMoved { task: moved });
        assert_eq!(layout(&b), vec![(2, 10, 0), (1, 11, 0), (3, 11, 1)]);
        // Created at its place; edited in place.
        let mut new = task(&b, 2);
        (new.id, new.column_id, new.position, new.title) = (4, 11, 1, "four".into());
        b.apply(&C::TaskCreated { task: new });
        assert_eq!(
            layout(&b),
            vec![(2, 10, 0), (1, 11, 0), (4, 11, 1), (3, 11, 2)]
        );
        let mut edited = task(&b, 3);
        edited.title = "three!".into();
        b.apply(&C::TaskEdited { task: edited });
        assert_eq!(task(&b, 3).title, "three!");
        assert_eq!(task(&b, 3).position, 2);
        // Deleted: the column closes up.
        b.apply(&C::TaskDeleted {
            task_id: 1,
            column_id: 11,
        });
        assert_eq!(layout(&b), vec![(2, 10, 0), (4, 11, 0), (3, 11, 1)]);
        // Columns: moved to the front, tasks follow their column's order.
        let mut col = b.columns[1].clone();
        col.position = 0;
        b.apply(&C::ColumnMoved { column: col });
        let order: Vec<i64> = b.columns.iter().map(|c| c.id).collect();
        assert_eq!(order, vec![11, 10, 12]);
        assert_eq!(layout(&b), vec![(4, 11, 0), (3, 11, 1), (2, 10, 0)]);
        b.apply(&C::ColumnDeleted { column_id: 11 });
        assert_eq!(layout(&b), vec![(2, 10, 0)]);
        assert_eq!(
            b.columns
                .iter()
                .map(|c| (c.id, c.position))
                .collect::<Vec<_>>(),
            vec![(10, 0), (12, 1)]
        );
        b.apply(&C::BoardRenamed { name: "Q4".into() });
        assert_eq!(b.name, "Q4");
    }

    #[test]
    fn a_role_change_of_the_viewer_changes_what_they_may_do() {
        use crate::model::tests::board;
        let mut b = board(&[(1, 10)]);
        let me = User {
            id: b.viewer_id,
            username: "me".into(),
            display_name: "Me".into(),
        };
        b.role = Role::Member;
        b.members = vec![Member {
            user: me.clone(),
            role: Role::Member,
        }];
        b.apply(&BoardChange::MemberRoleChanged {
            member: Member {
                user: me.clone(),
                role: Role::Owner,
            },
        });
        assert_eq!(b.role, Role::Owner);
        assert_eq!(b.members.len(), 1, "replaced, not added");
        assert_eq!(b.members[0].role, Role::Owner);
        // Someone else's change leaves the viewer's role alone.
        b.apply(&BoardChange::MemberRoleChanged {
            member: Member {
                user: user(77),
                role: Role::Member,
            },
        });
        assert_eq!(b.role, Role::Owner);
    }
}
