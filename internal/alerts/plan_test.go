package alerts

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
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/normalize"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// TestListAndDetailPlansWithoutStatistics loads 100,000 alerts into a
// freshly migrated, never-analyzed PostgreSQL database (COPY, no ANALYZE)
// and checks that the hot list and detail queries scan only the index
// meant for them and touch a bounded number of buffers.
func TestListAndDetailPlansWithoutStatistics(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100,000 alerts")
	}
	ctx := context.Background()
	d := testdb.Open(t, db.Postgres)
	org := identitytest.NewOrg(t, d, "Plans")
	owner := testdb.OpenPostgresOwner(t, d)
	c := ingest.NewCopier(owner, org)
	now := time.Now().UTC()
	const n = 100000
	for done := 0; done < n; done += 20000 {
		var alerts []alert.Alert
		for i, s := range ingest.Samples(uint64(done)+1, 20000, 0, now) {
			as, err := normalize.Normalize(s.SourceType, s.Raw)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				a.ReceivedTime = now.Add(-time.Duration(n-done-i) * time.Second)
				a.EventTime = a.ReceivedTime.Add(-time.Minute)
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
	scope := tenant.System(org, "test")
	err := d.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var newest cursor
		newest.Sort = SortReceived
		var id string
		if err := tx.QueryRowContext(ctx, `SELECT id, received_time FROM alerts WHERE org_id = $1 ORDER BY received_time DESC, id DESC OFFSET 49 LIMIT 1`, org.String()).
			Scan(&id, &newest.Time); err != nil {
			return err
		}
		newest.ID = uuid.MustParse(id)
		list := func(f AlertQuery, cur *cursor) (string, []any) {
			return listQuery(db.Postgres, org, f, "", nil, nil, nil, cur, 50)
		}
		type check struct {
			name    string
			q       string
			args    []any
			indexes []string
			buffers int64
		}
		var checks []check
		add := func(name string, q string, args []any, buffers int64, indexes ...string) {
			checks = append(checks, check{name, q, args, indexes, buffers})
		}
		q, a := list(AlertQuery{Sort: SortReceived}, nil)
		add("newest 50", q, a, 200, "alerts_org_received")
		q, a = list(AlertQuery{Sort: SortReceived}, &newest)
		add("page 2 (cursor)", q, a, 200, "alerts_org_received")
		q, a = list(AlertQuery{Sort: SortReceived, Statuses: []alert.Status{alert.StatusNew}}, nil)
		add("status=new", q, a, 300, "alerts_org_status", "alerts_org_received")
		add("detail", `SELECT `+listCols+` FROM alerts a WHERE a.org_id = $1 AND a.id = $2`, []any{org.String(), id}, 20, "alerts_pkey")
		add("detail raw", `SELECT raw, unmapped FROM alerts WHERE org_id = $1 AND id = $2`, []any{org.String(), id}, 20, "alerts_pkey")
		add("detail entities", `SELECT e.type, e.value, ae.role FROM alert_entities ae JOIN entities e ON e.id = ae.entity_id
WHERE ae.org_id = $1 AND ae.alert_id = $2 ORDER BY e.type, e.value, ae.role`, []any{org.String(), id}, 60, "alert_entities_pkey", "entities_pkey")
		var pageIDs []string
		rs, err := tx.QueryContext(ctx, `SELECT id FROM alerts WHERE org_id = $1 ORDER BY received_time DESC, id DESC LIMIT 50`, org.String())
		if err != nil {
			return err
		}
		for rs.Next() {
			var pid string
			if err := rs.Scan(&pid); err != nil {
				return err
			}
			pageIDs = append(pageIDs, pid)
		}
		if err := rs.Close(); err != nil {
			return err
		}
		add("page entities", entitiesQuery(db.Postgres, len(pageIDs)), entitiesArgs(db.Postgres, org, pageIDs), 1000, "alert_entities_pkey", "entities_pkey")
		for _, c := range checks {
			p := testdb.Explain(ctx, t, tx, c.q, c.args...)
			used := p.Indexes()
			if len(used) == 0 || len(p.SeqScans()) > 0 || slices.ContainsFunc(used, func(ix string) bool { return !slices.Contains(c.indexes, ix) }) {
				t.Errorf("%s: scans %v (sequential: %v), want only %v:\n%s", c.name, used, p.SeqScans(), c.indexes, p.JSON)
			}
			if p.Buffers() > c.buffers {
				t.Errorf("%s: %d buffers, want at most %d:\n%s", c.name, p.Buffers(), c.buffers, p.JSON)
			}
			t.Logf("%s: %s, %d buffers", c.name, strings.Join(used, ","), p.Buffers())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
