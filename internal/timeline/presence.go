package timeline

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// DefaultPresenceTTL is how long a viewer counts after its last heartbeat:
// three missed 15-second heartbeats.
const DefaultPresenceTTL = 45 * time.Second

// HeartbeatInterval is the interval clients are told to heartbeat at.
const HeartbeatInterval = 15 * time.Second

// Names resolves an actor ("user:<id>", "apikey:<id>") to a display name
// in the scope's org (identity's directory, wired in internal/app).
type Names interface {
	DisplayName(ctx context.Context, scope tenant.Scope, actor string) (string, error)
}

// Viewer is someone viewing an incident now.
type Viewer struct {
	Viewer   string    `json:"viewer" doc:"user:<id> or apikey:<id>"`
	Name     string    `json:"name"`
	Since    time.Time `json:"since" doc:"When this viewing began"`
	LastSeen time.Time `json:"last_seen"`
}

// PresenceV1 is the payload of the presence events.
type PresenceV1 struct {
	IncidentID uuid.UUID `json:"incident_id"`
	Viewer     string    `json:"viewer"`
	Name       string    `json:"name"`
	Since      time.Time `json:"since"`
	// Expired is set on a leave found by expiry (no heartbeat for the TTL)
	// rather than announced.
	Expired bool `json:"expired,omitempty"`
}

// The presence event kinds (subject: the incident).
var (
	EventViewerJoined = events.Register[PresenceV1]("presence.joined.v1", "Someone began viewing an incident (first heartbeat).", rbac.IncidentsRead)
	EventViewerLeft   = events.Register[PresenceV1]("presence.left.v1", "Someone stopped viewing an incident (left, or no heartbeat within the expiry: expired).", rbac.IncidentsRead)
)

// Presence is the answer to a heartbeat or a list: who views the incident.
type Presence struct {
	Viewers []Viewer `json:"viewers"`
	// HeartbeatSeconds is how often to heartbeat; ExpirySeconds after how
	// long without one a viewer is gone.
	HeartbeatSeconds int `json:"heartbeat_seconds"`
	ExpirySeconds    int `json:"expiry_seconds"`
}

func (s *Store) ttl() time.Duration {
	if s.PresenceTTL > 0 {
		return s.PresenceTTL
	}
	return DefaultPresenceTTL
}

// sweep removes the incident's expired viewers, each with a leave event
// (DELETE … RETURNING: on several replicas one of them emits it).
func (s *Store) sweep(ctx context.Context, tx *db.Tx, scope tenant.Scope, incident uuid.UUID, now time.Time) error {
	rs, err := tx.QueryContext(ctx, `DELETE FROM incident_presence WHERE org_id = $1 AND incident_id = $2 AND last_seen < $3 RETURNING viewer, name, since`,
		scope.Org().String(), incident.String(), now.Add(-s.ttl()))
	if err != nil {
		return fmt.Errorf("timeline: sweep presence: %w", err)
	}
	var gone []PresenceV1
	for rs.Next() {
		p := PresenceV1{IncidentID: incident, Expired: true}
		if err := rs.Scan(&p.Viewer, &p.Name, &p.Since); err != nil {
			_ = rs.Close()
			return fmt.Errorf("timeline: scan presence: %w", err)
		}
		p.Since = p.Since.UTC()
		gone = append(gone, p)
	}
	if err := rs.Close(); err != nil {
		return fmt.Errorf("timeline: sweep presence: %w", err)
	}
	for _, p := range gone {
		if _, err := events.Append(ctx, tx, scope, EventViewerLeft, events.Subject("incident", incident), p); err != nil {
			return fmt.Errorf("timeline: emit: %w", err)
		}
	}
	return nil
}

func (s *Store) viewers(ctx context.Context, tx *db.Tx, scope tenant.Scope, incident uuid.UUID, now time.Time) (*Presence, error) {
	rs, err := tx.QueryContext(ctx, `SELECT viewer, name, since, last_seen FROM incident_presence WHERE org_id = $1 AND incident_id = $2 AND last_seen >= $3
ORDER BY since, viewer`, scope.Org().String(), incident.String(), now.Add(-s.ttl()))
	if err != nil {
		return nil, fmt.Errorf("timeline: presence: %w", err)
	}
	defer func() { _ = rs.Close() }()
	p := &Presence{Viewers: []Viewer{}, HeartbeatSeconds: int(HeartbeatInterval / time.Second), ExpirySeconds: int(s.ttl() / time.Second)}
	for rs.Next() {
		var v Viewer
		if err := rs.Scan(&v.Viewer, &v.Name, &v.Since, &v.LastSeen); err != nil {
			return nil, fmt.Errorf("timeline: scan presence: %w", err)
		}
		v.Since, v.LastSeen = v.Since.UTC(), v.LastSeen.UTC()
		p.Viewers = append(p.Viewers, v)
	}
	return p, rs.Err()
}

