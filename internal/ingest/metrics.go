package ingest

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/securenexus/securenexus/internal/normalize"
)

// Metrics are the ingest counters and latency histogram.
type Metrics struct {
	records *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// NewMetrics registers the ingest metrics on reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "securenexus_ingest_alerts_total",
			Help: "Ingested alerts by outcome (accepted, duplicate, rejected) and source type.",
		}, []string{"outcome", "source_type"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "securenexus_ingest_batch_seconds",
			Help:    "Time from receiving an intake request to committing its alerts, by channel.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"channel"}),
	}
	if reg != nil {
		reg.MustRegister(m.records, m.latency)
	}
	return m
}

func (m *Metrics) rejected(sourceType string) {
	if m == nil {
		return
	}
	m.records.WithLabelValues("rejected", rejectedLabel(sourceType)).Inc()
}

// rejectedLabel bounds the source_type label of a rejection: the type
// comes from the request, and every distinct value would be a new series
// kept for the life of the process.
func rejectedLabel(st string) string {
	if st == "" {
		return "auto"
	}
	if _, ok := normalize.Lookup(st); ok {
		return st
	}
	return "unknown"
}

func label(st string) string {
	if st == "" {
		return "auto"
	}
	return st
}

func (m *Metrics) observe(b *Batch, sum *BatchSummary, d time.Duration) {
	if m == nil {
		return
	}
	acc := map[string]int{}
	dup := map[string]int{}
	ri := 0
	for _, r := range sum.Results {
		if r.Status == StatusRejected || r.Status == StatusSkipped {
			continue
		}
		st := label(b.rows[ri].alert.Source.Type)
		ri++
		if r.Status == StatusAccepted {
			acc[st]++
		} else {
			dup[st]++
		}
	}
	for st, n := range acc {
		m.records.WithLabelValues("accepted", st).Add(float64(n))
	}
	for st, n := range dup {
		m.records.WithLabelValues("duplicate", st).Add(float64(n))
	}
	m.latency.WithLabelValues(b.channel).Observe(d.Seconds())
}
