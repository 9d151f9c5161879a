-- PostgreSQL-only change (alerts.quality to double precision; SQLite REAL is
-- already 8 bytes); kept so both dialects share version numbers.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
