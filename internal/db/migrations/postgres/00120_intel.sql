-- Threat intelligence: feeds, subscriptions to platform feeds, indicators,
-- alert matches and retro-hunt runs.
--
-- Platform feeds and their indicators have org_id NULL: stored once, read by
-- every subscribing org, never writable by an org. Policies are per command:
-- SELECT sees the org's own rows plus platform rows of the feeds the org
-- subscribes to (and, in a transaction armed for no org, every platform row:
-- the index refresher and the platform feed importer); INSERT/UPDATE/DELETE
-- only ever touch the armed org's rows, or platform rows in a transaction
-- armed for no org that sets app.intel_platform = 'on' (the platform feed
-- writer, docs/security.md).

-- +goose Up
CREATE TABLE intel_feeds (
  id                 uuid PRIMARY KEY,
  org_id             uuid,
  name               text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('manual', 'stix', 'taxii', 'misp', 'csv')),
  url                text NOT NULL DEFAULT '',
  config             jsonb NOT NULL DEFAULT '{}'::jsonb,
  enabled            boolean NOT NULL DEFAULT true,
  confidence         smallint NOT NULL DEFAULT 50 CHECK (confidence BETWEEN 0 AND 100),
  tlp                text NOT NULL DEFAULT 'amber',
  etag               text NOT NULL DEFAULT '',
  last_modified      text NOT NULL DEFAULT '',
  cursor             text NOT NULL DEFAULT '',
  last_run_at        timestamptz,
  last_success_at    timestamptz,
  last_error         text NOT NULL DEFAULT '',
  consecutive_errors integer NOT NULL DEFAULT 0,
  last_count         integer NOT NULL DEFAULT 0,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL
);
CREATE UNIQUE INDEX intel_feeds_org_name ON intel_feeds (org_id, name) WHERE org_id IS NOT NULL;
CREATE UNIQUE INDEX intel_feeds_platform_name ON intel_feeds (name) WHERE org_id IS NULL;

CREATE TABLE intel_subscriptions (
  org_id     uuid NOT NULL,
  feed_id    uuid NOT NULL REFERENCES intel_feeds (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, feed_id)
);
CREATE INDEX intel_subscriptions_feed ON intel_subscriptions (feed_id);

CREATE TABLE intel_indicators (
  id              uuid PRIMARY KEY,
  org_id          uuid,
  feed_id         uuid NOT NULL REFERENCES intel_feeds (id) ON DELETE CASCADE,
  type            text NOT NULL,
  value           text NOT NULL,
  subdomains      boolean NOT NULL DEFAULT false,
  detect          boolean NOT NULL DEFAULT true,
  confidence      smallint NOT NULL DEFAULT 50 CHECK (confidence BETWEEN 0 AND 100),
  tlp             text NOT NULL DEFAULT 'amber',
  pap             text NOT NULL DEFAULT 'amber',
  first_seen      timestamptz NOT NULL,
  last_seen       timestamptz NOT NULL,
  valid_until     timestamptz,
  tags            jsonb NOT NULL DEFAULT '[]'::jsonb,
  attack          jsonb NOT NULL DEFAULT '[]'::jsonb,
  description     text NOT NULL DEFAULT '',
  stix_id         text NOT NULL DEFAULT '',
  sightings       integer NOT NULL DEFAULT 0,
  false_positives integer NOT NULL DEFAULT 0,
  deleted         boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  CONSTRAINT intel_indicators_feed_value UNIQUE (feed_id, type, value)
);
-- Keyset listing, value lookup, and the index refresher's change scan.
CREATE INDEX intel_indicators_org_id ON intel_indicators (org_id, id DESC);
CREATE INDEX intel_indicators_org_value ON intel_indicators (org_id, type, value);
CREATE INDEX intel_indicators_org_updated ON intel_indicators (org_id, updated_at);
CREATE INDEX intel_indicators_feed_updated ON intel_indicators (feed_id, updated_at);

CREATE TABLE intel_matches (
  id             uuid PRIMARY KEY,
  org_id         uuid NOT NULL,
  alert_id       uuid NOT NULL,
  indicator_id   uuid NOT NULL,
  feed_id        uuid NOT NULL,
  type           text NOT NULL,
  value          text NOT NULL,
  role           text NOT NULL DEFAULT '',
  source         text NOT NULL DEFAULT 'ingest' CHECK (source IN ('ingest', 'retrohunt')),
  false_positive boolean NOT NULL DEFAULT false,
  matched_at     timestamptz NOT NULL,
  CONSTRAINT intel_matches_unique UNIQUE (org_id, alert_id, indicator_id, role)
);
CREATE INDEX intel_matches_org ON intel_matches (org_id, id DESC);
CREATE INDEX intel_matches_alert ON intel_matches (org_id, alert_id);
CREATE INDEX intel_matches_indicator ON intel_matches (org_id, indicator_id);

