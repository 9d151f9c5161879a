package identity_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// newLimitedEnv is newEnv with tiny rate limits: 3 reads, 2 writes and 2
// public sign-in requests at once, refilling one token per 100 seconds.
func newLimitedEnv(t *testing.T, d *db.DB) (*env, *prometheus.Registry) {
	t.Helper()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	c := identitytest.ConfigWith(t, srv.URL, map[string]string{
		"SECURENEXUS_RATE_LIMIT_ENABLED":      "true",
		"SECURENEXUS_RATE_LIMIT_READ_RPS":     "0.01",
		"SECURENEXUS_RATE_LIMIT_READ_BURST":   "3",
		"SECURENEXUS_RATE_LIMIT_WRITE_RPS":    "0.01",
		"SECURENEXUS_RATE_LIMIT_WRITE_BURST":  "2",
		"SECURENEXUS_RATE_LIMIT_PUBLIC_RPS":   "0.01",
		"SECURENEXUS_RATE_LIMIT_PUBLIC_BURST": "2",
	})
	p, svc := identitytest.NewService(t, d, c)
	h = p.Server.Handler()
	ck := &clock{t: time.Now().UTC()}
	svc.Store.Now = ck.Now
	return &env{t: t, d: d, srv: srv, svc: svc, clock: ck}, p.Metrics
}

// rejected reads securenexus_http_rate_limited_total{class}.
func rejected(t *testing.T, reg *prometheus.Registry, class string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "securenexus_http_rate_limited_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "class" && l.GetValue() == class {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func expectLimited(t *testing.T, what string, r response) {
	t.Helper()
	expect(t, what, r, http.StatusTooManyRequests, "rate_limited")
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("%s: Retry-After %q, want a positive number of seconds", what, r.Header.Get("Retry-After"))
	}
	if r.Body["retryable"] != true {
		t.Fatalf("%s: problem not retryable: %s", what, r.Raw)
	}
}

func TestPrincipalRateLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e, reg := newLimitedEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		admin := identitytest.NewMember(t, d, org, rbac.RoleAdmin)
		analyst := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		key := identitytest.NewAPIKey(t, d, org, rbac.AlertsRead)

		for i := range 3 {
			expect(t, "read within burst "+strconv.Itoa(i), e.do("GET", "/api/v1/org/members", "", admin.Apply), 200, "")
		}
		before := len(auditActions(t, d, org))
		expectLimited(t, "read over burst", e.do("GET", "/api/v1/org/members", "", admin.Apply))
		expectLimited(t, "still over", e.do("GET", "/api/v1/org/roles", "", admin.Apply))
		if got := rejected(t, reg, "read"); got != 2 {
			t.Fatalf("read rejections counted %v, want 2", got)
		}
		if after := len(auditActions(t, d, org)); after != before {
			t.Fatalf("rate-limited requests were audited: %d audit entries, want %d", after, before)
		}

		// Other principals, the same user outside the org (a separate
		// bucket), and the same principal's write budget are independent.
		expect(t, "another user reads", e.do("GET", "/api/v1/org/members", "", analyst.Apply), 403, "permission_denied")
		expect(t, "an API key reads", e.do("GET", "/api/v1/auth/me", "", key.Apply), 200, "")
		expect(t, "the user outside the org", e.do("GET", "/api/v1/auth/me", "", admin.Apply), 200, "")
		create := func(name string) response {
			return e.do("POST", "/api/v1/org/roles", `{"name":"`+name+`","permissions":["alerts:read"]}`, admin.Apply)
		}
		expect(t, "write 1", create("triage-a"), 201, "")
		expect(t, "write 2", create("triage-b"), 201, "")
		expectLimited(t, "write over burst", create("triage-c"))
		if got := rejected(t, reg, "write"); got != 1 {
			t.Fatalf("write rejections counted %v, want 1", got)
		}

		// A token comes back after 1/rate (100 s).
		e.clock.Advance(101 * time.Second)
		expect(t, "read after refill", e.do("GET", "/api/v1/org/members", "", admin.Apply), 200, "")
		expectLimited(t, "one token only", e.do("GET", "/api/v1/org/members", "", admin.Apply))
	})
}

func TestPublicRateLimitPerClientIP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e, reg := newLimitedEnv(t, d)
		u := identitytest.NewUser(t, d)
		expect(t, "login 1", e.do("POST", "/api/v1/auth/login", loginBody(u.Email, "wrong-password-1"), nil), 401, "")
		expect(t, "login 2", e.do("POST", "/api/v1/auth/login", loginBody(u.Email, u.Password), nil), 200, "")
		expectLimited(t, "login over burst", e.do("POST", "/api/v1/auth/login", loginBody(u.Email, u.Password), nil))
		expectLimited(t, "invitation accept shares the budget", e.do("POST", "/api/v1/invitations/accept", `{"token":"x"}`, nil))
		if got := rejected(t, reg, "public"); got != 2 {
			t.Fatalf("public rejections counted %v, want 2", got)
		}
		// Authenticated calls of the same client are not affected.
		org := identitytest.NewOrg(t, d, "Acme")
		m := identitytest.NewMember(t, d, org, rbac.RoleViewer)
		expect(t, "authenticated read", e.do("GET", "/api/v1/auth/me", "", m.Apply), 200, "")
	})
}

// TestIngestIsNotRequestRateLimited: operations needing alerts:ingest carry
// their own per-org quota in alerts, so the per-principal write budget must
// not cap machine intake.
func TestIngestIsNotRequestRateLimited(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		var h http.Handler
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
		t.Cleanup(srv.Close)
		c := identitytest.ConfigWith(t, srv.URL, map[string]string{
			"SECURENEXUS_RATE_LIMIT_ENABLED":     "true",
			"SECURENEXUS_RATE_LIMIT_WRITE_RPS":   "0.01",
			"SECURENEXUS_RATE_LIMIT_WRITE_BURST": "2",
		})
		p, _ := identitytest.NewService(t, d, c)
		for _, op := range []struct {
			id   string
			perm rbac.Permission
		}{{"test-ingest", rbac.AlertsIngest}, {"test-write", rbac.AlertsWrite}} {
			huma.Register(p.Server.API, httpapi.Protected(huma.Operation{
				OperationID: op.id, Method: http.MethodPost, Path: "/api/v1/" + op.id,
			}, op.perm), func(context.Context, *struct{}) (*struct{}, error) { return nil, nil })
		}
		h = p.Server.Handler()
		org := identitytest.NewOrg(t, d, "Intake")
		key := identitytest.NewAPIKey(t, d, org, rbac.AlertsIngest, rbac.AlertsWrite)
		post := func(path string) int {
			req, err := http.NewRequest(http.MethodPost, srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			key.Apply(req)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = res.Body.Close()
			return res.StatusCode
		}
		for i := range 10 {
			if st := post("/api/v1/test-ingest"); st >= 300 {
				t.Fatalf("ingest request %d: %d", i, st)
			}
		}
		codes := []int{post("/api/v1/test-write"), post("/api/v1/test-write"), post("/api/v1/test-write")}
		if codes[2] != http.StatusTooManyRequests {
			t.Fatalf("other writes keep their budget: got %v", codes)
		}
	})
}
