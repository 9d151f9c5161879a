-- The free-text index indexes the expression instead of a stored
-- tsvector column (docs/performance.md, "Bytes per alert"): the column
-- repeated title and description in every row (~126 bytes per alert, and
-- again in each dead version a repeat's update leaves). The list filter
-- q= matches to_tsvector('simple', title || ' ' || description), the same
-- expression, so the planner uses the index as before; a row read through
-- another index computes the vector (title and description are short).
-- Dropping the column rewrites nothing: new rows no longer carry it, old
-- rows keep the bytes until they are rewritten (VACUUM FULL, pg_repack).

-- +goose Up
DROP INDEX alerts_search;
ALTER TABLE alerts DROP COLUMN search;
CREATE INDEX alerts_search ON alerts USING gin (to_tsvector('simple', title || ' ' || description)) WITH (fastupdate = off);

-- +goose Down
DROP INDEX alerts_search;
ALTER TABLE alerts ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || description)) STORED;
CREATE INDEX alerts_search ON alerts USING gin (search) WITH (fastupdate = off);
