-- intel_match correlation rules: indicators of each grouped alert (see the
-- PostgreSQL migration).

-- +goose Up
ALTER TABLE correlation_group_alerts ADD COLUMN indicators TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE correlation_group_alerts DROP COLUMN indicators;
