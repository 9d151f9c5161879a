package alerts_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/health"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

type client struct {
	t    *testing.T
	base string
	auth func(*http.Request)
}

func (c client) do(method, path, body string, hdr map[string]string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if c.auth != nil {
		c.auth(req)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func TestModuleEndToEnd(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		p := identitytest.NewPlatform(t, d)
		register(t, p)
		if u := httpapi.UndeclaredOperations(p.Server.API); len(u) > 0 {
			t.Fatalf("undeclared operations: %v", u)
		}
		srv := httptest.NewServer(p.Server.Handler())
		defer srv.Close()
		org := identitytest.NewOrg(t, d, "Acme")
		ingestKey := identitytest.NewAPIKey(t, d, org, rbac.AlertsIngest)
		readKey := identitytest.NewAPIKey(t, d, org, rbac.AlertsRead, rbac.AlertsWrite, rbac.SourcesManage)
		ing := client{t, srv.URL, ingestKey.Apply}
		rd := client{t, srv.URL, readKey.Apply}

		suricata := `{"timestamp":"2026-11-27T09:00:00.000000+0000","event_type":"alert","src_ip":"203.0.113.9","src_port":5555,"dest_ip":"10.0.0.5","dest_port":443,"proto":"TCP","alert":{"signature_id":2027865,"signature":"ET MALWARE Cobalt Strike Beacon Observed","category":"A Network Trojan was detected","severity":1}}`
		st, b := ing.do("POST", "/api/v1/alerts", suricata, nil)
		if st != http.StatusCreated {
			t.Fatalf("single: %d %s", st, b)
		}
		cef := "CEF:0|Acme|NGFW|9.1|300|Privilege escalation attempt|9|src=198.51.100.7 dst=10.0.0.5 suser=alice"
		st, b = ing.do("POST", "/api/v1/alerts/batch", suricata+"\n"+cef+"\n", map[string]string{"Content-Type": "application/x-ndjson"})
		if st != http.StatusOK || !strings.Contains(string(b), `"accepted":1,"duplicates":1`) {
			t.Fatalf("batch: %d %s", st, b)
		}
		st, b = ing.do("POST", "/api/v1/alerts", "CEF:0|Acme|NGFW|9.1|100|Port scan detected|5|src=198.51.100.9 dst=10.0.0.6",
			map[string]string{"Content-Type": "text/plain"})
		if st != http.StatusCreated {
			t.Fatalf("single CEF line as text/plain: %d %s", st, b)
		}
		// The ingest-only key cannot read; the reader cannot ingest.
		if st, _ := ing.do("GET", "/api/v1/alerts", "", nil); st != http.StatusForbidden {
			t.Fatalf("ingest key listing: %d", st)
		}
		if st, _ := rd.do("POST", "/api/v1/alerts", suricata, nil); st != http.StatusForbidden {
			t.Fatalf("read key ingesting: %d", st)
		}
		st, b = rd.do("GET", "/api/v1/alerts?entity=ip:10.0.0.5&sort=severity", "", nil)
		var list struct{ Items []alert.Alert }
		if err := json.Unmarshal(b, &list); err != nil || st != http.StatusOK || len(list.Items) != 2 {
			t.Fatalf("list: %d %s", st, b)
		}
		if list.Items[0].Severity < list.Items[1].Severity {
			t.Fatalf("severity sort: %v then %v", list.Items[0].Severity, list.Items[1].Severity)
		}
		st, b = rd.do("GET", "/api/v1/alerts?severity=bogus", "", nil)
		if st != http.StatusUnprocessableEntity || !strings.Contains(string(b), "query.severity") {
			t.Fatalf("bad filter: %d %s", st, b)
		}
		id := list.Items[0].ID
		st, b = rd.do("PATCH", "/api/v1/alerts/"+id.String(), `{"status":"triaged","add_tags":["vip"]}`, nil)
		if st != http.StatusOK || !strings.Contains(string(b), `"status":"triaged"`) {
			t.Fatalf("patch: %d %s", st, b)
		}
		st, b = rd.do("GET", "/api/v1/alerts/"+id.String(), "", nil)
		if st != http.StatusOK || !strings.Contains(string(b), `"raw":`) {
			t.Fatalf("get: %d %s", st, b)
		}
		// Another org's key sees nothing of this org.
		other := identitytest.NewOrg(t, d, "Other")
		ok := client{t, srv.URL, identitytest.NewAPIKey(t, d, other, rbac.AlertsRead).Apply}
		if st, _ := ok.do("GET", "/api/v1/alerts/"+id.String(), "", nil); st != http.StatusNotFound {
			t.Fatalf("cross-tenant get: %d", st)
		}

		// Webhook source: signed deliveries only.
		st, b = rd.do("POST", "/api/v1/alert-sources", `{"name":"hook","kind":"webhook","source_type":"generic","dedup_keys":["rule_id","entity:hostname"]}`, nil)
		if st != http.StatusCreated {
			t.Fatalf("create source: %d %s", st, b)
		}
		var src struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		}
		if err := json.Unmarshal(b, &src); err != nil || src.Secret == "" {
			t.Fatalf("source: %s", b)
		}
		hook := client{t, srv.URL, nil}
		body := `{"title":"Impossible travel","rule_id":"IAM-7","severity":"high","host":"vpn-gw","user":"bob"}`
		ts := time.Now().Unix()
		sig := ingest.Sign([]byte(src.Secret), ts, []byte(body))
		hdr := map[string]string{ingest.HeaderTimestamp: strconv.FormatInt(ts, 10), ingest.HeaderSignature: sig}
		st, b = hook.do("POST", "/api/v1/webhooks/"+src.ID, body, hdr)
		if st != http.StatusOK || !strings.Contains(string(b), `"accepted":1`) {
			t.Fatalf("webhook: %d %s", st, b)
		}
		hdr[ingest.HeaderSignature] = ingest.Sign([]byte("wrong"), ts, []byte(body))
		if st, _ := hook.do("POST", "/api/v1/webhooks/"+src.ID, body, hdr); st != http.StatusUnauthorized {
			t.Fatalf("bad signature: %d", st)
		}
		old := time.Now().Add(-10 * time.Minute).Unix()
		hdr = map[string]string{ingest.HeaderTimestamp: fmt.Sprint(old), ingest.HeaderSignature: ingest.Sign([]byte(src.Secret), old, []byte(body))}
		if st, _ := hook.do("POST", "/api/v1/webhooks/"+src.ID, body, hdr); st != http.StatusUnauthorized {
			t.Fatalf("replayed old delivery: %d", st)
		}
		if st, _ := hook.do("POST", "/api/v1/webhooks/01900000-0000-7000-8000-000000000000", body, hdr); st != http.StatusUnauthorized {
			t.Fatalf("unknown source: %d", st)
		}
	})
}

