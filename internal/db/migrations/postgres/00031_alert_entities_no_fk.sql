-- alert_entities without foreign keys: each FK check takes a KEY SHARE row
-- lock on the alert and on the (often shared, hot) entity row, which made
-- link inserts about 4x slower and, under concurrent batches, creates
-- multixacts on hot entities. Links are only written by the ingest path in
-- the same transaction as their alert and entities; whoever deletes alerts
-- or entities deletes their links (docs/data.md).

-- +goose Up
ALTER TABLE alert_entities DROP CONSTRAINT alert_entities_alert_id_fkey;
ALTER TABLE alert_entities DROP CONSTRAINT alert_entities_entity_id_fkey;

-- +goose Down
ALTER TABLE alert_entities ADD CONSTRAINT alert_entities_alert_id_fkey FOREIGN KEY (alert_id) REFERENCES alerts (id) ON DELETE CASCADE;
ALTER TABLE alert_entities ADD CONSTRAINT alert_entities_entity_id_fkey FOREIGN KEY (entity_id) REFERENCES entities (id) ON DELETE CASCADE;
