package identity_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

func oidcConfigBody(issuer string) string {
	return fmt.Sprintf(`{"issuer":%q,"client_id":%q,"client_secret":%q,"allowed_domains":["corp.example"],"enabled":true}`, issuer, clientID, clientSecret)
}

// startStatuses sends n anonymous start requests concurrently and returns
// their statuses.
func (e *env) startStatuses(org uuid.UUID, n int) []int {
	out := make([]int, n)
	var wg sync.WaitGroup
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i := range n {
		wg.Go(func() {
			resp, err := cl.Get(e.srv.URL + "/api/v1/auth/oidc/" + org.String() + "/start")
			if err != nil {
				return // status stays 0
			}
			_ = resp.Body.Close()
			out[i] = resp.StatusCode
		})
	}
	wg.Wait()
	return out
}

func allStatus(got []int, want int) bool {
	for _, s := range got {
		if s != want {
			return false
		}
	}
	return true
}

// Anonymous start and callback requests share one cached discovery per org
// configuration; saving the configuration drops it; it expires after an
// hour.
func TestOIDCDiscoveryIsCached(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.svc.AllowPrivateIssuers = true // the test provider listens on 127.0.0.1
		idp := newProvider(t)
		org := identitytest.NewOrg(t, d, "A")
		owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
		expect(t, "configure", e.do("PUT", "/api/v1/org/oidc", oidcConfigBody(idp.srv.URL), owner.Apply), 200, "")
		if n := idp.discoveries.Load(); n != 0 {
			t.Fatalf("saving the configuration fetched discovery %d times", n)
		}

		for range 5 {
			expect(t, "start", e.do("GET", "/api/v1/auth/oidc/"+org.String()+"/start", "", nil), 302, "")
		}
		if got := e.startStatuses(org, 20); !allStatus(got, 302) {
			t.Fatalf("concurrent starts: %v", got)
		}
		// A whole sign-in (callback: exchange, ID token check) reuses it.
		start := e.do("GET", "/api/v1/auth/oidc/"+org.String()+"/start", "", nil)
		code, state, redirect := idp.authorize(start.Header.Get("Location"), "someone@corp.example", true)
		sc := start.cookie("sn_oidc")
		cb := e.do("GET", redirect+"?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(state), "",
			func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "sn_oidc", Value: sc.Value}) })
		expect(t, "callback", cb, 302, "")
		if n := idp.discoveries.Load(); n != 1 {
			t.Fatalf("26 starts and a callback fetched discovery %d times, want 1", n)
		}

		// Saving the configuration (even unchanged, at the same instant)
		// drops the cached provider.
		expect(t, "reconfigure", e.do("PUT", "/api/v1/org/oidc", oidcConfigBody(idp.srv.URL), owner.Apply), 200, "")
		expect(t, "start after save", e.do("GET", "/api/v1/auth/oidc/"+org.String()+"/start", "", nil), 302, "")
		expect(t, "start again", e.do("GET", "/api/v1/auth/oidc/"+org.String()+"/start", "", nil), 302, "")
		if n := idp.discoveries.Load(); n != 2 {
			t.Fatalf("after a configuration change: %d discoveries, want 2", n)
		}

		// Another org's configuration is its own cache entry.
		orgB := identitytest.NewOrg(t, d, "B")
		ownerB := identitytest.NewMember(t, d, orgB, rbac.RoleOwner)
		expect(t, "configure B", e.do("PUT", "/api/v1/org/oidc", oidcConfigBody(idp.srv.URL), ownerB.Apply), 200, "")
		expect(t, "start B", e.do("GET", "/api/v1/auth/oidc/"+orgB.String()+"/start", "", nil), 302, "")
		expect(t, "start A", e.do("GET", "/api/v1/auth/oidc/"+org.String()+"/start", "", nil), 302, "")
		if n := idp.discoveries.Load(); n != 3 {
			t.Fatalf("with a second org: %d discoveries, want 3", n)
		}

		e.clock.Advance(time.Hour + time.Second)
		expect(t, "start after an hour", e.do("GET", "/api/v1/auth/oidc/"+org.String()+"/start", "", nil), 302, "")
		if n := idp.discoveries.Load(); n != 4 {
			t.Fatalf("after the TTL: %d discoveries, want 4", n)
		}
	})
}

