package crosstenant

import (
	"testing"

	"github.com/google/uuid"
)

// Correlation rules an org adds (keyed by their rule key). The alert
// groupings route reuses the alert fixture ("/api/v1/alerts/{id}").
func init() {
	defaults.Fixtures["/api/v1/correlation/rules/{key}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			key := "xt-" + uuid.Must(uuid.NewV7()).String()
			var out map[string]any
			post(t, e, org, "/api/v1/correlation/rules", ruleBody(key), &out)
			return key
		},
		Missing: func() string { return "xt-missing-" + uuid.Must(uuid.NewV7()).String() },
	}
	defaults.Bodies["replace-correlation-rule"] = func(_ testing.TB, _ *Env, _ *Org, ids map[string]string) string {
		return ruleBody(ids["/api/v1/correlation/rules/{key}"])
	}
}

func ruleBody(key string) string {
	return `{"key":"` + key + `","name":"XT rule","enabled":true,"kind":"shared_entities","condition":"alert.severity_id >= 3",` +
		`"group_by":["user"],"window_seconds":3600,"min_count":2,"outcome":"open_incident","version":0,"shipped":false}`
}