CREATE TABLE intel_hunts (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  indicators   integer NOT NULL DEFAULT 0,
  since        timestamptz NOT NULL,
  status       text NOT NULL CHECK (status IN ('queued', 'done', 'failed')),
  scanned      integer NOT NULL DEFAULT 0,
  matched      integer NOT NULL DEFAULT 0,
  truncated    boolean NOT NULL DEFAULT false,
  error        text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL,
  finished_at  timestamptz
);
CREATE INDEX intel_hunts_org ON intel_hunts (org_id, id DESC);

ALTER TABLE intel_feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE intel_feeds FORCE ROW LEVEL SECURITY;
CREATE POLICY intel_feeds_read ON intel_feeds FOR SELECT
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid OR org_id IS NULL);
CREATE POLICY intel_feeds_org_insert ON intel_feeds FOR INSERT
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid
    OR (org_id IS NULL AND NULLIF(current_setting('app.org_id', true), '') IS NULL AND current_setting('app.intel_platform', true) = 'on'));
CREATE POLICY intel_feeds_org_update ON intel_feeds FOR UPDATE
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid
    OR (org_id IS NULL AND NULLIF(current_setting('app.org_id', true), '') IS NULL AND current_setting('app.intel_platform', true) = 'on'))
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid
    OR (org_id IS NULL AND NULLIF(current_setting('app.org_id', true), '') IS NULL AND current_setting('app.intel_platform', true) = 'on'));
CREATE POLICY intel_feeds_org_delete ON intel_feeds FOR DELETE
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid
    OR (org_id IS NULL AND NULLIF(current_setting('app.org_id', true), '') IS NULL AND current_setting('app.intel_platform', true) = 'on'));

ALTER TABLE intel_subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE intel_subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY intel_subscriptions_org ON intel_subscriptions
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

ALTER TABLE intel_indicators ENABLE ROW LEVEL SECURITY;
ALTER TABLE intel_indicators FORCE ROW LEVEL SECURITY;
CREATE POLICY intel_indicators_read ON intel_indicators FOR SELECT
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid
    OR (org_id IS NULL AND (NULLIF(current_setting('app.org_id', true), '') IS NULL
      OR EXISTS (SELECT 1 FROM intel_subscriptions s WHERE s.feed_id = intel_indicators.feed_id
        AND s.org_id = NULLIF(current_setting('app.org_id', true), '')::uuid))));
CREATE POLICY intel_indicators_insert ON intel_indicators FOR INSERT
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid
    OR (org_id IS NULL AND NULLIF(current_setting('app.org_id', true), '') IS NULL AND current_setting('app.intel_platform', true) = 'on'));
CREATE POLICY intel_indicators_update ON intel_indicators FOR UPDATE
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid
    OR (org_id IS NULL AND NULLIF(current_setting('app.org_id', true), '') IS NULL AND current_setting('app.intel_platform', true) = 'on'))
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid
    OR (org_id IS NULL AND NULLIF(current_setting('app.org_id', true), '') IS NULL AND current_setting('app.intel_platform', true) = 'on'));
CREATE POLICY intel_indicators_delete ON intel_indicators FOR DELETE
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid
    OR (org_id IS NULL AND NULLIF(current_setting('app.org_id', true), '') IS NULL AND current_setting('app.intel_platform', true) = 'on'));

ALTER TABLE intel_matches ENABLE ROW LEVEL SECURITY;
ALTER TABLE intel_matches FORCE ROW LEVEL SECURITY;
CREATE POLICY intel_matches_org ON intel_matches
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

ALTER TABLE intel_hunts ENABLE ROW LEVEL SECURITY;
ALTER TABLE intel_hunts FORCE ROW LEVEL SECURITY;
CREATE POLICY intel_hunts_org ON intel_hunts
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- +goose Down
DROP TABLE intel_hunts;
DROP TABLE intel_matches;
DROP TABLE intel_indicators;
DROP TABLE intel_subscriptions;
DROP TABLE intel_feeds;
