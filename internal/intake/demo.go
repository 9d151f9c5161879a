package intake

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/tenant"
)

// DemoAlerts is how many demo payloads are ingested into the demo org.
const DemoAlerts = 300

// LoadDemo ingests a few hundred realistic alerts (Suricata, GuardDuty,
// CEF, generic EDR) into the demo org and adds a loopback syslog source.
// When the demo org already has alerts it only moves their times forward
// so that the newest event is a few minutes old (time presets such as
// "last 24 h" keep showing data on every start).
func LoadDemo(ctx context.Context, p *platform.Platform, orgs DemoOrgs, pipeline *ingest.Pipeline) (created bool, err error) {
	org, err := orgs.DemoOrg(ctx, identity.DemoOrgAcme)
	if err != nil {
		return false, fmt.Errorf("alerts demo: find demo org %q: %w", identity.DemoOrgAcme, err)
	}
	scope := tenant.System(org.ID, "demo")
	var n int
	if err := p.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE org_id = $1`, org.ID.String()).Scan(&n)
	}); err != nil {
		return false, fmt.Errorf("alerts demo: count: %w", err)
	}
	if n > 0 {
		return false, spreadDemoTimes(ctx, p.DB, scope, time.Now().UTC())
	}
	_, _, err = pipeline.Store.CreateSource(ctx, scope, ingest.SourceConfigInput{Name: "Loopback syslog", Kind: ingest.KindSyslog, AllowedCIDRs: []string{"127.0.0.0/8", "::1/128"}})
	if err != nil && !apperr.Is(err, apperr.KindConflict) {
		return false, fmt.Errorf("alerts demo: syslog source: %w", err)
	}
	samples := ingest.Samples(42, DemoAlerts, 15, time.Now())
	recs := make([][]byte, len(samples))
	for i, s := range samples {
		recs[i] = s.Raw
	}
	sum, err := pipeline.Ingest(ctx, scope, nil, "", "demo", recs)
	if err != nil {
		return false, fmt.Errorf("alerts demo: ingest: %w", err)
	}
	if sum.Rejected > 0 {
		return false, fmt.Errorf("alerts demo: %d demo payloads rejected, first: %+v", sum.Rejected, firstRejected(sum))
	}
	return true, spreadDemoTimes(ctx, p.DB, scope, time.Now().UTC())
}

// demoLag is how long after its event a demo alert was received: 5 s to
// about 4 min, derived from the id so that it is stable across starts.
func demoLag(id string) time.Duration {
	var h uint32
	for i := 0; i < len(id); i++ {
		h = h*31 + uint32(id[i])
	}
	return time.Duration(5+h%235) * time.Second
}

// spreadDemoTimes rewrites the demo org's alert times relative to now:
// events move forward so that the newest is two minutes old, each alert is
// received a little after its event (one batch would otherwise give them
// all the same receive second), and first/last seen are event times.
func spreadDemoTimes(ctx context.Context, d *db.DB, scope tenant.Scope, now time.Time) error {
	return d.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		type row struct {
			id          string
			event, last time.Time
		}
		var rows []row
		rs, err := tx.QueryContext(ctx, `SELECT id, event_time, last_event_time FROM alerts WHERE org_id = $1`, scope.Org().String())
		if err != nil {
			return fmt.Errorf("alerts demo: read times: %w", err)
		}
		var newest time.Time
		for rs.Next() {
			var r row
			var last sql.NullTime
			if err := rs.Scan(&r.id, &r.event, &last); err != nil {
				_ = rs.Close()
				return fmt.Errorf("alerts demo: scan times: %w", err)
			}
			r.last = r.event
			if last.Valid && last.Time.After(r.event) {
				r.last = last.Time
			}
			if r.last.After(newest) {
				newest = r.last
			}
			rows = append(rows, r)
		}
		if err := errors.Join(rs.Err(), rs.Close()); err != nil {
			return fmt.Errorf("alerts demo: read times: %w", err)
		}
		shift := now.Add(-2 * time.Minute).Sub(newest)
		if shift < 0 {
			shift = 0
		}
		for _, r := range rows {
			ev, last := r.event.Add(shift).UTC(), r.last.Add(shift).UTC()
			recv := ev.Add(demoLag(r.id))
			if recv.After(now) {
				recv = now
			}
			if _, err := tx.ExecContext(ctx, `UPDATE alerts SET event_time = $3, last_event_time = $4, first_seen = $3, last_seen = $4, received_time = $5
WHERE org_id = $1 AND id = $2`, scope.Org().String(), r.id, ev, last, recv); err != nil {
				return fmt.Errorf("alerts demo: move times: %w", err)
			}
		}
		return nil
	})
}

func firstRejected(s *ingest.BatchSummary) ingest.RecordResult {
	for _, r := range s.Results {
		if r.Status == ingest.StatusRejected {
			return r
		}
	}
	return ingest.RecordResult{}
}
