package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	duration *prometheus.HistogramVec
	requests *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "securenexus",
			Subsystem: "http",
			Name:      "request_duration_seconds",
			Help:      "HTTP request latency by route.",
			Buckets:   []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "securenexus",
			Subsystem: "http",
			Name:      "requests_total",
			Help:      "HTTP requests by route and status code.",
		}, []string{"method", "route", "code"}),
	}
	reg.MustRegister(m.duration, m.requests)
	return m
}

// methodLabel bounds the method label: clients choose the method string,
// and every distinct value would be a new series.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	method = methodLabel(method)
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
}
