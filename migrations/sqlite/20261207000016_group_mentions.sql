-- Group mentions (issue 27 §3): @room, @board and @here call many people at
-- once. On a board of more than 15 members only its owners may use them,
-- unless an owner lets everyone ('everyone'). Each person may call a room's
-- group at most once in five minutes: the time of their last call, per room.
ALTER TABLE boards ADD COLUMN group_mentions TEXT NOT NULL DEFAULT 'owners';
CREATE TABLE group_mention_calls (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id   INTEGER NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    called_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, room_id)
);
