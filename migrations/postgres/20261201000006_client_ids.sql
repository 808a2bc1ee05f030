-- PostgreSQL twin of migrations/sqlite/20261201000006_client_ids.sql.
-- Exactly-once sends: a message or comment may carry the sending client's own id for it
-- (`client_id`). Sending it again — an outbox re-sending after an ack was
-- lost — finds the stored row instead of writing a second one, on any
-- instance: the unique index makes a racing second insert fail. The id is
-- kept as long as the text (at least the 24 hours a retry may take).
ALTER TABLE chat_messages ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX chat_messages_by_client_id ON chat_messages (author_id, client_id)
    WHERE client_id IS NOT NULL;

ALTER TABLE task_comments ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX task_comments_by_client_id ON task_comments (author_id, client_id)
    WHERE client_id IS NOT NULL;
