package correlate_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/testdb"
)

// BenchmarkDecision measures the correlation decision path for one alert
// (one alert.ingested event: read the alert, load the rules and
// suppressions, evaluate every rule, join or create groups, decide), with
// the shipped rules, on each backend. A quarter of the alerts share a user
// with an earlier one, so groups open incidents and attach.
//
//	go test -run '^$' -bench BenchmarkDecision -benchtime 2000x ./internal/correlate/
func BenchmarkDecision(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(string(dialect), func(b *testing.B) {
			d := testdb.Open(b, dialect)
			e := newEnv(b, d)
			ctx := context.Background()
			base := time.Now().UTC().Add(-time.Hour)
			ids := make([]uuid.UUID, 0, b.N)
			for chunk := range slices.Chunk(make([]int, b.N), 500) {
				as := make([]alert.Alert, len(chunk))
				for j := range as {
					k := len(ids) + j
					as[j] = alert.Alert{Title: fmt.Sprintf("bench %d", k), Severity: alert.SeverityMedium, Source: alert.Source{Type: "wazuh"},
						Rule: alert.Rule{ID: fmt.Sprintf("r%d", k%50)}, SourceRef: fmt.Sprintf("b-%d", k), EventTime: base.Add(time.Duration(k) * time.Millisecond),
						Tactics: []string{"execution"}, Entities: []alert.Entity{{Type: alert.EntityUser, Value: fmt.Sprintf("u%d", k*3/4)},
							{Type: alert.EntityHostname, Value: fmt.Sprintf("h%d", k)}, {Type: alert.EntityIP, Value: fmt.Sprintf("10.1.%d.%d", k/256%256, k%256)}}}
				}
				ids = append(ids, e.ingestAlerts(as...)...)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				t0 := time.Now()
				if _, err := e.eng.Process(ctx, e.scope, ids[i:i+1]); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			q := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(q(0.50), "p50-ms")
			b.ReportMetric(q(0.95), "p95-ms")
			b.ReportMetric(q(0.99), "p99-ms")
		})
	}
}
