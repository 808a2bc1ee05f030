-- PostgreSQL twin of migrations/sqlite/20261206000011_watching_and_activity.sql. Keep the two in step.
-- Notifications that matter, beyond @mentions: being assigned a card, being
-- added to a board or a room, and comments on a card one watches.
--
-- Watching: a card's creator, its assignee and everyone who comments on it
-- watch it automatically; anyone on the board may watch or unwatch it. An
-- unwatch is kept as a row with `watching = 0`, so the next automatic watch
-- (commenting again, being assigned again) does not undo it.
CREATE TABLE task_watchers (
    task_id  BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    watching BIGINT NOT NULL DEFAULT 1,
    since    BIGINT NOT NULL,
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX task_watchers_by_user ON task_watchers (user_id);

-- Who changed a card last (see the SQLite twin).
ALTER TABLE tasks ADD COLUMN updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL;

INSERT INTO task_watchers (task_id, user_id, watching, since)
SELECT id, created_by, 1, created_at FROM tasks
UNION
SELECT id, assignee_id, 1, updated_at FROM tasks WHERE assignee_id IS NOT NULL
UNION
SELECT task_id, author_id, 1, MIN(created_at) FROM task_comments
WHERE deleted_at IS NULL GROUP BY task_id, author_id
ON CONFLICT DO NOTHING;

-- The new kinds, `occurrences` and `board_name` (see the SQLite twin).
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('comment_mention', 'chat_mention', 'assigned',
                    'added_to_board', 'added_to_room', 'task_comment'));
ALTER TABLE notifications ADD COLUMN occurrences BIGINT NOT NULL DEFAULT 1;
ALTER TABLE notifications ADD COLUMN board_name TEXT NOT NULL DEFAULT '';
UPDATE notifications SET board_name = COALESCE(
    (SELECT name FROM boards WHERE boards.id = notifications.board_id), '');
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_recipient_id_comment_id_key;
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_recipient_id_message_id_key;
ALTER TABLE notifications ADD CONSTRAINT notifications_one_per_comment
    UNIQUE (recipient_id, kind, comment_id);
ALTER TABLE notifications ADD CONSTRAINT notifications_one_per_message
    UNIQUE (recipient_id, kind, message_id);
