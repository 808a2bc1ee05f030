-- Replies (issue 27): one level of answers to a room message. A reply is a
-- message of the same room (it takes the room's next `seq`, so resume, the
-- long poll and the history code need no special case) that names its root.
-- The room's main history shows a reply only when it was also sent to the
-- room (`in_room`); the root keeps its count and the time of its last reply.
ALTER TABLE chat_messages ADD COLUMN thread_root_id INTEGER REFERENCES chat_messages (id) ON DELETE CASCADE;
-- 1: listed in the room's main history (every message but a reply that was
-- not "also sent to the room").
ALTER TABLE chat_messages ADD COLUMN in_room INTEGER NOT NULL DEFAULT 1;
ALTER TABLE chat_messages ADD COLUMN reply_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chat_messages ADD COLUMN last_reply_at INTEGER;
-- The main history and unread counts: one range of this partial index.
CREATE INDEX chat_messages_in_room ON chat_messages (room_id, id) WHERE in_room = 1;
-- A root's replies, paged like history.
CREATE INDEX chat_messages_by_root ON chat_messages (thread_root_id, id)
    WHERE thread_root_id IS NOT NULL;

-- Who follows a root's replies: its author, every replier and everyone a
-- reply mentions, automatically; `following = 0` is an unfollow that sticks
-- (automatic following never turns it back on). `last_read_id` is the
-- newest reply the follower has read: the Replies view's unread counts.
CREATE TABLE reply_followers (
    root_id      INTEGER NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    following    INTEGER NOT NULL,
    last_read_id INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (root_id, user_id)
);
CREATE INDEX reply_followers_by_user ON reply_followers (user_id, root_id);
