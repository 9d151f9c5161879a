-- Who is viewing an incident now (internal/timeline presence): one row per
-- viewer (user or API key) and incident, refreshed by heartbeats; a row
-- whose last_seen is older than the expiry no longer counts and is swept
-- (with a leave event) by the next heartbeat or list of that incident.
-- Shared by every replica; forced row-level security.

-- +goose Up
CREATE TABLE incident_presence (
  org_id      uuid NOT NULL,
  incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  viewer      text NOT NULL,
  name        text NOT NULL,
  since       timestamptz NOT NULL,
  last_seen   timestamptz NOT NULL,
  PRIMARY KEY (org_id, incident_id, viewer)
);
ALTER TABLE incident_presence ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_presence FORCE ROW LEVEL SECURITY;
CREATE POLICY incident_presence_org ON incident_presence
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- +goose Down
DROP TABLE incident_presence;
