package ingest

import (
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/time/rate"

	"github.com/securenexus/securenexus/internal/apperr"
)

// Plan rates in alerts per second (burst is rate*2, at least one batch).
var PlanRates = map[string]float64{
	"free":       1000,
	"standard":   20000,
	"enterprise": 100000,
}

// Quota is a token bucket of alerts per second for each org.
type Quota struct {
	// Plan returns an org's plan name; nil (or an unknown plan) selects Default.
	Plan func(org uuid.UUID) string
	// Default is the rate for orgs whose plan is unknown; 0 disables limits.
	Default float64
	// MinBurst is the smallest bucket size (so one full batch always fits).
	MinBurst int

	mu       sync.Mutex
	limiters map[uuid.UUID]*rate.Limiter
}

func (q *Quota) limiter(org uuid.UUID) *rate.Limiter {
	q.mu.Lock()
	defer q.mu.Unlock()
	if l, ok := q.limiters[org]; ok {
		return l
	}
	r := q.Default
	if q.Plan != nil {
		if pr, ok := PlanRates[q.Plan(org)]; ok {
			r = pr
		}
	}
	if r <= 0 {
		return nil
	}
	if q.limiters == nil {
		q.limiters = map[uuid.UUID]*rate.Limiter{}
	}
	l := rate.NewLimiter(rate.Limit(r), max(int(r*2), q.MinBurst))
	q.limiters[org] = l
	return l
}

// Take consumes n alerts of org's quota or returns a rate-limited error
// telling when n would fit.
func (q *Quota) Take(org uuid.UUID, n int) error {
	if q == nil || n == 0 {
		return nil
	}
	l := q.limiter(org)
	if l == nil {
		return nil
	}
	now := time.Now()
	if n > l.Burst() {
		return apperr.RateLimited("batch larger than the org's ingest burst; send smaller batches", time.Second).WithCode("ingest_quota_exceeded")
	}
	r := l.ReserveN(now, n)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return apperr.RateLimited("org ingest quota exceeded", d).WithCode("ingest_quota_exceeded")
	}
	return nil
}