// TestSyslogListenerHealth: with a syslog address configured, the deep
// health report shows the listener failing until it is bound, then ok with
// its addresses.
func TestSyslogListenerHealth(t *testing.T) {
	d := testdb.Open(t, db.SQLite)
	c := identitytest.ConfigWith(t, "http://127.0.0.1", map[string]string{"SECURENEXUS_SYSLOG_ADDR": "127.0.0.1:0"})
	p := identitytest.NewPlatformWith(t, d, c)
	register(t, p)
	check := func() health.Result {
		for _, r := range p.Health.Run(context.Background(), false).Checks {
			if r.Name == "syslog_listener" {
				return r
			}
		}
		t.Fatal("no syslog_listener check registered")
		return health.Result{}
	}
	if r := check(); r.Status != "failing" {
		t.Fatalf("before the listener runs: %+v", r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// Start every runner: the syslog listener is one of several (events
	// relay, audit denial flusher), in registration order.
	done := make(chan error, len(p.Runners))
	for _, run := range p.Runners {
		go func() { done <- run(ctx) }()
	}
	deadline := time.Now().Add(10 * time.Second)
	for check().Status != "ok" {
		if time.Now().After(deadline) {
			t.Fatalf("listener never became healthy: %+v", check())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := check(); !strings.Contains(r.Detail, "tcp 127.0.0.1:") {
		t.Fatalf("detail should name the bound address: %+v", r)
	}
	cancel()
	for range p.Runners {
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("runner stopped with %v", err)
		}
	}
}
