-- Post-incident reviews (internal/report, docs/reports.md): one per
-- incident, written once it is resolved or closed. Follow-up work is
-- incident tasks; follow_up_task_ids lists them in the review's order.
-- version counts saves (optimistic concurrency). Forced row-level security.

-- +goose Up
CREATE TABLE incident_reviews (
  org_id             uuid NOT NULL,
  incident_id        uuid NOT NULL,
  root_cause         text NOT NULL DEFAULT '',
  impact             text NOT NULL DEFAULT '',
  lessons_learned    text NOT NULL DEFAULT '',
  follow_up_task_ids jsonb NOT NULL DEFAULT '[]'::jsonb,
  version            integer NOT NULL CHECK (version > 0),
  created_by         text NOT NULL,
  created_at         timestamptz NOT NULL,
  updated_by         text NOT NULL,
  updated_at         timestamptz NOT NULL,
  PRIMARY KEY (org_id, incident_id)
);
ALTER TABLE incident_reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_reviews FORCE ROW LEVEL SECURITY;
CREATE POLICY incident_reviews_org ON incident_reviews
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- +goose Down
DROP TABLE incident_reviews;
