-- The timeline's entity filter index (see the PostgreSQL migration): one
-- row per (linked alert, entity it names), kept by triggers on
-- incident_alerts from its entities snapshot; existing links backfilled.

-- +goose Up
CREATE TABLE incident_alert_entities (
  org_id      TEXT NOT NULL,
  incident_id TEXT NOT NULL,
  type        TEXT NOT NULL,
  value       TEXT NOT NULL,
  event_time  TIMESTAMP NOT NULL,
  alert_id    TEXT NOT NULL,
  PRIMARY KEY (org_id, incident_id, type, value, event_time, alert_id)
) WITHOUT ROWID;
CREATE INDEX incident_alert_entities_alert ON incident_alert_entities (org_id, alert_id);

-- +goose StatementBegin
CREATE TRIGGER incident_alert_entities_insert AFTER INSERT ON incident_alerts BEGIN
  INSERT OR IGNORE INTO incident_alert_entities (org_id, incident_id, type, value, event_time, alert_id)
  SELECT NEW.org_id, NEW.incident_id, json_extract(je.value, '$.type'), json_extract(je.value, '$.value'), NEW.event_time, NEW.alert_id
  FROM json_each(CASE WHEN json_type(NEW.entities) = 'array' THEN NEW.entities ELSE '[]' END) je
  WHERE json_extract(je.value, '$.type') IS NOT NULL AND json_extract(je.value, '$.value') IS NOT NULL;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER incident_alert_entities_delete AFTER DELETE ON incident_alerts BEGIN
  DELETE FROM incident_alert_entities WHERE org_id = OLD.org_id AND alert_id = OLD.alert_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER incident_alert_entities_update AFTER UPDATE OF org_id, incident_id, alert_id, event_time, entities ON incident_alerts BEGIN
  DELETE FROM incident_alert_entities WHERE org_id = OLD.org_id AND alert_id = OLD.alert_id;
  INSERT OR IGNORE INTO incident_alert_entities (org_id, incident_id, type, value, event_time, alert_id)
  SELECT NEW.org_id, NEW.incident_id, json_extract(je.value, '$.type'), json_extract(je.value, '$.value'), NEW.event_time, NEW.alert_id
  FROM json_each(CASE WHEN json_type(NEW.entities) = 'array' THEN NEW.entities ELSE '[]' END) je
  WHERE json_extract(je.value, '$.type') IS NOT NULL AND json_extract(je.value, '$.value') IS NOT NULL;
END;
-- +goose StatementEnd

INSERT OR IGNORE INTO incident_alert_entities (org_id, incident_id, type, value, event_time, alert_id)
SELECT ia.org_id, ia.incident_id, json_extract(je.value, '$.type'), json_extract(je.value, '$.value'), ia.event_time, ia.alert_id
FROM incident_alerts ia, json_each(CASE WHEN json_type(ia.entities) = 'array' THEN ia.entities ELSE '[]' END) je
WHERE json_extract(je.value, '$.type') IS NOT NULL AND json_extract(je.value, '$.value') IS NOT NULL;

-- +goose Down
DROP TRIGGER incident_alert_entities_update;
DROP TRIGGER incident_alert_entities_delete;
DROP TRIGGER incident_alert_entities_insert;
DROP TABLE incident_alert_entities;
