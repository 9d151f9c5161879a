-- Indicator lifecycle: decay expiry, fan-out guardrail counters and the
-- per-org allowlist (see the PostgreSQL migration).

-- +goose Up
ALTER TABLE intel_indicators ADD COLUMN expires_at TIMESTAMP;
ALTER TABLE intel_indicators ADD COLUMN expired INTEGER NOT NULL DEFAULT 0;
ALTER TABLE intel_indicators ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE intel_indicators ADD COLUMN throttled_until TIMESTAMP;
ALTER TABLE intel_indicators ADD COLUMN match_hour INTEGER NOT NULL DEFAULT 0;
ALTER TABLE intel_indicators ADD COLUMN match_hour_count INTEGER NOT NULL DEFAULT 0;
CREATE INDEX intel_indicators_expiry ON intel_indicators (org_id, expires_at) WHERE NOT expired AND NOT deleted;

CREATE TABLE intel_allowlist (
  id         TEXT PRIMARY KEY,
  org_id     TEXT NOT NULL,
  type       TEXT NOT NULL,
  value      TEXT NOT NULL,
  subdomains INTEGER NOT NULL DEFAULT 0,
  comment    TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL DEFAULT '',
  created_at TIMESTAMP NOT NULL,
  CONSTRAINT intel_allowlist_value UNIQUE (org_id, type, value)
);
CREATE INDEX intel_allowlist_org ON intel_allowlist (org_id, id DESC);

-- +goose Down
DROP TABLE intel_allowlist;
DROP INDEX intel_indicators_expiry;
ALTER TABLE intel_indicators DROP COLUMN match_hour_count;
ALTER TABLE intel_indicators DROP COLUMN match_hour;
ALTER TABLE intel_indicators DROP COLUMN throttled_until;
ALTER TABLE intel_indicators DROP COLUMN flagged;
ALTER TABLE intel_indicators DROP COLUMN expired;
ALTER TABLE intel_indicators DROP COLUMN expires_at;
