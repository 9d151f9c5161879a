-- Suppressions and maintenance windows: per-org filters or CEL conditions
-- (with reason, owner, expiry and an optional event-time window) whose
-- matching alerts are stored with status suppressed at correlation time
-- and never open incidents.

-- +goose Up
CREATE TABLE correlation_suppressions (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  name         text NOT NULL,
  reason       text NOT NULL,
  owner        uuid,
  created_by   text NOT NULL,
  enabled      boolean NOT NULL,
  filter       jsonb NOT NULL DEFAULT '{}'::jsonb,
  condition    text NOT NULL DEFAULT '',
  expires_at   timestamptz NOT NULL,
  window_start timestamptz,
  window_end   timestamptz,
  hits         bigint NOT NULL DEFAULT 0,
  last_hit_at  timestamptz,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX correlation_suppressions_active ON correlation_suppressions (org_id, expires_at) WHERE enabled;

ALTER TABLE correlation_suppressions ENABLE ROW LEVEL SECURITY;
ALTER TABLE correlation_suppressions FORCE ROW LEVEL SECURITY;
CREATE POLICY correlation_suppressions_org ON correlation_suppressions
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- +goose Down
DROP TABLE correlation_suppressions;
