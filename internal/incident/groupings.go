package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// saveGrouping stores a correlation explanation once per (incident, rule,
// group key), replacing the earlier one as the group grows, and returns
// the grouping's id for the links to reference.
func (s *Store) saveGrouping(ctx context.Context, tx *db.Tx, scope tenant.Scope, incidentID uuid.UUID, why *Explanation, now time.Time) (string, error) {
	b, err := json.Marshal(why)
	if err != nil {
		return "", fmt.Errorf("incident: encode explanation: %w", err)
	}
	var id string
	if err := tx.QueryRowContext(ctx, `INSERT INTO incident_groupings (id, org_id, incident_id, rule_key, group_key, explanation, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
ON CONFLICT (org_id, incident_id, rule_key, group_key) DO UPDATE SET explanation = excluded.explanation, updated_at = excluded.updated_at
RETURNING id`, uuid.Must(uuid.NewV7()).String(), scope.Org().String(), incidentID.String(), why.Rule, why.GroupKey, string(b), now).Scan(&id); err != nil {
		return "", fmt.Errorf("incident: save grouping: %w", err)
	}
	return id, nil
}

// fillGrouping sets the explanation of a link read with its grouping.
func (p *Provenance) fillGrouping(id, why sql.NullString) error {
	if !id.Valid {
		return nil
	}
	u, err := uuid.Parse(id.String)
	if err != nil {
		return fmt.Errorf("incident: grouping id: %w", err)
	}
	p.GroupingID = &u
	if why.Valid {
		var ex Explanation
		if err := json.Unmarshal([]byte(why.String), &ex); err != nil {
			return fmt.Errorf("incident: decode explanation: %w", err)
		}
		p.Explanation = &ex
	}
	return nil
}

// matchedEntities returns the alert's entities (type and value) among
// shared, once each.
func matchedEntities(ents []alert.Entity, shared map[alert.Entity]bool) []alert.Entity {
	if len(shared) == 0 {
		return nil
	}
	var out []alert.Entity
	seen := map[alert.Entity]bool{}
	for _, e := range ents {
		k := alert.Entity{Type: e.Type, Value: e.Value}
		if shared[k] && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// ManualGroup is an incident holding alerts analysts grouped by hand
// (escalated, linked or merged in), for correlation's rule suggestions.
type ManualGroup struct {
	IncidentID uuid.UUID
	Alerts     []ManualAlert
}

// ManualAlert is one alert of a ManualGroup, as the incident snapshots it.
type ManualAlert struct {
	AlertID   uuid.UUID
	Source    string
	Rule      string
	EventTime time.Time
	Entities  []alert.Entity
	// Manual: linked by an analyst (escalate, link, merge), not by
	// correlation.
	Manual bool
}

// manualVias are the provenances of links an analyst made.
var manualVias = map[string]bool{"escalate": true, "link": true, "merge": true}

// ManualGroupings returns the incidents with links made since since of
// which at least one was made by hand and that hold at least two alerts,
// newest link first, reading at most 20,000 links.
func (s *Store) ManualGroupings(ctx context.Context, scope tenant.Scope, since time.Time) ([]ManualGroup, error) {
	var out []ManualGroup
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT incident_id, alert_id, source_type, rule, event_time, entities, provenance FROM incident_alerts
WHERE org_id = $1 AND added_at >= $2 ORDER BY added_at DESC, alert_id LIMIT 20000`, scope.Org().String(), since.UTC())
		if err != nil {
			return fmt.Errorf("incident: manual groupings: %w", err)
		}
		defer func() { _ = rs.Close() }()
		idx := map[uuid.UUID]int{}
		manual := map[uuid.UUID]bool{}
		for rs.Next() {
			var inc uuid.UUID
			var a ManualAlert
			var ents, prov string
			if err := rs.Scan(&inc, &a.AlertID, &a.Source, &a.Rule, &a.EventTime, &ents, &prov); err != nil {
				return fmt.Errorf("incident: scan manual grouping: %w", err)
			}
			var p Provenance
			if err := errors.Join(json.Unmarshal([]byte(ents), &a.Entities), json.Unmarshal([]byte(prov), &p)); err != nil {
				return fmt.Errorf("incident: decode manual grouping: %w", err)
			}
			a.Manual, a.EventTime = manualVias[p.Via], a.EventTime.UTC()
			manual[inc] = manual[inc] || a.Manual
			i, ok := idx[inc]
			if !ok {
				i = len(out)
				idx[inc] = i
				out = append(out, ManualGroup{IncidentID: inc})
			}
			out[i].Alerts = append(out[i].Alerts, a)
		}
		if err := rs.Err(); err != nil {
			return err
		}
		kept := out[:0]
		for _, g := range out {
			if manual[g.IncidentID] && len(g.Alerts) >= 2 {
				kept = append(kept, g)
			}
		}
		out = kept
		return nil
	})
	return out, err
}
