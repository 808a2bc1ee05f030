-- Notifications that matter, beyond @mentions: being assigned a card, being
-- added to a board or a room, and comments on a card one watches.
--
-- Watching: a card's creator, its assignee and everyone who comments on it
-- watch it automatically; anyone on the board may watch or unwatch it. An
-- unwatch is kept as a row with `watching = 0`, so the next automatic watch
-- (commenting again, being assigned again) does not undo it.
CREATE TABLE task_watchers (
    task_id  INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    watching INTEGER NOT NULL DEFAULT 1,
    since    INTEGER NOT NULL,
    PRIMARY KEY (task_id, user_id)
);
-- "Which cards do I watch" (and the cascade when a user goes) walk this.
CREATE INDEX task_watchers_by_user ON task_watchers (user_id);

-- Who changed a card last (an edit, a move, an assignment): the task dialog
-- names them when their change clashes with what one is typing. Unknown
-- (NULL) for changes made before this column existed.
ALTER TABLE tasks ADD COLUMN updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL;

-- Existing cards: their creators, assignees and commenters watch them.
INSERT INTO task_watchers (task_id, user_id, watching, since)
SELECT id, created_by, 1, created_at FROM tasks
UNION
SELECT id, assignee_id, 1, updated_at FROM tasks WHERE assignee_id IS NOT NULL
UNION
SELECT task_id, author_id, 1, MIN(created_at) FROM task_comments
WHERE deleted_at IS NULL GROUP BY task_id, author_id
ON CONFLICT DO NOTHING;

-- The notifications table gets the new kinds (SQLite keeps a CHECK in the
-- table's definition, so the table is rebuilt; no other table refers to it,
-- so dropping the old one cascades nothing), `occurrences` (one bell entry
-- per card and kind is updated rather than repeated: "3 new comments"), and
-- `board_name`, the board's name as it was (shown once the recipient has
-- left the board, like `context`). The uniqueness of "one notification per
-- mentioning text" becomes per kind: a comment may mention someone who also
-- watches the card.
CREATE TABLE notifications_v2 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sender_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('comment_mention', 'chat_mention', 'assigned',
                                                  'added_to_board', 'added_to_room', 'task_comment')),
    board_id     INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
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
INSERT INTO notifications_v2 (id, recipient_id, sender_id, kind, board_id, task_id, comment_id,
                              room_id, message_id, snippet, created_at, read_at, context,
                              occurrences, board_name)
SELECT n.id, n.recipient_id, n.sender_id, n.kind, n.board_id, n.task_id, n.comment_id,
       n.room_id, n.message_id, n.snippet, n.created_at, n.read_at, n.context, 1,
       COALESCE((SELECT name FROM boards WHERE boards.id = n.board_id), '')
FROM notifications n;
-- Ids keep counting from where they were (even past deleted rows).
UPDATE sqlite_sequence
SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'notifications'), 0))
WHERE name = 'notifications_v2';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'notifications_v2', seq FROM sqlite_sequence
WHERE name = 'notifications'
  AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'notifications_v2');
DROP TABLE notifications;
ALTER TABLE notifications_v2 RENAME TO notifications;
-- The list (newest first, keyset on id) and the unread count both walk these.
CREATE INDEX notifications_by_recipient ON notifications (recipient_id, id);
CREATE INDEX notifications_unread ON notifications (recipient_id, read_at);
