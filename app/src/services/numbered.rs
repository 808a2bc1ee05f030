//! The one way every numbered item is written: chat messages, comment
//! changes, board changes, and every later kind.
//!
//! A numbered stream (a room, a task's thread, a board) numbers its items
//! 1, 2, 3… without gaps (`seq`), which is what lets a follower resume
//! "after N" and notice what it missed. Writing one item:
//!
//! 1. [`NumberedWrite::begin`] opens a transaction whose first statement
//!    takes the stream's lock (its counter row): concurrent writers of one
//!    stream — on this instance or on another — wait for each other in the
//!    database, so the order of numbers is the order of commits;
//! 2. [`NumberedWrite::next`] takes the stream's next number, the caller
//!    stores its row with it in [`NumberedWrite::tx`], and
//!    [`NumberedWrite::record`] keeps the event to publish;
//! 3. [`NumberedWrite::commit`] commits, then publishes what was recorded
//!    in number order.
//!
//! No process-local lock orders anything: two commits of one stream may
//! still reach the hub in the other order (they are published by different
//! tasks after their commits), and each follower then fetches the earlier
//! item from the database (`services::stream`), so nobody sees a gap.
//!
//! De-duplication by `client_id` (an outbox re-sending what it never saw
//! acknowledged) lives here too, once: [`sent_before`] before any work,
//! [`NumberedWrite::sent_before`] again inside the transaction, and a
//! unique index as the last word ([`is_repeat`]).

use sqlx::{Any, AnyPool, Transaction};

use super::hub::{Event, Hub, Topic};
use super::storage::{now_ms, unique_violation, UniqueKey};
use crate::error::{AppError, AppResult};

/// A numbered stream: a room's messages, a task's comment changes, or a
/// board's changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stream {
    Room(i64),
    Thread(i64),
    Board(i64),
}

impl Stream {
    /// The stream a topic carries (`None`: a user's topic is not numbered).
    pub fn of(topic: Topic) -> Option<Self> {
        match topic {
            Topic::Room(id) => Some(Self::Room(id)),
            Topic::Task(id) => Some(Self::Thread(id)),
            Topic::Board(id) => Some(Self::Board(id)),
            Topic::User(_) => None,
        }
    }

    pub fn topic(self) -> Topic {
        match self {
            Self::Room(id) => Topic::Room(id),
            Self::Thread(id) => Topic::Task(id),
            Self::Board(id) => Topic::Board(id),
        }
    }

    /// The number of an item of this stream (`None`: not one of its items).
    pub fn seq_of(self, event: &Event) -> Option<i64> {
        match event.numbered() {
            Some((topic, seq)) if topic == self.topic() => Some(seq),
            _ => None,
        }
    }

    /// The row that holds the stream's counter: (table, counter column).
    /// Updating it is what locks the stream.
    fn counter(self) -> (&'static str, &'static str, i64) {
        match self {
            Self::Room(id) => ("chat_rooms", "last_seq", id),
            Self::Thread(id) => ("tasks", "comment_seq", id),
            Self::Board(id) => ("boards", "last_seq", id),
        }
    }

    /// The statement that takes the stream's lock: it changes nothing,
    /// except for a board, whose every write is a change of it (its
    /// `updated_at`, bound as `$2`).
    fn lock_statement(self) -> String {
        let (table, column, _) = self.counter();
        match self {
            Self::Board(_) => format!("UPDATE {table} SET updated_at = $2 WHERE id = $1"),
            _ => format!("UPDATE {table} SET {column} = {column} WHERE id = $1"),
        }
    }

    /// What is missing when its counter row is gone.
    fn not_found(self) -> AppError {
        match self {
            Self::Room(_) => AppError::not_found("room"),
            Self::Thread(_) => AppError::not_found("task"),
            Self::Board(_) => AppError::not_found("board"),
        }
    }

    /// The stream's last number now (0 if it has none; 404 if it is gone).
    pub async fn last_seq(self, pool: &AnyPool) -> AppResult<i64> {
        let (table, column, id) = self.counter();
        let seq: Option<i64> =
            sqlx::query_scalar(&format!("SELECT {column} FROM {table} WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
        seq.ok_or_else(|| self.not_found())
    }
}

/// The kinds of item an author may send with a `client_id` (each kind has
/// its own unique index on `(author_id, client_id)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Message,
    Comment,
}

impl Sent {
    fn table(self) -> &'static str {
        match self {
            Self::Message => "chat_messages",
            Self::Comment => "task_comments",
        }
    }

    fn unique_key(self) -> UniqueKey {
        match self {
            Self::Message => UniqueKey::MessageClientId,
            Self::Comment => UniqueKey::CommentClientId,
        }
    }

    fn query(self) -> String {
        format!(
            "SELECT id FROM {} WHERE author_id = $1 AND client_id = $2",
            self.table()
        )
    }
}

/// The id of what `author_id` already stored under `client_id`, if anything
/// (the check before any work: a repeat costs no rate budget).
pub async fn sent_before(
    pool: &AnyPool,
    kind: Sent,
    author_id: i64,
    client_id: &str,
) -> AppResult<Option<i64>> {
    look_up_sent(pool, kind, author_id, client_id).await
}

