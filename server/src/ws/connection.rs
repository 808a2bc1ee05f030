//! One WebSocket connection: a loop that owns the socket. It reads client
//! frames, writes the hub's events (each follower gets each item once, in
//! order — see `services::stream`), sends the answers to what the client
//! posted, heartbeats, and closes when the session ends, access to a bound
//! room goes, or the server stops.
//!
//! The connection is known to the hub under its user whatever it
//! subscribed to (it always listens on the user's topic), so removal from a
//! room or board, and logout, reach it on every path.

use std::collections::HashMap;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use futures_util::SinkExt;
use tokio::sync::mpsc;

use app::error::AppError;
use app::protocol::BoardChange;
use app::protocol::{
    Ack, ClientFrame, ErrorCode, ServerFrame, TopicName, MAX_FRAME_BYTES, PROTOCOL_VERSION,
};
use app::services::auth::Session;
use app::services::hub::{Delivery, Event, Subscriber, Topic};
use app::services::posts::Post as PostKind;
use app::services::reactions::{self, Reacted};
use app::services::replies::ReplyTo;
use app::services::stream::{self, CatchUp, Resume, Stream};
use app::services::{chat, chat_edits, comments, presence, tasks, Services};

use super::follows::Follows;
use super::{
    close_code, HEARTBEAT_INTERVAL, IDLE_TIMEOUT, MAX_REFUSED_FRAMES, TYPING_MIN_INTERVAL,
    WRITE_DEADLINE,
};

pub struct Connection {
    svc: Services,
    session: Session,
    /// The stream of a bound (compat) socket: frames may leave out its id,
    /// and it closes when that stream is no longer the user's.
    bound: Option<Stream>,
    follows: Follows,
    /// When this connection last forwarded "typing" for a place.
    typing_sent: HashMap<Stream, Instant>,
    /// The card this connection said it is moving (board, task), to put it
    /// down when the connection ends.
    moving: Option<(i64, i64)>,
    last_heard: Instant,
    poster: Poster,
    /// The poster's answers (acks, errors), once it has started.
    answers: Option<mpsc::Receiver<ServerFrame>>,
    /// Frames refused in a row for the frame budget.
    refused_frames: u32,
}

/// Whether the loop goes on.
enum Flow {
    Continue,
    /// Closed (or to be closed) — stop.
    Close,
}

fn flow(open: bool) -> Flow {
    if open {
        Flow::Continue
    } else {
        Flow::Close
    }
}

impl Connection {
    pub fn new(svc: Services, session: Session, bound: Option<Stream>) -> Self {
        let poster = Poster::new(svc.clone(), session.user.clone());
        Self {
            svc,
            session,
            bound,
            follows: Follows::default(),
            typing_sent: HashMap::new(),
            moving: None,
            last_heard: Instant::now(),
            poster,
            answers: None,
            refused_frames: 0,
        }
    }

    fn me(&self) -> i64 {
        self.session.user.id
    }

