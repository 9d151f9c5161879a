-- PostgreSQL-only change (row-level security policies for the idempotency
-- pruner); kept so both dialects share version numbers.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
