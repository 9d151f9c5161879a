package crosstenant

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/audit"
)

// The audit log has no object routes; its entries are markers: an entry
// whose target id only its own org may ever see in a list or an export.
func init() {
	defaults.Fixtures["marker:audit-entry"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			marker := "xt-audit-" + uuid.Must(uuid.NewV7()).String()
			if err := audit.Log(context.Background(), e.DB, audit.Entry{
				OrgID: org.ID, Actor: "system:crosstenant", Action: "crosstenant.marker", TargetType: "marker", TargetID: marker,
			}); err != nil {
				t.Fatalf("audit marker: %v", err)
			}
			return marker
		},
	}
	defaults.AppendOnlyLists["/api/v1/audit"] = true
	defaults.AppendOnlyLists["/api/v1/audit/export"] = true
}
