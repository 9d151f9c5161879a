-- The latest event time of an alert's occurrences, so that an occurrence
-- just after a dedup bucket boundary can join the alert of the previous
-- bucket (docs/ingest.md, "Deduplication"). NULL on older rows means
-- event_time. Adding a nullable column without a default rewrites nothing.

-- +goose Up
ALTER TABLE alerts ADD COLUMN last_event_time timestamptz;

-- +goose Down
ALTER TABLE alerts DROP COLUMN last_event_time;
