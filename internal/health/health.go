// Package health runs the liveness, readiness and deep health checks.
// Subsystems register their own checks; the deep report lists each.
package health

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Check is one named probe.
type Check struct {
	Name string
	// Critical checks decide readiness; the others only show in the deep
	// report.
	Critical bool
	Run      func(ctx context.Context) (detail string, err error)
}

// Result is the outcome of one check.
type Result struct {
	Name       string  `json:"name"`
	Status     string  `json:"status" enum:"ok,failing"`
	Critical   bool    `json:"critical"`
	Detail     string  `json:"detail,omitempty"`
	Error      string  `json:"error,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

// Report is the outcome of every check.
type Report struct {
	Status string   `json:"status" enum:"ok,degraded,failing"`
	Checks []Result `json:"checks"`
}

// Registry holds the checks.
type Registry struct {
	mu     sync.RWMutex
	checks []Check
	// Timeout bounds each check.
	Timeout time.Duration
}

// Register adds a check.
func (r *Registry) Register(c Check) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, c)
}

// Run executes checks concurrently. criticalOnly restricts it to readiness.
func (r *Registry) Run(ctx context.Context, criticalOnly bool) Report {
	r.mu.RLock()
	checks := make([]Check, 0, len(r.checks))
	for _, c := range r.checks {
		if !criticalOnly || c.Critical {
			checks = append(checks, c)
		}
	}
	r.mu.RUnlock()
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	results := make([]Result, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			start := time.Now()
			detail, err := c.Run(cctx)
			res := Result{Name: c.Name, Status: "ok", Critical: c.Critical, Detail: detail,
				DurationMS: float64(time.Since(start).Microseconds()) / 1000}
			if err != nil {
				res.Status, res.Error = "failing", err.Error()
			}
			results[i] = res
		})
	}
	wg.Wait()
	sort.Slice(results, func(i, j int) bool { return results[i].Name < results[j].Name })
	rep := Report{Status: "ok", Checks: results}
	for _, res := range results {
		if res.Status == "ok" {
			continue
		}
		if res.Critical {
			rep.Status = "failing"
			break
		}
		rep.Status = "degraded"
	}
	return rep
}
