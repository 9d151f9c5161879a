-- The timeline's entity filter index (internal/timeline, docs/timeline.md):
-- one row per (linked alert, entity it names), keyed so that "the alerts of
-- this incident naming this entity, in event-time order from a keyset
-- position" is one range of the primary key. Filtering every linked alert's
-- entity snapshot read the whole incident for a rare entity (10,000 alerts:
-- p95 148 ms), and joining through entities/alert_entities planned from the
-- incident side on never-analyzed tables (the planner takes (org_id,
-- incident_id) for one row) and probed every alert. Rows are derived from
-- incident_alerts (its entities snapshot) by a trigger on every insert,
-- delete and move of a link, so no writer has to remember them; existing
-- links are backfilled.

-- +goose Up
CREATE TABLE incident_alert_entities (
  org_id      uuid NOT NULL,
  incident_id uuid NOT NULL,
  type        text NOT NULL,
  value       text NOT NULL,
  event_time  timestamptz NOT NULL,
  alert_id    uuid NOT NULL,
  PRIMARY KEY (org_id, incident_id, type, value, event_time, alert_id)
);
-- The trigger removes a link's rows by alert.
CREATE INDEX incident_alert_entities_alert ON incident_alert_entities (org_id, alert_id);

-- +goose StatementBegin
CREATE FUNCTION incident_alert_entities_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    DELETE FROM incident_alert_entities WHERE org_id = OLD.org_id AND alert_id = OLD.alert_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO incident_alert_entities (org_id, incident_id, type, value, event_time, alert_id)
    SELECT NEW.org_id, NEW.incident_id, e->>'type', e->>'value', NEW.event_time, NEW.alert_id
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(NEW.entities) = 'array' THEN NEW.entities ELSE '[]'::jsonb END) e
    WHERE e->>'type' IS NOT NULL AND e->>'value' IS NOT NULL
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER incident_alert_entities_sync AFTER INSERT OR DELETE OR UPDATE OF org_id, incident_id, alert_id, event_time, entities
  ON incident_alerts FOR EACH ROW EXECUTE FUNCTION incident_alert_entities_sync();

-- The owner backfills every org's links: row-level security is lifted for
-- the owner while copying and forced again below.
ALTER TABLE incident_alerts NO FORCE ROW LEVEL SECURITY;
INSERT INTO incident_alert_entities (org_id, incident_id, type, value, event_time, alert_id)
SELECT ia.org_id, ia.incident_id, e->>'type', e->>'value', ia.event_time, ia.alert_id
FROM incident_alerts ia,
     jsonb_array_elements(CASE WHEN jsonb_typeof(ia.entities) = 'array' THEN ia.entities ELSE '[]'::jsonb END) e
WHERE e->>'type' IS NOT NULL AND e->>'value' IS NOT NULL
ON CONFLICT DO NOTHING;
ALTER TABLE incident_alerts FORCE ROW LEVEL SECURITY;

ALTER TABLE incident_alert_entities ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_alert_entities FORCE ROW LEVEL SECURITY;
CREATE POLICY incident_alert_entities_org ON incident_alert_entities
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- +goose Down
DROP TRIGGER incident_alert_entities_sync ON incident_alerts;
DROP FUNCTION incident_alert_entities_sync();
DROP TABLE incident_alert_entities;
