package incident

import (
	"context"

	"github.com/securenexus/securenexus/internal/platform"
)

// Deps are the other domains the incident module reads through small
// facades (wired in internal/app).
type Deps struct {
	Members Members
	Alerts  AlertReader
}

// New builds the module's store.
func New(p *platform.Platform, d Deps) *Store {
	return &Store{DB: p.DB, Members: d.Members, Alerts: d.Alerts}
}

// Register adds the incident API and returns the store (the facade the
// correlation engine writes through).
func Register(_ context.Context, p *platform.Platform, d Deps) (*Store, error) {
	s := New(p, d)
	(&API{Store: s}).Register(p.Server.API)
	return s, nil
}
