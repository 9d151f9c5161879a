package timeline

import (
	"context"

	"github.com/securenexus/securenexus/internal/platform"
)

// Deps are what the timeline reads from other domains through facades (the
// timeline's rows themselves come from its read model, docs/decisions/0006).
type Deps struct {
	// Names resolves viewers' display names (optional: the actor string).
	Names Names
}

// Register builds the store and adds the timeline, entry, annotation and
// presence operations.
func Register(_ context.Context, p *platform.Platform, d Deps) (*Store, error) {
	s := &Store{DB: p.DB, Names: d.Names, Logger: p.Logger}
	(&API{Store: s, Logger: p.Logger}).Register(p.Server.API)
	return s, nil
}
