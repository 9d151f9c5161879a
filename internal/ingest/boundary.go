package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
)

// eventSpan is the first and latest event time of an alert (stored or
// being built from this batch).
type eventSpan struct{ first, last time.Time }

// foldBoundaries chooses the dedup key of each row so that occurrences on
// either side of a bucket boundary, closer than the window, make one alert.
// A row of bucket k goes to, in order: the alert of bucket k if there is
// one; else the alert of bucket k-1 if its latest event is within the
// window before the row's; else the alert of bucket k+1 if its first event
// is within the window after the row's (late arrivals); else a new alert
// of bucket k. "Alert" is a stored one or one an earlier row of this batch
// starts (rows are visited in event-time order). Existing alerts are read
// with one query per batch. The UNIQUE (org_id, dedup_key) constraint still
// makes two replicas inserting the same bucket merge.
//
// It returns a copy of rows with their keys set; rows is not changed.
func foldBoundaries(ctx context.Context, tx *db.Tx, org uuid.UUID, rows []row) ([]row, error) {
	out := slices.Clone(rows)
	if len(out) == 0 {
		return out, nil
	}
	buckets := make([]int64, len(out))
	keys := make([]string, 0, 3*len(out))
	seen := make(map[string]bool, 3*len(out))
	for i := range out {
		r := &out[i]
		buckets[i] = bucketOf(r.alert.EventTime, r.window)
		for d := int64(-1); d <= 1; d++ {
			if k := bucketKey(r.alert.Fingerprint, r.window, buckets[i]+d); !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	live, err := storedSpans(ctx, tx, org, keys)
	if err != nil {
		return nil, err
	}
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return out[a].alert.EventTime.Compare(out[b].alert.EventTime) })
	for _, i := range order {
		r := &out[i]
		t, w := r.alert.EventTime, r.window
		if w <= 0 {
			w = DefaultDedupWindow
		}
		target := r.dedupKey
		if _, ok := live[target]; !ok {
			if prev := bucketKey(r.alert.Fingerprint, w, buckets[i]-1); fits(live, prev, func(s eventSpan) bool { return t.Sub(s.last) <= w }) {
				target = prev
			} else if next := bucketKey(r.alert.Fingerprint, w, buckets[i]+1); fits(live, next, func(s eventSpan) bool { return s.first.Sub(t) <= w }) {
				target = next
			}
		}
		s, ok := live[target]
		if !ok {
			s = eventSpan{first: t, last: t}
		}
		s.first = minTime(s.first, t)
		s.last = maxTime(s.last, t)
		live[target] = s
		r.dedupKey = target
	}
	return out, nil
}

func fits(live map[string]eventSpan, key string, ok func(eventSpan) bool) bool {
	s, found := live[key]
	return found && ok(s)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// boundaryLookupPG reads stored alerts by dedup key, one unique-index probe
// per key: the equality on both columns of alerts_org_dedup inside the
// LATERAL makes that index the only sensible plan with or without table
// statistics (`dedup_key = ANY($2)` was planned on another org_id index
// with dedup_key as a filter on a never-analyzed table, reading every
// alert of the org per request).
const boundaryLookupPG = `SELECT a.dedup_key, a.event_time, a.last_event_time
FROM unnest($2::text[]) AS k(key)
CROSS JOIN LATERAL (SELECT dedup_key, event_time, last_event_time FROM alerts WHERE org_id = $1::uuid AND dedup_key = k.key) a`

// storedSpans reads the event spans of the org's alerts with the given
// dedup keys (one query).
func storedSpans(ctx context.Context, tx *db.Tx, org uuid.UUID, keys []string) (map[string]eventSpan, error) {
	var (
		rs  *sql.Rows
		err error
	)
	if tx.Dialect == db.Postgres {
		rs, err = tx.QueryContext(ctx, boundaryLookupPG, org.String(), keys)
	} else {
		js, jerr := json.Marshal(keys)
		if jerr != nil {
			return nil, fmt.Errorf("ingest: boundary keys: %w", jerr)
		}
		rs, err = tx.QueryContext(ctx, `SELECT dedup_key, event_time, last_event_time FROM alerts WHERE org_id = $1 AND dedup_key IN (SELECT value FROM json_each($2))`,
			org.String(), string(js))
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: boundary lookup: %w", err)
	}
	defer func() { _ = rs.Close() }()
	out := make(map[string]eventSpan, len(keys))
	for rs.Next() {
		var key string
		var first time.Time
		var last sql.NullTime
		if err := rs.Scan(&key, &first, &last); err != nil {
			return nil, fmt.Errorf("ingest: scan boundary lookup: %w", err)
		}
		s := eventSpan{first: first.UTC(), last: first.UTC()}
		if last.Valid {
			s.last = last.Time.UTC()
		}
		out[key] = s
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("ingest: boundary lookup: %w", err)
	}
	return out, nil
}

// prepareRows folds boundary occurrences (foldBoundaries, when the store's
// FoldBoundaries is set) and merges rows sharing a key (mergeRows).
func (s *Store) prepareRows(ctx context.Context, tx *db.Tx, org uuid.UUID, rows []row) (merged []row, slot []int, err error) {
	if !s.FoldBoundaries {
		merged, slot = mergeRows(rows)
		return merged, slot, nil
	}
	folded, err := foldBoundaries(ctx, tx, org, rows)
	if err != nil {
		return nil, nil, err
	}
	merged, slot = mergeRows(folded)
	return merged, slot, nil
}
