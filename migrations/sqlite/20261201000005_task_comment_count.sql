-- How many (not deleted) comments a task has, for the count on its card. Kept
-- in the same statement that takes the task's next comment `seq`, so it is
-- exact under concurrent writers and costs the board page nothing to read.
ALTER TABLE tasks ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0;

UPDATE tasks SET comment_count = (
    SELECT COUNT(*) FROM task_comments c
    WHERE c.task_id = tasks.id AND c.deleted_at IS NULL
);
