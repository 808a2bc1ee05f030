-- PostgreSQL twin of migrations/sqlite/20261206000009_public_rooms.sql. Keep the two in step.
-- Rooms a team can find. A room is public (any board member may see, read
-- and join it) or private (invitation only). Every board has one default
-- room, `#general`, that every board member is in: it cannot be left,
-- archived, deleted or made private.
--
-- Existing rooms were invitation-only: they stay private, so no history
-- becomes readable by people it was not shown to. Rooms created from now
-- on are public unless asked otherwise (the column's default).
ALTER TABLE chat_rooms ADD COLUMN is_private BIGINT NOT NULL DEFAULT 0;
ALTER TABLE chat_rooms ADD COLUMN is_default BIGINT NOT NULL DEFAULT 0;
UPDATE chat_rooms SET is_private = 1;

-- Each existing board gets its `#general` (named `general-2` where a room
-- called general exists already, `general-<board id>` if both are taken),
-- created by the board's owner, with all the board's members in it.
INSERT INTO chat_rooms (board_id, name, name_key, description, created_by, created_at,
                        is_private, is_default)
SELECT b.id, n.name, n.name, 'Everyone on this board.', b.owner_id,
       CAST(EXTRACT(EPOCH FROM now()) * 1000 AS BIGINT), 0, 1
FROM boards b
JOIN (
    SELECT b2.id AS board_id,
           CASE
             WHEN NOT EXISTS (SELECT 1 FROM chat_rooms r
                              WHERE r.board_id = b2.id AND r.name_key = 'general') THEN 'general'
             WHEN NOT EXISTS (SELECT 1 FROM chat_rooms r
                              WHERE r.board_id = b2.id AND r.name_key = 'general-2') THEN 'general-2'
             ELSE 'general-' || CAST(b2.id AS TEXT)
           END AS name
    FROM boards b2
) n ON n.board_id = b.id;

INSERT INTO chat_room_members (room_id, user_id, added_at, last_read_id)
SELECT r.id, m.user_id, r.created_at, 0
FROM chat_rooms r JOIN board_members m ON m.board_id = r.board_id
WHERE r.is_default = 1;

-- One default room per board; finding it is one index lookup.
CREATE UNIQUE INDEX chat_rooms_default ON chat_rooms (board_id) WHERE is_default = 1;
