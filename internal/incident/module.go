package incident

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/platform"
)

// Deps are the other domains the incident module reads through small
// facades (wired in internal/app).
type Deps struct {
	Members Members
	Alerts  AlertReader
	// Roles lists role members for SLA escalation (optional).
	Roles RoleMembers
	// AlertStats counts alert closure verdicts for the metrics (optional).
	AlertStats AlertStats
}

// New builds the module's store.
func New(p *platform.Platform, d Deps) *Store {
	return &Store{DB: p.DB, Members: d.Members, Alerts: d.Alerts, Roles: d.Roles, AlertStats: d.AlertStats}
}

// Register adds the incident API and the periodic SLA breach scan, and
// returns the store (the facade the correlation engine writes through).
func Register(_ context.Context, p *platform.Platform, d Deps) (*Store, error) {
	s := New(p, d)
	(&API{Store: s}).Register(p.Server.API)
	if p.Workers != nil {
		river.AddWorker(p.Workers, &SLAScanner{Store: s, Logger: p.Logger})
		p.AddPeriodic(SLAScanPeriodic(p.Config.SLAScanInterval))
	}
	return s, nil
}
