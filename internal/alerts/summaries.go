package alerts

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Summaries returns the scope's alerts among ids (missing ones are left
// out) with their normalized fields and entities, without raw payloads:
// the facade other domains (incidents, correlation) read alerts through.
// It joins the caller's transaction when ctx carries one.
func (s *Store) Summaries(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) ([]alert.Alert, error) {
	var out []alert.Alert
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		for chunk := range slices.Chunk(ids, 500) {
			args := []any{scope.Org().String()}
			ph := make([]string, len(chunk))
			for i, id := range chunk {
				args = append(args, id.String())
				ph[i] = fmt.Sprintf("$%d", len(args))
			}
			rs, err := tx.QueryContext(ctx, `SELECT `+listCols+` FROM alerts a WHERE a.org_id = $1 AND a.id IN (`+strings.Join(ph, ", ")+`)`, args...)
			if err != nil {
				return fmt.Errorf("alerts: summaries: %w", err)
			}
			for rs.Next() {
				a, err := scanAlert(rs)
				if err != nil {
					_ = rs.Close()
					return err
				}
				out = append(out, a)
			}
			if err := rs.Err(); err != nil {
				_ = rs.Close()
				return fmt.Errorf("alerts: summaries: %w", err)
			}
			_ = rs.Close()
		}
		return attachEntities(ctx, tx, scope, out)
	})
	return out, err
}

// Window returns up to limit of the scope's alerts whose event time is in
// [from, to), oldest first (normalized fields and entities, no raw
// payloads), and whether more were left out: the facade correlation reads
// stored alerts through for backtests and previews.
func (s *Store) Window(ctx context.Context, scope tenant.Scope, from, to time.Time, limit int) ([]alert.Alert, bool, error) {
	var out []alert.Alert
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT `+listCols+` FROM alerts a WHERE a.org_id = $1 AND a.event_time >= $2 AND a.event_time < $3
ORDER BY a.event_time, a.id LIMIT $4`, scope.Org().String(), from.UTC(), to.UTC(), limit+1)
		if err != nil {
			return fmt.Errorf("alerts: window: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			a, err := scanAlert(rs)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		if err := rs.Err(); err != nil {
			return fmt.Errorf("alerts: window: %w", err)
		}
		return attachEntities(ctx, tx, scope, out)
	})
	if err != nil {
		return nil, false, err
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// Suppress sets the status of the scope's alerts ids to suppressed with
// reason (a suppression or maintenance window), audited and emitted like
// an analyst's bulk update, in the caller's transaction when ctx carries
// one: the facade correlation suppresses alerts through.
func (s *Store) Suppress(ctx context.Context, scope tenant.Scope, ids []uuid.UUID, reason string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	st := alert.StatusSuppressed
	return s.BulkUpdate(ctx, scope, ids, AlertChange{Status: &st, Reason: reason})
}

// EntitiesOf returns the entities of the scope's alerts among ids (missing
// ones, and alerts without entities, are left out): the narrow facade
// correlation explains groups with (it keeps no copy of an alert's
// entities). They are read from the links (alert_entities, the one stored
// copy), each alert's ordered by type, value, role. It joins the caller's
// transaction when ctx carries one.
func (s *Store) EntitiesOf(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) (map[uuid.UUID][]alert.Entity, error) {
	out := make(map[uuid.UUID][]alert.Entity, len(ids))
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		return readEntities(ctx, tx, scope, ids, func(id uuid.UUID, e alert.Entity) { out[id] = append(out[id], e) })
	})
	return out, err
}
