package identity_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
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

// Enabling MFA shows a locally rendered QR code, signs out the sessions that
// passed only the password, and issues single-use recovery codes that sign
// in once each in place of a TOTP code.
func TestMFAEnableRevokesSessionsAndIssuesRecoveryCodes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		m := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		login := func(what, body string, status int, code string) response {
			t.Helper()
			r := e.do("POST", "/api/v1/auth/login", body, nil)
			expect(t, what, r, status, code)
			return r
		}
		a := login("login A", loginBody(m.Email, m.Password), 200, "").cookie(identity.SessionCookie)
		b := login("login B", loginBody(m.Email, m.Password), 200, "").cookie(identity.SessionCookie)

		r := e.do("POST", "/api/v1/auth/mfa/enroll", "", withCookie(a, uuid.Nil))
		expect(t, "enroll", r, 200, "")
		secret, _ := r.Body["secret"].(string)
		qr, _ := r.Body["qr_png"].(string)
		png, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(qr, "data:image/png;base64,"))
		if !strings.HasPrefix(qr, "data:image/png;base64,") || err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("qr_png is not a PNG data URL: %.60q (%v)", qr, err)
		}
		code := func() string {
			c, err := totp.GenerateCode(secret, e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		r = e.do("POST", "/api/v1/auth/mfa/verify", fmt.Sprintf(`{"code":%q}`, code()), withCookie(a, uuid.Nil))
		expect(t, "verify", r, 200, "")
		codes := recoveryCodes(t, r)
		// B and the session the fixture signed in with.
		if r.Body["revoked_sessions"] != float64(2) {
			t.Fatalf("revoked_sessions: %s", r.Raw)
		}
		expect(t, "password-only session B is signed out", e.do("GET", "/api/v1/auth/me", "", withCookie(b, uuid.Nil)), 401, "")
		expect(t, "fixture session is signed out", e.do("GET", "/api/v1/auth/me", "", m.Apply), 401, "")
		expect(t, "enrolling session A stays", e.do("GET", "/api/v1/auth/me", "", withCookie(a, uuid.Nil)), 200, "")

		left := func(want int) {
			t.Helper()
			r := e.do("GET", "/api/v1/auth/mfa", "", withCookie(a, uuid.Nil))
			expect(t, "mfa status", r, 200, "")
			if r.Body["enabled"] != true || r.Body["recovery_codes_left"] != float64(want) {
				t.Fatalf("mfa status: %s, want %d left", r.Raw, want)
			}
		}
		left(identity.RecoveryCodeCount)

		withRecovery := func(c string) string {
			return fmt.Sprintf(`{"email":%q,"password":%q,"recovery_code":%q}`, m.Email, m.Password, c)
		}
		r = login("recovery code", withRecovery(codes[0]), 200, "")
		if r.Body["mfa"] != true {
			t.Fatalf("a recovery-code session passed MFA: %s", r.Raw)
		}
		login("recovery code reused", withRecovery(codes[0]), 401, "mfa_invalid")
		login("made-up recovery code", withRecovery("aaaa-bbbb-cccc-dddd"), 401, "mfa_invalid")
		// Typed in capitals without dashes, a code still works once.
		login("recovery code as typed", withRecovery(strings.ToUpper(strings.ReplaceAll(codes[1], "-", ""))), 200, "")
		left(identity.RecoveryCodeCount - 2)

		// Regenerating needs a current code and voids every earlier code.
		expect(t, "regenerate with a wrong code", e.do("POST", "/api/v1/auth/mfa/recovery-codes", `{"code":"000000"}`, withCookie(a, uuid.Nil)), 422, "validation_failed")
		e.clock.Advance(30 * time.Second)
		r = e.do("POST", "/api/v1/auth/mfa/recovery-codes", fmt.Sprintf(`{"code":%q}`, code()), withCookie(a, uuid.Nil))
		expect(t, "regenerate", r, 200, "")
		fresh := recoveryCodes(t, r)
		login("old unused code after regenerate", withRecovery(codes[2]), 401, "mfa_invalid")
		login("new code", withRecovery(fresh[0]), 200, "")

		// Turning MFA off drops the codes with the factor.
		e.clock.Advance(30 * time.Second)
		expect(t, "disable", e.do("POST", "/api/v1/auth/mfa/disable", fmt.Sprintf(`{"code":%q}`, code()), withCookie(a, uuid.Nil)), 204, "")
		var n int
		if err := d.Reader.QueryRow(`SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = $1`, m.UserID.String()).Scan(&n); err != nil || n != 0 {
			t.Fatalf("recovery codes after disable: %d %v", n, err)
		}
	})
}

func recoveryCodes(t *testing.T, r response) []string {
	t.Helper()
	raw, _ := r.Body["recovery_codes"].([]any)
	seen := map[string]bool{}
	var out []string
	for _, c := range raw {
		s, _ := c.(string)
		if len(s) != 19 || seen[s] {
			t.Fatalf("recovery code %q malformed or repeated: %s", s, r.Raw)
		}
		seen[s] = true
		out = append(out, s)
	}
	if len(out) != identity.RecoveryCodeCount {
		t.Fatalf("got %d recovery codes: %s", len(out), r.Raw)
	}
	return out
}
