package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/health"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/logging"
)

// Clients choose the method string; it must not mint a new metrics series
// per request (unbounded memory in the registry and in every scrape).
func TestMetricsMethodLabelIsBounded(t *testing.T) {
	cfg, err := config.Load(config.Source{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv := httpapi.New(httpapi.Deps{Config: cfg, Logger: logging.New(&bytes.Buffer{}, logging.Options{}), Health: &health.Registry{}, Metrics: reg})
	h := srv.Handler()
	for i := range 20 {
		for _, path := range []string{"/livez", "/api/v1/nothing"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(fmt.Sprintf("X%03d", i), path, nil))
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/livez", nil))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]bool{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "method" {
					methods[l.GetValue()] = true
				}
			}
		}
	}
	if len(methods) > 3 || !methods[http.MethodGet] {
		t.Fatalf("method label values %v: unknown methods must share one value", methods)
	}
}

// A path the mux cleans (dot segments, double slashes) is redirected to
// its clean form: a redirect with Location, not a problem without one.
func TestUncleanPathRedirects(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/api/v1/x/../echo", "//livez"} {
		rec := h.do(t, http.MethodGet, path, "", nil)
		if rec.Code < 300 || rec.Code > 399 || rec.Header().Get("Location") == "" {
			t.Errorf("%s: got %d Location %q, want a redirect", path, rec.Code, rec.Header().Get("Location"))
		}
	}
}

// /readyz is unauthenticated: a failing check's error (which may name
// database hosts and users) is logged, not shown.
func TestReadyzHidesCheckErrors(t *testing.T) {
	cfg, err := config.Load(config.Source{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	reg := &health.Registry{}
	reg.Register(health.Check{Name: "database", Critical: true, Run: func(context.Context) (string, error) {
		return "", errors.New("failed to connect to user=sn_admin host=10.1.2.3 database=prod")
	}})
	srv := httpapi.New(httpapi.Deps{Config: cfg, Logger: logging.New(logs, logging.Options{}), Health: reg})
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"failing"`) {
		t.Fatalf("readyz: %d %s", rec.Code, rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), "10.1.2.3") || strings.Contains(rec.Body.String(), "sn_admin") {
		t.Fatalf("readyz leaks the check error: %s", rec.Body.String())
	}
	if !strings.Contains(logs.String(), "10.1.2.3") {
		t.Fatalf("the cause must be logged: %s", logs.String())
	}
}

// Behind a reverse proxy the client IP comes from X-Forwarded-For, but only
// when the TCP peer is a configured trusted proxy, and only the nearest
// untrusted hop counts (a client cannot choose its IP by sending the
// header itself).
func TestClientIPBehindTrustedProxies(t *testing.T) {
	serve := func(trusted string) http.Handler {
		t.Helper()
		cfg, err := config.Load(config.Source{Getenv: func(k string) string {
			if k == "SECURENEXUS_TRUSTED_PROXIES" {
				return trusted
			}
			return ""
		}})
		if err != nil {
			t.Fatal(err)
		}
		srv := httpapi.New(httpapi.Deps{Config: cfg, Logger: logging.New(&bytes.Buffer{}, logging.Options{}), Health: &health.Registry{}})
		huma.Register(srv.API, httpapi.Public(huma.Operation{
			OperationID: "whoami", Method: http.MethodGet, Path: "/api/v1/whoami",
		}), func(ctx context.Context, _ *struct{}) (*echoOutput, error) {
			out := &echoOutput{}
			out.Body.Name = httpapi.ClientIP(ctx)
			return out, nil
		})
		return srv.Handler()
	}
	ip := func(h http.Handler, peer string, xff ...string) string {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/api/v1/whoami", nil)
		req.RemoteAddr = peer
		for _, v := range xff {
			req.Header.Add("X-Forwarded-For", v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out struct{ Name string }
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
			t.Fatalf("whoami: %d %s", rec.Code, rec.Body.String())
		}
		return out.Name
	}
	none := serve("")
	if got := ip(none, "198.51.100.7:4000", "203.0.113.9"); got != "198.51.100.7" {
		t.Errorf("no trusted proxy: got %s, want the peer", got)
	}
	lb := serve("10.0.0.0/8, 192.0.2.1")
	for _, c := range []struct {
		peer string
		xff  []string
		want string
	}{
		{"10.1.1.1:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"10.1.1.1:4000", []string{"6.6.6.6, 203.0.113.9, 10.2.2.2"}, "203.0.113.9"},    // spoofed left part ignored
		{"10.1.1.1:4000", []string{"6.6.6.6", "203.0.113.9, 192.0.2.1"}, "203.0.113.9"}, // several headers
		{"10.1.1.1:4000", nil, "10.1.1.1"},
		{"10.1.1.1:4000", []string{"10.3.3.3"}, "10.3.3.3"},                // all trusted: the farthest
		{"10.1.1.1:4000", []string{"6.6.6.6, junk, 10.3.3.3"}, "10.3.3.3"}, // nothing believed past junk
		{"198.51.100.7:4000", []string{"203.0.113.9"}, "198.51.100.7"},     // untrusted peer
		{"[::ffff:10.1.1.1]:4000", []string{"2001:db8::1"}, "2001:db8::1"},
	} {
		if got := ip(lb, c.peer, c.xff...); got != c.want {
			t.Errorf("peer %s xff %q: got %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}
