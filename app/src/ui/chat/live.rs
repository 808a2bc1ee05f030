//! The browser's live connection to the chat: one WebSocket per tab, with
//! reconnect (exponential backoff with jitter), resume from the last message
//! id, an outbox for messages not yet acknowledged, and an HTTP fallback
//! (long polling + POST) when WebSockets cannot be opened.
//!
//! All state is in signals, so the chat components just read it. On the
//! server (SSR) nothing connects; the state renders as "connecting".

// The connection machinery only runs in the browser.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use leptos::prelude::*;

use crate::model::{Message, RoomSummary, User};

/// How the tab is connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveStatus {
    Connecting,
    Live,
    /// Disconnected; the next attempt is in this many milliseconds.
    Reconnecting(u32),
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

/// A message typed by this tab that the server has not acknowledged yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub client_id: String,
    pub room_id: i64,
    pub content: String,
    pub state: OutState,
}

/// Who is typing in the open room, and until when (ms since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypingHint {
    pub user: User,
    pub until: u64,
}

/// How long a typing hint lasts after the last typing frame.
pub const TYPING_EXPIRY_MS: u64 = 10_000;
/// The composer sends "typing" at most this often.
pub const TYPING_SEND_INTERVAL_MS: u64 = 3_000;

/// The chat's live state for one board page. Cheap to copy (signals).
#[derive(Clone, Copy)]
pub struct Live {
    pub status: RwSignal<LiveStatus>,
    pub board_id: i64,
    pub rooms: RwSignal<Vec<RoomSummary>>,
    /// The open room.
    pub room: RwSignal<Option<i64>>,
    /// The open room's messages, by id, each once.
    pub messages: RwSignal<Vec<Message>>,
    pub has_older: RwSignal<bool>,
    /// The read pointer when the room was opened (for the "new messages" line).
    pub read_marker: RwSignal<i64>,
    pub typing: RwSignal<Vec<TypingHint>>,
    pub online: RwSignal<Vec<i64>>,
    /// Board members online now (for the dots on the member list).
    pub board_online: RwSignal<Vec<i64>>,
    pub outbox: RwSignal<Vec<Outgoing>>,
    pub me: RwSignal<Option<User>>,
    /// The last error that is not tied to one message.
    pub notice: RwSignal<Option<String>>,
    inner: StoredValue<Inner, LocalStorage>,
}

#[derive(Default)]
struct Inner {
    #[cfg(feature = "hydrate")]
    socket: Option<browser::Socket>,
    attempts: u32,
    ever_opened: bool,
    next_client_id: u64,
    tab: String,
    last_typing_sent: u64,
    polling: bool,
}