    pub async fn run(
        mut self,
        mut socket: WebSocket,
        bound_after: Option<Resume>,
        mut stopping: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut sub = self.svc.hub.subscriber(self.svc.settings.connection_queue);
        // Always on the user's topic: access changes and logout reach every
        // connection, whatever it subscribed to.
        sub.subscribe(Topic::User(self.me()));
        if self.svc.presence.connect(self.me()).await {
            let _ = presence::announce(&self.svc, self.me(), true).await;
        }
        tracing::debug!(user = %self.session.user.username, "websocket open");
        let hello = ServerFrame::Hello {
            protocol: PROTOCOL_VERSION,
            user: self.session.user.clone(),
            heartbeat_ms: HEARTBEAT_INTERVAL.as_millis() as u64,
            max_frame_bytes: MAX_FRAME_BYTES,
        };
        let mut open = send(&mut socket, &hello).await;
        if let (true, Some(stream)) = (open, self.bound) {
            open = matches!(
                self.subscribe(&mut socket, &sub, stream.topic().into(), bound_after)
                    .await,
                Flow::Continue
            );
        }
        let mut heartbeat = tokio::time::interval(HEARTBEAT_INTERVAL);
        heartbeat.tick().await;
        let mut resync = self.svc.hub.resync_signal();
        let expiry = session_deadline(self.session.expires_at);
        tokio::pin!(expiry);
        // Fairness: after this many event batches in a row, the other
        // branches (the client's frames, timers) get their turn first.
        let mut streak = 0u32;
        while open {
            // Biased: answers, then events, then the client's frames, then
            // the rest. A delivery is the hot path, and polling two futures
            // (not all seven) is what it costs then.
            if streak >= 16 {
                // The others' turn: the client's frames, answers, a restart, a resync.
                streak = 0;
                if let Some(Some(incoming)) = futures_util::FutureExt::now_or_never(socket.recv()) {
                    self.last_heard = Instant::now();
                    open = match incoming {
                        Ok(frame) => matches!(
                            self.on_frame(&mut socket, &sub, frame).await,
                            Flow::Continue
                        ),
                        Err(_) => false,
                    };
                    continue;
                }
                if let Some(Ok(answer)) = self.answers.as_mut().map(|a| a.try_recv()) {
                    open = send(&mut socket, &answer).await;
                    continue;
                }
                if stopping.has_changed().unwrap_or(true) {
                    close(
                        &mut socket,
                        close_code::RESTART,
                        "server restarting: reconnect and resume",
                    )
                    .await;
                    break;
                }
                if resync.has_changed().unwrap_or(false) {
                    resync.borrow_and_update();
                    open = self.catch_up(&mut socket).await;
                    continue;
                }
            }
            tokio::select! {
                biased;
                // Answers first: they are few, and a sender whose acks wait
                // would stop reading (its poster backs up into this loop).
                Some(answer) = next_answer(&mut self.answers) => {
                    open = send(&mut socket, &answer).await;
                }
                event = sub.recv() => {
                    streak += 1;
                    open = match event {
                        Some((_, event)) => {
                            // Write what is already waiting too, then flush once:
                            // under load a busy socket costs one syscall per batch.
                            let mut open = self.on_event(&mut socket, &sub, &event).await;
                            let mut batch = 0;
                            while matches!(open, Flow::Continue) && batch < 64 {
                                let Some((_, more)) = sub.try_recv() else { break };
                                open = self.on_event(&mut socket, &sub, &more).await;
                                batch += 1;
                            }
                            matches!(open, Flow::Continue) && flush(&mut socket).await
                        }
                        None => {
                            // Overflowed: too slow for the messages it must not miss.
                            tracing::info!(user = %self.session.user.username, "closing a slow websocket");
                            close(&mut socket, close_code::SLOW, "too slow: reconnect and resume").await;
                            false
                        }
                    };
                }
                incoming = socket.recv() => {
                    streak = 0;
                    self.last_heard = Instant::now();
                    open = match incoming {
                        Some(Ok(frame)) => matches!(self.on_frame(&mut socket, &sub, frame).await, Flow::Continue),
                        _ => false,
                    };
                }
                _ = resync.changed() => {
                    open = self.catch_up(&mut socket).await;
                }
                _ = &mut expiry => {
                    close(&mut socket, close_code::SESSION_ENDED, "session expired: log in again").await;
                    open = false;
                }
                _ = stopping.changed() => {
                    close(&mut socket, close_code::RESTART, "server restarting: reconnect and resume").await;
                    open = false;
                }
                _ = heartbeat.tick() => {
                    if self.last_heard.elapsed() > IDLE_TIMEOUT {
                        close(&mut socket, close_code::IDLE, "no heartbeat").await;
                        open = false;
                    } else {
                        open = write(socket.send(WsMessage::Ping(Vec::new().into()))).await;
                    }
                }
            }
        }
        drop(sub);
        self.finish().await;
    }

