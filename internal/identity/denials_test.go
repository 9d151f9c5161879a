package identity_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// 300 refused requests from one source in one minute write one entry as
// they happen and one summary counting the rest, not 300 rows.
func TestDenialsAreAggregatedPerSource(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		key := identitytest.NewAPIKey(t, d, org, rbac.AlertsRead)
		forged := key.Token[:len(key.Token)-1] + "a"
		if forged == key.Token {
			forged = key.Token[:len(key.Token)-1] + "b"
		}
		denied := func() []audit.Stored {
			conn := d
			if d.Dialect == db.Postgres {
				conn = testdb.OpenPostgresOwner(t, d)
			}
			var out []audit.Stored
			if err := audit.EachInChain(context.Background(), conn, uuid.Nil, func(s audit.Stored) error {
				if s.Action == "access.denied" {
					out = append(out, s)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		before := len(denied())
		for range 300 {
			expect(t, "forged secret", e.do("GET", "/api/v1/auth/me", "", nil, "Authorization", "Bearer "+forged), 401, "api_key_invalid")
		}
		if got := len(denied()) - before; got != 1 {
			t.Fatalf("300 denials in one minute wrote %d entries, want 1 (the rest counted)", got)
		}
		// The next minute's first denial writes the summary of the last
		// one, then itself.
		e.clock.Advance(time.Minute + time.Second)
		expect(t, "forged secret", e.do("GET", "/api/v1/auth/me", "", nil, "Authorization", "Bearer "+forged), 401, "api_key_invalid")
		rows := denied()[before:]
		if len(rows) != 3 {
			t.Fatalf("wrote %d entries, want 3 (first, summary, next minute's first)", len(rows))
		}
		var sum map[string]string
		if err := json.Unmarshal(rows[1].Details, &sum); err != nil {
			t.Fatal(err)
		}
		if sum["aggregated"] != "true" || sum["count"] != "299" || sum["code"] != "api_key_invalid" || rows[1].IP == "" {
			t.Fatalf("summary %s (ip %q), want aggregated count 299 for the source", rows[1].Details, rows[1].IP)
		}
	})
}
