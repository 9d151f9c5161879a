-- Incident SLAs: per-org policies by severity and type, the org's business
-- calendar (time zone, weekly hours, holidays) and one SLA clock per
-- incident. Every table is org-scoped with forced row-level security. The
-- breach scan reads the due clocks of every org through a SECURITY DEFINER
-- function over a partial index (next_check_at, not yet raised), never a
-- scan of all incidents.

-- +goose Up
CREATE TABLE incident_sla_policies (
  id                 uuid PRIMARY KEY,
  org_id             uuid NOT NULL,
  name               text NOT NULL,
  severity           text NOT NULL DEFAULT '' CHECK (severity IN ('', 'informational', 'low', 'medium', 'high', 'critical')),
  type               text NOT NULL DEFAULT '',
  ack_seconds        bigint NOT NULL CHECK (ack_seconds > 0),
  resolve_seconds    bigint NOT NULL CHECK (resolve_seconds > 0),
  warn_percent       integer NOT NULL CHECK (warn_percent BETWEEN 1 AND 99),
  business_hours     boolean NOT NULL DEFAULT false,
  escalation_role    text NOT NULL DEFAULT '',
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  UNIQUE (org_id, severity, type)
);

-- One row per org: its business calendar. Its presence also marks that the
-- org's default policies were seeded (once, even if it later deletes them).
CREATE TABLE incident_sla_calendars (
  org_id     uuid PRIMARY KEY,
  timezone   text NOT NULL,
  week       jsonb NOT NULL,
  holidays   jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- The SLA clock of an incident. spent_ms is the counted (business or wall)
-- time before running_since; running_since is NULL while paused or
-- resolved. The *_warn_at/*_due_at instants are planned from the policy;
-- *_warned_at/*_breached_at record that the warning or breach was raised
-- (once: a conditional UPDATE ... WHERE ..._at IS NULL). next_check_at is
-- the earliest instant still to raise (NULL when nothing is pending).
CREATE TABLE incident_sla (
  org_id              uuid NOT NULL,
  incident_id         uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  policy_id           uuid,
  policy_name         text NOT NULL,
  severity            text NOT NULL,
  type                text NOT NULL,
  ack_seconds         bigint NOT NULL,
  resolve_seconds     bigint NOT NULL,
  warn_percent        integer NOT NULL,
  business_hours      boolean NOT NULL,
  escalation_role     text NOT NULL DEFAULT '',
  started_at          timestamptz NOT NULL,
  running_since       timestamptz,
  spent_ms            bigint NOT NULL DEFAULT 0,
  paused_at           timestamptz,
  pause_reason        text NOT NULL DEFAULT '',
  paused_ms           bigint NOT NULL DEFAULT 0,
  ack_met_at          timestamptz,
  ack_spent_ms        bigint,
  resolve_met_at      timestamptz,
  resolve_spent_ms    bigint,
  ack_warn_at         timestamptz,
  ack_due_at          timestamptz,
  resolve_warn_at     timestamptz,
  resolve_due_at      timestamptz,
  ack_warned_at       timestamptz,
  ack_breached_at     timestamptz,
  resolve_warned_at   timestamptz,
  resolve_breached_at timestamptz,
  next_check_at       timestamptz,
  updated_at          timestamptz NOT NULL,
  PRIMARY KEY (org_id, incident_id)
);
-- The breach scan: only clocks with something still to raise.
CREATE INDEX incident_sla_next_check ON incident_sla (next_check_at) WHERE next_check_at IS NOT NULL;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['incident_sla_policies', 'incident_sla_calendars', 'incident_sla'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (org_id = NULLIF(current_setting(''app.org_id'', true), '''')::uuid) '
                   'WITH CHECK (org_id = NULLIF(current_setting(''app.org_id'', true), '''')::uuid)', t || '_org', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- The scan lists due clocks of every org (ids only); each is then handled
-- in a transaction armed for its org.
CREATE POLICY definer_read ON incident_sla FOR SELECT TO CURRENT_USER USING (true);
-- +goose StatementBegin
CREATE FUNCTION incident_sla_due(before timestamptz, max_rows integer)
RETURNS TABLE (org_id uuid, incident_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT s.org_id, s.incident_id FROM incident_sla s
  WHERE s.next_check_at IS NOT NULL AND s.next_check_at <= before
  ORDER BY s.next_check_at LIMIT max_rows
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION incident_sla_due(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION incident_sla_due(timestamptz, integer) TO securenexus_app;

-- +goose Down
DROP FUNCTION incident_sla_due(timestamptz, integer);
DROP TABLE incident_sla;
DROP TABLE incident_sla_calendars;
DROP TABLE incident_sla_policies;
