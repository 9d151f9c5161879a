-- Periodic mining of suggested correlation rules: when each org was last
-- mined (same meaning as the PostgreSQL migration; SQLite has no
-- row-level security, so the scheduler reads the column directly).

-- +goose Up
ALTER TABLE correlation_settings ADD COLUMN suggestions_mined_at TIMESTAMP;

-- +goose Down
ALTER TABLE correlation_settings DROP COLUMN suggestions_mined_at;
