-- Index review (docs/performance.md, "Indexes on alerts"): every index on
-- the alert tables serves a named query.
--
-- alert_entities_entity loses its leading org_id: entity ids are unique
-- across orgs, and with org_id first a never-analyzed planner chose it for
-- an alert's entities (org_id + alert_id), reading every link of the org.
-- Now (entity_id, alert_id) serves only the entity filter and the primary
-- key (alert_id, ...) the alert detail.
--
-- alerts_techniques (GIN on techniques) is dropped: a sub-technique filter
-- (technique=T1059.001) is served by alerts_technique_roots (its root
-- T1059) and rechecks the exact technique.

-- +goose Up
DROP INDEX alert_entities_entity;
CREATE INDEX alert_entities_entity ON alert_entities (entity_id, alert_id);
DROP INDEX alerts_techniques;

-- +goose Down
CREATE INDEX alerts_techniques ON alerts USING gin (techniques jsonb_path_ops);
DROP INDEX alert_entities_entity;
CREATE INDEX alert_entities_entity ON alert_entities (org_id, entity_id, alert_id);
