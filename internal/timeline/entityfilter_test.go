package timeline_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/testdb"
	"github.com/securenexus/securenexus/internal/timeline"
)

// TestEntityFilterFollowsLinks: the entity filter's index
// (incident_alert_entities, kept by triggers on incident_alerts) follows
// links, unlinks and merges; pages of the filter continue with cursors in
// both directions, combine with the source filter and match an alert
// naming two of the entities once.
func TestEntityFilterFollowsLinks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		base := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
		ip := alert.Entity{Type: alert.EntityIP, Value: "10.1.1.1"}
		host := alert.Entity{Type: alert.EntityHostname, Value: "db-7"}
		var ipAlerts []uuid.UUID
		for i := range 7 {
			src := "crowdstrike"
			if i%2 == 1 {
				src = "suricata"
			}
			ents := []alert.Entity{ip}
			if i == 3 {
				ents = append(ents, host)
			}
			ipAlerts = append(ipAlerts, e.alert("ip alert", src, base.Add(time.Duration(i)*time.Minute), ents...))
		}
		other := e.alert("host only", "wazuh", base.Add(30*time.Minute), host)
		inc, err := e.inc.Create(ctx, e.scope, incident.NewIncident{Title: "Entity", Severity: "high"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.inc.LinkAlerts(ctx, e.scope, inc.ID, append(slices.Clone(ipAlerts[:5]), other)); err != nil {
			t.Fatal(err)
		}
		ipQ := timeline.Query{Entities: []timeline.LinkedEntity{{Type: "ip", Value: "10.1.1.1"}}}
		alertIDs := func(items []timeline.Item) []uuid.UUID {
			var out []uuid.UUID
			for _, it := range items {
				if it.Type == timeline.TypeAlert {
					out = append(out, it.RefID)
				}
			}
			return out
		}
		if got := alertIDs(e.all(inc.ID, ipQ, 2)); !slices.Equal(got, ipAlerts[:5]) {
			t.Fatalf("ip filter paged by 2: %v, want %v", got, ipAlerts[:5])
		}
		// Backwards from the end.
		desc := ipQ
		desc.Descending = true
		if got := alertIDs(e.all(inc.ID, desc, 2)); !slices.Equal(got, []uuid.UUID{ipAlerts[4], ipAlerts[3], ipAlerts[2], ipAlerts[1], ipAlerts[0]}) {
			t.Fatalf("ip filter newest first: %v", got)
		}
		p1, err := e.tl.Read(ctx, e.scope, inc.ID, ipQ, "", 2)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := e.tl.Read(ctx, e.scope, inc.ID, ipQ, p1.NextCursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		back, err := e.tl.Read(ctx, e.scope, inc.ID, ipQ, p2.PrevCursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := alertIDs(back.Items); !slices.Equal(got, ipAlerts[:2]) {
			t.Fatalf("prev page: %v, want %v", got, ipAlerts[:2])
		}
		src := ipQ
		src.Sources = []string{"suricata"}
		if got := alertIDs(e.all(inc.ID, src, 1)); !slices.Equal(got, []uuid.UUID{ipAlerts[1], ipAlerts[3]}) {
			t.Fatalf("ip + source filter: %v", got)
		}
		both := timeline.Query{Entities: []timeline.LinkedEntity{{Type: "ip", Value: "10.1.1.1"}, {Type: "hostname", Value: "db-7"}}}
		if got := alertIDs(e.all(inc.ID, both, 2)); !slices.Equal(got, append(slices.Clone(ipAlerts[:5]), other)) {
			t.Fatalf("either entity: %v", got)
		}
		if _, err := e.inc.UnlinkAlert(ctx, e.scope, inc.ID, ipAlerts[0]); err != nil {
			t.Fatal(err)
		}
		if got := alertIDs(e.all(inc.ID, ipQ, 100)); !slices.Equal(got, ipAlerts[1:5]) {
			t.Fatalf("after unlink: %v", got)
		}
		// Merge: the source's alerts move to the survivor, with their entities.
		src2, err := e.inc.Create(ctx, e.scope, incident.NewIncident{Title: "Second", Severity: "low"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.inc.LinkAlerts(ctx, e.scope, src2.ID, ipAlerts[5:]); err != nil {
			t.Fatal(err)
		}
		if _, err := e.inc.Merge(ctx, e.scope, inc.ID, []uuid.UUID{src2.ID}); err != nil {
			t.Fatal(err)
		}
		if got := alertIDs(e.all(inc.ID, ipQ, 3)); !slices.Equal(got, ipAlerts[1:]) {
			t.Fatalf("after merge: %v, want %v", got, ipAlerts[1:])
		}
		// Another org's analyst sees none of it.
		if got := alertIDs(e.all(inc.ID, timeline.Query{Entities: []timeline.LinkedEntity{{Type: "ip", Value: "10.9.9.9"}}}, 10)); len(got) != 0 {
			t.Fatalf("unknown entity: %v", got)
		}
	})
}
