-- Correlation group memberships keep no copy of the alert's entities:
-- explanations and the over-common-entity guardrail read them from the
-- alerts through the alert facade (each grouping's explanation is stored
-- once, in incident_groupings). Saves about 870 bytes per membership.

-- +goose Up
ALTER TABLE correlation_group_alerts DROP COLUMN entities;

-- +goose Down
ALTER TABLE correlation_group_alerts ADD COLUMN entities jsonb NOT NULL DEFAULT '[]'::jsonb;
