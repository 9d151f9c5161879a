-- Incidents: the unit of SOC work. Incidents, their linked alerts (an
-- alert belongs to at most one incident), tasks, notes with edit history,
-- the immutable state-change log, org custom field definitions, org
-- template overrides and the per-user notification inbox. Every table is
-- org-scoped with forced row-level security.

-- +goose Up
CREATE TABLE incidents (
  id               uuid PRIMARY KEY,
  org_id           uuid NOT NULL,
  title            text NOT NULL,
  description      text NOT NULL DEFAULT '',
  type             text NOT NULL DEFAULT '',
  severity_id      smallint NOT NULL,
  priority         text NOT NULL,
  status           text NOT NULL CHECK (status IN ('new', 'acknowledged', 'investigating', 'contained', 'resolved', 'closed')),
  disposition      text NOT NULL DEFAULT '',
  disposition_note text NOT NULL DEFAULT '',
  assignee         uuid,
  responders       jsonb NOT NULL DEFAULT '[]'::jsonb,
  tags             jsonb NOT NULL DEFAULT '[]'::jsonb,
  custom_fields    jsonb NOT NULL DEFAULT '{}'::jsonb,
  manual_tactics   jsonb NOT NULL DEFAULT '[]'::jsonb,
  manual_techniques jsonb NOT NULL DEFAULT '[]'::jsonb,
  alert_tactics    jsonb NOT NULL DEFAULT '[]'::jsonb,
  alert_techniques jsonb NOT NULL DEFAULT '[]'::jsonb,
  alert_count      integer NOT NULL DEFAULT 0,
  merged_into      uuid,
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  acknowledged_at  timestamptz,
  resolved_at      timestamptz,
  closed_at        timestamptz
);
-- Keyset list indexes (docs/incidents.md has the contract).
CREATE INDEX incidents_org_created ON incidents (org_id, created_at DESC, id DESC);
CREATE INDEX incidents_org_updated ON incidents (org_id, updated_at DESC, id DESC);
CREATE INDEX incidents_org_severity ON incidents (org_id, severity_id DESC, created_at DESC, id DESC);
CREATE INDEX incidents_org_status ON incidents (org_id, status, created_at DESC, id DESC);
CREATE INDEX incidents_org_assignee ON incidents (org_id, assignee, created_at DESC, id DESC) WHERE assignee IS NOT NULL;
CREATE INDEX incidents_org_merged ON incidents (org_id, merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX incidents_tags ON incidents USING gin (tags jsonb_path_ops);
CREATE INDEX incidents_custom_fields ON incidents USING gin (custom_fields jsonb_path_ops);

CREATE TABLE incident_alerts (
  org_id      uuid NOT NULL,
  alert_id    uuid NOT NULL,
  incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  added_at    timestamptz NOT NULL,
  added_by    text NOT NULL,
  provenance  jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- A snapshot of the alert when linked: the incident reads its alerts'
  -- ATT&CK labels and entities without reaching into the alert store.
  title       text NOT NULL DEFAULT '',
  severity_id smallint NOT NULL DEFAULT 0,
  source_type text NOT NULL DEFAULT '',
  rule        text NOT NULL DEFAULT '',
  event_time  timestamptz NOT NULL,
  tactics     jsonb NOT NULL DEFAULT '[]'::jsonb,
  techniques  jsonb NOT NULL DEFAULT '[]'::jsonb,
  entities    jsonb NOT NULL DEFAULT '[]'::jsonb,
  PRIMARY KEY (org_id, alert_id)
);
CREATE INDEX incident_alerts_incident ON incident_alerts (org_id, incident_id, added_at, alert_id);

CREATE TABLE incident_tasks (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  title       text NOT NULL,
  assignee    uuid,
  due_at      timestamptz,
  status      text NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
  position    integer NOT NULL,
  moved_from  uuid,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX incident_tasks_incident ON incident_tasks (org_id, incident_id, position, id);

CREATE TABLE incident_notes (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  author      text NOT NULL,
  body        text NOT NULL,
  mentions    jsonb NOT NULL DEFAULT '[]'::jsonb,
  revisions   integer NOT NULL DEFAULT 0,
  moved_from  uuid,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX incident_notes_incident ON incident_notes (org_id, incident_id, created_at, id);

-- Every earlier text of an edited note.
CREATE TABLE incident_note_revisions (
  id        uuid PRIMARY KEY,
  org_id    uuid NOT NULL,
  note_id   uuid NOT NULL REFERENCES incident_notes (id) ON DELETE CASCADE,
  body      text NOT NULL,
  edited_by text NOT NULL,
  edited_at timestamptz NOT NULL
);
CREATE INDEX incident_note_revisions_note ON incident_note_revisions (org_id, note_id, edited_at, id);

-- The immutable state-change log (timeline, metrics): insert-only for the
-- application role.
CREATE TABLE incident_log (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  incident_id uuid NOT NULL,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  kind        text NOT NULL,
  from_value  text NOT NULL DEFAULT '',
  to_value    text NOT NULL DEFAULT '',
  details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX incident_log_incident ON incident_log (org_id, incident_id, at, id);
CREATE INDEX incident_log_org_kind ON incident_log (org_id, kind, at);

CREATE TABLE incident_field_defs (
  id         uuid PRIMARY KEY,
  org_id     uuid NOT NULL,
  key        text NOT NULL,
  label      text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('text', 'number', 'select', 'multi_select', 'date', 'user')),
  options    jsonb NOT NULL DEFAULT '[]'::jsonb,
  required   boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (org_id, key)
);

-- An org's own templates and its edits of shipped ones (same type key).
CREATE TABLE incident_templates (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  type        text NOT NULL,
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  severity_id smallint NOT NULL,
  priority    text NOT NULL,
  tasks       jsonb NOT NULL DEFAULT '[]'::jsonb,
  custom_fields jsonb NOT NULL DEFAULT '{}'::jsonb,
  tags        jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  UNIQUE (org_id, type)
);

-- In-app notifications, one inbox per user.
CREATE TABLE incident_notifications (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  user_id     uuid NOT NULL,
  kind        text NOT NULL,
  incident_id uuid,
  message     text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL,
  read_at     timestamptz
);
CREATE INDEX incident_notifications_user ON incident_notifications (org_id, user_id, created_at DESC, id DESC);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['incidents', 'incident_alerts', 'incident_tasks', 'incident_notes', 'incident_note_revisions',
                           'incident_log', 'incident_field_defs', 'incident_templates', 'incident_notifications'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (org_id = NULLIF(current_setting(''app.org_id'', true), '''')::uuid) '
                   'WITH CHECK (org_id = NULLIF(current_setting(''app.org_id'', true), '''')::uuid)', t || '_org', t);
  END LOOP;
END
$$;
-- +goose StatementEnd
REVOKE UPDATE, DELETE, TRUNCATE ON incident_log FROM securenexus_app;
REVOKE UPDATE, DELETE, TRUNCATE ON incident_note_revisions FROM securenexus_app;

-- +goose Down
DROP TABLE incident_notifications;
DROP TABLE incident_templates;
DROP TABLE incident_field_defs;
DROP TABLE incident_log;
DROP TABLE incident_note_revisions;
DROP TABLE incident_notes;
DROP TABLE incident_tasks;
DROP TABLE incident_alerts;
DROP TABLE incidents;
