package intel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Match sources.
const (
	SourceIngest    = "ingest"
	SourceRetroHunt = "retrohunt"
)

// Match links an alert to an indicator it matched.
type Match struct {
	ID            uuid.UUID `json:"id"`
	AlertID       uuid.UUID `json:"alert_id"`
	IndicatorID   uuid.UUID `json:"indicator_id"`
	FeedID        uuid.UUID `json:"feed_id"`
	Type          Type      `json:"type" doc:"Indicator type"`
	Value         string    `json:"value" doc:"The alert's entity value that matched"`
	Role          string    `json:"role" doc:"The entity's role in the alert"`
	Source        string    `json:"source" enum:"ingest,retrohunt"`
	FalsePositive bool      `json:"false_positive"`
	MatchedAt     time.Time `json:"matched_at"`
}

// platformFanOut counts k new matches of a platform feed's indicator (its
// row is not the org's to write) in the org's own intel_fanout row, per
// clock hour. It returns the hour's count after them, the throttle as it
// was, and whether the indicator is a platform one at all (sightings
// flags and throttles past FanOutLimit).
func (s *Store) platformFanOut(ctx context.Context, tx *db.Tx, org string, indicator uuid.UUID, k int64, now time.Time) (int64, sql.NullTime, bool, error) {
	hour := now.Unix() / 3600
	var count int64
	var throttledUntil sql.NullTime
	err := tx.QueryRowContext(ctx, `INSERT INTO intel_fanout (org_id, indicator_id, match_hour, match_hour_count, updated_at)
SELECT $1, id, $3, $5, $4 FROM intel_indicators WHERE id = $2 AND org_id IS NULL
ON CONFLICT (org_id, indicator_id) DO UPDATE SET
 match_hour_count = CASE WHEN intel_fanout.match_hour = excluded.match_hour THEN intel_fanout.match_hour_count + excluded.match_hour_count ELSE excluded.match_hour_count END,
 match_hour = excluded.match_hour, updated_at = excluded.updated_at
RETURNING match_hour_count, throttled_until`, org, indicator.String(), hour, now, k).Scan(&count, &throttledUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, throttledUntil, false, nil // not a platform indicator (deleted meanwhile)
	}
	if err != nil {
		return 0, throttledUntil, false, fmt.Errorf("intel: count platform fan-out: %w", err)
	}
	return count, throttledUntil, true, nil
}

