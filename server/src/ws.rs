//! The WebSocket endpoint: `/ws` (subscribe to topics) and the original
//! design's `/ws/chat-room/{room_id}/` and `/ws/task-comments/{task_id}/`
//! (sockets already subscribed to one room / one task's comments). The
//! protocol is documented in docs/realtime.md.
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
use app::services::{auth, boards, comments, notifications, presence, Services};

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
        .route("/ws/task-comments/{task_id}/", get(open_task_socket))
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

/// Where typing happens and what a compat socket is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Place {
    Room(i64),
    Task(i64),
}

impl Place {
    fn room(self) -> Option<i64> {
        match self {
            Place::Room(id) => Some(id),
            Place::Task(_) => None,
        }
    }
    fn task(self) -> Option<i64> {
        match self {
            Place::Task(id) => Some(id),
            Place::Room(_) => None,
        }
    }
    fn topic(self) -> Topic {
        match self {
            Place::Room(id) => Topic::Room(id),
            Place::Task(id) => Topic::Task(id),
        }
    }
}

async fn open_room_socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Path(room_id): Path<String>,
    QueryParams(resume): QueryParams<ResumeQuery>,
    headers: HeaderMap,
) -> Response {
    open_bound_socket(ws, state, &headers, &room_id, resume, Place::Room).await
}

async fn open_task_socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Path(task_id): Path<String>,
    QueryParams(resume): QueryParams<ResumeQuery>,
    headers: HeaderMap,
) -> Response {
    open_bound_socket(ws, state, &headers, &task_id, resume, Place::Task).await
}

/// A compat socket bound to one room or thread: refused before upgrading
/// unless the user may follow it.
async fn open_bound_socket(
    ws: WebSocketUpgrade,
    state: AppState,
    headers: &HeaderMap,
    raw_id: &str,
    resume: ResumeQuery,
    place: fn(i64) -> Place,
) -> Response {
    let checked = async {
        let user = handshake(&state, headers).await?;
        let place = place(parse_id(raw_id)?);
        let pool = &state.services.pool;
        match place {
            Place::Room(id) => chat::member_room(pool, id, user.id).await.map(|_| ())?,
            Place::Task(id) => comments::task_board(pool, id, user.id).await.map(|_| ())?,
        }
        Ok::<_, HttpError>((user, place))
    };
    match checked.await {
        Ok((user, place)) => upgrade(ws, state, user, Some((place, resume.after))),
        Err(e) => e.into_response(),
    }
}