    /// Cleanup: stop showing this user as typing, and maybe as online.
    async fn finish(self) {
        for &stream in self.typing_sent.keys() {
            self.publish_typing(stream, false, None).await;
        }
        if let Some((board_id, task_id)) = self.moving {
            self.publish_moving(board_id, task_id, false);
        }
        if self.svc.presence.disconnect(self.me()).await {
            let _ = presence::announce(&self.svc, self.me(), false).await;
        }
        tracing::debug!(user = %self.session.user.username, "websocket closed");
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
                return refuse(
                    socket,
                    ErrorCode::BadFrame,
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
            return refuse(socket, ErrorCode::TooLarge, msg, None).await;
        }
        // Every frame costs one unit of the user's frame budget (over all
        // their connections): cheap frames cannot amplify into database work.
        if let Err(wait) = self.svc.frame_limiter.check(self.me()).await {
            self.refused_frames += 1;
            if self.refused_frames > MAX_REFUSED_FRAMES {
                close(socket, close_code::POLICY, "too many frames").await;
                return Flow::Close;
            }
            let client_id = serde_json::from_str::<ClientFrame>(text.as_str())
                .ok()
                .and_then(|f| f.client_id().map(str::to_string));
            let error = AppError::RateLimited(wait.as_millis().max(1) as u64);
            return fail(socket, &error, client_id).await;
        }
        self.refused_frames = 0;
        let frame: ClientFrame = match serde_json::from_str(text.as_str()) {
            Ok(f) => f,
            Err(e) => {
                let msg = format!("cannot read this frame: {e}");
                return refuse(socket, ErrorCode::BadFrame, msg, None).await;
            }
        };
        match frame {
            ClientFrame::Ping => flow(send(socket, &ServerFrame::Pong).await),
            ClientFrame::Subscribe {
                topic,
                after,
                after_seq,
            } => match Resume::from_parts(after, after_seq) {
                Ok(resume) => self.subscribe(socket, sub, topic, resume).await,
                Err(e) => fail(socket, &e, None).await,
            },
            ClientFrame::Unsubscribe { topic } => match topic.parse() {
                Ok(topic) => {
                    self.follows.remove(topic);
                    // The user's own topic stays registered: it carries
                    // access changes and logout for the connection itself.
                    if topic != Topic::User(self.me()) {
                        sub.unsubscribe(topic);
                    }
                    flow(send(socket, &ServerFrame::Unsubscribed { topic }).await)
                }
                Err(e) => refuse(socket, ErrorCode::BadTopic, e.to_string(), None).await,
            },
            ClientFrame::Message {
                room_id,
                content,
                client_id,
                thread_root_id,
                also_to_room,
            } => {
                // On a task-comments socket, a "message" is a comment.
                let stream = match (room_id, self.bound) {
                    (None, Some(Stream::Thread(task))) => Stream::Thread(task),
                    (Some(room), _) | (None, Some(Stream::Room(room))) => Stream::Room(room),
                    (None, None | Some(Stream::Board(_))) => {
                        return missing(socket, "room_id", client_id).await
                    }
                };
                let reply_to = match ReplyTo::from_fields(thread_root_id, also_to_room) {
                    Ok(Some(_)) if !matches!(stream, Stream::Room(_)) => Err(AppError::invalid(
                        "comments take no thread_root_id: replies answer room messages",
                    )),
                    other => other,
                };
                match reply_to {
                    Ok(reply_to) => self.post(stream, content, client_id, reply_to).await,
                    Err(e) => answer_post(socket, Err(e), client_id).await,
                }
            }
            ClientFrame::Comment {
                task_id,
                content,
                client_id,
            } => match task_id.or(match self.bound {
                Some(Stream::Thread(task)) => Some(task),
                _ => None,
            }) {
                Some(task) => {
                    self.post(Stream::Thread(task), content, client_id, None)
                        .await
                }
                None => missing(socket, "task_id", client_id).await,
            },
            ClientFrame::Edit {
                message_id,
                comment_id,
                content,
                version,
                client_id,
            } => {
                let Some(target) = post_target(message_id, comment_id) else {
                    return missing(socket, "message_id or comment_id", client_id).await;
                };
                let user = self.session.user.clone();
                let answer = match target {
                    (PostKind::Message, id) => {
                        chat_edits::edit_message(&self.svc, &user, id, &content, version)
                            .await
                            .map(Reacted::Message)
                    }
                    (PostKind::Comment, id) => {
                        comments::edit(&self.svc, &user, id, &content, version)
                            .await
                            .map(Reacted::Comment)
                    }
                };
                answer_post(socket, answer, client_id).await
            }
            ClientFrame::Delete {
                message_id,
                comment_id,
                client_id,
            } => {
                let Some(target) = post_target(message_id, comment_id) else {
                    return missing(socket, "message_id or comment_id", client_id).await;
                };
                let user = self.session.user.clone();
                let answer = match target {
                    (PostKind::Message, id) => chat_edits::delete_message(&self.svc, &user, id)
                        .await
                        .map(Reacted::Message),
                    (PostKind::Comment, id) => comments::delete(&self.svc, &user, id)
                        .await
                        .map(Reacted::Comment),
                };
                answer_post(socket, answer, client_id).await
            }
            ClientFrame::React {
                message_id,
                comment_id,
                emoji,
                add,
                client_id,
            } => {
                let Some((kind, id)) = post_target(message_id, comment_id) else {
                    return missing(socket, "message_id or comment_id", client_id).await;
                };
                let user = self.session.user.clone();
                let answer = reactions::react(&self.svc, &user, kind, id, &emoji, add).await;
                answer_post(socket, answer, client_id).await
            }
            ClientFrame::Typing {
                room_id,
                task_id,
                thread_root_id,
                is_typing,
            } => {
                let stream = match (room_id, task_id, self.bound) {
                    (Some(room), None, _) => Stream::Room(room),
                    (None, Some(task), _) => Stream::Thread(task),
                    (None, None, Some(bound)) => bound,
                    _ => return missing(socket, "room_id or task_id", None).await,
                };
                self.typing(socket, stream, is_typing, thread_root_id).await
            }
            ClientFrame::Moving { task_id, moving } => self.moving(socket, task_id, moving).await,
            ClientFrame::Read {
                room_id,
                message_id,
            } => {
                let room = room_id.or(match self.bound {
                    Some(Stream::Room(room)) => Some(room),
                    _ => None,
                });
                let Some(room_id) = room else {
                    return missing(socket, "room_id", None).await;
                };
                match chat::mark_read(&self.svc, &self.session.user, room_id, message_id).await {
                    Ok(last_read_id) => flow(
                        send(
                            socket,
                            &ServerFrame::Read {
                                room_id,
                                last_read_id,
                            },
                        )
                        .await,
                    ),
                    Err(e) => fail(socket, &e, None).await,
                }
            }
        }
    }

