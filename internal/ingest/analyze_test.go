package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

// TestAnalyzePrunerAnalyzesWhenAutovacuumIsOff runs the maintenance step as
// the application role: on PostgreSQL with autovacuum off (this project's
// test server) the alert table has statistics afterwards.
func TestAnalyzePrunerAnalyzesWhenAutovacuumIsOff(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := AnalyzePruner().Prune(ctx, d, time.Now()); err != nil {
			t.Fatal(err)
		}
		if d.Dialect != db.Postgres {
			return
		}
		off, err := d.AutovacuumOff(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !off {
			t.Skip("autovacuum is on: the step does nothing")
		}
		var analyzed bool
		if err := d.Reader.QueryRowContext(ctx, `SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'alerts'`).Scan(&analyzed); err != nil {
			t.Fatal(err)
		}
		if !analyzed {
			t.Fatal("alerts not analyzed by the maintenance step")
		}
	})
}
