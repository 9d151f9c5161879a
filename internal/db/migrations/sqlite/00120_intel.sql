-- Threat intelligence: feeds, subscriptions to platform feeds, indicators,
-- alert matches and retro-hunt runs. Same meaning as the PostgreSQL
-- migration (org_id NULL = platform feed); SQLite has no row-level
-- security, the store filters by org.

-- +goose Up
CREATE TABLE intel_feeds (
  id                 TEXT PRIMARY KEY,
  org_id             TEXT,
  name               TEXT NOT NULL,
  kind               TEXT NOT NULL CHECK (kind IN ('manual', 'stix', 'taxii', 'misp', 'csv')),
  url                TEXT NOT NULL DEFAULT '',
  config             TEXT NOT NULL DEFAULT '{}',
  enabled            INTEGER NOT NULL DEFAULT 1,
  confidence         INTEGER NOT NULL DEFAULT 50 CHECK (confidence BETWEEN 0 AND 100),
  tlp                TEXT NOT NULL DEFAULT 'amber',
  etag               TEXT NOT NULL DEFAULT '',
  last_modified      TEXT NOT NULL DEFAULT '',
  cursor             TEXT NOT NULL DEFAULT '',
  last_run_at        TIMESTAMP,
  last_success_at    TIMESTAMP,
  last_error         TEXT NOT NULL DEFAULT '',
  consecutive_errors INTEGER NOT NULL DEFAULT 0,
  last_count         INTEGER NOT NULL DEFAULT 0,
  created_at         TIMESTAMP NOT NULL,
  updated_at         TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX intel_feeds_org_name ON intel_feeds (org_id, name) WHERE org_id IS NOT NULL;
CREATE UNIQUE INDEX intel_feeds_platform_name ON intel_feeds (name) WHERE org_id IS NULL;

CREATE TABLE intel_subscriptions (
  org_id     TEXT NOT NULL,
  feed_id    TEXT NOT NULL REFERENCES intel_feeds (id) ON DELETE CASCADE,
  created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, feed_id)
);
CREATE INDEX intel_subscriptions_feed ON intel_subscriptions (feed_id);

CREATE TABLE intel_indicators (
  id              TEXT PRIMARY KEY,
  org_id          TEXT,
  feed_id         TEXT NOT NULL REFERENCES intel_feeds (id) ON DELETE CASCADE,
  type            TEXT NOT NULL,
  value           TEXT NOT NULL,
  subdomains      INTEGER NOT NULL DEFAULT 0,
  detect          INTEGER NOT NULL DEFAULT 1,
  confidence      INTEGER NOT NULL DEFAULT 50 CHECK (confidence BETWEEN 0 AND 100),
  tlp             TEXT NOT NULL DEFAULT 'amber',
  pap             TEXT NOT NULL DEFAULT 'amber',
  first_seen      TIMESTAMP NOT NULL,
  last_seen       TIMESTAMP NOT NULL,
  valid_until     TIMESTAMP,
  tags            TEXT NOT NULL DEFAULT '[]',
  attack          TEXT NOT NULL DEFAULT '[]',
  description     TEXT NOT NULL DEFAULT '',
  stix_id         TEXT NOT NULL DEFAULT '',
  sightings       INTEGER NOT NULL DEFAULT 0,
  false_positives INTEGER NOT NULL DEFAULT 0,
  deleted         INTEGER NOT NULL DEFAULT 0,
  created_at      TIMESTAMP NOT NULL,
  updated_at      TIMESTAMP NOT NULL,
  CONSTRAINT intel_indicators_feed_value UNIQUE (feed_id, type, value)
);
CREATE INDEX intel_indicators_org_id ON intel_indicators (org_id, id DESC);
CREATE INDEX intel_indicators_org_value ON intel_indicators (org_id, type, value);
CREATE INDEX intel_indicators_org_updated ON intel_indicators (org_id, updated_at);
CREATE INDEX intel_indicators_feed_updated ON intel_indicators (feed_id, updated_at);

CREATE TABLE intel_matches (
  id             TEXT PRIMARY KEY,
  org_id         TEXT NOT NULL,
  alert_id       TEXT NOT NULL,
  indicator_id   TEXT NOT NULL,
  feed_id        TEXT NOT NULL,
  type           TEXT NOT NULL,
  value          TEXT NOT NULL,
  role           TEXT NOT NULL DEFAULT '',
  source         TEXT NOT NULL DEFAULT 'ingest' CHECK (source IN ('ingest', 'retrohunt')),
  false_positive INTEGER NOT NULL DEFAULT 0,
  matched_at     TIMESTAMP NOT NULL,
  CONSTRAINT intel_matches_unique UNIQUE (org_id, alert_id, indicator_id, role)
);
CREATE INDEX intel_matches_org ON intel_matches (org_id, id DESC);
CREATE INDEX intel_matches_alert ON intel_matches (org_id, alert_id);
CREATE INDEX intel_matches_indicator ON intel_matches (org_id, indicator_id);

CREATE TABLE intel_hunts (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL,
  indicators   INTEGER NOT NULL DEFAULT 0,
  since        TIMESTAMP NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('queued', 'done', 'failed')),
  scanned      INTEGER NOT NULL DEFAULT 0,
  matched      INTEGER NOT NULL DEFAULT 0,
  truncated    INTEGER NOT NULL DEFAULT 0,
  error        TEXT NOT NULL DEFAULT '',
  created_at   TIMESTAMP NOT NULL,
  finished_at  TIMESTAMP
);
CREATE INDEX intel_hunts_org ON intel_hunts (org_id, id DESC);

-- +goose Down
DROP TABLE intel_hunts;
DROP TABLE intel_matches;
DROP TABLE intel_indicators;
DROP TABLE intel_subscriptions;
DROP TABLE intel_feeds;
