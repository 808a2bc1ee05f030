//! The WebSocket endpoint: `/ws` (subscribe to topics) and the original
//! design's `/ws/chat-room/{room_id}/` (a socket already subscribed to one
//! room). The protocol is documented in docs/realtime.md.
//!
//! Each connection runs one loop that owns the socket: it reads client frames,
//! writes the hub's events (skipping messages already sent, so a resume never
//! shows a duplicate), acknowledges posted messages once they are committed,
//! and sends heartbeats. Posting runs in its own task so a busy database never
//! stalls the delivery of events.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::SinkExt;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use app::error::AppError;
use app::model::User;
use app::services::chat::{self, Cursor};
use app::services::hub::{Delivery, Event, Subscriber, Topic};
use app::services::{auth, boards, presence, Services};

use crate::api::parse_id;
use crate::error::HttpError;
use crate::extract::QueryParams;
use crate::{csrf, AppState};

/// Version of the protocol in docs/realtime.md.
pub const PROTOCOL_VERSION: u32 = 1;
/// Largest client frame accepted; larger ones get an error frame.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// The server pings this often...
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(20);
/// ...and closes a connection it has heard nothing from for this long.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(45);
/// Typing frames from one connection are forwarded at most this often per room.
pub const TYPING_MIN_INTERVAL: Duration = Duration::from_millis(1000);
/// A resume replays at most this many messages; beyond that the client is
/// told to reload the history (`resync`).
pub const MAX_REPLAY: usize = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ws", get(open_socket))
        .route("/ws/chat-room/{room_id}/", get(open_room_socket))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResumeQuery {
    #[serde(default)]
    after: Option<i64>,
}

/// Handshake checks: same origin (no cross-site WebSocket hijacking) and a session.
async fn handshake(state: &AppState, headers: &HeaderMap) -> Result<User, HttpError> {
    csrf::check(headers, &state.public_origin).map_err(HttpError::CrossSite)?;
    Ok(auth::require_user(&state.services, headers).await?)
}

async fn open_socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Response {
    match handshake(&state, &headers).await {
        Ok(user) => upgrade(ws, state, user, None),
        Err(e) => e.into_response(),
    }
}

async fn open_room_socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Path(room_id): Path<String>,
    QueryParams(resume): QueryParams<ResumeQuery>,
    headers: HeaderMap,
) -> Response {
    let user = match handshake(&state, &headers).await {
        Ok(user) => user,
        Err(e) => return e.into_response(),
    };
    let room_id = match parse_id(&room_id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    // Refuse before upgrading when the room is not theirs.
    if let Err(e) = chat::member_room(&state.services.pool, room_id, user.id).await {
        return HttpError::App(e).into_response();
    }
    upgrade(ws, state, user, Some((room_id, resume.after)))
}

fn upgrade(
    ws: WebSocketUpgrade,
    state: AppState,
    user: User,
    room: Option<(i64, Option<i64>)>,
) -> Response {
    // Small socket buffers: memory per idle connection is what limits how many
    // a server holds (tungstenite's defaults are 128 KiB each way).
    ws.max_message_size(4 * MAX_FRAME_BYTES)
        .read_buffer_size(1024)
        .write_buffer_size(16 * 1024)
        .on_upgrade(move |socket| async move {
            Connection::new(state.services.clone(), user, room.map(|(id, _)| id))
                .run(socket, room, state.stopping.clone())
                .await
        })
}

/// What a client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientFrame {
    Subscribe {
        topic: String,
        #[serde(default)]
        after: Option<i64>,
    },
    Unsubscribe {
        topic: String,
    },
    Message {
        #[serde(default)]
        room_id: Option<i64>,
        content: String,
        #[serde(default)]
        client_id: Option<String>,
    },
    Typing {
        #[serde(default)]
        room_id: Option<i64>,
        is_typing: bool,
    },
    Read {
        #[serde(default)]
        room_id: Option<i64>,
        message_id: i64,
    },
    Ping,
}

/// Results of posting tasks, back to the connection loop.
enum Reply {
    Ack {
        client_id: Option<String>,
        message: Value,
    },
    Failed {
        client_id: Option<String>,
        error: AppError,
    },
}

struct Connection {
    svc: Services,
    user: User,
    /// The room of a `/ws/chat-room/{id}/` socket: frames may leave out `room_id`.
    default_room: Option<i64>,
    /// Subscribed rooms, with the highest message id sent on this socket.
    rooms: HashMap<i64, i64>,
    /// Subscribed boards (presence of their members).
    boards: std::collections::HashSet<i64>,
    typing_sent: HashMap<i64, Instant>,
    last_heard: Instant,
    replies_tx: mpsc::Sender<Reply>,
    replies_rx: mpsc::Receiver<Reply>,
}

