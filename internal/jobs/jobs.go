// Package jobs runs background work on River, with the same code on
// PostgreSQL (database/sql driver over the pgx pool) and SQLite. Because both
// drivers use *sql.Tx, a job can be enqueued inside the very transaction that
// makes the change it follows up (the transactional outbox):
//
//	d.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
//		... write the change ...
//		_, err := runner.Client.InsertTx(ctx, tx.Tx, SomeArgs{...}, nil)
//		return err
//	})
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/securenexus/securenexus/internal/db"
)

// Client is the River client type used throughout SecureNexus.
type Client = river.Client[*sql.Tx]

func driver(d *db.DB) riverdriver.Driver[*sql.Tx] {
	if d.Dialect == db.Postgres {
		return riverdatabasesql.New(d.Writer)
	}
	return riversqlite.New(d.Writer)
}

// Migrate applies River's own schema migrations.
func Migrate(ctx context.Context, d *db.DB, direction rivermigrate.Direction) error {
	m, err := rivermigrate.New(driver(d), nil)
	if err != nil {
		return fmt.Errorf("jobs: migrator: %w", err)
	}
	opts := &rivermigrate.MigrateOpts{}
	if direction == rivermigrate.DirectionDown {
		// Down removes River's tables entirely only when asked to go to 0.
		opts.TargetVersion = -1
	}
	if _, err := m.Migrate(ctx, direction, opts); err != nil {
		return fmt.Errorf("jobs: migrate %s: %w", direction, err)
	}
	return nil
}

// MigrationsCurrent reports whether River's schema is fully migrated.
func MigrationsCurrent(ctx context.Context, d *db.DB) (bool, error) {
	m, err := rivermigrate.New(driver(d), nil)
	if err != nil {
		return false, fmt.Errorf("jobs: migrator: %w", err)
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("jobs: validate migrations: %w", err)
	}
	return res.OK, nil
}

// Options configures New.
type Options struct {
	Workers      int
	Logger       *slog.Logger
	PeriodicJobs []*river.PeriodicJob
	// WorkerBundle holds every worker; modules may add to it until Start.
	WorkerBundle *river.Workers
	// InsertOnly builds a client that enqueues but does not work jobs
	// (commands that only enqueue).
	InsertOnly bool
}

// New builds the River client with every registered worker and periodic job.
func New(d *db.DB, opts Options) (*Client, error) {
	workers := opts.WorkerBundle
	if workers == nil {
		workers = river.NewWorkers()
	}
	cfg := &river.Config{
		Logger:                      opts.Logger,
		PeriodicJobs:                opts.PeriodicJobs,
		FetchPollInterval:           500 * time.Millisecond,
		CompletedJobRetentionPeriod: 24 * time.Hour,
	}
	if !opts.InsertOnly {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(opts.Workers, 1)}}
		cfg.Workers = workers
	}
	c, err := river.NewClient(driver(d), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: new client: %w", err)
	}
	return c, nil
}
