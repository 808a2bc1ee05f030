-- PostgreSQL twin of migrations/sqlite/20261207000014_task_description_html.sql. Keep the two in step.
-- Task descriptions in Markdown (issue 26): rendered to sanitized HTML on the
-- server when written, like messages and comments. NULL for descriptions
-- written before: the start-up backfill renders them once.
ALTER TABLE tasks ADD COLUMN description_html TEXT;
