-- Per-org correlation settings: the over-common-entity guardrail (share
-- and minimum sample), the org's keep list (entities grouped on even when
-- common), and the last computed list of over-common entities.

-- +goose Up
CREATE TABLE correlation_settings (
  org_id            uuid PRIMARY KEY,
  common_share      double precision NOT NULL DEFAULT 0.2,
  common_min_alerts integer NOT NULL DEFAULT 100,
  keep_entities     jsonb NOT NULL DEFAULT '[]'::jsonb,
  common_entities   jsonb NOT NULL DEFAULT '[]'::jsonb,
  computed_at       timestamptz,
  updated_at        timestamptz NOT NULL
);

ALTER TABLE correlation_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE correlation_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY correlation_settings_org ON correlation_settings
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- +goose Down
DROP TABLE correlation_settings;
