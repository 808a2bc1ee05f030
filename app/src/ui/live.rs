//! The browser's live connection: one WebSocket per tab, opened once the user
//! is logged in, whatever the page. Over it the tab follows the user's own
//! topic (notifications, read pointers) everywhere, and the board page, the
//! open chat room and the open task's comment thread while they are shown.
//!
//! It reconnects with exponential backoff and jitter, resumes every
//! subscription from the last message id / comment change it has, keeps an
//! outbox of texts not yet acknowledged, and falls back to HTTP (long polling
//! and POST) when WebSockets cannot be opened.
//!
//! All state is in signals, so components just read it. On the server (SSR)
//! nothing connects; the state renders as "connecting".

// The connection machinery only runs in the browser.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use leptos::prelude::*;

use crate::model::{Comment, Message, RoomSummary, User};

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

/// Where an outgoing message stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutState {
    Sending,
    /// Offline: it goes out when the connection is back.
    Waiting,
    Failed(String),
}

/// Where a text is posted (and where someone types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// A chat room.
    Room(i64),
    /// A task's comment thread.
    Task(i64),
}

/// A text typed in this tab that the server has not acknowledged yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub client_id: String,
    pub target: Target,
    pub content: String,
    pub state: OutState,
}

/// Who is typing, and until when (ms since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypingHint {
    pub user: User,
    pub until: u64,
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

/// How long a typing hint lasts after the last typing frame.
pub const TYPING_EXPIRY_MS: u64 = 10_000;
/// A composer sends "typing" at most this often.
pub const TYPING_SEND_INTERVAL_MS: u64 = 3_000;
/// A socket silent this long (ms) is asked for a sign of life ...
pub const QUIET_BEFORE_PING_MS: u64 = 15_000;
/// ... and given up on if the ping is not answered within this long.
pub const PING_ANSWER_MS: u64 = 10_000;
/// A notification link to an old message or comment loads at most this many
/// older pages to reach it.
pub const MAX_PAGES_TO_FOCUS: usize = 20;

/// The tab's live state. Cheap to copy (signals); provided at the root.
#[derive(Clone, Copy)]
pub struct Live {
    pub status: RwSignal<LiveStatus>,
    /// The logged-in user (from the server's hello).
    pub me: RwSignal<Option<User>>,
    /// The last error that is not tied to one text.
    pub notice: RwSignal<Option<String>>,
    pub outbox: RwSignal<Vec<Outgoing>>,

    // The board page and its chat.
    /// The board shown, if any.
    pub board: RwSignal<Option<i64>>,
    pub rooms: RwSignal<Vec<RoomSummary>>,
    /// The open room.
    pub room: RwSignal<Option<i64>>,
    /// The open room's messages, by id, each once.
    pub messages: RwSignal<Vec<Message>>,
    pub has_older: RwSignal<bool>,
    /// An older page of the open room is being loaded.
    pub older_loading: RwSignal<bool>,
    /// The read pointer when the room was opened (for the "new messages" line).
    pub read_marker: RwSignal<i64>,
    pub typing: RwSignal<Vec<TypingHint>>,
    pub online: RwSignal<Vec<i64>>,
    /// Board members online now (for the dots on the member list).
    pub board_online: RwSignal<Vec<i64>>,
    /// A message to scroll to and highlight (a notification's link).
    pub focus_message: RwSignal<Option<i64>>,

    // The open task's comment thread.
    pub thread: RwSignal<Option<i64>>,
    /// Its comments, by id, each once (deleted ones as placeholders).
    pub comments: RwSignal<Vec<Comment>>,
    pub comments_has_older: RwSignal<bool>,
    /// How many comments the open thread has (not counting deleted ones),
    /// once it is loaded; kept up to date by the live changes.
    pub comment_count: RwSignal<Option<i64>>,
    pub thread_typing: RwSignal<Vec<TypingHint>>,
    /// A comment to scroll to and highlight.
    pub focus_comment: RwSignal<Option<i64>>,

