-- Notification preferences (issue 27 §4). Per board, room or task (`scope`,
-- `scope_id`): which notifications a person gets there (`level`: 'all',
-- 'mentions', 'nothing'; NULL: as the wider scope says, a room or task
-- inheriting its board's), whether the room is muted (no unread badge), and
-- whether a muted room still calls them with @room/@board/@here
-- (`group_calls`). The most specific setting wins. No foreign key on
-- `scope_id` (it names a row of one of three tables): a setting outliving
-- its board, room or task is never read again.
CREATE TABLE notification_prefs (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope       TEXT    NOT NULL,
    scope_id    INTEGER NOT NULL,
    level       TEXT,
    muted       INTEGER NOT NULL DEFAULT 0,
    group_calls INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, scope, scope_id)
);

-- People a user muted: their notifications never reach that user.
CREATE TABLE muted_people (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    muted_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    muted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, muted_id)
);
