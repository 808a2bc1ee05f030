-- Board chat rooms, their members (with each member's last-read pointer) and messages.

CREATE TABLE chat_rooms (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id    INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    -- Lower-cased name: room names are unique within a board, ignoring case.
    name_key    TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    archived_at INTEGER,
    UNIQUE (board_id, name_key)
);

CREATE TABLE chat_room_members (
    room_id      INTEGER NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at     INTEGER NOT NULL,
    -- Highest message id this member has read: unread counts derive from it,
    -- so every tab and device agrees.
    last_read_id INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX chat_room_members_by_user ON chat_room_members (user_id, room_id);

CREATE TABLE chat_messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id    INTEGER NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES users (id),
    content    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
-- History pages and resume-after-id both walk (room_id, id).
CREATE INDEX chat_messages_by_room ON chat_messages (room_id, id);
