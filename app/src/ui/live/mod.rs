//! The browser's live connection: one WebSocket per tab, opened once the user
//! is logged in, whatever the page. Over it the tab follows the user's own
//! topic (notifications, read pointers) everywhere, and the board page, the
//! open chat room and the open task's comment thread while they are shown.
//! Every frame is an `app::protocol` value, both ways.
//!
//! - [`socket`]: the WebSocket — backoff with jitter, liveness, reading
//!   [`ServerFrame`](crate::protocol::ServerFrame)s.
//! - [`feed`]: one generic feed of items (a room's messages, a thread's
//!   comments): history pages, live items each once, typing, a focus target.
//! - [`outbox`]: texts typed and not yet acknowledged, each with its own
//!   `client_id` kept across reconnects and retries (the server stores a
//!   repeat once).
//! - [`notifications`]: the unread count and desktop notifications.
//! - [`fallback`]: long polling and HTTP sends when no WebSocket gets through.
//!
//! - A shown board's events go to the board page's [`BoardRoute`] (the
//!   board follows its own stream: `ui::board::BoardState`); `Live` keeps no
//!   board state of its own.
//!
//! All state is in signals, so components just read it. On the server (SSR)
//! nothing connects; the state renders as "connecting".

// The connection machinery only runs in the browser.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

mod fallback;
pub mod feed;
mod notifications;
pub mod outbox;
mod rooms;
mod socket;

use leptos::prelude::*;

pub use feed::Feed;
pub use notifications::Notifications;
pub use outbox::{OutState, Outgoing};

use crate::model::{Comment, Message, RoomSummary, User};
use crate::protocol::{BoardChange, ClientFrame, Topic};

/// How the tab is connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveStatus {
    Connecting,
    Live,
    /// Disconnected; the next attempt is at this time (ms since the epoch).
    Reconnecting(u64),
    /// WebSockets do not get through: long polling and HTTP sends.
    Fallback,
}

/// Where a text is posted (and where someone types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// A chat room.
    Room(i64),
    /// A task's comment thread.
    Task(i64),
}

impl Target {
    pub fn topic(self) -> Topic {
        match self {
            Target::Room(id) => Topic::Room(id),
            Target::Task(id) => Topic::Task(id),
        }
    }
}

/// Who is typing, and until when (ms since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypingHint {
    pub user: User,
    pub until: u64,
    /// Typing a reply to this root (shown in its pane, not the room).
    pub root: Option<i64>,
}

/// Whether someone is here, as far as this tab can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Online,
    Offline,
    /// This tab is not connected live: it cannot know.
    Unknown,
}

impl Presence {
    /// The CSS class of a presence dot.
    pub fn class(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Offline => "offline",
            Self::Unknown => "unknown",
        }
    }
    /// In words, for screen readers and tooltips.
    pub fn label(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Offline => "offline",
            Self::Unknown => "presence unknown (not connected)",
        }
    }
}

/// Where the shown board's live events go: the board page makes one and
/// takes what arrives (as a room's messages go to [`Feed<Message>`]); `Live`
/// keeps no board state of its own. Plain signals, so the socket code (in
/// the main bundle) never calls into the board page's code (a lazy chunk).
#[derive(Clone, Copy)]
pub struct BoardRoute {
    pub board_id: i64,
    /// What arrived, in order, not yet taken by the page.
    pub inbox: RwSignal<Vec<BoardInput>>,
    /// The last change the page has applied or holds back (it keeps this
    /// up to date): the board's topic resumes after it.
    pub cursor: StoredValue<i64>,
}

/// One thing that arrived for the shown board.
// (A change carries a whole card inline: inputs wait in a short queue that is
// drained at the next render, so their size does not matter, and boxing would
// cost an allocation per event.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum BoardInput {
    /// A numbered change (live, replayed or polled).
    Change { seq: i64, change: BoardChange },
    /// Who of the board's members is online (a subscription's snapshot).
    Online(Vec<i64>),
    /// One member came online or went away.
    Presence { user_id: i64, online: bool },
    /// Someone else picked up a card, or put it down.
    Moving {
        task_id: i64,
        user: User,
        moving: bool,
    },
    /// Too far behind to replay: load the board again.
    TooFarBehind,
}

