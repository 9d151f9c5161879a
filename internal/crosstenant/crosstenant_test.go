package crosstenant

import (
	"testing"

	"github.com/securenexus/securenexus/internal/testdb"
)

// TestCrossTenantIsolation walks every x-org-scoped operation of the whole
// application on both backends.
func TestCrossTenantIsolation(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			e := boot(t, dialect)
			for _, v := range run(t, e, defaults.Clone()) {
				t.Error(v)
			}
		})
	}
}
