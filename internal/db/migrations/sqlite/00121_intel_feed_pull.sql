-- Pulled threat-intel feeds: refresh interval, sealed credentials, the next
-- scheduled run, and per-run statistics (see the PostgreSQL migration).

-- +goose Up
ALTER TABLE intel_feeds ADD COLUMN interval_minutes INTEGER NOT NULL DEFAULT 60 CHECK (interval_minutes BETWEEN 5 AND 10080);
ALTER TABLE intel_feeds ADD COLUMN credentials TEXT NOT NULL DEFAULT '';
ALTER TABLE intel_feeds ADD COLUMN next_run_at TIMESTAMP;
CREATE INDEX intel_feeds_due ON intel_feeds (next_run_at) WHERE enabled AND kind <> 'manual';

CREATE TABLE intel_feed_runs (
  id          TEXT PRIMARY KEY,
  org_id      TEXT,
  feed_id     TEXT NOT NULL REFERENCES intel_feeds (id) ON DELETE CASCADE,
  started_at  TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  status      TEXT NOT NULL CHECK (status IN ('running', 'ok', 'not_modified', 'failed')),
  requests    INTEGER NOT NULL DEFAULT 0,
  bytes       INTEGER NOT NULL DEFAULT 0,
  fetched     INTEGER NOT NULL DEFAULT 0,
  created     INTEGER NOT NULL DEFAULT 0,
  updated     INTEGER NOT NULL DEFAULT 0,
  rejected    INTEGER NOT NULL DEFAULT 0,
  cursor      TEXT NOT NULL DEFAULT '',
  error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX intel_feed_runs_feed ON intel_feed_runs (feed_id, id DESC);

-- +goose Down
DROP TABLE intel_feed_runs;
DROP INDEX intel_feeds_due;
ALTER TABLE intel_feeds DROP COLUMN next_run_at;
ALTER TABLE intel_feeds DROP COLUMN credentials;
ALTER TABLE intel_feeds DROP COLUMN interval_minutes;
