package timeline

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// TestEntityFilterPlanWithoutStatistics: on never-analyzed tables holding
// an incident of 3,000 linked alerts, the entity filter reads one range of
// incident_alert_entities' primary key in page order (no sort, no scan of
// the incident's alerts), and the alert branch then fetches the listed
// alerts by primary key. Without statistics the planner takes (org_id,
// incident_id) for a single row, so a filter on the incident's alerts
// would walk all of them.
func TestEntityFilterPlanWithoutStatistics(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := identitytest.NewOrg(t, d, "Plan")
		scope := identitytest.NewMember(t, d, org, rbac.RoleAnalyst).Scope()
		inc, err := (&incident.Store{DB: d, Alerts: &alerts.Store{DB: d}}).Create(ctx, scope, incident.NewIncident{Title: "Plan", Severity: "high"})
		if err != nil {
			t.Fatal(err)
		}
		owner := d
		explain := "EXPLAIN QUERY PLAN "
		load := `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 3000)
INSERT INTO incident_alerts (org_id, alert_id, incident_id, added_at, added_by, title, source_type, event_time, entities)
SELECT $1, lower(hex(randomblob(16))), $2, datetime('now'), 'test', 't', 'suricata', datetime('now', '+' || n || ' seconds'),
  json_array(json_object('type', 'hostname', 'value', 'host-' || (n % 50)), json_object('type', 'user', 'value', 'u-' || n)) FROM g`
		if d.Dialect == db.Postgres {
			owner = testdb.OpenPostgresOwner(t, d)
			explain = "EXPLAIN "
			load = `INSERT INTO incident_alerts (org_id, alert_id, incident_id, added_at, added_by, title, source_type, event_time, entities)
SELECT $1, gen_random_uuid(), $2, now(), 'test', 't', 'suricata', now() + n * interval '1 second',
  jsonb_build_array(jsonb_build_object('type', 'hostname', 'value', 'host-' || (n % 50)), jsonb_build_object('type', 'user', 'value', 'u-' || n))
FROM generate_series(1, 3000) n`
		}
		if _, err := owner.Writer.ExecContext(ctx, load, org.String(), inc.ID.String()); err != nil {
			t.Fatal(err)
		}
		if d.Dialect == db.Postgres {
			var n int
			if err := owner.Writer.QueryRowContext(ctx, `SELECT count(*) FROM pg_statistic s JOIN pg_class c ON c.oid = s.starelid
WHERE c.relname IN ('incident_alerts', 'incident_alert_entities')`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("statistics present (%d, %v): the test needs never-analyzed tables", n, err)
			}
		}
		plan := func(q string, args []any) string {
			t.Helper()
			rs, err := owner.Writer.QueryContext(ctx, explain+q, args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, q)
			}
			defer func() { _ = rs.Close() }()
			cols, _ := rs.Columns()
			var lines []string
			for rs.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rs.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				lines = append(lines, fmt.Sprint(vals...))
			}
			return strings.Join(lines, "\n")
		}
		host := Query{Entities: []LinkedEntity{{Type: "hostname", Value: "host-7"}}, Types: []string{TypeAlert}}
		for _, c := range []struct {
			name string
			q    Query
			k    *key
		}{
			{"first page", host, nil},
			{"newest first", Query{Entities: host.Entities, Types: host.Types, Descending: true}, nil},
			{"keyset", host, &key{ID: uuid.New()}},
			{"with a source", Query{Entities: host.Entities, Types: host.Types, Sources: []string{"suricata"}}, nil},
			{"every type", Query{Entities: host.Entities}, nil},
		} {
			text, args := buildQuery(d.Dialect, org, []uuid.UUID{inc.ID}, c.q, c.k, 100)
			p := plan(text, args)
			if d.Dialect == db.Postgres {
				// The one sort allowed merges the branches' limited rows.
				if !strings.Contains(p, "incident_alert_entities_pkey") || !strings.Contains(p, "incident_alerts_pkey") ||
					strings.Contains(p, "Seq Scan") || strings.Contains(p, "incident_alerts_event_time") {
					t.Errorf("%s: the entity filter does not read incident_alert_entities_pkey and fetch the alerts by primary key:\n%s", c.name, p)
				}
			} else if !strings.Contains(p, "SEARCH x USING PRIMARY KEY (org_id=? AND incident_id=? AND type=? AND value=?") ||
				!strings.Contains(p, "SEARCH ia USING INDEX sqlite_autoindex_incident_alerts_1 (org_id=? AND alert_id=?)") {
				t.Errorf("%s: the entity filter does not read the primary key of incident_alert_entities and fetch the alerts by primary key:\n%s", c.name, p)
			}
		}
	})
}
