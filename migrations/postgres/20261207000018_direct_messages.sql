-- PostgreSQL twin of migrations/sqlite/20261207000018_direct_messages.sql. Keep the two in step.
-- Direct messages: a room that belongs to no board. `chat_rooms.board_id`
-- and `notifications.board_id` become nullable (PostgreSQL drops a NOT NULL
-- in place: no rebuild, nothing cascades), and a direct message keeps the
-- sorted ids of its people (`dm_key`, unique) so opening one with the same
-- people again finds it.
ALTER TABLE chat_rooms ALTER COLUMN board_id DROP NOT NULL;
ALTER TABLE chat_rooms ADD COLUMN dm_key TEXT;
CREATE UNIQUE INDEX chat_rooms_dm ON chat_rooms (dm_key) WHERE dm_key IS NOT NULL;
ALTER TABLE notifications ALTER COLUMN board_id DROP NOT NULL;
