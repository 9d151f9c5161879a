package alerts_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// triageFixture ingests generic alerts through the API and returns a
// client that can read and change them.
func triageFixture(t *testing.T, d *db.DB) client {
	t.Helper()
	return triageOrgs(t, d, "Triage")[0]
}

// triageOrgs seeds the same five alerts in one org per name, on one server.
func triageOrgs(t *testing.T, d *db.DB, names ...string) []client {
	t.Helper()
	p := identitytest.NewPlatform(t, d)
	register(t, p)
	srv := httptest.NewServer(p.Server.Handler())
	t.Cleanup(srv.Close)
	var out []client
	for _, name := range names {
		out = append(out, seedTriage(t, d, srv.URL, name))
	}
	return out
}

func seedTriage(t *testing.T, d *db.DB, base, name string) client {
	t.Helper()
	org := identitytest.NewOrg(t, d, name)
	ing := client{t, base, identitytest.NewAPIKey(t, d, org, rbac.AlertsIngest).Apply}
	now := time.Now().UTC()
	var lines []string
	for i, c := range []struct {
		sev, title, ip, host, user, tech string
		age                              time.Duration
	}{
		{"critical", "Credential dumping on the domain controller", "10.1.2.54", "dc-01", "dave", "T1003.001", 30 * time.Minute},
		{"critical", "LSASS access", "10.1.2.55", "web-02", "erin", "T1003", 3 * time.Hour},
		{"high", "Suspicious PowerShell download cradle", "10.1.2.56", "web-03", "frank", "T1059.001", 2 * 24 * time.Hour},
		{"high", "Brute force over SSH", "10.1.2.57", "bastion", "gina", "T1110", 10 * 24 * time.Hour},
		{"low", "Port scan", "10.1.2.58", "fw-1", "harry", "T1046", 40 * 24 * time.Hour},
	} {
		b, _ := json.Marshal(map[string]any{"title": c.title, "rule_id": fmt.Sprintf("R%d", i), "severity": c.sev, "src_ip": c.ip,
			"host": c.host, "user": c.user, "technique": c.tech, "timestamp": now.Add(-c.age).Format(time.RFC3339)})
		lines = append(lines, string(b))
	}
	st, b := ing.do("POST", "/api/v1/alerts/batch", strings.Join(lines, "\n")+"\n", map[string]string{"Content-Type": "application/x-ndjson"})
	if st != http.StatusOK || !strings.Contains(string(b), `"accepted":5`) {
		t.Fatalf("seed: %d %s", st, b)
	}
	return client{t, base, identitytest.NewAPIKey(t, d, org, rbac.AlertsRead, rbac.AlertsWrite).Apply}
}

func listTitles(t *testing.T, c client, query string) (int, []string, string) {
	t.Helper()
	st, b := c.do("GET", "/api/v1/alerts?"+query, "", nil)
	var list struct{ Items []alert.Alert }
	if st == http.StatusOK {
		if err := json.Unmarshal(b, &list); err != nil {
			t.Fatalf("%s: %v %s", query, err, b)
		}
	}
	var out []string
	for _, a := range list.Items {
		out = append(out, a.Title)
	}
	return st, out, string(b)
}

// TestMultiValueFiltersAreArrays: repeated parameters return the union of
// their values; the comma form is refused naming the field, never read as
// one value or truncated to the first.
func TestMultiValueFiltersAreArrays(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := triageFixture(t, d)
		for q, want := range map[string]int{
			"severity=critical":                            2,
			"severity=critical&severity=high":              4,
			"severity=critical&severity=high&severity=low": 5,
			"status=new&status=triaged":                    5,
		} {
			if st, got, b := listTitles(t, c, q); st != http.StatusOK || len(got) != want {
				t.Errorf("%s: %d, %d alerts, want %d: %s", q, st, len(got), want, b)
			}
		}
		for q, field := range map[string]string{
			"severity=critical,high":  "query.severity",
			"status=new,triaged":      "query.status",
			"source_type=generic,cef": "query.source_type",
		} {
			st, _, b := listTitles(t, c, q)
			if st != http.StatusUnprocessableEntity || !strings.Contains(b, field) || !strings.Contains(b, "repeat the parameter") {
				t.Errorf("%s: want 422 naming %s, got %d %s", q, field, st, b)
			}
		}
		// Saved filters keep every value and refuse commas inside one item.
		st, b := c.do("POST", "/api/v1/alert-filters", `{"name":"hot","query":{"severity":[5,4],"source_type":["generic"]}}`, nil)
		if st != http.StatusCreated || !strings.Contains(b2s(b), `"severity":[5,4]`) {
			t.Fatalf("save: %d %s", st, b)
		}
		st, b = c.do("POST", "/api/v1/alert-filters", `{"name":"bad","query":{"source_type":["generic,cef"]}}`, nil)
		if st != http.StatusUnprocessableEntity || !strings.Contains(b2s(b), "body.query.source_type[0]") {
			t.Fatalf("saved comma: %d %s", st, b)
		}
	})
}

