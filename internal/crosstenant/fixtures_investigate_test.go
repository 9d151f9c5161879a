package crosstenant

import (
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/google/uuid"
)

// entityValues maps an entity fixture's id to its host name, for the
// lookup probe (which names the entity by value).
var entityValues sync.Map

// Entities (a host name only the org's alert mentions, found through the
// lookup) and their analyst notes.
func init() {
	defaults.Fixtures["/api/v1/entities/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			host := "xt-" + uuid.Must(uuid.NewV7()).String()
			u := uuid.Must(uuid.NewV7()).String()
			var in struct {
				Results []struct {
					ID string `json:"id"`
				} `json:"results"`
			}
			post(t, e, org, "/api/v1/alerts", `{"title":"xt entity alert `+u+`","severity":"high","rule":"xt-`+u+`","host":"`+host+`","time":"2026-11-27T09:00:00Z"}`, &in)
			var out struct {
				ID string `json:"id"`
			}
			send(t, e, org, http.MethodGet, "/api/v1/entities/lookup?type=hostname&value="+url.QueryEscape(host), "", &out)
			entityValues.Store(out.ID, host)
			return out.ID
		},
		// No list names entities by id (an alert lists type and value).
		Unlisted: true,
	}
	defaults.Fixtures["/api/v1/entities/{id}/notes/{noteId}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, ids map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			post(t, e, org, "/api/v1/entities/"+ids["/api/v1/entities/{id}"]+"/notes", `{"body":"xt note of `+org.Name+`"}`, &out)
			return out.ID
		},
	}
	defaults.Bodies["update-entity-tags"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"add":["crosstenant"]}`
	}
	defaults.Bodies["create-entity-note"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"body":"another xt note"}`
	}
	defaults.Bodies["update-entity-note"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"body":"xt note, edited"}`
	}
	// Every org's fixture alerts name the host xt-host (alertPayload).
	defaults.ListQueries["lookup-entity"] = "type=hostname&value=xt-host"
	defaults.Probes["lookup-entity"] = Probe{
		Fixture: "/api/v1/entities/{id}",
		Request: func(id string) (string, string) {
			host := "xt-missing-" + id
			if v, ok := entityValues.Load(id); ok {
				host = v.(string)
			}
			return "type=hostname&value=" + url.QueryEscape(host), ""
		},
	}
}
