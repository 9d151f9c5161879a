-- Correlation candidates: groups of a rule with outcome "propose" that
-- passed the gates, waiting for an analyst to accept (an incident with the
-- alerts opens) or reject (recorded). One candidate per group.

-- +goose Up
CREATE TABLE correlation_candidates (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  group_id     uuid NOT NULL REFERENCES correlation_groups (id) ON DELETE CASCADE,
  rule_key     text NOT NULL,
  rule_version integer NOT NULL,
  group_key    text NOT NULL,
  title        text NOT NULL,
  severity     text NOT NULL DEFAULT '',
  alert_count  integer NOT NULL,
  alert_ids    jsonb NOT NULL DEFAULT '[]'::jsonb,
  explanation  jsonb NOT NULL DEFAULT '{}'::jsonb,
  status       text NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
  incident_id  uuid,
  decided_by   text,
  decided_at   timestamptz,
  reason       text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  UNIQUE (org_id, group_id)
);
CREATE INDEX correlation_candidates_status ON correlation_candidates (org_id, status, id DESC);

ALTER TABLE correlation_candidates ENABLE ROW LEVEL SECURITY;
ALTER TABLE correlation_candidates FORCE ROW LEVEL SECURITY;
CREATE POLICY correlation_candidates_org ON correlation_candidates
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- +goose Down
DROP TABLE correlation_candidates;
