-- Compact alert storage (docs/performance.md, "Bytes per alert").
--
-- The list B-trees are rebuilt ascending. Every list query orders all its
-- keys in one direction, so one index serves both directions (a backward
-- index scan costs the same). Declared DESC, each new alert (a later
-- received time, a later UUIDv7) was inserted at the low end of its org's
-- range, where page splits are 50/50 and the left halves never fill
-- again: the same index took ~1.8x the bytes of its ascending form.
--
-- The GIN indexes (free text, tags, technique roots) stop using the
-- pending list (fastupdate = off). With it, intake appended every new
-- alert's keys to the pending list and the pages it released on each
-- flush were reused only after a VACUUM: on a table autovacuum had not yet
-- visited (or with autovacuum off) the free-text index grew to ~9x its
-- compact size. Without it each insert goes into the entry tree directly,
-- as compact as a fresh build. Rebuilding them here also reclaims the
-- space of existing rows.

-- +goose Up
DROP INDEX alerts_org_received;
DROP INDEX alerts_org_event;
DROP INDEX alerts_org_severity;
DROP INDEX alerts_org_status;
DROP INDEX alerts_org_source_type;
DROP INDEX alerts_org_assignee;
CREATE INDEX alerts_org_received ON alerts (org_id, received_time, id);
CREATE INDEX alerts_org_event ON alerts (org_id, event_time, id);
CREATE INDEX alerts_org_severity ON alerts (org_id, severity_id, received_time, id);
CREATE INDEX alerts_org_status ON alerts (org_id, status, received_time, id);
CREATE INDEX alerts_org_source_type ON alerts (org_id, source_type, received_time, id);
CREATE INDEX alerts_org_assignee ON alerts (org_id, assignee, received_time, id) WHERE assignee IS NOT NULL;

DROP INDEX alerts_search;
DROP INDEX alerts_tags;
DROP INDEX alerts_technique_roots;
CREATE INDEX alerts_search ON alerts USING gin (search) WITH (fastupdate = off);
CREATE INDEX alerts_tags ON alerts USING gin (tags jsonb_path_ops) WITH (fastupdate = off);
CREATE INDEX alerts_technique_roots ON alerts USING gin (alert_technique_roots(techniques)) WITH (fastupdate = off);

-- +goose Down
ALTER INDEX alerts_search SET (fastupdate = on);
ALTER INDEX alerts_tags SET (fastupdate = on);
ALTER INDEX alerts_technique_roots SET (fastupdate = on);

DROP INDEX alerts_org_received;
DROP INDEX alerts_org_event;
DROP INDEX alerts_org_severity;
DROP INDEX alerts_org_status;
DROP INDEX alerts_org_source_type;
DROP INDEX alerts_org_assignee;
CREATE INDEX alerts_org_received ON alerts (org_id, received_time DESC, id DESC);
CREATE INDEX alerts_org_event ON alerts (org_id, event_time DESC, id DESC);
CREATE INDEX alerts_org_severity ON alerts (org_id, severity_id DESC, received_time DESC, id DESC);
CREATE INDEX alerts_org_status ON alerts (org_id, status, received_time DESC, id DESC);
CREATE INDEX alerts_org_source_type ON alerts (org_id, source_type, received_time DESC, id DESC);
CREATE INDEX alerts_org_assignee ON alerts (org_id, assignee, received_time DESC, id DESC) WHERE assignee IS NOT NULL;
