-- PostgreSQL-only change (the free-text GIN index on an expression
-- instead of a stored tsvector column; SQLite matches q= with LIKE); kept
-- so both dialects share version numbers.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