impl BoardRoute {
    pub fn new(board_id: i64, cursor: i64) -> Self {
        Self {
            board_id,
            inbox: RwSignal::new(Vec::new()),
            cursor: StoredValue::new(cursor),
        }
    }

    fn push(self, input: BoardInput) {
        self.inbox.try_update(|q| q.push(input));
    }

    /// Where the topic resumes: after what the page has, or what waits in
    /// the inbox.
    fn resume_after(self) -> i64 {
        let queued = self
            .inbox
            .try_with_untracked(|q| {
                q.iter()
                    .filter_map(|i| match i {
                        BoardInput::Change { seq, .. } => Some(*seq),
                        _ => None,
                    })
                    .max()
            })
            .flatten();
        let have = self.cursor.try_get_value().unwrap_or(0);
        queued.map_or(have, |q| q.max(have))
    }

    /// Takes what arrived (the page applies it).
    pub fn take(self) -> Vec<BoardInput> {
        self.inbox.try_update(std::mem::take).unwrap_or_default()
    }
}

/// How long a typing hint lasts after the last typing frame.
pub const TYPING_EXPIRY_MS: u64 = 10_000;
/// A composer sends "typing" at most this often.
pub const TYPING_SEND_INTERVAL_MS: u64 = 3_000;
/// A socket silent this long (ms) is asked for a sign of life ...
pub const QUIET_BEFORE_PING_MS: u64 = 15_000;
/// ... and given up on if the ping is not answered within this long.
pub const PING_ANSWER_MS: u64 = 10_000;
/// A WebSocket handshake unanswered this long (ms) is given up and retried:
/// the browser itself would wait minutes, showing "Connecting…" all along.
pub const CONNECT_TIMEOUT_MS: u64 = 8_000;

/// The tab's live state. Cheap to copy (signals); provided at the root.
#[derive(Clone, Copy)]
pub struct Live {
    pub status: RwSignal<LiveStatus>,
    /// The logged-in user (from the server's hello).
    pub me: RwSignal<Option<User>>,
    /// The last error that is not tied to one text.
    pub notice: RwSignal<Option<String>>,
    pub outbox: RwSignal<Vec<Outgoing>>,

    // The shown board's chat.
    /// The board's rooms (those the user is in, and for the owner all).
    pub rooms: RwSignal<Vec<RoomSummary>>,
    /// The open room's messages.
    pub room: Feed<Message>,
    /// The open room's members online now.
    pub online: RwSignal<Vec<i64>>,
    /// The read pointer when the room was opened (for the "new messages" line).
    pub read_marker: RwSignal<i64>,
    /// The root whose replies pane is open beside the open room.
    pub replies_open: RwSignal<Option<i64>>,
    /// The latest word from any tab of this user on a root's replies: its
    /// id, read pointer and whether they follow it.
    pub replies_read: RwSignal<Option<(i64, i64, bool)>>,

    /// The open task's comment thread.
    pub thread: Feed<Comment>,
    /// How many comments the open thread has (not counting deleted ones),
    /// once it is loaded; kept up to date by the live changes.
    pub comment_count: RwSignal<Option<i64>>,

    pub notifications: Notifications,
    /// Bumped when the user is added to or removed from a board (the
    /// board list reloads: a board someone adds you to appears live).
    pub boards_changed: RwSignal<u32>,
    /// Bumped when the messages page's list should be fetched again
    /// (someone opened a conversation with this user).
    pub direct_stale: RwSignal<u32>,

    inner: StoredValue<Inner, InnerStorage>,
}

/// The browser's socket is not `Send`, so there the inner state is kept
/// thread-local; on the server (which never connects) it must be `Sync`: a
/// page's reactive owner may be dropped on another worker thread.
#[cfg(feature = "hydrate")]
type InnerStorage = LocalStorage;
#[cfg(not(feature = "hydrate"))]
type InnerStorage = SyncStorage;

