package correlate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/correlate"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/testdb"
)

// Analysts escalating alerts that share a domain (three times) and a
// process (three times) by hand, which no rule groups, get a suggested
// rule for each with its backtest; users they share are grouped by the
// shipped shared-user-host rule and suggest nothing. Accepting creates
// the rule; dismissing is recorded and mining does not propose it again.
func TestSuggestedRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		sg := &correlate.Suggestions{DB: d, Rules: e.rules, Manual: e.inc}
		base := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
		escalate := func(i int, typ alert.EntityType, val string) {
			t.Helper()
			var ids []uuid.UUID
			for j := range 2 {
				ids = append(ids, e.ingestAlerts(alert.Alert{Title: fmt.Sprintf("%s %d.%d", typ, i, j), Severity: alert.SeverityMedium,
					Source: alert.Source{Type: []string{"defender", "zscaler"}[j]}, Rule: alert.Rule{ID: fmt.Sprintf("r-%s-%d-%d", typ, i, j)},
					EventTime: base.Add(time.Duration(j) * 2 * time.Hour),
					Entities: []alert.Entity{{Type: typ, Value: val}, {Type: alert.EntityUser, Value: fmt.Sprintf("u-%s-%d", typ, i)},
						{Type: alert.EntityHostname, Value: fmt.Sprintf("h-%s-%d-%d", typ, i, j)}}})...)
			}
			if _, _, err := e.inc.Escalate(ctx, e.scope, incident.EscalateInput{AlertIDs: ids}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 3 {
			escalate(i, alert.EntityDomain, fmt.Sprintf("evil-%d.example", i))
			escalate(i, alert.EntityProcess, fmt.Sprintf("bad-%d.exe", i))
		}
		escalate(9, alert.EntityURL, "https://x.example/a") // once: not enough
		got, err := sg.Mine(ctx, e.scope, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("want suggestions for domain and process, got %+v", got)
		}
		byType := map[string]correlate.Suggestion{}
		for _, s := range got {
			if len(s.Rule.GroupBy) != 1 {
				t.Fatalf("draft %+v", s.Rule)
			}
			byType[s.Rule.GroupBy[0]] = s
		}
		dom, ok := byType["domain"]
		if !ok || dom.Status != correlate.SuggestionPending || dom.Support != 3 || len(dom.Examples) != 3 || dom.Rule.WindowSeconds != 4*3600 ||
			dom.Rule.Outcome != correlate.OutcomePropose || dom.Rule.Kind != correlate.KindSharedEntities {
			t.Fatalf("domain suggestion: %+v", dom)
		}
		if dom.Backtest.Days != 7 || dom.Backtest.IncidentsTotal != 3 || len(dom.Backtest.Incidents) != 3 || dom.Backtest.AlertsScanned < 12 {
			t.Fatalf("domain backtest: %+v", dom.Backtest)
		}
		if _, ok := byType["process"]; !ok {
			t.Fatalf("no process suggestion: %+v", byType)
		}
		// Mining again refreshes, never duplicates.
		again, err := sg.Mine(ctx, e.scope, 30)
		if err != nil || len(again) != 2 {
			t.Fatalf("mine again: %v %+v", err, again)
		}
		list, _, err := sg.List(ctx, e.scope, "", "", 50)
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %v %d", err, len(list))
		}
		if _, err := sg.Mine(ctx, e.scope, 91); !apperr.Is(err, apperr.KindValidation) {
			t.Fatalf("days 91: %v", err)
		}

		// Accept the domain one under another key.
		acc, err := sg.Accept(ctx, e.scope, dom.ID, correlate.AcceptSuggestion{Key: "domain-by-hand"})
		if err != nil || acc.Status != correlate.SuggestionAccepted || acc.RuleKey != "domain-by-hand" || acc.DecidedBy == "" {
			t.Fatalf("accept: %v %+v", err, acc)
		}
		r, err := e.rules.Get(ctx, e.scope, "domain-by-hand")
		if err != nil || !r.Enabled || r.GroupBy[0] != "domain" || r.Version != 1 {
			t.Fatalf("accepted rule: %v %+v", err, r)
		}
		if _, err := sg.Accept(ctx, e.scope, dom.ID, correlate.AcceptSuggestion{}); !apperr.Is(err, apperr.KindConflict) {
			t.Fatalf("accept twice: %v", err)
		}
		proc := byType["process"]
		if _, err := sg.Accept(ctx, e.scope, proc.ID, correlate.AcceptSuggestion{Key: "shared-user-host"}); !apperr.Is(err, apperr.KindValidation) {
			t.Fatalf("accept under a shipped key: %v", err)
		}
		if _, err := sg.Dismiss(ctx, e.scope, proc.ID, " "); !apperr.Is(err, apperr.KindValidation) {
			t.Fatalf("dismiss without reason: %v", err)
		}
		dis, err := sg.Dismiss(ctx, e.scope, proc.ID, "process names are too noisy here")
		if err != nil || dis.Status != correlate.SuggestionDismissed || dis.Reason == "" {
			t.Fatalf("dismiss: %v %+v", err, dis)
		}
		// Decided suggestions stay decided; the accepted rule now covers
		// the domain, so mining proposes nothing.
		after, err := sg.Mine(ctx, e.scope, 30)
		if err != nil || len(after) != 0 {
			t.Fatalf("mine after deciding: %v %+v", err, after)
		}
		if g, err := sg.Get(ctx, e.scope, proc.ID); err != nil || g.Status != correlate.SuggestionDismissed {
			t.Fatalf("get: %v %+v", err, g)
		}
		if _, err := sg.Get(ctx, e.scope, uuid.New()); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("get missing: %v", err)
		}
	})
}
