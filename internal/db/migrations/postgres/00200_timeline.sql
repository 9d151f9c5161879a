-- Incident timeline (internal/timeline, docs/timeline.md): analyst-added
-- entries (time, category, source, description, linked entities) and
-- annotations on any timeline item, plus the index that serves an
-- incident's linked alerts in event-time order (the timeline pages them
-- by keyset without statistics). Forced row-level security on both tables.

-- +goose Up
CREATE INDEX incident_alerts_event_time ON incident_alerts (org_id, incident_id, event_time, alert_id);

CREATE TABLE timeline_entries (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  at          timestamptz NOT NULL,
  category    text NOT NULL,
  source      text NOT NULL DEFAULT '',
  title       text NOT NULL,
  description text NOT NULL DEFAULT '',
  entities    jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX timeline_entries_incident ON timeline_entries (org_id, incident_id, at, id);

-- item_id names the annotated item as the timeline does ("alert:<uuid>",
-- "log:<uuid>", "note:<uuid>", "custody:<uuid>", "entry:<uuid>").
CREATE TABLE timeline_annotations (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  item_id     text NOT NULL,
  body        text NOT NULL,
  author      text NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX timeline_annotations_item ON timeline_annotations (org_id, incident_id, item_id, created_at, id);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['timeline_entries', 'timeline_annotations'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (org_id = NULLIF(current_setting(''app.org_id'', true), '''')::uuid) '
                   'WITH CHECK (org_id = NULLIF(current_setting(''app.org_id'', true), '''')::uuid)', t || '_org', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE timeline_annotations;
DROP TABLE timeline_entries;
DROP INDEX incident_alerts_event_time;
