-- PostgreSQL twin of migrations/sqlite/20261201000008_board_events.sql.
-- The live board: every board change is an event numbered per board (taken in
-- the change's own transaction) and stored for resuming; task versions refuse
-- stale edits and moves (409).
ALTER TABLE boards ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;

ALTER TABLE tasks ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE TABLE board_events (
    board_id   BIGINT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    change     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (board_id, seq)
);
CREATE INDEX board_events_by_age ON board_events (created_at);
