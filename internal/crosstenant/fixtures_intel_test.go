package crosstenant

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"
)

// Threat intel: indicators, feeds, matches (made end to end: an indicator,
// then an alert carrying its value, matched at ingest) and retro-hunts.
func init() {
	defaults.Fixtures["/api/v1/intel/indicators/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			id, _ := intelIndicator(t, e, org)
			return id
		},
	}
	defaults.Fixtures["/api/v1/intel/feeds/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			post(t, e, org, "/api/v1/intel/feeds", `{"name":"xt-feed-`+uuid.Must(uuid.NewV7()).String()+`","kind":"stix"}`, &out)
			return out.ID
		},
	}
	defaults.Fixtures["/api/v1/intel/matches/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			id, ip := intelIndicator(t, e, org)
			var ingested struct {
				Results []struct {
					ID string `json:"id"`
				} `json:"results"`
			}
			post(t, e, org, "/api/v1/alerts", `{"title":"xt intel `+id+`","severity":"low","src_ip":"`+ip+`"}`, &ingested)
			var out struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			send(t, e, org, http.MethodGet, "/api/v1/intel/matches?indicator_id="+id, "", &out)
			if len(out.Items) != 1 {
				t.Fatalf("intel match fixture: %d matches for indicator %s", len(out.Items), id)
			}
			return out.Items[0].ID
		},
	}
	defaults.Fixtures["/api/v1/intel/hunts/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			_, hunt := intelImport(t, e, org)
			return hunt
		},
	}
	defaults.Bodies["set-intel-feed-subscription"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"subscribed":true}`
	}
	defaults.NoControl["set-intel-feed-subscription"] = "only platform feeds can be subscribed to; an org's own feed (the fixture) answers 422"
	defaults.Fixtures["/api/v1/intel/allowlist/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			post(t, e, org, "/api/v1/intel/allowlist", `{"type":"domain","value":"xt-`+uuid.Must(uuid.NewV7()).String()+`.example.net","subdomains":true}`, &out)
			return out.ID
		},
	}
	defaults.Fixtures["/api/v1/intel/alerts/{alertId}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string { return newAlert(t, e, org) },
	}
	defaults.Bodies["update-intel-feed"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"confidence":70,"interval_minutes":30}`
	}
	defaults.NoControl["refresh-intel-feed"] = "the fixture feed has no URL (a pull needs a reachable server); the owner gets 422, another org 404"
	defaults.Bodies["set-intel-match-verdict"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"false_positive":true}`
	}
	defaults.Probes["list-intel-matches"] = Probe{
		Fixture: "/api/v1/intel/indicators/{id}",
		Request: func(id string) (string, string) { return "indicator_id=" + id, "" },
	}
	defaults.Probes["list-intel-indicators"] = Probe{
		Fixture: "/api/v1/intel/feeds/{id}",
		Request: func(id string) (string, string) { return "feed_id=" + id, "" },
	}
	defaults.Probes["create-intel-indicators"] = Probe{
		Fixture: "/api/v1/intel/feeds/{id}",
		Request: func(id string) (string, string) {
			return "", `{"feed_id":"` + id + `","indicators":[{"type":"domain","value":"xt-probe.example.net"}]}`
		},
	}
	// The TAXII server: the org's one collection (its id derives from the
	// org), reached by the collection, objects and list routes.
	defaults.Fixtures["/api/v1/intel/taxii2/root/collections/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			intelIndicator(t, e, org) // something for the objects route to serve
			var out struct {
				Collections []struct {
					ID string `json:"id"`
				} `json:"collections"`
			}
			send(t, e, org, http.MethodGet, "/api/v1/intel/taxii2/root/collections/", "", &out)
			if len(out.Collections) != 1 {
				t.Fatalf("taxii collection fixture: %d collections", len(out.Collections))
			}
			return out.Collections[0].ID
		},
	}
	defaults.Probes["import-intel"] = Probe{
		Fixture: "/api/v1/intel/feeds/{id}",
		Request: func(id string) (string, string) {
			return "format=stix&feed_id=" + id, `{"type":"bundle","id":"bundle--1","objects":[{"type":"domain-name","id":"domain-name--1","value":"xt-probe.example.org"}]}`
		},
	}
}

// intelIndicator creates an IPv4 indicator with a random private address
// (distinct per fixture) and returns its id and the address.
func intelIndicator(t testing.TB, e *Env, org *Org) (id, ip string) {
	t.Helper()
	var b [3]byte
	_, _ = rand.Read(b[:])
	ip = fmt.Sprintf("10.%d.%d.%d", b[0], b[1], b[2]|1)
	var out struct {
		Created int `json:"created"`
	}
	post(t, e, org, "/api/v1/intel/indicators", `{"indicators":[{"type":"ipv4","value":"`+ip+`","confidence":80}]}`, &out)
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	send(t, e, org, http.MethodGet, "/api/v1/intel/indicators?type=ipv4&value="+ip, "", &list)
	if out.Created != 1 || len(list.Items) != 1 {
		t.Fatalf("intel indicator fixture: created %d, listed %d", out.Created, len(list.Items))
	}
	return list.Items[0].ID, ip
}

// intelImport creates an indicator and returns its id and its retro-hunt.
func intelImport(t testing.TB, e *Env, org *Org) (id, hunt string) {
	t.Helper()
	var out struct {
		HuntID string `json:"hunt_id"`
	}
	post(t, e, org, "/api/v1/intel/indicators", `{"indicators":[{"type":"domain","value":"xt-`+uuid.Must(uuid.NewV7()).String()+`.example.net"}]}`, &out)
	if out.HuntID == "" {
		t.Fatal("intel hunt fixture: no hunt queued")
	}
	return "", out.HuntID
}
