//! Following a topic, written once for every kind of topic and for both the
//! WebSocket and the HTTP long poll: who may follow it, the replay after a
//! cursor, filling gaps, the snapshot a follower starts from, catching up
//! after a lost link, and the long-poll wait.
//!
//! Rooms, task threads and boards are all *numbered streams* ([`Stream`]):
//! every message, every comment change (new, edited, deleted) and every
//! board change takes its stream's next number (`seq`) in the writing
//! transaction, without gaps. A
//! follower keeps the last number it got ([`Follow::Stream`]). An item that
//! arrives ahead of the next number (another instance relayed it before an
//! earlier one) makes the follower fetch the missing ones first; one it has
//! already is skipped. So every follower gets every item once, in order,
//! whatever the path — replay, live, catch-up.

use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::watch;

use super::auth::Session;
use super::hub::{Event, Topic};
use super::{board_events, boards, chat, comments, notifications, presence, Services};
use crate::error::{AppError, AppResult};
use crate::model::User;
use crate::protocol::{ServerFrame, Snapshot};

/// A resume replays at most this many items; further behind, the follower
/// is told to reload instead (`resync`).
pub const MAX_REPLAY: usize = 1000;
/// Items fetched per query while replaying or filling.
const PAGE: i64 = 100;

pub use super::numbered::Stream;

/// Where a follower resumes: after the topic's documented cursor (`after`:
/// a message id for rooms, a change number for threads and boards), or
/// after a change number (`after_seq`, the same for every stream: rooms
/// resume by their `seq` like threads and boards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    After(i64),
    AfterSeq(i64),
}

impl Resume {
    /// From a request's `after` and `after_seq` (at most one of the two).
    pub fn from_parts(after: Option<i64>, after_seq: Option<i64>) -> AppResult<Option<Self>> {
        match (after, after_seq) {
            (Some(_), Some(_)) => Err(AppError::invalid("give `after` or `after_seq`, not both")),
            (Some(after), None) => Ok(Some(Self::After(after))),
            (None, Some(seq)) => Ok(Some(Self::AfterSeq(seq))),
            (None, None) => Ok(None),
        }
    }

    fn value(self) -> i64 {
        match self {
            Self::After(n) | Self::AfterSeq(n) => n,
        }
    }
}

/// How long a long poll waits for something new: what the client asked
/// (seconds), 25 by default, at most 30. The one wait of every long poll.
pub fn poll_wait(asked_secs: Option<u64>) -> Duration {
    Duration::from_secs(asked_secs.unwrap_or(25).min(30))
}

/// Reading a numbered stream (writing one is `services::numbered`).
impl Stream {
    /// Its items numbered after `seq`, in order, at most `limit`, and
    /// whether more follow.
    async fn since(self, pool: &AnyPool, seq: i64, limit: i64) -> AppResult<(Vec<Event>, bool)> {
        Ok(match self {
            Self::Room(room) => {
                let (messages, more) = chat::messages_after_seq(pool, room, seq, limit).await?;
                let events = messages
                    .into_iter()
                    .map(|message| Event::Message { message })
                    .collect();
                (events, more)
            }
            Self::Thread(task) => {
                let (changes, more) = comments::changes_since(pool, task, seq, limit).await?;
                let events = changes
                    .into_iter()
                    .map(|comment| Event::Comment { comment })
                    .collect();
                (events, more)
            }
            Self::Board(board) => board_events::changes_after(pool, board, seq, limit).await?,
        })
    }

    /// The number to resume after: a room's message id is mapped to that
    /// message's `seq`; a change number is already one.
    async fn resume_point(self, pool: &AnyPool, resume: Resume) -> AppResult<i64> {
        match (self, resume) {
            (Self::Room(room), Resume::After(id)) if id > 0 => chat::seq_at(pool, room, id).await,
            (Self::Room(_), Resume::After(_)) => Ok(0),
            (_, resume) => Ok(resume.value().max(0)),
        }
    }

    /// Every item after `seq`, at most [`MAX_REPLAY`]; `None` if there are more.
    async fn replay(self, pool: &AnyPool, mut seq: i64) -> AppResult<Option<Vec<Event>>> {
        let mut items = Vec::new();
        loop {
            let (page, more) = self.since(pool, seq, PAGE).await?;
            // A board keeps its changes for a week: further behind, the
            // first one kept is past the next one wanted (or none is kept).
            if let Self::Board(_) = self {
                let pruned = match page.first().and_then(|e| self.seq_of(e)) {
                    Some(first) => first > seq + 1,
                    None => self.last_seq(pool).await? > seq,
                };
                if pruned {
                    return Ok(None);
                }
            }
            if let Some(last) = page.last().and_then(|e| self.seq_of(e)) {
                seq = last;
            }
            items.extend(page);
            if !more {
                return Ok(Some(items));
            }
            if items.len() >= MAX_REPLAY {
                return Ok(None);
            }
        }
    }
}