    /// Hands a message or comment to this connection's poster (which keeps
    /// the order they came in); its answer comes back on `answers`.
    async fn post(
        &mut self,
        stream: Stream,
        content: String,
        client_id: Option<String>,
        reply_to: Option<ReplyTo>,
    ) -> Flow {
        // Sending ends the sender's typing hint at once.
        if self.typing_sent.remove(&stream).is_some() {
            self.publish_typing(stream, false, None).await;
        }
        let started = self
            .poster
            .post(Post {
                stream,
                content,
                client_id,
                reply_to,
            })
            .await;
        if started.is_some() {
            self.answers = started;
        }
        Flow::Continue
    }

    async fn typing(
        &mut self,
        socket: &mut WebSocket,
        stream: Stream,
        is_typing: bool,
        root: Option<i64>,
    ) -> Flow {
        if !self.follows.contains(stream.topic()) {
            return refuse(
                socket,
                ErrorCode::NotSubscribed,
                "subscribe to it first",
                None,
            )
            .await;
        }
        let now = Instant::now();
        let recently = self
            .typing_sent
            .get(&stream)
            .is_some_and(|at| now.duration_since(*at) < TYPING_MIN_INTERVAL);
        if is_typing && recently {
            return Flow::Continue;
        }
        // A public room is followed by readers who have not joined it:
        // only its members type (and post) there.
        if let (true, Stream::Room(room)) = (is_typing, stream) {
            if let Err(e) = chat::require_member(&self.svc, &self.session.user, room).await {
                return refuse(socket, ErrorCode::from(&e), e.client_message(), None).await;
            }
        }
        if is_typing {
            self.typing_sent.insert(stream, now);
        } else if self.typing_sent.remove(&stream).is_none() {
            return Flow::Continue;
        }
        self.publish_typing(stream, is_typing, root).await;
        Flow::Continue
    }

