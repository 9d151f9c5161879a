package identity_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

func loginBody(email, password string) string {
	return fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)
}

func TestLogin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		m := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)

		// Email is case-insensitive.
		r := e.do("POST", "/api/v1/auth/login", loginBody("  "+m.Email, m.Password), nil)
		expect(t, "login with padded email", r, 200, "")
		r = e.do("POST", "/api/v1/auth/login", loginBody(upper(m.Email), m.Password), nil)
		expect(t, "login", r, 200, "")
		c := r.cookie(identity.SessionCookie)
		if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" || len(c.Value) < 40 {
			t.Fatalf("session cookie: %+v", c)
		}
		orgs, _ := r.Body["orgs"].([]any)
		if len(orgs) != 1 || orgs[0].(map[string]any)["role"] != rbac.RoleAnalyst {
			t.Fatalf("me after login: %s", r.Raw)
		}
		expect(t, "cookie works", e.do("GET", "/api/v1/auth/me", "", withCookie(c, uuid.Nil)), 200, "")

		r = e.do("POST", "/api/v1/auth/login", loginBody(m.Email, "wrong-password!"), nil)
		expect(t, "wrong password", r, 401, "invalid_credentials")
		if r.cookie(identity.SessionCookie) != nil {
			t.Fatal("failed login set a cookie")
		}
		expect(t, "unknown account", e.do("POST", "/api/v1/auth/login", loginBody("nobody@example.test", "wrong-password!"), nil), 401, "invalid_credentials")
		expect(t, "missing password", e.do("POST", "/api/v1/auth/login", `{"email":"a@b.c"}`, nil), 422, "validation_failed")
		acts := platformActions(t, d)
		if !contains(acts, "auth.login:success") || !contains(acts, "auth.login:failure") {
			t.Fatalf("logins not audited: %v", acts)
		}
	})
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

func TestLoginLockout(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		m := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		for i := 1; i < identity.MaxAccountFailures; i++ {
			expect(t, fmt.Sprintf("failure %d", i), e.do("POST", "/api/v1/auth/login", loginBody(m.Email, "wrong-password!"), nil), 401, "invalid_credentials")
		}
		r := e.do("POST", "/api/v1/auth/login", loginBody(m.Email, "wrong-password!"), nil)
		expect(t, "locking failure", r, 429, "login_locked")
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		expect(t, "correct password while locked", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil), 429, "login_locked")

		// The lock is in the database: another replica sees it.
		other := newEnv(t, d)
		other.clock.t = e.clock.Now()
		expect(t, "other replica", other.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil), 429, "login_locked")

		// Other accounts are unaffected; the lock expires.
		m2 := identitytest.NewMember(t, d, org, rbac.RoleViewer)
		expect(t, "other account", e.do("POST", "/api/v1/auth/login", loginBody(m2.Email, m2.Password), nil), 200, "")
		e.clock.Advance(identity.LockoutDuration + time.Second)
		expect(t, "after lockout", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil), 200, "")

		// A successful login resets the count.
		for i := 1; i < identity.MaxAccountFailures; i++ {
			expect(t, "failure", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, "wrong-password!"), nil), 401, "invalid_credentials")
		}
		expect(t, "success resets", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil), 200, "")
		expect(t, "one more failure is not a lock", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, "wrong-password!"), nil), 401, "invalid_credentials")
	})
}

