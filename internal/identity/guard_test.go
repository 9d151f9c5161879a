package identity_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// client drives the API of a test platform.
type client struct {
	t   *testing.T
	srv *httptest.Server
}

func newClient(t *testing.T, d *db.DB) *client {
	t.Helper()
	p := identitytest.NewPlatform(t, d)
	srv := httptest.NewServer(p.Server.Handler())
	t.Cleanup(srv.Close)
	return &client{t: t, srv: srv}
}

type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (c *client) do(method, path, body string, auth func(*http.Request), hdr ...string) response {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.srv.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
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
		c.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	out := response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

func (r response) code() string {
	s, _ := r.Body["code"].(string)
	return s
}

func TestGuardSessionAndPermissions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := newClient(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		admin := identitytest.NewMember(t, d, org, rbac.RoleAdmin)
		viewer := identitytest.NewMember(t, d, org, rbac.RoleViewer)

		r := c.do("GET", "/api/v1/auth/me", "", admin.Apply)
		if r.Status != 200 {
			t.Fatalf("me: %d %s", r.Status, r.Raw)
		}
		r = c.do("GET", "/api/v1/org/members", "", admin.Apply)
		if r.Status != 200 || len(r.Body["items"].([]any)) != 2 {
			t.Fatalf("members: %d %s", r.Status, r.Raw)
		}
		r = c.do("GET", "/api/v1/org/members", "", viewer.Apply)
		if r.Status != 403 || r.code() != "permission_denied" {
			t.Fatalf("viewer members: %d %s", r.Status, r.Raw)
		}
		r = c.do("GET", "/api/v1/org/members", "", nil)
		if r.Status != 401 {
			t.Fatalf("anonymous: %d %s", r.Status, r.Raw)
		}
	})
}
