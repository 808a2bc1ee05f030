-- Task comment threads, @mentions (of comments and chat messages) and notifications.

-- Every change to a task's comments (new, edited, deleted) takes the next
-- number of this per-task counter, and the comment keeps it as its `seq`.
-- "Everything changed after seq N" is then one index range: that is how a
-- client resumes a thread without missing an edit or a deletion. The counter
-- row is updated inside the writing transaction, so concurrent writers to one
-- task are serialised by the database (SQLite and PostgreSQL alike).
ALTER TABLE tasks ADD COLUMN comment_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE task_comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id    INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES users (id),
    -- Empty once deleted: the thread then shows "comment deleted".
    content    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    edited_at  INTEGER,
    deleted_at INTEGER,
    seq        INTEGER NOT NULL
);
-- History pages walk (task_id, id); resume walks (task_id, seq).
CREATE INDEX task_comments_by_task ON task_comments (task_id, id);
CREATE UNIQUE INDEX task_comments_by_seq ON task_comments (task_id, seq);

-- Who a comment / a chat message mentions (parsed on the server, only users
-- who can see it). Editing a comment diffs against this to notify only the
-- newly mentioned.
CREATE TABLE task_comment_mentions (
    comment_id INTEGER NOT NULL REFERENCES task_comments (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (comment_id, user_id)
);

CREATE TABLE chat_message_mentions (
    message_id INTEGER NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, user_id)
);

-- One row per (recipient, mentioning comment or message): a second mention
-- of the same person in the same text never makes a second notification.
CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sender_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('comment_mention', 'chat_mention')),
    board_id     INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    task_id      INTEGER REFERENCES tasks (id) ON DELETE CASCADE,
    comment_id   INTEGER REFERENCES task_comments (id) ON DELETE CASCADE,
    room_id      INTEGER REFERENCES chat_rooms (id) ON DELETE CASCADE,
    message_id   INTEGER REFERENCES chat_messages (id) ON DELETE CASCADE,
    snippet      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    read_at      INTEGER,
    UNIQUE (recipient_id, comment_id),
    UNIQUE (recipient_id, message_id)
);
-- The list (newest first, keyset on id) and the unread count both walk these.
CREATE INDEX notifications_by_recipient ON notifications (recipient_id, id);
CREATE INDEX notifications_unread ON notifications (recipient_id, read_at);
