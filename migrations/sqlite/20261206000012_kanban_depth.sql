-- The kanban a team expects: due dates and done, several assignees, labels,
-- checklists, archiving instead of destroying, and each card's history.

-- A card's due date and when it was marked done (Unix ms, NULL: none), when
-- it was archived (NULL: on the board), and its checklist's progress, kept
-- on the card like `comment_count` so the board never counts rows to draw a
-- card. `due_soon_sent` / `overdue_sent`: the due reminders already sent for
-- the current due date (cleared when the date changes).
ALTER TABLE tasks ADD COLUMN due_at INTEGER;
ALTER TABLE tasks ADD COLUMN done_at INTEGER;
ALTER TABLE tasks ADD COLUMN archived_at INTEGER;
ALTER TABLE tasks ADD COLUMN checklist_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN checklist_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN due_soon_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN overdue_sent INTEGER NOT NULL DEFAULT 0;
-- The due reminder sweep walks only open cards with a date.
CREATE INDEX tasks_due ON tasks (due_at) WHERE due_at IS NOT NULL AND done_at IS NULL AND archived_at IS NULL;

-- Archived columns and boards (NULL: live). An archived card or column keeps
-- its `position` as where it was, outside the live order (the live order's
-- queries skip archived rows), so a restore puts it back there.
ALTER TABLE board_columns ADD COLUMN archived_at INTEGER;
ALTER TABLE boards ADD COLUMN archived_at INTEGER;

-- Several people on a card. `tasks.assignee_id` stays as the first of them
-- (by when they were added) for clients that know only one.
CREATE TABLE task_assignees (
    task_id  INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (task_id, user_id)
);
-- "My tasks" walks this.
CREATE INDEX task_assignees_by_user ON task_assignees (user_id, task_id);
INSERT INTO task_assignees (task_id, user_id, added_at)
SELECT id, assignee_id, updated_at FROM tasks WHERE assignee_id IS NOT NULL;

-- Labels of a board (a name and one of a fixed set of colours) and the
-- cards that carry them.
CREATE TABLE labels (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id   INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    color      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX labels_by_board ON labels (board_id, id);
CREATE TABLE task_labels (
    task_id  INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    label_id INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, label_id)
);
CREATE INDEX task_labels_by_label ON task_labels (label_id);

-- Checklist items of a card, ordered by a contiguous 0-based `position`.
CREATE TABLE checklist_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id     INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    text        TEXT    NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0,
    position    INTEGER NOT NULL,
    assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    due_at      INTEGER,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX checklist_items_by_task ON checklist_items (task_id, position);

-- A card's history: what each stored board change did to it (created,
-- moved, renamed, assigned, dated, labelled, archived...), derived when the
-- change is recorded and kept as long as the card exists (the board's
-- change log itself is pruned after a week). `detail` is JSON in a stored
-- type of its own (`services::activity`).
CREATE TABLE task_activity (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id    INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    board_id   INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    actor_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    detail     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX task_activity_by_task ON task_activity (task_id, id);
-- Cards that exist today start their history with their creation.
INSERT INTO task_activity (task_id, board_id, seq, actor_id, detail, created_at)
SELECT t.id, t.board_id, 0, t.created_by,
       '{"kind":"created","column":' || json_quote(c.name) || '}', t.created_at
FROM tasks t JOIN board_columns c ON c.id = t.column_id;

-- Notifications: the kinds grow with every feature (due reminders now), and
-- SQLite keeps a CHECK inside the table's definition, which only a rebuild
-- changes. The one list of kinds is `model::NotificationKind`, the only
-- writer is the service layer, so the table is rebuilt one last time
-- without the CHECK (PostgreSQL drops it too). No other table refers to
-- `notifications`: dropping the old one cascades nothing.
CREATE TABLE notifications_v3 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sender_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
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
INSERT INTO notifications_v3 (id, recipient_id, sender_id, kind, board_id, task_id, comment_id,
                              room_id, message_id, snippet, created_at, read_at, context,
                              occurrences, board_name)
SELECT id, recipient_id, sender_id, kind, board_id, task_id, comment_id,
       room_id, message_id, snippet, created_at, read_at, context, occurrences, board_name
FROM notifications;
-- Ids keep counting from where they were (even past deleted rows).
UPDATE sqlite_sequence
SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'notifications'), 0))
WHERE name = 'notifications_v3';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'notifications_v3', seq FROM sqlite_sequence
WHERE name = 'notifications'
  AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'notifications_v3');
DROP TABLE notifications;
ALTER TABLE notifications_v3 RENAME TO notifications;
CREATE INDEX notifications_by_recipient ON notifications (recipient_id, id);
CREATE INDEX notifications_unread ON notifications (recipient_id, read_at);
