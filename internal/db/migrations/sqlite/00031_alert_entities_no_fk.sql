-- alert_entities without foreign keys (see the PostgreSQL migration):
-- SQLite cannot drop a constraint, so the table is rebuilt.

-- +goose Up
CREATE TABLE alert_entities_new (
  alert_id  TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  org_id    TEXT NOT NULL,
  role      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (alert_id, entity_id, role)
);
INSERT INTO alert_entities_new (alert_id, entity_id, org_id, role) SELECT alert_id, entity_id, org_id, role FROM alert_entities;
DROP TABLE alert_entities;
ALTER TABLE alert_entities_new RENAME TO alert_entities;
CREATE INDEX alert_entities_entity ON alert_entities (org_id, entity_id, alert_id);

-- +goose Down
CREATE TABLE alert_entities_old (
  alert_id  TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  entity_id TEXT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
  org_id    TEXT NOT NULL,
  role      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (alert_id, entity_id, role)
);
INSERT INTO alert_entities_old (alert_id, entity_id, org_id, role) SELECT alert_id, entity_id, org_id, role FROM alert_entities;
DROP TABLE alert_entities;
ALTER TABLE alert_entities_old RENAME TO alert_entities;
CREATE INDEX alert_entities_entity ON alert_entities (org_id, entity_id, alert_id);
