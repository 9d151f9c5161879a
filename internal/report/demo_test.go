package report_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/report"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// demoApp boots the real wiring on dialect with the demo data loaded and
// returns it with the demo org's scope and the demo incident.
type demoApp struct {
	app   *app.App
	srv   *httptest.Server
	scope tenant.Scope
	inc   *incident.Incident
}

func bootDemo(t *testing.T, dialect db.Dialect) *demoApp {
	t.Helper()
	c, err := config.Load(config.Source{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	c.HTTPAddr = "127.0.0.1:0"
	c.DataDir = t.TempDir()
	c.ShutdownTimeout = 10 * time.Second
	if dialect == db.Postgres {
		c.DatabaseURL = testdb.NewPostgresURL(t)
		c.MigrateOnStart = true
	}
	ctx := context.Background()
	a, err := app.Build(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	if err := a.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	// A second run finds everything present.
	if err := a.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	org, err := a.Modules.Identity.Directory().DemoOrg(ctx, identity.DemoOrgAcme)
	if err != nil {
		t.Fatal(err)
	}
	scope := tenant.System(org.ID, "test")
	found, _, err := a.Modules.Incident.List(ctx, scope, incident.Query{Tag: report.DemoTag}, "", 10)
	if err != nil || len(found) != 1 {
		t.Fatalf("demo incidents = %d, %v", len(found), err)
	}
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)
	return &demoApp{app: a, srv: srv, scope: scope, inc: &found[0]}
}

func TestDemoIncident(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			d := bootDemo(t, dialect)
			if d.inc.Status != incident.StatusResolved || d.inc.AlertCount < 2 || len(d.inc.Tactics) < 2 {
				t.Fatalf("demo incident = %+v", d.inc)
			}
			notes, err := d.app.Modules.Incident.Notes(ctx, d.scope, d.inc.ID)
			if err != nil || len(notes) != 3 {
				t.Fatalf("notes = %d, %v", len(notes), err)
			}
			ev, _, err := d.app.Modules.Evidence.List(ctx, d.scope, d.inc.ID, nil, 10)
			if err != nil || len(ev) != len(report.DemoArtifacts) {
				t.Fatalf("evidence = %d, %v", len(ev), err)
			}
			r, err := d.app.Modules.Report.Review(ctx, d.scope, d.inc.ID)
			if err != nil || !r.Exists || len(r.FollowUps) != 2 {
				t.Fatalf("review = %+v, %v", r, err)
			}
		})
	}
}
