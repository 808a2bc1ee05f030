//! The tab's WebSocket: connecting with exponential backoff and jitter,
//! noticing a dead socket (the browser going offline, a ping nobody
//! answers), trying again at once when the browser is back online or the tab
//! regains focus, giving up a handshake that never completes, and reading every
//! frame as a [`ServerFrame`].
//!
//! Each function is declared once; in the server's build (which never
//! connects) its body does nothing.

use super::Live;
use crate::protocol::ClientFrame;

#[cfg(feature = "hydrate")]
use {
    super::{
        BoardInput, LiveStatus, TypingHint, CONNECT_TIMEOUT_MS, PING_ANSWER_MS,
        QUIET_BEFORE_PING_MS, TYPING_EXPIRY_MS,
    },
    crate::protocol::{Event, ServerFrame, Snapshot, Topic},
    crate::ui::common::browser,
    leptos::prelude::*,
    std::time::Duration,
    wasm_bindgen::closure::Closure,
    wasm_bindgen::JsCast,
    web_sys::{CloseEvent, MessageEvent, WebSocket},
};

/// The close code of a socket whose session ended (logout, expiry).
pub const SESSION_ENDED: u16 = 4401;

/// A socket and the callbacks it holds (dropped together).
#[cfg(feature = "hydrate")]
pub struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
    _on_error: Closure<dyn FnMut()>,
}

#[cfg(feature = "hydrate")]
impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        let _ = self.ws.close();
    }
}

/// Connects for the first time, and keeps the connection up from then on.
pub(super) fn start(live: Live) {
    #[cfg(feature = "hydrate")]
    {
        connect(live);
        // Back online, or back in this tab: try at once instead of waiting for
        // the backoff; and what is now in view is read. (For the life of the
        // tab: these handles are never removed.)
        let _ = window_event_listener(leptos::ev::online, move |_| reconnect_now(live));
        let _ = window_event_listener(leptos::ev::focus, move |_| reconnect_now(live));
        // The network went away: the socket may never say so itself.
        let _ = window_event_listener(leptos::ev::offline, move |_| connection_lost(live));
        let on_visible = Closure::<dyn FnMut()>::new(move || {
            if !browser::tab_hidden() {
                reconnect_now(live);
                live.mark_read_now();
            }
        });
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            let _ = doc.add_event_listener_with_callback(
                "visibilitychange",
                on_visible.as_ref().unchecked_ref(),
            );
        }
        on_visible.forget();
        // A socket can die silently (a laptop lid, a dropped route): after a
        // quiet spell it is pinged, and given up on if nothing answers.
        set_interval(move || check_alive(live), Duration::from_secs(5));
        set_interval(move || live.expire_typing(), Duration::from_secs(1));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = live;
}

/// Sends a frame on the open socket; `false` when there is none.
pub(super) fn send(live: Live, frame: &ClientFrame) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let Ok(text) = serde_json::to_string(frame) else {
            return false;
        };
        live.inner.with_value(|i| match &i.socket {
            Some(s) if s.ws.ready_state() == WebSocket::OPEN => s.ws.send_with_str(&text).is_ok(),
            _ => false,
        })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (live, frame);
        false
    }
}

