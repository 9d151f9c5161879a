package correlate_test

import (
	"context"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/correlate"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/testdb"
)

// onlyRule disables every shipped rule and adds r.
func (e *env) onlyRule(r correlate.CorrelationRule) {
	e.t.Helper()
	ctx := context.Background()
	rules, _ := e.rules.List(ctx, e.scope)
	for _, x := range rules {
		x.Enabled = false
		if _, err := e.rules.Put(ctx, e.scope, x, true); err != nil {
			e.t.Fatal(err)
		}
	}
	r.Enabled = true
	if _, err := e.rules.Put(ctx, e.scope, r, true); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) process(as ...alert.Alert) []correlate.Decision {
	e.t.Helper()
	d, err := e.eng.Process(context.Background(), e.scope, e.ingestAlerts(as...))
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func userAlert(user, src string, at time.Time) alert.Alert {
	return alert.Alert{Title: "sign-in anomaly " + user + " " + src, Severity: alert.SeverityMedium, Source: alert.Source{Type: src}, EventTime: at,
		SourceRef: user + src + at.String(), Entities: []alert.Entity{{Type: alert.EntityUser, Value: user}}}
}

// A rule with outcome propose makes a candidate; accepting opens the
// incident (later alerts attach), rejecting is recorded and final.
func TestCandidates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		e.onlyRule(correlate.CorrelationRule{Key: "propose-user", Name: "Same user", Kind: correlate.KindSharedEntities, GroupBy: []string{"user"},
			WindowSeconds: 86400, MinCount: 2, Outcome: correlate.OutcomePropose})
		base := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
		e.process(userAlert("alice", "okta", base), userAlert("alice", "entra", base.Add(time.Minute)))
		dec := e.process(userAlert("alice", "m365", base.Add(2*time.Minute)))
		if len(dec) != 1 || dec[0].Candidate == nil || dec[0].Incident != nil {
			t.Fatalf("decisions %+v", dec)
		}
		e.process(userAlert("bob", "okta", base), userAlert("bob", "entra", base.Add(time.Minute)))
		if list, _, _ := e.inc.List(ctx, e.scope, incident.Query{}, "", 10); len(list) != 0 {
			t.Fatalf("propose opened %d incidents", len(list))
		}
		cands, next, err := e.cands.List(ctx, e.scope, correlate.CandidatePending, "", 1)
		if err != nil || len(cands) != 1 || next == "" {
			t.Fatalf("list: %v %d %q", err, len(cands), next)
		}
		more, _, err := e.cands.List(ctx, e.scope, "", next, 10)
		if err != nil || len(more) != 1 || more[0].ID == cands[0].ID {
			t.Fatalf("page 2: %v %+v", err, more)
		}
		all := map[string]correlate.Candidate{cands[0].GroupKey: cands[0], more[0].GroupKey: more[0]}
		alice, bob := all["user:alice"], all["user:bob"]
		if alice.AlertCount != 3 || len(alice.AlertIDs) != 3 || alice.Explanation.Rule != "propose-user" || alice.Status != correlate.CandidatePending {
			t.Fatalf("alice candidate %+v", alice)
		}
		got, err := e.cands.Accept(ctx, e.scope, alice.ID, "")
		if err != nil || got.Status != correlate.CandidateAccepted || got.IncidentID == nil || got.DecidedBy == "" {
			t.Fatalf("accept: %v %+v", err, got)
		}
		if _, err := e.cands.Accept(ctx, e.scope, alice.ID, ""); !apperr.Is(err, apperr.KindConflict) {
			t.Fatalf("accept twice: %v", err)
		}
		inc, err := e.inc.Get(ctx, e.scope, *got.IncidentID)
		if err != nil || inc.AlertCount != 3 {
			t.Fatalf("incident %v %+v", err, inc)
		}
		// A later alert of the group joins the accepted incident.
		e.process(userAlert("alice", "crowdstrike", base.Add(time.Hour)))
		if inc, _ = e.inc.Get(ctx, e.scope, *got.IncidentID); inc.AlertCount != 4 {
			t.Fatalf("late alert not attached: %d", inc.AlertCount)
		}
		if _, err := e.cands.Reject(ctx, e.scope, bob.ID, " "); apperr.As(err) == nil || apperr.As(err).Fields[0].Location != "body.reason" {
			t.Fatalf("reject without reason: %v", err)
		}
		rej, err := e.cands.Reject(ctx, e.scope, bob.ID, "shared kiosk account")
		if err != nil || rej.Status != correlate.CandidateRejected || rej.Reason != "shared kiosk account" {
			t.Fatalf("reject: %v %+v", err, rej)
		}
		e.process(userAlert("bob", "m365", base.Add(time.Hour)))
		if list, _, _ := e.inc.List(ctx, e.scope, incident.Query{}, "", 10); len(list) != 1 {
			t.Fatalf("rejected group opened an incident: %d", len(list))
		}
		if c, _ := e.cands.Get(ctx, e.scope, bob.ID); c.Status != correlate.CandidateRejected || c.AlertCount != 2 {
			t.Fatalf("rejected candidate changed: %+v", c)
		}
		if p, _, _ := e.cands.List(ctx, e.scope, correlate.CandidatePending, "", 10); len(p) != 0 {
			t.Fatalf("pending after decisions: %d", len(p))
		}
	})
}
