-- Board invite links. An owner makes a link that lets whoever opens it join
-- the board, up to `max_uses` times until `expires_at` (Unix ms); she may
-- revoke it. Only the token's SHA-256 is kept, as for sessions.
CREATE TABLE board_invites (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id   INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    token_hash TEXT    NOT NULL UNIQUE,
    created_by INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    max_uses   INTEGER NOT NULL,
    uses       INTEGER NOT NULL DEFAULT 0,
    revoked_at INTEGER
);
-- A board's links, newest first.
CREATE INDEX board_invites_by_board ON board_invites (board_id, id);