fn upgrade(
    ws: WebSocketUpgrade,
    state: AppState,
    user: User,
    initial: Option<(Place, Option<i64>)>,
) -> Response {
    // Small socket buffers: memory per idle connection is what limits how many
    // a server holds (tungstenite's defaults are 128 KiB each way).
    ws.max_message_size(4 * MAX_FRAME_BYTES)
        .read_buffer_size(1024)
        .write_buffer_size(16 * 1024)
        .on_upgrade(move |socket| async move {
            Connection::new(
                state.services.clone(),
                user,
                initial.map(|(place, _)| place),
            )
            .run(socket, initial, state.stopping.clone())
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
    /// A chat message (or, on a task-comments socket, a comment).
    Message {
        #[serde(default)]
        room_id: Option<i64>,
        content: String,
        #[serde(default)]
        client_id: Option<String>,
    },
    Comment {
        #[serde(default)]
        task_id: Option<i64>,
        content: String,
        #[serde(default)]
        client_id: Option<String>,
    },
    Typing {
        #[serde(default)]
        room_id: Option<i64>,
        #[serde(default)]
        task_id: Option<i64>,
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
    /// Committed: `{"type":"ack","client_id",<key>: <value>}`.
    Ack {
        client_id: Option<String>,
        key: &'static str,
        value: Value,
    },
    Failed {
        client_id: Option<String>,
        error: AppError,
    },
}

struct Connection {
    svc: Services,
    user: User,
    /// The room or task of a compat socket: frames may leave out its id.
    default_place: Option<Place>,
    /// Subscribed rooms, with the highest message id sent on this socket.
    rooms: HashMap<i64, i64>,
    /// The `seq` of the last message sent per room, where known.
    room_seq: HashMap<i64, i64>,
    /// Subscribed boards (presence of their members).
    boards: std::collections::HashSet<i64>,
    /// Subscribed comment threads: their board, and the highest change `seq` sent.
    tasks: HashMap<i64, (i64, i64)>,
    /// The board of each subscribed room (to revoke them with the board).
    room_boards: HashMap<i64, i64>,
    /// Topics this socket lost access to, to unsubscribe from the hub.
    revoked: Vec<Topic>,
    /// Subscribed to the user's own topic (notifications).
    own_topic: bool,
    typing_sent: HashMap<Place, Instant>,
    last_heard: Instant,
    replies_tx: mpsc::Sender<Reply>,
    replies_rx: mpsc::Receiver<Reply>,
}

enum Flow {
    Continue,
    Close,
}

/// How a replay from the database ended.
enum Replay {
    /// All sent: the last id (or seq) sent, and how many.
    Done {
        last: i64,
        replayed: usize,
    },
    /// More than [`MAX_REPLAY`] behind: the client must reload instead.
    TooFar,
    /// The socket is gone.
    Closed,
    Failed(AppError),
}

impl Connection {
    fn new(svc: Services, user: User, default_place: Option<Place>) -> Self {
        let (replies_tx, replies_rx) = mpsc::channel(64);
        Self {
            svc,
            user,
            default_place,
            rooms: HashMap::new(),
            room_seq: HashMap::new(),
            boards: std::collections::HashSet::new(),
            tasks: HashMap::new(),
            room_boards: HashMap::new(),
            revoked: Vec::new(),
            own_topic: false,
            typing_sent: HashMap::new(),
            last_heard: Instant::now(),
            replies_tx,
            replies_rx,
        }
    }

    async fn run(
        mut self,
        mut socket: WebSocket,
        initial: Option<(Place, Option<i64>)>,
        mut stopping: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut sub = self.svc.hub.subscriber(self.svc.settings.connection_queue);
        if self.svc.presence.connect(self.user.id).await {
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
            if let Some((place, after)) = initial {
                open = self
                    .subscribe(&mut socket, &sub, place.topic(), after)
                    .await;
            }
        }
        let mut heartbeat = tokio::time::interval(HEARTBEAT_INTERVAL);
        heartbeat.tick().await;
        let mut resync = self.svc.hub.resync_signal();
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
                            for topic in self.revoked.drain(..) {
                                sub.unsubscribe(topic);
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
                _ = resync.changed() => {
                    open = self.catch_up(&mut socket).await;
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
        for &place in self.typing_sent.keys() {
            self.publish_typing(place, false).await;
        }
        if self.svc.presence.disconnect(self.user.id).await {
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
                        Topic::Room(room_id) => {
                            self.room_seq.remove(&room_id);
                            self.room_boards.remove(&room_id);
                            self.rooms.remove(&room_id).map(|_| ())
                        }
                        Topic::Board(board_id) => self.boards.remove(&board_id).then_some(()),
                        Topic::Task(task_id) => self.tasks.remove(&task_id).map(|_| ()),
                        Topic::User(_) => std::mem::take(&mut self.own_topic).then_some(()),
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
                // On a task-comments socket, a "message" is a comment.
                let place = match (room_id, self.default_place) {
                    (None, Some(Place::Task(task_id))) => Place::Task(task_id),
                    (given, default) => match given.or(default.and_then(Place::room)) {
                        Some(room_id) => Place::Room(room_id),
                        None => return self.missing("room_id", socket, client_id).await,
                    },
                };
                self.post(place, content, client_id).await;
                Flow::Continue
            }
            ClientFrame::Comment {
                task_id,
                content,
                client_id,
            } => match task_id.or(self.default_place.and_then(Place::task)) {
                Some(task_id) => {
                    self.post(Place::Task(task_id), content, client_id).await;
                    Flow::Continue
                }
                None => self.missing("task_id", socket, client_id).await,
            },
            ClientFrame::Typing {
                room_id,
                task_id,
                is_typing,
            } => {
                let place = match (room_id, task_id, self.default_place) {
                    (Some(room_id), None, _) => Place::Room(room_id),
                    (None, Some(task_id), _) => Place::Task(task_id),
                    (None, None, Some(place)) => place,
                    _ => return self.missing("room_id or task_id", socket, None).await,
                };
                let subscribed = match place {
                    Place::Room(id) => self.rooms.contains_key(&id),
                    Place::Task(id) => self.tasks.contains_key(&id),
                };
                if !subscribed {
                    return self
                        .error(socket, "not_subscribed", "subscribe to it first", None)
                        .await;
                }
                let now = Instant::now();
                let recently = self
                    .typing_sent
                    .get(&place)
                    .is_some_and(|at| now.duration_since(*at) < TYPING_MIN_INTERVAL);
                if is_typing && recently {
                    return Flow::Continue;
                }
                if is_typing {
                    self.typing_sent.insert(place, now);
                } else if self.typing_sent.remove(&place).is_none() {
                    return Flow::Continue;
                }
                self.publish_typing(place, is_typing).await;
                Flow::Continue
            }
            ClientFrame::Read {
                room_id,
                message_id,
            } => {
                let Some(room_id) = room_id.or(self.default_place.and_then(Place::room)) else {
                    return self.missing("room_id", socket, None).await;
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

    /// Posts a chat message or a comment in its own task (a busy database
    /// never stalls deliveries); the ack or error comes back as a [`Reply`].
    async fn post(&mut self, place: Place, content: String, client_id: Option<String>) {
        // Sending ends the sender's typing hint at once.
        if self.typing_sent.remove(&place).is_some() {
            self.publish_typing(place, false).await;
        }
        let (svc, user, replies) = (self.svc.clone(), self.user.clone(), self.replies_tx.clone());
        tokio::spawn(async move {
            let posted = match place {
                Place::Room(room_id) => chat::post_message(&svc, &user, room_id, &content)
                    .await
                    .map(|m| ("message", json!(m))),
                Place::Task(task_id) => comments::post(&svc, &user, task_id, &content)
                    .await
                    .map(|c| ("comment", json!(c))),
            };
            let reply = match posted {
                Ok((key, value)) => Reply::Ack {
                    client_id,
                    key,
                    value,
                },
                Err(error) => Reply::Failed { client_id, error },
            };
            let _ = replies.send(reply).await;
        });
    }

    async fn publish_typing(&self, place: Place, is_typing: bool) {
        self.svc
            .presence
            .set_typing(place.topic(), &self.user, is_typing)
            .await;
        let (room_id, task_id) = match place {
            Place::Room(id) => (Some(id), None),
            Place::Task(id) => (None, Some(id)),
        };
        self.svc.hub.publish(
            place.topic(),
            Event::Typing {
                room_id,
                task_id,
                user: self.user.clone(),
                is_typing,
            },
        );
    }

    async fn missing(&self, what: &str, socket: &mut WebSocket, client_id: Option<String>) -> Flow {
        let message = format!("missing {what}");
        self.error(socket, "bad_frame", &message, client_id).await
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
            Topic::Task(task_id) => return self.subscribe_task(socket, sub, task_id, after).await,
            Topic::User(user_id) => return self.subscribe_own(socket, sub, user_id).await,
        };
        match chat::member_room(&self.svc.pool, room_id, self.user.id).await {
            Ok(room) => self.room_boards.insert(room_id, room.board_id),
            Err(e) => return matches!(self.app_error(socket, e, None).await, Flow::Continue),
        };
        // Register first, replay second: nothing published in between is lost,
        // and the id check in `on_event` drops what the replay already sent.
        sub.subscribe(topic);
        // Too far behind (`resync`): live messages resume from the next commit on.
        let (last_sent, replayed, resync) = match after.filter(|a| *a >= 0) {
            None => (0, 0, false),
            Some(after) => match self.replay_room(socket, room_id, after).await {
                Replay::Done { last, replayed } => (last, replayed, false),
                Replay::TooFar => (0, MAX_REPLAY, true),
                Replay::Closed => return false,
                Replay::Failed(e) => {
                    return matches!(self.app_error(socket, e, None).await, Flow::Continue)
                }
            },
        };
        self.rooms.insert(room_id, last_sent);
        self.note_room_seq(room_id, after.is_some() && !resync, last_sent)
            .await;
        let online = presence::online_in_room(&self.svc, room_id)
            .await
            .unwrap_or_default();
        let typing = self.svc.presence.typing_now(topic).await;
        let mut frame = json!({
            "type": "subscribed",
            "topic": topic.to_string(),
            "replayed": replayed,
            "online": online,
            "typing": typing,
        });
        if resync {
            frame["type"] = json!("resync");
        }
        send(socket, &frame).await
    }

    /// Records where this socket stands in a room by number: the `seq` of
    /// message `last_id` when it has everything up to there (`replayed`), or
    /// else the room's last `seq` now (it follows the room from here on; the
    /// subscription is registered already, so later messages all count).
    async fn note_room_seq(&mut self, room_id: i64, replayed: bool, last_id: i64) {
        let pool = &self.svc.pool;
        let seq = match replayed {
            true => chat::seq_at(pool, room_id, last_id).await.ok(),
            false => chat::last_seq(pool, room_id).await.ok(),
        };
        match seq {
            Some(seq) => self.room_seq.insert(room_id, seq),
            None => self.room_seq.remove(&room_id),
        };
    }

    /// Sends every message of a room after id `after`, oldest first.
    async fn replay_room(&self, socket: &mut WebSocket, room_id: i64, after: i64) -> Replay {
        let (mut last, mut replayed) = (after, 0usize);
        loop {
            let cursor = Cursor {
                before: None,
                after: Some(last),
            };
            let page = match chat::messages_page(&self.svc.pool, room_id, cursor, 100).await {
                Ok(page) => page,
                Err(e) => return Replay::Failed(e),
            };
            for message in &page.messages {
                if !send(socket, &json!({"type": "message", "message": message})).await {
                    return Replay::Closed;
                }
                last = message.id;
                replayed += 1;
            }
            if !page.has_newer {
                return Replay::Done { last, replayed };
            }
            if replayed >= MAX_REPLAY {
                // Too far behind: the client reloads the newest page instead.
                return Replay::TooFar;
            }
        }
    }

    /// Sends every comment of a task changed after change `after`, in change order.
    async fn replay_task(&self, socket: &mut WebSocket, task_id: i64, after: i64) -> Replay {
        let (mut last, mut replayed) = (after, 0usize);
        loop {
            let (changes, more) =
                match comments::changes_since(&self.svc.pool, task_id, last, 100).await {
                    Ok(page) => page,
                    Err(e) => return Replay::Failed(e),
                };
            for comment in &changes {
                if !send(socket, &json!({"type": "comment", "comment": comment})).await {
                    return Replay::Closed;
                }
                last = comment.seq;
                replayed += 1;
            }
            if !more {
                return Replay::Done { last, replayed };
            }
            if replayed >= MAX_REPLAY {
                return Replay::TooFar;
            }
        }
    }

    /// Events may have been missed (the link between instances was down):
    /// replays every subscription from where this socket is.
    async fn catch_up(&mut self, socket: &mut WebSocket) -> bool {
        let rooms: Vec<(i64, i64)> = self.rooms.iter().map(|(r, l)| (*r, *l)).collect();
        for (room_id, last) in rooms.into_iter().filter(|(_, last)| *last > 0) {
            match self.replay_room(socket, room_id, last).await {
                Replay::Done { last, .. } => {
                    self.rooms.insert(room_id, last);
                    self.note_room_seq(room_id, true, last).await;
                }
                Replay::TooFar => {
                    self.rooms.insert(room_id, 0);
                    self.note_room_seq(room_id, false, 0).await;
                    let frame =
                        json!({"type": "resync", "topic": Topic::Room(room_id).to_string()});
                    if !send(socket, &frame).await {
                        return false;
                    }
                }
                Replay::Closed => return false,
                Replay::Failed(e) => tracing::warn!("catch-up of room {room_id}: {e}"),
            }
        }
        let tasks: Vec<(i64, i64, i64)> =
            self.tasks.iter().map(|(t, (b, l))| (*t, *b, *l)).collect();
        for (task_id, board_id, last) in tasks {
            match self.replay_task(socket, task_id, last).await {
                Replay::Done { last, .. } => {
                    self.tasks.insert(task_id, (board_id, last));
                }
                Replay::TooFar => {
                    let now = comments::current_seq(&self.svc.pool, task_id).await;
                    self.tasks.insert(task_id, (board_id, now.unwrap_or(0)));
                    let frame =
                        json!({"type": "resync", "topic": Topic::Task(task_id).to_string()});
                    if !send(socket, &frame).await {
                        return false;
                    }
                }
                Replay::Closed => return false,
                Replay::Failed(e) => tracing::warn!("catch-up of task {task_id}: {e}"),
            }
        }
        true
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

    /// A task's comment thread: replays every change after `after` (a change
    /// `seq`), then goes live. Board members only.
    async fn subscribe_task(
        &mut self,
        socket: &mut WebSocket,
        sub: &Subscriber,
        task_id: i64,
        after: Option<i64>,
    ) -> bool {
        let board_id = match comments::task_board(&self.svc.pool, task_id, self.user.id).await {
            Ok((board_id, _)) => board_id,
            Err(e) => return matches!(self.app_error(socket, e, None).await, Flow::Continue),
        };
        // Register first, replay second (as for rooms): `seq` drops repeats.
        sub.subscribe(Topic::Task(task_id));
        // Without `after`, the thread is followed from its current change on.
        let (last_sent, replayed, resync) = match after.filter(|a| *a >= 0) {
            None => (
                comments::current_seq(&self.svc.pool, task_id)
                    .await
                    .unwrap_or(0),
                0,
                false,
            ),
            Some(after) => match self.replay_task(socket, task_id, after).await {
                Replay::Done { last, replayed } => (last, replayed, false),
                Replay::TooFar => (
                    comments::current_seq(&self.svc.pool, task_id)
                        .await
                        .unwrap_or(0),
                    MAX_REPLAY,
                    true,
                ),
                Replay::Closed => return false,
                Replay::Failed(e) => {
                    return matches!(self.app_error(socket, e, None).await, Flow::Continue)
                }
            },
        };
        self.tasks.insert(task_id, (board_id, last_sent));
        let kind = if resync { "resync" } else { "subscribed" };
        let typing = self.svc.presence.typing_now(Topic::Task(task_id)).await;
        let frame = json!({"type": kind, "topic": Topic::Task(task_id).to_string(), "replayed": replayed, "seq": last_sent, "typing": typing});
        send(socket, &frame).await
    }

    /// The user's own topic: notifications and read pointers. Only your own.
    async fn subscribe_own(
        &mut self,
        socket: &mut WebSocket,
        sub: &Subscriber,
        user_id: i64,
    ) -> bool {
        if user_id != self.user.id {
            let e = AppError::forbidden("you can only subscribe to your own user topic");
            return matches!(self.app_error(socket, e, None).await, Flow::Continue);
        }
        sub.subscribe(Topic::User(user_id));
        self.own_topic = true;
        let unread = match notifications::unread_count(&self.svc.pool, user_id).await {
            Ok(n) => n,
            Err(e) => return matches!(self.app_error(socket, e, None).await, Flow::Continue),
        };
        let frame = json!({"type": "subscribed", "topic": Topic::User(user_id).to_string(), "replayed": 0, "unread": unread});
        send(socket, &frame).await
    }

    /// Whether to send a live message: not if this socket sent it already
    /// (replay) or is not in the room. Messages are numbered per room without
    /// gaps (`seq`): when one arrives before an earlier one (two instances
    /// relayed them in another order), the missing ones are sent first from
    /// the database, so the client sees every message once, in order.
    /// `None`: the socket is gone.
    async fn admit_message(
        &mut self,
        socket: &mut WebSocket,
        message: &app::model::Message,
    ) -> Option<bool> {
        let room_id = message.room_id;
        let Some(&last_id) = self.rooms.get(&room_id) else {
            return Some(false); // Not (or no longer) subscribed.
        };
        match self.room_seq.get(&room_id).copied() {
            Some(seen) if message.seq > 0 => {
                if message.seq <= seen {
                    return Some(false);
                }
                if message.seq > seen + 1 {
                    let missing =
                        chat::messages_between(&self.svc.pool, room_id, seen, message.seq).await;
                    match missing {
                        Ok(missing) => {
                            for m in &missing {
                                let frame = json!({"type": "message", "message": m}).to_string();
                                if socket.feed(WsMessage::Text(frame.into())).await.is_err() {
                                    return None;
                                }
                            }
                        }
                        Err(e) => tracing::warn!("filling a gap in room {room_id}: {e}"),
                    }
                }
                self.room_seq.insert(room_id, message.seq);
                self.rooms.insert(room_id, last_id.max(message.id));
                Some(true)
            }
            _ => {
                // Where this socket stands is not known by number: by id.
                if message.id <= last_id {
                    return Some(false);
                }
                self.rooms.insert(room_id, message.id);
                if message.seq > 0 {
                    self.room_seq.insert(room_id, message.seq);
                }
                Some(true)
            }
        }
    }

    /// Whether to send a live comment change. Changes are numbered per task
    /// without gaps: one that overtook an earlier one (relayed by another
    /// instance) makes this socket send every change since its last from the
    /// database first. `None`: the socket is gone.
    async fn admit_comment(
        &mut self,
        socket: &mut WebSocket,
        comment: &app::model::Comment,
    ) -> Option<bool> {
        let task_id = comment.task_id;
        let Some(&(_, last)) = self.tasks.get(&task_id) else {
            return Some(false); // Not (or no longer) subscribed.
        };
        let mut last = last;
        if comment.seq <= last {
            return Some(false); // Sent already (or a newer state of it was).
        }
        if comment.seq > last + 1 {
            match comments::changes_since(&self.svc.pool, task_id, last, 100).await {
                Ok((changes, _)) => {
                    for c in changes.iter().filter(|c| c.seq < comment.seq) {
                        let frame = json!({"type": "comment", "comment": c}).to_string();
                        if socket.feed(WsMessage::Text(frame.into())).await.is_err() {
                            return None;
                        }
                        last = last.max(c.seq);
                    }
                }
                Err(e) => tracing::warn!("filling a gap in task {task_id}: {e}"),
            }
        }
        let board_id = self.tasks.get(&task_id).map_or(0, |(b, _)| *b);
        self.tasks
            .insert(task_id, (board_id, last.max(comment.seq)));
        Some(true)
    }

    /// Stops following a room (or a whole board: its presence, rooms and
    /// threads) the user was just removed from. The hub subscriptions go in
    /// the loop, which holds the subscriber (see `revoked`).
    fn revoke(&mut self, board_id: i64, room_id: Option<i64>) {
        let rooms: Vec<i64> = match room_id {
            Some(room_id) => vec![room_id],
            None => self
                .room_boards
                .iter()
                .filter(|(_, b)| **b == board_id)
                .map(|(r, _)| *r)
                .collect(),
        };
        for room_id in rooms {
            self.rooms.remove(&room_id);
            self.room_seq.remove(&room_id);
            self.room_boards.remove(&room_id);
            self.typing_sent.remove(&Place::Room(room_id));
            self.revoked.push(Topic::Room(room_id));
        }
        if room_id.is_none() {
            if self.boards.remove(&board_id) {
                self.revoked.push(Topic::Board(board_id));
            }
            let tasks: Vec<i64> = self
                .tasks
                .iter()
                .filter(|(_, (b, _))| *b == board_id)
                .map(|(t, _)| *t)
                .collect();
            for task_id in tasks {
                self.tasks.remove(&task_id);
                self.typing_sent.remove(&Place::Task(task_id));
                self.revoked.push(Topic::Task(task_id));
            }
        }
    }

    async fn on_event(&mut self, socket: &mut WebSocket, delivery: &Arc<Delivery>) -> bool {
        let relevant = match &delivery.event {
            Event::Message { message } => match self.admit_message(socket, message).await {
                Some(send) => send,
                None => return false,
            },
            Event::Comment { comment } => match self.admit_comment(socket, comment).await {
                Some(send) => send,
                None => return false,
            },
            Event::Typing {
                room_id,
                task_id,
                user,
                ..
            } => {
                user.id != self.user.id
                    && (room_id.is_some_and(|id| self.rooms.contains_key(&id))
                        || task_id.is_some_and(|id| self.tasks.contains_key(&id)))
            }
            Event::Presence { room_id, .. } => self.rooms.contains_key(room_id),
            Event::RoomChanged { room, .. } => self.rooms.contains_key(&room.id),
            Event::BoardPresence { board_id, .. } => self.boards.contains(board_id),
            Event::Notification { .. }
            | Event::NotificationsUpdated { .. }
            | Event::RoomRead { .. } => self.own_topic,
            Event::AccessChanged {
                board_id,
                room_id,
                member,
            } => {
                if !member {
                    self.revoke(*board_id, *room_id);
                }
                self.own_topic
            }
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
            Reply::Ack {
                client_id,
                key,
                value,
            } => {
                let mut frame = json!({"type": "ack", "client_id": client_id});
                frame[key] = value;
                send(socket, &frame).await
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
