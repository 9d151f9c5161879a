package ingest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// TestCompactAlertIndexesMigration runs migration 00230 down and up over
// stored alerts: every entity link survives both table rebuilds (SQLite),
// the list indexes are ascending after up (descending after down), the
// SQLite link table is clustered on its key and the PostgreSQL GIN
// indexes have no pending list.
func TestCompactAlertIndexesMigration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := identitytest.NewOrg(t, d, "Compact")
		scope := tenant.System(org, "test")
		now := time.Now().UTC()
		var as []alert.Alert
		for i := range 40 {
			as = append(as, alert.Alert{
				Title: fmt.Sprintf("alert %d", i), Severity: alert.SeverityHigh, Source: alert.Source{Type: "test"},
				Fingerprint: fmt.Sprintf("%064x", i), ReceivedTime: now.Add(time.Duration(i) * time.Second),
				Entities: []alert.Entity{
					{Type: alert.EntityIP, Value: fmt.Sprintf("10.0.0.%d", i%7), Role: "src"},
					{Type: alert.EntityHostname, Value: "host-a", Role: "host"},
				},
			})
		}
		if n, err := NewStore(d, nil).WriteAlerts(ctx, scope, as); err != nil || n != len(as) {
			t.Fatalf("write: %d %v", n, err)
		}
		owner := d
		if d.Dialect == db.Postgres {
			owner = testdb.OpenPostgresOwner(t, d)
		}
		links := func() []string {
			t.Helper()
			out, err := db.Collect(ctx, owner.Reader, func(s db.Scanner) (string, error) {
				var l string
				return l, s.Scan(&l)
			}, `SELECT alert_id || '|' || entity_id || '|' || org_id || '|' || role FROM alert_entities ORDER BY 1`)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		indexDef := func(name string) string {
			t.Helper()
			q := `SELECT sql FROM sqlite_master WHERE name = $1`
			if d.Dialect == db.Postgres {
				q = `SELECT indexdef || ' ' || coalesce(array_to_string(c.reloptions, ','), '') FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname WHERE i.indexname = $1`
			}
			var def string
			if err := owner.Reader.QueryRowContext(ctx, q, name).Scan(&def); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return def
		}
		byEntity := func() int {
			t.Helper()
			var n int
			if err := owner.Reader.QueryRowContext(ctx, `SELECT count(*) FROM alert_entities ae JOIN entities e ON e.id = ae.entity_id
WHERE e.org_id = $1 AND e.type = 'ip' AND e.value = '10.0.0.3'`, org.String()).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		want := links()
		if len(want) != 2*len(as) || byEntity() != 6 {
			t.Fatalf("links before: %d, ip links %d", len(want), byEntity())
		}
		listIndexes := []string{"alerts_org_received", "alerts_org_event", "alerts_org_severity", "alerts_org_status", "alerts_org_source_type", "alerts_org_assignee"}
		check := func(stage string, descending bool) {
			t.Helper()
			if got := links(); !slices.Equal(got, want) {
				t.Fatalf("%s: links %d, want %d", stage, len(got), len(want))
			}
			if n := byEntity(); n != 6 {
				t.Fatalf("%s: ip links %d", stage, n)
			}
			for _, ix := range listIndexes {
				if def := indexDef(ix); strings.Contains(def, "DESC") != descending {
					t.Errorf("%s: %s", stage, def)
				}
			}
			if d.Dialect == db.SQLite {
				if def := indexDef("alert_entities"); strings.Contains(def, "WITHOUT ROWID") == descending {
					t.Errorf("%s: %s", stage, def)
				}
				return
			}
			for _, ix := range []string{"alerts_search", "alerts_tags", "alerts_technique_roots"} {
				if def := indexDef(ix); strings.Contains(def, "fastupdate=off") == descending {
					t.Errorf("%s: %s", stage, def)
				}
			}
		}
		check("migrated", false)
		p, err := owner.Provider()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.ApplyVersion(ctx, 230, false); err != nil {
			t.Fatalf("down 230: %v", err)
		}
		check("down", true)
		if _, err := p.ApplyVersion(ctx, 230, true); err != nil {
			t.Fatalf("up 230: %v", err)
		}
		check("up", false)
	})
}
