-- Pulled threat-intel feeds: refresh interval, sealed credentials, the next
-- scheduled run, and per-run statistics. The scheduler finds due feeds of
-- every org through a SECURITY DEFINER function (intel_feeds forces RLS; a
-- transaction armed for no org sees only platform feeds).

-- +goose Up
ALTER TABLE intel_feeds ADD COLUMN interval_minutes integer NOT NULL DEFAULT 60 CHECK (interval_minutes BETWEEN 5 AND 10080);
ALTER TABLE intel_feeds ADD COLUMN credentials text NOT NULL DEFAULT '';
ALTER TABLE intel_feeds ADD COLUMN next_run_at timestamptz;
CREATE INDEX intel_feeds_due ON intel_feeds (next_run_at) WHERE enabled AND kind <> 'manual';

CREATE TABLE intel_feed_runs (
  id          uuid PRIMARY KEY,
  org_id      uuid,
  feed_id     uuid NOT NULL REFERENCES intel_feeds (id) ON DELETE CASCADE,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  status      text NOT NULL CHECK (status IN ('running', 'ok', 'not_modified', 'failed')),
  requests    integer NOT NULL DEFAULT 0,
  bytes       bigint NOT NULL DEFAULT 0,
  fetched     integer NOT NULL DEFAULT 0,
  created     integer NOT NULL DEFAULT 0,
  updated     integer NOT NULL DEFAULT 0,
  rejected    integer NOT NULL DEFAULT 0,
  cursor      text NOT NULL DEFAULT '',
  error       text NOT NULL DEFAULT ''
);
CREATE INDEX intel_feed_runs_feed ON intel_feed_runs (feed_id, id DESC);

ALTER TABLE intel_feed_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE intel_feed_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY intel_feed_runs_read ON intel_feed_runs FOR SELECT
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid OR org_id IS NULL);
CREATE POLICY intel_feed_runs_write ON intel_feed_runs FOR ALL
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid
    OR (org_id IS NULL AND NULLIF(current_setting('app.org_id', true), '') IS NULL AND current_setting('app.intel_platform', true) = 'on'))
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid
    OR (org_id IS NULL AND NULLIF(current_setting('app.org_id', true), '') IS NULL AND current_setting('app.intel_platform', true) = 'on'));

-- The scheduler's cross-org read: ids and orgs of enabled pulled feeds
-- that are due, nothing else.
CREATE POLICY definer_read ON intel_feeds FOR SELECT TO CURRENT_USER USING (true);
-- +goose StatementBegin
CREATE FUNCTION intel_due_feeds(at timestamptz, lim integer) RETURNS TABLE (feed_id uuid, feed_org uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id, org_id FROM intel_feeds
  WHERE enabled AND kind <> 'manual' AND url <> '' AND (next_run_at IS NULL OR next_run_at <= at)
  ORDER BY next_run_at NULLS FIRST LIMIT lim
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION intel_due_feeds(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION intel_due_feeds(timestamptz, integer) TO securenexus_app;

-- +goose Down
DROP FUNCTION intel_due_feeds(timestamptz, integer);
DROP POLICY definer_read ON intel_feeds;
DROP TABLE intel_feed_runs;
DROP INDEX intel_feeds_due;
ALTER TABLE intel_feeds DROP COLUMN next_run_at;
ALTER TABLE intel_feeds DROP COLUMN credentials;
ALTER TABLE intel_feeds DROP COLUMN interval_minutes;
