-- Messages a team can fix and answer (issue 26): chat messages are edited and
-- deleted like comments, both keep their earlier versions, carry emoji
-- reactions and their Markdown rendered to sanitized HTML, and remember whom
-- they ever notified (an edit notifies nobody twice).

-- Chat messages: like comments, a change takes the room's next `seq` (the
-- row keeps the number of its latest change); `first_seq` is the number it
-- was posted with, which maps an old message-id cursor to a stream position.
ALTER TABLE chat_messages ADD COLUMN edited_at INTEGER;
ALTER TABLE chat_messages ADD COLUMN deleted_at INTEGER;
ALTER TABLE chat_messages ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE chat_messages ADD COLUMN html TEXT;
ALTER TABLE chat_messages ADD COLUMN first_seq INTEGER NOT NULL DEFAULT 0;
UPDATE chat_messages SET first_seq = seq;
CREATE INDEX chat_messages_by_first_seq ON chat_messages (room_id, first_seq);

ALTER TABLE task_comments ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE task_comments ADD COLUMN html TEXT;

-- Earlier versions: one row per version replaced by an edit (the current one
-- is the item's own row). Erased with the item's deletion.
CREATE TABLE chat_message_revisions (
    message_id INTEGER NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    content    TEXT    NOT NULL,
    html       TEXT    NOT NULL,
    written_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, version)
);
CREATE TABLE task_comment_revisions (
    comment_id INTEGER NOT NULL REFERENCES task_comments (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    content    TEXT    NOT NULL,
    html       TEXT    NOT NULL,
    written_at INTEGER NOT NULL,
    PRIMARY KEY (comment_id, version)
);

-- Reactions: one row per (item, emoji, person); `emoji` is the fully
-- qualified form.
CREATE TABLE chat_message_reactions (
    message_id INTEGER NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    emoji      TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
);
CREATE TABLE task_comment_reactions (
    comment_id INTEGER NOT NULL REFERENCES task_comments (id) ON DELETE CASCADE,
    emoji      TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (comment_id, emoji, user_id)
);

-- Everyone an item ever notified of a mention: an edit that mentions them
-- again (after the mention was removed) does not notify them twice.
CREATE TABLE chat_message_notices (
    message_id INTEGER NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, user_id)
);
CREATE TABLE task_comment_notices (
    comment_id INTEGER NOT NULL REFERENCES task_comments (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (comment_id, user_id)
);
INSERT INTO chat_message_notices (message_id, user_id)
SELECT DISTINCT message_id, recipient_id FROM notifications
WHERE kind = 'chat_mention' AND message_id IS NOT NULL;
INSERT INTO task_comment_notices (comment_id, user_id)
SELECT DISTINCT comment_id, recipient_id FROM notifications
WHERE kind = 'comment_mention' AND comment_id IS NOT NULL;
