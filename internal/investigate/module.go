package investigate

import (
	"errors"

	"github.com/securenexus/securenexus/internal/platform"
)

// Deps are the other domains the entity pages read through facades
// (wired in internal/app).
type Deps struct {
	Alerts    Alerts
	Incidents Incidents
	// Intel is optional (summaries then report intel unavailable).
	Intel Intel
	// Caller tells which permissions the request's caller holds (incident
	// nodes and counts only for incidents:read).
	Caller Caller
}

// Register builds the store and adds the entity page and graph
// operations.
func Register(p *platform.Platform, d Deps) (*Store, error) {
	if d.Alerts == nil || d.Incidents == nil {
		return nil, errors.New("investigate: alerts and incidents facades are required")
	}
	s := &Store{DB: p.DB, Alerts: d.Alerts, Incidents: d.Incidents, Intel: d.Intel, Caller: d.Caller}
	(&API{Store: s}).Register(p.Server.API)
	return s, nil
}
