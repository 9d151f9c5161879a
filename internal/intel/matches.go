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
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/events"
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

// recordMatches stores the hits of one alert (idempotent per alert,
// indicator and role) and counts a sighting on each newly matched
// indicator of the org; it returns how many were new.
func (s *Store) recordMatches(ctx context.Context, tx *db.Tx, scope tenant.Scope, alertID uuid.UUID, hits []Hit, source string) error {
	_, err := s.insertMatches(ctx, tx, scope, alertID, hits, source)
	return err
}

func (s *Store) insertMatches(ctx context.Context, tx *db.Tx, scope tenant.Scope, alertID uuid.UUID, hits []Hit, source string) (int, error) {
	if len(hits) == 0 {
		return 0, nil
	}
	now := s.now()
	org := scope.Org().String()
	n := 0
	for _, h := range hits {
		id := uuid.Must(uuid.NewV7())
		res, err := tx.ExecContext(ctx, `INSERT INTO intel_matches (id, org_id, alert_id, indicator_id, feed_id, type, value, role, source, matched_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (org_id, alert_id, indicator_id, role) DO NOTHING`,
			id.String(), org, alertID.String(), h.IndicatorID.String(), h.FeedID.String(), string(h.Type),
			h.Value, h.Role, source, now)
		if err != nil {
			return n, fmt.Errorf("intel: record match: %w", err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
			if _, err := events.Append(ctx, tx, scope, EventMatched, events.Subject("alert", alertID), MatchedV1{
				AlertID: alertID, MatchID: id, IndicatorID: h.IndicatorID, FeedID: h.FeedID, Type: h.Type,
				Value: h.Value, Role: h.Role, Source: source, Confidence: h.Confidence,
			}); err != nil {
				return n, fmt.Errorf("intel: match event: %w", err)
			}
			// Sightings count on the org's own indicators; a platform
			// feed's rows are not writable by an org.
			if _, err := tx.ExecContext(ctx, `UPDATE intel_indicators SET sightings = sightings + 1, last_seen = $3
WHERE org_id = $1 AND id = $2`, org, h.IndicatorID.String(), now); err != nil {
				return n, fmt.Errorf("intel: count sighting: %w", err)
			}
		}
	}
	return n, nil
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
		if _, err := tx.ExecContext(ctx, `UPDATE intel_indicators SET false_positives = false_positives + $3, updated_at = $4
WHERE org_id = $1 AND id = $2`, scope.Org().String(), m.IndicatorID.String(), delta, s.now()); err != nil {
			return fmt.Errorf("intel: count false positive: %w", err)
		}
		m.FalsePositive = fp
		return nil
	})
	return m, err
}
