package alerts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// StoredEntity is one of the org's entities (a row of entities): what the
// entity pages (internal/investigate) read through this facade.
type StoredEntity struct {
	ID        uuid.UUID        `json:"id"`
	Type      alert.EntityType `json:"type"`
	Value     string           `json:"value" doc:"Canonical value"`
	FirstSeen time.Time        `json:"first_seen" doc:"When the entity was first stored"`
}

// EntityLink is an entity of an alert with the role it plays there.
type EntityLink struct {
	StoredEntity
	Role string `json:"role,omitempty"`
}

func scanEntity(sc scanner) (StoredEntity, error) {
	var e StoredEntity
	if err := sc.Scan(&e.ID, &e.Type, &e.Value, &e.FirstSeen); err != nil {
		return e, err
	}
	e.FirstSeen = e.FirstSeen.UTC()
	return e, nil
}

// Entity returns the scope's entity id (NotFound if it is not the org's).
func (s *Store) Entity(ctx context.Context, scope tenant.Scope, id uuid.UUID) (StoredEntity, error) {
	var e StoredEntity
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		e, err = scanEntity(tx.QueryRowContext(ctx, `SELECT id, type, value, first_seen FROM entities WHERE org_id = $1 AND id = $2`,
			scope.Org().String(), id.String()))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("entity")
		}
		if err != nil {
			return fmt.Errorf("alerts: get entity: %w", err)
		}
		return nil
	})
	return e, err
}

// EntityOf returns the scope's entity of type t with canonical value v
// (NotFound if no alert of the org ever mentioned it).
func (s *Store) EntityOf(ctx context.Context, scope tenant.Scope, t alert.EntityType, v string) (StoredEntity, error) {
	var e StoredEntity
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		e, err = scanEntity(tx.QueryRowContext(ctx, `SELECT id, type, value, first_seen FROM entities WHERE org_id = $1 AND type = $2 AND value = $3`,
			scope.Org().String(), string(t), v))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("entity")
		}
		if err != nil {
			return fmt.Errorf("alerts: find entity: %w", err)
		}
		return nil
	})
	return e, err
}

// EntityAlertIDs returns up to limit ids of the alerts that mention the
// entity, newest stored first (alert ids are UUIDv7, so id order is the
// order alerts were first stored), strictly older than before when it is
// set. It reads only the (entity_id, alert_id) index, however many alerts
// mention the entity.
func (s *Store) EntityAlertIDs(ctx context.Context, scope tenant.Scope, entityID uuid.UUID, before *uuid.UUID, limit int) ([]uuid.UUID, error) {
	var out []uuid.UUID
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out, err = entityAlertIDs(ctx, tx, scope, entityID, before, limit)
		return err
	})
	return out, err
}

func entityAlertIDs(ctx context.Context, tx *db.Tx, scope tenant.Scope, entityID uuid.UUID, before *uuid.UUID, limit int) ([]uuid.UUID, error) {
	// DISTINCT: an entity may be linked to one alert in several roles;
	// the index is (entity_id, alert_id), so it stays an index walk.
	q := `SELECT DISTINCT ae.alert_id FROM alert_entities ae WHERE ae.entity_id = $1 AND ae.org_id = $2`
	args := []any{entityID.String(), scope.Org().String()}
	if before != nil {
		q += ` AND ae.alert_id < $3`
		args = append(args, before.String())
	}
	q += fmt.Sprintf(` ORDER BY ae.alert_id DESC LIMIT %d`, max(limit, 1))
	rs, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("alerts: entity alerts: %w", err)
	}
	defer func() { _ = rs.Close() }()
	var out []uuid.UUID
	for rs.Next() {
		var id uuid.UUID
		if err := rs.Scan(&id); err != nil {
			return nil, fmt.Errorf("alerts: scan entity alert: %w", err)
		}
		out = append(out, id)
	}
	return out, rs.Err()
}

// EntityAlerts returns up to limit of the alerts that mention the entity,
// newest stored first (as EntityAlertIDs), without raw payloads.
func (s *Store) EntityAlerts(ctx context.Context, scope tenant.Scope, entityID uuid.UUID, before *uuid.UUID, limit int) ([]alert.Alert, error) {
	var out []alert.Alert
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		ids, err := entityAlertIDs(ctx, tx, scope, entityID, before, limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		as, err := s.Summaries(ctx, scope, ids)
		if err != nil {
			return err
		}
		slices.SortFunc(as, func(a, b alert.Alert) int { return -strings.Compare(a.ID.String(), b.ID.String()) })
		out = as
		return nil
	})
	return out, err
}

// CountEntityAlerts counts the alerts that mention the entity, reading at
// most upTo links: the count is exact below upTo and capped (true) at it.
func (s *Store) CountEntityAlerts(ctx context.Context, scope tenant.Scope, entityID uuid.UUID, upTo int) (int, bool, error) {
	var n int
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT DISTINCT ae.alert_id FROM alert_entities ae
WHERE ae.entity_id = $1 AND ae.org_id = $2 ORDER BY ae.alert_id DESC LIMIT %d) s`, upTo+1), entityID.String(), scope.Org().String()).Scan(&n)
		if err != nil {
			return fmt.Errorf("alerts: count entity alerts: %w", err)
		}
		return nil
	})
	if n > upTo {
		return upTo, true, err
	}
	return n, false, err
}

// AlertEntities returns, for each of the scope's alerts ids, up to
// perAlert of its entities (ordered by entity id, after the entity id
// after when it is set; roles of one entity are folded into the first),
// and whether the alert has more. Each alert is one bounded read of the
// alert_entities primary key.
func (s *Store) AlertEntities(ctx context.Context, scope tenant.Scope, ids []uuid.UUID, after *uuid.UUID, perAlert int) (map[uuid.UUID][]EntityLink, map[uuid.UUID]bool, error) {
	out, more := map[uuid.UUID][]EntityLink{}, map[uuid.UUID]bool{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		for _, id := range ids {
			// Roles multiply rows: read a few more than asked and fold.
			q := `SELECT e.id, e.type, e.value, e.first_seen, ae.role FROM alert_entities ae JOIN entities e ON e.id = ae.entity_id AND e.org_id = ae.org_id
WHERE ae.alert_id = $1 AND ae.org_id = $2`
			args := []any{id.String(), scope.Org().String()}
			if after != nil {
				q += ` AND ae.entity_id > $3`
				args = append(args, after.String())
			}
			q += fmt.Sprintf(` ORDER BY ae.alert_id, ae.entity_id, ae.role LIMIT %d`, 2*perAlert+2)
			rs, err := tx.QueryContext(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("alerts: alert entities: %w", err)
			}
			var links []EntityLink
			rows := 0
			for rs.Next() {
				rows++
				var l EntityLink
				if err := rs.Scan(&l.ID, &l.Type, &l.Value, &l.FirstSeen, &l.Role); err != nil {
					_ = rs.Close()
					return fmt.Errorf("alerts: scan alert entity: %w", err)
				}
				l.FirstSeen = l.FirstSeen.UTC()
				if n := len(links); n > 0 && links[n-1].ID == l.ID {
					continue
				}
				links = append(links, l)
			}
			if err := rs.Close(); err != nil {
				return err
			}
			switch {
			case len(links) > perAlert:
				links, more[id] = links[:perAlert], true
			case rows == 2*perAlert+2:
				more[id] = true // many roles per entity: there may be more
			}
			out[id] = links
		}
		return nil
	})
	return out, more, err
}
