-- Incident timeline (internal/timeline, docs/timeline.md). Same meaning as
-- the PostgreSQL migration.

-- +goose Up
CREATE INDEX incident_alerts_event_time ON incident_alerts (org_id, incident_id, event_time, alert_id);

CREATE TABLE timeline_entries (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  at          TIMESTAMP NOT NULL,
  category    TEXT NOT NULL,
  source      TEXT NOT NULL DEFAULT '',
  title       TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  entities    TEXT NOT NULL DEFAULT '[]',
  created_by  TEXT NOT NULL,
  created_at  TIMESTAMP NOT NULL,
  updated_by  TEXT NOT NULL,
  updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX timeline_entries_incident ON timeline_entries (org_id, incident_id, at, id);

CREATE TABLE timeline_annotations (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  item_id     TEXT NOT NULL,
  body        TEXT NOT NULL,
  author      TEXT NOT NULL,
  created_at  TIMESTAMP NOT NULL,
  updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX timeline_annotations_item ON timeline_annotations (org_id, incident_id, item_id, created_at, id);

-- +goose Down
DROP TABLE timeline_annotations;
DROP TABLE timeline_entries;
DROP INDEX incident_alerts_event_time;