func b2s(b []byte) string { return string(b) }

// TestSearchFindsEntityValues: q matches the exact value of an entity the
// alert mentions, besides its title and description.
func TestSearchFindsEntityValues(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := triageFixture(t, d)
		for q, want := range map[string]string{
			"10.1.2.54": "Credential dumping on the domain controller",
			"web-02":    "LSASS access",
			"WEB-02":    "LSASS access",
			"dave":      "Credential dumping on the domain controller",
			"cradle":    "Suspicious PowerShell download cradle",
		} {
			st, got, b := listTitles(t, c, "q="+url.QueryEscape(q))
			if st != http.StatusOK || len(got) != 1 || got[0] != want {
				t.Errorf("q=%s: %d %v, want [%s]: %s", q, st, got, want, b)
			}
		}
	})
}

// TestTechniqueRollsUpAndNormalizes: T1003 matches T1003 and T1003.001,
// any case; a bad id is a 422 naming the field.
func TestTechniqueRollsUpAndNormalizes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := triageFixture(t, d)
		for q, want := range map[string]int{"technique=T1003": 2, "technique=t1003": 2, "technique=T1003.001": 1, "technique=t1003.001": 1, "technique=T1059": 1, "technique=T1004": 0} {
			if st, got, b := listTitles(t, c, q); st != http.StatusOK || len(got) != want {
				t.Errorf("%s: %d %v, want %d: %s", q, st, got, want, b)
			}
		}
		st, _, b := listTitles(t, c, "technique=T10")
		if st != http.StatusUnprocessableEntity || !strings.Contains(b, "query.technique") || strings.Contains(b, "^T") {
			t.Errorf("bad technique: %d %s", st, b)
		}
	})
}

// TestTimeWindowIsEventTime: from/to and since select by event time (all
// the alerts were received just now, their events are spread over 40 days).
func TestTimeWindowIsEventTime(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := triageFixture(t, d)
		for q, want := range map[string]int{"since=1h": 1, "since=24h": 2, "since=7d": 3, "since=30d": 4} {
			if st, got, b := listTitles(t, c, q); st != http.StatusOK || len(got) != want {
				t.Errorf("%s: %d %v, want %d: %s", q, st, got, want, b)
			}
		}
		from := url.QueryEscape(time.Now().Add(-5 * 24 * time.Hour).UTC().Format(time.RFC3339))
		to := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
		if st, got, b := listTitles(t, c, "from="+from+"&to="+to); st != http.StatusOK || len(got) != 2 {
			t.Errorf("from/to: %d %v: %s", st, got, b)
		}
		if st, _, b := listTitles(t, c, "since=2h"); st != http.StatusUnprocessableEntity || !strings.Contains(b, "since") {
			t.Errorf("since=2h: %d %s", st, b)
		}
	})
}

// TestTagFilterIgnoresCase: tags are stored lower-case and the filter
// matches any case.
func TestTagFilterIgnoresCase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := triageFixture(t, d)
		st, b := c.do("GET", "/api/v1/alerts?q=dave", "", nil)
		var list struct{ Items []alert.Alert }
		if err := json.Unmarshal(b, &list); err != nil || st != http.StatusOK || len(list.Items) != 1 {
			t.Fatalf("find: %d %s", st, b)
		}
		id := list.Items[0].ID.String()
		if st, b := c.do("PATCH", "/api/v1/alerts/"+id, `{"add_tags":["  VIP-Host "]}`, nil); st != http.StatusOK || !strings.Contains(string(b), `"tags":["vip-host"]`) {
			t.Fatalf("tag: %d %s", st, b)
		}
		for _, tag := range []string{"vip-host", "VIP-HOST", "Vip-Host"} {
			if st, got, b := listTitles(t, c, "tag="+tag); st != http.StatusOK || len(got) != 1 {
				t.Errorf("tag=%s: %d %v %s", tag, st, got, b)
			}
		}
		if st, b := c.do("PATCH", "/api/v1/alerts/"+id, `{"remove_tags":["VIP-HOST"]}`, nil); st != http.StatusOK || strings.Contains(string(b), `vip-host`) {
			t.Fatalf("remove in other case: %d %s", st, b)
		}
	})
}

