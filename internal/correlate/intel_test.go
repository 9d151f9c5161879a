package correlate_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/correlate"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/intel"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// Alerts matching one threat-intel indicator are grouped by the shipped
// intel-match rule into one incident candidate naming the indicator; an
// org rule grouping by the matched entity opens an incident. Redelivery
// and other indicators' matches change nothing.
func TestIntelMatchRule(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		base := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
		bad := alert.Entity{Type: alert.EntityIP, Value: "203.0.113.7", Role: "dst"}
		mk := func(title string, at time.Time, ents ...alert.Entity) alert.Alert {
			return alert.Alert{Title: title, Severity: alert.SeverityLow, Source: alert.Source{Type: "suricata"}, Rule: alert.Rule{ID: "conn-" + title},
				EventTime: at, Entities: ents}
		}
		ids := e.ingestAlerts(mk("a", base, bad, alert.Entity{Type: alert.EntityHostname, Value: "ws-1"}),
			mk("b", base.Add(time.Hour), bad, alert.Entity{Type: alert.EntityHostname, Value: "ws-2"}),
			mk("c", base.Add(2*time.Hour), alert.Entity{Type: alert.EntityDomain, Value: "evil.example"}))
		ind, other := uuid.New(), uuid.New()
		hit := func(a uuid.UUID, id uuid.UUID, typ, v string) correlate.IntelHit {
			return correlate.IntelHit{AlertID: a, IndicatorID: id, Type: typ, Value: v, Confidence: 80}
		}
		// The alert path alone groups nothing by intel (no shipped rule
		// but intel-match would match these alerts, and it is fed by matches).
		e.onlyRule(correlate.CorrelationRule{Key: "nothing", Name: "Nothing", Kind: correlate.KindBurst, Condition: "false",
			GroupBy: []string{"rule_id"}, WindowSeconds: 600, MinCount: 1, Outcome: correlate.OutcomeOpen})
		shipped := correlate.Shipped()[len(correlate.Shipped())-1]
		if shipped.Key != "intel-match" || shipped.Outcome != correlate.OutcomePropose || !shipped.Enabled {
			t.Fatalf("shipped intel rule: %+v", shipped)
		}
		if _, err := e.rules.Put(ctx, e.scope, shipped, false); err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second pass is a redelivery
			for _, h := range []correlate.IntelHit{hit(ids[0], ind, "ipv4", "203.0.113.7"), hit(ids[1], ind, "ipv4", "203.0.113.7")} {
				if _, err := e.eng.ProcessMatches(ctx, e.scope, []correlate.IntelHit{h}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := e.eng.ProcessMatches(ctx, e.scope, []correlate.IntelHit{hit(ids[2], other, "domain", "evil.example")}); err != nil {
			t.Fatal(err)
		}
		cands, _, err := e.cands.List(ctx, e.scope, "pending", "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(cands) != 2 {
			t.Fatalf("want a candidate per indicator, got %d: %+v", len(cands), cands)
		}
		var ipc *correlate.Candidate
		for i := range cands {
			if cands[i].GroupKey == "indicator:ipv4:203.0.113.7" {
				ipc = &cands[i]
			}
		}
		if ipc == nil || ipc.AlertCount != 2 || len(ipc.AlertIDs) != 2 {
			t.Fatalf("indicator candidate: %+v", cands)
		}
		ex := ipc.Explanation
		if len(ex.Indicators) != 1 || ex.Indicators[0].ID != ind || ex.Indicators[0].Alerts != 2 || ex.Indicators[0].Value != "203.0.113.7" ||
			!strings.Contains(ex.Summary, "threat intel: ipv4 203.0.113.7") || !strings.Contains(ex.Summary, ind.String()) {
			t.Fatalf("explanation does not name the indicator: %+v", ex)
		}
		if got := ex.SharedEntities; len(got) != 0 {
			t.Fatalf("shared entities of a by-indicator group: %+v", got)
		}

		// An org rule grouping by the matched entity opens an incident.
		shipped.Enabled = false
		if _, err := e.rules.Put(ctx, e.scope, shipped, false); err != nil {
			t.Fatal(err)
		}
		if _, err := e.rules.Put(ctx, e.scope, correlate.CorrelationRule{Key: "intel-ip", Name: "Intel address", Kind: correlate.KindIntelMatch, Enabled: true,
			GroupBy: []string{"ip"}, WindowSeconds: 86400, MinCount: 2, Outcome: correlate.OutcomeOpen, Severity: "high"}, true); err != nil {
			t.Fatal(err)
		}
		var last []correlate.Decision
		for _, h := range []correlate.IntelHit{hit(ids[0], ind, "ipv4", "203.0.113.7"), hit(ids[1], ind, "ipv4", "203.0.113.7")} {
			if last, err = e.eng.ProcessMatches(ctx, e.scope, []correlate.IntelHit{h}); err != nil {
				t.Fatal(err)
			}
		}
		if len(last) != 1 || last[0].Incident == nil || !last[0].Opened {
			t.Fatalf("intel-ip decision: %+v", last)
		}
		linked, _, err := e.inc.LinkedAlerts(ctx, e.scope, *last[0].Incident, nil, 10)
		if err != nil || len(linked) != 2 {
			t.Fatalf("linked %d %v", len(linked), err)
		}
		for _, l := range linked {
			x := l.Provenance.Explanation
			if x == nil || x.Rule != "intel-ip" || len(x.Indicators) != 1 || x.Indicators[0].ID != ind ||
				len(x.SharedEntities) != 1 || x.SharedEntities[0].Value != "203.0.113.7" {
				t.Fatalf("incident explanation: %+v", x)
			}
		}
		inc, err := e.inc.Get(ctx, e.scope, *last[0].Incident)
		if err != nil || inc.Severity != "high" {
			t.Fatalf("incident %v %+v", err, inc)
		}
	})
}

