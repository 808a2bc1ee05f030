-- PostgreSQL twin of migrations/sqlite/20261206000012_kanban_depth.sql. Keep the two in step.
-- The kanban a team expects: due dates and done, several assignees, labels,
-- checklists, archiving instead of destroying, and each card's history.
ALTER TABLE tasks ADD COLUMN due_at BIGINT;
ALTER TABLE tasks ADD COLUMN done_at BIGINT;
ALTER TABLE tasks ADD COLUMN archived_at BIGINT;
ALTER TABLE tasks ADD COLUMN checklist_done BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN checklist_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN due_soon_sent BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN overdue_sent BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tasks_due ON tasks (due_at) WHERE due_at IS NOT NULL AND done_at IS NULL AND archived_at IS NULL;

ALTER TABLE board_columns ADD COLUMN archived_at BIGINT;
ALTER TABLE boards ADD COLUMN archived_at BIGINT;

CREATE TABLE task_assignees (
    task_id  BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX task_assignees_by_user ON task_assignees (user_id, task_id);
INSERT INTO task_assignees (task_id, user_id, added_at)
SELECT id, assignee_id, updated_at FROM tasks WHERE assignee_id IS NOT NULL;

CREATE TABLE labels (
    id         BIGSERIAL PRIMARY KEY,
    board_id   BIGINT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    color      TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX labels_by_board ON labels (board_id, id);
CREATE TABLE task_labels (
    task_id  BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    label_id BIGINT NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, label_id)
);
CREATE INDEX task_labels_by_label ON task_labels (label_id);

CREATE TABLE checklist_items (
    id          BIGSERIAL PRIMARY KEY,
    task_id     BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    text        TEXT   NOT NULL,
    done        BIGINT NOT NULL DEFAULT 0,
    position    BIGINT NOT NULL,
    assignee_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    due_at      BIGINT,
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX checklist_items_by_task ON checklist_items (task_id, position);

CREATE TABLE task_activity (
    id         BIGSERIAL PRIMARY KEY,
    task_id    BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    board_id   BIGINT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    actor_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    detail     TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX task_activity_by_task ON task_activity (task_id, id);
INSERT INTO task_activity (task_id, board_id, seq, actor_id, detail, created_at)
SELECT t.id, t.board_id, 0, t.created_by,
       json_build_object('kind', 'created', 'column', c.name)::text, t.created_at
FROM tasks t JOIN board_columns c ON c.id = t.column_id
ORDER BY t.id;

-- The kinds grow with every feature: the list lives in
-- `model::NotificationKind` (see the SQLite twin).
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check;
