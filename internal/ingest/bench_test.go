package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/normalize"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// BenchmarkPipelineBatch measures normalize + dedupe + persist of one
// 500-payload batch (15% repeats, realistic sources) per iteration, on
// both backends. Run: go test -run '^$' -bench PipelineBatch ./internal/ingest/
func BenchmarkPipelineBatch(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(string(dialect), func(b *testing.B) {
			d := testdb.Open(b, dialect)
			p := &Pipeline{Store: NewStore(d, secrets.MustKeyring([]byte("bench"))), Normalize: normalize.Normalize}
			scope := tenant.System(uuid.New(), "bench")
			const batch = 500
			samples := Samples(7, batch*64, 15, time.Now())
			ctx := context.Background()
			// Statistics before timing (this project's PostgreSQL runs with
			// autovacuum off): one warm-up batch, then analyze.
			warm := p.NewBatch(nil, "", "bench")
			for j, s := range samples[:batch] {
				warm.Add(j, s.Raw)
			}
			if _, err := warm.Commit(ctx, scope, nil); err != nil {
				b.Fatal(err)
			}
			if _, err := AnalyzePruner().Prune(ctx, d, time.Now()); err != nil {
				b.Fatal(err)
			}
			if d.Dialect == db.Postgres {
				if _, err := d.Writer.ExecContext(ctx, "SELECT analyze_hot_tables()"); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				part := samples[(i%64)*batch : (i%64+1)*batch]
				bt := p.NewBatch(nil, "", "bench")
				for j, s := range part {
					bt.Add(j, s.Raw)
				}
				if _, err := bt.Commit(ctx, scope, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "alerts/s")
		})
	}
}
