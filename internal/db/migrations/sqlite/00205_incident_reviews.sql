-- Post-incident reviews (internal/report, docs/reports.md). Same meaning
-- as the PostgreSQL migration.

-- +goose Up
CREATE TABLE incident_reviews (
  org_id             TEXT NOT NULL,
  incident_id        TEXT NOT NULL,
  root_cause         TEXT NOT NULL DEFAULT '',
  impact             TEXT NOT NULL DEFAULT '',
  lessons_learned    TEXT NOT NULL DEFAULT '',
  follow_up_task_ids TEXT NOT NULL DEFAULT '[]',
  version            INTEGER NOT NULL CHECK (version > 0),
  created_by         TEXT NOT NULL,
  created_at         TIMESTAMP NOT NULL,
  updated_by         TEXT NOT NULL,
  updated_at         TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, incident_id)
);

-- +goose Down
DROP TABLE incident_reviews;
