package identity

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/audit"
)

// Denial aggregation bounds what refused requests can write to the
// append-only audit log: per source (client IP), org and reason, the first
// denial of each minute is written as it happens; the rest of that minute
// is counted and written as one summary entry (action access.denied,
// details aggregated=true and count) when the minute is over. So denials
// are always recorded, but 300 bad requests make 2 rows, not 300.
const (
	denialWindow = time.Minute
	// maxDenialKeys bounds the sources tracked at once; beyond it denials
	// are counted under one overflow source per org and reason.
	maxDenialKeys = 10000
	overflowIP    = "*"
)

type denialKey struct {
	org  uuid.UUID
	ip   string
	code string
}

type denialCount struct {
	start      time.Time
	suppressed int
	// last denial's particulars, for the summary
	actor, operation, permission string
}

// denials is the per-replica aggregator.
type denials struct {
	mu sync.Mutex
	m  map[denialKey]*denialCount
}

// admit reports whether a denial for k at now is written as it happens;
// otherwise it is counted. It also returns the summaries of windows that
// are over (to be written by the caller).
func (d *denials) admit(k denialKey, now time.Time, actor, operation, permission string) (bool, []denialSummary) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[denialKey]*denialCount{}
	}
	done := d.expireLocked(now, false)
	c, ok := d.m[k]
	if !ok && len(d.m) >= maxDenialKeys {
		k.ip = overflowIP
		c, ok = d.m[k]
	}
	if !ok {
		d.m[k] = &denialCount{start: now}
		return true, done
	}
	c.suppressed++
	c.actor, c.operation, c.permission = actor, operation, permission
	return false, done
}

// denialSummary is one aggregated window.
type denialSummary struct {
	key   denialKey
	count denialCount
}

// expireLocked removes windows that are over (all of them when all) and
// returns those that counted suppressed denials.
func (d *denials) expireLocked(now time.Time, all bool) []denialSummary {
	var out []denialSummary
	for k, c := range d.m {
		if all || now.Sub(c.start) >= denialWindow {
			if c.suppressed > 0 {
				out = append(out, denialSummary{key: k, count: *c})
			}
			delete(d.m, k)
		}
	}
	return out
}

// flush returns the summaries of windows over at now (every window when
// all, at shutdown).
func (d *denials) flush(now time.Time, all bool) []denialSummary {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.expireLocked(now, all)
}

// writeSummaries appends one audit entry per aggregated window.
func (s *Store) writeSummaries(ctx context.Context, sums []denialSummary) {
	for _, sum := range sums {
		details, _ := json.Marshal(map[string]string{
			"aggregated": "true", "count": strconv.Itoa(sum.count.suppressed), "code": sum.key.code,
			"window_start": sum.count.start.UTC().Format(time.RFC3339), "last_operation": sum.count.operation,
			"last_actor": sum.count.actor, "permission": sum.count.permission,
		})
		e := audit.Entry{OrgID: sum.key.org, Actor: "system:denial-aggregation", Action: "access.denied",
			Outcome: audit.OutcomeDenied, IP: sum.key.ip, Details: details}
		if err := audit.Log(ctx, s.DB, e); err != nil && s.Logger != nil {
			s.Logger.ErrorContext(ctx, "audit log failed", "action", e.Action, "error", err.Error())
		}
	}
}

// runDenialFlush writes the summaries of finished windows every window
// until ctx ends, then the rest.
func (svc *Service) runDenialFlush(ctx context.Context) error {
	t := time.NewTicker(denialWindow / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			svc.Store.writeSummaries(context.WithoutCancel(ctx), svc.denials.flush(svc.Store.now(), true))
			return nil
		case <-t.C:
			svc.Store.writeSummaries(ctx, svc.denials.flush(svc.Store.now(), false))
		}
	}
}
