-- Event outbox (internal/platform/events, docs/events.md): one row per
-- domain event, appended in the transaction of the change it describes.
-- seq is per org, gapless and in commit order: event_org_seq holds each
-- org's last seq and its row stays locked from allocation to commit, so a
-- reader that sees seq n has seen every seq below n. event_deliveries makes
-- consumers idempotent (one row per consumer and event).

-- +goose Up
CREATE TABLE event_org_seq (
  org_id   uuid PRIMARY KEY,
  last_seq bigint NOT NULL CHECK (last_seq >= 0)
);

CREATE TABLE events (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  seq         bigint NOT NULL CHECK (seq > 0),
  kind        text NOT NULL,
  subject     text NOT NULL DEFAULT '',
  actor       text NOT NULL DEFAULT '',
  occurred_at timestamptz NOT NULL,
  payload     jsonb NOT NULL DEFAULT '{}'::jsonb,
  UNIQUE (org_id, seq)
);
CREATE INDEX events_occurred ON events (occurred_at);

CREATE TABLE event_deliveries (
  org_id       uuid NOT NULL,
  consumer     text NOT NULL,
  event_id     uuid NOT NULL,
  delivered_at timestamptz NOT NULL,
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX event_deliveries_delivered ON event_deliveries (delivered_at);

ALTER TABLE event_org_seq ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_org_seq FORCE ROW LEVEL SECURITY;
CREATE POLICY event_org_seq_org ON event_org_seq
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
CREATE POLICY events_org ON events
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);
ALTER TABLE event_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY event_deliveries_org ON event_deliveries
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- Events are immutable for the application: only the pruner (below) deletes.
REVOKE UPDATE, DELETE ON events FROM securenexus_app;
REVOKE UPDATE ON event_deliveries FROM securenexus_app;

-- The pruner runs without an org (maintenance job): a narrow function owned
-- by the migrating role deletes only rows older than the retention cut-off.
CREATE POLICY definer_read ON events FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY definer_prune ON events FOR DELETE TO CURRENT_USER USING (true);
CREATE POLICY definer_read ON event_deliveries FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY definer_prune ON event_deliveries FOR DELETE TO CURRENT_USER USING (true);
-- +goose StatementBegin
CREATE FUNCTION events_prune(before timestamptz) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH e AS (DELETE FROM events WHERE occurred_at < before RETURNING 1),
       d AS (DELETE FROM event_deliveries WHERE delivered_at < before RETURNING 1)
  SELECT (SELECT count(*) FROM e) + (SELECT count(*) FROM d)
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION events_prune(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION events_prune(timestamptz) TO securenexus_app;

-- +goose Down
DROP FUNCTION events_prune(timestamptz);
DROP TABLE event_deliveries;
DROP TABLE events;
DROP TABLE event_org_seq;
