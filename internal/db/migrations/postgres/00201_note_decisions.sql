-- Notes marked as decisions (the incident's decision log): when and by
-- whom a note was marked; NULL when it is not a decision.

-- +goose Up
ALTER TABLE incident_notes ADD COLUMN decision_at timestamptz;
ALTER TABLE incident_notes ADD COLUMN decision_by text NOT NULL DEFAULT '';
CREATE INDEX incident_notes_decisions ON incident_notes (org_id, incident_id, decision_at, id) WHERE decision_at IS NOT NULL;

-- +goose Down
DROP INDEX incident_notes_decisions;
ALTER TABLE incident_notes DROP COLUMN decision_by;
ALTER TABLE incident_notes DROP COLUMN decision_at;