    /// Tells a room or thread someone types (in a reply pane: `root`).
    async fn publish_typing(&self, stream: Stream, is_typing: bool, root: Option<i64>) {
        let topic = stream.topic();
        self.svc
            .presence
            .set_typing(topic, &self.session.user, is_typing)
            .await;
        let (room_id, task_id) = match stream {
            Stream::Room(id) => (Some(id), None),
            Stream::Thread(id) => (None, Some(id)),
            Stream::Board(_) => return,
        };
        self.svc.hub.publish(
            topic,
            Event::Typing {
                room_id,
                task_id,
                thread_root_id: root.filter(|_| room_id.is_some()),
                user: self.session.user.clone(),
                is_typing,
            },
        );
    }

    /// "I picked up / put down this card": told to the card's board (whose
    /// topic this connection must follow), at most one card at a time.
    async fn moving(&mut self, socket: &mut WebSocket, task_id: i64, moving: bool) -> Flow {
        let task = match tasks::visible_task(&self.svc, &self.session.user, task_id).await {
            Ok(task) => task,
            Err(e) => return fail(socket, &e, None).await,
        };
        if !self.follows.contains(Topic::Board(task.board_id)) {
            return refuse(
                socket,
                ErrorCode::NotSubscribed,
                "subscribe to the board first",
                None,
            )
            .await;
        }
        if moving {
            if let Some((board_id, other)) = self.moving.filter(|(_, t)| *t != task_id) {
                self.publish_moving(board_id, other, false);
            }
            self.moving = Some((task.board_id, task_id));
        } else if self.moving.take().is_none() {
            return Flow::Continue;
        }
        self.publish_moving(task.board_id, task_id, moving);
        Flow::Continue
    }

    fn publish_moving(&self, board_id: i64, task_id: i64, moving: bool) {
        self.svc.hub.publish(
            Topic::Board(board_id),
            Event::Moving {
                board_id,
                task_id,
                user: self.session.user.clone(),
                moving,
            },
        );
    }

    /// Subscribes to a topic: the access check, then registration with the
    /// hub, then the replay of what was missed (with `after`) and the
    /// `subscribed` frame (see `services::stream::start`).
    async fn subscribe(
        &mut self,
        socket: &mut WebSocket,
        sub: &Subscriber,
        name: TopicName,
        after: Option<Resume>,
    ) -> Flow {
        let topic = match name.parse() {
            Ok(topic) => topic,
            Err(e) => return refuse(socket, ErrorCode::BadTopic, e.to_string(), None).await,
        };
        let board = match stream::authorize(&self.svc, &self.session.user, topic).await {
            Ok(board) => board,
            Err(e) => return fail(socket, &e, None).await,
        };
        sub.subscribe(topic);
        match stream::start(&self.svc, topic, board, after).await {
            Ok(started) => {
                for event in &started.replay {
                    if !send_text(socket, event.to_frame_for(self.me())).await {
                        return Flow::Close;
                    }
                }
                self.follows.insert(topic, started.follow);
                flow(send(socket, &started.frame).await)
            }
            Err(e) => {
                if topic != Topic::User(self.me()) {
                    sub.unsubscribe(topic);
                }
                fail(socket, &e, None).await
            }
        }
    }

