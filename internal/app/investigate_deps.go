package app

import (
	"context"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/intel"
	"github.com/securenexus/securenexus/internal/investigate"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// intelLookup is the entity pages' view of threat intel: the indicators an
// entity matches now in the org's in-memory index (loaded on first use).
type intelLookup struct{ m *intel.Matcher }

func (l intelLookup) Lookup(ctx context.Context, scope tenant.Scope, e alert.Entity) ([]investigate.EntityIntelMatch, error) {
	if l.m == nil {
		return nil, nil
	}
	if err := l.m.Prepare(ctx, scope); err != nil {
		return nil, err
	}
	hits := l.m.Match(scope.Org(), &alert.Alert{Entities: []alert.Entity{e}}, nil)
	out := make([]investigate.EntityIntelMatch, 0, len(hits))
	for _, h := range hits {
		out = append(out, investigate.EntityIntelMatch{IndicatorID: h.IndicatorID, FeedID: h.FeedID, Type: string(h.Type), Confidence: h.Confidence})
	}
	return out, nil
}

// callerPermissions returns the permissions of the request's principal in
// its selected org.
func callerPermissions(ctx context.Context) (rbac.Set, bool) {
	p, ok := identity.PrincipalFrom(ctx)
	if !ok {
		return nil, false
	}
	return p.Permissions, true
}
