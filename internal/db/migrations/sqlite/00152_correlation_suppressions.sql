-- Suppressions and maintenance windows (see the PostgreSQL migration).

-- +goose Up
CREATE TABLE correlation_suppressions (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL,
  name         TEXT NOT NULL,
  reason       TEXT NOT NULL,
  owner        TEXT,
  created_by   TEXT NOT NULL,
  enabled      BOOLEAN NOT NULL,
  filter       TEXT NOT NULL DEFAULT '{}',
  condition    TEXT NOT NULL DEFAULT '',
  expires_at   TIMESTAMP NOT NULL,
  window_start TIMESTAMP,
  window_end   TIMESTAMP,
  hits         INTEGER NOT NULL DEFAULT 0,
  last_hit_at  TIMESTAMP,
  created_at   TIMESTAMP NOT NULL,
  updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX correlation_suppressions_active ON correlation_suppressions (org_id, expires_at) WHERE enabled;

-- +goose Down
DROP TABLE correlation_suppressions;
