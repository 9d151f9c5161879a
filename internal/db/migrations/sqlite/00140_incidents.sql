-- Incidents: the unit of SOC work. Incidents, their linked alerts (an
-- alert belongs to at most one incident), tasks, notes with edit history,
-- the immutable state-change log, org custom field definitions, org
-- template overrides and the per-user notification inbox. Same meaning as
-- the PostgreSQL migration; arrays and objects are JSON text.

-- +goose Up
CREATE TABLE incidents (
  id               TEXT PRIMARY KEY,
  org_id           TEXT NOT NULL,
  title            TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  type             TEXT NOT NULL DEFAULT '',
  severity_id      INTEGER NOT NULL,
  priority         TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('new', 'acknowledged', 'investigating', 'contained', 'resolved', 'closed')),
  disposition      TEXT NOT NULL DEFAULT '',
  disposition_note TEXT NOT NULL DEFAULT '',
  assignee         TEXT,
  responders       TEXT NOT NULL DEFAULT '[]',
  tags             TEXT NOT NULL DEFAULT '[]',
  custom_fields    TEXT NOT NULL DEFAULT '{}',
  manual_tactics   TEXT NOT NULL DEFAULT '[]',
  manual_techniques TEXT NOT NULL DEFAULT '[]',
  alert_tactics    TEXT NOT NULL DEFAULT '[]',
  alert_techniques TEXT NOT NULL DEFAULT '[]',
  alert_count      INTEGER NOT NULL DEFAULT 0,
  merged_into      TEXT,
  created_by       TEXT NOT NULL,
  created_at       TIMESTAMP NOT NULL,
  updated_at       TIMESTAMP NOT NULL,
  acknowledged_at  TIMESTAMP,
  resolved_at      TIMESTAMP,
  closed_at        TIMESTAMP
);
-- Keyset list indexes (docs/incidents.md has the contract).
CREATE INDEX incidents_org_created ON incidents (org_id, created_at DESC, id DESC);
CREATE INDEX incidents_org_updated ON incidents (org_id, updated_at DESC, id DESC);
CREATE INDEX incidents_org_severity ON incidents (org_id, severity_id DESC, created_at DESC, id DESC);
CREATE INDEX incidents_org_status ON incidents (org_id, status, created_at DESC, id DESC);
CREATE INDEX incidents_org_assignee ON incidents (org_id, assignee, created_at DESC, id DESC) WHERE assignee IS NOT NULL;
CREATE INDEX incidents_org_merged ON incidents (org_id, merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE incident_alerts (
  org_id      TEXT NOT NULL,
  alert_id    TEXT NOT NULL,
  incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  added_at    TIMESTAMP NOT NULL,
  added_by    TEXT NOT NULL,
  provenance  TEXT NOT NULL DEFAULT '{}',
  -- A snapshot of the alert when linked: the incident reads its alerts'
  -- ATT&CK labels and entities without reaching into the alert store.
  title       TEXT NOT NULL DEFAULT '',
  severity_id INTEGER NOT NULL DEFAULT 0,
  source_type TEXT NOT NULL DEFAULT '',
  rule        TEXT NOT NULL DEFAULT '',
  event_time  TIMESTAMP NOT NULL,
  tactics     TEXT NOT NULL DEFAULT '[]',
  techniques  TEXT NOT NULL DEFAULT '[]',
  entities    TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (org_id, alert_id)
);
CREATE INDEX incident_alerts_incident ON incident_alerts (org_id, incident_id, added_at, alert_id);

CREATE TABLE incident_tasks (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  title       TEXT NOT NULL,
  assignee    TEXT,
  due_at      TIMESTAMP,
  status      TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
  position    INTEGER NOT NULL,
  moved_from  TEXT,
  created_at  TIMESTAMP NOT NULL,
  updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX incident_tasks_incident ON incident_tasks (org_id, incident_id, position, id);

CREATE TABLE incident_notes (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  author      TEXT NOT NULL,
  body        TEXT NOT NULL,
  mentions    TEXT NOT NULL DEFAULT '[]',
  revisions   INTEGER NOT NULL DEFAULT 0,
  moved_from  TEXT,
  created_at  TIMESTAMP NOT NULL,
  updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX incident_notes_incident ON incident_notes (org_id, incident_id, created_at, id);

-- Every earlier TEXT of an edited note.
CREATE TABLE incident_note_revisions (
  id        TEXT PRIMARY KEY,
  org_id    TEXT NOT NULL,
  note_id   TEXT NOT NULL REFERENCES incident_notes (id) ON DELETE CASCADE,
  body      TEXT NOT NULL,
  edited_by TEXT NOT NULL,
  edited_at TIMESTAMP NOT NULL
);
CREATE INDEX incident_note_revisions_note ON incident_note_revisions (org_id, note_id, edited_at, id);

-- The immutable state-change log (timeline, metrics): insert-only for the
-- application role.
CREATE TABLE incident_log (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  incident_id TEXT NOT NULL,
  at          TIMESTAMP NOT NULL,
  actor       TEXT NOT NULL,
  kind        TEXT NOT NULL,
  from_value  TEXT NOT NULL DEFAULT '',
  to_value    TEXT NOT NULL DEFAULT '',
  details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX incident_log_incident ON incident_log (org_id, incident_id, at, id);
CREATE INDEX incident_log_org_kind ON incident_log (org_id, kind, at);

CREATE TABLE incident_field_defs (
  id         TEXT PRIMARY KEY,
  org_id     TEXT NOT NULL,
  key        TEXT NOT NULL,
  label      TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('text', 'number', 'select', 'multi_select', 'date', 'user')),
  options    TEXT NOT NULL DEFAULT '[]',
  required   INTEGER NOT NULL DEFAULT 0,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  UNIQUE (org_id, key)
);

-- An org's own templates and its edits of shipped ones (same type key).
CREATE TABLE incident_templates (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  type        TEXT NOT NULL,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  severity_id INTEGER NOT NULL,
  priority    TEXT NOT NULL,
  tasks       TEXT NOT NULL DEFAULT '[]',
  custom_fields TEXT NOT NULL DEFAULT '{}',
  tags        TEXT NOT NULL DEFAULT '[]',
  created_at  TIMESTAMP NOT NULL,
  updated_at  TIMESTAMP NOT NULL,
  UNIQUE (org_id, type)
);

-- In-app notifications, one inbox per user.
CREATE TABLE incident_notifications (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  incident_id TEXT,
  message     TEXT NOT NULL,
  details     TEXT NOT NULL DEFAULT '{}',
  created_at  TIMESTAMP NOT NULL,
  read_at     TIMESTAMP
);
CREATE INDEX incident_notifications_user ON incident_notifications (org_id, user_id, created_at DESC, id DESC);

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
