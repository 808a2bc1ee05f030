//! The live board: every change to a board, numbered and kept, written in
//! one place.
//!
//! A change to a board runs in a [`BoardWrite`]: it takes the board's write
//! lock first (so concurrent moves are serialised per board and positions
//! stay contiguous), each [`BoardChange`] recorded in it takes the board's
//! next `seq` and is stored in `board_events` in the same transaction, and
//! [`BoardWrite::commit`] publishes them to `board:{id}` once they are
//! committed. A follower that sees `seq` N+2 after N fetches N+1 from the
//! table (`services::stream`), so every tab gets every change once, in
//! order, on any instance; one that was offline resumes with `after`.

use sqlx::{Any, AnyPool, Transaction};

use super::hub::{Event, Topic};
use super::storage::now_ms;
use super::Services;
use crate::error::{AppError, AppResult};
use crate::protocol::BoardChange;

/// How long changes are kept for resuming (a tab offline for longer
/// reloads the board).
pub const KEEP_MS: i64 = 7 * 24 * 3600 * 1000;

/// A transaction that changes one board, holding its write lock.
pub struct BoardWrite {
    /// The transaction: run the change's own statements in it.
    pub tx: Transaction<'static, Any>,
    board_id: i64,
    recorded: Vec<(i64, BoardChange)>,
}

impl BoardWrite {
    /// Starts a change of `board_id` and takes its lock (the first statement
    /// is a write: on SQLite that takes the database's write lock up front,
    /// which avoids two readers deadlocking on the upgrade). 404 if the board
    /// is gone.
    pub async fn begin(pool: &AnyPool, board_id: i64) -> AppResult<Self> {
        let mut tx = pool.begin().await?;
        let touched = sqlx::query("UPDATE boards SET updated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(board_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if touched == 0 {
            return Err(AppError::not_found("board"));
        }
        Ok(Self {
            tx,
            board_id,
            recorded: Vec::new(),
        })
    }

    /// Records a change: it takes the board's next number and is stored
    /// with it, in this transaction.
    pub async fn record(&mut self, change: BoardChange) -> AppResult<()> {
        let (seq,): (i64,) = sqlx::query_as(
            "UPDATE boards SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
        )
        .bind(self.board_id)
        .fetch_one(&mut *self.tx)
        .await?;
        let json = serde_json::to_string(&change)
            .map_err(|e| AppError::Internal(format!("board change to JSON: {e}")))?;
        sqlx::query(
            "INSERT INTO board_events (board_id, seq, change, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(self.board_id)
        .bind(seq)
        .bind(json)
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        self.recorded.push((seq, change));
        Ok(())
    }

    /// Commits, then publishes what was recorded to the board's followers.
    pub async fn commit(self, svc: &Services) -> AppResult<()> {
        self.tx.commit().await?;
        for (seq, change) in self.recorded {
            publish(svc, self.board_id, seq, change);
        }
        Ok(())
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

/// The last number a board's changes reached.
pub async fn last_seq(pool: &AnyPool, board_id: i64) -> AppResult<i64> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT last_seq FROM boards WHERE id = $1")
        .bind(board_id)
        .fetch_optional(pool)
        .await?;
    row.map(|(seq,)| seq)
        .ok_or_else(|| AppError::not_found("board"))
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
            let change = serde_json::from_str(&row.change)
                .map_err(|e| AppError::Internal(format!("stored board change {}: {e}", row.seq)))?;
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
