// Package app wires SecureNexus together: configuration, logging, storage,
// jobs, the HTTP server and every domain module, and runs them with a
// graceful shutdown.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/securenexus/securenexus/internal/attack"
	"github.com/securenexus/securenexus/internal/buildinfo"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/health"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/jobs"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/platform/blob"
	"github.com/securenexus/securenexus/internal/platform/egress"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/telemetry"
)

// App is the assembled process: the shared Platform every module registered
// on, plus lifecycle.
type App struct {
	*platform.Platform
	// Modules are the domain modules, constructed by Build.
	Modules Modules
}

// OpenDB opens the configured database. asApp switches PostgreSQL sessions
// to the application role so row-level security applies.
func OpenDB(ctx context.Context, c config.Config, asApp bool) (*db.DB, error) {
	opts := db.Options{
		URL:              c.DatabaseURL,
		DataDir:          c.DataDir,
		MaxConns:         c.DBMaxConns,
		MaxConnIdleTime:  c.DBMaxConnIdleTime,
		StatementTimeout: c.DBStatementTimeout,
		ApplicationName:  c.DBAppName,
	}
	if asApp {
		opts.AppRole = c.DBAppRole
	}
	d, err := db.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Migrate applies pending application and River migrations, then
// analyzes the database.
func Migrate(ctx context.Context, d *db.DB) error {
	p, err := d.Provider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	if err := jobs.Migrate(ctx, d, rivermigrate.DirectionUp); err != nil {
		return err
	}
	// Fresh tables have no statistics: plan them from the start.
	return d.AnalyzeAll(ctx)
}

// autovacuumOffWarning is logged at start and reported by the deep health
// check when PostgreSQL's autovacuum is off.
const autovacuumOffWarning = "PostgreSQL autovacuum is off: table statistics go stale and dead rows pile up; the maintenance job analyzes the alert tables, but turn autovacuum on"

// Build assembles the App. It migrates the embedded SQLite database (and
// PostgreSQL only with SECURENEXUS_MIGRATE_ON_START), and refuses to run on
// an outdated schema.
func Build(ctx context.Context, c config.Config, logger *slog.Logger) (_ *App, err error) {
	keyring, secret, err := Keyring(c)
	if err != nil {
		return nil, err
	}
	a := &App{Platform: &platform.Platform{Config: c, Logger: logger, Secret: secret, Keyring: keyring, Health: &health.Registry{}, Metrics: prometheus.NewRegistry()}}
	cat, refreshed, err := AttackCatalog(c)
	if err != nil {
		return nil, err
	}
	if refreshed {
		attack.Use(cat)
		logger.Info("using the refreshed ATT&CK catalog", "path", AttackCatalogPath(c), "techniques", cat.Len())
	}
	a.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if a.Egress, err = egress.New(egress.Options{Production: c.Production(), Metrics: a.Metrics}); err != nil {
		return nil, err
	}

	if a.Blob, err = BlobStore(ctx, c, a.Egress); err != nil {
		return nil, err
	}
	if l, ok := a.Blob.(*blob.Local); ok {
		a.AddCloser(func(context.Context) error { return l.Close() })
	}

	if c.DatabaseURL == "" || c.MigrateOnStart {
		mdb, err := OpenDB(ctx, c, false)
		if err != nil {
			return nil, err
		}
		err = Migrate(ctx, mdb)
		if c.DatabaseURL != "" {
			err = errors.Join(err, mdb.Close())
		} else if err == nil {
			a.DB = mdb // SQLite: one handle for everything
		}
		if err != nil {
			return nil, err
		}
	}
	if a.DB == nil {
		if a.DB, err = OpenDB(ctx, c, true); err != nil {
			return nil, err
		}
	}
	a.AddCloser(func(context.Context) error { return a.DB.Close() })
	a.Metrics.MustRegister(db.NewPoolCollector(a.DB))
	// From here on a failed build releases what it opened (closers run in
	// reverse order).
	defer func() {
		if err != nil {
			err = errors.Join(err, a.Close(context.Background()))
		}
	}()
	st, err := a.DB.MigrationState(ctx)
	if err != nil {
		return nil, err
	}
	if st.Pending() {
		return nil, fmt.Errorf("database schema is at version %d, this binary needs %d: run `securenexus migrate up`", st.Current, st.Latest)
	}

	shutdownTracing, err := telemetry.Setup(ctx, c.OTLPEndpoint, buildinfo.String())
	if err != nil {
		return nil, err
	}
	a.AddCloser(shutdownTracing)

	a.Workers = river.NewWorkers()
	maint := &jobs.MaintenanceWorker{DB: a.DB, Logger: logger}
	river.AddWorker(a.Workers, maint)
	a.Events, err = events.NewBus(a.DB, events.Options{Logger: logger, Metrics: a.Metrics, Workers: a.Workers,
		Hub: events.HubOptions{Buffer: c.StreamClientBuffer}})
	if err != nil {
		return nil, err
	}
	a.Jobs, err = jobs.New(a.DB, jobs.Options{
		Workers:      c.JobWorkers,
		Logger:       logger,
		WorkerBundle: a.Workers,
		PeriodicJobs: []*river.PeriodicJob{jobs.MaintenancePeriodic(10 * time.Minute)},
	})
	if err != nil {
		return nil, err
	}

	a.Events.SetJobs(a.Jobs)
	a.AddPruner(events.Pruner(c.EventsRetention))
	if a.DB.Dialect == db.Postgres {
		a.AddRunner(a.Events.Relay)
	}

	a.Server = httpapi.New(httpapi.Deps{
		Config:   c,
		Logger:   logger,
		Health:   a.Health,
		Metrics:  a.Metrics,
		Version:  buildinfo.String(),
		Frontend: frontend(),
	})
	a.registerCoreChecks()
	a.registerBlobCheck()
	if off, err := a.DB.AutovacuumOff(ctx); err != nil {
		logger.WarnContext(ctx, "cannot read the autovacuum setting", slog.Any("error", err))
	} else if off {
		logger.WarnContext(ctx, autovacuumOffWarning)
	}
	if c.MetricsAddr != "" {
		a.AddRunner(a.Server.ServeMetrics)
	}
	if c.PprofAddr != "" {
		a.AddRunner(a.servePprof)
	}

	if err = a.registerModules(ctx); err != nil {
		return nil, err
	}
	// Values sealed before the keyring existed are re-sealed once, before
	// anything reads them (docs/security.md, "Secrets at rest").
	if err = secrets.ResealLegacy(ctx, a.DB, a.Keyring, SealedColumns(), secrets.RotateOptions{Audit: SecretsAudit, Logger: logger}); err != nil {
		return nil, err
	}
	maint.Pruners = a.Pruners
	for _, p := range a.Periodic {
		a.Jobs.PeriodicJobs().Add(p)
	}
	return a, nil
}

func (a *App) registerCoreChecks() {
	a.Health.Register(health.Check{Name: "database", Critical: true, Run: func(ctx context.Context) (string, error) {
		if err := a.DB.Ping(ctx); err != nil {
			return "", err
		}
		st, err := a.DB.MigrationState(ctx)
		if err != nil {
			return "", err
		}
		detail := fmt.Sprintf("%s schema version %d", a.DB.Dialect, st.Current)
		if st.Pending() {
			return detail, fmt.Errorf("schema version %d behind %d", st.Current, st.Latest)
		}
		return detail, nil
	}})
	a.Health.Register(health.Check{Name: "autovacuum", Run: func(ctx context.Context) (string, error) {
		off, err := a.DB.AutovacuumOff(ctx)
		if err != nil {
			return "", err
		}
		if off {
			return "", errors.New(autovacuumOffWarning)
		}
		return "on or not applicable", nil
	}})
	a.Health.Register(health.Check{Name: "job_queue", Critical: true, Run: func(ctx context.Context) (string, error) {
		ok, err := jobs.MigrationsCurrent(ctx, a.DB)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errors.New("job queue schema not migrated")
		}
		return "river", nil
	}})
	a.Health.Register(health.Check{Name: "maintenance", Run: func(ctx context.Context) (string, error) {
		last, err := jobs.LastMaintenance(ctx, a.DB)
		if err != nil {
			return "", err
		}
		if last.IsZero() {
			return "no run yet", nil
		}
		if time.Since(last) > time.Hour {
			return "", fmt.Errorf("last maintenance run %s ago", time.Since(last).Round(time.Second))
		}
		return "last run " + last.Format(time.RFC3339), nil
	}})
}

