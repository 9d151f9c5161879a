package identity_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// Guesses sent at once must not all pass the lockout check before the
// first failure is recorded: at most MaxAccountFailures-1 of them may be
// answered "wrong password", the rest are locked out.
func TestLoginLockoutHoldsUnderConcurrentGuesses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		m := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		const guesses = 4 * identity.MaxAccountFailures
		codes := make([]string, guesses)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range guesses {
			wg.Go(func() {
				<-start
				resp, err := http.Post(e.srv.URL+"/api/v1/auth/login", "application/json", strings.NewReader(loginBody(m.Email, fmt.Sprintf("wrong-password-%02d", i))))
				if err != nil {
					codes[i] = err.Error()
					return
				}
				defer func() { _ = resp.Body.Close() }()
				var p struct{ Code string }
				_ = json.NewDecoder(resp.Body).Decode(&p)
				codes[i] = fmt.Sprintf("%d %s", resp.StatusCode, p.Code)
			})
		}
		close(start)
		wg.Wait()
		wrong := 0
		for _, c := range codes {
			switch c {
			case "401 invalid_credentials":
				wrong++
			case "429 login_locked":
			default:
				t.Fatalf("unexpected answer %q", c)
			}
		}
		if wrong >= identity.MaxAccountFailures {
			t.Fatalf("%d of %d concurrent guesses were checked; the limit is %d: %v", wrong, guesses, identity.MaxAccountFailures, codes)
		}
		expect(t, "right password after the burst", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil), 429, "login_locked")
		e.clock.Advance(identity.LockoutDuration + time.Second)
		expect(t, "after the lockout", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil), 200, "")
	})
}

// A missing TOTP code is not a failed guess, and a success gives the IP's
// reserved attempt back.
func TestLoginAttemptsAreReleased(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		m := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		for range identity.MaxIPFailures + 5 {
			expect(t, "login", e.do("POST", "/api/v1/auth/login", loginBody(m.Email, m.Password), nil), 200, "")
		}
		var n int
		if err := d.Reader.QueryRow(`SELECT COALESCE(SUM(failures), 0) FROM login_throttle`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("successful logins left %d counted attempts (%v)", n, err)
		}
	})
}

// Turning MFA off with a code is throttled like sign-in: someone holding a
// stolen session cannot walk the million six-digit codes.
func TestMFADisableIsThrottled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		m := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		r := e.do("POST", "/api/v1/auth/mfa/enroll", "", m.Apply)
		expect(t, "enroll", r, 200, "")
		secret, _ := r.Body["secret"].(string)
		code := func() string {
			c, err := totp.GenerateCode(secret, e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		expect(t, "verify", e.do("POST", "/api/v1/auth/mfa/verify", fmt.Sprintf(`{"code":%q}`, code()), m.Apply), 200, "")
		e.clock.Advance(30 * time.Second)
		wrong := "000000"
		if code() == wrong {
			wrong = "000001"
		}
		body := fmt.Sprintf(`{"code":%q}`, wrong)
		for i := 1; i < identity.MaxAccountFailures; i++ {
			expect(t, "wrong code", e.do("POST", "/api/v1/auth/mfa/disable", body, m.Apply), 422, "validation_failed")
		}
		expect(t, "locked", e.do("POST", "/api/v1/auth/mfa/disable", body, m.Apply), 429, "login_locked")
		expect(t, "right code while locked", e.do("POST", "/api/v1/auth/mfa/disable", fmt.Sprintf(`{"code":%q}`, code()), m.Apply), 429, "login_locked")
		if u, err := e.svc.Store.UserByID(t.Context(), m.UserID); err != nil || !u.MFAEnabled {
			t.Fatalf("MFA must still be on: %+v %v", u.MFAEnabled, err)
		}
	})
}