enum Flow {
    Continue,
    Close,
}

impl Connection {
    fn new(svc: Services, user: User, default_room: Option<i64>) -> Self {
        let (replies_tx, replies_rx) = mpsc::channel(64);
        Self {
            svc,
            user,
            default_room,
            rooms: HashMap::new(),
            boards: std::collections::HashSet::new(),
            typing_sent: HashMap::new(),
            last_heard: Instant::now(),
            replies_tx,
            replies_rx,
        }
    }

    async fn run(
        mut self,
        mut socket: WebSocket,
        initial: Option<(i64, Option<i64>)>,
        mut stopping: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut sub = self.svc.hub.subscriber(self.svc.settings.connection_queue);
        if self.svc.presence.connect(self.user.id) {
            let _ = presence::announce(&self.svc, self.user.id, true).await;
        }
        tracing::debug!(user = %self.user.username, "websocket open");
        let hello = json!({
            "type": "hello",
            "protocol": PROTOCOL_VERSION,
            "user": self.user,
            "heartbeat_ms": HEARTBEAT_INTERVAL.as_millis() as u64,
            "max_frame_bytes": MAX_FRAME_BYTES,
        });
        let mut open = send(&mut socket, &hello).await;
        if open {
            if let Some((room_id, after)) = initial {
                open = self
                    .subscribe(&mut socket, &sub, Topic::Room(room_id), after)
                    .await;
            }
        }
        let mut heartbeat = tokio::time::interval(HEARTBEAT_INTERVAL);
        heartbeat.tick().await;
        while open {
            tokio::select! {
                incoming = socket.recv() => {
                    self.last_heard = Instant::now();
                    open = match incoming {
                        Some(Ok(frame)) => matches!(self.on_frame(&mut socket, &sub, frame).await, Flow::Continue),
                        _ => false,
                    };
                }
                event = sub.recv() => {
                    open = match event {
                        Some((_, event)) => {
                            // Write what is already waiting too, then flush once:
                            // under load a busy socket costs one syscall per batch.
                            let mut open = self.on_event(&mut socket, &event).await;
                            let mut batch = 0;
                            while open && batch < 64 {
                                let Some((_, more)) = sub.try_recv() else { break };
                                open = self.on_event(&mut socket, &more).await;
                                batch += 1;
                            }
                            open && socket.flush().await.is_ok()
                        }
                        None => {
                            // Overflowed: too slow for the messages it must not miss.
                            tracing::info!(user = %self.user.username, "closing a slow websocket");
                            close(&mut socket, 1013, "too slow: reconnect and resume").await;
                            false
                        }
                    };
                }
                Some(reply) = self.replies_rx.recv() => {
                    open = self.on_reply(&mut socket, reply).await;
                }
                _ = stopping.changed() => {
                    close(&mut socket, 1012, "server restarting: reconnect and resume").await;
                    open = false;
                }
                _ = heartbeat.tick() => {
                    if self.last_heard.elapsed() > IDLE_TIMEOUT {
                        close(&mut socket, 1001, "no heartbeat").await;
                        open = false;
                    } else {
                        open = socket.send(WsMessage::Ping(Vec::new().into())).await.is_ok();
                    }
                }
            }
        }
        drop(sub);
        self.finish().await;
    }

    /// Cleanup: stop showing this user as typing, and maybe as online.
    async fn finish(self) {
        for (&room_id, _) in self.typing_sent.iter() {
            self.svc.hub.publish(
                Topic::Room(room_id),
                Event::Typing {
                    room_id,
                    user: self.user.clone(),
                    is_typing: false,
                },
            );
        }
        if self.svc.presence.disconnect(self.user.id) {
            let _ = presence::announce(&self.svc, self.user.id, false).await;
        }
        tracing::debug!(user = %self.user.username, "websocket closed");
    }

