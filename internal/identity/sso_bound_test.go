package identity_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// An org admin runs their org's identity provider and can make it vouch
// for any email in the domains they allow. The resulting session is bound
// to that org; it must not reach the (global) account either: no password
// or MFA changes, no view of the user's other orgs or sessions, and no
// proof of identity for invitations.
func TestSSOSessionCannotReachTheGlobalAccount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.svc.AllowPrivateIssuers = true // the test provider listens on 127.0.0.1
		idp := newProvider(t)
		orgA := identitytest.NewOrg(t, d, "Attacker")
		orgB := identitytest.NewOrg(t, d, "Victim Co")
		orgC := identitytest.NewOrg(t, d, "Elsewhere")
		adminA := identitytest.NewMember(t, d, orgA, rbac.RoleOwner)
		cfg := fmt.Sprintf(`{"issuer":%q,"client_id":%q,"client_secret":%q,"allowed_domains":["corp.example"],"enabled":true}`, idp.srv.URL, clientID, clientSecret)
		expect(t, "configure OIDC", e.do("PUT", "/api/v1/org/oidc", cfg, adminA.Apply), 200, "")

		ssoSignIn := func(email string) *http.Cookie {
			t.Helper()
			start := e.do("GET", "/api/v1/auth/oidc/"+orgA.String()+"/start", "", nil)
			expect(t, "start", start, 302, "")
			sc := start.cookie("sn_oidc")
			code, state, redirect := idp.authorize(start.Header.Get("Location"), email, true)
			r := e.do("GET", redirect+"?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(state), "",
				func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "sn_oidc", Value: sc.Value}) })
			expect(t, "callback", r, 302, "")
			return r.cookie(identity.SessionCookie)
		}

		// The victim: a password account, owner of org B, signed in there.
		st := e.svc.Store
		victim, err := st.CreateUser(t.Context(), "victim@corp.example", "Victim", identitytest.Password)
		if err != nil {
			t.Fatal(err)
		}
		identitytest.AddMember(t, d, orgB, identitytest.Member{UserID: victim.ID}, rbac.RoleOwner)
		login := e.do("POST", "/api/v1/auth/login", loginBody("victim@corp.example", identitytest.Password), nil)
		expect(t, "victim login", login, 200, "")
		pwSession, _ := login.Body["session_id"].(string)

		sso := ssoSignIn("victim@corp.example")
		me := e.do("GET", "/api/v1/auth/me", "", withCookie(sso, uuid.Nil))
		expect(t, "me", me, 200, "")
		orgs, _ := me.Body["orgs"].([]any)
		if len(orgs) != 1 || orgs[0].(map[string]any)["id"] != orgA.String() {
			t.Fatalf("an SSO session of org A must see only org A, got %s", me.Raw)
		}
		sessions := e.do("GET", "/api/v1/auth/sessions", "", withCookie(sso, uuid.Nil))
		expect(t, "list sessions", sessions, 200, "")
		for _, it := range sessions.items() {
			if it.(map[string]any)["id"] == pwSession {
				t.Fatalf("an SSO session of org A lists the victim's password session: %s", sessions.Raw)
			}
		}
		expect(t, "revoke the password session", e.do("DELETE", "/api/v1/auth/sessions/"+pwSession, "", withCookie(sso, uuid.Nil)), 404, "")
		expect(t, "password session still works", e.do("GET", "/api/v1/org/members", "", withCookie(login.cookie(identity.SessionCookie), orgB)), 200, "")

		expect(t, "enroll MFA", e.do("POST", "/api/v1/auth/mfa/enroll", "", withCookie(sso, uuid.Nil)), 403, "sso_session_restricted")
		expect(t, "verify MFA", e.do("POST", "/api/v1/auth/mfa/verify", `{"code":"123456"}`, withCookie(sso, uuid.Nil)), 403, "sso_session_restricted")
		expect(t, "disable MFA", e.do("POST", "/api/v1/auth/mfa/disable", `{"code":"123456"}`, withCookie(sso, uuid.Nil)), 403, "sso_session_restricted")

		// An account with no password (SSO-only elsewhere): setting one would
		// hand org A's admin a password session that is not bound to org A.
		ssoOnly, err := st.CreateUser(t.Context(), "sso.only@corp.example", "SSO Only", "")
		if err != nil {
			t.Fatal(err)
		}
		identitytest.AddMember(t, d, orgB, identitytest.Member{UserID: ssoOnly.ID}, rbac.RoleOwner)
		sso2 := ssoSignIn("sso.only@corp.example")
		r := e.do("POST", "/api/v1/auth/password", `{"current_password":"","new_password":"attacker-chosen-pw"}`, withCookie(sso2, uuid.Nil))
		expect(t, "set password from SSO session", r, 403, "sso_session_restricted")
		expect(t, "no password was set", e.do("POST", "/api/v1/auth/login", loginBody("sso.only@corp.example", "attacker-chosen-pw"), nil), 401, "invalid_credentials")

		// An invitation for the victim into org C is not accepted on the
		// strength of org A's SSO session.
		ownerC := identitytest.NewMember(t, d, orgC, rbac.RoleOwner)
		inv := e.do("POST", "/api/v1/org/invitations", `{"email":"victim@corp.example","role":"viewer"}`, ownerC.Apply)
		expect(t, "invite", inv, 201, "")
		tok, _ := inv.Body["token"].(string)
		expect(t, "accept with SSO session", e.do("POST", "/api/v1/invitations/accept", fmt.Sprintf(`{"token":%q}`, tok), withCookie(sso, uuid.Nil)), 401, "invalid_credentials")
		// The victim's own password session still accepts it.
		expect(t, "accept with password session", e.do("POST", "/api/v1/invitations/accept", fmt.Sprintf(`{"token":%q}`, tok), withCookie(login.cookie(identity.SessionCookie), uuid.Nil)), 200, "")
	})
}

// In production the issuer must be https (its discovery document and keys
// decide which ID tokens are accepted), and allowed domains are bounded.
func TestOIDCConfigValidation(t *testing.T) {
	d := testdb.Open(t, db.SQLite)
	c := identitytest.Config(t, "https://soc.example.com")
	c.Env = config.EnvProduction
	p, _ := identitytest.NewService(t, d, c)
	org := identitytest.NewOrg(t, d, "A")
	owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
	put := func(issuer, domain string) (int, string) {
		t.Helper()
		body := fmt.Sprintf(`{"issuer":%q,"client_id":"x","client_secret":"y","allowed_domains":[%q],"enabled":true}`, issuer, domain)
		req, _ := http.NewRequest("PUT", "/api/v1/org/oidc", stringsReader(body))
		req.Header.Set("Content-Type", "application/json")
		owner.Apply(req)
		rec := newRecorder()
		p.Server.Handler().ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	if code, body := put("http://idp.example.com", "corp.example"); code != 422 || !strings.Contains(body, "body.issuer") {
		t.Fatalf("http issuer in production: %d %s", code, body)
	}
	if code, body := put("https://idp.example.com", strings.Repeat("a", 300)+".example"); code != 422 || !strings.Contains(body, "body.allowed_domains[0]") {
		t.Fatalf("overlong domain: %d %s", code, body)
	}
	if code, body := put("https://idp.example.com", "corp.example"); code != 200 {
		t.Fatalf("https issuer: %d %s", code, body)
	}
}
