-- Indexes for the triage filters (see the PostgreSQL migration):
-- entities_org_value serves q= over entity values. SQLite matches
-- technique roll-ups with json_each and LIKE (no expression index needed
-- at SQLite scale).

-- +goose Up
CREATE INDEX entities_org_value ON entities (org_id, value);

-- +goose Down
DROP INDEX entities_org_value;