// An intel_match rule may group by indicator; other kinds may not.
func TestIndicatorGroupByOnlyIntel(t *testing.T) {
	r := correlate.CorrelationRule{Key: "x", Name: "X", Kind: correlate.KindSharedEntities, GroupBy: []string{"indicator"},
		WindowSeconds: 3600, MinCount: 1, Outcome: correlate.OutcomeOpen}
	if err := r.Validate("body."); err == nil || !strings.Contains(err.Error(), "invalid rule") {
		t.Fatalf("shared_entities by indicator: %v", err)
	}
	r.Kind = correlate.KindIntelMatch
	if err := r.Validate("body."); err != nil {
		t.Fatalf("intel_match by indicator: %v", err)
	}
}

// fakeMatches is the intel facade over stored matches, for backtests.
type fakeMatches map[uuid.UUID][]intel.Match

func (f fakeMatches) MatchesOfAlerts(_ context.Context, _ tenant.Scope, ids []uuid.UUID) ([]intel.Match, error) {
	var out []intel.Match
	for _, id := range ids {
		out = append(out, f[id]...)
	}
	return out, nil
}

// An intel_match rule is backtested over the stored matches of the
// window's alerts: one would-be candidate per indicator naming it, false
// positives left out; without the intel facade it is refused naming the
// field (both backends).
func TestIntelMatchBacktest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		base := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
		bad := alert.Entity{Type: alert.EntityIP, Value: "203.0.113.7", Role: "dst"}
		mk := func(title string, at time.Time, ents ...alert.Entity) alert.Alert {
			return alert.Alert{Title: title, Severity: alert.SeverityLow, Source: alert.Source{Type: "suricata"}, Rule: alert.Rule{ID: "conn-" + title},
				EventTime: at, Entities: ents}
		}
		ids := e.ingestAlerts(mk("a", base, bad, alert.Entity{Type: alert.EntityHostname, Value: "ws-1"}),
			mk("b", base.Add(time.Hour), bad, alert.Entity{Type: alert.EntityHostname, Value: "ws-2"}),
			mk("c", base.Add(2*time.Hour), alert.Entity{Type: alert.EntityDomain, Value: "evil.example"}))
		ind, other, fp := uuid.New(), uuid.New(), uuid.New()
		m := func(a, i uuid.UUID, typ intel.Type, v string, falsePositive bool) intel.Match {
			return intel.Match{ID: uuid.New(), AlertID: a, IndicatorID: i, Type: typ, Value: v, FalsePositive: falsePositive}
		}
		matches := fakeMatches{
			ids[0]: {m(ids[0], ind, "ipv4", "203.0.113.7", false)},
			ids[1]: {m(ids[1], ind, "ipv4", "203.0.113.7", false), m(ids[1], fp, "ipv4", "203.0.113.7", true)},
			ids[2]: {m(ids[2], other, "domain", "evil.example", false)},
		}
		rule := correlate.Shipped()[len(correlate.Shipped())-1]
		if _, err := e.rules.Backtest(ctx, e.scope, correlate.BacktestRequest{Rule: &rule, Days: 1}, time.Now()); !apperr.Is(err, apperr.KindValidation) {
			t.Fatalf("intel_match backtest without the intel facade: %v", err)
		}
		rules := &correlate.Rules{DB: d, Alerts: e.rules.Alerts, Intel: matches}
		res, err := rules.Backtest(ctx, e.scope, correlate.BacktestRequest{RuleKey: "intel-match", Days: 1}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if res.AlertsScanned != 3 || res.AlertsMatched != 3 || res.IncidentsTotal != 2 || len(res.Incidents) != 2 {
			t.Fatalf("backtest: %+v", res)
		}
		var ip *correlate.WouldOpen
		for i := range res.Incidents {
			if res.Incidents[i].GroupKey == "indicator:ipv4:203.0.113.7" {
				ip = &res.Incidents[i]
			}
		}
		if ip == nil || ip.AlertCount != 2 || len(ip.AlertIDs) != 2 {
			t.Fatalf("indicator group: %+v", res.Incidents)
		}
		if ex := ip.Explanation; len(ex.Indicators) != 1 || ex.Indicators[0].ID != ind || ex.Indicators[0].Alerts != 2 ||
			!strings.Contains(ex.Summary, "threat intel: ipv4 203.0.113.7") {
			t.Fatalf("explanation: %+v", ex)
		}
		cands, _, err := e.cands.List(ctx, e.scope, "", "", 10)
		if err != nil || len(cands) != 0 {
			t.Fatalf("a backtest wrote candidates: %v %+v", err, cands)
		}
	})
}
