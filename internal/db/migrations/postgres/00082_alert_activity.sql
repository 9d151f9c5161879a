-- Per-alert activity: analyst comments and every change (status with its
-- closure reason, assignee, tags), single or bulk, written in the change's
-- transaction. Readable by whoever can read the alert (alerts:read), unlike
-- the audit log (audit:read). Org-scoped with row-level security.

-- +goose Up
CREATE TABLE alert_activity (
  id         uuid PRIMARY KEY,
  org_id     uuid NOT NULL,
  alert_id   uuid NOT NULL,
  actor      text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('comment', 'change')),
  body       text NOT NULL DEFAULT '',
  change     jsonb,
  created_at timestamptz NOT NULL
);
CREATE INDEX alert_activity_alert ON alert_activity (org_id, alert_id, created_at DESC, id DESC);

ALTER TABLE alert_activity ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_activity FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_activity_org ON alert_activity
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- +goose Down
DROP TABLE alert_activity;
