-- Foundation: the maintenance run log.

-- +goose Up
-- One row per run of the periodic maintenance job.
CREATE TABLE maintenance_runs (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at  TIMESTAMP NOT NULL,
  finished_at TIMESTAMP NOT NULL,
  pruned      TEXT NOT NULL DEFAULT '{}',
  error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX maintenance_runs_started_at ON maintenance_runs (started_at DESC);

-- +goose Down
DROP TABLE maintenance_runs;
