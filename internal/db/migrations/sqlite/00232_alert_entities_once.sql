-- An alert's entities are stored once, as links (see the PostgreSQL
-- migration): the JSON column alerts.entities is dropped. Down rebuilds
-- it from the links.

-- +goose Up
ALTER TABLE alerts DROP COLUMN entities;

-- +goose Down
ALTER TABLE alerts ADD COLUMN entities TEXT NOT NULL DEFAULT '[]';
UPDATE alerts SET entities = coalesce((
  SELECT json_group_array(json(o)) FROM (
    SELECT CASE WHEN ae.role = '' THEN json_object('type', e.type, 'value', e.value)
                ELSE json_object('type', e.type, 'value', e.value, 'role', ae.role) END AS o
    FROM alert_entities ae JOIN entities e ON e.id = ae.entity_id
    WHERE ae.alert_id = alerts.id ORDER BY e.type, e.value, ae.role)), '[]');
