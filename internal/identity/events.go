package identity

import (
	"slices"

	"context"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/tenant"
)

// emit appends a domain event (docs/events.md) in the change's transaction.
func emit[P any](ctx context.Context, tx *db.Tx, scope tenant.Scope, def events.Def[P], subject string, payload P) error {
	_, err := events.Append(ctx, tx, scope, def, subject, payload)
	return err
}

// orgChanges names what UpdateOrg changed between before and after.
func orgChanges(before, after Org) []string {
	out := []string{}
	if before.Name != after.Name {
		out = append(out, "name")
	}
	b, a := before.Policy, after.Policy
	if b.MFARequired != a.MFARequired || b.SSOEnforced != a.SSOEnforced || b.SessionLifetime != a.SessionLifetime ||
		!slices.Equal(b.IPAllowlist, a.IPAllowlist) {
		out = append(out, "policy")
	}
	return out
}
