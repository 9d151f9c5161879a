package correlate

import (
	"context"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/tenant"
)

// loadIgnored returns the org's over-common entities ("type:value")
// ignored for grouping.
func loadIgnored(_ context.Context, _ *db.Tx, _ tenant.Scope) (map[string]bool, error) {
	return nil, nil
}

// annotateIgnored notes in why the over-common entities of the group's
// alerts that grouping ignored.
func annotateIgnored(_ *incident.Explanation, _ []groupAlert, _ *CorrelationRule, _ map[string]bool) {
}