/// Tries to connect now, unless a socket is up or opening.
pub(super) fn reconnect_now(live: Live) {
    #[cfg(feature = "hydrate")]
    {
        let busy = live.inner.with_value(|i| {
            i.socket.as_ref().is_some_and(|s| {
                matches!(s.ws.ready_state(), WebSocket::OPEN | WebSocket::CONNECTING)
            })
        });
        if busy || live.stopped() {
            return;
        }
        if matches!(live.status.get_untracked(), LiveStatus::Reconnecting(_)) {
            live.status.set(LiveStatus::Connecting);
        }
        connect(live);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = live;
}

/// The connection is gone (whether or not the socket noticed): drop it and
/// retry with backoff.
#[cfg(feature = "hydrate")]
fn connection_lost(live: Live) {
    let had = live
        .inner
        .try_update_value(|i| {
            i.ping_sent = None;
            i.socket.take().is_some()
        })
        .unwrap_or(false);
    if had && !live.stopped() {
        schedule_reconnect(live);
    }
}

#[cfg(feature = "hydrate")]
fn check_alive(live: Live) {
    let now = super::now_ms();
    let (open, last_heard, ping_sent) = live.inner.with_value(|i| {
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
        Some(at) if now.saturating_sub(at) >= PING_ANSWER_MS => connection_lost(live),
        Some(_) => {}
        None => {
            if send(live, &ClientFrame::Ping) {
                live.inner.update_value(|i| i.ping_sent = Some(now));
            }
        }
    }
}

#[cfg(feature = "hydrate")]
fn socket_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/ws", location.host().ok()?))
}

#[cfg(feature = "hydrate")]
fn connect(live: Live) {
    if live.stopped() {
        return;
    }
    // A retry scheduled before this attempt is void now.
    live.inner.update_value(|i| i.connect_generation += 1);
    let Some(url) = socket_url() else { return };
    let Ok(ws) = WebSocket::new(&url) else {
        schedule_reconnect(live);
        return;
    };
    let on_open = Closure::<dyn FnMut()>::new(move || on_open(live));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        live.inner.update_value(|i| {
            i.last_heard = super::now_ms();
            i.ping_sent = None;
        });
        let Some(text) = ev.data().as_string() else {
            return;
        };
        match crate::ui::json::decode::<ServerFrame>(&text) {
            Ok(frame) => on_frame(live, frame),
            Err(e) => web_sys::console::warn_1(&format!("TaskFlow: unreadable frame: {e}").into()),
        }
    });
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |ev: CloseEvent| {
        live.inner.update_value(|i| i.socket = None);
        if ev.code() == SESSION_ENDED {
            // Logged out (here or in another tab), or the session expired.
            live.stop();
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_href("/login");
            }
            return;
        }
        schedule_reconnect(live);
    });
    // A failed socket says `error`, then `close` — except one the browser
    // refuses outright (Chromium, for a Content-Security-Policy block): then
    // `error` is all that comes. Either way the attempt is over: count it
    // once (dropping the socket detaches its `close` handler) and retry.
    let on_error = Closure::<dyn FnMut()>::new(move || {
        let failed = live
            .inner
            .try_update_value(|i| {
                let failed = i
                    .socket
                    .as_ref()
                    .is_some_and(|s| s.ws.ready_state() != WebSocket::OPEN);
                if failed {
                    i.socket = None;
                }
                failed
            })
            .unwrap_or(false);
        if failed {
            schedule_reconnect(live);
        }
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    live.inner.update_value(|i| {
        i.socket = Some(Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
            _on_error: on_error,
        })
    });
    // A handshake that never completes (a stalled connection, a proxy holding
    // the upgrade) says neither `open` nor `error`: give it up and retry.
    let generation = live.inner.with_value(|i| i.connect_generation);
    set_timeout(
        move || {
            let stalled = live
                .inner
                .try_with_value(|i| {
                    i.connect_generation == generation
                        && i.socket
                            .as_ref()
                            .is_some_and(|s| s.ws.ready_state() == WebSocket::CONNECTING)
                })
                .unwrap_or(false);
            if stalled {
                web_sys::console::warn_1(
                    &"TaskFlow: the live connection's handshake timed out; retrying".into(),
                );
                connection_lost(live);
            }
        },
        Duration::from_millis(CONNECT_TIMEOUT_MS),
    );
}

#[cfg(feature = "hydrate")]
fn schedule_reconnect(live: Live) {
    if live.stopped() {
        return;
    }
    let (attempts, ever_opened) = live.inner.with_value(|i| (i.attempts, i.ever_opened));
    // Exponential backoff with jitter: 0.5 s doubling up to 30 s, then a
    // random point in the upper half so a restarted server is not stormed.
    let cap = (500u64 << attempts.min(6)).min(30_000) as f64;
    let delay = (cap / 2.0 + super::random() * cap / 2.0) as u64;
    live.inner.update_value(|i| i.attempts += 1);
    if !ever_opened && attempts >= 2 {
        // The socket never got through (a proxy blocking upgrades?): poll meanwhile.
        live.status.set(LiveStatus::Fallback);
        live.start_polling();
    } else if live.status.get_untracked() != LiveStatus::Fallback {
        live.status
            .set(LiveStatus::Reconnecting(super::now_ms() + delay));
        live.outbox_waits();
    }
    let generation = live.inner.with_value(|i| i.connect_generation);
    set_timeout(
        move || {
            if live.inner.with_value(|i| i.connect_generation) == generation {
                connect(live);
            }
        },
        Duration::from_millis(delay),
    );
}

