package crosstenant

import (
	"testing"

	"github.com/google/uuid"
)

// Alerts (ingested through the API), alert sources and saved alert
// filters.
func init() {
	defaults.Fixtures["/api/v1/alerts/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			var out struct {
				Results []struct {
					ID string `json:"id"`
				} `json:"results"`
			}
			post(t, e, org, "/api/v1/alerts", alertPayload(), &out)
			if len(out.Results) != 1 || out.Results[0].ID == "" {
				t.Fatalf("ingest: no alert id in %+v", out)
			}
			return out.Results[0].ID
		},
	}
	// A webhook source, so that rotate-secret has a secret to rotate (the
	// API intake accepts any source id of the org).
	defaults.Fixtures["/api/v1/alert-sources/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			post(t, e, org, "/api/v1/alert-sources", `{"name":"xt-source-`+uuid.Must(uuid.NewV7()).String()+`","kind":"webhook"}`, &out)
			return out.ID
		},
	}
	defaults.Fixtures["/api/v1/alert-filters/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			post(t, e, org, "/api/v1/alert-filters", `{"name":"xt-filter-`+uuid.Must(uuid.NewV7()).String()+`","query":{}}`, &out)
			return out.ID
		},
	}
	defaults.Bodies["update-alert"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"status":"triaged","add_tags":["crosstenant"]}`
	}
	defaults.Bodies["update-alert-source"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"name":"xt-renamed-source","kind":"api"}`
	}
	defaults.Bodies["rotate-alert-source-secret"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"grace_period_seconds":60}`
	}
	defaults.Bodies["update-alert-filter"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"name":"xt-renamed-filter","query":{}}`
	}
	defaults.Probes["bulk-update-alerts"] = Probe{
		Fixture: "/api/v1/alerts/{id}",
		Request: func(id string) (string, string) {
			return "", `{"ids":["` + id + `"],"change":{"status":"resolved","reason":"crosstenant probe"}}`
		},
	}
	defaults.Probes["restore-alerts"] = Probe{
		Fixture: "/api/v1/alerts/{id}",
		Request: func(id string) (string, string) {
			return "", `{"items":[{"id":"` + id + `","assignee":"","tags":["crosstenant"]}]}`
		},
	}
	defaults.Probes["ingest-alert"] = Probe{
		Fixture: "/api/v1/alert-sources/{id}",
		Request: func(id string) (string, string) { return "source_id=" + id, alertPayload() },
	}
	defaults.Probes["ingest-alert-batch"] = Probe{
		Fixture: "/api/v1/alert-sources/{id}",
		Request: func(id string) (string, string) { return "source_id=" + id, "[" + alertPayload() + "]" },
	}
}

// alertPayload is a generic alert unique enough never to deduplicate.
func alertPayload() string {
	u := uuid.Must(uuid.NewV7()).String()
	return `{"title":"xt alert ` + u + `","severity":"high","rule":"xt-` + u + `","host":"xt-host","time":"2026-11-27T09:00:00Z"}`
}
