package ingest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/normalize"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// LoadNeverAnalyzed fills a fresh org of d (PostgreSQL, the app role) with n
// realistic alerts through COPY as the owner, without ANALYZE, and checks
// the alert table has never been analyzed. It returns the org.
func loadNeverAnalyzed(t *testing.T, d *db.DB, org uuid.UUID, n int) {
	t.Helper()
	ctx := context.Background()
	owner := testdb.OpenPostgresOwner(t, d)
	c := NewCopier(owner, org)
	now := time.Now().UTC()
	for done := 0; done < n; done += 20000 {
		m := min(20000, n-done)
		var alerts []alert.Alert
		for i, s := range Samples(uint64(done)+1, m, 0, now) {
			as, err := normalize.Normalize(s.SourceType, s.Raw)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				a.ReceivedTime = now.Add(-time.Duration(n-done-i) * time.Second)
				alerts = append(alerts, a)
			}
		}
		if _, err := c.Copy(ctx, alerts); err != nil {
			t.Fatal(err)
		}
	}
	var analyzed bool
	if err := owner.Pool.QueryRow(ctx, `SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'alerts'`).Scan(&analyzed); err != nil {
		t.Fatal(err)
	}
	if analyzed {
		t.Fatal("alerts was analyzed: the test needs a never-analyzed table")
	}
}

// TestIntakeQueryPlansWithoutStatistics checks each hot query of the
// intake path on a freshly migrated, never-analyzed PostgreSQL database,
// empty (the plan a pooled connection may cache at start) and loaded with
// 100,000 alerts: it scans only the indexes meant for it and, loaded,
// touches a bounded number of buffers (a plan that reads the org's alerts
// would touch thousands).
func TestIntakeQueryPlansWithoutStatistics(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100,000 alerts")
	}
	d := testdb.Open(t, db.Postgres)
	org := identitytest.NewOrg(t, d, "Plans")
	checkIntakePlans(t, d, org, false)
	loadNeverAnalyzed(t, d, org, 100000)
	checkIntakePlans(t, d, org, true)
}

func checkIntakePlans(t *testing.T, d *db.DB, org uuid.UUID, loaded bool) {
	t.Helper()
	ctx := context.Background()
	scope := tenant.System(org, "test")
	err := d.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if !loaded {
			keys := []string{"k1", "k2"}
			types, values := []string{"ip", "hostname"}, []string{"10.0.0.1", "web-01"}
			return explainIntake(ctx, t, tx, org, keys, types, values, false)
		}
		var keys, types, values []string
		rs, err := tx.QueryContext(ctx, `SELECT dedup_key FROM alerts WHERE org_id = $1 ORDER BY received_time DESC LIMIT 40`, org.String())
		if err != nil {
			return err
		}
		for rs.Next() {
			var k string
			if err := rs.Scan(&k); err != nil {
				return err
			}
			keys = append(keys, k, k+"-missing")
		}
		if err := rs.Close(); err != nil {
			return err
		}
		rs, err = tx.QueryContext(ctx, `SELECT type, value FROM entities WHERE org_id = $1 ORDER BY id LIMIT 40`, org.String())
		if err != nil {
			return err
		}
		for rs.Next() {
			var ty, v string
			if err := rs.Scan(&ty, &v); err != nil {
				return err
			}
			types, values = append(types, ty), append(values, v)
		}
		if err := rs.Close(); err != nil {
			return err
		}
		return explainIntake(ctx, t, tx, org, keys, types, values, true)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func explainIntake(ctx context.Context, t *testing.T, tx *db.Tx, org uuid.UUID, keys, types, values []string, loaded bool) error {
	t.Helper()
	for _, c := range []struct {
		name, q string
		args    []any
		indexes []string
		buffers int64
	}{
		{"boundary lookup (80 keys)", boundaryLookupPG, []any{org.String(), keys}, []string{"alerts_org_dedup"}, 600},
		{"entity ids (40 entities)", entityLookupPG, []any{org.String(), types, values}, []string{"entities_org_type_value", "entities_org_value"}, 300},
		{"source", `SELECT ` + sourceCols + ` FROM alert_sources WHERE org_id = $1 AND id = $2`, []any{org.String(), uuid.NewString()}, []string{"alert_sources_pkey", "alert_sources_org_id_name_key"}, 20},
		{"idempotency replay", `SELECT request_hash, status, response FROM ingest_idempotency WHERE org_id = $1 AND key = $2 AND expires_at > $3`,
			[]any{org.String(), "k", time.Now()}, []string{"ingest_idempotency_pkey"}, 20},
	} {
		p := testdb.Explain(ctx, t, tx, c.q, c.args...)
		if used := p.Indexes(); len(used) == 0 || len(p.SeqScans()) > 0 || slices.ContainsFunc(used, func(ix string) bool { return !slices.Contains(c.indexes, ix) }) {
			t.Errorf("%s: scans %v (sequential: %v), want only %v:\n%s", c.name, used, p.SeqScans(), c.indexes, p.JSON)
		}
		if loaded && p.Buffers() > c.buffers {
			t.Errorf("%s: %d buffers, want at most %d:\n%s", c.name, p.Buffers(), c.buffers, p.JSON)
		}
		t.Logf("%s (loaded %v): %s, %d buffers", c.name, loaded, strings.Join(p.Indexes(), ","), p.Buffers())
	}
	return nil
}
