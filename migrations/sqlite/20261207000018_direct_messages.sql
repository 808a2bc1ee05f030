-- Direct messages: a room that belongs to no board. `chat_rooms.board_id`
-- and `notifications.board_id` become nullable, and a direct message keeps
-- the sorted ids of its people (`dm_key`, unique) so opening one with the
-- same people again finds it.
--
-- SQLite cannot drop a NOT NULL: both tables are rebuilt. With foreign keys
-- on, dropping the old `chat_rooms` would delete every row that refers to
-- it (ON DELETE CASCADE: messages, members, reactions, notifications...).
-- SQLite migrations therefore run with foreign keys off and are checked
-- with `foreign_key_check` afterwards (`services::storage::migrate`);
-- server/tests/direct_messages.rs runs this one on a database full of
-- messages and checks that every row survives.
CREATE TABLE chat_rooms_v2 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL for a direct message.
    board_id    INTEGER REFERENCES boards (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    -- Lower-cased name: room names are unique within a board, ignoring case.
    name_key    TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    archived_at INTEGER,
    last_seq    INTEGER NOT NULL DEFAULT 0,
    is_private  INTEGER NOT NULL DEFAULT 0,
    is_default  INTEGER NOT NULL DEFAULT 0,
    -- A direct message's people, as their sorted ids ("3,7,12").
    dm_key      TEXT,
    UNIQUE (board_id, name_key)
);
INSERT INTO chat_rooms_v2 (id, board_id, name, name_key, description, created_by, created_at,
                           archived_at, last_seq, is_private, is_default)
SELECT id, board_id, name, name_key, description, created_by, created_at,
       archived_at, last_seq, is_private, is_default
FROM chat_rooms;
-- Ids keep counting from where they were (even past deleted rooms).
INSERT INTO sqlite_sequence (name, seq)
SELECT 'chat_rooms_v2', seq FROM sqlite_sequence WHERE name = 'chat_rooms';
DROP TABLE chat_rooms;
ALTER TABLE chat_rooms_v2 RENAME TO chat_rooms;
CREATE UNIQUE INDEX chat_rooms_default ON chat_rooms (board_id) WHERE is_default = 1;
CREATE UNIQUE INDEX chat_rooms_dm ON chat_rooms (dm_key) WHERE dm_key IS NOT NULL;

CREATE TABLE notifications_v4 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sender_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    -- NULL for a direct message's.
    board_id     INTEGER REFERENCES boards (id) ON DELETE CASCADE,
    task_id      INTEGER REFERENCES tasks (id) ON DELETE CASCADE,
    comment_id   INTEGER REFERENCES task_comments (id) ON DELETE CASCADE,
    room_id      INTEGER REFERENCES chat_rooms (id) ON DELETE CASCADE,
    message_id   INTEGER REFERENCES chat_messages (id) ON DELETE CASCADE,
    snippet      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    read_at      INTEGER,
    context      TEXT    NOT NULL DEFAULT '',
    occurrences  INTEGER NOT NULL DEFAULT 1,
    board_name   TEXT    NOT NULL DEFAULT '',
    UNIQUE (recipient_id, kind, comment_id),
    UNIQUE (recipient_id, kind, message_id)
);
INSERT INTO notifications_v4 (id, recipient_id, sender_id, kind, board_id, task_id, comment_id,
                              room_id, message_id, snippet, created_at, read_at, context,
                              occurrences, board_name)
SELECT id, recipient_id, sender_id, kind, board_id, task_id, comment_id,
       room_id, message_id, snippet, created_at, read_at, context, occurrences, board_name
FROM notifications;
INSERT INTO sqlite_sequence (name, seq)
SELECT 'notifications_v4', seq FROM sqlite_sequence WHERE name = 'notifications';
DROP TABLE notifications;
ALTER TABLE notifications_v4 RENAME TO notifications;
CREATE INDEX notifications_by_recipient ON notifications (recipient_id, id);
CREATE INDEX notifications_unread ON notifications (recipient_id, read_at);

