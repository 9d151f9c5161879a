package ingest

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestMetricsCountOutcomes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		reg := prometheus.NewRegistry()
		m := NewMetrics(reg)
		p := &Pipeline{Store: NewStore(d, secrets.MustKeyring([]byte("k"))), Normalize: standInNormalize, Metrics: m}
		recs := [][]byte{[]byte(`{"title":"a","rule":"1"}`), []byte(`{"title":"a","rule":"1"}`), []byte(`{"x":1}`), []byte(`{"title":"b","rule":"2"}`)}
		if _, err := p.Ingest(context.Background(), tenant.NewAuthenticated(uuid.New(), "t"), nil, "", "api", recs); err != nil {
			t.Fatal(err)
		}
		for outcome, want := range map[string]float64{"accepted": 2, "duplicate": 1} {
			if got := value(m.records.WithLabelValues(outcome, "test")); got != want {
				t.Errorf("%s = %v, want %v", outcome, got, want)
			}
		}
		if got := value(m.records.WithLabelValues("rejected", "auto")); got != 1 {
			t.Errorf("rejected = %v", got)
		}
		var h dto.Metric
		if err := m.latency.WithLabelValues("api").(prometheus.Histogram).Write(&h); err != nil || h.GetHistogram().GetSampleCount() != 1 {
			t.Errorf("latency observations = %d (%v)", h.GetHistogram().GetSampleCount(), err)
		}
	})
}

func value(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}
