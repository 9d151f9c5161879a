package identity_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a running identity API on one database.
type env struct {
	t     *testing.T
	d     *db.DB
	srv   *httptest.Server
	svc   *identity.Service
	clock *clock
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	p, svc := identitytest.NewService(t, d, identitytest.Config(t, srv.URL))
	h = p.Server.Handler()
	ck := &clock{t: time.Now().UTC()}
	svc.Store.Now = ck.Now
	return &env{t: t, d: d, srv: srv, svc: svc, clock: ck}
}

type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (r response) code() string {
	s, _ := r.Body["code"].(string)
	return s
}

func (r response) cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (r response) items() []any {
	it, _ := r.Body["items"].([]any)
	return it
}

// do sends a request; auth (may be nil) adds credentials; hdr are
// name/value pairs ("" value deletes).
func (e *env) do(method, path, body string, auth func(*http.Request), hdr ...string) response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	u := path
	if !strings.HasPrefix(path, "http") {
		u = e.srv.URL + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != nil {
		auth(req)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	out := response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// expect fails unless r has status (and, when code is not empty, that
// problem code).
func expect(t *testing.T, what string, r response, status int, code string) {
	t.Helper()
	if r.Status != status || (code != "" && r.code() != code) {
		t.Fatalf("%s: got %d %s, want %d %s", what, r.Status, r.Raw, status, code)
	}
	if status >= 400 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("%s: error is not a problem: %s", what, r.Header.Get("Content-Type"))
	}
}

// withCookie authenticates as a raw session cookie acting in org (uuid.Nil:
// no X-Org-ID header), same-origin.
func withCookie(c *http.Cookie, org uuid.UUID) func(*http.Request) {
	return func(r *http.Request) {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		if org != uuid.Nil {
			r.Header.Set(identity.OrgHeader, org.String())
		}
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
}

// auditActions lists the actions (with outcome) recorded in org's chain.
func auditActions(t *testing.T, d *db.DB, org uuid.UUID) []string {
	t.Helper()
	var out []string
	err := audit.EachInOrg(context.Background(), d, tenant.NewAuthenticated(org, "test"), func(s audit.Stored) error {
		out = append(out, s.Action+":"+string(s.Outcome))
		return nil
	})
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	return out
}

func contains(list []string, want string) bool {
	for _, s := range list {
		if s == want {
			return true
		}
	}
	return false
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

type (
	ctxT = context.Context
	txT  = *db.Tx
)

// platformActions lists the actions (with outcome) of the platform audit
// chain (read through the owner connection on PostgreSQL).
func platformActions(t *testing.T, d *db.DB) []string {
	t.Helper()
	conn := d
	if d.Dialect == db.Postgres {
		conn = testdb.OpenPostgresOwner(t, d)
	}
	var out []string
	err := audit.EachInChain(context.Background(), conn, uuid.Nil, func(s audit.Stored) error {
		out = append(out, s.Action+":"+string(s.Outcome))
		return nil
	})
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	return out
}
