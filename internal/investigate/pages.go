package investigate

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/page"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Page sizes of the entity lists.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Cursor kinds of the entity lists.
const (
	kindAlerts    = "entity-alerts"
	kindIncidents = "entity-incidents"
	kindNotes     = "entity-notes"
)

// idKey is the keyset position of an id-ordered list.
type idKey struct {
	ID uuid.UUID `json:"i"`
}

// timeKey is the keyset position of a (time, id) ordered list.
type timeKey struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// AlertPage is a page of an entity's alerts.
type AlertPage = page.Body[alert.Alert]

// EntityAlerts returns one page of the alerts that mention the scope's
// entity id, most recently stored first.
func (s *Store) EntityAlerts(ctx context.Context, scope tenant.Scope, id uuid.UUID, cursor string, limit int) (*AlertPage, error) {
	limit = page.Limit(limit, DefaultLimit, MaxLimit)
	var before *uuid.UUID
	if cursor != "" {
		k, err := page.Decode[idKey](kindAlerts, cursor)
		if err != nil {
			return nil, err
		}
		before = &k.ID
	}
	if _, err := s.Alerts.Entity(ctx, scope, id); err != nil {
		return nil, err
	}
	as, err := s.Alerts.EntityAlerts(ctx, scope, id, before, limit+1)
	if err != nil {
		return nil, err
	}
	out := &AlertPage{}
	out.Items, out.NextCursor = page.Trim(kindAlerts, as, limit, func(a alert.Alert) idKey { return idKey{ID: a.ID} })
	return out, nil
}

// IncidentPage is a page of an entity's incidents.
type IncidentPage struct {
	Items      []incident.Incident `json:"items"`
	NextCursor string              `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
	// WindowTruncated: the entity has more alerts than the window its
	// incidents are found through (its 1,000 newest).
	WindowTruncated bool `json:"window_truncated,omitempty" doc:"The entity has more than 1,000 alerts: only incidents holding one of its 1,000 newest are listed"`
}

// EntityIncidents returns one page of the incidents holding one of the
// entity's IncidentWindow newest alerts, newest incident first.
func (s *Store) EntityIncidents(ctx context.Context, scope tenant.Scope, id uuid.UUID, cursor string, limit int) (*IncidentPage, error) {
	limit = page.Limit(limit, DefaultLimit, MaxLimit)
	var after *timeKey
	if cursor != "" {
		k, err := page.Decode[timeKey](kindIncidents, cursor)
		if err != nil {
			return nil, err
		}
		after = &k
	}
	if _, err := s.Alerts.Entity(ctx, scope, id); err != nil {
		return nil, err
	}
	ids, truncated, err := s.entityIncidentIDs(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	incs, err := s.Incidents.Briefs(ctx, scope, ids)
	if err != nil {
		return nil, err
	}
	// Briefs are newest first: skip to the cursor.
	rows := make([]incident.Incident, 0, limit+1)
	for _, inc := range incs {
		if after != nil {
			c := inc.CreatedAt.Compare(after.At)
			if c > 0 || (c == 0 && strings.Compare(inc.ID.String(), after.ID.String()) >= 0) {
				continue
			}
		}
		rows = append(rows, inc)
		if len(rows) > limit {
			break
		}
	}
	out := &IncidentPage{WindowTruncated: truncated}
	out.Items, out.NextCursor = page.Trim(kindIncidents, rows, limit, func(i incident.Incident) timeKey { return timeKey{At: i.CreatedAt, ID: i.ID} })
	return out, nil
}
