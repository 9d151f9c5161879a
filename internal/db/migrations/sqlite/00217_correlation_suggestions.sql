-- Suggested correlation rules (see the PostgreSQL migration).

-- +goose Up
CREATE TABLE correlation_suggestions (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'dismissed')),
  rule        TEXT NOT NULL,
  support     INTEGER NOT NULL,
  examples    TEXT NOT NULL DEFAULT '[]',
  backtest    TEXT NOT NULL DEFAULT '{}',
  rule_key    TEXT NOT NULL DEFAULT '',
  decided_by  TEXT NOT NULL DEFAULT '',
  decided_at  TIMESTAMP,
  reason      TEXT NOT NULL DEFAULT '',
  created_at  TIMESTAMP NOT NULL,
  updated_at  TIMESTAMP NOT NULL,
  UNIQUE (org_id, fingerprint)
);
CREATE INDEX correlation_suggestions_list ON correlation_suggestions (org_id, created_at DESC, id DESC);

-- +goose Down
DROP TABLE correlation_suggestions;
