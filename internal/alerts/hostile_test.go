package alerts_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// Hostile list parameters and bodies are client errors (4xx) or harmless,
// never a 500: a NUL or invalid UTF-8 reaches PostgreSQL as a text
// parameter, a tampered cursor carries out-of-range numbers.
func TestHostileInputIsNot500(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		p := identitytest.NewPlatform(t, d)
		register(t, p)
		srv := httptest.NewServer(p.Server.Handler())
		defer srv.Close()
		org := identitytest.NewOrg(t, d, "Acme")
		key := identitytest.NewAPIKey(t, d, org, rbac.AlertsRead, rbac.AlertsWrite)
		c := client{t, srv.URL, key.Apply}
		// cur forges a well-framed cursor around a tampered key (internal/page format).
		cur := func(js string) string { return base64.RawURLEncoding.EncodeToString([]byte("c1:alerts:" + js)) }
		for _, q := range []string{
			"q=" + url.QueryEscape("a\x00b"),
			"q=%ff%fe",
			"q=" + url.QueryEscape(`a & | ! ( ) :* '' \`),
			"tag=" + url.QueryEscape("t\x00"),
			"tag=%ff",
			"source_type=" + url.QueryEscape("s\x00"),
			"source_type=%c3",
			"entity=" + url.QueryEscape("ip:1.2.3.4\x00"),
			"entity=hostname:%ff",
			"sort=severity&cursor=" + cur(`{"s":"severity","t":"2026-01-01T00:00:00Z","v":99999999999,"i":"0190b6f4-1d5a-7c3e-9a2b-3c4d5e6f7a8b"}`),
			"sort=severity&cursor=" + cur(`{"s":"severity","t":"2026-01-01T00:00:00Z","v":-99999999999,"i":"0190b6f4-1d5a-7c3e-9a2b-3c4d5e6f7a8b"}`),
			"cursor=" + cur(`{"s":"received_time","t":"0001-01-01T00:00:00Z","i":"0190b6f4-1d5a-7c3e-9a2b-3c4d5e6f7a8b"}`),
			"cursor=" + cur(`{"s":"received_time","t":"9999-12-31T23:59:59Z","i":"0190b6f4-1d5a-7c3e-9a2b-3c4d5e6f7a8b"}`),
			"cursor=" + cur(`[]`),
			"cursor=%ff",
			"from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z",
		} {
			st, b := c.do("GET", "/api/v1/alerts?"+q, "", nil)
			if st >= 500 {
				t.Errorf("GET ?%s: %d %s", q, st, b)
			}
		}
		for _, body := range []string{
			`{"name":"n\u0000","query":{}}`,
			`{"name":"ok","query":{"q":"x\u0000"}}`,
			`{"name":"big","query":{"q":"` + strings.Repeat("x", 5000) + `"}}`,
			`{"name":"many","query":{"source_type":[` + strings.Repeat(`"s",`, 100) + `"s"]}}`,
		} {
			st, b := c.do("POST", "/api/v1/alert-filters", body, nil)
			if st != http.StatusUnprocessableEntity {
				t.Errorf("POST filter %s: %d %s", body, st, b)
			}
		}
		ing := client{t, srv.URL, identitytest.NewAPIKey(t, d, org, rbac.AlertsIngest).Apply}
		st, b := ing.do("POST", "/api/v1/alerts", "CEF:0|Acme|NGFW|9.1|100|Port scan detected|5|src=198.51.100.9", nil)
		if st != http.StatusCreated {
			t.Fatalf("ingest: %d %s", st, b)
		}
		id := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(string(b))[1]
		for _, body := range []string{`{"add_tags":["x\u0000"]}`, `{"tags":["\u0000"]}`} {
			st, b = c.do("PATCH", "/api/v1/alerts/"+id, body, nil)
			if st != http.StatusUnprocessableEntity {
				t.Errorf("PATCH %s: %d %s", body, st, b)
			}
		}
	})
}
