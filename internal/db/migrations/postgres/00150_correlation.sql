-- Correlation: per-org rule definitions (edits of shipped rules and the
-- org's own), and the grouping state, kept in the database so that
-- restarts and replicas agree: a group key of a rule in a time bucket
-- belongs to exactly one group (primary key), and a group opens at most
-- one incident (its row is locked while deciding).

-- +goose Up
CREATE TABLE correlation_rules (
  id         uuid PRIMARY KEY,
  org_id     uuid NOT NULL,
  key        text NOT NULL,
  version    integer NOT NULL,
  definition jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (org_id, key)
);

CREATE TABLE correlation_groups (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  rule_key     text NOT NULL,
  rule_version integer NOT NULL,
  bucket       bigint NOT NULL,
  group_key    text NOT NULL,
  first_event  timestamptz NOT NULL,
  last_event   timestamptz NOT NULL,
  alert_count  integer NOT NULL DEFAULT 0,
  incident_id  uuid,
  explanation  jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX correlation_groups_incident ON correlation_groups (org_id, incident_id) WHERE incident_id IS NOT NULL;

CREATE TABLE correlation_group_keys (
  org_id   uuid NOT NULL,
  rule_key text NOT NULL,
  bucket   bigint NOT NULL,
  key      text NOT NULL,
  group_id uuid NOT NULL REFERENCES correlation_groups (id) ON DELETE CASCADE,
  PRIMARY KEY (org_id, rule_key, bucket, key)
);

CREATE TABLE correlation_group_alerts (
  org_id     uuid NOT NULL,
  group_id   uuid NOT NULL REFERENCES correlation_groups (id) ON DELETE CASCADE,
  alert_id   uuid NOT NULL,
  event_time timestamptz NOT NULL,
  source_type text NOT NULL DEFAULT '',
  tactics    jsonb NOT NULL DEFAULT '[]'::jsonb,
  entities   jsonb NOT NULL DEFAULT '[]'::jsonb,
  PRIMARY KEY (org_id, group_id, alert_id)
);
CREATE INDEX correlation_group_alerts_alert ON correlation_group_alerts (org_id, alert_id);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['correlation_rules', 'correlation_groups', 'correlation_group_keys', 'correlation_group_alerts'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (org_id = NULLIF(current_setting(''app.org_id'', true), '''')::uuid) '
                   'WITH CHECK (org_id = NULLIF(current_setting(''app.org_id'', true), '''')::uuid)', t || '_org', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE correlation_group_alerts;
DROP TABLE correlation_group_keys;
DROP TABLE correlation_groups;
DROP TABLE correlation_rules;
