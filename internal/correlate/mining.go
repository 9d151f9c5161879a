package correlate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// MineEvery is how often the periodic job mines each org's suggested
// rules (over the last DefaultMineDays days).
const MineEvery = 6 * time.Hour

// mineBatch is how many due orgs one round of the job reads.
const mineBatch = 100

// MineArgs is the periodic suggestion-mining job.
type MineArgs struct{}

// Kind implements river.JobArgs.
func (MineArgs) Kind() string { return "correlation_suggestion_mine" }

// Miner works the mining job.
type Miner struct {
	river.WorkerDefaults[MineArgs]
	Suggestions *Suggestions
	Logger      *slog.Logger
}

// Work implements river.Worker.
func (w *Miner) Work(ctx context.Context, _ *river.Job[MineArgs]) error {
	n, err := w.Suggestions.MineDue(ctx, w.Suggestions.now(), MineEvery)
	if n > 0 && w.Logger != nil {
		w.Logger.InfoContext(ctx, "correlation suggestions mined", slog.Int("orgs", n))
	}
	return err
}

// MinePeriodic schedules the mining job every interval.
func MinePeriodic(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return MineArgs{}, nil
	}, &river.PeriodicJobOpts{ID: "correlation_suggestion_mine"})
}

// dueOrgs lists orgs with correlation state not mined since before
// (on PostgreSQL a definer function returning ids only: the table forces
// row-level security and the scan spans orgs).
func (s *Suggestions) dueOrgs(ctx context.Context, before time.Time) ([]uuid.UUID, error) {
	var out []uuid.UUID
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		q := `SELECT org_id FROM correlation_settings WHERE suggestions_mined_at IS NULL OR suggestions_mined_at <= $1
ORDER BY suggestions_mined_at IS NOT NULL, suggestions_mined_at, org_id LIMIT $2`
		if tx.Dialect == db.Postgres {
			q = `SELECT due_org FROM correlation_mining_due($1, $2)`
		}
		rs, err := tx.QueryContext(ctx, q, before.UTC(), mineBatch)
		if err != nil {
			return err
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			var id uuid.UUID
			if err := rs.Scan(&id); err != nil {
				return err
			}
			out = append(out, id)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("correlate: orgs due for mining: %w", err)
	}
	return out, nil
}

// MineDue mines the suggested rules of every org (with correlation state)
// not mined within every, as the periodic job does, and returns how many
// orgs it mined. Replicas may run it at once: each org is claimed by one
// of them (a conditional UPDATE of its last-mined time, committed before
// mining, so a failed mining waits for the next interval). An org's
// failure does not stop the others; the errors are joined.
func (s *Suggestions) MineDue(ctx context.Context, now time.Time, every time.Duration) (int, error) {
	before := now.Add(-every)
	mined := 0
	var errs []error
	for range 50 {
		due, err := s.dueOrgs(ctx, before)
		if err != nil {
			return mined, err
		}
		for _, org := range due {
			scope := tenant.System(org, "correlate-mining")
			claimed := false
			err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
				res, err := tx.ExecContext(ctx, `UPDATE correlation_settings SET suggestions_mined_at = $2
WHERE org_id = $1 AND (suggestions_mined_at IS NULL OR suggestions_mined_at <= $3)`, org.String(), now.UTC(), before.UTC())
				if err != nil {
					return fmt.Errorf("correlate: claim mining: %w", err)
				}
				n, _ := res.RowsAffected()
				claimed = n == 1
				return nil
			})
			if err != nil {
				return mined, err
			}
			if !claimed {
				continue // another replica has it
			}
			if _, err := s.Mine(ctx, scope, DefaultMineDays); err != nil {
				errs = append(errs, fmt.Errorf("correlate: mine org %s: %w", org, err))
				continue
			}
			mined++
		}
		if len(due) < mineBatch {
			break
		}
	}
	return mined, errors.Join(errs...)
}
