package intake_test

import (
	"context"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/intake"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestDemoAlerts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p, svc := identitytest.NewService(t, d, identitytest.Config(t, ""))
		if _, err := intake.New(p, intake.Deps{Directory: svc.Directory()}); err != nil {
			t.Fatal(err)
		}
		for run := range 2 { // idempotent: the second run creates nothing
			for _, l := range p.Demo {
				created, err := l.Load(ctx, p)
				if err != nil {
					t.Fatalf("demo %s: %v", l.Name, err)
				}
				if created != (run == 0) {
					t.Fatalf("demo %s run %d: created = %v", l.Name, run+1, created)
				}
			}
		}
		org, err := svc.Directory().DemoOrg(ctx, identity.DemoOrgAcme)
		if err != nil {
			t.Fatal(err)
		}
		s := &alerts.Store{DB: d}
		scope := tenant.System(org.ID, "test")
		seen, sources := 0, map[string]bool{}
		cur := ""
		for {
			items, next, err := s.List(ctx, scope, alerts.AlertQuery{}, cur, 500)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range items {
				seen += a.Count
				sources[a.Source.Type] = true
			}
			if next == "" {
				break
			}
			cur = next
		}
		if seen != intake.DemoAlerts || len(sources) < 4 {
			t.Fatalf("demo occurrences %d (want %d) from %v", seen, intake.DemoAlerts, sources)
		}
	})
}

// TestDemoTimesFollowNow: demo alerts are received at different seconds,
// first/last seen are event times, and a restart a few days later moves
// them forward so that the last 24 hours are not empty.
func TestDemoTimesFollowNow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p, svc := identitytest.NewService(t, d, identitytest.Config(t, ""))
		if _, err := intake.New(p, intake.Deps{Directory: svc.Directory()}); err != nil {
			t.Fatal(err)
		}
		load := func() {
			for _, l := range p.Demo {
				if _, err := l.Load(ctx, p); err != nil {
					t.Fatalf("demo %s: %v", l.Name, err)
				}
			}
		}
		load()
		org, err := svc.Directory().DemoOrg(ctx, identity.DemoOrgAcme)
		if err != nil {
			t.Fatal(err)
		}
		scope := tenant.System(org.ID, "test")
		s := &alerts.Store{DB: d}
		items, _, err := s.List(ctx, scope, alerts.AlertQuery{}, "", 500)
		if err != nil {
			t.Fatal(err)
		}
		seconds := map[int64]bool{}
		for _, a := range items {
			seconds[a.ReceivedTime.Unix()] = true
			if !a.FirstSeen.Equal(a.EventTime) || a.ReceivedTime.Before(a.EventTime) {
				t.Fatalf("alert %s: event %v first seen %v received %v", a.ID, a.EventTime, a.FirstSeen, a.ReceivedTime)
			}
		}
		if len(seconds) < len(items)/4 {
			t.Fatalf("%d alerts received in only %d distinct seconds", len(items), len(seconds))
		}
		// Three days pass.
		if err := d.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
			for _, a := range items {
				old := a.EventTime.Add(-72 * time.Hour)
				if _, err := tx.ExecContext(ctx, `UPDATE alerts SET event_time = $2, last_event_time = $2, received_time = $2 WHERE id = $1`, a.ID.String(), old); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if recent, _, _ := s.List(ctx, scope, alerts.AlertQuery{Since: "24h"}, "", 500); len(recent) != 0 {
			t.Fatalf("setup: %d alerts in the last 24 h", len(recent))
		}
		load() // the next start
		recent, _, err := s.List(ctx, scope, alerts.AlertQuery{Since: "24h", Sort: alerts.SortEvent}, "", 500)
		if err != nil || len(recent) == 0 {
			t.Fatalf("after a restart the last 24 h are empty: %v", err)
		}
		if age := time.Since(recent[0].EventTime); age < time.Minute || age > 10*time.Minute {
			t.Fatalf("newest demo event is %v old", age)
		}
	})
}
