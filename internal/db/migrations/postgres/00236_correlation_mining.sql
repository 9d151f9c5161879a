-- Periodic mining of suggested correlation rules: when each org was last
-- mined (a replica claims an org by a conditional UPDATE of this column),
-- and the scheduler's cross-org read of the orgs due (ids only).

-- +goose Up
ALTER TABLE correlation_settings ADD COLUMN suggestions_mined_at timestamptz;
CREATE POLICY definer_read ON correlation_settings FOR SELECT TO CURRENT_USER USING (true);
-- +goose StatementBegin
CREATE FUNCTION correlation_mining_due(at timestamptz, lim integer) RETURNS TABLE (due_org uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT org_id FROM correlation_settings
  WHERE suggestions_mined_at IS NULL OR suggestions_mined_at <= at
  ORDER BY suggestions_mined_at NULLS FIRST, org_id LIMIT lim
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION correlation_mining_due(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION correlation_mining_due(timestamptz, integer) TO securenexus_app;

-- +goose Down
DROP FUNCTION correlation_mining_due(timestamptz, integer);
DROP POLICY definer_read ON correlation_settings;
ALTER TABLE correlation_settings DROP COLUMN suggestions_mined_at;
