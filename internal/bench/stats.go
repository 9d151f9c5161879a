// Package bench measures the alert pipeline end to end: ingest throughput
// and batch latency through the real HTTP intake (with a PostgreSQL COPY
// baseline), and alert list query latency at scale. Loads stay on
// loopback and are bounded in count and time.
package bench

import (
	"fmt"
	"slices"
	"time"
)

// Percentiles of a latency sample.
type Percentiles struct {
	P50, P95, P99, Max time.Duration
}

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return Percentiles{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: s[len(s)-1]}
}

func (p Percentiles) String() string {
	return fmt.Sprintf("p50 %s  p95 %s  p99 %s  max %s", ms(p.P50), ms(p.P95), ms(p.P99), ms(p.Max))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
