-- Index review (docs/performance.md, "Indexes on alerts"), as on
-- PostgreSQL: alert_entities_entity serves only the entity filter, the
-- primary key (alert_id, ...) the alert detail. (SQLite has no GIN
-- indexes; the technique filters scan the time index.)

-- +goose Up
DROP INDEX alert_entities_entity;
CREATE INDEX alert_entities_entity ON alert_entities (entity_id, alert_id);

-- +goose Down
DROP INDEX alert_entities_entity;
CREATE INDEX alert_entities_entity ON alert_entities (org_id, entity_id, alert_id);