/// What one follower of a topic keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Follow {
    /// A room, a thread or a board: its board (to stop when access to it
    /// ends; none for a direct message) and the last number this follower got.
    Stream {
        stream: Stream,
        board_id: Option<i64>,
        seq: i64,
    },
    /// The user's own topic.
    Own,
}

/// Who may follow a topic: the room's readers (its members, and the board's
/// members for a public room; a direct message's people), the board's
/// members (boards and their threads), the user alone (their own topic).
/// The board it belongs to (none for a direct message or the user's topic);
/// `not_found` (or `forbidden`, for another user's topic) otherwise.
#[tracing::instrument(skip_all, fields(user = user.id, topic = ?topic))]
pub async fn authorize(svc: &Services, user: &User, topic: Topic) -> AppResult<Option<i64>> {
    let pool = &svc.pool;
    match topic {
        Topic::Room(room) => Ok(chat::readable_room(pool, room, user.id).await?.board_id),
        Topic::Board(board) => boards::role_on(pool, board, user.id)
            .await
            .map(|_| Some(board)),
        Topic::Task(task) => Ok(Some(comments::task_board(pool, task, user.id).await?.0)),
        Topic::User(id) if id == user.id => Ok(None),
        Topic::User(_) => Err(AppError::forbidden(
            "you can only subscribe to your own user topic",
        )),
    }
}

/// A follow that has begun: what to remember, what was missed (to send
/// first), and the `subscribed` (or `resync`) frame to send after it.
pub struct Started {
    pub follow: Follow,
    pub replay: Vec<Event>,
    pub frame: ServerFrame,
}

/// Begins following a topic the user may follow ([`authorize`] gave its
/// `board`). Call it once the hub subscription is registered: an item
/// published meanwhile is then both replayed and delivered live, and the
/// follower's number drops the second copy — nothing falls in between.
/// With `after` ([`Resume`]) it replays what came since; without, it
/// follows from now on. The `subscribed` frame says the `seq` it is at.
#[tracing::instrument(skip_all, fields(topic = ?topic))]
pub async fn start(
    svc: &Services,
    topic: Topic,
    board: Option<i64>,
    after: Option<Resume>,
) -> AppResult<Started> {
    let pool = &svc.pool;
    let mut snapshot = Snapshot::of(topic);
    let (follow, replay, resync) = match (topic, Stream::of(topic), board) {
        (_, Some(stream), board_id) => {
            let (seq, replay, resync) = match after.filter(|a| a.value() >= 0) {
                None => (stream.last_seq(pool).await?, Vec::new(), false),
                Some(after) => {
                    let from = stream.resume_point(pool, after).await?;
                    match stream.replay(pool, from).await? {
                        Some(items) => {
                            let last = items.last().and_then(|e| stream.seq_of(e));
                            (last.unwrap_or(from), items, false)
                        }
                        // Too far behind: live items resume from the next one on.
                        None => (stream.last_seq(pool).await?, Vec::new(), true),
                    }
                }
            };
            snapshot.replayed = if resync { MAX_REPLAY } else { replay.len() };
            match stream {
                Stream::Room(room) => {
                    snapshot.typing = Some(svc.presence.typing_now(topic).await);
                    // (Presence is a hint: without it the follow still works.)
                    snapshot.online = Some(
                        presence::online_in_room(svc, room)
                            .await
                            .unwrap_or_default(),
                    );
                    snapshot.seq = Some(seq);
                }
                Stream::Thread(_) => {
                    snapshot.typing = Some(svc.presence.typing_now(topic).await);
                    snapshot.seq = Some(seq);
                }
                Stream::Board(board) => {
                    snapshot.online = Some(
                        presence::online_on_board(svc, board)
                            .await
                            .unwrap_or_default(),
                    );
                    snapshot.seq = Some(seq);
                }
            }
            let follow = Follow::Stream {
                stream,
                board_id,
                seq,
            };
            (follow, replay, resync)
        }
        (Topic::User(user), _, _) => {
            snapshot.unread = Some(notifications::unread_count(pool, user).await?);
            (Follow::Own, Vec::new(), false)
        }
        _ => return Err(AppError::Internal("a topic without its stream".into())),
    };
    let frame = if resync {
        ServerFrame::Resync(snapshot)
    } else {
        ServerFrame::Subscribed(snapshot)
    };
    Ok(Started {
        follow,
        replay,
        frame,
    })
}

/// What catching up came to.
pub enum CatchUp {
    /// These were missed: send them.
    Missed(Vec<Event>),
    /// Too many were missed: the follower must reload (send this `resync`).
    Resync(Box<ServerFrame>),
}

