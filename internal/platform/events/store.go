package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/jobs"
	"github.com/securenexus/securenexus/internal/tenant"
)

const selectEvents = `SELECT id, org_id, seq, kind, subject, actor, occurred_at, payload FROM events`

func scanEvents(rows *sql.Rows) ([]Event, error) {
	defer func() { _ = rows.Close() }()
	var out []Event
	for rows.Next() {
		var e Event
		var id, org, kind, payload string
		if err := rows.Scan(&id, &org, &e.Seq, &kind, &e.Subject, &e.Actor, &e.OccurredAt, &payload); err != nil {
			return nil, fmt.Errorf("events: scan: %w", err)
		}
		var err error
		if e.ID, err = uuid.Parse(id); err != nil {
			return nil, fmt.Errorf("events: row id %q: %w", id, err)
		}
		if e.Org, err = uuid.Parse(org); err != nil {
			return nil, fmt.Errorf("events: row org %q: %w", org, err)
		}
		e.Kind = Kind(kind)
		e.OccurredAt = e.OccurredAt.UTC()
		e.Payload = json.RawMessage(payload)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events: rows: %w", err)
	}
	return out, nil
}

// Since returns scope's org's events with after < seq <= upTo (upTo 0: no
// bound), oldest first, at most limit.
func Since(ctx context.Context, d *db.DB, scope tenant.Scope, after, upTo int64, limit int) ([]Event, error) {
	if upTo <= 0 {
		upTo = 1<<63 - 1
	}
	var out []Event
	err := d.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, selectEvents+` WHERE org_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
			scope.Org().String(), after, upTo, limit)
		if err != nil {
			return err
		}
		out, err = scanEvents(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("events: since %d: %w", after, err)
	}
	return out, nil
}

// Get returns one event of scope's org by id.
func Get(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) (Event, bool, error) {
	rows, err := tx.QueryContext(ctx, selectEvents+` WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String())
	if err != nil {
		return Event{}, false, fmt.Errorf("events: get %s: %w", id, err)
	}
	evs, err := scanEvents(rows)
	if err != nil || len(evs) == 0 {
		return Event{}, false, err
	}
	return evs[0], true, nil
}

// Window is what the events table still holds for an org.
type Window struct {
	// Oldest is the lowest stored seq (0: none stored).
	Oldest int64
	// Last is the last seq ever allocated (0: no event yet).
	Last int64
}

// Covers reports whether every event after seq after is still stored, so a
// stream can resume from it; otherwise the subscriber must resync.
func (w Window) Covers(after int64) bool {
	if after < 0 || after > w.Last {
		return false
	}
	if after == w.Last {
		return true
	}
	return w.Oldest != 0 && after >= w.Oldest-1
}

// Head returns scope's org's stored window.
func Head(ctx context.Context, d *db.DB, scope tenant.Scope) (Window, error) {
	var w Window
	err := d.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT last_seq FROM event_org_seq WHERE org_id = $1`, scope.Org().String()).Scan(&w.Last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var oldest sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT min(seq) FROM events WHERE org_id = $1`, scope.Org().String()).Scan(&oldest); err != nil {
			return err
		}
		w.Oldest = oldest.Int64
		return nil
	})
	if err != nil {
		return Window{}, fmt.Errorf("events: head: %w", err)
	}
	return w, nil
}

// DefaultRetention is how long events are kept when not configured.
const DefaultRetention = 7 * 24 * time.Hour

// Pruner deletes events (and consumer delivery records) older than
// retention.
func Pruner(retention time.Duration) jobs.Pruner {
	if retention <= 0 {
		retention = DefaultRetention
	}
	return jobs.PrunerFunc{Label: "events", Fn: func(ctx context.Context, d *db.DB, now time.Time) (int64, error) {
		before := now.UTC().Add(-retention)
		var n int64
		err := d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
			if d.Dialect == db.Postgres {
				return tx.QueryRowContext(ctx, `SELECT events_prune($1)`, before).Scan(&n)
			}
			for _, q := range []string{`DELETE FROM events WHERE occurred_at < $1`, `DELETE FROM event_deliveries WHERE delivered_at < $1`} {
				res, err := tx.ExecContext(ctx, q, before)
				if err != nil {
					return err
				}
				c, err := res.RowsAffected()
				if err != nil {
					return err
				}
				n += c
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("events: prune: %w", err)
		}
		return n, nil
	}}
}