impl Live {
    pub fn new(board_id: i64, rooms: Vec<RoomSummary>) -> Self {
        Self {
            status: RwSignal::new(LiveStatus::Connecting),
            board_id,
            rooms: RwSignal::new(rooms),
            room: RwSignal::new(None),
            messages: RwSignal::new(Vec::new()),
            has_older: RwSignal::new(false),
            read_marker: RwSignal::new(0),
            typing: RwSignal::new(Vec::new()),
            online: RwSignal::new(Vec::new()),
            board_online: RwSignal::new(Vec::new()),
            outbox: RwSignal::new(Vec::new()),
            me: RwSignal::new(None),
            notice: RwSignal::new(None),
            inner: StoredValue::new_local(Inner::default()),
        }
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

    /// Counts a message of a room that is not open as unread.
    fn bump_unread(self, room_id: i64, author_id: i64) {
        let me = self.me.with_untracked(|m| m.as_ref().map(|u| u.id));
        if Some(author_id) == me {
            return;
        }
        self.rooms.update(|rooms| {
            if let Some(r) = rooms.iter_mut().find(|r| r.room.id == room_id) {
                r.unread += 1;
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

#[cfg(not(feature = "hydrate"))]
impl Live {
    pub fn start(self) {}
    pub fn open_room(self, room_id: i64) {
        self.room.set(Some(room_id));
    }
    pub fn load_older(self) {}
    pub fn send(self, _content: String) {}
    pub fn retry(self, _client_id: String) {}
    pub fn discard(self, _client_id: String) {}
    pub fn typing(self, _is_typing: bool) {}
    pub fn watch_room(self, _room_id: i64) {}
    pub fn mark_read_now(self) {}
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

    impl Live {
        /// Connects (once per page) and keeps the state up to date.
        pub fn start(self) {
            self.inner.update_value(|i| {
                i.tab = format!("{:x}", (js_sys::Math::random() * 1e12) as u64);
            });
            self.connect();
            // Typing hints expire on the receiving side.
            set_interval(
                move || {
                    let now = now_ms();
                    if self
                        .typing
                        .with_untracked(|t| t.iter().any(|h| h.until <= now))
                    {
                        self.typing.update(|t| t.retain(|h| h.until > now));
                    }
                },
                Duration::from_secs(1),
            );
        }

        fn connect(self) {
            let Some(url) = socket_url() else { return };
            let Ok(ws) = WebSocket::new(&url) else {
                self.schedule_reconnect();
                return;
            };
            let on_open = Closure::<dyn FnMut()>::new(move || self.on_open());
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
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
                self.status.set(LiveStatus::Reconnecting(delay));
                self.outbox.update(|o| {
                    for item in o.iter_mut().filter(|i| i.state == OutState::Sending) {
                        item.state = OutState::Waiting;
                    }
                });
            }
            set_timeout(move || self.connect(), Duration::from_millis(delay as u64));
        }

        fn send_frame(self, frame: &Value) -> bool {
            self.inner.with_value(|i| match &i.socket {
                Some(s) if s.ws.ready_state() == WebSocket::OPEN => {
                    s.ws.send_with_str(&frame.to_string()).is_ok()
                }
                _ => false,
            })
        }

        fn on_open(self) {
            self.inner.update_value(|i| {
                i.attempts = 0;
                i.ever_opened = true;
            });
            self.status.set(LiveStatus::Live);
            // The board, for its members' presence.
            self.send_frame(
                &json!({"type": "subscribe", "topic": format!("board:{}", self.board_id)}),
            );
            // Watch every room for unread counts; resume the open one from its last id.
            let open = self.room.get_untracked();
            for room_id in self
                .rooms
                .with_untracked(|r| r.iter().map(|r| r.room.id).collect::<Vec<_>>())
            {
                let mut frame = json!({"type": "subscribe", "topic": format!("room:{room_id}")});
                if Some(room_id) == open {
                    if let Some(last) = self.last_id() {
                        frame["after"] = json!(last);
                    }
                }
                self.send_frame(&frame);
            }
            self.flush_outbox();
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
                        self.receive(message);
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
                    let (Some(room_id), Ok(user)) = (
                        frame["room_id"].as_i64(),
                        serde_json::from_value::<User>(frame["user"].clone()),
                    ) else {
                        return;
                    };
                    if Some(room_id) != self.room.get_untracked() {
                        return;
                    }
                    let is_typing = frame["is_typing"].as_bool().unwrap_or(false);
                    self.typing.update(|t| {
                        t.retain(|h| h.user.id != user.id);
                        if is_typing {
                            t.push(TypingHint {
                                user,
                                until: now_ms() + TYPING_EXPIRY_MS,
                            });
                        }
                    });
                }
                "presence" => {
                    let (Some(room_id), Some(user_id)) =
                        (frame["room_id"].as_i64(), frame["user_id"].as_i64())
                    else {
                        return;
                    };
                    if Some(room_id) != self.room.get_untracked() {
                        return;
                    }
                    let online = frame["online"].as_bool().unwrap_or(false);
                    self.online.update(|o| {
                        o.retain(|id| *id != user_id);
                        if online {
                            o.push(user_id);
                        }
                    });
                }
                "board_presence" => {
                    let (Some(user_id), Some(online)) =
                        (frame["user_id"].as_i64(), frame["online"].as_bool())
                    else {
                        return;
                    };
                    self.board_online.update(|o| {
                        o.retain(|id| *id != user_id);
                        if online {
                            o.push(user_id);
                        }
                    });
                }
                "subscribed"
                    if frame["topic"].as_str() == Some(&format!("board:{}", self.board_id)) =>
                {
                    let online: Vec<i64> = frame["online"]
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_i64).collect())
                        .unwrap_or_default();
                    self.board_online.set(online);
                }
                "subscribed" | "resync" => {
                    let topic = frame["topic"].as_str().unwrap_or_default();
                    let is_open = self
                        .room
                        .get_untracked()
                        .map(|r| format!("room:{r}"))
                        .as_deref()
                        == Some(topic);
                    if is_open {
                        let online: Vec<i64> = frame["online"]
                            .as_array()
                            .map(|a| a.iter().filter_map(Value::as_i64).collect())
                            .unwrap_or_default();
                        self.online.set(online);
                        if kind == "resync" {
                            if let Some(room_id) = self.room.get_untracked() {
                                self.load_newest(room_id);
                            }
                        }
                        self.mark_read_now();
                    }
                }
                _ => {}
            }
        }

        /// A message arrived (live, replayed, or acknowledged).
        fn receive(self, message: Message) {
            // Our own message may come back before its ack: it is no longer pending.
            if self.me.with_untracked(|me| me.as_ref().map(|u| u.id)) == Some(message.author.id) {
                self.outbox.update(|o| {
                    let same = o.iter().position(|i| {
                        i.room_id == message.room_id
                            && i.content.trim() == message.content
                            && !matches!(i.state, OutState::Failed(_))
                    });
                    if let Some(at) = same {
                        o.remove(at);
                    }
                });
            }
            if Some(message.room_id) == self.room.get_untracked() {
                let author = message.author.id;
                if self.insert_message(message) {
                    self.typing.update(|t| t.retain(|h| h.user.id != author));
                    self.mark_read_now();
                }
            } else {
                self.bump_unread(message.room_id, message.author.id);
            }
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
            self.send_frame(&json!({"type": "subscribe", "topic": format!("room:{room_id}")}));
        }

        /// Opens a room: newest history over HTTP, then live updates.
        pub fn open_room(self, room_id: i64) {
            if self.room.get_untracked() == Some(room_id) {
                return;
            }
            self.room.set(Some(room_id));
            self.messages.set(Vec::new());
            self.typing.set(Vec::new());
            self.online.set(Vec::new());
            self.has_older.set(false);
            let marker = self.rooms.with_untracked(|r| {
                r.iter()
                    .find(|r| r.room.id == room_id)
                    .map(|r| (r.unread, r.last_message_id))
            });
            self.read_marker.set(match marker {
                Some((unread, Some(last))) if unread > 0 => last - unread,
                _ => i64::MAX,
            });
            self.load_newest(room_id);
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
                        // Re-subscribe from what we have: the server replays the rest.
                        let mut frame =
                            json!({"type": "subscribe", "topic": format!("room:{room_id}")});
                        frame["after"] = json!(self.last_id().unwrap_or(0));
                        if !self.send_frame(&frame)
                            && self.status.get_untracked() == LiveStatus::Fallback
                        {
                            self.start_polling();
                        }
                        self.mark_read_now();
                    }
                    Err(e) => self.notice.set(Some(e.message())),
                }
            });
        }

        /// Loads the page before the oldest message shown.
        pub fn load_older(self) {
            let (Some(room_id), Some(first)) = (
                self.room.get_untracked(),
                self.messages.with_untracked(|m| m.first().map(|m| m.id)),
            ) else {
                return;
            };
            spawn_local(async move {
                if let Ok(page) = rpc::room_history(room_id, Some(first), None).await {
                    if self.room.get_untracked() == Some(room_id) {
                        self.has_older.set(page.has_older);
                        for m in page.messages {
                            self.insert_message(m);
                        }
                    }
                }
            });
        }

        /// Queues a message and sends it (now, or when the connection is back).
        pub fn send(self, content: String) {
            let Some(room_id) = self.room.get_untracked() else {
                return;
            };
            let client_id = self.inner.try_update_value(|i| {
                i.next_client_id += 1;
                i.last_typing_sent = 0;
                format!("{}-{}", i.tab, i.next_client_id)
            });
            let Some(client_id) = client_id else { return };
            let item = Outgoing {
                client_id,
                room_id,
                content,
                state: OutState::Sending,
            };
            self.outbox.update(|o| o.push(item.clone()));
            self.transmit(item);
        }

        fn transmit(self, item: Outgoing) {
            match self.status.get_untracked() {
                LiveStatus::Live => {
                    let frame = json!({"type": "message", "room_id": item.room_id, "content": item.content, "client_id": item.client_id});
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
                        match rpc::send_message(item.room_id, item.content.clone()).await {
                            Ok(message) => {
                                self.outbox
                                    .update(|o| o.retain(|i| i.client_id != item.client_id));
                                self.receive(message);
                            }
                            Err(crate::error::AppError::RateLimited(wait)) => {
                                self.set_state(&item.client_id, OutState::Waiting);
                                let id = item.client_id.clone();
                                set_timeout(
                                    move || self.retry(id),
                                    Duration::from_millis(wait + 50),
                                );
                            }
                            Err(crate::error::AppError::Network(_)) => {
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

        /// Tells the room this user is typing (at most every few seconds), or stopped.
        pub fn typing(self, is_typing: bool) {
            let Some(room_id) = self.room.get_untracked() else {
                return;
            };
            let now = now_ms();
            let send = self
                .inner
                .try_update_value(|i| {
                    if is_typing && now.saturating_sub(i.last_typing_sent) < TYPING_SEND_INTERVAL_MS
                    {
                        return false;
                    }
                    if !is_typing && i.last_typing_sent == 0 {
                        return false;
                    }
                    i.last_typing_sent = if is_typing { now } else { 0 };
                    true
                })
                .unwrap_or(false);
            if send {
                self.send_frame(
                    &json!({"type": "typing", "room_id": room_id, "is_typing": is_typing}),
                );
            }
        }

        /// Moves the read pointer to the newest message shown (when the tab is visible).
        pub fn mark_read_now(self) {
            let visible = web_sys::window()
                .and_then(|w| w.document())
                .map(|d| !d.hidden())
                .unwrap_or(true);
            let (Some(room_id), Some(last)) = (self.room.get_untracked(), self.last_id()) else {
                return;
            };
            if !visible {
                return;
            }
            self.clear_unread(room_id);
            if !self.send_frame(&json!({"type": "read", "room_id": room_id, "message_id": last})) {
                spawn_local(async move {
                    let _ = rpc::mark_read(room_id, last).await;
                });
            }
        }

        /// The HTTP fallback's receiving side: long polls while no socket is up.
        fn start_polling(self) {
            let already = self
                .inner
                .try_update_value(|i| std::mem::replace(&mut i.polling, true))
                .unwrap_or(true);
            if already {
                return;
            }
            spawn_local(async move {
                loop {
                    if self.status.get_untracked() != LiveStatus::Fallback {
                        break;
                    }
                    let Some(room_id) = self.room.get_untracked() else {
                        gloo_timers::future::TimeoutFuture::new(1000).await;
                        continue;
                    };
                    let after = self.last_id().unwrap_or(0);
                    let url = format!("/messaging/room/{room_id}/events/?after={after}&timeout=25");
                    let page = gloo_net::http::Request::get(&url).send().await;
                    match page {
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
        }
    }
}