impl Follow {
    /// Whether an item of a stream this follower follows is new to it; if
    /// it is, the items it missed before it (to send first). `None`: skip it
    /// (not followed, or sent already).
    pub async fn admit(&mut self, svc: &Services, event: &Event) -> AppResult<Option<Vec<Event>>> {
        let Follow::Stream { stream, seq, .. } = self else {
            return Ok(None);
        };
        let Some(number) = stream.seq_of(event) else {
            return Ok(None);
        };
        if number <= *seq {
            return Ok(None);
        }
        let mut missing = Vec::new();
        if number > *seq + 1 {
            // It overtook earlier ones: those come first, from the database.
            let (page, _) = stream.since(&svc.pool, *seq, number - *seq - 1).await?;
            missing.extend(
                page.into_iter()
                    .filter(|e| stream.seq_of(e).is_some_and(|n| n < number)),
            );
        }
        *seq = number;
        Ok(Some(missing))
    }

    /// Events may have been lost (the link between instances was down):
    /// what this follower missed since its number, or a `resync` when that
    /// is too much (it then follows from now on).
    pub async fn catch_up(&mut self, svc: &Services) -> AppResult<CatchUp> {
        let Follow::Stream { stream, seq, .. } = self else {
            return Ok(CatchUp::Missed(Vec::new()));
        };
        match stream.replay(&svc.pool, *seq).await? {
            Some(items) => {
                if let Some(last) = items.last().and_then(|e| stream.seq_of(e)) {
                    *seq = last;
                }
                Ok(CatchUp::Missed(items))
            }
            None => {
                *seq = stream.last_seq(&svc.pool).await?;
                let mut snapshot = Snapshot::of(stream.topic());
                snapshot.replayed = MAX_REPLAY;
                if let Stream::Thread(_) | Stream::Board(_) = stream {
                    snapshot.seq = Some(*seq);
                }
                Ok(CatchUp::Resync(Box::new(ServerFrame::Resync(snapshot))))
            }
        }
    }

    /// Whether losing access to `board_id` (or to its room `room_id`) ends
    /// this follow.
    pub fn lost_with(&self, board_id: Option<i64>, room_id: Option<i64>) -> bool {
        match (self, room_id) {
            (Follow::Stream { board_id: b, .. }, None) => board_id.is_some() && *b == board_id,
            (
                Follow::Stream {
                    stream: Stream::Room(r),
                    ..
                },
                Some(room),
            ) => *r == room,
            _ => false,
        }
    }
}

/// What a long poll found: the items after the cursor, and whether more follow.
pub struct Polled {
    pub events: Vec<Event>,
    pub more: bool,
}

impl Polled {
    /// The items as the polling user may see them.
    fn of(events: Vec<Event>, more: bool, viewer: i64) -> Self {
        Self {
            events: events.into_iter().map(|e| e.for_viewer(viewer)).collect(),
            more,
        }
    }
}

/// The HTTP fallback's long poll: the items of `stream` after `after`
/// ([`Resume`]) as soon as there are any, or none after `wait` (or when the server stops). It listens before it
/// looks, so nothing committed in between is missed; and it ends with an
/// error as soon as the user loses access (removed from the room or board)
/// or the session ends (logout). A user's open polls are capped (429
/// `too_many_connections` beyond `--max-user-polls`).
#[tracing::instrument(skip_all, fields(user = session.user.id, stream = ?stream))]
pub async fn poll(
    svc: &Services,
    session: &Session,
    stream: Stream,
    after: Resume,
    wait: Duration,
    mut stopping: watch::Receiver<bool>,
) -> AppResult<Polled> {
    let user = &session.user;
    let _slot = svc.connection_caps.poll(user.id)?;
    authorize(svc, user, stream.topic()).await?;
    let mut sub = svc.hub.subscriber(16);
    sub.subscribe(stream.topic());
    sub.subscribe(Topic::User(user.id));
    let from = stream.resume_point(&svc.pool, after).await?;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let (events, more) = stream.since(&svc.pool, from, PAGE).await?;
        if !events.is_empty() {
            return Ok(Polled::of(events, more, user.id));
        }
        // Wait for something that may change the answer.
        loop {
            tokio::select! {
                next = sub.recv() => match next.as_ref().map(|(_, d)| &d.event) {
                    Some(event) if stream.seq_of(event).is_some_and(|n| n > from) => break,
                    Some(Event::SessionEnded { session: ended }) if *ended == session.reference => {
                        return Err(AppError::login_required());
                    }
                    Some(Event::AccessChanged { member: false, .. }) => {
                        authorize(svc, user, stream.topic()).await?;
                    }
                    Some(_) => {}
                    // Its queue overflowed (it cannot wait any more): answer
                    // with what there is now; the client polls again.
                    None => {
                        let (events, more) = stream.since(&svc.pool, from, PAGE).await?;
                        return Ok(Polled::of(events, more, user.id));
                    }
                },
                _ = tokio::time::sleep_until(deadline) => {
                    return Ok(Polled { events: Vec::new(), more: false });
                }
                _ = stopping.changed() => return Ok(Polled { events: Vec::new(), more: false }),
            }
        }
    }
}
