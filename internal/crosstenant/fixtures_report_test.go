package crosstenant

import (
	"testing"
)

// Post-incident reviews and incident reports hang off the incident
// fixture.
func init() {
	defaults.Bodies["put-incident-review"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"root_cause":"xt root cause","impact":"xt impact","lessons_learned":"xt lessons"}`
	}
	defaults.NoControl["put-incident-review"] = "a review is written only for a resolved or closed incident (409 incident_not_resolved on the fresh fixture incident); internal/report's tests cover the owner's save"
}