#[derive(Default)]
struct Inner {
    /// The shown board, which its events go to.
    board: Option<BoardRoute>,
    /// The messages page is shown: `rooms` are the user's direct messages.
    direct: bool,
    #[cfg(feature = "hydrate")]
    socket: Option<socket::Socket>,
    started: bool,
    user_id: i64,
    attempts: u32,
    ever_opened: bool,
    /// Bumped by every (re)connection attempt: a scheduled retry that finds
    /// it changed knows another attempt took over.
    connect_generation: u64,
    /// Bumped each time a board page is shown: a clean-up scheduled by a
    /// page that went away finds it changed when another page took over.
    board_shown: u64,
    /// When the socket last brought anything (ms), and when a ping went out
    /// that nothing has answered yet: a socket can die without closing.
    last_heard: u64,
    ping_sent: Option<u64>,
    next_client_id: u64,
    tab: String,
    /// When each place last got a "typing" frame from this tab.
    typing_sent: Vec<(Target, u64)>,
    polling: bool,
    /// An HTTP send of the fallback is under way (they go one at a time, in order).
    fallback_sending: bool,
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

impl Live {
    pub fn new() -> Self {
        Self {
            status: RwSignal::new(LiveStatus::Connecting),
            me: RwSignal::new(None),
            notice: RwSignal::new(None),
            outbox: RwSignal::new(Vec::new()),
            rooms: RwSignal::new(Vec::new()),
            room: Feed::new(),
            online: RwSignal::new(Vec::new()),
            read_marker: RwSignal::new(0),
            replies_open: RwSignal::new(None),
            replies_read: RwSignal::new(None),
            thread: Feed::new(),
            comment_count: RwSignal::new(None),
            notifications: Notifications::new(),
            boards_changed: RwSignal::new(0),
            direct_stale: RwSignal::new(0),
            inner: StoredValue::new_with_storage(Inner::default()),
        }
    }

    fn my_id(self) -> i64 {
        self.inner.with_value(|i| i.user_id)
    }

    /// Whether a user is online in `online` (a room's or the board's list),
    /// or unknown while this tab is not connected live.
    pub fn presence(self, online: RwSignal<Vec<i64>>, user_id: i64) -> Presence {
        if self.status.get() != LiveStatus::Live {
            Presence::Unknown
        } else if online.with(|o| o.contains(&user_id)) {
            Presence::Online
        } else {
            Presence::Offline
        }
    }

    /// Connects (once per tab) for this user and keeps the state up to date.
    pub fn start(self, user: &User) {
        let first = self
            .inner
            .try_update_value(|i| {
                let first = !i.started;
                i.started = true;
                i.user_id = user.id;
                if first {
                    i.tab = format!("{:x}", (random() * 1e12) as u64);
                }
                first
            })
            .unwrap_or(false);
        if first {
            self.me.set(Some(user.clone()));
            self.restore_outbox();
            socket::start(self);
        }
    }

    /// Disconnects for good (the user logged out).
    pub fn stop(self) {
        self.inner.update_value(|i| {
            i.started = false;
            #[cfg(feature = "hydrate")]
            {
                i.socket = None;
            }
        });
        self.status.set(LiveStatus::Connecting);
        self.notifications.unread.set(0);
    }

    fn stopped(self) -> bool {
        !self.inner.with_value(|i| i.started)
    }

    /// Tries to connect now (the user asked), unless a socket is up or opening.
    pub fn reconnect_now(self) {
        socket::reconnect_now(self);
    }

    fn subscribe(self, topic: Topic, after: Option<i64>) -> bool {
        self.send_frame(&ClientFrame::Subscribe {
            topic: topic.into(),
            after: None,
            after_seq: after,
        })
    }

    fn unsubscribe(self, topic: Topic) {
        self.send_frame(&ClientFrame::Unsubscribe {
            topic: topic.into(),
        });
    }

    fn send_frame(self, frame: &ClientFrame) -> bool {
        socket::send(self, frame)
    }

