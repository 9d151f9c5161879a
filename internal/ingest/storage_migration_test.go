package ingest

import (
	"context"
	"encoding/json"
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

// TestCompactAlertIndexesMigration runs migrations 00232-00230 down and up
// again over stored alerts: every entity link survives both table
// rebuilds (SQLite), the list indexes are ascending after up (descending
// after down), the SQLite link table is clustered on its key, the
// PostgreSQL GIN indexes have no pending list, free text is indexed as an
// expression (a stored column after down) and still matches, and the
// dropped alerts.entities is rebuilt from the links by 00232's down.
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
			var text int
			if err := owner.Reader.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE org_id = $1
AND to_tsvector('simple', title || ' ' || description) @@ plainto_tsquery('simple', 'alert')`, org.String()).Scan(&text); err != nil || text != len(as) {
				t.Fatalf("%s: free text %d %v", stage, text, err)
			}
			if def := indexDef("alerts_search"); strings.Contains(def, "to_tsvector") == descending {
				t.Errorf("%s: %s", stage, def)
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
		// 00231 (PostgreSQL: free-text index on an expression) builds on
		// 00230; 00232 drops alerts.entities (down rebuilds it from the links).
		for _, v := range []int64{232, 231, 230} {
			if _, err := p.ApplyVersion(ctx, v, false); err != nil {
				t.Fatalf("down %d: %v", v, err)
			}
		}
		check("down", true)
		var ents string
		if err := owner.Reader.QueryRowContext(ctx, `SELECT entities FROM alerts WHERE title = 'alert 3'`).Scan(&ents); err != nil {
			t.Fatal(err)
		}
		var got []alert.Entity
		if err := json.Unmarshal([]byte(ents), &got); err != nil {
			t.Fatal(err)
		}
		wantEnts := []alert.Entity{{Type: alert.EntityHostname, Value: "host-a", Role: "host"}, {Type: alert.EntityIP, Value: "10.0.0.3", Role: "src"}}
		if !slices.Equal(got, wantEnts) {
			t.Errorf("entities rebuilt from links: %s, want %v", ents, wantEnts)
		}
		for _, v := range []int64{230, 231, 232} {
			if _, err := p.ApplyVersion(ctx, v, true); err != nil {
				t.Fatalf("up %d: %v", v, err)
			}
		}
		check("up", false)
		if _, err := owner.Reader.ExecContext(ctx, `SELECT entities FROM alerts`); err == nil {
			t.Error("alerts.entities still exists after up")
		}
	})
}