    // The user's notifications.
    pub unread_notes: RwSignal<i64>,
    /// Bumped whenever the notifications change (lists reload).
    pub notes_version: RwSignal<u64>,

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
    #[cfg(feature = "hydrate")]
    socket: Option<browser::Socket>,
    started: bool,
    user_id: i64,
    attempts: u32,
    ever_opened: bool,
    next_client_id: u64,
    tab: String,
    /// When each place last got a "typing" frame from this tab.
    typing_sent: Vec<(Target, u64)>,
    polling: bool,
    /// Bumped by every (re)connection attempt: a scheduled retry that finds
    /// it changed knows another attempt took over.
    connect_generation: u64,
    /// When the socket last brought anything (ms), and when a ping went out
    /// that nothing has answered yet: a socket can die without closing.
    last_heard: u64,
    ping_sent: Option<u64>,
    /// Resume point of the open room: the highest message id received from
    /// the room's stream (not from acks, which may overtake it); `None`
    /// until its history is loaded.
    room_cursor: Option<i64>,
    /// Resume point of the open thread: the highest change `seq` received.
    comment_seq: i64,
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
            board: RwSignal::new(None),
            rooms: RwSignal::new(Vec::new()),
            room: RwSignal::new(None),
            messages: RwSignal::new(Vec::new()),
            has_older: RwSignal::new(false),
            older_loading: RwSignal::new(false),
            read_marker: RwSignal::new(0),
            typing: RwSignal::new(Vec::new()),
            online: RwSignal::new(Vec::new()),
            board_online: RwSignal::new(Vec::new()),
            focus_message: RwSignal::new(None),
            thread: RwSignal::new(None),
            comments: RwSignal::new(Vec::new()),
            comments_has_older: RwSignal::new(false),
            comment_count: RwSignal::new(None),
            thread_typing: RwSignal::new(Vec::new()),
            focus_comment: RwSignal::new(None),
            unread_notes: RwSignal::new(0),
            notes_version: RwSignal::new(0),
            inner: StoredValue::new_with_storage(Inner::default()),
        }
    }

    /// Shows a board's rooms (synchronously, so the server and the browser
    /// render the same list); [`enter_board`](Self::enter_board) then goes live.
    pub fn show_board(self, board_id: i64, rooms: Vec<RoomSummary>) {
        self.board.set(Some(board_id));
        self.rooms.set(rooms);
    }

    /// Inserts a message in order unless it is there already; returns whether it was new.
    fn insert_message(self, message: Message) -> bool {
        let mut added = false;
        self.messages.update(|list| {
            if let Err(at) = list.binary_search_by_key(&message.id, |m| m.id) {
                list.insert(at, message);
                added = true;
            }
        });
        added
    }

    fn last_id(self) -> Option<i64> {
        self.messages.with_untracked(|m| m.last().map(|m| m.id))
    }

    /// Adds or updates a comment (a newer change wins); returns whether it
    /// was new, and keeps the thread's comment count.
    fn upsert_comment(self, comment: Comment) -> bool {
        let mut added = false;
        let mut count_change = 0;
        let deleted = comment.deleted_at.is_some();
        self.comments.update(|list| {
            let oldest = list.first().map(|c| c.id);
            match list.binary_search_by_key(&comment.id, |c| c.id) {
                Ok(at) if list[at].seq < comment.seq => {
                    if deleted && list[at].deleted_at.is_none() {
                        count_change = -1;
                    }
                    list[at] = comment;
                }
                Ok(_) => {}
                Err(at) => {
                    count_change = comment_count_change(&comment, oldest);
                    list.insert(at, comment);
                    added = true;
                }
            }
        });
        if count_change != 0 {
            self.comment_count
                .update(|c| *c = c.map(|n| (n + count_change).max(0)));
        }
        added
    }

    fn my_id(self) -> i64 {
        self.inner.with_value(|i| i.user_id)
    }

    /// Counts a message of a room that is not open as unread.
    fn bump_unread(self, message: &Message) {
        let mine = message.author.id == self.my_id();
        self.rooms.update(|rooms| {
            if let Some(r) = rooms.iter_mut().find(|r| r.room.id == message.room_id) {
                r.last_message_id = Some(message.id.max(r.last_message_id.unwrap_or(0)));
                if !mine {
                    r.unread += 1;
                }
            }
        });
    }

    fn clear_unread(self, room_id: i64) {
        self.rooms.update(|rooms| {
            if let Some(r) = rooms.iter_mut().find(|r| r.room.id == room_id) {
                r.unread = 0;
            }
        });
    }
}

/// How a comment this tab did not have changes the thread's count: a new
/// one adds one; one that arrives deleted was counted only if it is older
/// than everything loaded (it was in the count the page came with).
fn comment_count_change(comment: &Comment, oldest_loaded: Option<i64>) -> i64 {
    match comment.deleted_at {
        None => 1,
        Some(_) if oldest_loaded.is_some_and(|oldest| comment.id < oldest) => -1,
        Some(_) => 0,
    }
}

impl Live {
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

    /// Where this browser remembers the room last open on a board.
    fn last_room_key(self, board_id: i64) -> String {
        format!("taskflow.room.{}.{board_id}", self.my_id())
    }
}

#[cfg(not(feature = "hydrate"))]
impl Live {
    pub fn start(self, _user: &User) {}
    pub fn reconnect_now(self) {}
    pub fn stop(self) {}
    pub fn enter_board(self) {}
    pub fn leave_board(self, _board_id: i64) {}
    pub fn open_room(self, room_id: i64) {
        self.room.set(Some(room_id));
    }
    pub fn load_older(self) {}
    pub fn send(self, _target: Target, _content: String) {}
    pub fn retry(self, _client_id: String) {}
    pub fn discard(self, _client_id: String) {}
    pub fn typing(self, _target: Target, _is_typing: bool) {}
    pub fn watch_room(self, _room_id: i64) {}
    pub fn mark_read_now(self) {}
    pub fn open_thread(self, task_id: i64) {
        self.thread.set(Some(task_id));
    }
    pub fn close_thread(self, _task_id: i64) {}
    pub fn load_older_comments(self) {}
    pub fn comment_changed(self, _comment: Comment) {}
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::time::Duration;

    use leptos::prelude::*;
    use leptos::task::spawn_local;
    use serde_json::{json, Value};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    use super::*;
    use crate::api::chat as rpc;
    use crate::api::comments as comments_rpc;
    use crate::error::AppError;
    use crate::model::Notification;

    /// A socket and the callbacks it holds (dropped together).
    pub struct Socket {
        ws: WebSocket,
        _on_open: Closure<dyn FnMut()>,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
        _on_close: Closure<dyn FnMut(CloseEvent)>,
    }

    impl Drop for Socket {
        fn drop(&mut self) {
            self.ws.set_onopen(None);
            self.ws.set_onmessage(None);
            self.ws.set_onclose(None);
            let _ = self.ws.close();
        }
    }

    fn now_ms() -> u64 {
        js_sys::Date::now() as u64
    }

