-- Correlation candidates (see the PostgreSQL migration).

-- +goose Up
CREATE TABLE correlation_candidates (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL,
  group_id     TEXT NOT NULL REFERENCES correlation_groups (id) ON DELETE CASCADE,
  rule_key     TEXT NOT NULL,
  rule_version INTEGER NOT NULL,
  group_key    TEXT NOT NULL,
  title        TEXT NOT NULL,
  severity     TEXT NOT NULL DEFAULT '',
  alert_count  INTEGER NOT NULL,
  alert_ids    TEXT NOT NULL DEFAULT '[]',
  explanation  TEXT NOT NULL DEFAULT '{}',
  status       TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
  incident_id  TEXT,
  decided_by   TEXT,
  decided_at   TIMESTAMP,
  reason       TEXT NOT NULL DEFAULT '',
  created_at   TIMESTAMP NOT NULL,
  updated_at   TIMESTAMP NOT NULL,
  UNIQUE (org_id, group_id)
);
CREATE INDEX correlation_candidates_status ON correlation_candidates (org_id, status, id DESC);

-- +goose Down
DROP TABLE correlation_candidates;
