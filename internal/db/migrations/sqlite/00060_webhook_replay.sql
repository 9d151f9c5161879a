-- Signed webhooks seen within their replay window (see the PostgreSQL
-- migration of the same version).

-- +goose Up
CREATE TABLE ingest_webhook_seen (
  org_id     TEXT NOT NULL,
  source_id  TEXT NOT NULL,
  digest     TEXT NOT NULL,
  expires_at TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, source_id, digest)
);
CREATE INDEX ingest_webhook_seen_expires ON ingest_webhook_seen (expires_at);

-- +goose Down
DROP TABLE ingest_webhook_seen;
