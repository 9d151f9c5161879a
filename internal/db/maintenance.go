package db

import (
	"context"
	"fmt"
	"strings"
)

// AnalyzeAll refreshes the planner statistics of the whole database: on
// PostgreSQL ANALYZE as the connected role (the migrating owner: the
// application role may not analyze the tables), on SQLite ANALYZE. Run
// after migrations and bulk loads: a never-analyzed table is planned
// without statistics.
func (d *DB) AnalyzeAll(ctx context.Context) error {
	if _, err := d.Writer.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("db: analyze: %w", err)
	}
	return nil
}

// AutovacuumOff reports whether PostgreSQL's autovacuum (which also keeps
// the planner statistics current) is off; always false on SQLite.
func (d *DB) AutovacuumOff(ctx context.Context) (bool, error) {
	if d.Dialect != Postgres {
		return false, nil
	}
	var v string
	if err := d.Reader.QueryRowContext(ctx, "SHOW autovacuum").Scan(&v); err != nil {
		return false, fmt.Errorf("db: show autovacuum: %w", err)
	}
	return strings.EqualFold(v, "off"), nil
}

// Checkpoint copies SQLite's write-ahead log into the database file and
// truncates it, so the WAL never grows without bound under sustained
// writes (readers holding old snapshots can stall automatic checkpoints).
// A no-op on PostgreSQL.
func (d *DB) Checkpoint(ctx context.Context) error {
	if d.Dialect != SQLite {
		return nil
	}
	if _, err := d.Writer.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("db: wal checkpoint: %w", err)
	}
	return nil
}
