-- An alert's entities are stored once, as links (alert_entities to
-- entities): the jsonb column alerts.entities repeated them in every row
-- (~190 bytes per alert, and again in each dead version a repeat's
-- update leaves). Reads attach the entities from the links (one query
-- per page through alert_entities_pkey). Dropping the column rewrites
-- nothing: old rows keep the bytes until they are rewritten.
-- Down rebuilds the column from the links.

-- +goose Up
ALTER TABLE alerts DROP COLUMN entities;

-- +goose Down
ALTER TABLE alerts ADD COLUMN entities jsonb NOT NULL DEFAULT '[]'::jsonb;
UPDATE alerts a SET entities = l.ents FROM (
  SELECT ae.alert_id, jsonb_agg(jsonb_strip_nulls(jsonb_build_object('type', e.type, 'value', e.value, 'role', NULLIF(ae.role, '')))
    ORDER BY e.type, e.value, ae.role) AS ents
  FROM alert_entities ae JOIN entities e ON e.id = ae.entity_id GROUP BY ae.alert_id) l
WHERE l.alert_id = a.id;
