package evidence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// VerifyArgs is the periodic re-verification job.
type VerifyArgs struct{}

// Kind implements river.JobArgs.
func (VerifyArgs) Kind() string { return "evidence_verify" }

// VerifyWorker re-hashes every artifact not verified within the interval,
// in batches, each inside its org's scope; a mismatch is recorded as on a
// download (custody, audit, evidence.integrity_failed.v1).
type VerifyWorker struct {
	river.WorkerDefaults[VerifyArgs]
	Store    *Store
	Interval time.Duration
	// Batch bounds one run (500 when 0); the next run continues.
	Batch int
}

// Work implements river.Worker.
func (w *VerifyWorker) Work(ctx context.Context, _ *river.Job[VerifyArgs]) error {
	_, _, err := w.RunOnce(ctx)
	return err
}

// Timeout lets a run hash large artifacts.
func (w *VerifyWorker) Timeout(*river.Job[VerifyArgs]) time.Duration { return time.Hour }

// RunOnce verifies one batch of due artifacts and returns how many it
// checked and how many failed.
func (w *VerifyWorker) RunOnce(ctx context.Context) (checked, failed int, err error) {
	batch := w.Batch
	if batch <= 0 {
		batch = 500
	}
	due, err := w.Store.due(ctx, w.Store.now().Add(-w.Interval), batch)
	if err != nil {
		return 0, 0, err
	}
	var errs []error
	for _, d := range due {
		scope := tenant.System(d.org, "evidence-verify")
		res, err := w.Store.Verify(ctx, scope, d.id)
		if apperr.Is(err, apperr.KindNotFound) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("verify %s: %w", d.id, err))
			continue
		}
		checked++
		if !res.OK {
			failed++
			w.Store.logger().WarnContext(ctx, "evidence integrity check failed", slog.String("org", d.org.String()),
				slog.String("evidence", d.id.String()), slog.String("reason", res.Reason))
		}
	}
	return checked, failed, errors.Join(errs...)
}

type dueRef struct{ org, id uuid.UUID }

// due lists artifacts last verified before before, across orgs (on
// PostgreSQL through a SECURITY DEFINER function that returns ids only).
func (s *Store) due(ctx context.Context, before time.Time, limit int) ([]dueRef, error) {
	var out []dueRef
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		q := `SELECT org_id, id FROM evidence WHERE last_verified_at IS NULL OR last_verified_at < $1
ORDER BY last_verified_at NULLS FIRST, id LIMIT $2`
		if tx.Dialect == db.Postgres {
			q = `SELECT org_id, id FROM evidence_verify_due($1, $2)`
		}
		rows, err := tx.QueryContext(ctx, q, before, limit)
		if err != nil {
			return fmt.Errorf("evidence: due artifacts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var org, id string
			if err := rows.Scan(&org, &id); err != nil {
				return err
			}
			o, err1 := uuid.Parse(org)
			i, err2 := uuid.Parse(id)
			if err := errors.Join(err1, err2); err != nil {
				return fmt.Errorf("evidence: due artifact ids: %w", err)
			}
			out = append(out, dueRef{o, i})
		}
		return rows.Err()
	})
	return out, err
}

// VerifyPeriodic schedules the re-verification job.
func VerifyPeriodic(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return VerifyArgs{}, nil
	}, &river.PeriodicJobOpts{ID: "evidence_verify"})
}