    async fn on_frame(
        &mut self,
        socket: &mut WebSocket,
        sub: &Subscriber,
        frame: WsMessage,
    ) -> Flow {
        let text = match frame {
            WsMessage::Text(text) => text,
            WsMessage::Close(_) => return Flow::Close,
            WsMessage::Ping(_) | WsMessage::Pong(_) => return Flow::Continue,
            WsMessage::Binary(_) => {
                return self
                    .error(
                        socket,
                        "bad_frame",
                        "binary frames are not supported: send JSON text",
                        None,
                    )
                    .await;
            }
        };
        if text.len() > MAX_FRAME_BYTES {
            let msg = format!(
                "frame of {} bytes is over the {MAX_FRAME_BYTES}-byte limit",
                text.len()
            );
            return self.error(socket, "too_large", &msg, None).await;
        }
        let frame: ClientFrame = match serde_json::from_str(text.as_str()) {
            Ok(f) => f,
            Err(e) => {
                return self
                    .error(
                        socket,
                        "bad_frame",
                        &format!("cannot read this frame: {e}"),
                        None,
                    )
                    .await
            }
        };
        match frame {
            ClientFrame::Ping => flow(send(socket, &json!({"type": "pong"})).await),
            ClientFrame::Subscribe { topic, after } => match topic.parse::<Topic>() {
                Ok(topic) => flow(self.subscribe(socket, sub, topic, after).await),
                Err(e) => self.error(socket, "bad_topic", &e, None).await,
            },
            ClientFrame::Unsubscribe { topic } => match topic.parse::<Topic>() {
                Ok(topic) => {
                    sub.unsubscribe(topic);
                    match topic {
                        Topic::Room(room_id) => self.rooms.remove(&room_id).map(|_| ()),
                        Topic::Board(board_id) => self.boards.remove(&board_id).then_some(()),
                    };
                    flow(
                        send(
                            socket,
                            &json!({"type": "unsubscribed", "topic": topic.to_string()}),
                        )
                        .await,
                    )
                }
                Err(e) => self.error(socket, "bad_topic", &e, None).await,
            },
            ClientFrame::Message {
                room_id,
                content,
                client_id,
            } => {
                let Some(room_id) = room_id.or(self.default_room) else {
                    return self
                        .error(socket, "bad_frame", "missing room_id", client_id)
                        .await;
                };
                let (svc, user, replies) =
                    (self.svc.clone(), self.user.clone(), self.replies_tx.clone());
                // Sending a message ends the sender's typing hint at once.
                if self.typing_sent.remove(&room_id).is_some() {
                    self.svc.hub.publish(
                        Topic::Room(room_id),
                        Event::Typing {
                            room_id,
                            user: self.user.clone(),
                            is_typing: false,
                        },
                    );
                }
                tokio::spawn(async move {
                    let reply = match chat::post_message(&svc, &user, room_id, &content).await {
                        Ok(message) => Reply::Ack {
                            client_id,
                            message: json!(message),
                        },
                        Err(error) => Reply::Failed { client_id, error },
                    };
                    let _ = replies.send(reply).await;
                });
                Flow::Continue
            }
            ClientFrame::Typing { room_id, is_typing } => {
                let Some(room_id) = room_id.or(self.default_room) else {
                    return self
                        .error(socket, "bad_frame", "missing room_id", None)
                        .await;
                };
                if !self.rooms.contains_key(&room_id) {
                    return self
                        .error(
                            socket,
                            "not_subscribed",
                            "subscribe to the room first",
                            None,
                        )
                        .await;
                }
                let now = Instant::now();
                let recently = self
                    .typing_sent
                    .get(&room_id)
                    .is_some_and(|at| now.duration_since(*at) < TYPING_MIN_INTERVAL);
                if is_typing && recently {
                    return Flow::Continue;
                }
                if is_typing {
                    self.typing_sent.insert(room_id, now);
                } else if self.typing_sent.remove(&room_id).is_none() {
                    return Flow::Continue;
                }
                self.svc.hub.publish(
                    Topic::Room(room_id),
                    Event::Typing {
                        room_id,
                        user: self.user.clone(),
                        is_typing,
                    },
                );
                Flow::Continue
            }
            ClientFrame::Read {
                room_id,
                message_id,
            } => {
                let Some(room_id) = room_id.or(self.default_room) else {
                    return self
                        .error(socket, "bad_frame", "missing room_id", None)
                        .await;
                };
                match chat::mark_read(&self.svc, &self.user, room_id, message_id).await {
                    Ok(last) => flow(
                        send(
                            socket,
                            &json!({"type": "read", "room_id": room_id, "last_read_id": last}),
                        )
                        .await,
                    ),
                    Err(e) => self.app_error(socket, e, None).await,
                }
            }
        }
    }

