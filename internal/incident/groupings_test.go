package incident_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/testdb"
)

// A correlated incident stores its explanation once per grouping; each
// link keeps a reference and its own matched entities, and the API answer
// still carries the explanation on every linked alert. Migration 00215
// converts rows that embed the explanation (down restores them).
func TestExplanationStoredOncePerGrouping(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		alice := alert.Entity{Type: alert.EntityUser, Value: "alice", Role: "actor"}
		host := alert.Entity{Type: alert.EntityHostname, Value: "ws-7", Role: "host"}
		a1 := e.alert("one", nil, alice, host)
		a2 := e.alert("two", nil, alice)
		a3 := e.alert("three", nil, alice, host)
		why := incident.Explanation{Rule: "shared-user-host", RuleVersion: 1, GroupKey: "user:alice",
			SharedEntities: []alert.Entity{{Type: alert.EntityUser, Value: "alice"}, {Type: alert.EntityHostname, Value: "ws-7"}},
			WindowStart:    time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), WindowEnd: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC),
			Score: 0.5, Summary: strings.Repeat("long summary ", 40)}
		id, err := e.store.OpenCorrelated(ctx, e.scope, incident.GroupIncident{Title: "t", Alerts: []uuid.UUID{a1, a2}, Why: why})
		if err != nil {
			t.Fatal(err)
		}
		why.Summary = "grown"
		if _, ok, err := e.store.AttachCorrelated(ctx, e.scope, id, []uuid.UUID{a3}, why); err != nil || !ok {
			t.Fatalf("attach: %v %v", ok, err)
		}
		check := func(stage string) {
			t.Helper()
			linked, _, err := e.store.LinkedAlerts(ctx, e.scope, id, nil, 10)
			if err != nil || len(linked) != 3 {
				t.Fatalf("%s: linked %d %v", stage, len(linked), err)
			}
			for _, l := range linked {
				p := l.Provenance
				if p.Via != "correlate" || p.Explanation == nil || p.Explanation.Summary != "grown" || p.GroupingID == nil ||
					*p.GroupingID != *linked[0].Provenance.GroupingID || len(p.Explanation.SharedEntities) != 2 {
					t.Fatalf("%s: provenance of %s: %+v", stage, l.Title, p)
				}
			}
		}
		check("live")
		owner := d
		if d.Dialect == db.Postgres {
			owner = testdb.OpenPostgresOwner(t, d)
		}
		rawProv := func() []string {
			t.Helper()
			rs, err := owner.Writer.QueryContext(ctx, `SELECT provenance FROM incident_alerts WHERE incident_id = $1 ORDER BY alert_id`, id.String())
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = rs.Close() }()
			var out []string
			for rs.Next() {
				var s string
				if err := rs.Scan(&s); err != nil {
					t.Fatal(err)
				}
				out = append(out, s)
			}
			return out
		}
		for _, p := range rawProv() {
			if strings.Contains(p, "explanation") || len(p) > 200 {
				t.Fatalf("per-link provenance is not small: %s", p)
			}
		}
		var groupings int
		if err := owner.Writer.QueryRowContext(ctx, `SELECT count(*) FROM incident_groupings WHERE incident_id = $1`, id.String()).Scan(&groupings); err != nil || groupings != 1 {
			t.Fatalf("groupings %d %v", groupings, err)
		}
		// Matched entities are the alert's own among the shared ones.
		linked, _, _ := e.store.LinkedAlerts(ctx, e.scope, id, nil, 10)
		for _, l := range linked {
			want := 2
			if l.Title == "two" {
				want = 1
			}
			if len(l.Provenance.Matched) != want {
				t.Fatalf("%s matched %+v", l.Title, l.Provenance.Matched)
			}
		}

		// Down: the explanation is embedded in every link again; up converts.
		p, err := owner.Provider()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.ApplyVersion(ctx, 215, false); err != nil {
			t.Fatalf("down 215: %v", err)
		}
		for _, pr := range rawProv() {
			if !strings.Contains(pr, `"grown"`) {
				t.Fatalf("down did not embed the explanation: %s", pr)
			}
		}
		if _, err := p.ApplyVersion(ctx, 215, true); err != nil {
			t.Fatalf("up 215: %v", err)
		}
		for _, pr := range rawProv() {
			if strings.Contains(pr, "explanation") {
				t.Fatalf("up left the explanation in the link: %s", pr)
			}
		}
		check("converted")
	})
}
