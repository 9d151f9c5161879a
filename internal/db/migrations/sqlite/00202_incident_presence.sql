-- Who is viewing an incident now. Same meaning as the PostgreSQL migration.

-- +goose Up
CREATE TABLE incident_presence (
  org_id      TEXT NOT NULL,
  incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  viewer      TEXT NOT NULL,
  name        TEXT NOT NULL,
  since       TIMESTAMP NOT NULL,
  last_seen   TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, incident_id, viewer)
);

-- +goose Down
DROP TABLE incident_presence;
