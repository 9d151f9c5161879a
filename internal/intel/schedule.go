package intel

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/jobs"
)

// FeedRefreshArgs is the River job refreshing one feed. It is unique per
// feed while queued or running, so a slow feed never piles up refreshes.
type FeedRefreshArgs struct {
	FeedID uuid.UUID `json:"feed_id"`
	// OrgID is the feed's org; nil for a platform feed.
	OrgID *uuid.UUID `json:"org_id,omitempty"`
}

// Kind is the River job kind.
func (FeedRefreshArgs) Kind() string { return "intel.feed_refresh" }

// InsertOpts makes the job unique per feed among unfinished jobs.
func (FeedRefreshArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable,
	}}}
}

// FeedScheduleArgs is the periodic job that queues the refreshes of due
// feeds.
type FeedScheduleArgs struct{}

// Kind is the River job kind.
func (FeedScheduleArgs) Kind() string { return "intel.feed_schedule" }

// FeedRefreshWorker runs feed refresh jobs.
type FeedRefreshWorker struct {
	river.WorkerDefaults[FeedRefreshArgs]
	Refresher *Refresher
}

// Timeout bounds one refresh.
func (w *FeedRefreshWorker) Timeout(*river.Job[FeedRefreshArgs]) time.Duration {
	return 15 * time.Minute
}

// Work implements river.Worker. A failed pull is recorded on the feed and
// not retried by River: the schedule tries again at the next interval.
func (w *FeedRefreshWorker) Work(ctx context.Context, job *river.Job[FeedRefreshArgs]) error {
	_, err := w.Refresher.Refresh(ctx, job.Args.OrgID, job.Args.FeedID)
	if err != nil {
		return river.JobCancel(err)
	}
	return nil
}

// FeedScheduler queues the refresh of every due feed.
type FeedScheduler struct {
	river.WorkerDefaults[FeedScheduleArgs]
	Store *Store
	Jobs  *jobs.Client
}

// Work implements river.Worker.
func (w *FeedScheduler) Work(ctx context.Context, _ *river.Job[FeedScheduleArgs]) error {
	_, err := w.QueueDue(ctx)
	return err
}

// DueFeeds returns the enabled pulled feeds of every org (and the
// platform) whose next run is due, at most limit.
func (s *Store) DueFeeds(ctx context.Context, limit int) ([]FeedRefreshArgs, error) {
	var out []FeedRefreshArgs
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		q := `SELECT id, org_id FROM intel_feeds WHERE enabled AND kind <> 'manual' AND url <> '' AND (next_run_at IS NULL OR next_run_at <= $1)
ORDER BY next_run_at LIMIT $2`
		if tx.Dialect == db.Postgres {
			q = `SELECT feed_id, feed_org FROM intel_due_feeds($1, $2)`
		}
		var err error
		out, err = db.Collect(ctx, tx, func(sc db.Scanner) (FeedRefreshArgs, error) {
			var a FeedRefreshArgs
			var org *uuid.UUID
			if err := sc.Scan(&a.FeedID, &org); err != nil {
				return a, fmt.Errorf("intel: scan due feed: %w", err)
			}
			a.OrgID = org
			return a, nil
		}, q, s.now(), limit)
		return err
	})
	return out, err
}

// QueueDue enqueues a refresh for each due feed (unique per feed) and
// returns how many feeds were due.
func (w *FeedScheduler) QueueDue(ctx context.Context) (int, error) {
	due, err := w.Store.DueFeeds(ctx, 500)
	if err != nil || len(due) == 0 || w.Jobs == nil {
		return len(due), err
	}
	params := make([]river.InsertManyParams, len(due))
	for i, a := range due {
		params[i] = river.InsertManyParams{Args: a}
	}
	if _, err := w.Jobs.InsertMany(ctx, params); err != nil {
		return len(due), fmt.Errorf("intel: queue feed refreshes: %w", err)
	}
	return len(due), nil
}

// FeedSchedulePeriodic is the periodic job that looks for due feeds.
func FeedSchedulePeriodic(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return FeedScheduleArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true, ID: "intel_feed_schedule"})
}