    /// Events may have been missed (the link between instances was down):
    /// every followed stream replays from where this socket is.
    async fn catch_up(&mut self, socket: &mut WebSocket) -> bool {
        let svc = self.svc.clone();
        let me = self.me();
        for follow in self.follows.streams() {
            match follow.catch_up(&svc).await {
                Ok(CatchUp::Missed(events)) => {
                    for event in events {
                        if !send_text(socket, event.to_frame_for(me)).await {
                            return false;
                        }
                    }
                }
                Ok(CatchUp::Resync(frame)) => {
                    if !send(socket, &frame).await {
                        return false;
                    }
                }
                Err(e) => tracing::warn!("catching up {follow:?}: {e}"),
            }
        }
        true
    }

    /// One event from the hub: queued on the socket (flushed by the caller)
    /// if this client should have it.
    async fn on_event(
        &mut self,
        socket: &mut WebSocket,
        sub: &Subscriber,
        delivery: &Delivery,
    ) -> Flow {
        let event = &delivery.event;
        match event {
            // An item of a numbered stream (a message, a comment change, a
            // reaction, a board change).
            _ if event.numbered().is_some() => {
                let Some(follow) = self.follows.of_item(event) else {
                    return Flow::Continue;
                };
                match follow.admit(&self.svc, event).await {
                    Ok(Some(missing)) => {
                        for earlier in missing {
                            if !feed_text(socket, earlier.to_frame_for(self.me())).await {
                                return Flow::Close;
                            }
                        }
                    }
                    Ok(None) => return Flow::Continue,
                    // Sent anyway: the client drops what it has, and the gap
                    // is filled by the next item or a catch-up.
                    Err(e) => tracing::warn!("filling a gap: {e}"),
                }
                if let Some(board_id) = self.loses_board(event) {
                    // The change that ends this user's access is the last
                    // of the board they get: nothing numbered after it.
                    if !write(socket.feed(WsMessage::Text(delivery.text_for(self.me()).clone())))
                        .await
                    {
                        return Flow::Close;
                    }
                    return self.revoke(socket, sub, Some(board_id), None).await;
                }
            }
            Event::SessionEnded { session } => {
                if *session == self.session.reference {
                    close(socket, close_code::SESSION_ENDED, "logged out").await;
                    return Flow::Close;
                }
                return Flow::Continue;
            }
            Event::AccessChanged {
                board_id,
                room_id,
                member: false,
            } => {
                if let Flow::Close = self.revoke(socket, sub, *board_id, *room_id).await {
                    return Flow::Close;
                }
                if !self.follows.wants(event, self.me()) {
                    return Flow::Continue;
                }
            }
            _ if !self.follows.wants(event, self.me()) => return Flow::Continue,
            _ => {}
        }
        // Serialised once for every connection that sends it; shared bytes.
        flow(write(socket.feed(WsMessage::Text(delivery.text_for(self.me()).clone()))).await)
    }
}

impl Connection {
    /// Access to a board (or one of its rooms) ended: stop following all it
    /// covered; a bound socket whose stream that was closes (4403).
    async fn revoke(
        &mut self,
        socket: &mut WebSocket,
        sub: &Subscriber,
        board_id: Option<i64>,
        room_id: Option<i64>,
    ) -> Flow {
        for topic in self.follows.revoke(board_id, room_id) {
            sub.unsubscribe(topic);
            self.typing_sent.retain(|s, _| s.topic() != topic);
            if self.bound.is_some_and(|b| b.topic() == topic) {
                close(socket, close_code::ACCESS_ENDED, "no longer a member").await;
                return Flow::Close;
            }
        }
        Flow::Continue
    }

