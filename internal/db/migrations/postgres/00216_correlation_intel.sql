-- intel_match correlation rules: the threat-intel indicators each grouped
-- alert matched, kept with the alert's group membership so that the
-- group's explanation names them.

-- +goose Up
ALTER TABLE correlation_group_alerts ADD COLUMN indicators jsonb NOT NULL DEFAULT '[]'::jsonb;

-- +goose Down
ALTER TABLE correlation_group_alerts DROP COLUMN indicators;
