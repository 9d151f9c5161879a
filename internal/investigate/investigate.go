// Package investigate is the entity pages of SecureNexus (docs/entities.md):
// one page per entity the alerts mention (IP, host, user, hash, domain,
// URL, e-mail, process, file, cloud resource) with its summary, its alerts
// and incidents, analysts' tags and notes on it, and a bounded, paged graph
// of entity ↔ alert ↔ incident relations.
//
// Alerts, entities and incidents belong to other modules: the package reads
// them through the facades in Deps. Every read is bounded in SQL by a limit
// served by an index, so a hot entity (a NAT address on 100,000 alerts)
// costs what a rare one does; where a figure would need every alert of an
// entity it is taken over a documented window and says so (capped,
// window_truncated).
package investigate

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/entity"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Bounds of the entity page.
const (
	// CountCap caps the alert count of an entity (exact below it).
	CountCap = 10000
	// IncidentWindow is how many of an entity's newest alerts its
	// incidents are looked up through.
	IncidentWindow = 1000
	// SampleAlerts is how many of an entity's newest alerts its sources
	// and last-seen time are taken from.
	SampleAlerts = 200
)

// Alerts is the alert domain's facade (alerts.Store).
type Alerts interface {
	Entity(ctx context.Context, scope tenant.Scope, id uuid.UUID) (alerts.StoredEntity, error)
	EntityOf(ctx context.Context, scope tenant.Scope, t alert.EntityType, v string) (alerts.StoredEntity, error)
	EntityAlertIDs(ctx context.Context, scope tenant.Scope, entityID uuid.UUID, before *uuid.UUID, limit int) ([]uuid.UUID, error)
	EntityAlerts(ctx context.Context, scope tenant.Scope, entityID uuid.UUID, before *uuid.UUID, limit int) ([]alert.Alert, error)
	CountEntityAlerts(ctx context.Context, scope tenant.Scope, entityID uuid.UUID, upTo int) (int, bool, error)
	AlertEntities(ctx context.Context, scope tenant.Scope, ids []uuid.UUID, after *uuid.UUID, perAlert int) (map[uuid.UUID][]alerts.EntityLink, map[uuid.UUID]bool, error)
	Summaries(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) ([]alert.Alert, error)
}

// Incidents is the incident domain's facade (incident.Store).
type Incidents interface {
	IncidentsOfAlerts(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) (map[uuid.UUID]uuid.UUID, error)
	Briefs(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) ([]incident.Incident, error)
	Get(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*incident.Incident, error)
	LinkedAlerts(ctx context.Context, scope tenant.Scope, id uuid.UUID, after *uuid.UUID, limit int) ([]incident.LinkedAlert, string, error)
}

// EntityIntelMatch is an indicator of threat intel the entity matches now.
type EntityIntelMatch struct {
	IndicatorID uuid.UUID `json:"indicator_id"`
	FeedID      uuid.UUID `json:"feed_id"`
	Type        string    `json:"type" doc:"Indicator type (a CIDR or parent-domain indicator matches addresses and subdomains)"`
	Confidence  int       `json:"confidence"`
}

// Intel looks an entity up in the org's threat intel (the intel module's
// in-memory index, wired in internal/app).
type Intel interface {
	Lookup(ctx context.Context, scope tenant.Scope, e alert.Entity) ([]EntityIntelMatch, error)
}

// Caller returns the permissions of the request's caller in its org
// (identity's principal, wired in internal/app); ok false outside a
// request (tests, commands) means every permission.
type Caller func(ctx context.Context) (perms rbac.Set, ok bool)

