-- Correlation explanations stored once per grouping (see the PostgreSQL
-- migration); existing rows are converted.

-- +goose Up
CREATE TABLE incident_groupings (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  incident_id TEXT NOT NULL,
  rule_key    TEXT NOT NULL,
  group_key   TEXT NOT NULL,
  explanation TEXT NOT NULL,
  created_at  TIMESTAMP NOT NULL,
  updated_at  TIMESTAMP NOT NULL,
  UNIQUE (org_id, incident_id, rule_key, group_key)
);
ALTER TABLE incident_alerts ADD COLUMN grouping_id TEXT;

-- One grouping per (incident, rule, group key) with the newest link's
-- explanation (SQLite takes the bare columns from the max(added_at) row).
INSERT INTO incident_groupings (id, org_id, incident_id, rule_key, group_key, explanation, created_at, updated_at)
SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-8' ||
             substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
       org_id, incident_id, rule_key, group_key, explanation, at, at
FROM (SELECT org_id, incident_id, coalesce(json_extract(provenance, '$.explanation.rule'), '') AS rule_key,
             coalesce(json_extract(provenance, '$.explanation.group_key'), '') AS group_key,
             json_extract(provenance, '$.explanation') AS explanation, max(added_at) AS at
      FROM incident_alerts WHERE json_type(provenance, '$.explanation') = 'object'
      GROUP BY org_id, incident_id, rule_key, group_key);

UPDATE incident_alerts SET
  grouping_id = (SELECT g.id FROM incident_groupings g WHERE g.org_id = incident_alerts.org_id AND g.incident_id = incident_alerts.incident_id
                 AND g.rule_key = coalesce(json_extract(incident_alerts.provenance, '$.explanation.rule'), '')
                 AND g.group_key = coalesce(json_extract(incident_alerts.provenance, '$.explanation.group_key'), '')),
  provenance = json_remove(provenance, '$.explanation')
WHERE json_type(provenance, '$.explanation') = 'object';

-- +goose Down
UPDATE incident_alerts SET provenance = json_set(provenance, '$.explanation',
  json((SELECT g.explanation FROM incident_groupings g WHERE g.org_id = incident_alerts.org_id AND g.id = incident_alerts.grouping_id)))
WHERE grouping_id IS NOT NULL;
ALTER TABLE incident_alerts DROP COLUMN grouping_id;
DROP TABLE incident_groupings;