async fn look_up_sent<'e>(
    on: impl sqlx::Executor<'e, Database = Any>,
    kind: Sent,
    author_id: i64,
    client_id: &str,
) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar(&kind.query())
        .bind(author_id)
        .bind(client_id)
        .fetch_optional(on)
        .await?)
}

/// Whether a failed insert was refused by the `client_id` index of `kind`:
/// another writer (another instance) stored the same item a moment ago,
/// and that one is the answer.
pub fn is_repeat(err: &sqlx::Error, kind: Sent) -> bool {
    unique_violation(err) == Some(kind.unique_key())
}

/// A transaction that writes numbered items, holding the locks of the
/// streams it writes to until it commits.
pub struct NumberedWrite {
    /// The transaction: store the items' rows (and anything else) in it.
    pub tx: Transaction<'static, Any>,
    locked: Vec<Stream>,
    recorded: Vec<(Stream, i64, Event)>,
}

impl NumberedWrite {
    /// Begins a write to `stream` and takes its lock. The first statement
    /// is a write: on SQLite that takes the database's write lock up front
    /// (a transaction that read first could not upgrade while another writer
    /// waits: "database is locked" at once). 404 if the stream is gone.
    pub async fn begin(pool: &AnyPool, stream: Stream) -> AppResult<Self> {
        let mut write = Self {
            tx: pool.begin().await?,
            locked: Vec::new(),
            recorded: Vec::new(),
        };
        if !write.lock(stream).await? {
            return Err(stream.not_found());
        }
        Ok(write)
    }

    /// Begins a write whose first statement takes the stream's next number
    /// (which locks it): for a write that always stores one item, one
    /// statement instead of two. 404 if the stream is gone.
    pub async fn begin_taking(pool: &AnyPool, stream: Stream) -> AppResult<(Self, i64)> {
        let mut write = Self {
            tx: pool.begin().await?,
            locked: Vec::new(),
            recorded: Vec::new(),
        };
        let seq = write.next(stream).await?;
        Ok((write, seq))
    }

    /// Takes the lock of one more stream in this transaction (a batch of
    /// messages to several rooms): `false` if it is gone. Writers that lock
    /// several streams lock them in ascending order, so two of them never
    /// wait for each other in a circle.
    pub async fn lock(&mut self, stream: Stream) -> AppResult<bool> {
        if self.locked.contains(&stream) {
            return Ok(true);
        }
        let (_, _, id) = stream.counter();
        let statement = stream.lock_statement();
        let mut lock = sqlx::query(&statement).bind(id);
        if let Stream::Board(_) = stream {
            lock = lock.bind(now_ms());
        }
        let touched = lock.execute(&mut *self.tx).await?.rows_affected();
        if touched == 0 {
            return Ok(false);
        }
        self.locked.push(stream);
        Ok(true)
    }

    /// Takes the stream's next number (the update that takes it also
    /// locks the stream, if this write had not yet). 404 if it is gone.
    pub async fn next(&mut self, stream: Stream) -> AppResult<i64> {
        self.try_next(stream)
            .await?
            .ok_or_else(|| stream.not_found())
    }

    /// Like [`next`](Self::next), with `None` when the stream is gone (a
    /// batch refuses that item and goes on with the others).
    pub async fn try_next(&mut self, stream: Stream) -> AppResult<Option<i64>> {
        let (table, column, id) = stream.counter();
        let seq: Option<i64> = sqlx::query_scalar(&format!(
            "UPDATE {table} SET {column} = {column} + 1 WHERE id = $1 RETURNING {column}"
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        if seq.is_some() && !self.locked.contains(&stream) {
            self.locked.push(stream);
        }
        Ok(seq)
    }

    /// Keeps an item's event to publish once committed. It must be an item
    /// of a stream this write numbered (its `seq` taken by [`next`](Self::next)).
    pub fn record(&mut self, event: Event) {
        match event
            .numbered()
            .and_then(|(topic, seq)| Some((Stream::of(topic)?, seq)))
        {
            Some((stream, seq)) => {
                debug_assert!(self.locked.contains(&stream), "{stream:?} was not locked");
                self.recorded.push((stream, seq, event));
            }
            None => {
                debug_assert!(false, "not a numbered item: {event:?}");
            }
        }
    }

    /// Inside the transaction: the id of what `author_id` already stored
    /// under `client_id` (a concurrent writer may have stored it since the
    /// check before the work).
    pub async fn sent_before(
        &mut self,
        kind: Sent,
        author_id: i64,
        client_id: &str,
    ) -> AppResult<Option<i64>> {
        look_up_sent(&mut *self.tx, kind, author_id, client_id).await
    }

    /// Commits, then publishes what was recorded, each stream's items in
    /// number order.
    pub async fn commit(self, hub: &Hub) -> AppResult<()> {
        let mut recorded = self.recorded;
        self.tx.commit().await?;
        recorded.sort_by_key(|(stream, seq, _)| (*stream, *seq));
        for (stream, _, event) in recorded {
            hub.publish(stream.topic(), event);
        }
        Ok(())
    }

    /// Gives up: nothing is stored, nothing published.
    pub async fn rollback(self) -> AppResult<()> {
        Ok(self.tx.rollback().await?)
    }
}