func TestSessionExpiryAndRevocation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		m := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		login := func() *http.Cookie {
			t.Helper()
			r := e.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil)
			expect(t, "login", r, 200, "")
			return r.cookie(identity.SessionCookie)
		}

		// Idle expiry, kept alive by activity.
		c := login()
		for range 3 {
			e.clock.Advance(identity.DefaultSessionIdle - time.Minute)
			expect(t, "active session", e.do("GET", "/api/v1/auth/me", "", withCookie(c, uuid.Nil)), 200, "")
		}
		e.clock.Advance(identity.DefaultSessionIdle + time.Second)
		expect(t, "idle session", e.do("GET", "/api/v1/auth/me", "", withCookie(c, uuid.Nil)), 401, "session_invalid")

		// Absolute expiry despite activity.
		c = login()
		for elapsed := time.Duration(0); elapsed < identity.DefaultSessionMax-time.Hour; elapsed += time.Hour {
			e.clock.Advance(time.Hour)
			expect(t, "active session", e.do("GET", "/api/v1/auth/me", "", withCookie(c, uuid.Nil)), 200, "")
		}
		e.clock.Advance(time.Hour + time.Second)
		expect(t, "session past absolute lifetime", e.do("GET", "/api/v1/auth/me", "", withCookie(c, uuid.Nil)), 401, "session_invalid")

		// Logout revokes.
		c = login()
		r := e.do("POST", "/api/v1/auth/logout", "", withCookie(c, uuid.Nil))
		expect(t, "logout", r, 204, "")
		if dc := r.cookie(identity.SessionCookie); dc == nil || dc.MaxAge >= 0 {
			t.Fatalf("logout does not clear the cookie: %+v", dc)
		}
		expect(t, "after logout", e.do("GET", "/api/v1/auth/me", "", withCookie(c, uuid.Nil)), 401, "session_invalid")

		// Revoking another session of mine; listing sessions.
		c1, c2 := login(), login()
		r = e.do("GET", "/api/v1/auth/sessions?limit=1", "", withCookie(c1, uuid.Nil))
		expect(t, "list sessions page 1", r, 200, "")
		next, _ := r.Body["next_cursor"].(string)
		if len(r.items()) != 1 || next == "" {
			t.Fatalf("page 1: %s", r.Raw)
		}
		r2 := e.do("GET", "/api/v1/auth/sessions?limit=1&cursor="+next, "", withCookie(c1, uuid.Nil))
		expect(t, "list sessions page 2", r2, 200, "")
		expect(t, "bad cursor", e.do("GET", "/api/v1/auth/sessions?cursor=zzz", "", withCookie(c1, uuid.Nil)), 422, "validation_failed")
		all := e.do("GET", "/api/v1/auth/sessions?limit=200", "", withCookie(c1, uuid.Nil))
		var otherID string
		for _, it := range all.items() {
			s := it.(map[string]any)
			if s["current"] != true {
				otherID = s["id"].(string)
			}
		}
		if len(all.items()) < 2 || otherID == "" {
			t.Fatalf("sessions: %s", all.Raw)
		}
		stranger := identitytest.NewUser(t, d)
		sr := e.do("POST", "/api/v1/auth/login", loginBody(stranger.Email, stranger.Password), nil)
		expect(t, "stranger login", sr, 200, "")
		expect(t, "revoke someone else's session", e.do("DELETE", "/api/v1/auth/sessions/"+otherID, "", withCookie(sr.cookie(identity.SessionCookie), uuid.Nil)), 404, "not_found")
		expect(t, "revoke", e.do("DELETE", "/api/v1/auth/sessions/"+otherID, "", withCookie(c1, uuid.Nil)), 204, "")
		_ = c2

		// Password change revokes every session and issues a new one.
		c3 := login()
		r = e.do("POST", "/api/v1/auth/password", `{"current_password":"wrong-one-here","new_password":"a-brand-new-password"}`, withCookie(c3, uuid.Nil))
		expect(t, "wrong current password", r, 422, "validation_failed")
		r = e.do("POST", "/api/v1/auth/password", fmt.Sprintf(`{"current_password":%q,"new_password":"a-brand-new-password"}`, m.Password), withCookie(c3, uuid.Nil))
		expect(t, "change password", r, 204, "")
		fresh := r.cookie(identity.SessionCookie)
		expect(t, "old session after change", e.do("GET", "/api/v1/auth/me", "", withCookie(c3, uuid.Nil)), 401, "session_invalid")
		expect(t, "other session after change", e.do("GET", "/api/v1/auth/me", "", withCookie(c1, uuid.Nil)), 401, "session_invalid")
		expect(t, "new session", e.do("GET", "/api/v1/auth/me", "", withCookie(fresh, uuid.Nil)), 200, "")
		expect(t, "old password", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil), 401, "invalid_credentials")
		expect(t, "new password", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, "a-brand-new-password"), nil), 200, "")

		// The pruner deletes what expired.
		e.clock.Advance(identity.DefaultSessionMax + time.Hour)
		n, err := e.svc.Store.Prune(t.Context(), e.clock.Now())
		if err != nil || n == 0 {
			t.Fatalf("prune: %d %v", n, err)
		}
	})
}

func TestSecureCookieOverHTTPS(t *testing.T) {
	d := testdb.Open(t, db.SQLite)
	p, _ := identitytest.NewService(t, d, identitytest.Config(t, "https://soc.example.com"))
	org := identitytest.NewOrg(t, d, "A")
	m := identitytest.NewMember(t, d, org, rbac.RoleViewer)
	req, _ := http.NewRequest("POST", "/api/v1/auth/login", stringsReader(loginBody(m.Email, m.Password)))
	req.Header.Set("Content-Type", "application/json")
	rec := newRecorder()
	p.Server.Handler().ServeHTTP(rec, req)
	var c *http.Cookie
	for _, x := range rec.Result().Cookies() {
		if x.Name == identity.SessionCookie {
			c = x
		}
	}
	if rec.Code != 200 || c == nil || !c.Secure || !c.HttpOnly {
		t.Fatalf("login over https: %d %+v", rec.Code, c)
	}
}