// Heartbeat records that the caller views the incident now and returns
// every current viewer. The first heartbeat of a viewing (no row, or an
// expired one) emits presence.joined.v1 and is audited; later ones only
// refresh last_seen. Expired viewers of the incident are swept, each with
// presence.left.v1.
func (s *Store) Heartbeat(ctx context.Context, scope tenant.Scope, incident uuid.UUID) (*Presence, error) {
	name := scope.Actor()
	if s.Names != nil {
		if n, err := s.Names.DisplayName(ctx, scope, scope.Actor()); err == nil && n != "" {
			name = n
		}
	}
	var out *Presence
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if err := exists(ctx, tx, scope, incident); err != nil {
			return err
		}
		now := s.now()
		if err := s.sweep(ctx, tx, scope, incident, now); err != nil {
			return err
		}
		org, inc := scope.Org().String(), incident.String()
		res, err := tx.ExecContext(ctx, `UPDATE incident_presence SET last_seen = $4, name = $5 WHERE org_id = $1 AND incident_id = $2 AND viewer = $3`,
			org, inc, scope.Actor(), now, name)
		if err != nil {
			return fmt.Errorf("timeline: heartbeat: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO incident_presence (org_id, incident_id, viewer, name, since, last_seen) VALUES ($1, $2, $3, $4, $5, $5)
ON CONFLICT DO NOTHING`, org, inc, scope.Actor(), name, now)
			if err != nil {
				return fmt.Errorf("timeline: join: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				p := PresenceV1{IncidentID: incident, Viewer: scope.Actor(), Name: name, Since: now}
				if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "incident.view",
					TargetType: "incident", TargetID: inc}); err != nil {
					return err
				}
				if _, err := events.Append(ctx, tx, scope, EventViewerJoined, events.Subject("incident", incident), p); err != nil {
					return fmt.Errorf("timeline: emit: %w", err)
				}
			}
		}
		out, err = s.viewers(ctx, tx, scope, incident, now)
		return err
	})
	return out, err
}

// Leave records that the caller stopped viewing the incident (a no-op when
// it was not viewing).
func (s *Store) Leave(ctx context.Context, scope tenant.Scope, incident uuid.UUID) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if err := exists(ctx, tx, scope, incident); err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, `DELETE FROM incident_presence WHERE org_id = $1 AND incident_id = $2 AND viewer = $3 RETURNING name, since`,
			scope.Org().String(), incident.String(), scope.Actor())
		if err != nil {
			return fmt.Errorf("timeline: leave: %w", err)
		}
		var left []PresenceV1
		for rs.Next() {
			p := PresenceV1{IncidentID: incident, Viewer: scope.Actor()}
			if err := rs.Scan(&p.Name, &p.Since); err != nil {
				_ = rs.Close()
				return fmt.Errorf("timeline: scan presence: %w", err)
			}
			p.Since = p.Since.UTC()
			left = append(left, p)
		}
		if err := rs.Close(); err != nil {
			return fmt.Errorf("timeline: leave: %w", err)
		}
		for _, p := range left {
			if _, err := events.Append(ctx, tx, scope, EventViewerLeft, events.Subject("incident", incident), p); err != nil {
				return fmt.Errorf("timeline: emit: %w", err)
			}
		}
		return nil
	})
}

// Viewers lists who views the incident now (sweeping the expired, each
// with presence.left.v1).
func (s *Store) Viewers(ctx context.Context, scope tenant.Scope, incident uuid.UUID) (*Presence, error) {
	var out *Presence
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if err := exists(ctx, tx, scope, incident); err != nil {
			return err
		}
		now := s.now()
		if err := s.sweep(ctx, tx, scope, incident, now); err != nil {
			return err
		}
		var err error
		out, err = s.viewers(ctx, tx, scope, incident, now)
		return err
	})
	return out, err
}
