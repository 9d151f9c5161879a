package intake_test

import (
	"context"
	"testing"

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
		for range 2 { // idempotent
			for _, l := range p.Demo {
				if err := l.Load(ctx, p); err != nil {
					t.Fatalf("demo %s: %v", l.Name, err)
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
