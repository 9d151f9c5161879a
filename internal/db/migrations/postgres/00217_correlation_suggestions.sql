-- Suggested correlation rules: mined from incidents analysts grouped by
-- hand (escalate, link, merge) whose alerts share a value of an entity
-- type no enabled rule groups them by; one per org and fingerprint (the
-- draft's kind, group-by and window), with its backtest, until an analyst
-- accepts (the rule is created) or dismisses it.

-- +goose Up
CREATE TABLE correlation_suggestions (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  fingerprint text NOT NULL,
  status      text NOT NULL CHECK (status IN ('pending', 'accepted', 'dismissed')),
  rule        jsonb NOT NULL,
  support     integer NOT NULL,
  examples    jsonb NOT NULL DEFAULT '[]'::jsonb,
  backtest    jsonb NOT NULL DEFAULT '{}'::jsonb,
  rule_key    text NOT NULL DEFAULT '',
  decided_by  text NOT NULL DEFAULT '',
  decided_at  timestamptz,
  reason      text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  UNIQUE (org_id, fingerprint)
);
CREATE INDEX correlation_suggestions_list ON correlation_suggestions (org_id, created_at DESC, id DESC);

ALTER TABLE correlation_suggestions ENABLE ROW LEVEL SECURITY;
ALTER TABLE correlation_suggestions FORCE ROW LEVEL SECURITY;
CREATE POLICY correlation_suggestions_org ON correlation_suggestions
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- +goose Down
DROP TABLE correlation_suggestions;