// TestAlertShowsAttackNames: an alert's tactics (derived from its
// techniques at intake) and techniques come with their ATT&CK names.
func TestAlertShowsAttackNames(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := triageFixture(t, d)
		st, b := c.do("GET", "/api/v1/alerts?technique=T1003.001", "", nil)
		var list struct{ Items []alert.Alert }
		if err := json.Unmarshal(b, &list); err != nil || st != http.StatusOK || len(list.Items) != 1 {
			t.Fatalf("find: %d %s", st, b)
		}
		st, b = c.do("GET", "/api/v1/alerts/"+list.Items[0].ID.String(), "", nil)
		var got struct {
			Tactics []string `json:"tactics"`
			Attack  struct {
				Tactics     []struct{ ID, Name string }
				Techniques  []struct{ ID, Name string }
				Attribution string
			} `json:"attack"`
		}
		if err := json.Unmarshal(b, &got); err != nil || st != http.StatusOK {
			t.Fatalf("get: %d %s", st, b)
		}
		if len(got.Tactics) == 0 || len(got.Attack.Tactics) == 0 || got.Attack.Tactics[0].Name != "Credential Access" || got.Attack.Tactics[0].ID != "TA0006" {
			t.Fatalf("tactics %v named %+v", got.Tactics, got.Attack.Tactics)
		}
		if len(got.Attack.Techniques) != 1 || got.Attack.Techniques[0].Name != "LSASS Memory" || !strings.Contains(got.Attack.Attribution, "MITRE") {
			t.Fatalf("techniques %+v, attribution %q", got.Attack.Techniques, got.Attack.Attribution)
		}
	})
}

// TestActivityCommentsAndClosureReason: resolving needs a reason; changes
// (single and bulk) and comments make the alert's activity, readable by
// an alerts:read key, not visible from another org.
func TestActivityCommentsAndClosureReason(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := triageFixture(t, d)
		st, b := c.do("GET", "/api/v1/alerts?q=dave", "", nil)
		var list struct{ Items []alert.Alert }
		if err := json.Unmarshal(b, &list); err != nil || st != http.StatusOK || len(list.Items) != 1 {
			t.Fatalf("find: %d %s", st, b)
		}
		id := list.Items[0].ID.String()
		if st, b := c.do("PATCH", "/api/v1/alerts/"+id, `{"status":"resolved"}`, nil); st != http.StatusUnprocessableEntity || !strings.Contains(string(b), "body.reason") {
			t.Fatalf("resolve without reason: %d %s", st, b)
		}
		if st, b := c.do("POST", "/api/v1/alerts/bulk-update", `{"ids":["`+id+`"],"change":{"status":"false_positive"}}`, nil); st != http.StatusUnprocessableEntity || !strings.Contains(string(b), "body.change.reason") {
			t.Fatalf("bulk false positive without reason: %d %s", st, b)
		}
		if st, b := c.do("PATCH", "/api/v1/alerts/"+id, `{"status":"triaged"}`, nil); st != http.StatusOK {
			t.Fatalf("triage: %d %s", st, b)
		}
		if st, b := c.do("POST", "/api/v1/alerts/"+id+"/comments", `{"body":"  checked with the DC owner  "}`, nil); st != http.StatusCreated || !strings.Contains(string(b), `"body":"checked with the DC owner"`) {
			t.Fatalf("comment: %d %s", st, b)
		}
		if st, b := c.do("POST", "/api/v1/alerts/"+id+"/comments", `{"body":"   "}`, nil); st != http.StatusUnprocessableEntity {
			t.Fatalf("blank comment: %d %s", st, b)
		}
		if st, b := c.do("POST", "/api/v1/alerts/bulk-update", `{"ids":["`+id+`"],"change":{"status":"resolved","reason":"admin tool run"}}`, nil); st != http.StatusOK {
			t.Fatalf("bulk resolve: %d %s", st, b)
		}
		st, b = c.do("GET", "/api/v1/alerts/"+id+"/activity", "", nil)
		var act struct {
			Items []struct {
				Kind, Body, Actor string
				Change            *struct{ Status, Reason string }
			}
		}
		if err := json.Unmarshal(b, &act); err != nil || st != http.StatusOK || len(act.Items) != 3 {
			t.Fatalf("activity: %d %s", st, b)
		}
		if it := act.Items[0]; it.Kind != "change" || it.Change == nil || it.Change.Status != "resolved" || it.Change.Reason != "admin tool run" || !strings.HasPrefix(it.Actor, "apikey:") {
			t.Fatalf("newest entry %+v", it)
		}
		if act.Items[1].Kind != "comment" || act.Items[1].Body != "checked with the DC owner" || act.Items[2].Change == nil || act.Items[2].Change.Status != "triaged" {
			t.Fatalf("older entries %+v", act.Items[1:])
		}
		if st, _ := c.do("GET", "/api/v1/alerts/01900000-0000-7000-8000-000000000000/activity", "", nil); st != http.StatusNotFound {
			t.Fatalf("unknown alert activity: %d", st)
		}
	})
}