    /// Subscribes to a topic; with `after`, first replays what the client
    /// missed from the database. Returns whether the socket is still open.
    async fn subscribe(
        &mut self,
        socket: &mut WebSocket,
        sub: &Subscriber,
        topic: Topic,
        after: Option<i64>,
    ) -> bool {
        let room_id = match topic {
            Topic::Room(room_id) => room_id,
            Topic::Board(board_id) => return self.subscribe_board(socket, sub, board_id).await,
        };
        if let Err(e) = chat::member_room(&self.svc.pool, room_id, self.user.id).await {
            return matches!(self.app_error(socket, e, None).await, Flow::Continue);
        }
        // Register first, replay second: nothing published in between is lost,
        // and the id check in `on_event` drops what the replay already sent.
        sub.subscribe(topic);
        let mut last_sent = 0;
        let mut replayed = 0usize;
        let mut resync = false;
        if let Some(after) = after.filter(|a| *a >= 0) {
            last_sent = after;
            loop {
                let cursor = Cursor {
                    before: None,
                    after: Some(last_sent),
                };
                let page = match chat::messages_page(&self.svc.pool, room_id, cursor, 100).await {
                    Ok(page) => page,
                    Err(e) => {
                        return matches!(self.app_error(socket, e, None).await, Flow::Continue)
                    }
                };
                for message in &page.messages {
                    if !send(socket, &json!({"type": "message", "message": message})).await {
                        return false;
                    }
                    last_sent = message.id;
                    replayed += 1;
                }
                if !page.has_newer {
                    break;
                }
                if replayed >= MAX_REPLAY {
                    // Too far behind: the client reloads the newest page instead.
                    resync = true;
                    break;
                }
            }
        }
        if resync {
            last_sent = i64::MAX;
        }
        self.rooms.insert(room_id, last_sent);
        let online = presence::online_in_room(&self.svc, room_id)
            .await
            .unwrap_or_default();
        let mut frame = json!({
            "type": "subscribed",
            "topic": topic.to_string(),
            "replayed": replayed,
            "online": online,
        });
        if resync {
            frame["type"] = json!("resync");
            // Live messages resume from the next commit on.
            self.rooms.insert(room_id, 0);
        }
        send(socket, &frame).await
    }

    /// Board topics carry the presence of the board's members.
    async fn subscribe_board(
        &mut self,
        socket: &mut WebSocket,
        sub: &Subscriber,
        board_id: i64,
    ) -> bool {
        if let Err(e) = boards::role_on(&self.svc.pool, board_id, self.user.id).await {
            return matches!(self.app_error(socket, e, None).await, Flow::Continue);
        }
        sub.subscribe(Topic::Board(board_id));
        self.boards.insert(board_id);
        let online = presence::online_on_board(&self.svc, board_id)
            .await
            .unwrap_or_default();
        let frame = json!({"type": "subscribed", "topic": Topic::Board(board_id).to_string(), "replayed": 0, "online": online});
        send(socket, &frame).await
    }

    async fn on_event(&mut self, socket: &mut WebSocket, delivery: &Arc<Delivery>) -> bool {
        let relevant = match &delivery.event {
            Event::Message { message } => match self.rooms.get_mut(&message.room_id) {
                // Already sent by the replay, or not subscribed (any more).
                Some(last) if message.id > *last => {
                    *last = message.id;
                    true
                }
                _ => false,
            },
            Event::Typing { room_id, user, .. } => {
                user.id != self.user.id && self.rooms.contains_key(room_id)
            }
            Event::Presence { room_id, .. } => self.rooms.contains_key(room_id),
            Event::BoardPresence { board_id, .. } => self.boards.contains(board_id),
        };
        if !relevant {
            return true;
        }
        // Queued, not flushed: the caller flushes after the batch.
        socket
            .feed(WsMessage::Text(delivery.frame().to_owned().into()))
            .await
            .is_ok()
    }

    async fn on_reply(&mut self, socket: &mut WebSocket, reply: Reply) -> bool {
        match reply {
            Reply::Ack { client_id, message } => {
                send(
                    socket,
                    &json!({"type": "ack", "client_id": client_id, "message": message}),
                )
                .await
            }
            Reply::Failed { client_id, error } => matches!(
                self.app_error(socket, error, client_id).await,
                Flow::Continue
            ),
        }
    }

    async fn app_error(
        &self,
        socket: &mut WebSocket,
        error: AppError,
        client_id: Option<String>,
    ) -> Flow {
        let mut frame = json!({"type": "error", "code": error.code(), "message": error.message()});
        if let Some(ms) = error.retry_after_ms() {
            frame["retry_after_ms"] = json!(ms);
        }
        if let Some(id) = client_id {
            frame["client_id"] = json!(id);
        }
        flow(send(socket, &frame).await)
    }

    async fn error(
        &self,
        socket: &mut WebSocket,
        code: &str,
        message: &str,
        client_id: Option<String>,
    ) -> Flow {
        let mut frame = json!({"type": "error", "code": code, "message": message});
        if let Some(id) = client_id {
            frame["client_id"] = json!(id);
        }
        flow(send(socket, &frame).await)
    }
}

fn flow(open: bool) -> Flow {
    if open {
        Flow::Continue
    } else {
        Flow::Close
    }
}

/// Sends one JSON frame; `false` if the socket is gone.
async fn send(socket: &mut WebSocket, value: &impl serde::Serialize) -> bool {
    match serde_json::to_string(value) {
        Ok(text) => socket.send(WsMessage::Text(text.into())).await.is_ok(),
        Err(_) => true,
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let _ = socket
        .send(WsMessage::Close(Some(CloseFrame {
            code,
            reason: reason.to_string().into(),
        })))
        .await;
}
