package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/rbac"
)

// server is a real SecureNexus process booted in-process on a loopback port.
type server struct {
	app  *app.App
	cfg  config.Config
	url  string
	stop func() error
	tmp  string
}

// Limits says how the in-process bench server is limited: a benchmark
// measures the product, not its limiter, so the per-principal API rate
// limits and the per-org ingest quota are off. Every bench run prints it.
const Limits = "bench server: per-principal API rate limits off, per-org ingest quota off (a benchmark measures the product, not its limiter)"

// boot starts the server on 127.0.0.1 with the given configuration (a
// temporary data directory when it uses SQLite), migrating the database,
// with the limits Limits describes; it prints Limits to out.
func boot(ctx context.Context, cfg config.Config, logger *slog.Logger, out io.Writer) (*server, error) {
	s := &server{}
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.SyslogAddr = ""
	cfg.Demo = false
	cfg.MigrateOnStart = true
	cfg.RateLimitEnabled = false
	cfg.MetricsAddr = "" // the bench reads the server's CPU from /metrics
	// A temporary data directory on both backends: the SQLite database and
	// (without SECURENEXUS_SECRET_KEY) the generated secret of the
	// throwaway orgs never land in the working directory.
	dir, err := os.MkdirTemp("", "securenexus-bench-*")
	if err != nil {
		return nil, fmt.Errorf("bench: temp dir: %w", err)
	}
	cfg.DataDir, s.tmp = dir, dir
	a, err := app.Build(ctx, cfg, logger)
	if err != nil {
		return nil, errors.Join(err, s.cleanup())
	}
	// Before the server runs: no request reads it yet.
	a.Modules.Intake.Pipeline.Quota = nil
	fmt.Fprintln(out, Limits)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx, ready) }()
	select {
	case addr := <-ready:
		s.url = "http://" + addr
	case err := <-done:
		cancel()
		return nil, errors.Join(fmt.Errorf("bench: server stopped: %w", err), s.cleanup())
	}
	s.app, s.cfg = a, cfg
	s.stop = func() error {
		cancel()
		return errors.Join(<-done, s.cleanup())
	}
	return s, nil
}

func (s *server) cleanup() error {
	if s.tmp == "" {
		return nil
	}
	return os.RemoveAll(s.tmp)
}

// newOrgWithKey creates a throwaway org with an owner and an API key
// holding perms through the identity module's facade, and returns the org
// id and the key's token.
func newOrgWithKey(ctx context.Context, a *app.App, name string, perms ...rbac.Permission) (uuid.UUID, string, error) {
	org, token, err := a.Modules.Identity.Directory().ProvisionOrg(ctx, name, perms...)
	if err != nil {
		return uuid.Nil, "", fmt.Errorf("bench: %w", err)
	}
	return org, token, nil
}

// ownerDB opens the database as the migrating (owner) role: PostgreSQL
// refuses COPY FROM into tables with row-level security for the
// application role, so the COPY baseline and loader write as the owner.
func (s *server) ownerDB(ctx context.Context) (*db.DB, error) {
	d, err := app.OpenDB(ctx, s.cfg, false)
	if err != nil {
		return nil, fmt.Errorf("bench: open owner connection: %w", err)
	}
	return d, nil
}
