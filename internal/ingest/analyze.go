package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/jobs"
)

// AnalyzePruner is the maintenance step that keeps the alert tables
// planned well: on PostgreSQL with autovacuum off it analyzes them
// (analyze_hot_tables, migration 00101; nothing when autovacuum runs); on
// SQLite it runs PRAGMA optimize and checkpoints the write-ahead log. It
// deletes nothing and reports 0.
func AnalyzePruner() jobs.Pruner {
	return jobs.PrunerFunc{Label: "alert_tables_analyze", Fn: func(ctx context.Context, d *db.DB, _ time.Time) (int64, error) {
		if d.Dialect == db.SQLite {
			if _, err := d.Writer.ExecContext(ctx, "PRAGMA optimize"); err != nil {
				return 0, fmt.Errorf("ingest: optimize: %w", err)
			}
			return 0, d.Checkpoint(ctx)
		}
		off, err := d.AutovacuumOff(ctx)
		if err != nil || !off {
			return 0, err
		}
		if _, err := d.Writer.ExecContext(ctx, "SELECT analyze_hot_tables()"); err != nil {
			return 0, fmt.Errorf("ingest: analyze alert tables: %w", err)
		}
		return 0, nil
	}}
}
