package crosstenant

import (
	"net/http"
	"testing"
)

// Timeline entries and annotations (internal/timeline), made through the
// API as the org's owner on the org's fixture incident.
func init() {
	defaults.Fixtures["/api/v1/incidents/{id}/timeline/entries/{entryId}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, ids map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			post(t, e, org, "/api/v1/incidents/"+ids["/api/v1/incidents/{id}"]+"/timeline/entries",
				`{"at":"2026-12-01T10:00:00Z","category":"observation","title":"xt entry of `+org.Name+`"}`, &out)
			return out.ID
		},
	}
	defaults.Fixtures["/api/v1/incidents/{id}/timeline/annotations/{annotationId}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, ids map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			post(t, e, org, "/api/v1/incidents/"+ids["/api/v1/incidents/{id}"]+"/timeline/annotations",
				annotationBody(t, e, org, ids), &out)
			return out.ID
		},
	}
	entry := func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"at":"2026-12-01T11:00:00Z","category":"action","title":"xt entry"}`
	}
	defaults.Bodies["create-timeline-entry"] = entry
	defaults.Bodies["update-timeline-entry"] = entry
	defaults.Bodies["create-timeline-annotation"] = annotationBody
	defaults.Bodies["update-timeline-annotation"] = func(testing.TB, *Env, *Org, map[string]string) string { return `{"body":"xt edited"}` }
}

// annotationBody annotates the first log item of org's fixture incident.
func annotationBody(t testing.TB, e *Env, org *Org, ids map[string]string) string {
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	send(t, e, org, http.MethodGet, "/api/v1/incidents/"+ids["/api/v1/incidents/{id}"]+"/timeline/items?type=log&limit=1", "", &page)
	if len(page.Items) == 0 {
		t.Fatal("fixture incident has no log item")
	}
	return `{"item_id":"` + page.Items[0].ID + `","body":"xt annotation"}`
}
