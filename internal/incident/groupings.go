package incident

import (
	"context"
	"database/sql"
	"encoding/json"
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