// LoadDemo runs every registered demo loader and logs which modules
// created data and which found it already present.
func (a *App) LoadDemo(ctx context.Context) error {
	var created, present []string
	for _, d := range a.Demo {
		made, err := d.Load(ctx, a.Platform)
		if err != nil {
			return fmt.Errorf("demo %s: %w", d.Name, err)
		}
		if made {
			created = append(created, d.Name)
		} else {
			present = append(present, d.Name)
		}
	}
	if len(created) > 0 {
		a.Logger.InfoContext(ctx, "demo data loaded", slog.Any("modules", created))
	}
	if len(present) > 0 {
		a.Logger.InfoContext(ctx, "demo data already present", slog.Any("modules", present))
	}
	return nil
}

// Run serves until ctx is cancelled: it starts the job workers and every
// runner, serves HTTP, and on cancellation drains HTTP, stops the workers
// and closes the database. ready receives the HTTP address once bound.
func (a *App) Run(ctx context.Context, ready chan<- string) error {
	if err := a.Jobs.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	runCtx, cancelRunners := context.WithCancel(ctx)
	runnerErr := make(chan error, len(a.Runners))
	for _, r := range a.Runners {
		go func() { runnerErr <- r(runCtx) }()
	}
	serveErr := a.Server.Serve(ctx, ready)
	cancelRunners()
	var errs []error
	if serveErr != nil {
		errs = append(errs, serveErr)
	}
	for range a.Runners {
		if err := <-runnerErr; err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	a.Logger.Info("stopping job workers")
	if err := a.Jobs.Stop(stopCtx); err != nil {
		errs = append(errs, fmt.Errorf("jobs: stop: %w", err))
	}
	errs = append(errs, a.Close(stopCtx))
	a.Logger.Info("shutdown complete")
	return errors.Join(errs...)
}

// Close runs the registered closers in reverse order.
func (a *App) Close(ctx context.Context) error {
	var errs []error
	for i := len(a.Closers) - 1; i >= 0; i-- {
		errs = append(errs, a.Closers[i](ctx))
	}
	a.Closers = nil
	return errors.Join(errs...)
}