    fn socket_url() -> Option<String> {
        let location = web_sys::window()?.location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!("{scheme}://{}/ws", location.host().ok()?))
    }

    fn ids(frame: &Value, key: &str) -> Vec<i64> {
        frame[key]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default()
    }

    /// Who the server says is typing now (in a `subscribed` frame).
    fn typing_hints(frame: &Value) -> Vec<TypingHint> {
        let until = now_ms() + TYPING_EXPIRY_MS;
        serde_json::from_value::<Vec<User>>(frame["typing"].clone())
            .unwrap_or_default()
            .into_iter()
            .map(|user| TypingHint { user, until })
            .collect()
    }

    fn tab_hidden() -> bool {
        web_sys::window()
            .and_then(|w| w.document())
            .map(|d| d.hidden())
            .unwrap_or(false)
    }

    impl Live {
        /// Connects (once per tab) for this user and keeps the state up to date.
        pub fn start(self, user: &User) {
            let first = self
                .inner
                .try_update_value(|i| {
                    let first = !i.started;
                    i.started = true;
                    i.user_id = user.id;
                    if first {
                        i.tab = format!("{:x}", (js_sys::Math::random() * 1e12) as u64);
                    }
                    first
                })
                .unwrap_or(false);
            if !first {
                return;
            }
            self.me.set(Some(user.clone()));
            self.connect();
            // Back online, or back in this tab: try at once instead of waiting
            // for the backoff; and what is now in view is read.
            let reconnect_now = move || self.reconnect_now();
            // (For the life of the tab: the handles are never removed.)
            let _ = window_event_listener(leptos::ev::online, move |_| reconnect_now());
            let _ = window_event_listener(leptos::ev::focus, move |_| reconnect_now());
            // The network went away: the socket may never say so itself.
            let _ = window_event_listener(leptos::ev::offline, move |_| self.connection_lost());
            // A socket can also die silently (a laptop lid, a dropped route):
            // after a quiet spell it is pinged, and given up on if nothing answers.
            set_interval(move || self.check_alive(), Duration::from_secs(5));
            let on_visible = Closure::<dyn FnMut()>::new(move || {
                if !tab_hidden() {
                    self.reconnect_now();
                    self.mark_read_now();
                }
            });
            if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                let _ = doc.add_event_listener_with_callback(
                    "visibilitychange",
                    on_visible.as_ref().unchecked_ref(),
                );
            }
            on_visible.forget();
            // Typing hints expire on the receiving side.
            set_interval(
                move || {
                    let now = now_ms();
                    for hints in [self.typing, self.thread_typing] {
                        if hints.with_untracked(|t| t.iter().any(|h| h.until <= now)) {
                            hints.update(|t| t.retain(|h| h.until > now));
                        }
                    }
                },
                Duration::from_secs(1),
            );
        }

        /// Disconnects for good (the user logged out).
        pub fn stop(self) {
            self.inner.update_value(|i| {
                i.started = false;
                i.socket = None;
            });
            self.status.set(LiveStatus::Connecting);
            self.unread_notes.set(0);
        }

        fn stopped(self) -> bool {
            !self.inner.with_value(|i| i.started)
        }

        /// Tries to connect now (the browser is back online, the tab got the
        /// focus back, or the user asked), unless a socket is up or opening.
        pub fn reconnect_now(self) {
            let busy = self.inner.with_value(|i| {
                i.socket.as_ref().is_some_and(|s| {
                    matches!(s.ws.ready_state(), WebSocket::OPEN | WebSocket::CONNECTING)
                })
            });
            if busy || self.stopped() {
                return;
            }
            if matches!(self.status.get_untracked(), LiveStatus::Reconnecting(_)) {
                self.status.set(LiveStatus::Connecting);
            }
            self.connect();
        }

        /// The connection is gone (whether or not the socket noticed): drop
        /// it and retry with backoff.
        fn connection_lost(self) {
            let had = self
                .inner
                .try_update_value(|i| {
                    i.ping_sent = None;
                    i.socket.take().is_some()
                })
                .unwrap_or(false);
            if had && !self.stopped() {
                self.schedule_reconnect();
            }
        }

        fn check_alive(self) {
            let now = now_ms();
            let (open, last_heard, ping_sent) = self.inner.with_value(|i| {
                let open = i
                    .socket
                    .as_ref()
                    .is_some_and(|s| s.ws.ready_state() == WebSocket::OPEN);
                (open, i.last_heard, i.ping_sent)
            });
            if !open || now.saturating_sub(last_heard) < QUIET_BEFORE_PING_MS {
                return;
            }
            match ping_sent {
                Some(at) if now.saturating_sub(at) >= PING_ANSWER_MS => self.connection_lost(),
                Some(_) => {}
                None => {
                    if self.send_frame(&json!({"type": "ping"})) {
                        self.inner.update_value(|i| i.ping_sent = Some(now));
                    }
                }
            }
        }

        fn connect(self) {
            if self.stopped() {
                return;
            }
            // A retry scheduled before this attempt is void now.
            self.inner.update_value(|i| i.connect_generation += 1);
            let Some(url) = socket_url() else { return };
            let Ok(ws) = WebSocket::new(&url) else {
                self.schedule_reconnect();
                return;
            };
            let on_open = Closure::<dyn FnMut()>::new(move || self.on_open());
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
                self.inner.update_value(|i| {
                    i.last_heard = now_ms();
                    i.ping_sent = None;
                });
                if let Some(text) = ev.data().as_string() {
                    if let Ok(frame) = serde_json::from_str::<Value>(&text) {
                        self.on_frame(frame);
                    }
                }
            });
            let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_ev: CloseEvent| {
                self.inner.update_value(|i| i.socket = None);
                self.schedule_reconnect();
            });
            ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
            self.inner.update_value(|i| {
                i.socket = Some(Socket {
                    ws,
                    _on_open: on_open,
                    _on_message: on_message,
                    _on_close: on_close,
                })
            });
        }

        fn schedule_reconnect(self) {
            if self.stopped() {
                return;
            }
            let (attempts, ever_opened) = self.inner.with_value(|i| (i.attempts, i.ever_opened));
            // Exponential backoff with jitter: 0.5 s doubling up to 30 s, then a
            // random point in the upper half so a restarted server is not stormed.
            let cap = (500u64 << attempts.min(6)).min(30_000) as f64;
            let delay = (cap / 2.0 + js_sys::Math::random() * cap / 2.0) as u32;
            self.inner.update_value(|i| i.attempts += 1);
            if !ever_opened && attempts >= 2 {
                // The socket never got through (a proxy blocking upgrades?): poll meanwhile.
                self.status.set(LiveStatus::Fallback);
                self.start_polling();
            } else if self.status.get_untracked() != LiveStatus::Fallback {
                self.status
                    .set(LiveStatus::Reconnecting(now_ms() + u64::from(delay)));
                self.outbox.update(|o| {
                    for item in o.iter_mut().filter(|i| i.state == OutState::Sending) {
                        item.state = OutState::Waiting;
                    }
                });
            }
            let generation = self.inner.with_value(|i| i.connect_generation);
            set_timeout(
                move || {
                    if self.inner.with_value(|i| i.connect_generation) == generation {
                        self.connect();
                    }
                },
                Duration::from_millis(delay as u64),
            );
        }

        fn send_frame(self, frame: &Value) -> bool {
            self.inner.with_value(|i| match &i.socket {
                Some(s) if s.ws.ready_state() == WebSocket::OPEN => {
                    s.ws.send_with_str(&frame.to_string()).is_ok()
                }
                _ => false,
            })
        }

        fn subscribe(self, topic: String, after: Option<i64>) -> bool {
            let mut frame = json!({"type": "subscribe", "topic": topic});
            if let Some(after) = after {
                frame["after"] = json!(after);
            }
            self.send_frame(&frame)
        }

        fn unsubscribe(self, topic: String) {
            self.send_frame(&json!({"type": "unsubscribe", "topic": topic}));
        }

        fn on_open(self) {
            self.inner.update_value(|i| {
                i.attempts = 0;
                i.ever_opened = true;
                i.last_heard = now_ms();
                i.ping_sent = None;
            });
            self.status.set(LiveStatus::Live);
            // Everything this tab follows, each resumed from where it was.
            self.subscribe(format!("user:{}", self.my_id()), None);
            self.subscribe_board();
            if let Some(task_id) = self.thread.get_untracked() {
                let seq = self.inner.with_value(|i| i.comment_seq);
                self.subscribe(format!("task:{task_id}"), Some(seq));
            }
            self.flush_outbox();
        }

        /// The board (members' presence) and every room (unread counts); the
        /// open room resumes from its last message.
        fn subscribe_board(self) {
            let Some(board_id) = self.board.get_untracked() else {
                return;
            };
            self.subscribe(format!("board:{board_id}"), None);
            let open = self.room.get_untracked();
            let cursor = self.inner.with_value(|i| i.room_cursor);
            for room_id in self
                .rooms
                .with_untracked(|r| r.iter().map(|r| r.room.id).collect::<Vec<_>>())
            {
                let after = if Some(room_id) == open { cursor } else { None };
                self.subscribe(format!("room:{room_id}"), after);
            }
        }

        /// The board page is shown: follow it live and open a room (the one a
        /// link asked for, else the one last open here, else the first).
        pub fn enter_board(self) {
            self.subscribe_board();
            let last = self.board.get_untracked().and_then(|board_id| {
                crate::ui::common::browser::stored(&self.last_room_key(board_id))
                    .and_then(|r| r.parse::<i64>().ok())
                    .filter(|r| {
                        self.rooms
                            .with_untracked(|rooms| rooms.iter().any(|x| x.room.id == *r))
                    })
            });
            let wanted = self
                .room
                .get_untracked()
                .or(last)
                .or_else(|| self.rooms.with_untracked(|r| r.first().map(|r| r.room.id)));
            self.room.set(None);
            if let Some(room_id) = wanted {
                self.open_room(room_id);
            }
        }

        /// The board page is gone: stop following it (unless another board
        /// page took over already).
        pub fn leave_board(self, board_id: i64) {
            if self.board.get_untracked() != Some(board_id) {
                return;
            }
            self.unsubscribe(format!("board:{board_id}"));
            for room_id in self
                .rooms
                .with_untracked(|r| r.iter().map(|r| r.room.id).collect::<Vec<_>>())
            {
                self.unsubscribe(format!("room:{room_id}"));
            }
            self.board.set(None);
            self.rooms.set(Vec::new());
            self.room.set(None);
            self.messages.set(Vec::new());
            self.typing.set(Vec::new());
            self.online.set(Vec::new());
            self.board_online.set(Vec::new());
        }

        fn flush_outbox(self) {
            // Everything not yet acknowledged and not given up on goes (again).
            let pending: Vec<Outgoing> = self.outbox.with_untracked(|o| {
                o.iter()
                    .filter(|i| !matches!(i.state, OutState::Failed(_)))
                    .cloned()
                    .collect()
            });
            for item in pending {
                self.transmit(item);
            }
        }

        fn on_frame(self, frame: Value) {
            let kind = frame["type"].as_str().unwrap_or_default();
            match kind {
                "hello" => {
                    if let Ok(user) = serde_json::from_value::<User>(frame["user"].clone()) {
                        self.me.set(Some(user));
                    }
                }
                "message" => {
                    if let Ok(message) = serde_json::from_value::<Message>(frame["message"].clone())
                    {
                        if Some(message.room_id) == self.room.get_untracked() {
                            self.inner.update_value(|i| {
                                i.room_cursor = i.room_cursor.map(|c| c.max(message.id))
                            });
                        }
                        self.receive(message);
                    }
                }
                "comment" => {
                    if let Ok(comment) = serde_json::from_value::<Comment>(frame["comment"].clone())
                    {
                        if Some(comment.task_id) == self.thread.get_untracked() {
                            self.inner
                                .update_value(|i| i.comment_seq = i.comment_seq.max(comment.seq));
                        }
                        self.receive_comment(comment);
                    }
                }
                "ack" => {
                    let client_id = frame["client_id"].as_str().unwrap_or_default().to_string();
                    self.outbox
                        .update(|o| o.retain(|i| i.client_id != client_id));
                    if let Ok(message) = serde_json::from_value::<Message>(frame["message"].clone())
                    {
                        self.receive(message);
                    }
                    if let Ok(comment) = serde_json::from_value::<Comment>(frame["comment"].clone())
                    {
                        self.receive_comment(comment);
                    }
                }
                "error" => {
                    let message = frame["message"].as_str().unwrap_or("error").to_string();
                    match frame["client_id"].as_str() {
                        Some(client_id) => {
                            let client_id = client_id.to_string();
                            if let Some(wait) = frame["retry_after_ms"].as_u64() {
                                // Rate limited: try again by itself a little later.
                                self.set_state(&client_id, OutState::Waiting);
                                set_timeout(
                                    move || self.retry(client_id),
                                    Duration::from_millis(wait + 50),
                                );
                            } else {
                                self.set_state(&client_id, OutState::Failed(message));
                            }
                        }
                        None => self.notice.set(Some(message)),
                    }
                }
                "typing" => {
                    let Ok(user) = serde_json::from_value::<User>(frame["user"].clone()) else {
                        return;
                    };
                    let hints = match (frame["room_id"].as_i64(), frame["task_id"].as_i64()) {
                        (Some(room_id), _) if Some(room_id) == self.room.get_untracked() => {
                            self.typing
                        }
                        (_, Some(task_id)) if Some(task_id) == self.thread.get_untracked() => {
                            self.thread_typing
                        }
                        _ => return,
                    };
                    let is_typing = frame["is_typing"].as_bool().unwrap_or(false);
                    hints.update(|t| {
                        t.retain(|h| h.user.id != user.id);
                        if is_typing {
                            t.push(TypingHint {
                                user,
                                until: now_ms() + TYPING_EXPIRY_MS,
                            });
                        }
                    });
                }
                "presence" | "board_presence" => {
                    let (Some(user_id), Some(online)) =
                        (frame["user_id"].as_i64(), frame["online"].as_bool())
                    else {
                        return;
                    };
                    let list = if kind == "board_presence" {
                        self.board_online
                    } else if frame["room_id"].as_i64() == self.room.get_untracked() {
                        self.online
                    } else {
                        return;
                    };
                    list.update(|o| {
                        o.retain(|id| *id != user_id);
                        if online {
                            o.push(user_id);
                        }
                    });
                }
                "notification" => {
                    if let Some(unread) = frame["unread"].as_i64() {
                        self.unread_notes.set(unread);
                    }
                    self.notes_version.update(|v| *v += 1);
                    if let Ok(n) =
                        serde_json::from_value::<Notification>(frame["notification"].clone())
                    {
                        if tab_hidden() {
                            crate::ui::common::browser::desktop_notification(
                                &format!(
                                    "{} mentioned you in {}",
                                    n.sender.display_name, n.context
                                ),
                                &n.snippet,
                                &n.link,
                            );
                        }
                    }
                }
                "notifications_updated" => {
                    if let Some(unread) = frame["unread"].as_i64() {
                        self.unread_notes.set(unread);
                    }
                    self.notes_version.update(|v| *v += 1);
                }
                "room_read" => {
                    let (Some(room_id), Some(last)) =
                        (frame["room_id"].as_i64(), frame["last_read_id"].as_i64())
                    else {
                        return;
                    };
                    // Read in another tab: this one's badge follows.
                    self.rooms.update(|rooms| {
                        if let Some(r) = rooms.iter_mut().find(|r| r.room.id == room_id) {
                            if r.last_message_id.unwrap_or(0) <= last {
                                r.unread = 0;
                            }
                        }
                    });
                }
                // Added to or removed from this board or one of its rooms.
                "access_changed" if frame["board_id"].as_i64() == self.board.get_untracked() => {
                    let whole_board = frame["room_id"].is_null();
                    if whole_board && frame["member"] == false {
                        self.notice
                            .set(Some("You were removed from this board.".into()));
                    }
                    self.refresh_rooms();
                }
                "room_changed" => {
                    let Ok(room) =
                        serde_json::from_value::<crate::model::Room>(frame["room"].clone())
                    else {
                        return;
                    };
                    let id = room.id;
                    if frame["deleted"] == true {
                        self.rooms.update(|rooms| rooms.retain(|r| r.room.id != id));
                        if self.room.get_untracked() == Some(id) {
                            self.room.set(None);
                            self.messages.set(Vec::new());
                            self.notice
                                .set(Some(format!("#{} was deleted.", room.name)));
                            let first = self.rooms.with_untracked(|r| r.first().map(|r| r.room.id));
                            if let Some(first) = first {
                                self.open_room(first);
                            }
                        }
                    } else {
                        self.rooms.update(|rooms| {
                            if let Some(r) = rooms.iter_mut().find(|r| r.room.id == id) {
                                r.room = room;
                            }
                        });
                    }
                }
                "subscribed" | "resync" => self.on_subscribed(kind, &frame),
                _ => {}
            }
        }

        fn on_subscribed(self, kind: &str, frame: &Value) {
            let topic = frame["topic"].as_str().unwrap_or_default();
            let (what, id) = topic
                .split_once(':')
                .map(|(w, id)| (w, id.parse::<i64>().unwrap_or(0)))
                .unwrap_or_default();
            match what {
                "user" => {
                    if let Some(unread) = frame["unread"].as_i64() {
                        self.unread_notes.set(unread);
                        self.notes_version.update(|v| *v += 1);
                    }
                }
                "board" if Some(id) == self.board.get_untracked() => {
                    self.board_online.set(ids(frame, "online"));
                }
                "room" if Some(id) == self.room.get_untracked() => {
                    self.online.set(ids(frame, "online"));
                    self.typing.set(typing_hints(frame));
                    if kind == "resync" {
                        self.load_newest(id);
                    }
                    self.mark_read_now();
                }
                "task" if Some(id) == self.thread.get_untracked() => {
                    self.thread_typing.set(typing_hints(frame));
                    if kind == "resync" {
                        self.load_thread(id);
                    }
                }
                _ => {}
            }
        }

        /// A message arrived (live, replayed, or acknowledged).
        fn receive(self, message: Message) {
            self.drop_echo(
                Target::Room(message.room_id),
                message.author.id,
                &message.content,
            );
            if Some(message.room_id) == self.room.get_untracked() {
                let author = message.author.id;
                let room_id = message.room_id;
                if self.insert_message(message) {
                    self.typing.update(|t| t.retain(|h| h.user.id != author));
                    if tab_hidden() && author != self.my_id() {
                        // Nobody is looking: it stays unread (the tab title
                        // counts it) until the tab is back in view.
                        self.rooms.update(|rooms| {
                            if let Some(r) = rooms.iter_mut().find(|r| r.room.id == room_id) {
                                r.unread += 1;
                            }
                        });
                    }
                    self.mark_read_now();
                }
            } else {
                self.bump_unread(&message);
            }
        }

        /// A comment change arrived (live, replayed, or acknowledged).
        fn receive_comment(self, comment: Comment) {
            if Some(comment.task_id) != self.thread.get_untracked() {
                return;
            }
            self.drop_echo(
                Target::Task(comment.task_id),
                comment.author.id,
                &comment.content,
            );
            let author = comment.author.id;
            if self.upsert_comment(comment) {
                self.thread_typing
                    .update(|t| t.retain(|h| h.user.id != author));
            }
        }

        /// Our own text may come back before its ack: it is no longer pending.
        fn drop_echo(self, target: Target, author_id: i64, content: &str) {
            if author_id != self.my_id() {
                return;
            }
            self.outbox.update(|o| {
                let same = o.iter().position(|i| {
                    i.target == target
                        && i.content.trim() == content
                        && !matches!(i.state, OutState::Failed(_))
                });
                if let Some(at) = same {
                    o.remove(at);
                }
            });
        }

        /// A comment changed through a server function (edit, delete).
        pub fn comment_changed(self, comment: Comment) {
            self.receive_comment(comment);
        }

        fn set_state(self, client_id: &str, state: OutState) {
            self.outbox.update(|o| {
                if let Some(item) = o.iter_mut().find(|i| i.client_id == client_id) {
                    item.state = state;
                }
            });
        }

        /// Subscribes this socket to a room for unread counts (a room just created).
        pub fn watch_room(self, room_id: i64) {
            self.subscribe(format!("room:{room_id}"), None);
        }

        /// Opens a room: newest history over HTTP, then live updates.
        pub fn open_room(self, room_id: i64) {
            if self.room.get_untracked() == Some(room_id) {
                if self.focus_message.get_untracked().is_some() {
                    spawn_local(async move { self.reach_focus_message(room_id).await });
                }
                return;
            }
            self.room.set(Some(room_id));
            if let Some(board_id) = self.board.get_untracked() {
                crate::ui::common::browser::store(
                    &self.last_room_key(board_id),
                    &room_id.to_string(),
                );
            }
            self.messages.set(Vec::new());
            self.typing.set(Vec::new());
            self.online.set(Vec::new());
            self.has_older.set(false);
            self.older_loading.set(false);
            self.inner.update_value(|i| i.room_cursor = None);
            let marker = self.rooms.with_untracked(|r| {
                r.iter()
                    .find(|r| r.room.id == room_id)
                    .map(|r| (r.unread, r.last_message_id))
            });
            self.read_marker.set(match marker {
                Some((unread, Some(last))) if unread > 0 => last - unread,
                _ => i64::MAX,
            });
            if marker.is_none() {
                // A room this tab did not know yet (created, or joined, since
                // the page loaded; a notification's link): refresh the list.
                self.refresh_rooms();
            }
            self.load_newest(room_id);
        }

        /// Reloads the board's room list and follows the rooms that are new.
        fn refresh_rooms(self) {
            let Some(board_id) = self.board.get_untracked() else {
                return;
            };
            spawn_local(async move {
                let Ok(rooms) = rpc::list_rooms(board_id).await else {
                    return;
                };
                if self.board.get_untracked() != Some(board_id) {
                    return;
                }
                let known: Vec<i64> = self
                    .rooms
                    .with_untracked(|r| r.iter().map(|r| r.room.id).collect());
                let open = self.room.get_untracked();
                for r in rooms.iter().filter(|r| !known.contains(&r.room.id)) {
                    if Some(r.room.id) != open {
                        self.subscribe(format!("room:{}", r.room.id), None);
                    }
                }
                let first = rooms.first().map(|r| r.room.id);
                let open_gone = open.is_some_and(|o| !rooms.iter().any(|r| r.room.id == o));
                self.rooms.set(rooms);
                if open_gone {
                    // The open room is no longer ours: show another one.
                    self.room.set(None);
                    self.messages.set(Vec::new());
                    if let Some(first) = first {
                        self.open_room(first);
                    }
                }
            });
        }

        fn load_newest(self, room_id: i64) {
            spawn_local(async move {
                match rpc::room_history(room_id, None, None).await {
                    Ok(page) => {
                        if self.room.get_untracked() != Some(room_id) {
                            return;
                        }
                        self.has_older.set(page.has_older);
                        for m in page.messages {
                            self.insert_message(m);
                        }
                        let loaded = self.last_id().unwrap_or(0);
                        let cursor = self
                            .inner
                            .try_update_value(|i| {
                                let c = i.room_cursor.unwrap_or(0).max(loaded);
                                i.room_cursor = Some(c);
                                c
                            })
                            .unwrap_or(loaded);
                        // Re-subscribe from what we have: the server replays the rest.
                        if !self.subscribe(format!("room:{room_id}"), Some(cursor))
                            && self.status.get_untracked() == LiveStatus::Fallback
                        {
                            self.start_polling();
                        }
                        self.mark_read_now();
                        self.reach_focus_message(room_id).await;
                    }
                    Err(e) => self.notice.set(Some(e.message())),
                }
            });
        }

        /// A link to an older message: loads older pages until it is shown.
        async fn reach_focus_message(self, room_id: i64) {
            let Some(target) = self.focus_message.get_untracked() else {
                return;
            };
            for _ in 0..MAX_PAGES_TO_FOCUS {
                let shown = self
                    .messages
                    .with_untracked(|m| m.iter().any(|m| m.id == target));
                let first = self.messages.with_untracked(|m| m.first().map(|m| m.id));
                if shown || !self.has_older.get_untracked() {
                    return;
                }
                let Some(first) = first else { return };
                match rpc::room_history(room_id, Some(first), None).await {
                    Ok(page) if self.room.get_untracked() == Some(room_id) => {
                        self.has_older.set(page.has_older);
                        for m in page.messages {
                            self.insert_message(m);
                        }
                    }
                    _ => return,
                }
            }
        }

        /// Loads the page before the oldest message shown (one at a time).
        pub fn load_older(self) {
            let (Some(room_id), Some(first)) = (
                self.room.get_untracked(),
                self.messages.with_untracked(|m| m.first().map(|m| m.id)),
            ) else {
                return;
            };
            if self.older_loading.get_untracked() {
                return;
            }
            self.older_loading.set(true);
            spawn_local(async move {
                let page = rpc::room_history(room_id, Some(first), None).await;
                if self.room.get_untracked() != Some(room_id) {
                    return;
                }
                match page {
                    Ok(page) => {
                        self.has_older.set(page.has_older);
                        for m in page.messages {
                            self.insert_message(m);
                        }
                    }
                    Err(e) => self.notice.set(Some(e.message())),
                }
                self.older_loading.set(false);
            });
        }

        /// Opens a task's comment thread: newest page over HTTP, then live.
        pub fn open_thread(self, task_id: i64) {
            if self.thread.get_untracked() == Some(task_id) {
                return;
            }
            if let Some(previous) = self.thread.get_untracked() {
                self.close_thread(previous);
            }
            self.thread.set(Some(task_id));
            self.load_thread(task_id);
        }

        fn load_thread(self, task_id: i64) {
            spawn_local(async move {
                match comments_rpc::comment_history(task_id, None).await {
                    Ok(page) => {
                        if self.thread.get_untracked() != Some(task_id) {
                            return;
                        }
                        self.comments.set(Vec::new());
                        self.comments_has_older.set(page.has_older);
                        for c in page.comments {
                            self.upsert_comment(c);
                        }
                        self.comment_count.set(Some(page.count));
                        self.inner.update_value(|i| i.comment_seq = page.seq);
                        if !self.subscribe(format!("task:{task_id}"), Some(page.seq))
                            && self.status.get_untracked() == LiveStatus::Fallback
                        {
                            self.start_polling();
                        }
                        self.reach_focus_comment(task_id).await;
                    }
                    Err(e) => self.notice.set(Some(e.message())),
                }
            });
        }

        async fn reach_focus_comment(self, task_id: i64) {
            let Some(target) = self.focus_comment.get_untracked() else {
                return;
            };
            for _ in 0..MAX_PAGES_TO_FOCUS {
                let shown = self
                    .comments
                    .with_untracked(|c| c.iter().any(|c| c.id == target));
                let first = self.comments.with_untracked(|c| c.first().map(|c| c.id));
                if shown || !self.comments_has_older.get_untracked() {
                    return;
                }
                let Some(first) = first else { return };
                match comments_rpc::comment_history(task_id, Some(first)).await {
                    Ok(page) if self.thread.get_untracked() == Some(task_id) => {
                        self.comments_has_older.set(page.has_older);
                        for c in page.comments {
                            self.upsert_comment(c);
                        }
                    }
                    _ => return,
                }
            }
        }

        /// Loads the comments before the oldest shown.
        pub fn load_older_comments(self) {
            let (Some(task_id), Some(first)) = (
                self.thread.get_untracked(),
                self.comments.with_untracked(|c| c.first().map(|c| c.id)),
            ) else {
                return;
            };
            spawn_local(async move {
                if let Ok(page) = comments_rpc::comment_history(task_id, Some(first)).await {
                    if self.thread.get_untracked() == Some(task_id) {
                        self.comments_has_older.set(page.has_older);
                        for c in page.comments {
                            self.upsert_comment(c);
                        }
                    }
                }
            });
        }

        /// Stops following a thread (if it is still the open one).
        pub fn close_thread(self, task_id: i64) {
            if self.thread.get_untracked() != Some(task_id) {
                return;
            }
            self.unsubscribe(format!("task:{task_id}"));
            self.typing(Target::Task(task_id), false);
            self.thread.set(None);
            self.comments.set(Vec::new());
            self.thread_typing.set(Vec::new());
            self.comments_has_older.set(false);
            self.comment_count.set(None);
            self.inner.update_value(|i| i.comment_seq = 0);
        }

        /// Queues a text and sends it (now, or when the connection is back).
        pub fn send(self, target: Target, content: String) {
            let client_id = self.inner.try_update_value(|i| {
                i.next_client_id += 1;
                i.typing_sent.retain(|(t, _)| *t != target);
                format!("{}-{}", i.tab, i.next_client_id)
            });
            let Some(client_id) = client_id else { return };
            let item = Outgoing {
                client_id,
                target,
                content,
                state: OutState::Sending,
            };
            self.outbox.update(|o| o.push(item.clone()));
            self.transmit(item);
        }

        fn transmit(self, item: Outgoing) {
            match self.status.get_untracked() {
                LiveStatus::Live => {
                    let frame = match item.target {
                        Target::Room(room_id) => {
                            json!({"type": "message", "room_id": room_id, "content": item.content, "client_id": item.client_id})
                        }
                        Target::Task(task_id) => {
                            json!({"type": "comment", "task_id": task_id, "content": item.content, "client_id": item.client_id})
                        }
                    };
                    let state = if self.send_frame(&frame) {
                        OutState::Sending
                    } else {
                        OutState::Waiting
                    };
                    self.set_state(&item.client_id, state);
                }
                LiveStatus::Fallback => {
                    self.set_state(&item.client_id, OutState::Sending);
                    spawn_local(async move {
                        let sent = match item.target {
                            Target::Room(room_id) => {
                                rpc::send_message(room_id, item.content.clone())
                                    .await
                                    .map(|m| self.receive(m))
                            }
                            Target::Task(task_id) => {
                                comments_rpc::post_comment(task_id, item.content.clone())
                                    .await
                                    .map(|c| self.receive_comment(c))
                            }
                        };
                        match sent {
                            Ok(()) => self
                                .outbox
                                .update(|o| o.retain(|i| i.client_id != item.client_id)),
                            Err(AppError::RateLimited(wait)) => {
                                self.set_state(&item.client_id, OutState::Waiting);
                                let id = item.client_id.clone();
                                set_timeout(
                                    move || self.retry(id),
                                    Duration::from_millis(wait + 50),
                                );
                            }
                            Err(AppError::Network(_)) => {
                                self.set_state(&item.client_id, OutState::Waiting)
                            }
                            Err(e) => {
                                self.set_state(&item.client_id, OutState::Failed(e.message()))
                            }
                        }
                    });
                }
                _ => self.set_state(&item.client_id, OutState::Waiting),
            }
        }

        pub fn retry(self, client_id: String) {
            let item = self
                .outbox
                .with_untracked(|o| o.iter().find(|i| i.client_id == client_id).cloned());
            if let Some(item) = item {
                self.transmit(item);
            }
        }

        pub fn discard(self, client_id: String) {
            self.outbox
                .update(|o| o.retain(|i| i.client_id != client_id));
        }

        /// Tells a room or thread this user is typing (at most every few
        /// seconds), or stopped.
        pub fn typing(self, target: Target, is_typing: bool) {
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
                let frame = match target {
                    Target::Room(id) => {
                        json!({"type": "typing", "room_id": id, "is_typing": is_typing})
                    }
                    Target::Task(id) => {
                        json!({"type": "typing", "task_id": id, "is_typing": is_typing})
                    }
                };
                self.send_frame(&frame);
            }
        }

        /// Moves the read pointer to the newest message shown (when the tab is visible).
        pub fn mark_read_now(self) {
            let (Some(room_id), Some(last)) = (self.room.get_untracked(), self.last_id()) else {
                return;
            };
            if tab_hidden() {
                return;
            }
            self.clear_unread(room_id);
            if !self.send_frame(&json!({"type": "read", "room_id": room_id, "message_id": last})) {
                spawn_local(async move {
                    let _ = rpc::mark_read(room_id, last).await;
                });
            }
        }

        /// The HTTP fallback's receiving side while no socket is up: long
        /// polls for the open room and the open thread, and the unread count.
        fn start_polling(self) {
            let already = self
                .inner
                .try_update_value(|i| std::mem::replace(&mut i.polling, true))
                .unwrap_or(true);
            if already {
                return;
            }
            let polling =
                move || self.status.get_untracked() == LiveStatus::Fallback && !self.stopped();
            spawn_local(async move {
                while polling() {
                    let Some(room_id) = self.room.get_untracked() else {
                        gloo_timers::future::TimeoutFuture::new(1000).await;
                        continue;
                    };
                    let after = self.last_id().unwrap_or(0);
                    let url = format!("/messaging/room/{room_id}/events/?after={after}&timeout=25");
                    match gloo_net::http::Request::get(&url).send().await {
                        Ok(res) if res.ok() => {
                            if let Ok(page) = res.json::<crate::model::HistoryPage>().await {
                                for m in page.messages {
                                    self.receive(m);
                                }
                            }
                        }
                        _ => gloo_timers::future::TimeoutFuture::new(3000).await,
                    }
                }
                self.inner.update_value(|i| i.polling = false);
            });
            spawn_local(async move {
                while polling() {
                    let Some(task_id) = self.thread.get_untracked() else {
                        gloo_timers::future::TimeoutFuture::new(1000).await;
                        continue;
                    };
                    let after = self.inner.with_value(|i| i.comment_seq);
                    let url = format!(
                        "/messaging/task/{task_id}/comments/events/?after={after}&timeout=25"
                    );
                    match gloo_net::http::Request::get(&url).send().await {
                        Ok(res) if res.ok() => {
                            if let Ok(page) = res.json::<Value>().await {
                                let changes: Vec<Comment> =
                                    serde_json::from_value(page["comments"].clone())
                                        .unwrap_or_default();
                                for c in changes {
                                    if Some(c.task_id) == self.thread.get_untracked() {
                                        self.inner.update_value(|i| {
                                            i.comment_seq = i.comment_seq.max(c.seq)
                                        });
                                    }
                                    self.receive_comment(c);
                                }
                            }
                        }
                        _ => gloo_timers::future::TimeoutFuture::new(3000).await,
                    }
                }
            });
            spawn_local(async move {
                while polling() {
                    if let Ok(res) = gloo_net::http::Request::get("/messaging/notifications/count/")
                        .send()
                        .await
                    {
                        if let Ok(body) = res.json::<Value>().await {
                            if let Some(unread) = body["unread"].as_i64() {
                                if unread != self.unread_notes.get_untracked() {
                                    self.unread_notes.set(unread);
                                    self.notes_version.update(|v| *v += 1);
                                }
                            }
                        }
                    }
                    gloo_timers::future::TimeoutFuture::new(15_000).await;
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::comment_count_change;
    use crate::model::{Comment, User};

    fn comment(id: i64, deleted: bool) -> Comment {
        Comment {
            id,
            task_id: 1,
            author: User {
                id: 1,
                username: "a".into(),
                display_name: "A".into(),
            },
            content: String::new(),
            created_at: 0,
            edited_at: None,
            deleted_at: deleted.then_some(1),
            seq: 1,
            mentions: vec![],
        }
    }

    #[test]
    fn the_thread_count_follows_what_arrives() {
        // A new comment adds one.
        assert_eq!(comment_count_change(&comment(50, false), Some(10)), 1);
        // Deleted and older than the loaded page: it was counted.
        assert_eq!(comment_count_change(&comment(5, true), Some(10)), -1);
        // Deleted and newer: created and deleted while away, never counted.
        assert_eq!(comment_count_change(&comment(50, true), Some(10)), 0);
        assert_eq!(comment_count_change(&comment(50, true), None), 0);
    }
}