    /// The board whose change `event` ends this user's access to it (they
    /// were removed, or it was deleted).
    fn loses_board(&self, event: &Event) -> Option<i64> {
        match event {
            Event::BoardEvent {
                board_id,
                change: BoardChange::MemberRemoved { user_id, .. },
                ..
            } if *user_id == self.me() => Some(*board_id),
            Event::BoardEvent {
                board_id,
                change: BoardChange::BoardDeleted,
                ..
            } => Some(*board_id),
            _ => None,
        }
    }
}

/// A connection's message or comment, in the order it came.
struct Post {
    stream: Stream,
    content: String,
    client_id: Option<String>,
    /// A reply (room messages only).
    reply_to: Option<ReplyTo>,
}

/// Posts one connection's messages and comments one after the other, in
/// the order the client sent them, and answers them in that order: a fast
/// typist's burst (or an outbox flushing after a reconnect) is committed,
/// numbered and delivered as it was typed. Messages are queued for the group
/// commit without waiting for the commit, so a burst still goes in one batch.
struct Poster {
    svc: Services,
    user: app::model::User,
    /// Started with the first post: an idle connection costs no tasks and
    /// no channels.
    posts: Option<mpsc::Sender<Post>>,
}

/// A post on its way: queued for the message writer, or done.
enum Underway {
    Message(chat::Ticket),
    /// (Boxed: an answer is much larger than a ticket.)
    Done(Box<Result<ServerFrame, AppError>>),
}

impl Poster {
    fn new(svc: Services, user: app::model::User) -> Self {
        Self {
            svc,
            user,
            posts: None,
        }
    }

    /// The two tasks that post and answer, in order.
    fn start(
        svc: Services,
        user: app::model::User,
        answers: mpsc::Sender<ServerFrame>,
    ) -> mpsc::Sender<Post> {
        let (posts, mut incoming) = mpsc::channel::<Post>(64);
        let (underway_tx, mut underway) = mpsc::channel::<(Option<String>, Underway)>(256);
        // In order: check and queue (messages), or post (comments).
        tokio::spawn(async move {
            while let Some(post) = incoming.recv().await {
                let client_id = post.client_id.as_deref();
                let step = match post.stream {
                    Stream::Room(room) => {
                        match chat::submit_message(
                            &svc,
                            &user,
                            room,
                            &post.content,
                            client_id,
                            post.reply_to,
                        )
                        .await
                        {
                            Ok(ticket) => Underway::Message(ticket),
                            Err(e) => Underway::Done(Box::new(Err(e))),
                        }
                    }
                    Stream::Board(_) => Underway::Done(Box::new(Err(AppError::invalid(
                        "a board takes no messages: post in one of its rooms",
                    )))),
                    Stream::Thread(task) => Underway::Done(Box::new(
                        comments::post(&svc, &user, task, &post.content, client_id)
                            .await
                            .map(|comment| {
                                ServerFrame::Ack(Ack {
                                    client_id: post.client_id.clone(),
                                    message: None,
                                    comment: Some(comment),
                                    not_notified: None,
                                })
                            }),
                    )),
                };
                if underway_tx.send((post.client_id, step)).await.is_err() {
                    break;
                }
            }
        });
        // In the same order: wait for each commit, answer.
        tokio::spawn(async move {
            while let Some((client_id, step)) = underway.recv().await {
                let result = match step {
                    Underway::Message(ticket) => ticket.committed().await.map(|sent| {
                        ServerFrame::Ack(Ack {
                            client_id: client_id.clone(),
                            message: Some(sent.message),
                            comment: None,
                            not_notified: Some(sent.not_notified),
                        })
                    }),
                    Underway::Done(result) => *result,
                };
                let answer = result.unwrap_or_else(|e| ServerFrame::failure(&e, client_id));
                if answers.send(answer).await.is_err() {
                    break;
                }
            }
        });
        posts
    }

