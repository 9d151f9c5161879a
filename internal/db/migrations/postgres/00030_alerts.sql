-- Alert ingestion: sources, alerts (deduplicated), entities and their links,
-- idempotency records, saved filters. Every org-scoped table has row-level
-- security; ingest_source_routes is global (it maps a webhook or syslog
-- source to its org before any org is known) and holds no alert data.

-- +goose Up
CREATE TABLE alert_sources (
  id                   uuid PRIMARY KEY,
  org_id               uuid NOT NULL,
  name                 text NOT NULL,
  kind                 text NOT NULL CHECK (kind IN ('api', 'webhook', 'syslog')),
  source_type          text NOT NULL DEFAULT '',
  dedup_keys           jsonb NOT NULL DEFAULT '[]'::jsonb,
  dedup_window_seconds integer NOT NULL DEFAULT 3600 CHECK (dedup_window_seconds > 0),
  secret_enc           bytea,
  allowed_cidrs        jsonb NOT NULL DEFAULT '[]'::jsonb,
  enabled              boolean NOT NULL DEFAULT true,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  UNIQUE (org_id, name)
);

-- Global routing table: which org a webhook/syslog source belongs to.
CREATE TABLE ingest_source_routes (
  source_id     uuid PRIMARY KEY,
  org_id        uuid NOT NULL,
  kind          text NOT NULL,
  allowed_cidrs jsonb NOT NULL DEFAULT '[]'::jsonb,
  enabled       boolean NOT NULL DEFAULT true
);
CREATE INDEX ingest_source_routes_kind ON ingest_source_routes (kind) WHERE enabled;

CREATE TABLE alerts (
  id            uuid PRIMARY KEY,
  org_id        uuid NOT NULL,
  dedup_key     text NOT NULL,
  fingerprint   text NOT NULL,
  source_id     uuid,
  source_type   text NOT NULL,
  source_vendor text NOT NULL DEFAULT '',
  source_product text NOT NULL DEFAULT '',
  source_ref    text NOT NULL DEFAULT '',
  rule_id       text NOT NULL DEFAULT '',
  rule_name     text NOT NULL DEFAULT '',
  event_time    timestamptz NOT NULL,
  received_time timestamptz NOT NULL,
  first_seen    timestamptz NOT NULL,
  last_seen     timestamptz NOT NULL,
  count         integer NOT NULL DEFAULT 1,
  severity_id   smallint NOT NULL,
  title         text NOT NULL,
  description   text NOT NULL DEFAULT '',
  status        text NOT NULL DEFAULT 'new',
  assignee      uuid,
  tactics       jsonb NOT NULL DEFAULT '[]'::jsonb,
  techniques    jsonb NOT NULL DEFAULT '[]'::jsonb,
  tags          jsonb NOT NULL DEFAULT '[]'::jsonb,
  entities      jsonb NOT NULL DEFAULT '[]'::jsonb,
  unmapped      jsonb NOT NULL DEFAULT '{}'::jsonb,
  raw           bytea,
  quality       real NOT NULL DEFAULT 0,
  updated_at    timestamptz NOT NULL,
  search        tsvector GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || description)) STORED,
  CONSTRAINT alerts_org_dedup UNIQUE (org_id, dedup_key)
);
-- Keyset pagination and filter indexes (docs/data.md has the contract).
CREATE INDEX alerts_org_received ON alerts (org_id, received_time DESC, id DESC);
CREATE INDEX alerts_org_event ON alerts (org_id, event_time DESC, id DESC);
CREATE INDEX alerts_org_severity ON alerts (org_id, severity_id DESC, received_time DESC, id DESC);
CREATE INDEX alerts_org_status ON alerts (org_id, status, received_time DESC, id DESC);
CREATE INDEX alerts_org_source_type ON alerts (org_id, source_type, received_time DESC, id DESC);
CREATE INDEX alerts_org_assignee ON alerts (org_id, assignee, received_time DESC, id DESC) WHERE assignee IS NOT NULL;
CREATE INDEX alerts_techniques ON alerts USING gin (techniques jsonb_path_ops);
CREATE INDEX alerts_tags ON alerts USING gin (tags jsonb_path_ops);
CREATE INDEX alerts_search ON alerts USING gin (search);

CREATE TABLE entities (
  id         uuid PRIMARY KEY,
  org_id     uuid NOT NULL,
  type       text NOT NULL,
  value      text NOT NULL,
  first_seen timestamptz NOT NULL,
  CONSTRAINT entities_org_type_value UNIQUE (org_id, type, value)
);

CREATE TABLE alert_entities (
  alert_id  uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  entity_id uuid NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
  org_id    uuid NOT NULL,
  role      text NOT NULL DEFAULT '',
  PRIMARY KEY (alert_id, entity_id, role)
);
CREATE INDEX alert_entities_entity ON alert_entities (org_id, entity_id, alert_id);

CREATE TABLE ingest_idempotency (
  org_id       uuid NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  status       integer NOT NULL,
  response     jsonb NOT NULL,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (org_id, key)
);
CREATE INDEX ingest_idempotency_expires ON ingest_idempotency (expires_at);

CREATE TABLE alert_saved_filters (
  id         uuid PRIMARY KEY,
  org_id     uuid NOT NULL,
  user_actor text NOT NULL,
  name       text NOT NULL,
  query      jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (org_id, user_actor, name)
);

ALTER TABLE alert_sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_sources FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_sources_org ON alert_sources
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);
ALTER TABLE alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY alerts_org ON alerts
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);
ALTER TABLE entities ENABLE ROW LEVEL SECURITY;
ALTER TABLE entities FORCE ROW LEVEL SECURITY;
CREATE POLICY entities_org ON entities
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);
ALTER TABLE alert_entities ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_entities FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_entities_org ON alert_entities
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);
ALTER TABLE ingest_idempotency ENABLE ROW LEVEL SECURITY;
ALTER TABLE ingest_idempotency FORCE ROW LEVEL SECURITY;
CREATE POLICY ingest_idempotency_org ON ingest_idempotency
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);
ALTER TABLE alert_saved_filters ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_saved_filters FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_saved_filters_org ON alert_saved_filters
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- The idempotency pruner runs without an org (maintenance job): a narrow
-- function owned by the migrating role deletes only expired records.
-- +goose StatementBegin
CREATE FUNCTION ingest_prune_idempotency(before timestamptz) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  WITH d AS (DELETE FROM ingest_idempotency WHERE expires_at < before RETURNING 1)
  SELECT count(*) FROM d
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ingest_prune_idempotency(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ingest_prune_idempotency(timestamptz) TO securenexus_app;

-- +goose Down
DROP FUNCTION ingest_prune_idempotency(timestamptz);
DROP TABLE alert_saved_filters;
DROP TABLE ingest_idempotency;
DROP TABLE alert_entities;
DROP TABLE entities;
DROP TABLE alerts;
DROP TABLE ingest_source_routes;
DROP TABLE alert_sources;
