package crosstenant

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/tenant"
)

// Correlation rules an org adds (keyed by their rule key), incident
// candidates (a propose rule grouping two fresh alerts), suppressions and
// rule suggestions. The alert groupings route reuses the alert fixture
// ("/api/v1/alerts/{id}").
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
	defaults.Fixtures["/api/v1/correlation/candidates/{id}"] = Fixture{Create: newCandidate}
	defaults.Bodies["accept-correlation-candidate"] = func(testing.TB, *Env, *Org, map[string]string) string { return `{"title":"xt accepted"}` }
	defaults.Bodies["reject-correlation-candidate"] = func(testing.TB, *Env, *Org, map[string]string) string { return `{"reason":"xt rejected"}` }
	defaults.Fixtures["/api/v1/correlation/suppressions/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			post(t, e, org, "/api/v1/correlation/suppressions", suppressionBody(), &out)
			return out.ID
		},
	}
	defaults.Bodies["replace-suppression"] = func(testing.TB, *Env, *Org, map[string]string) string { return suppressionBody() }
	defaults.Fixtures["/api/v1/correlation/suggestions/{id}"] = Fixture{Create: newSuggestion}
	defaults.Bodies["mine-correlation-suggestions"] = func(testing.TB, *Env, *Org, map[string]string) string { return `{"days":30}` }
	defaults.Bodies["accept-correlation-suggestion"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"key":"xt-sugg-` + uuid.Must(uuid.NewV7()).String() + `","enabled":false}`
	}
	defaults.Bodies["dismiss-correlation-suggestion"] = func(testing.TB, *Env, *Org, map[string]string) string { return `{"reason":"xt dismissed"}` }
}

// suggestionTypes are generic-alert fields of entity types no shipped rule
// groups two alerts by on their own; each new suggestion fixture takes the
// next (per org), so it is a fresh pending suggestion.
var (
	suggestionTypes = []struct{ field, typ string }{{"domain", "domain"}, {"url", "url"}, {"process", "process"}, {"file", "file"},
		{"md5", "md5"}, {"sha1", "sha1"}, {"sha256", "sha256"}}
	suggestionMu   sync.Mutex
	suggestionNext = map[uuid.UUID]int{} // per org
)

// newSuggestion escalates by hand three pairs of fresh alerts sharing a
// value of the next entity type, mines, and returns that type's pending
// suggestion.
func newSuggestion(t testing.TB, e *Env, org *Org, _ map[string]string) string {
	suggestionMu.Lock()
	n := suggestionNext[org.ID]
	suggestionNext[org.ID]++
	suggestionMu.Unlock()
	if n >= len(suggestionTypes) {
		t.Fatalf("suggestion fixture: more than %d asked for", len(suggestionTypes))
	}
	st := suggestionTypes[n]
	full := uuid.Must(uuid.NewV7()).String()
	u := full[len(full)-12:] // short: a 32-hex token in a title would read as an md5
	value := func(i int) string {
		switch st.field {
		case "domain":
			return fmt.Sprintf("xt-%s-%d.example.com", u, i)
		case "url":
			return fmt.Sprintf("https://xt-%s-%d.example.com/p", u, i)
		case "process":
			return fmt.Sprintf("xt-%s-%d.exe", u, i)
		case "file":
			return fmt.Sprintf("/tmp/xt-%s-%d", u, i)
		}
		h := fmt.Sprintf("%x", sha256.Sum256([]byte(full+fmt.Sprint(i))))
		return h[:map[string]int{"md5": 32, "sha1": 40, "sha256": 64}[st.field]]
	}
	for i := range 3 {
		var ids []string
		for j := range 2 {
			at := time.Now().UTC().Add(-time.Duration(3-j) * time.Hour).Format(time.RFC3339)
			var out struct {
				Results []struct {
					ID string `json:"id"`
				} `json:"results"`
			}
			post(t, e, org, "/api/v1/alerts", fmt.Sprintf(`{"title":"xt sugg %s %d %d","severity":"medium","rule":"xt-s-%s-%d-%d","%s":"%s","time":"%s"}`,
				u, i, j, u, i, j, st.field, value(i), at), &out)
			if len(out.Results) != 1 {
				t.Fatalf("ingest: %+v", out)
			}
			ids = append(ids, `"`+out.Results[0].ID+`"`)
		}
		var inc map[string]any
		post(t, e, org, "/api/v1/incidents/escalate", `{"alert_ids":[`+strings.Join(ids, ",")+`]}`, &inc)
	}
	var mined struct {
		Items []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Rule   struct {
				GroupBy []string `json:"group_by"`
			} `json:"rule"`
		} `json:"items"`
	}
	post(t, e, org, "/api/v1/correlation/suggestions/mine", `{"days":30}`, &mined)
	for _, s := range mined.Items {
		if s.Status == "pending" && len(s.Rule.GroupBy) == 1 && s.Rule.GroupBy[0] == st.typ {
			return s.ID
		}
	}
	t.Fatalf("no pending %s suggestion in %+v", st.typ, mined)
	return ""
}

func suppressionBody() string {
	return `{"name":"xt suppression","reason":"xt","filter":{"source_types":["xt-` + uuid.Must(uuid.NewV7()).String() + `"]},"expires_at":"` +
		time.Now().UTC().Add(24*time.Hour).Format(time.RFC3339) + `"}`
}

func ruleBody(key string) string {
	return `{"key":"` + key + `","name":"XT rule","enabled":true,"kind":"shared_entities","condition":"alert.severity_id >= 3",` +
		`"group_by":["user"],"window_seconds":3600,"min_count":2,"outcome":"open_incident","version":0,"shipped":false}`
}

// newCandidate adds a propose rule grouping by hostname (its key sorts
// before the shipped rules, so it decides first), ingests two recent
// alerts of a fresh host and correlates them.
func newCandidate(t testing.TB, e *Env, org *Org, _ map[string]string) string {
	u := uuid.Must(uuid.NewV7()).String()
	var rule map[string]any
	post(t, e, org, "/api/v1/correlation/rules", `{"key":"a0-xt-`+u+`","name":"XT propose","enabled":true,"kind":"shared_entities",`+
		`"group_by":["hostname"],"window_seconds":3600,"min_count":2,"outcome":"propose","version":0,"shipped":false}`, &rule)
	host := "xt-cand-" + u
	at := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	var ids []uuid.UUID
	for i := range 2 {
		var out struct {
			Results []struct {
				ID string `json:"id"`
			} `json:"results"`
		}
		post(t, e, org, "/api/v1/alerts", `{"title":"xt cand `+string(rune('a'+i))+u+`","severity":"high","rule":"xt-c`+string(rune('a'+i))+u+`","host":"`+host+`","time":"`+at+`"}`, &out)
		if len(out.Results) != 1 {
			t.Fatalf("ingest: %+v", out)
		}
		ids = append(ids, uuid.MustParse(out.Results[0].ID))
	}
	if _, err := e.App.Modules.Correlate.Process(context.Background(), tenant.System(org.ID, "crosstenant"), ids); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []struct {
			ID       string `json:"id"`
			GroupKey string `json:"group_key"`
		} `json:"items"`
	}
	send(t, e, org, http.MethodGet, "/api/v1/correlation/candidates?status=pending&limit=200", "", &list)
	for _, c := range list.Items {
		if strings.Contains(c.GroupKey, host) {
			return c.ID
		}
	}
	t.Fatalf("no candidate for %s in %+v", host, list)
	return ""
}