// fanOutStates returns the org's guardrail state of platform indicators.
func (s *Store) fanOutStates(ctx context.Context, tx *db.Tx, org uuid.UUID, inds []Indicator) error {
	var ids []string
	for i := range inds {
		if inds[i].OrgID == nil {
			ids = append(ids, inds[i].ID.String())
		}
	}
	if len(ids) == 0 {
		return nil
	}
	args := []any{org.String()}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	type state struct {
		flagged bool
		until   *time.Time
	}
	states := map[uuid.UUID]state{}
	rows, err := tx.QueryContext(ctx, `SELECT indicator_id, flagged, throttled_until FROM intel_fanout WHERE org_id = $1 AND indicator_id IN (`+
		strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return fmt.Errorf("intel: fan-out state: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var id uuid.UUID
		var st state
		var until sql.NullTime
		if err := rows.Scan(&id, &st.flagged, &until); err != nil {
			return fmt.Errorf("intel: fan-out state: %w", err)
		}
		if until.Valid {
			t := until.Time.UTC()
			st.until = &t
		}
		states[id] = st
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("intel: fan-out state: %w", err)
	}
	for i := range inds {
		if st, ok := states[inds[i].ID]; ok && inds[i].OrgID == nil {
			inds[i].Flagged, inds[i].ThrottledUntil = st.flagged, st.until
		}
	}
	return nil
}

// ClearFlag clears the fan-out guardrail's flag and throttle on an
// indicator the org sees (its own, or for the org a subscribed platform
// feed's) and restarts its hour's count; audited (intel.indicator.clear_flag).
func (s *Store) ClearFlag(ctx context.Context, scope tenant.Scope, id uuid.UUID) (Indicator, error) {
	var ind Indicator
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if ind, err = s.get(ctx, tx, scope, id); err != nil {
			return err
		}
		org, now := scope.Org().String(), s.now()
		if ind.OrgID != nil {
			_, err = tx.ExecContext(ctx, `UPDATE intel_indicators SET flagged = false, throttled_until = NULL, match_hour_count = 0, updated_at = $3
WHERE org_id = $1 AND id = $2`, org, id.String(), now)
			ind.UpdatedAt = now
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE intel_fanout SET flagged = false, throttled_until = NULL, match_hour_count = 0, updated_at = $3
WHERE org_id = $1 AND indicator_id = $2`, org, id.String(), now)
		}
		if err != nil {
			return fmt.Errorf("intel: clear flag: %w", err)
		}
		was := ind.Flagged
		if ind.OrgID == nil {
			probe := []Indicator{ind}
			if err := s.fanOutStates(ctx, tx, scope.Org(), probe); err != nil {
				return err
			}
			was = probe[0].Flagged
		}
		ind.Flagged, ind.ThrottledUntil = false, nil
		return audit.Record(ctx, tx, auditEntry(scope, "intel.indicator.clear_flag", "intel_indicator", id.String(),
			map[string]any{"was_flagged": was, "platform": ind.OrgID == nil}))
	})
	if err != nil {
		return ind, err
	}
	ind.Score = s.decay().Score(&ind, s.now())
	return ind, nil
}

const matchCols = `id, alert_id, indicator_id, feed_id, type, value, role, source, false_positive, matched_at`

func scanMatch(sc db.Scanner) (Match, error) {
	var m Match
	if err := sc.Scan(&m.ID, &m.AlertID, &m.IndicatorID, &m.FeedID, &m.Type, &m.Value, &m.Role, &m.Source, &m.FalsePositive, &m.MatchedAt); err != nil {
		return m, fmt.Errorf("intel: scan match: %w", err)
	}
	m.MatchedAt = m.MatchedAt.UTC()
	return m, nil
}

// MatchQuery filters a match list.
type MatchQuery struct {
	AlertID     *uuid.UUID
	IndicatorID *uuid.UUID
}

// Matches returns one page of the org's matches, newest first.
func (s *Store) Matches(ctx context.Context, scope tenant.Scope, q MatchQuery, after *uuid.UUID, limit int) ([]Match, *uuid.UUID, error) {
	limit = min(max(limit, 1), 500)
	var out []Match
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		args := []any{scope.Org().String()}
		where := []string{"org_id = $1"}
		add := func(cond string, v any) {
			args = append(args, v)
			where = append(where, fmt.Sprintf(cond, len(args)))
		}
		// Naming an alert or indicator the org cannot see is a 404, not
		// an empty list.
		if q.AlertID != nil {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM alerts WHERE org_id = $1 AND id = $2`, scope.Org().String(), q.AlertID.String()).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.NotFound("alert")
			}
			if err != nil {
				return fmt.Errorf("intel: check alert: %w", err)
			}
			add("alert_id = $%d", q.AlertID.String())
		}
		if q.IndicatorID != nil {
			if _, err := s.get(ctx, tx, scope, *q.IndicatorID); err != nil {
				return err
			}
			add("indicator_id = $%d", q.IndicatorID.String())
		}
		if after != nil {
			add("id < $%d", after.String())
		}
		args = append(args, limit+1)
		var err error
		out, err = db.Collect(ctx, tx, scanMatch, `SELECT `+matchCols+` FROM intel_matches WHERE `+strings.Join(where, " AND ")+
			fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args)), args...)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if out == nil {
		out = []Match{}
	}
	var next *uuid.UUID
	if len(out) > limit {
		out = out[:limit]
		id := out[limit-1].ID
		next = &id
	}
	return out, next, nil
}

