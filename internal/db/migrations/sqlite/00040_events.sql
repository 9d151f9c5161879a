-- Event outbox (internal/platform/events, docs/events.md); same meaning as
-- the PostgreSQL migration. SQLite has one writer, so seq allocation is
-- serialised by the write transaction itself.

-- +goose Up
CREATE TABLE event_org_seq (
  org_id   TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL CHECK (last_seq >= 0)
);

CREATE TABLE events (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  seq         INTEGER NOT NULL CHECK (seq > 0),
  kind        TEXT NOT NULL,
  subject     TEXT NOT NULL DEFAULT '',
  actor       TEXT NOT NULL DEFAULT '',
  occurred_at TIMESTAMP NOT NULL,
  payload     TEXT NOT NULL DEFAULT '{}',
  UNIQUE (org_id, seq)
);
CREATE INDEX events_occurred ON events (occurred_at);

CREATE TABLE event_deliveries (
  org_id       TEXT NOT NULL,
  consumer     TEXT NOT NULL,
  event_id     TEXT NOT NULL,
  delivered_at TIMESTAMP NOT NULL,
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX event_deliveries_delivered ON event_deliveries (delivered_at);

-- +goose Down
DROP TABLE event_deliveries;
DROP TABLE events;
DROP TABLE event_org_seq;
