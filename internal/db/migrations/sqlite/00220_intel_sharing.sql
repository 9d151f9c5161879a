-- Sharing: shared_at (the TAXII server's date added) and the per-org
-- fan-out counters of platform feed indicators (see the PostgreSQL
-- migration).

-- +goose Up
ALTER TABLE intel_indicators ADD COLUMN shared_at TIMESTAMP;
UPDATE intel_indicators SET shared_at = updated_at;
CREATE INDEX intel_indicators_org_shared ON intel_indicators (org_id, shared_at, id);

CREATE TABLE intel_fanout (
  org_id           TEXT NOT NULL,
  indicator_id     TEXT NOT NULL REFERENCES intel_indicators (id) ON DELETE CASCADE,
  match_hour       INTEGER NOT NULL DEFAULT 0,
  match_hour_count INTEGER NOT NULL DEFAULT 0,
  flagged          INTEGER NOT NULL DEFAULT 0,
  throttled_until  TIMESTAMP,
  updated_at       TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, indicator_id)
);
CREATE INDEX intel_fanout_flagged ON intel_fanout (org_id) WHERE flagged;

-- +goose Down
DROP TABLE intel_fanout;
DROP INDEX intel_indicators_org_shared;
ALTER TABLE intel_indicators DROP COLUMN shared_at;
