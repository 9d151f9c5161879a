package invariants

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/testdb"
)

// booted is the whole application on a fresh database, served.
type booted struct {
	app *app.App
	url string
}

func boot(t *testing.T, dialect db.Dialect) *booted {
	t.Helper()
	c := identitytest.Config(t, "")
	if dialect == db.Postgres {
		c.DatabaseURL = testdb.NewPostgresURL(t)
		c.MigrateOnStart = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, err := app.Build(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("build app on %s: %v", dialect, err)
	}
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)
	return &booted{app: a, url: srv.URL}
}