    /// Queues a post; the first one starts the poster, and hands back the
    /// receiver of its answers.
    async fn post(&mut self, post: Post) -> Option<mpsc::Receiver<ServerFrame>> {
        let mut started = None;
        let posts = self.posts.get_or_insert_with(|| {
            let (answers, receiver) = mpsc::channel(64);
            started = Some(receiver);
            Self::start(self.svc.clone(), self.user.clone(), answers)
        });
        // Waits when 64 are queued already: the client's frames wait too.
        let _ = posts.send(post).await;
        started
    }
}

/// The next answer of the poster (never, before it has started).
async fn next_answer(answers: &mut Option<mpsc::Receiver<ServerFrame>>) -> Option<ServerFrame> {
    match answers {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

/// Resolves when the session expires.
async fn session_deadline(expires_at: i64) {
    let now = app::services::storage::now_ms();
    let left = std::time::Duration::from_millis(expires_at.saturating_sub(now).max(0) as u64);
    tokio::time::sleep(left).await;
}

/// Which post an `edit`, `delete` or `react` frame names: exactly one of
/// `message_id` and `comment_id`.
fn post_target(message_id: Option<i64>, comment_id: Option<i64>) -> Option<(PostKind, i64)> {
    match (message_id, comment_id) {
        (Some(id), None) => Some((PostKind::Message, id)),
        (None, Some(id)) => Some((PostKind::Comment, id)),
        _ => None,
    }
}

/// Answers an `edit`, `delete` or `react` frame: an ack with the post as
/// it is now, or the error.
async fn answer_post(
    socket: &mut WebSocket,
    answer: Result<Reacted, AppError>,
    client_id: Option<String>,
) -> Flow {
    match answer {
        Ok(post) => {
            let (message, comment) = match post {
                Reacted::Message(m) => (Some(m), None),
                Reacted::Comment(c) => (None, Some(c)),
            };
            let ack = ServerFrame::Ack(app::protocol::Ack {
                client_id,
                message,
                comment,
                not_notified: None,
            });
            flow(send(socket, &ack).await)
        }
        Err(e) => fail(socket, &e, client_id).await,
    }
}

async fn missing(socket: &mut WebSocket, what: &str, client_id: Option<String>) -> Flow {
    refuse(
        socket,
        ErrorCode::BadFrame,
        format!("missing {what}"),
        client_id,
    )
    .await
}

async fn refuse(
    socket: &mut WebSocket,
    code: ErrorCode,
    message: impl Into<String>,
    client_id: Option<String>,
) -> Flow {
    flow(send(socket, &ServerFrame::refusal(code, message, client_id)).await)
}

async fn fail(socket: &mut WebSocket, error: &AppError, client_id: Option<String>) -> Flow {
    flow(send(socket, &ServerFrame::failure(error, client_id)).await)
}

/// Sends one frame; `false` if the socket is gone.
async fn send(socket: &mut WebSocket, frame: &ServerFrame) -> bool {
    send_text(socket, frame.to_json()).await
}

async fn send_text(socket: &mut WebSocket, text: String) -> bool {
    write(socket.send(WsMessage::Text(text.into()))).await
}

/// A socket write, within [`WRITE_DEADLINE`]: `false` if it failed or a
/// client that stopped reading kept it waiting (the connection then ends).
async fn write(op: impl std::future::Future<Output = Result<(), axum::Error>>) -> bool {
    match tokio::time::timeout(WRITE_DEADLINE, op).await {
        Ok(result) => result.is_ok(),
        Err(_) => {
            tracing::info!("closing a websocket whose client stopped reading");
            false
        }
    }
}

async fn flush(socket: &mut WebSocket) -> bool {
    write(socket.flush()).await
}

/// Queues a frame without flushing (the caller flushes after a batch).
async fn feed_text(socket: &mut WebSocket, text: String) -> bool {
    write(socket.feed(WsMessage::Text(text.into()))).await
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let _ = write(socket.send(WsMessage::Close(Some(CloseFrame {
        code,
        reason: reason.to_string().into(),
    }))))
    .await;
}
