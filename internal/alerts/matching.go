package alerts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/tenant"
)

// MaxMatching bounds "select all matching": a count stops there, and a
// bulk change by filter refuses a filter that matches more (narrow it, or
// page through with ids).
const MaxMatching = 5000

// Matching is a bounded count of the alerts a filter selects.
type Matching struct {
	Count int `json:"count" doc:"Alerts the filter matches, at most max"`
	// Capped is true when more than Max alerts match.
	Capped bool `json:"capped" doc:"True when more than max alerts match (count is then max)"`
	Max    int  `json:"max" doc:"The bound of select-all-matching"`
}

// matchingIDs returns the ids of up to limit+1 alerts f selects, in list
// order, read inside tx (so a bulk change acts on exactly what it counted).
func (s *Store) matchingIDs(ctx context.Context, tx *db.Tx, scope tenant.Scope, f AlertQuery, limit int) ([]uuid.UUID, error) {
	if f.Sort == "" {
		f.Sort = SortReceived
	}
	_ = f.normalize("")
	var entityID string
	if f.EntityValue != "" {
		err := tx.QueryRowContext(ctx, `SELECT id FROM entities WHERE org_id = $1 AND type = $2 AND value = $3`,
			scope.Org().String(), f.EntityType, f.EntityValue).Scan(&entityID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("alerts: resolve entity: %w", err)
		}
	}
	textEntities, err := textEntityIDs(ctx, tx, scope, f.Text)
	if err != nil {
		return nil, err
	}
	from, to := f.window(time.Now())
	q, args := listQuery(s.DB.Dialect, scope.Org(), f, entityID, textEntities, from, to, nil, limit)
	rs, err := tx.QueryContext(ctx, `SELECT m.id FROM (`+q+`) m`, args...)
	if err != nil {
		return nil, fmt.Errorf("alerts: select matching: %w", err)
	}
	defer func() { _ = rs.Close() }()
	var ids []uuid.UUID
	for rs.Next() {
		var raw string
		if err := rs.Scan(&raw); err != nil {
			return nil, fmt.Errorf("alerts: scan matching id: %w", err)
		}
		id, err := uuid.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("alerts: matching id %q: %w", raw, err)
		}
		ids = append(ids, id)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("alerts: select matching: %w", err)
	}
	return ids, nil
}

// CountMatching counts the alerts f selects, up to MaxMatching.
func (s *Store) CountMatching(ctx context.Context, scope tenant.Scope, f AlertQuery) (Matching, error) {
	m := Matching{Max: MaxMatching}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		ids, err := s.matchingIDs(ctx, tx, scope, f, MaxMatching)
		m.Count, m.Capped = min(len(ids), MaxMatching), len(ids) > MaxMatching
		return err
	})
	return m, err
}

// BulkUpdateMatching applies c to every alert f selects, in one
// transaction: the selection and the changes see the same snapshot, all
// change or none. A filter matching more than MaxMatching alerts is
// refused; expect, when not zero, must equal the number matched (the
// count the analyst confirmed), else nothing changes.
func (s *Store) BulkUpdateMatching(ctx context.Context, scope tenant.Scope, f AlertQuery, c AlertChange, expect int) (int, error) {
	prior, err := s.BulkUpdateMatchingPrior(ctx, scope, f, c, expect)
	return len(prior), err
}

// BulkUpdateMatchingPrior is BulkUpdateMatching returning each changed
// alert's assignee and tags from before the change, for an undo.
func (s *Store) BulkUpdateMatchingPrior(ctx context.Context, scope tenant.Scope, f AlertQuery, c AlertChange, expect int) ([]Prior, error) {
	if err := c.Validate("body.change."); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	var n int
	var prior []Prior
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		ids, err := s.matchingIDs(ctx, tx, scope, f, MaxMatching)
		if err != nil {
			return err
		}
		if len(ids) > MaxMatching {
			return apperr.Validation("filter matches too many alerts",
				apperr.Field("query", "matches more than "+strconv.Itoa(MaxMatching)+" alerts; narrow the filter"))
		}
		if expect > 0 && len(ids) != expect {
			return apperr.Conflict(fmt.Sprintf("the filter now matches %d alerts, not the %d confirmed; review and confirm again", len(ids), expect)).WithCode("matching_changed")
		}
		if err := s.checkAssignee(ctx, scope, &c, "body.change.assignee"); err != nil {
			return err
		}
		slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
		prior = make([]Prior, 0, len(ids))
		for _, id := range ids {
			a, p, err := s.updatePrior(ctx, tx, scope, id, &c, now, "body.change.")
			if err != nil {
				return err
			}
			prior = append(prior, p)
			if _, err := events.Append(ctx, tx, scope, events.AlertUpdated, events.Subject("alert", id), updatedEvent(a, &c)); err != nil {
				return err
			}
		}
		n = len(ids)
		details, _ := json.Marshal(struct {
			Filter      AlertQuery  `json:"filter"`
			Matched     int         `json:"matched"`
			AlertChange AlertChange `json:"change"`
		}{f, n, c})
		return audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "alert.bulk_update",
			TargetType: "alert", TargetID: fmt.Sprintf("%d alerts", n), Details: details})
	})
	if err != nil {
		return nil, err
	}
	return prior, nil
}
