-- Compact alert storage (docs/performance.md, "Bytes per alert"), as on
-- PostgreSQL:
--
-- The list indexes are rebuilt ascending. Every list query orders all its
-- keys in one direction, so one index serves both directions (SQLite walks
-- a b-tree backwards as cheaply as forwards). Declared DESC, each new
-- alert (a later received time, a later UUIDv7) was inserted at the low end
-- of its org's range, and SQLite's b-tree balancing left those pages about
-- half full: the same index took ~1.9x the bytes of its ascending form.
--
-- alert_entities becomes a WITHOUT ROWID table clustered on its primary
-- key (alert_id, entity_id, role): a rowid table stored every link twice,
-- once in the table and once in the primary key's automatic index.
-- alert_entities_entity then holds (entity_id, alert_id, role).

-- +goose Up
DROP INDEX alerts_org_received;
DROP INDEX alerts_org_event;
DROP INDEX alerts_org_severity;
DROP INDEX alerts_org_status;
DROP INDEX alerts_org_source_type;
DROP INDEX alerts_org_assignee;
CREATE INDEX alerts_org_received ON alerts (org_id, received_time, id);
CREATE INDEX alerts_org_event ON alerts (org_id, event_time, id);
CREATE INDEX alerts_org_severity ON alerts (org_id, severity_id, received_time, id);
CREATE INDEX alerts_org_status ON alerts (org_id, status, received_time, id);
CREATE INDEX alerts_org_source_type ON alerts (org_id, source_type, received_time, id);
CREATE INDEX alerts_org_assignee ON alerts (org_id, assignee, received_time, id) WHERE assignee IS NOT NULL;

CREATE TABLE alert_entities_new (
  alert_id  TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  org_id    TEXT NOT NULL,
  role      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (alert_id, entity_id, role)
) WITHOUT ROWID;
INSERT INTO alert_entities_new (alert_id, entity_id, org_id, role) SELECT alert_id, entity_id, org_id, role FROM alert_entities;
DROP TABLE alert_entities;
ALTER TABLE alert_entities_new RENAME TO alert_entities;
CREATE INDEX alert_entities_entity ON alert_entities (entity_id, alert_id);

-- +goose Down
CREATE TABLE alert_entities_old (
  alert_id  TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  org_id    TEXT NOT NULL,
  role      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (alert_id, entity_id, role)
);
INSERT INTO alert_entities_old (alert_id, entity_id, org_id, role) SELECT alert_id, entity_id, org_id, role FROM alert_entities;
DROP TABLE alert_entities;
ALTER TABLE alert_entities_old RENAME TO alert_entities;
CREATE INDEX alert_entities_entity ON alert_entities (entity_id, alert_id);

DROP INDEX alerts_org_received;
DROP INDEX alerts_org_event;
DROP INDEX alerts_org_severity;
DROP INDEX alerts_org_status;
DROP INDEX alerts_org_source_type;
DROP INDEX alerts_org_assignee;
CREATE INDEX alerts_org_received ON alerts (org_id, received_time DESC, id DESC);
CREATE INDEX alerts_org_event ON alerts (org_id, event_time DESC, id DESC);
CREATE INDEX alerts_org_severity ON alerts (org_id, severity_id DESC, received_time DESC, id DESC);
CREATE INDEX alerts_org_status ON alerts (org_id, status, received_time DESC, id DESC);
CREATE INDEX alerts_org_source_type ON alerts (org_id, source_type, received_time DESC, id DESC);
CREATE INDEX alerts_org_assignee ON alerts (org_id, assignee, received_time DESC, id DESC) WHERE assignee IS NOT NULL;
