package db

import (
	"github.com/prometheus/client_golang/prometheus"
)

// PoolCollector exports the PostgreSQL connection pool's state on
// /metrics (securenexus_db_pool_*): connections acquired, idle, total and
// the maximum; acquisitions, and how many of them waited for a connection
// and for how long in total. Sizing guidance: docs/operations.md.
type PoolCollector struct {
	d                                 *DB
	acquired, idle, total, maxConns   *prometheus.Desc
	acquires, waits, waitSecs, cancel *prometheus.Desc
}

// NewPoolCollector returns the collector of d's pool (nothing is exported
// on SQLite).
func NewPoolCollector(d *DB) *PoolCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("securenexus_db_pool_"+name, help, nil, nil)
	}
	return &PoolCollector{d: d,
		acquired: desc("acquired_connections", "PostgreSQL pool connections in use."),
		idle:     desc("idle_connections", "PostgreSQL pool connections idle."),
		total:    desc("total_connections", "PostgreSQL pool connections open (acquired, idle and being opened)."),
		maxConns: desc("max_connections", "PostgreSQL pool size limit (SECURENEXUS_DB_MAX_CONNS)."),
		acquires: desc("acquires_total", "Connections acquired from the pool."),
		waits:    desc("acquire_waits_total", "Acquisitions that waited because every connection was in use."),
		waitSecs: desc("acquire_wait_seconds_total", "Total time acquisitions waited for a connection."),
		cancel:   desc("acquire_canceled_total", "Acquisitions canceled (context ended) while waiting."),
	}
}

// Describe implements prometheus.Collector.
func (c *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.acquired, c.idle, c.total, c.maxConns, c.acquires, c.waits, c.waitSecs, c.cancel} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	if c.d.Pool == nil {
		return
	}
	s := c.d.Pool.Stat()
	g := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	n := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	g(c.acquired, float64(s.AcquiredConns()))
	g(c.idle, float64(s.IdleConns()))
	g(c.total, float64(s.TotalConns()))
	g(c.maxConns, float64(s.MaxConns()))
	n(c.acquires, float64(s.AcquireCount()))
	n(c.waits, float64(s.EmptyAcquireCount()))
	n(c.waitSecs, s.EmptyAcquireWaitTime().Seconds())
	n(c.cancel, float64(s.CanceledAcquireCount()))
}
