-- Per-alert activity: comments and changes (see the PostgreSQL migration).

-- +goose Up
CREATE TABLE alert_activity (
  id         TEXT PRIMARY KEY,
  org_id     TEXT NOT NULL,
  alert_id   TEXT NOT NULL,
  actor      TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('comment', 'change')),
  body       TEXT NOT NULL DEFAULT '',
  change     TEXT,
  created_at TIMESTAMP NOT NULL
);
CREATE INDEX alert_activity_alert ON alert_activity (org_id, alert_id, created_at DESC, id DESC);

-- +goose Down
DROP TABLE alert_activity;