// Store serves the entity pages.
type Store struct {
	DB        *db.DB
	Alerts    Alerts
	Incidents Incidents
	// Intel is optional: without it summaries report intel unavailable.
	Intel  Intel
	Caller Caller
	Now    func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// can reports whether the caller holds perm.
func (s *Store) can(ctx context.Context, perm rbac.Permission) bool {
	if s.Caller == nil {
		return true
	}
	perms, ok := s.Caller(ctx)
	return !ok || perms.Has(perm)
}

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// BoundedCount is a count read over a bounded number of rows.
type BoundedCount struct {
	Count  int  `json:"count"`
	Capped bool `json:"capped,omitempty" doc:"The count stopped at its cap (there are at least this many)"`
}

// EntityIntel is what threat intel knows of an entity.
type EntityIntel struct {
	Available bool               `json:"available" doc:"False when the intel lookup is not wired or failed (matches then empty)"`
	Matches   []EntityIntelMatch `json:"matches"`
}

// EntitySummary is the head of an entity page.
type EntitySummary struct {
	Entity    alerts.StoredEntity `json:"entity"`
	LastSeen  *time.Time          `json:"last_seen,omitempty" doc:"Latest last_seen of the entity's 200 most recently stored alerts"`
	Alerts    BoundedCount        `json:"alerts" doc:"Alerts mentioning the entity (capped at 10,000)"`
	Incidents *BoundedCount       `json:"incidents,omitempty" doc:"Incidents holding one of the entity's 1,000 newest alerts (capped when it has more alerts); absent without incidents:read"`
	Sources   []string            `json:"sources" doc:"Source types of the entity's 200 most recently stored alerts"`
	Rules     []string            `json:"rules" doc:"Detection rules (rule names, else ids) of the same alerts, at most 20"`
	Intel     EntityIntel         `json:"intel"`
	Tags      []string            `json:"tags"`
	Notes     int                 `json:"notes" doc:"Analyst notes on the entity"`
}

// Resolve returns the scope's entity of type t and value v, canonicalized
// as at intake (so 10.0.0.01 or EXAMPLE.com find the stored form).
func (s *Store) Resolve(ctx context.Context, scope tenant.Scope, t alert.EntityType, v string) (alerts.StoredEntity, error) {
	if c, ok := entity.Canonical(t, v); ok {
		v = c
	}
	return s.Alerts.EntityOf(ctx, scope, t, v)
}

// EntitySummary returns the head of the entity page of the scope's entity id.
func (s *Store) Summary(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*EntitySummary, error) {
	e, err := s.Alerts.Entity(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	out := &EntitySummary{Entity: e, Sources: []string{}, Rules: []string{}, Tags: []string{}, Intel: EntityIntel{Matches: []EntityIntelMatch{}}}
	out.Alerts.Count, out.Alerts.Capped, err = s.Alerts.CountEntityAlerts(ctx, scope, id, CountCap)
	if err != nil {
		return nil, err
	}
	sample, err := s.Alerts.EntityAlerts(ctx, scope, id, nil, SampleAlerts)
	if err != nil {
		return nil, err
	}
	for _, a := range sample {
		last := a.LastSeen
		if last.IsZero() {
			last = a.ReceivedTime
		}
		if out.LastSeen == nil || last.After(*out.LastSeen) {
			out.LastSeen = &last
		}
		if a.Source.Type != "" && !slices.Contains(out.Sources, a.Source.Type) {
			out.Sources = append(out.Sources, a.Source.Type)
		}
		r := a.Rule.Name
		if r == "" {
			r = a.Rule.ID
		}
		if r != "" && len(out.Rules) < 20 && !slices.Contains(out.Rules, r) {
			out.Rules = append(out.Rules, r)
		}
	}
	slices.Sort(out.Sources)
	if s.can(ctx, rbac.IncidentsRead) {
		ids, truncated, err := s.entityIncidentIDs(ctx, scope, id)
		if err != nil {
			return nil, err
		}
		out.Incidents = &BoundedCount{Count: len(ids), Capped: truncated}
	}
	if s.Intel != nil {
		ms, err := s.Intel.Lookup(ctx, scope, alert.Entity{Type: e.Type, Value: e.Value})
		if err == nil {
			out.Intel = EntityIntel{Available: true, Matches: append([]EntityIntelMatch{}, ms...)}
		} else if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	err = s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if out.Tags, err = tags(ctx, tx, scope, id); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM entity_notes WHERE org_id = $1 AND entity_id = $2`,
			scope.Org().String(), id.String()).Scan(&out.Notes); err != nil {
			return fmt.Errorf("investigate: count notes: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// entityIncidentIDs returns the distinct incidents holding one of the
// entity's IncidentWindow newest alerts, and whether the entity has more
// alerts than the window.
func (s *Store) entityIncidentIDs(ctx context.Context, scope tenant.Scope, id uuid.UUID) ([]uuid.UUID, bool, error) {
	alertIDs, err := s.Alerts.EntityAlertIDs(ctx, scope, id, nil, IncidentWindow+1)
	if err != nil {
		return nil, false, err
	}
	truncated := len(alertIDs) > IncidentWindow
	if truncated {
		alertIDs = alertIDs[:IncidentWindow]
	}
	m, err := s.Incidents.IncidentsOfAlerts(ctx, scope, alertIDs)
	if err != nil {
		return nil, false, err
	}
	var out []uuid.UUID
	for _, inc := range m {
		if !slices.Contains(out, inc) {
			out = append(out, inc)
		}
	}
	return out, truncated, nil
}
