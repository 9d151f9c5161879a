package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