    /// Everything this tab follows, each resumed from where it was (a new
    /// socket just opened).
    fn follow_everything(self) {
        self.subscribe(Topic::User(self.my_id()), None);
        self.subscribe_board();
        if let Some(task) = self.thread.open.get_untracked() {
            self.subscribe(Topic::Task(task), self.thread.cursor());
        }
    }

    // ---- The open task's thread ---------------------------------------

    /// Opens a task's comment thread: newest page over HTTP, then live.
    pub fn open_thread(self, task_id: i64) {
        if self.thread.open.get_untracked() == Some(task_id) {
            return;
        }
        if let Some(previous) = self.thread.open.get_untracked() {
            self.close_thread(previous);
        }
        self.thread.open.set(Some(task_id));
        self.thread.load_newest(self, task_id);
    }

    /// Stops following a thread (if it is still the open one).
    pub fn close_thread(self, task_id: i64) {
        if self.thread.open.get_untracked() != Some(task_id) {
            return;
        }
        self.unsubscribe(Topic::Task(task_id));
        self.typing(Target::Task(task_id), false);
        self.thread.close();
        self.comment_count.set(None);
    }

    /// Loads the comments before the oldest shown.
    pub fn load_older_comments(self) {
        self.thread.load_older(self);
    }

    /// A comment change arrived (live, replayed, acknowledged, or from an
    /// edit or deletion through a server function).
    pub fn receive_comment(self, comment: Comment) {
        if Some(comment.task_id) != self.thread.open.get_untracked() {
            return;
        }
        self.resolve_echo(comment.client_id.as_deref());
        let author = comment.author.id;
        let change = feed::comment_count_change(&self.thread, &comment);
        if self.thread.upsert(comment) == feed::Upserted::New {
            self.thread
                .typing
                .update(|t| t.retain(|h| h.user.id != author));
        }
        if change != 0 {
            self.comment_count
                .update(|c| *c = c.map(|n| (n + change).max(0)));
        }
    }

    /// Tells a room or thread this user is typing (at most every few
    /// seconds), or stopped.
    pub fn typing(self, target: Target, is_typing: bool) {
        self.typing_in(target, None, is_typing);
    }

    /// [`typing`](Self::typing), in a root's replies pane when `root` is set.
    pub fn typing_in(self, target: Target, root: Option<i64>, is_typing: bool) {
        let now = now_ms();
        let send = self
            .inner
            .try_update_value(|i| {
                let last = i
                    .typing_sent
                    .iter()
                    .find(|(t, _)| *t == target)
                    .map(|(_, at)| *at);
                if is_typing
                    && last.is_some_and(|at| now.saturating_sub(at) < TYPING_SEND_INTERVAL_MS)
                {
                    return false;
                }
                if !is_typing && last.is_none() {
                    return false;
                }
                i.typing_sent.retain(|(t, _)| *t != target);
                if is_typing {
                    i.typing_sent.push((target, now));
                }
                true
            })
            .unwrap_or(false);
        if send {
            let (room_id, task_id) = match target {
                Target::Room(id) => (Some(id), None),
                Target::Task(id) => (None, Some(id)),
            };
            self.send_frame(&ClientFrame::Typing {
                room_id,
                task_id,
                thread_root_id: root.filter(|_| room_id.is_some()),
                is_typing,
            });
        }
    }

    /// Expires typing hints on the receiving side.
    fn expire_typing(self) {
        let now = now_ms();
        for hints in [self.room.typing, self.thread.typing] {
            if hints.with_untracked(|t| t.iter().any(|h| h.until <= now)) {
                hints.update(|t| t.retain(|h| h.until > now));
            }
        }
    }

    /// Tells the board's other viewers this user picked up (or put down) a card.
    pub fn say_moving(self, task_id: i64, moving: bool) {
        self.send_frame(&ClientFrame::Moving { task_id, moving });
    }
}

/// Milliseconds since the epoch (the browser's clock).
pub fn now_ms() -> u64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as u64
    }
    #[cfg(not(feature = "hydrate"))]
    0
}

fn random() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Math::random()
    }
    #[cfg(not(feature = "hydrate"))]
    0.5
}
