-- A retro-hunt's indicators are kept on its row (a JSON array of indicator
-- ids) instead of in the River job's arguments: a 10,000-indicator import
-- no longer writes a 1.5 MB job row through River's GIN index on args.

-- +goose Up
ALTER TABLE intel_hunts ADD COLUMN targets TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE intel_hunts DROP COLUMN targets;
