package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/db"
)

// Pruner deletes rows that have outlived their use (expired sessions,
// idempotency keys, old maintenance runs). Domains register their own.
type Pruner interface {
	// Name identifies the pruner in the maintenance log.
	Name() string
	// Prune deletes what expired before now and returns how many rows.
	Prune(ctx context.Context, d *db.DB, now time.Time) (int64, error)
}

// PrunerFunc adapts a function to Pruner.
type PrunerFunc struct {
	Label string
	Fn    func(ctx context.Context, d *db.DB, now time.Time) (int64, error)
}

// Name implements Pruner.
func (p PrunerFunc) Name() string { return p.Label }

// Prune implements Pruner.
func (p PrunerFunc) Prune(ctx context.Context, d *db.DB, now time.Time) (int64, error) {
	return p.Fn(ctx, d, now)
}

// MaintenanceArgs is the periodic maintenance job.
type MaintenanceArgs struct{}

// Kind implements river.JobArgs.
func (MaintenanceArgs) Kind() string { return "maintenance" }

// InsertOpts makes the job unique per period so replicas never double-run it.
func (MaintenanceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 5 * time.Minute}}
}

// MaintenanceRetention is how long maintenance run records are kept.
const MaintenanceRetention = 30 * 24 * time.Hour

// MaintenanceWorker runs every registered Pruner and records the run.
type MaintenanceWorker struct {
	river.WorkerDefaults[MaintenanceArgs]
	DB      *db.DB
	Pruners []Pruner
	Logger  *slog.Logger
	Now     func() time.Time
}

// Work implements river.Worker.
func (w *MaintenanceWorker) Work(ctx context.Context, _ *river.Job[MaintenanceArgs]) error {
	_, err := w.RunOnce(ctx)
	return err
}

// RunOnce prunes once and returns the per-pruner counts.
func (w *MaintenanceWorker) RunOnce(ctx context.Context) (map[string]int64, error) {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	started := now().UTC()
	counts := map[string]int64{}
	var errs []error
	pruners := append([]Pruner{maintenanceRunsPruner()}, w.Pruners...)
	for _, p := range pruners {
		n, err := p.Prune(ctx, w.DB, started)
		if err != nil {
			errs = append(errs, fmt.Errorf("prune %s: %w", p.Name(), err))
			continue
		}
		counts[p.Name()] = n
	}
	runErr := errors.Join(errs...)
	prunedJSON, err := json.Marshal(counts)
	if err != nil {
		return nil, fmt.Errorf("jobs: encode maintenance counts: %w", err)
	}
	errText := ""
	if runErr != nil {
		errText = runErr.Error()
	}
	if err := w.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.ExecContext(ctx,
			"INSERT INTO maintenance_runs (started_at, finished_at, pruned, error) VALUES ($1, $2, $3, $4)",
			started, now().UTC(), string(prunedJSON), errText)
		return err
	}); err != nil {
		return nil, fmt.Errorf("jobs: record maintenance run: %w", err)
	}
	if w.Logger != nil {
		w.Logger.InfoContext(ctx, "maintenance run", slog.Any("pruned", counts), slog.Any("error", runErr))
	}
	return counts, runErr
}

func maintenanceRunsPruner() Pruner {
	return PrunerFunc{Label: "maintenance_runs", Fn: func(ctx context.Context, d *db.DB, now time.Time) (int64, error) {
		var n int64
		err := d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
			res, err := tx.ExecContext(ctx, "DELETE FROM maintenance_runs WHERE started_at < $1", now.Add(-MaintenanceRetention))
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		return n, err
	}}
}

// MaintenancePeriodic is the periodic schedule for the maintenance job.
func MaintenancePeriodic(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return MaintenanceArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true, ID: "maintenance"})
}

// LastMaintenance returns when the last maintenance run finished, or the
// zero time when none has.
func LastMaintenance(ctx context.Context, d *db.DB) (time.Time, error) {
	var t time.Time
	err := d.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT finished_at FROM maintenance_runs ORDER BY started_at DESC LIMIT 1")
		if err != nil {
			return err
		}
		defer rows.Close()
		if rows.Next() {
			if err := rows.Scan(&t); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("jobs: last maintenance: %w", err)
	}
	return t, nil
}
