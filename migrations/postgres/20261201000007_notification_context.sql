-- PostgreSQL twin of migrations/sqlite/20261201000007_notification_context.sql.
-- A notification shows where the mention happened (the task's title, the
-- room's name). While the recipient still has access, that is the current
-- name; once they are removed from the board or room, it is this stored copy:
-- what they saw when they were notified, never a later rename they may no
-- longer see.
ALTER TABLE notifications ADD COLUMN context TEXT NOT NULL DEFAULT '';
UPDATE notifications SET context = COALESCE(
    (SELECT title FROM tasks WHERE tasks.id = notifications.task_id),
    (SELECT '#' || name FROM chat_rooms WHERE chat_rooms.id = notifications.room_id),
    '');
