package correlate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/correlate"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/testdb"
)

// The periodic job mines every org with correlation state once per
// interval: an org whose analysts escalated alerts sharing a domain three
// times gets the suggestion without anyone asking; running again within
// the interval mines nothing; after it, the suggestion is refreshed, not
// duplicated; another org's mining sees none of it (both backends).
func TestPeriodicMining(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e, other := newEnv(t, d), newEnv(t, d)
		sg := &correlate.Suggestions{DB: d, Rules: e.rules, Manual: e.inc}
		base := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
		for i := range 3 {
			var ids []uuid.UUID
			for j := range 2 {
				ids = append(ids, e.ingestAlerts(alert.Alert{Title: fmt.Sprintf("dns %d.%d", i, j), Severity: alert.SeverityMedium,
					Source: alert.Source{Type: []string{"defender", "zscaler"}[j]}, Rule: alert.Rule{ID: fmt.Sprintf("r-%d-%d", i, j)},
					EventTime: base.Add(time.Duration(j) * 2 * time.Hour),
					Entities: []alert.Entity{{Type: alert.EntityDomain, Value: fmt.Sprintf("evil-%d.example", i)},
						{Type: alert.EntityHostname, Value: fmt.Sprintf("h-%d-%d", i, j)}}})...)
			}
			// The consumer correlates them (no rule groups a domain) ...
			if _, err := e.eng.Process(ctx, e.scope, ids); err != nil {
				t.Fatal(err)
			}
			// ... and an analyst escalates them by hand.
			if _, _, err := e.inc.Escalate(ctx, e.scope, incident.EscalateInput{AlertIDs: ids}); err != nil {
				t.Fatal(err)
			}
		}
		oid := other.ingestAlerts(alert.Alert{Title: "other", Severity: alert.SeverityLow, Source: alert.Source{Type: "wazuh"}, EventTime: base,
			Entities: []alert.Entity{{Type: alert.EntityHostname, Value: "o-1"}}})
		if _, err := other.eng.Process(ctx, other.scope, oid); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		n, err := sg.MineDue(ctx, now, correlate.MineEvery)
		if err != nil || n < 2 {
			t.Fatalf("first run mined %d orgs: %v", n, err)
		}
		list, _, err := sg.List(ctx, e.scope, "", "", 50)
		if err != nil || len(list) != 1 || list[0].Rule.GroupBy[0] != "domain" || list[0].Support != 3 {
			t.Fatalf("suggestions after the periodic run: %v %+v", err, list)
		}
		if ol, _, err := (&correlate.Suggestions{DB: d, Rules: other.rules, Manual: other.inc}).List(ctx, other.scope, "", "", 50); err != nil || len(ol) != 0 {
			t.Fatalf("the other org sees suggestions: %v %+v", err, ol)
		}
		if n, err := sg.MineDue(ctx, now.Add(time.Hour), correlate.MineEvery); err != nil || n != 0 {
			t.Fatalf("within the interval mined %d orgs: %v", n, err)
		}
		if n, err := sg.MineDue(ctx, now.Add(correlate.MineEvery+time.Minute), correlate.MineEvery); err != nil || n < 2 {
			t.Fatalf("after the interval mined %d orgs: %v", n, err)
		}
		if again, _, err := sg.List(ctx, e.scope, "", "", 50); err != nil || len(again) != 1 || again[0].ID != list[0].ID {
			t.Fatalf("suggestions after a second run: %v %+v", err, again)
		}
	})
}
