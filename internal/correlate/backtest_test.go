package correlate_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/correlate"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

// snapshot digests every row of every table (as the owner on PostgreSQL,
// so row-level security hides nothing).
func snapshot(t *testing.T, d *db.DB) map[string]string {
	t.Helper()
	raw := d.Writer
	if d.Dialect == db.Postgres {
		raw = testdb.OpenPostgresOwner(t, d).Writer
	}
	q := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
	if d.Dialect == db.Postgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`
	}
	names := queryStrings(t, raw, q)
	out := map[string]string{}
	for _, n := range names {
		rs, err := raw.Query(`SELECT * FROM "` + n + `"`)
		if err != nil {
			t.Fatalf("snapshot %s: %v", n, err)
		}
		cols, _ := rs.Columns()
		var rows []string
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, fmt.Sprintf("%v", vals))
		}
		_ = rs.Close()
		slices.Sort(rows)
		h := sha256.Sum256([]byte(strings.Join(rows, "\n")))
		out[n] = fmt.Sprintf("%d rows %s", len(rows), hex.EncodeToString(h[:8]))
	}
	return out
}

func queryStrings(t *testing.T, raw *sql.DB, q string) []string {
	t.Helper()
	rs, err := raw.Query(q)
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

// A backtest lists the incidents a rule would have opened, with their
// explanations, and writes nothing.
func TestBacktestWritesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		now := time.Now().UTC()
		e.ingestAlerts(scenario(now.Add(-20 * time.Hour).Truncate(time.Second))...)
		e.ingestAlerts(scenario(now.Add(-5 * time.Hour).Truncate(time.Second))...)
		// Alone, one alert groups nothing.
		e.ingestAlerts(alert.Alert{Title: "lone", Severity: alert.SeverityLow, Source: alert.Source{Type: "wazuh"}, EventTime: now.Add(-time.Hour),
			Entities: []alert.Entity{{Type: alert.EntityUser, Value: "bob"}}})
		before := snapshot(t, d)

		// A day's window holds both chains: one incident of six.
		res, err := e.rules.Backtest(ctx, e.scope, correlate.BacktestRequest{RuleKey: "shared-user-host", Days: 7}, now)
		if err != nil {
			t.Fatal(err)
		}
		if res.AlertsScanned != 7 || res.Truncated || res.IncidentsTotal != 1 || res.Incidents[0].AlertCount != 6 || res.GroupsBelowGates != 1 {
			t.Fatalf("backtest: %+v", res)
		}
		ex := res.Incidents[0].Explanation
		if ex.Rule != "shared-user-host" || ex.RuleVersion != 1 || !strings.Contains(fmt.Sprint(ex.SharedEntities), "alice") ||
			!strings.Contains(fmt.Sprint(ex.SharedEntities), "ws-7") || !strings.Contains(ex.Summary, "shared-user-host") {
			t.Fatalf("explanation %+v", ex)
		}
		// A draft with a two-hour window runs unsaved: two incidents.
		draft := correlate.CorrelationRule{Key: "draft", Name: "Draft", Kind: correlate.KindProgression, Condition: "size(alert.tactics) > 0",
			GroupBy: []string{"hostname"}, WindowSeconds: 7200, LatenessSeconds: 86400, MinCount: 3, MinTactics: 3, Outcome: correlate.OutcomeOpen}
		res, err = e.rules.Backtest(ctx, e.scope, correlate.BacktestRequest{Rule: &draft, Days: 1}, now)
		if err != nil || res.IncidentsTotal != 2 || res.AlertsScanned != 7 || res.Incidents[0].Severity != "high" || len(res.Incidents[1].AlertIDs) != 3 {
			t.Fatalf("draft backtest: %v %+v", err, res)
		}
		// The scan is bounded and says so.
		res, err = e.rules.Backtest(ctx, e.scope, correlate.BacktestRequest{Rule: &draft, MaxAlerts: 4}, now)
		if err != nil || !res.Truncated || res.AlertsScanned != 4 || res.IncidentsTotal != 1 {
			t.Fatalf("bounded backtest: %v %+v", err, res)
		}
		// Bad input names the field.
		bad := draft
		bad.Condition = "alert.title +"
		for req, field := range map[*correlate.BacktestRequest]string{
			{Rule: &bad}:                            "body.rule.condition",
			{RuleKey: "shared-user-host", Days: 31}: "body.days",
			{}:                                      "body.rule_key",
			{RuleKey: "shared-user-host", Rule: &draft}: "body.rule_key",
		} {
			_, err := e.rules.Backtest(ctx, e.scope, *req, now)
			if ae := apperr.As(err); ae == nil || len(ae.Fields) == 0 || ae.Fields[0].Location != field {
				t.Errorf("backtest %+v: want %s, got %v", req, field, err)
			}
		}
		if _, err := e.rules.Backtest(ctx, e.scope, correlate.BacktestRequest{RuleKey: "nope"}, now); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("missing rule: %v", err)
		}
		after := snapshot(t, d)
		for n, h := range before {
			if after[n] != h {
				t.Errorf("table %s changed: %s -> %s", n, h, after[n])
			}
		}
		if len(after) != len(before) || len(before) < 20 {
			t.Fatalf("tables: %d before, %d after", len(before), len(after))
		}
	})
}