#[cfg(feature = "hydrate")]
fn on_open(live: Live) {
    live.inner.update_value(|i| {
        i.attempts = 0;
        i.ever_opened = true;
        i.last_heard = super::now_ms();
        i.ping_sent = None;
    });
    live.status.set(LiveStatus::Live);
    live.follow_everything();
    live.flush_outbox();
}

/// Who the server says is typing now (in a `subscribed` frame).
#[cfg(feature = "hydrate")]
fn typing_hints(snapshot: &Snapshot) -> Vec<TypingHint> {
    let until = super::now_ms() + TYPING_EXPIRY_MS;
    snapshot
        .typing
        .iter()
        .flatten()
        .map(|user| TypingHint {
            user: user.clone(),
            until,
            root: None,
        })
        .collect()
}

#[cfg(feature = "hydrate")]
fn on_frame(live: Live, frame: ServerFrame) {
    match frame {
        ServerFrame::Hello { user, .. } => live.me.set(Some(user)),
        ServerFrame::Event(event) => on_event(live, event),
        ServerFrame::Ack(ack) => {
            if let Some(client_id) = &ack.client_id {
                live.acknowledged(client_id);
            }
            if let Some(message) = ack.message {
                live.receive_message(message);
            }
            if let Some(comment) = ack.comment {
                live.receive_comment(comment);
            }
        }
        ServerFrame::Error(error) => match error.client_id {
            Some(client_id) => live.refused(client_id, error.message, error.retry_after_ms),
            None => live.notice.set(Some(error.message)),
        },
        ServerFrame::Subscribed(snapshot) => on_subscribed(live, snapshot, false),
        ServerFrame::Resync(snapshot) => on_subscribed(live, snapshot, true),
        ServerFrame::Read { .. } | ServerFrame::Pong | ServerFrame::Unsubscribed { .. } => {}
    }
}

