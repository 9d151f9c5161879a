-- The latest event time of an alert's occurrences (see the PostgreSQL
-- migration). NULL on older rows means event_time.

-- +goose Up
ALTER TABLE alerts ADD COLUMN last_event_time TIMESTAMP;

-- +goose Down
ALTER TABLE alerts DROP COLUMN last_event_time;
