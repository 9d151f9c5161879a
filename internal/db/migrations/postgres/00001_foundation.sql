-- Foundation: the application role and the maintenance run log.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'securenexus_app') THEN
    -- The role the server runs as. Neither superuser nor BYPASSRLS, so
    -- row-level security policies always apply to it.
    CREATE ROLE securenexus_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;
-- +goose StatementEnd
GRANT USAGE ON SCHEMA public TO securenexus_app;
-- Readiness compares the applied schema version with the binary's.
GRANT SELECT ON goose_db_version TO securenexus_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO securenexus_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO securenexus_app;

-- One row per run of the periodic maintenance job.
CREATE TABLE maintenance_runs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  pruned      jsonb NOT NULL DEFAULT '{}'::jsonb,
  error       text NOT NULL DEFAULT ''
);
CREATE INDEX maintenance_runs_started_at ON maintenance_runs (started_at DESC);

-- +goose Down
DROP TABLE maintenance_runs;
