-- Signed webhooks seen within their replay window. A delivery is
-- remembered by a digest of its signed content (timestamp and body), per
-- source; the primary key makes a second delivery of the same content fail
-- in the committing transaction, on every replica. Rows expire when the
-- timestamp leaves the window and are pruned by the maintenance job.

-- +goose Up
CREATE TABLE ingest_webhook_seen (
  org_id     uuid NOT NULL,
  source_id  uuid NOT NULL,
  digest     text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, source_id, digest)
);
CREATE INDEX ingest_webhook_seen_expires ON ingest_webhook_seen (expires_at);

ALTER TABLE ingest_webhook_seen ENABLE ROW LEVEL SECURITY;
ALTER TABLE ingest_webhook_seen FORCE ROW LEVEL SECURITY;
CREATE POLICY ingest_webhook_seen_org ON ingest_webhook_seen
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- The pruner runs without an org: a narrow definer function deletes only
-- expired rows (the owner alone has the policies it needs).
CREATE POLICY definer_read ON ingest_webhook_seen FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY definer_prune ON ingest_webhook_seen FOR DELETE TO CURRENT_USER USING (true);
-- +goose StatementBegin
CREATE FUNCTION ingest_prune_webhook_seen(before timestamptz) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH d AS (DELETE FROM ingest_webhook_seen WHERE expires_at < before RETURNING 1)
  SELECT count(*) FROM d
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ingest_prune_webhook_seen(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ingest_prune_webhook_seen(timestamptz) TO securenexus_app;

-- +goose Down
DROP FUNCTION ingest_prune_webhook_seen(timestamptz);
DROP TABLE ingest_webhook_seen;
