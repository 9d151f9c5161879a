-- The maintenance job analyzes the alert tables when autovacuum is off
-- (docs/performance.md): the application role may not ANALYZE tables it
-- does not own, so a SECURITY DEFINER function owned by the migrating role
-- does it, and only for these tables.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION analyze_hot_tables() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  ANALYZE alerts, entities, alert_entities, ingest_idempotency;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION analyze_hot_tables() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analyze_hot_tables() TO securenexus_app;

-- +goose Down
DROP FUNCTION analyze_hot_tables();
