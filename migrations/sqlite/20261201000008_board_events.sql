-- The live board. Every change to a board (its tasks, columns, members, name)
-- is an event numbered per board: the change takes the board's next `seq`
-- inside its own transaction (the board row is already locked by then, see
-- `services::board_events`), and the event is stored beside it, so a tab that
-- was offline resumes with `after=seq` and gets exactly what it missed, in
-- order, once, across restarts and instances. Old events are pruned; a tab
-- further behind than what is kept reloads the board (`resync`).
ALTER TABLE boards ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;

-- Optimistic concurrency: each edit or move of a task bumps its version; an
-- edit or move made from an older version is refused (409) instead of
-- silently overwriting someone else's change.
ALTER TABLE tasks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE board_events (
    board_id   INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    -- The change as JSON (`protocol::BoardChange`), exactly as sent live.
    change     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (board_id, seq)
);
-- Pruning walks this index.
CREATE INDEX board_events_by_age ON board_events (created_at);
