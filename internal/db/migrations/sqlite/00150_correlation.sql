-- Correlation: per-org rule definitions (edits of shipped rules and the
-- org's own), and the grouping state. Same meaning as the PostgreSQL
-- migration; objects are JSON text.

-- +goose Up
CREATE TABLE correlation_rules (
  id         TEXT PRIMARY KEY,
  org_id     TEXT NOT NULL,
  key        TEXT NOT NULL,
  version    INTEGER NOT NULL,
  definition TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  UNIQUE (org_id, key)
);

CREATE TABLE correlation_groups (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL,
  rule_key     TEXT NOT NULL,
  rule_version INTEGER NOT NULL,
  bucket       INTEGER NOT NULL,
  group_key    TEXT NOT NULL,
  first_event  TIMESTAMP NOT NULL,
  last_event   TIMESTAMP NOT NULL,
  alert_count  INTEGER NOT NULL DEFAULT 0,
  incident_id  TEXT,
  explanation  TEXT NOT NULL DEFAULT '{}',
  created_at   TIMESTAMP NOT NULL,
  updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX correlation_groups_incident ON correlation_groups (org_id, incident_id) WHERE incident_id IS NOT NULL;

CREATE TABLE correlation_group_keys (
  org_id   TEXT NOT NULL,
  rule_key TEXT NOT NULL,
  bucket   INTEGER NOT NULL,
  key      TEXT NOT NULL,
  group_id TEXT NOT NULL REFERENCES correlation_groups (id) ON DELETE CASCADE,
  PRIMARY KEY (org_id, rule_key, bucket, key)
);

CREATE TABLE correlation_group_alerts (
  org_id     TEXT NOT NULL,
  group_id   TEXT NOT NULL REFERENCES correlation_groups (id) ON DELETE CASCADE,
  alert_id   TEXT NOT NULL,
  event_time TIMESTAMP NOT NULL,
  source_type TEXT NOT NULL DEFAULT '',
  tactics    TEXT NOT NULL DEFAULT '[]',
  entities   TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (org_id, group_id, alert_id)
);
CREATE INDEX correlation_group_alerts_alert ON correlation_group_alerts (org_id, alert_id);

-- +goose Down
DROP TABLE correlation_group_alerts;
DROP TABLE correlation_group_keys;
DROP TABLE correlation_groups;
DROP TABLE correlation_rules;
