//! The live board: every change to a board, numbered and kept.
//!
//! A change to a board runs in a [`BoardWrite`]: a numbered write of the
//! board's stream (`services::numbered`), which takes the board's lock
//! first (so concurrent moves are serialised per board and positions stay
//! contiguous). Each [`BoardChange`] recorded in it takes the board's next
//! `seq` and is stored in `board_events` in the same transaction, in its
//! storage type (`services::stored`, not the wire's); the commit publishes
//! them to `board:{id}`. A follower that sees `seq` N+2 after N fetches N+1
//! from the table (`services::stream`), so every tab gets every change
//! once, in order, on any instance; one that was offline resumes with `after`.

use sqlx::AnyPool;

use super::activity;
use super::hub::{Event, Topic};
use super::numbered::{NumberedWrite, Stream};
use super::storage::now_ms;
use super::stored;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::model::Task;
use crate::protocol::BoardChange;

/// How long changes are kept for resuming (a tab offline for longer
/// reloads the board).
pub const KEEP_MS: i64 = 7 * 24 * 3600 * 1000;

/// A numbered write of one board's changes, holding the board's lock.
/// (Its transaction is `write.tx`, through the numbered write.)
pub struct BoardWrite {
    write: NumberedWrite,
    board_id: i64,
}

impl std::ops::Deref for BoardWrite {
    type Target = NumberedWrite;
    fn deref(&self) -> &NumberedWrite {
        &self.write
    }
}

impl std::ops::DerefMut for BoardWrite {
    fn deref_mut(&mut self) -> &mut NumberedWrite {
        &mut self.write
    }
}

impl BoardWrite {
    /// Starts a change of `board_id` and takes its lock (which marks the
    /// board updated). 404 if the board is gone; refused while the board is
    /// archived (it is read-only until restored).
    pub async fn begin(pool: &AnyPool, board_id: i64) -> AppResult<Self> {
        let mut write = Self::begin_even_archived(pool, board_id).await?;
        let (archived_at,): (Option<i64>,) =
            sqlx::query_as("SELECT archived_at FROM boards WHERE id = $1")
                .bind(board_id)
                .fetch_one(&mut *write.write.tx)
                .await?;
        if archived_at.is_some() {
            return Err(AppError::invalid(
                "this board is archived: restore it to change it",
            ));
        }
        Ok(write)
    }

    /// Like [`BoardWrite::begin`], also on an archived board (restoring it,
    /// deleting it, leaving it).
    pub async fn begin_even_archived(pool: &AnyPool, board_id: i64) -> AppResult<Self> {
        let write = NumberedWrite::begin(pool, Stream::Board(board_id)).await?;
        Ok(Self { write, board_id })
    }

    /// Records a change to a card by `actor`, and what it did to the card
    /// (`before`: the card before it, `None` for a new one) in the card's
    /// history.
    pub async fn record_task(
        &mut self,
        change: BoardChange,
        before: Option<&Task>,
        actor: i64,
    ) -> AppResult<()> {
        let deltas = activity::deltas(before, &change);
        let task_id = activity::card_of(&change).map(|t| t.id);
        let seq = self.record(change).await?;
        if let Some(task_id) = task_id {
            activity::note(
                &mut self.write.tx,
                (self.board_id, seq),
                actor,
                task_id,
                deltas,
            )
            .await?;
        }
        Ok(())
    }

    /// Records a change: it takes the board's next number (returned) and is
    /// stored with it, in this transaction.
    pub async fn record(&mut self, change: BoardChange) -> AppResult<i64> {
        let board_id = self.board_id;
        let seq = self.write.next(Stream::Board(board_id)).await?;
        sqlx::query(
            "INSERT INTO board_events (board_id, seq, change, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(board_id)
        .bind(seq)
        .bind(stored::encode_board_change(&change)?)
        .bind(now_ms())
        .execute(&mut *self.write.tx)
        .await?;
        self.write.record(Event::BoardEvent {
            board_id,
            seq,
            change,
        });
        Ok(seq)
    }

    /// Commits, then publishes what was recorded to the board's followers.
    pub async fn commit(self, svc: &Services) -> AppResult<()> {
        self.write.commit(&svc.hub).await
    }
}

fn publish(svc: &Services, board_id: i64, seq: i64, change: BoardChange) {
    svc.hub.publish(
        Topic::Board(board_id),
        Event::BoardEvent {
            board_id,
            seq,
            change,
        },
    );
}

#[derive(sqlx::FromRow)]
struct StoredChange {
    seq: i64,
    change: String,
}

/// The board's changes numbered after `seq`, in order, at most `limit`, and
/// whether more follow.
pub async fn changes_after(
    pool: &AnyPool,
    board_id: i64,
    seq: i64,
    limit: i64,
) -> AppResult<(Vec<Event>, bool)> {
    let mut rows = sqlx::query_as::<_, StoredChange>(
        "SELECT seq, change FROM board_events WHERE board_id = $1 AND seq > $2
         ORDER BY seq LIMIT $3",
    )
    .bind(board_id)
    .bind(seq)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let events = rows
        .into_iter()
        .map(|row| {
            let change = stored::decode_board_change(&row.change)?;
            Ok(Event::BoardEvent {
                board_id,
                seq: row.seq,
                change,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok((events, more))
}

/// Tells a deleted board's followers (it has no row to number the change
/// with any more: this last event takes the number after its last one).
pub fn publish_deleted(svc: &Services, board_id: i64, last_seq: i64) {
    publish(svc, board_id, last_seq + 1, BoardChange::BoardDeleted);
}

/// Forgets changes older than [`KEEP_MS`] (a follower that far behind
/// reloads). Returns how many went.
pub async fn prune(pool: &AnyPool) -> AppResult<u64> {
    Ok(
        sqlx::query("DELETE FROM board_events WHERE created_at < $1")
            .bind(now_ms() - KEEP_MS)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// Prunes now and then every hour, until the server stops.
pub async fn prune_hourly(pool: AnyPool, mut stopping: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = prune(&pool).await {
                    tracing::warn!("pruning old board changes: {e}");
                }
            }
            _ = stopping.changed() => return,
        }
    }
}
