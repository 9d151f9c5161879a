-- Indicator lifecycle: when the decay score falls below the threshold
-- (expires_at, recomputed on import, sighting and false positive), the
-- expiry job marks the indicator expired; the fan-out guardrail counts
-- matches per hour and flags/throttles an indicator over the limit; the
-- per-org allowlist holds values that never match.

-- +goose Up
ALTER TABLE intel_indicators ADD COLUMN expires_at timestamptz;
ALTER TABLE intel_indicators ADD COLUMN expired boolean NOT NULL DEFAULT false;
ALTER TABLE intel_indicators ADD COLUMN flagged boolean NOT NULL DEFAULT false;
ALTER TABLE intel_indicators ADD COLUMN throttled_until timestamptz;
ALTER TABLE intel_indicators ADD COLUMN match_hour bigint NOT NULL DEFAULT 0;
ALTER TABLE intel_indicators ADD COLUMN match_hour_count integer NOT NULL DEFAULT 0;
CREATE INDEX intel_indicators_expiry ON intel_indicators (org_id, expires_at) WHERE NOT expired AND NOT deleted;

CREATE TABLE intel_allowlist (
  id         uuid PRIMARY KEY,
  org_id     uuid NOT NULL,
  type       text NOT NULL,
  value      text NOT NULL,
  subdomains boolean NOT NULL DEFAULT false,
  comment    text NOT NULL DEFAULT '',
  created_by text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  CONSTRAINT intel_allowlist_value UNIQUE (org_id, type, value)
);
CREATE INDEX intel_allowlist_org ON intel_allowlist (org_id, id DESC);
ALTER TABLE intel_allowlist ENABLE ROW LEVEL SECURITY;
ALTER TABLE intel_allowlist FORCE ROW LEVEL SECURITY;
CREATE POLICY intel_allowlist_org ON intel_allowlist
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- The expiry job's cross-org step: mark decayed indicators of every org
-- expired (and bump updated_at so every replica's index drops them).
-- +goose StatementBegin
CREATE FUNCTION intel_expire_indicators(at timestamptz) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH d AS (UPDATE intel_indicators SET expired = true, updated_at = at
    WHERE NOT expired AND NOT deleted AND (expires_at < at OR valid_until < at) RETURNING 1)
  SELECT count(*) FROM d
$$;
-- +goose StatementEnd
CREATE POLICY definer_read ON intel_indicators FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY definer_expire ON intel_indicators FOR UPDATE TO CURRENT_USER USING (true) WITH CHECK (true);
REVOKE ALL ON FUNCTION intel_expire_indicators(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION intel_expire_indicators(timestamptz) TO securenexus_app;

-- +goose Down
DROP FUNCTION intel_expire_indicators(timestamptz);
DROP POLICY definer_expire ON intel_indicators;
DROP POLICY definer_read ON intel_indicators;
DROP TABLE intel_allowlist;
DROP INDEX intel_indicators_expiry;
ALTER TABLE intel_indicators DROP COLUMN match_hour_count;
ALTER TABLE intel_indicators DROP COLUMN match_hour;
ALTER TABLE intel_indicators DROP COLUMN throttled_until;
ALTER TABLE intel_indicators DROP COLUMN flagged;
ALTER TABLE intel_indicators DROP COLUMN expired;
ALTER TABLE intel_indicators DROP COLUMN expires_at;
