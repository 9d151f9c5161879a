-- Per-org correlation settings (see the PostgreSQL migration).

-- +goose Up
CREATE TABLE correlation_settings (
  org_id            TEXT PRIMARY KEY,
  common_share      REAL NOT NULL DEFAULT 0.2,
  common_min_alerts INTEGER NOT NULL DEFAULT 100,
  keep_entities     TEXT NOT NULL DEFAULT '[]',
  common_entities   TEXT NOT NULL DEFAULT '[]',
  computed_at       TIMESTAMP,
  updated_at        TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE correlation_settings;