func TestTOTP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
		m := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		r := e.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil)
		expect(t, "login", r, 200, "")
		c := r.cookie(identity.SessionCookie)

		// Org policy: MFA required blocks members whose session has none.
		expect(t, "require MFA", e.do("PATCH", "/api/v1/org", `{"mfa_required":true}`, owner.Apply), 200, "")
		expect(t, "no MFA yet", e.do("GET", "/api/v1/org/roles", "", withCookie(c, org)), 403, "mfa_required")

		expect(t, "verify before enrol", e.do("POST", "/api/v1/auth/mfa/verify", `{"code":"123456"}`, withCookie(c, uuid.Nil)), 409, "mfa_not_enrolling")
		r = e.do("POST", "/api/v1/auth/mfa/enroll", "", withCookie(c, uuid.Nil))
		expect(t, "enroll", r, 200, "")
		secret, _ := r.Body["secret"].(string)
		if secret == "" || r.Body["otpauth_url"] == "" {
			t.Fatalf("enroll: %s", r.Raw)
		}
		code := func(at time.Time) string {
			s, err := totp.GenerateCode(secret, at)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		expect(t, "wrong code", e.do("POST", "/api/v1/auth/mfa/verify", `{"code":"000000"}`, withCookie(c, uuid.Nil)), 422, "validation_failed")
		expect(t, "malformed code", e.do("POST", "/api/v1/auth/mfa/verify", `{"code":"12ab"}`, withCookie(c, uuid.Nil)), 422, "validation_failed")
		expect(t, "verify", e.do("POST", "/api/v1/auth/mfa/verify", fmt.Sprintf(`{"code":%q}`, code(e.clock.Now())), withCookie(c, uuid.Nil)), 200, "")
		var stored string
		if err := d.Reader.QueryRow(`SELECT totp_secret FROM users WHERE id = $1`, m.UserID.String()).Scan(&stored); err != nil || stored == "" || strings.Contains(stored, secret) {
			t.Fatalf("TOTP secret at rest: %q %v", stored, err)
		}
		// The enrolling session passed MFA now; the policy admits it... but
		// analysts cannot list roles: permission, not MFA, is the answer.
		expect(t, "MFA session", e.do("GET", "/api/v1/org/roles", "", withCookie(c, org)), 403, "permission_denied")

		// Login now needs a code; a code is single-use.
		expect(t, "login without code", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil), 401, "mfa_required")
		e.clock.Advance(30 * time.Second)
		now := code(e.clock.Now())
		with := fmt.Sprintf(`{"email":%q,"password":%q,"totp_code":%q}`, m.Email, m.Password, now)
		r = e.do("POST", "/api/v1/auth/login", with, nil)
		expect(t, "login with code", r, 200, "")
		if r.Body["mfa"] != true {
			t.Fatalf("session not marked MFA: %s", r.Raw)
		}
		expect(t, "replayed code", e.do("POST", "/api/v1/auth/login", with, nil), 401, "mfa_invalid")
		wrong := fmt.Sprintf(`{"email":%q,"password":%q,"totp_code":"999999"}`, m.Email, m.Password)
		if now == "999999" {
			wrong = fmt.Sprintf(`{"email":%q,"password":%q,"totp_code":"999998"}`, m.Email, m.Password)
		}
		expect(t, "wrong code at login", e.do("POST", "/api/v1/auth/login", wrong, nil), 401, "mfa_invalid")
		mc := r.cookie(identity.SessionCookie)
		expect(t, "enroll again", e.do("POST", "/api/v1/auth/mfa/enroll", "", withCookie(mc, uuid.Nil)), 409, "mfa_enabled")

		// Turning MFA off needs a fresh code, and the org policy then refuses.
		expect(t, "disable with a used code", e.do("POST", "/api/v1/auth/mfa/disable", fmt.Sprintf(`{"code":%q}`, now), withCookie(mc, uuid.Nil)), 422, "validation_failed")
		e.clock.Advance(30 * time.Second)
		expect(t, "disable", e.do("POST", "/api/v1/auth/mfa/disable", fmt.Sprintf(`{"code":%q}`, code(e.clock.Now())), withCookie(mc, uuid.Nil)), 204, "")
		expect(t, "policy after disable", e.do("GET", "/api/v1/org/roles", "", withCookie(mc, org)), 403, "mfa_required")
		expect(t, "login without code after disable", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil), 200, "")
	})
}

func TestPasswordChangeIsThrottled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		m := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		r := e.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil)
		expect(t, "login", r, 200, "")
		c := r.cookie(identity.SessionCookie)
		body := `{"current_password":"guess-guess-guess","new_password":"a-brand-new-password"}`
		for i := 1; i < identity.MaxAccountFailures; i++ {
			expect(t, "wrong current password", e.do("POST", "/api/v1/auth/password", body, withCookie(c, uuid.Nil)), 422, "validation_failed")
		}
		expect(t, "locked", e.do("POST", "/api/v1/auth/password", body, withCookie(c, uuid.Nil)), 429, "login_locked")
		right := fmt.Sprintf(`{"current_password":%q,"new_password":"a-brand-new-password"}`, m.Password)
		expect(t, "right password while locked", e.do("POST", "/api/v1/auth/password", right, withCookie(c, uuid.Nil)), 429, "login_locked")
	})
}