// A failed discovery is remembered for a minute: anonymous requests do not
// each cause an outbound request, and the answer is a clean problem.
func TestOIDCFailedDiscoveryIsCachedBriefly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.svc.AllowPrivateIssuers = true
		idp := newProvider(t)
		org := identitytest.NewOrg(t, d, "A")
		owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
		expect(t, "configure", e.do("PUT", "/api/v1/org/oidc", oidcConfigBody(idp.srv.URL), owner.Apply), 200, "")
		idp.failDiscovery.Store(true)

		r := e.do("GET", "/api/v1/auth/oidc/"+org.String()+"/start", "", nil)
		expect(t, "start, provider down", r, 502, "oidc_provider_unavailable")
		if strings.Contains(r.Raw, "maintenance") || strings.Contains(r.Raw, "127.0.0.1") {
			t.Fatalf("the problem leaks the upstream answer: %s", r.Raw)
		}
		if got := e.startStatuses(org, 20); !allStatus(got, 502) {
			t.Fatalf("concurrent starts: %v", got)
		}
		if n := idp.discoveries.Load(); n != 1 {
			t.Fatalf("21 failing starts fetched discovery %d times, want 1", n)
		}

		idp.failDiscovery.Store(false)
		e.clock.Advance(30 * time.Second)
		expect(t, "still remembered", e.do("GET", "/api/v1/auth/oidc/"+org.String()+"/start", "", nil), 502, "oidc_provider_unavailable")
		e.clock.Advance(31 * time.Second)
		expect(t, "retried after a minute", e.do("GET", "/api/v1/auth/oidc/"+org.String()+"/start", "", nil), 302, "")
		if n := idp.discoveries.Load(); n != 2 {
			t.Fatalf("after the failure TTL: %d discoveries, want 2", n)
		}

		// Fixing the configuration does not wait for the minute.
		idp.failDiscovery.Store(true)
		expect(t, "reconfigure, provider down", e.do("PUT", "/api/v1/org/oidc", oidcConfigBody(idp.srv.URL), owner.Apply), 200, "")
		expect(t, "down again", e.do("GET", "/api/v1/auth/oidc/"+org.String()+"/start", "", nil), 502, "oidc_provider_unavailable")
		idp.failDiscovery.Store(false)
		expect(t, "reconfigure", e.do("PUT", "/api/v1/org/oidc", oidcConfigBody(idp.srv.URL), owner.Apply), 200, "")
		expect(t, "start after save", e.do("GET", "/api/v1/auth/oidc/"+org.String()+"/start", "", nil), 302, "")
		if n := idp.discoveries.Load(); n != 4 {
			t.Fatalf("after two saves: %d discoveries, want 4", n)
		}
	})
}

// By default an issuer may not be (or resolve to) a loopback, private or
// link-local address: refused on save when the host is such an address
// literal, and at connect time whatever the host name resolves to.
func TestOIDCIssuerInternalAddresses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		idp := newProvider(t)
		org := identitytest.NewOrg(t, d, "A")
		owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
		if e.svc.AllowPrivateIssuers {
			t.Fatal("private issuers are allowed by default")
		}
		for _, issuer := range []string{idp.srv.URL, "http://169.254.169.254/latest", "http://10.0.0.1", "https://172.16.0.9", "https://192.168.1.1",
			"https://100.64.1.1", "http://[::1]:8080", "http://[fe80::1]", "https://[fd00::1]", "http://[::ffff:169.254.169.254]",
			"http://0.0.0.0:80", "http://localhost:9000", "http://idp.localhost", "https://user:pw@idp.example.com", "https://idp.example.com/?a=b"} {
			r := e.do("PUT", "/api/v1/org/oidc", oidcConfigBody(issuer), owner.Apply)
			expect(t, "save "+issuer, r, 422, "validation_failed")
			if !strings.Contains(r.Raw, "body.issuer") {
				t.Fatalf("save %s: the problem does not name body.issuer: %s", issuer, r.Raw)
			}
		}
		expect(t, "public host name", e.do("PUT", "/api/v1/org/oidc", oidcConfigBody("https://idp.example.com"), owner.Apply), 200, "")

		// Stored while allowed (or a name that resolves there later): the
		// connection itself is refused, with a clean problem.
		for _, issuer := range []string{idp.srv.URL, "http://169.254.169.254", "http://10.0.0.1"} {
			e.svc.AllowPrivateIssuers = true
			expect(t, "save "+issuer+" while allowed", e.do("PUT", "/api/v1/org/oidc", oidcConfigBody(issuer), owner.Apply), 200, "")
			e.svc.AllowPrivateIssuers = false
			r := e.do("GET", "/api/v1/auth/oidc/"+org.String()+"/start", "", nil)
			expect(t, "start "+issuer, r, 502, "oidc_provider_unavailable")
			for _, leak := range []string{"127.0.0.1", "169.254", "10.0.0.1", "internal", "refused", "dial"} {
				if strings.Contains(r.Raw, leak) {
					t.Fatalf("start %s: the problem leaks %q: %s", issuer, leak, r.Raw)
				}
			}
		}
		if n := idp.discoveries.Load(); n != 0 {
			t.Fatalf("the guard let %d discovery requests through to 127.0.0.1", n)
		}
	})
}

// In production AllowPrivateIssuers is ignored.
func TestOIDCPrivateIssuersNeverInProduction(t *testing.T) {
	d := testdb.Open(t, db.SQLite)
	c := identitytest.Config(t, "https://soc.example.com")
	c.Env = config.EnvProduction
	p, svc := identitytest.NewService(t, d, c)
	svc.AllowPrivateIssuers = true
	org := identitytest.NewOrg(t, d, "A")
	owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
	for _, issuer := range []string{"https://127.0.0.1:8443", "https://169.254.169.254", "https://10.0.0.1", "http://idp.example.com"} {
		req, _ := http.NewRequest("PUT", "/api/v1/org/oidc", strings.NewReader(oidcConfigBody(issuer)))
		req.Header.Set("Content-Type", "application/json")
		owner.Apply(req)
		rec := newRecorder()
		p.Server.Handler().ServeHTTP(rec, req)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), "body.issuer") {
			t.Fatalf("production, %s: %d %s", issuer, rec.Code, rec.Body.String())
		}
	}
}
