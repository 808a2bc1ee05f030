-- PostgreSQL twin of migrations/sqlite/20261126000004_room_message_seq.sql.
-- Per-room message numbers, contiguous: each message takes its room's next
-- `seq` inside the inserting transaction (the room row is updated first, which
-- also serialises writers per room across instances). A connection that sees
-- seq N+2 after N knows N+1 exists and fetches it from the database, so
-- messages relayed by different instances reach every client in order, once.
ALTER TABLE chat_rooms ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE chat_messages ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;

UPDATE chat_messages SET seq = (
    SELECT COUNT(*) FROM chat_messages earlier
    WHERE earlier.room_id = chat_messages.room_id AND earlier.id <= chat_messages.id
);
UPDATE chat_rooms SET last_seq = (
    SELECT COALESCE(MAX(m.seq), 0) FROM chat_messages m WHERE m.room_id = chat_rooms.id
);

CREATE UNIQUE INDEX chat_messages_by_seq ON chat_messages (room_id, seq);
