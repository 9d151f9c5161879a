package correlate_test

import (
	"context"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/correlate"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/testdb"
)

// Suppressed alerts are stored with status suppressed and never open
// incidents; the preview counts what a draft would have suppressed.
func TestSuppressions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		sup := &correlate.Suppressions{DB: d, Alerts: &alerts.Store{DB: d}}
		now := time.Now().UTC()
		base := now.Add(-2 * time.Hour).Truncate(time.Second)
		scan := func(user, rule string, at time.Time) alert.Alert {
			a := userAlert(user, "nessus", at)
			a.Rule = alert.Rule{ID: rule, Name: "scan " + rule}
			return a
		}
		// Bad input names the field.
		for field, in := range map[string]correlate.SuppressionInput{
			"body.filter":     {Name: "x", Reason: "y", ExpiresAt: now.Add(time.Hour)},
			"body.condition":  {Name: "x", Reason: "y", Condition: "alert.title +", ExpiresAt: now.Add(time.Hour)},
			"body.expires_at": {Name: "x", Reason: "y", Condition: "true", ExpiresAt: now.Add(-time.Hour)},
			"body.window_end": {Name: "x", Reason: "y", Condition: "true", ExpiresAt: now.Add(time.Hour), WindowStart: &now, WindowEnd: &base},
			"body.reason":     {Name: "x", Condition: "true", ExpiresAt: now.Add(time.Hour)},
		} {
			_, err := sup.Create(ctx, e.scope, in)
			if ae := apperr.As(err); ae == nil || len(ae.Fields) == 0 || ae.Fields[0].Location != field {
				t.Errorf("want an error naming %s, got %v", field, err)
			}
		}
		// Before any suppression: the preview of a draft over stored alerts.
		e.ingestAlerts(scan("carol", "r1", base.Add(-24*time.Hour)), scan("dave", "r2", base.Add(-24*time.Hour)), userAlert("erin", "okta", base))
		draft := correlate.SuppressionInput{Name: "Vuln scanner", Reason: "weekly scan", Filter: correlate.SuppressionFilter{SourceTypes: []string{"nessus"}}}
		p, err := sup.Preview(ctx, e.scope, draft, 0)
		if err != nil || p.AlertsSuppressed != 2 || p.Rules != 2 || p.AlertsScanned != 3 || p.Summary != "would have suppressed 2 alerts of 2 rules in the last 30 days" {
			t.Fatalf("preview: %v %+v", err, p)
		}
		draft.ExpiresAt = now.Add(24 * time.Hour)
		s, err := sup.Create(ctx, e.scope, draft)
		if err != nil || !s.Active || *s.Enabled != true {
			t.Fatalf("create: %v %+v", err, s)
		}
		// A CEL maintenance window whose window is over suppresses nothing.
		past := base.Add(-48 * time.Hour)
		pastEnd := base.Add(-47 * time.Hour)
		if _, err := sup.Create(ctx, e.scope, correlate.SuppressionInput{Name: "old window", Reason: "maintenance", Condition: "alert.source_type == 'okta'",
			ExpiresAt: now.Add(time.Hour), WindowStart: &past, WindowEnd: &pastEnd}); err != nil {
			t.Fatal(err)
		}
		// Two scanner alerts on one user would open an incident; suppressed, none.
		ids := e.ingestAlerts(scan("alice", "r1", base), scan("alice", "r2", base.Add(time.Minute)))
		if _, err := e.eng.Process(ctx, e.scope, ids); err != nil {
			t.Fatal(err)
		}
		got, _ := (&alerts.Store{DB: d}).Summaries(ctx, e.scope, ids)
		for _, a := range got {
			if a.Status != alert.StatusSuppressed {
				t.Fatalf("alert %s is %s", a.Title, a.Status)
			}
		}
		if list, _, _ := e.inc.List(ctx, e.scope, incident.Query{}, "", 10); len(list) != 0 {
			t.Fatalf("suppressed alerts opened %d incidents", len(list))
		}
		if s, _ = sup.Get(ctx, e.scope, s.ID); s.Hits != 2 || s.LastHitAt == nil {
			t.Fatalf("hits: %+v", s)
		}
		// Alerts no suppression matches still correlate (the old window is over).
		ids = e.ingestAlerts(userAlert("bob", "okta", base), userAlert("bob", "entra", base.Add(time.Minute)))
		if _, err := e.eng.Process(ctx, e.scope, ids); err != nil {
			t.Fatal(err)
		}
		if list, _, _ := e.inc.List(ctx, e.scope, incident.Query{}, "", 10); len(list) != 1 {
			t.Fatalf("want one incident for bob, got %d", len(list))
		}
		// Expired, it suppresses nothing.
		e.eng.Now = func() time.Time { return now.Add(48 * time.Hour) }
		ids = e.ingestAlerts(scan("frank", "r3", now.Add(47*time.Hour)))
		if _, err := e.eng.Process(ctx, e.scope, ids); err != nil {
			t.Fatal(err)
		}
		if got, _ := (&alerts.Store{DB: d}).Summaries(ctx, e.scope, ids); got[0].Status != alert.StatusNew {
			t.Fatalf("expired suppression applied: %s", got[0].Status)
		}
		list, _, err := sup.List(ctx, e.scope, nil, "", 10)
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %v %d", err, len(list))
		}
		draft.Name = "Vuln scanner (renamed)"
		if r, err := sup.Replace(ctx, e.scope, s.ID, draft); err != nil || r.Name != draft.Name || r.Hits != 2 {
			t.Fatalf("replace: %v %+v", err, r)
		}
		if err := sup.Delete(ctx, e.scope, s.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := sup.Get(ctx, e.scope, s.ID); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("deleted: %v", err)
		}
	})
}
