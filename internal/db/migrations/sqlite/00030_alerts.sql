-- Alert ingestion: sources, alerts (deduplicated), entities and their links,
-- idempotency records, saved filters. Same meaning as the PostgreSQL
-- migration; arrays and objects are JSON text.

-- +goose Up
CREATE TABLE alert_sources (
  id                   TEXT PRIMARY KEY,
  org_id               TEXT NOT NULL,
  name                 TEXT NOT NULL,
  kind                 TEXT NOT NULL CHECK (kind IN ('api', 'webhook', 'syslog')),
  source_type          TEXT NOT NULL DEFAULT '',
  dedup_keys           TEXT NOT NULL DEFAULT '[]',
  dedup_window_seconds INTEGER NOT NULL DEFAULT 3600 CHECK (dedup_window_seconds > 0),
  secret_enc           BLOB,
  allowed_cidrs        TEXT NOT NULL DEFAULT '[]',
  enabled              INTEGER NOT NULL DEFAULT 1,
  created_at           TIMESTAMP NOT NULL,
  updated_at           TIMESTAMP NOT NULL,
  UNIQUE (org_id, name)
);

CREATE TABLE ingest_source_routes (
  source_id     TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL,
  kind          TEXT NOT NULL,
  allowed_cidrs TEXT NOT NULL DEFAULT '[]',
  enabled       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ingest_source_routes_kind ON ingest_source_routes (kind) WHERE enabled;

CREATE TABLE alerts (
  id            TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL,
  dedup_key     TEXT NOT NULL,
  fingerprint   TEXT NOT NULL,
  source_id     TEXT,
  source_type   TEXT NOT NULL,
  source_vendor TEXT NOT NULL DEFAULT '',
  source_product TEXT NOT NULL DEFAULT '',
  source_ref    TEXT NOT NULL DEFAULT '',
  rule_id       TEXT NOT NULL DEFAULT '',
  rule_name     TEXT NOT NULL DEFAULT '',
  event_time    TIMESTAMP NOT NULL,
  received_time TIMESTAMP NOT NULL,
  first_seen    TIMESTAMP NOT NULL,
  last_seen     TIMESTAMP NOT NULL,
  count         INTEGER NOT NULL DEFAULT 1,
  severity_id   INTEGER NOT NULL,
  title         TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT 'new',
  assignee      TEXT,
  tactics       TEXT NOT NULL DEFAULT '[]',
  techniques    TEXT NOT NULL DEFAULT '[]',
  tags          TEXT NOT NULL DEFAULT '[]',
  entities      TEXT NOT NULL DEFAULT '[]',
  unmapped      TEXT NOT NULL DEFAULT '{}',
  raw           BLOB,
  quality       REAL NOT NULL DEFAULT 0,
  updated_at    TIMESTAMP NOT NULL,
  CONSTRAINT alerts_org_dedup UNIQUE (org_id, dedup_key)
);
CREATE INDEX alerts_org_received ON alerts (org_id, received_time DESC, id DESC);
CREATE INDEX alerts_org_event ON alerts (org_id, event_time DESC, id DESC);
CREATE INDEX alerts_org_severity ON alerts (org_id, severity_id DESC, received_time DESC, id DESC);
CREATE INDEX alerts_org_status ON alerts (org_id, status, received_time DESC, id DESC);
CREATE INDEX alerts_org_source_type ON alerts (org_id, source_type, received_time DESC, id DESC);
CREATE INDEX alerts_org_assignee ON alerts (org_id, assignee, received_time DESC, id DESC) WHERE assignee IS NOT NULL;

CREATE TABLE entities (
  id         TEXT PRIMARY KEY,
  org_id     TEXT NOT NULL,
  type       TEXT NOT NULL,
  value      TEXT NOT NULL,
  first_seen TIMESTAMP NOT NULL,
  CONSTRAINT entities_org_type_value UNIQUE (org_id, type, value)
);

CREATE TABLE alert_entities (
  alert_id  TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  entity_id TEXT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
  org_id    TEXT NOT NULL,
  role      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (alert_id, entity_id, role)
);
CREATE INDEX alert_entities_entity ON alert_entities (org_id, entity_id, alert_id);

CREATE TABLE ingest_idempotency (
  org_id       TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status       INTEGER NOT NULL,
  response     TEXT NOT NULL,
  created_at   TIMESTAMP NOT NULL,
  expires_at   TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, key)
);
CREATE INDEX ingest_idempotency_expires ON ingest_idempotency (expires_at);

CREATE TABLE alert_saved_filters (
  id         TEXT PRIMARY KEY,
  org_id     TEXT NOT NULL,
  user_actor TEXT NOT NULL,
  name       TEXT NOT NULL,
  query      TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  UNIQUE (org_id, user_actor, name)
);

-- +goose Down
DROP TABLE alert_saved_filters;
DROP TABLE ingest_idempotency;
DROP TABLE alert_entities;
DROP TABLE entities;
DROP TABLE alerts;
DROP TABLE ingest_source_routes;
DROP TABLE alert_sources;
