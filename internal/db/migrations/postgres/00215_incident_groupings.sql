-- Correlation explanations stored once per grouping, not on every linked
-- alert: incident_groupings holds one explanation per (incident, rule,
-- group key), kept current as the group grows; each correlated link of
-- incident_alerts references it (grouping_id) and keeps in its provenance
-- only what is its own (via, from, the entities it shares with the group).
-- Existing rows are converted: one grouping per (incident, rule, group key)
-- with the newest link's explanation, and the explanation removed from the
-- links' provenance.

-- +goose Up
CREATE TABLE incident_groupings (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  incident_id uuid NOT NULL,
  rule_key    text NOT NULL,
  group_key   text NOT NULL,
  explanation jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  UNIQUE (org_id, incident_id, rule_key, group_key)
);
ALTER TABLE incident_alerts ADD COLUMN grouping_id uuid;

ALTER TABLE incident_groupings ENABLE ROW LEVEL SECURITY;
CREATE POLICY incident_groupings_org ON incident_groupings
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- The owner converts every org's rows: row-level security is lifted for
-- the owner while converting and forced again below.
ALTER TABLE incident_alerts NO FORCE ROW LEVEL SECURITY;

INSERT INTO incident_groupings (id, org_id, incident_id, rule_key, group_key, explanation, created_at, updated_at)
SELECT DISTINCT ON (org_id, incident_id, rule_key, group_key)
  md5(org_id::text || '|' || incident_id::text || '|' || rule_key || '|' || group_key)::uuid,
  org_id, incident_id, rule_key, group_key, explanation, added_at, added_at
FROM (SELECT org_id, incident_id, added_at, provenance->'explanation' AS explanation,
             coalesce(provenance->'explanation'->>'rule', '') AS rule_key,
             coalesce(provenance->'explanation'->>'group_key', '') AS group_key
      FROM incident_alerts WHERE jsonb_typeof(provenance->'explanation') = 'object') l
ORDER BY org_id, incident_id, rule_key, group_key, added_at DESC;

UPDATE incident_alerts ia SET grouping_id = g.id, provenance = ia.provenance - 'explanation'
FROM incident_groupings g
WHERE jsonb_typeof(ia.provenance->'explanation') = 'object' AND g.org_id = ia.org_id AND g.incident_id = ia.incident_id
  AND g.rule_key = coalesce(ia.provenance->'explanation'->>'rule', '')
  AND g.group_key = coalesce(ia.provenance->'explanation'->>'group_key', '');

ALTER TABLE incident_alerts FORCE ROW LEVEL SECURITY;
ALTER TABLE incident_groupings FORCE ROW LEVEL SECURITY;

-- +goose Down
ALTER TABLE incident_alerts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE incident_groupings NO FORCE ROW LEVEL SECURITY;
UPDATE incident_alerts ia SET provenance = ia.provenance || jsonb_build_object('explanation', g.explanation)
FROM incident_groupings g WHERE g.org_id = ia.org_id AND g.id = ia.grouping_id;
ALTER TABLE incident_alerts FORCE ROW LEVEL SECURITY;
ALTER TABLE incident_alerts DROP COLUMN grouping_id;
DROP TABLE incident_groupings;
