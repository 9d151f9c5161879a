package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// TestAPIKeyCacheHonoursRevocationWithinTTL revokes a verified key behind
// the process's back (as another replica would, straight in the database):
// the cached verification is trusted for at most APIKeyCacheTTL, then the
// key is refused. A revocation through this process is refused at once.
func TestAPIKeyCacheHonoursRevocationWithinTTL(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Cache")
		key := identitytest.NewAPIKey(t, d, org, rbac.AlertsRead)
		expect(t, "fresh key", e.do("GET", "/api/v1/auth/me", "", key.Apply), 200, "")
		owner := d
		if d.Dialect == db.Postgres {
			owner = testdb.OpenPostgresOwner(t, d)
		}
		if _, err := owner.Writer.ExecContext(context.Background(), `UPDATE api_keys SET revoked_at = $1 WHERE id = $2`, time.Now().UTC(), key.ID.String()); err != nil {
			t.Fatal(err)
		}
		expect(t, "revoked elsewhere, within the cache time", e.do("GET", "/api/v1/auth/me", "", key.Apply), 200, "")
		e.clock.Advance(identity.APIKeyCacheTTL)
		expect(t, "revoked elsewhere, after the cache time", e.do("GET", "/api/v1/auth/me", "", key.Apply), 401, "api_key_invalid")

		other := identitytest.NewAPIKey(t, d, org, rbac.AlertsRead, rbac.APIKeysManage)
		expect(t, "second key", e.do("GET", "/api/v1/auth/me", "", other.Apply), 200, "")
		expect(t, "revoke through the API", e.do("DELETE", "/api/v1/org/api-keys/"+other.ID.String(), "", other.Apply), 204, "")
		expect(t, "revoked here", e.do("GET", "/api/v1/auth/me", "", other.Apply), 401, "api_key_invalid")
	})
}
