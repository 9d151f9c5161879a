package egress

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// otherDestination is the label of destinations beyond the cap.
const otherDestination = "other"

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	retries  *prometheus.CounterVec

	max   int
	mu    sync.Mutex
	names map[string]struct{}
}

func newMetrics(reg prometheus.Registerer, maxDest int) (*metrics, error) {
	if maxDest <= 0 {
		maxDest = DefaultMaxDestinations
	}
	m := &metrics{max: maxDest, names: map[string]struct{}{}}
	if reg == nil {
		return m, nil
	}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "securenexus_egress_requests_total",
		Help: "Outbound HTTP attempts by policy, destination host (capped, then \"other\") and result (status class, error, blocked, circuit_open)."},
		[]string{"policy", "destination", "result"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "securenexus_egress_request_duration_seconds",
		Help: "Outbound HTTP attempt latency until response headers, by policy and destination.", Buckets: prometheus.DefBuckets},
		[]string{"policy", "destination"})
	m.retries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "securenexus_egress_retries_total",
		Help: "Outbound HTTP retries by policy and destination."}, []string{"policy", "destination"})
	var err error
	if m.requests, err = register(reg, m.requests); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.retries, err = register(reg, m.retries); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// its name (two Clients on one registry share the series).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, fmt.Errorf("egress: register metrics: %w", err)
	}
	return c, nil
}

// destination is host's label value: the host while fewer than max
// distinct hosts were seen, otherwise "other".
func (m *metrics) destination(host string) string {
	if host == "" {
		return otherDestination
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.names[host]; ok {
		return host
	}
	if len(m.names) >= m.max {
		return otherDestination
	}
	m.names[host] = struct{}{}
	return host
}

func (m *metrics) observe(policy, dest, result string, elapsed time.Duration) {
	if m.requests == nil {
		return
	}
	m.requests.WithLabelValues(policy, dest, result).Inc()
	if result != "circuit_open" && result != "blocked" {
		m.duration.WithLabelValues(policy, dest).Observe(elapsed.Seconds())
	}
}

func (m *metrics) retry(policy, dest string) {
	if m.retries == nil {
		return
	}
	m.retries.WithLabelValues(policy, dest).Inc()
}
