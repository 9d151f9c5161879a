package correlate_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/correlate"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/testdb"
)

// An entity on too large a share of the org's alerts (a DNS server) is
// ignored for grouping, and the explanation says so, unless the org keeps it.
func TestOverCommonEntity(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		e.onlyRule(correlate.CorrelationRule{Key: "same-ip-or-user", Name: "Same address or user", Kind: correlate.KindSharedEntities,
			GroupBy: []string{"ip", "user"}, WindowSeconds: 86400, MinCount: 2, Outcome: correlate.OutcomeOpen})
		if _, err := e.rules.PutSettings(ctx, e.scope, correlate.CorrelationSettings{CommonShare: 0.5, CommonMinAlerts: 10}); err != nil {
			t.Fatal(err)
		}
		base := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
		dns := alert.Entity{Type: alert.EntityIP, Value: "10.0.0.53"}
		mk := func(i int, user string) alert.Alert {
			return alert.Alert{Title: fmt.Sprintf("dns %d", i), Severity: alert.SeverityLow, Source: alert.Source{Type: "zeek"}, SourceRef: fmt.Sprintf("d%d", i),
				EventTime: base.Add(time.Duration(i) * time.Second), Entities: []alert.Entity{dns, {Type: alert.EntityUser, Value: user}}}
		}
		// Twenty alerts, each with the DNS server and its own user: one
		// incident on the address before the guardrail knows it.
		for i := range 20 {
			e.process(mk(i, fmt.Sprintf("u%d", i)))
		}
		// The next pass (a new minute of the clock beyond the refresh period) computes it.
		e.eng.Now = func() time.Time { return time.Now().Add(11 * time.Minute) }
		e.process(mk(100, "v1"))
		s, _ := e.rules.GetSettings(ctx, e.scope)
		if len(s.CommonEntities) != 1 || s.CommonEntities[0].Value != "10.0.0.53" || s.CommonEntities[0].Kept {
			t.Fatalf("common entities: %+v", s.CommonEntities)
		}
		before, _, _ := e.inc.List(ctx, e.scope, incident.Query{}, "", 10)
		// Two alerts sharing only the DNS server no longer group; two sharing a user do, saying what was ignored.
		e.process(mk(101, "w1"), mk(102, "w2"))
		if after, _, _ := e.inc.List(ctx, e.scope, incident.Query{}, "", 10); len(after) != len(before) {
			t.Fatalf("the over-common address grouped: %d -> %d incidents", len(before), len(after))
		}
		dec := e.process(mk(103, "x1"), mk(104, "x1"))
		if len(dec) != 1 || dec[0].Incident == nil || dec[0].GroupKey != "user:x1" {
			t.Fatalf("decisions %+v", dec)
		}
		linked, _, _ := e.inc.LinkedAlerts(ctx, e.scope, *dec[0].Incident, nil, 10)
		ex := linked[0].Provenance.Explanation
		if len(ex.Ignored) != 1 || ex.Ignored[0].Value != "10.0.0.53" || !strings.Contains(ex.Summary, "over-common") {
			t.Fatalf("explanation does not say the address was ignored: %+v", ex)
		}
		// The org keeps it: it groups again.
		if _, err := e.rules.PutSettings(ctx, e.scope, correlate.CorrelationSettings{CommonShare: 0.5, CommonMinAlerts: 10,
			KeepEntities: []correlate.EntityRef{{Type: "ip", Value: "10.0.0.53"}}}); err != nil {
			t.Fatal(err)
		}
		e.process(mk(105, "y1"))
		if s, _ = e.rules.GetSettings(ctx, e.scope); len(s.CommonEntities) != 1 || !s.CommonEntities[0].Kept {
			t.Fatalf("kept: %+v", s.CommonEntities)
		}
		dec = e.process(mk(106, "y2"))
		if len(dec) == 0 || dec[0].GroupKey != "ip:10.0.0.53" {
			t.Fatalf("kept address did not group: %+v", dec)
		}
	})
}
