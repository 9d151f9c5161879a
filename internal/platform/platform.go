// Package platform is what a domain module receives when it registers: the
// shared services of the process (config, logger, database, jobs, HTTP API,
// health, metrics) and hooks to add workers, periodic jobs, pruners, demo
// data and long-running components. Domain packages import platform, never
// internal/app, so wiring has no import cycles.
package platform

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/health"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/jobs"
	"github.com/securenexus/securenexus/internal/platform/blob"
	"github.com/securenexus/securenexus/internal/platform/egress"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/platform/secrets"
)

// Platform holds the shared services.
type Platform struct {
	Config config.Config
	Logger *slog.Logger
	DB     *db.DB
	Secret []byte
	// Keyring seals every value stored encrypted (internal/platform/secrets).
	Keyring *secrets.Keyring
	Health  *health.Registry
	Metrics *prometheus.Registry
	Server  *httpapi.Server
	// Egress builds every outbound HTTP client (SSRF guard, per-use
	// policy, retries, circuit breakers, metrics).
	Egress *egress.Client
	// Blob stores files (evidence, exports): a local directory or an
	// S3-compatible bucket (internal/platform/blob); keys under
	// blob.OrgKey(org, ...).
	Blob blob.Store
	// Jobs enqueues and works background jobs. Enqueue inside the change's
	// transaction with Jobs.InsertTx(ctx, tx.Tx, args, nil).
	Jobs *jobs.Client
	// Workers receives each module's River workers (river.AddWorker).
	Workers *river.Workers
	// Events is the events bus: register consumers with Events.Consume;
	// append events with events.Append inside the change's transaction.
	Events *events.Bus

	Pruners  []jobs.Pruner
	Periodic []*river.PeriodicJob
	Demo     []DemoLoader
	Runners  []func(context.Context) error
	Closers  []func(context.Context) error
}

// DemoLoader loads a module's demo data. It must be idempotent: Load
// reports whether it created anything (false when the data was already
// there), so a restart does not claim to have loaded it again.
type DemoLoader struct {
	Name string
	Load func(ctx context.Context, p *Platform) (created bool, err error)
}

// AddPruner registers a maintenance pruner.
func (p *Platform) AddPruner(pr jobs.Pruner) { p.Pruners = append(p.Pruners, pr) }

// AddPeriodic registers a periodic job.
func (p *Platform) AddPeriodic(j *river.PeriodicJob) { p.Periodic = append(p.Periodic, j) }

// AddDemo registers a demo data loader; loaders run in registration order.
func (p *Platform) AddDemo(d DemoLoader) { p.Demo = append(p.Demo, d) }

// AddRunner registers a long-running component (for example the syslog
// listener), started by serve and stopped when its context ends.
func (p *Platform) AddRunner(fn func(context.Context) error) { p.Runners = append(p.Runners, fn) }

// AddCloser registers a cleanup run at shutdown, in reverse order.
func (p *Platform) AddCloser(fn func(context.Context) error) { p.Closers = append(p.Closers, fn) }
