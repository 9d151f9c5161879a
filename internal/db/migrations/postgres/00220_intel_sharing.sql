-- Sharing: shared_at is when an indicator's shareable content last changed
-- (import, refresh, deletion), not when a sighting bumped updated_at; the
-- TAXII server's "date added" and keyset order. intel_fanout holds the
-- fan-out guardrail's per-org counters of platform feed indicators (an
-- org cannot write platform rows).

-- +goose Up
ALTER TABLE intel_indicators ADD COLUMN shared_at timestamptz;
UPDATE intel_indicators SET shared_at = updated_at;
ALTER TABLE intel_indicators ALTER COLUMN shared_at SET NOT NULL;
CREATE INDEX intel_indicators_org_shared ON intel_indicators (org_id, shared_at, id);

CREATE TABLE intel_fanout (
  org_id           uuid NOT NULL,
  indicator_id     uuid NOT NULL REFERENCES intel_indicators (id) ON DELETE CASCADE,
  match_hour       bigint NOT NULL DEFAULT 0,
  match_hour_count integer NOT NULL DEFAULT 0,
  flagged          boolean NOT NULL DEFAULT false,
  throttled_until  timestamptz,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (org_id, indicator_id)
);
CREATE INDEX intel_fanout_flagged ON intel_fanout (org_id) WHERE flagged;
ALTER TABLE intel_fanout ENABLE ROW LEVEL SECURITY;
ALTER TABLE intel_fanout FORCE ROW LEVEL SECURITY;
CREATE POLICY intel_fanout_org ON intel_fanout
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- +goose Down
DROP TABLE intel_fanout;
DROP INDEX intel_indicators_org_shared;
ALTER TABLE intel_indicators DROP COLUMN shared_at;