#[cfg(feature = "hydrate")]
fn on_event(live: Live, event: Event) {
    match event {
        Event::Message { message } => {
            if Some(message.room_id) == live.room.open.get_untracked() {
                live.room.advance(&message);
            }
            live.receive_message(message);
        }
        Event::Comment { comment } => {
            if Some(comment.task_id) == live.thread.open.get_untracked() {
                live.thread.advance(&comment);
            }
            live.receive_comment(comment);
        }
        Event::Reaction {
            room_id,
            task_id,
            message_id,
            comment_id,
            seq,
            reaction,
            ..
        } => match (room_id, message_id, task_id, comment_id) {
            (Some(room), Some(id), _, _) if Some(room) == live.room.open.get_untracked() => {
                live.room.react(id, seq, reaction)
            }
            (_, _, Some(task), Some(id)) if Some(task) == live.thread.open.get_untracked() => {
                live.thread.react(id, seq, reaction)
            }
            _ => {}
        },
        Event::Typing {
            room_id,
            task_id,
            thread_root_id,
            user,
            is_typing,
        } => {
            let hints = match (room_id, task_id) {
                (Some(room), _) if Some(room) == live.room.open.get_untracked() => live.room.typing,
                (_, Some(task)) if Some(task) == live.thread.open.get_untracked() => {
                    live.thread.typing
                }
                _ => return,
            };
            hints.update(|t| {
                t.retain(|h| h.user.id != user.id);
                if is_typing {
                    t.push(TypingHint {
                        user,
                        until: super::now_ms() + TYPING_EXPIRY_MS,
                        root: thread_root_id,
                    });
                }
            });
        }
        Event::Presence {
            room_id,
            user_id,
            online,
        } if Some(room_id) == live.room.open.get_untracked() => {
            set_online(live.online, user_id, online)
        }
        Event::BoardPresence {
            board_id,
            user_id,
            online,
        } => live.to_board(board_id, BoardInput::Presence { user_id, online }),
        Event::BoardEvent {
            board_id,
            seq,
            change,
        } => live.to_board(board_id, BoardInput::Change { seq, change }),
        Event::Moving {
            board_id,
            task_id,
            user,
            moving,
        } => live.to_board(
            board_id,
            BoardInput::Moving {
                task_id,
                user,
                moving,
            },
        ),
        Event::Notification {
            notification,
            unread,
        } => live.notifications.arrived(&notification, unread),
        Event::NotificationsUpdated { unread, .. } => live.notifications.changed(unread),
        Event::RoomRead {
            room_id,
            last_read_id,
        } => {
            // Read in another tab: this one's badge follows.
            live.rooms.update(|rooms| {
                if let Some(r) = rooms.iter_mut().find(|r| r.room.id == room_id) {
                    if r.last_message_id.unwrap_or(0) <= last_read_id {
                        r.unread = 0;
                    }
                }
            });
        }
        Event::RepliesRead {
            root_id,
            last_read_id,
            following,
        } => live
            .replies_read
            .set(Some((root_id, last_read_id, following))),
        // A board of yours archived or restored: the board list follows.
        Event::BoardListChanged { .. } => live.boards_changed.update(|n| *n += 1),
        // Added to or removed from a board (the board list follows), or
        // to or from one of the shown board's rooms, or someone opened a
        // direct message with you (the messages page lists it).
        Event::AccessChanged {
            board_id,
            room_id,
            member,
        } => {
            if room_id.is_none() {
                live.boards_changed.update(|n| *n += 1);
            }
            if board_id.is_none() != live.showing_direct() || board_id != live.board_id() {
                return;
            }
            if room_id.is_none() && !member {
                live.notice
                    .set(Some("You were removed from this board.".into()));
            }
            live.refresh_rooms();
        }
        Event::RoomChanged { room, deleted } => {
            let id = room.id;
            if !deleted {
                live.rooms.update(|rooms| {
                    if let Some(r) = rooms.iter_mut().find(|r| r.room.id == id) {
                        r.room = room;
                    }
                });
                return;
            }
            live.rooms.update(|rooms| rooms.retain(|r| r.room.id != id));
            if live.room.open.get_untracked() == Some(id) {
                live.room.close();
                live.notice
                    .set(Some(format!("#{} was deleted.", room.name)));
                if let Some(first) = live.first_room() {
                    live.open_room(first);
                }
            }
        }
        _ => {}
    }
}

#[cfg(feature = "hydrate")]
fn set_online(list: RwSignal<Vec<i64>>, user_id: i64, online: bool) {
    list.update(|o| {
        o.retain(|id| *id != user_id);
        if online {
            o.push(user_id);
        }
    });
}

#[cfg(feature = "hydrate")]
fn on_subscribed(live: Live, snapshot: Snapshot, resync: bool) {
    match snapshot.topic {
        Topic::User(_) => {
            if let Some(unread) = snapshot.unread {
                live.notifications.changed(unread);
            }
        }
        Topic::Board(board) => {
            live.to_board(
                board,
                BoardInput::Online(snapshot.online.unwrap_or_default()),
            );
            if resync {
                live.to_board(board, BoardInput::TooFarBehind);
            }
        }
        Topic::Room(room) if Some(room) == live.room.open.get_untracked() => {
            live.online.set(snapshot.online.clone().unwrap_or_default());
            live.room.typing.set(typing_hints(&snapshot));
            if resync {
                live.room.load_newest(live, room);
            }
            live.mark_read_now();
        }
        Topic::Task(task) if Some(task) == live.thread.open.get_untracked() => {
            live.thread.typing.set(typing_hints(&snapshot));
            if resync {
                live.thread.load_newest(live, task);
            }
        }
        _ => {}
    }
}
