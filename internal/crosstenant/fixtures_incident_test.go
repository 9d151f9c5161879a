package crosstenant

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
)

// Incidents and what hangs off them (linked alerts, tasks, notes), custom
// field definitions, templates and the notification inbox, all made
// through the API as the org's owner.
func init() {
	defaults.Fixtures["/api/v1/incidents/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string { return newIncident(t, e, org) },
	}
	defaults.Fixtures["/api/v1/incidents/{id}/alerts/{alertId}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, ids map[string]string) string {
			id := newAlert(t, e, org)
			var out map[string]any
			post(t, e, org, "/api/v1/incidents/"+ids["/api/v1/incidents/{id}"]+"/alerts", `{"alert_ids":["`+id+`"]}`, &out)
			return id
		},
	}
	defaults.Fixtures["/api/v1/incidents/{id}/tasks/{taskId}"] = Fixture{
		Unlisted: true, // only the incident's own task list shows it
		Create: func(t testing.TB, e *Env, org *Org, ids map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			post(t, e, org, "/api/v1/incidents/"+ids["/api/v1/incidents/{id}"]+"/tasks", `{"title":"xt task"}`, &out)
			return out.ID
		},
	}
	defaults.Fixtures["/api/v1/incidents/{id}/notes/{noteId}"] = Fixture{
		Unlisted: true, // only the incident's own note list shows it
		Create: func(t testing.TB, e *Env, org *Org, ids map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			post(t, e, org, "/api/v1/incidents/"+ids["/api/v1/incidents/{id}"]+"/notes", `{"body":"xt note"}`, &out)
			return out.ID
		},
	}
	defaults.Fixtures["/api/v1/incident-fields/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			key := "xt_" + uuid.Must(uuid.NewV7()).String()[24:]
			post(t, e, org, "/api/v1/incident-fields", `{"key":"`+key+`","label":"XT","kind":"select","options":["a","b"]}`, &out)
			return out.ID
		},
	}
	defaults.Fixtures["/api/v1/incident-templates/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			post(t, e, org, "/api/v1/incident-templates", `{"type":"xt-`+uuid.Must(uuid.NewV7()).String()+`","name":"XT","severity":"low","tasks":[{"title":"look"}]}`, &out)
			return out.ID
		},
	}
	// A mention of the owner in a note puts a notification in the owner's
	// inbox.
	defaults.Fixtures["/api/v1/notifications/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			inc := newIncident(t, e, org)
			var note map[string]any
			post(t, e, org, "/api/v1/incidents/"+inc+"/notes", `{"body":"look <@`+org.Owner.UserID.String()+`>"}`, &note)
			var out struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			send(t, e, org, http.MethodGet, "/api/v1/notifications?limit=1", "", &out)
			if len(out.Items) != 1 {
				t.Fatalf("no notification after a mention: %+v", out)
			}
			return out.Items[0].ID
		},
	}
	defaults.Bodies["update-incident"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"status":"acknowledged","add_tags":["crosstenant"]}`
	}
	defaults.Bodies["link-incident-alerts"] = func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
		return `{"alert_ids":["` + newAlert(t, e, org) + `"]}`
	}
	defaults.Bodies["merge-incidents"] = func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
		return `{"incident_ids":["` + newIncident(t, e, org) + `"]}`
	}
	// Split the first alert off the target incident (read, so the
	// target's objects do not change while org A is refused).
	defaults.Bodies["split-incident"] = func(t testing.TB, e *Env, org *Org, ids map[string]string) string {
		var out struct {
			Items []struct {
				AlertID string `json:"alert_id"`
			} `json:"items"`
		}
		send(t, e, org, http.MethodGet, "/api/v1/incidents/"+ids["/api/v1/incidents/{id}"]+"/alerts?limit=1", "", &out)
		if len(out.Items) == 0 {
			t.Fatal("fixture incident has no alert to split off")
		}
		return `{"alert_ids":["` + out.Items[0].AlertID + `"],"title":"xt split"}`
	}
	defaults.Bodies["create-incident-task"] = func(testing.TB, *Env, *Org, map[string]string) string { return `{"title":"xt task 2"}` }
	defaults.Bodies["update-incident-task"] = func(testing.TB, *Env, *Org, map[string]string) string { return `{"status":"done"}` }
	defaults.Bodies["create-incident-note"] = func(testing.TB, *Env, *Org, map[string]string) string { return `{"body":"xt note 2"}` }
	defaults.Bodies["update-incident-note"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"body":"xt edited ` + uuid.Must(uuid.NewV7()).String() + `"}`
	}
	defaults.Bodies["update-incident-field"] = func(testing.TB, *Env, *Org, map[string]string) string { return `{"label":"XT renamed"}` }
	defaults.Bodies["update-incident-template"] = func(testing.TB, *Env, *Org, map[string]string) string { return `{"name":"XT renamed"}` }
	defaults.Probes["escalate-alerts"] = Probe{
		Fixture: "/api/v1/alerts/{id}",
		Request: func(id string) (string, string) { return "", `{"alert_ids":["` + id + `"]}` },
	}
	defaults.Probes["bulk-update-incidents"] = Probe{
		Fixture: "/api/v1/incidents/{id}",
		Request: func(id string) (string, string) { return "", `{"ids":["` + id + `"],"change":{"priority":"p1"}}` },
	}
}

// newAlert ingests a fresh alert as org's owner and returns its id.
func newAlert(t testing.TB, e *Env, org *Org) string {
	t.Helper()
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
}

// newIncident escalates a fresh alert into a new incident.
func newIncident(t testing.TB, e *Env, org *Org) string {
	t.Helper()
	var out struct {
		Incident struct {
			ID string `json:"id"`
		} `json:"incident"`
	}
	post(t, e, org, "/api/v1/incidents/escalate", `{"alert_ids":["`+newAlert(t, e, org)+`"]}`, &out)
	if out.Incident.ID == "" {
		t.Fatal("escalate: no incident id")
	}
	return out.Incident.ID
}

// SLA policies, the org's business hours, pausing an incident's SLA and the
// metrics (made through the API as the org's owner).
func init() {
	defaults.Fixtures["/api/v1/incident-sla-policies/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			post(t, e, org, "/api/v1/incident-sla-policies", `{"name":"XT","type":"xt-`+uuid.Must(uuid.NewV7()).String()+`","ack_minutes":5,"resolve_minutes":60}`, &out)
			return out.ID
		},
	}
	defaults.Bodies["update-incident-sla-policy"] = func(testing.TB, *Env, *Org, map[string]string) string { return `{"name":"XT renamed"}` }
	defaults.Bodies["pause-incident-sla"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"reason":"xt waiting"}`
	}
	defaults.NoControl["resume-incident-sla"] = "a fresh incident's SLA is running, not paused: resume answers 409 sla_not_paused to its own org"
}
