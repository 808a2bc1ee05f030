-- Task descriptions in Markdown (issue 26): rendered to sanitized HTML on the
-- server when written, like messages and comments. NULL for descriptions
-- written before: the start-up backfill renders them once.
ALTER TABLE tasks ADD COLUMN description_html TEXT;
