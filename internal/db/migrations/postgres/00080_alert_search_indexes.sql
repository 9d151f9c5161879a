-- Indexes for the triage filters (docs/data.md, "Index contract"):
-- entities_org_value serves q= over entity values (q=10.1.2.54 finds the
-- alerts that mention that IP whatever its type); alert_technique_roots
-- and its expression GIN index serve technique=T1003, which matches the
-- technique and all its sub-techniques (T1003.001, ...).

-- +goose Up
CREATE INDEX entities_org_value ON entities (org_id, value);

-- +goose StatementBegin
CREATE FUNCTION alert_technique_roots(techniques jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $$
  SELECT coalesce(array_agg(DISTINCT upper(split_part(t, '.', 1))), '{}'::text[])
  FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(techniques) = 'array' THEN techniques ELSE '[]'::jsonb END) AS t
$$;
-- +goose StatementEnd
CREATE INDEX alerts_technique_roots ON alerts USING gin (alert_technique_roots(techniques));

-- +goose Down
DROP INDEX alerts_technique_roots;
DROP FUNCTION alert_technique_roots(jsonb);
DROP INDEX entities_org_value;