// MarkFalsePositive flags a match as a false positive: the org's own
// indicator's false-positive count rises (lowering its score) and the
// analyst's verdict is kept on the match.
func (s *Store) MarkFalsePositive(ctx context.Context, scope tenant.Scope, id uuid.UUID, fp bool) (Match, error) {
	var m Match
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		m, err = scanMatch(tx.QueryRowContext(ctx, `SELECT `+matchCols+` FROM intel_matches WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("match")
		}
		if err != nil {
			return err
		}
		if m.FalsePositive == fp {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE intel_matches SET false_positive = $3 WHERE org_id = $1 AND id = $2`,
			scope.Org().String(), id.String(), fp); err != nil {
			return fmt.Errorf("intel: mark match: %w", err)
		}
		delta := 1
		if !fp {
			delta = -1
		}
		var ind Indicator
		var until sql.NullTime
		err = tx.QueryRowContext(ctx, `UPDATE intel_indicators SET false_positives = false_positives + $3, updated_at = $4
WHERE org_id = $1 AND id = $2 RETURNING type, confidence, sightings, false_positives, last_seen, valid_until`,
			scope.Org().String(), m.IndicatorID.String(), delta, s.now()).Scan(&ind.Type, &ind.Confidence, &ind.Sightings, &ind.FalsePositives, &ind.LastSeen, &until)
		switch {
		case errors.Is(err, sql.ErrNoRows): // a platform feed's indicator: the verdict stays on the match
		case err != nil:
			return fmt.Errorf("intel: count false positive: %w", err)
		default:
			if until.Valid {
				ind.ValidUntil = &until.Time
			}
			// The lower score moves the decay expiry closer (maybe into
			// the past: the indicator stops matching at once).
			if _, err := tx.ExecContext(ctx, `UPDATE intel_indicators SET expires_at = $3 WHERE org_id = $1 AND id = $2`,
				scope.Org().String(), m.IndicatorID.String(), s.decay().ExpiresAt(&ind)); err != nil {
				return fmt.Errorf("intel: decay after false positive: %w", err)
			}
		}
		m.FalsePositive = fp
		return audit.Record(ctx, tx, auditEntry(scope, "intel.match_verdict", "intel_match", id.String(),
			map[string]any{"false_positive": fp, "indicator_id": m.IndicatorID}))
	})
	return m, err
}

// MatchContext is a match with its indicator and the feed's name.
type MatchContext struct {
	Match
	Indicator *Indicator `json:"indicator,omitempty" doc:"Absent when the indicator was deleted or its platform feed unsubscribed"`
	FeedName  string     `json:"feed_name"`
}

// AlertMatches returns every match of one of the org's alerts (at most
// 500) with the indicators' context.
func (s *Store) AlertMatches(ctx context.Context, scope tenant.Scope, alertID uuid.UUID) ([]MatchContext, error) {
	ms, _, err := s.Matches(ctx, scope, MatchQuery{AlertID: &alertID}, nil, 500)
	if err != nil {
		return nil, err
	}
	out := make([]MatchContext, len(ms))
	names := map[uuid.UUID]string{}
	err = s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		for i, m := range ms {
			out[i].Match = m
			ind, err := s.get(ctx, tx, scope, m.IndicatorID)
			switch {
			case apperr.Is(err, apperr.KindNotFound):
			case err != nil:
				return err
			default:
				ind.Score = s.decay().Score(&ind, s.now())
				out[i].Indicator = &ind
			}
			name, ok := names[m.FeedID]
			if !ok {
				if f, err := s.feed(ctx, tx, scope, m.FeedID); err == nil {
					name = f.Name
				}
				names[m.FeedID] = name
			}
			out[i].FeedName = name
		}
		return nil
	})
	return out, err
}

// MatchesOfAlerts returns the matches of the scope's alerts among
// alertIDs (ids of other orgs' alerts match nothing), ordered by alert
// then match id, at most 500 per alert: the facade incident reports read
// indicators through.
func (s *Store) MatchesOfAlerts(ctx context.Context, scope tenant.Scope, alertIDs []uuid.UUID) ([]Match, error) {
	out := []Match{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		for start := 0; start < len(alertIDs); start += 200 {
			chunk := alertIDs[start:min(start+200, len(alertIDs))]
			args := []any{scope.Org().String()}
			marks := make([]string, len(chunk))
			for i, id := range chunk {
				args = append(args, id.String())
				marks[i] = fmt.Sprintf("$%d", i+2)
			}
			ms, err := db.Collect(ctx, tx, scanMatch, `SELECT `+matchCols+` FROM intel_matches WHERE org_id = $1 AND alert_id IN (`+
				strings.Join(marks, ", ")+`) ORDER BY alert_id, id`, args...)
			if err != nil {
				return fmt.Errorf("intel: matches of alerts: %w", err)
			}
			perAlert := map[uuid.UUID]int{}
			for _, m := range ms {
				if perAlert[m.AlertID]++; perAlert[m.AlertID] <= 500 {
					out = append(out, m)
				}
			}
		}
		return nil
	})
	return out, err
}
