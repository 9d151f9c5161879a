-- Incident SLAs: per-org policies by severity and type, the org's business
-- calendar (time zone, weekly hours, holidays) and one SLA clock per
-- incident. The
-- breach scan reads the due clocks over a partial index (next_check_at, not
-- yet raised), never a scan of all incidents. Same meaning as the
-- PostgreSQL migration.

-- +goose Up
CREATE TABLE incident_sla_policies (
  id                 TEXT PRIMARY KEY,
  org_id             TEXT NOT NULL,
  name               TEXT NOT NULL,
  severity           TEXT NOT NULL DEFAULT '' CHECK (severity IN ('', 'informational', 'low', 'medium', 'high', 'critical')),
  type               TEXT NOT NULL DEFAULT '',
  ack_seconds        INTEGER NOT NULL CHECK (ack_seconds > 0),
  resolve_seconds    INTEGER NOT NULL CHECK (resolve_seconds > 0),
  warn_percent       INTEGER NOT NULL CHECK (warn_percent BETWEEN 1 AND 99),
  business_hours     INTEGER NOT NULL DEFAULT 0,
  escalation_role    TEXT NOT NULL DEFAULT '',
  created_at         TIMESTAMP NOT NULL,
  updated_at         TIMESTAMP NOT NULL,
  UNIQUE (org_id, severity, type)
);

-- One row per org: its business calendar. Its presence also marks that the
-- org's default policies were seeded (once, even if it later deletes them).
CREATE TABLE incident_sla_calendars (
  org_id     TEXT PRIMARY KEY,
  timezone   TEXT NOT NULL,
  week       TEXT NOT NULL,
  holidays   TEXT NOT NULL DEFAULT '[]',
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);

-- The SLA clock of an incident. spent_ms is the counted (business or wall)
-- time before running_since; running_since is NULL while paused or
-- resolved. The *_warn_at/*_due_at instants are planned from the policy;
-- *_warned_at/*_breached_at record that the warning or breach was raised
-- (once: a conditional UPDATE ... WHERE ..._at IS NULL). next_check_at is
-- the earliest instant still to raise (NULL when nothing is pending).
CREATE TABLE incident_sla (
  org_id              TEXT NOT NULL,
  incident_id         TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  policy_id           TEXT,
  policy_name         TEXT NOT NULL,
  severity            TEXT NOT NULL,
  type                TEXT NOT NULL,
  ack_seconds         INTEGER NOT NULL,
  resolve_seconds     INTEGER NOT NULL,
  warn_percent        INTEGER NOT NULL,
  business_hours      INTEGER NOT NULL,
  escalation_role     TEXT NOT NULL DEFAULT '',
  started_at          TIMESTAMP NOT NULL,
  running_since       TIMESTAMP,
  spent_ms            INTEGER NOT NULL DEFAULT 0,
  paused_at           TIMESTAMP,
  pause_reason        TEXT NOT NULL DEFAULT '',
  paused_ms           INTEGER NOT NULL DEFAULT 0,
  ack_met_at          TIMESTAMP,
  ack_spent_ms        INTEGER,
  resolve_met_at      TIMESTAMP,
  resolve_spent_ms    INTEGER,
  ack_warn_at         TIMESTAMP,
  ack_due_at          TIMESTAMP,
  resolve_warn_at     TIMESTAMP,
  resolve_due_at      TIMESTAMP,
  ack_warned_at       TIMESTAMP,
  ack_breached_at     TIMESTAMP,
  resolve_warned_at   TIMESTAMP,
  resolve_breached_at TIMESTAMP,
  next_check_at       TIMESTAMP,
  updated_at          TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, incident_id)
);
-- The breach scan: only clocks with something still to raise.
CREATE INDEX incident_sla_next_check ON incident_sla (next_check_at) WHERE next_check_at IS NOT NULL;

-- +goose Down
DROP TABLE incident_sla;
DROP TABLE incident_sla_calendars;
DROP TABLE incident_sla_policies;
