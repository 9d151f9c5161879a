package identity_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// Credentials that identify nobody (a random cookie, a malformed key, an
// unknown key prefix) are refused like missing ones and not written to the
// append-only audit chain: otherwise anyone could grow it without bound and
// hold its lock at HTTP speed. Failures of real credentials are audited.
func TestDenialsOfUnknownCredentialsAreNotAudited(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		key := identitytest.NewAPIKey(t, d, org, rbac.AlertsRead)
		before := len(platformActions(t, d))
		for range 5 {
			expect(t, "random cookie", e.do("GET", "/api/v1/auth/me", "", withCookie(&http.Cookie{Name: identity.SessionCookie, Value: uuid.NewString()}, uuid.Nil)), 401, "session_invalid")
			expect(t, "malformed key", e.do("GET", "/api/v1/auth/me", "", nil, "Authorization", "Bearer nope"), 401, "api_key_invalid")
			expect(t, "unknown prefix", e.do("GET", "/api/v1/auth/me", "", nil, "Authorization", "Bearer snk_0123456789ab_"+"abcdefghijklmnopqrstuvwxyz234567abcdefgh"), 401, "api_key_invalid")
		}
		if after := platformActions(t, d); len(after) != before {
			t.Fatalf("unknown credentials wrote %d audit entries: %v", len(after)-before, after[before:])
		}
		// A real key's prefix with a wrong secret is an attack on that key.
		forged := key.Token[:len(key.Token)-1] + "a"
		if forged == key.Token {
			forged = key.Token[:len(key.Token)-1] + "b"
		}
		expect(t, "forged secret", e.do("GET", "/api/v1/auth/me", "", nil, "Authorization", "Bearer "+forged), 401, "api_key_invalid")
		if after := platformActions(t, d); !contains(after[before:], "access.denied:denied") {
			t.Fatalf("a wrong secret for a real key must be audited: %v", after[before:])
		}
	})
}

// Sign-in attempts refused because of a lockout are not audited one by one
// (the failure that set the lock is).
func TestLockedSignInRefusalsAreNotAudited(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		m := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		for range identity.MaxAccountFailures - 1 {
			expect(t, "failure", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, "wrong-password!"), nil), 401, "invalid_credentials")
		}
		expect(t, "locking failure", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, "wrong-password!"), nil), 429, "login_locked")
		before := platformActions(t, d)
		if n := countOf(before, "auth.login:failure"); n != identity.MaxAccountFailures {
			t.Fatalf("failures audited %d times, want %d: %v", n, identity.MaxAccountFailures, before)
		}
		for range 10 {
			expect(t, "while locked", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil), 429, "login_locked")
		}
		if after := platformActions(t, d); len(after) != len(before) {
			t.Fatalf("locked refusals were audited: %v", after[len(before):])
		}
	})
}

func countOf(list []string, want string) int {
	n := 0
	for _, s := range list {
		if s == want {
			n++
		}
	}
	return n
}
