package incident

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// IncidentsOfAlerts returns the incident each of the scope's alerts ids
// is linked to (alerts in no incident are left out): one read of the
// incident_alerts primary key per chunk. It is the facade entity pages
// and graphs (internal/investigate) map alerts to incidents through.
func (s *Store) IncidentsOfAlerts(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) (map[uuid.UUID]uuid.UUID, error) {
	out := map[uuid.UUID]uuid.UUID{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		for chunk := range slices.Chunk(ids, 500) {
			in, args := inClause([]any{scope.Org().String()}, strs(chunk))
			rs, err := tx.QueryContext(ctx, `SELECT alert_id, incident_id FROM incident_alerts WHERE org_id = $1 AND alert_id IN (`+in+`)`, args...)
			if err != nil {
				return fmt.Errorf("incident: incidents of alerts: %w", err)
			}
			for rs.Next() {
				var a, i uuid.UUID
				if err := rs.Scan(&a, &i); err != nil {
					_ = rs.Close()
					return fmt.Errorf("incident: scan incident of alert: %w", err)
				}
				out[a] = i
			}
			if err := rs.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// Briefs returns the scope's incidents among ids (missing ones are left
// out), newest first, without SLA clocks.
func (s *Store) Briefs(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) ([]Incident, error) {
	out := []Incident{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		for chunk := range slices.Chunk(ids, 500) {
			in, args := inClause([]any{scope.Org().String()}, strs(chunk))
			rs, err := tx.QueryContext(ctx, `SELECT `+incidentCols+` FROM incidents i WHERE i.org_id = $1 AND i.id IN (`+in+`)`, args...)
			if err != nil {
				return fmt.Errorf("incident: briefs: %w", err)
			}
			for rs.Next() {
				r, err := scanIncident(rs)
				if err != nil {
					_ = rs.Close()
					return err
				}
				out = append(out, r.Incident)
			}
			if err := rs.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Incident) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID.String(), a.ID.String())
	})
	return out, err
}
