package crosstenant

import (
	"testing"
)

// Evidence artifacts, uploaded through the API as the org's owner (the raw
// body is the file).
func init() {
	defaults.Fixtures["/api/v1/evidence/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, ids map[string]string) string {
			inc := ids["/api/v1/incidents/{id}"]
			if inc == "" {
				inc = newIncident(t, e, org)
			}
			var out struct {
				ID string `json:"id"`
			}
			post(t, e, org, "/api/v1/incidents/"+inc+"/evidence?name=xt.txt", "cross-tenant evidence of "+org.Name, &out)
			return out.ID
		},
	}
	defaults.Bodies["upload-evidence"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return "another file"
	}
}
