-- PostgreSQL-only change (a definer function analyzing the alert tables);
-- kept so both dialects share version numbers.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
