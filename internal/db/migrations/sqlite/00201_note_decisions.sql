-- Notes marked as decisions. Same meaning as the PostgreSQL migration.

-- +goose Up
ALTER TABLE incident_notes ADD COLUMN decision_at TIMESTAMP;
ALTER TABLE incident_notes ADD COLUMN decision_by TEXT NOT NULL DEFAULT '';
CREATE INDEX incident_notes_decisions ON incident_notes (org_id, incident_id, decision_at, id) WHERE decision_at IS NOT NULL;

-- +goose Down
DROP INDEX incident_notes_decisions;
ALTER TABLE incident_notes DROP COLUMN decision_by;
ALTER TABLE incident_notes DROP COLUMN decision_at;
