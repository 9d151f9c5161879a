-- Correlation group memberships keep no copy of the alert's entities
-- (same meaning as the PostgreSQL migration).

-- +goose Up
ALTER TABLE correlation_group_alerts DROP COLUMN entities;

-- +goose Down
ALTER TABLE correlation_group_alerts ADD COLUMN entities TEXT NOT NULL DEFAULT '[]';
