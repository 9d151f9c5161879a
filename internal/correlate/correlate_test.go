package correlate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/correlate"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

type members struct{ s *identity.Store }

func (m members) IsMember(ctx context.Context, scope tenant.Scope, user uuid.UUID) (bool, error) {
	_, err := m.s.Member(ctx, scope, user)
	if apperr.Is(err, apperr.KindNotFound) {
		return false, nil
	}
	return err == nil, err
}

type env struct {
	t      testing.TB
	scope  tenant.Scope
	eng    *correlate.Engine
	inc    *incident.Store
	rules  *correlate.Rules
	cands  *correlate.Candidates
	ingest *ingest.Pipeline
}

func newEnv(t testing.TB, d *db.DB) *env {
	t.Helper()
	org := identitytest.NewOrg(t, d, "Acme")
	m := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
	reader := &alerts.Store{DB: d}
	inc := &incident.Store{DB: d, Members: members{identitytest.Store(t, d)}, Alerts: reader}
	norm := func(_ string, raw []byte) ([]alert.Alert, error) {
		var a alert.Alert
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, err
		}
		return []alert.Alert{a}, nil
	}
	return &env{t: t, scope: tenant.System(m.Org, "correlate-test"), inc: inc,
		eng:    &correlate.Engine{DB: d, Alerts: reader, Incidents: inc},
		rules:  &correlate.Rules{DB: d, Alerts: reader},
		cands:  &correlate.Candidates{DB: d, Incidents: inc},
		ingest: &ingest.Pipeline{Store: ingest.NewStore(d, secrets.MustKeyring([]byte("0123456789abcdef0123456789abcdef"))), Normalize: norm}}
}

// ingest stores alerts and returns their ids.
func (e *env) ingestAlerts(as ...alert.Alert) []uuid.UUID {
	e.t.Helper()
	recs := make([][]byte, len(as))
	for i, a := range as {
		recs[i], _ = json.Marshal(a)
	}
	sum, err := e.ingest.Ingest(context.Background(), e.scope, nil, "", "test", recs)
	if err != nil || sum.Accepted != len(as) {
		e.t.Fatalf("ingest: %v (accepted %d of %d)", err, sum.Accepted, len(as))
	}
	ids := make([]uuid.UUID, len(as))
	for i, r := range sum.Results {
		ids[i] = *r.ID
	}
	return ids
}

// scenario is the phishing → credential access → lateral movement chain
// from three sources sharing a user and a host.
func scenario(base time.Time) []alert.Alert {
	user := alert.Entity{Type: alert.EntityUser, Value: "alice", Role: "actor"}
	host := alert.Entity{Type: alert.EntityHostname, Value: "ws-7", Role: "host"}
	return []alert.Alert{
		{Title: "Phishing e-mail link clicked", Severity: alert.SeverityMedium, Source: alert.Source{Type: "defender"},
			Rule: alert.Rule{ID: "phish-1"}, EventTime: base, Tactics: []string{"initial-access"},
			Entities: []alert.Entity{user, host, {Type: alert.EntityEmail, Value: "alice@example.com", Role: "target"}}},
		{Title: "LSASS memory read", Severity: alert.SeverityHigh, Source: alert.Source{Type: "crowdstrike"},
			Rule: alert.Rule{ID: "cred-1"}, EventTime: base.Add(20 * time.Minute), Tactics: []string{"credential-access"},
			Techniques: []string{"T1003.001"}, Entities: []alert.Entity{user, host}},
		{Title: "Remote service creation", Severity: alert.SeverityHigh, Source: alert.Source{Type: "wazuh"},
			Rule: alert.Rule{ID: "lat-1"}, EventTime: base.Add(50 * time.Minute), Tactics: []string{"lateral-movement"},
			Entities: []alert.Entity{user, host, {Type: alert.EntityIP, Value: "10.0.0.9", Role: "dst"}}},
	}
}

func TestScenarioOneIncident(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		base := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
		var all []uuid.UUID
		// One event per alert, as three sources deliver them.
		for _, a := range scenario(base) {
			ids := e.ingestAlerts(a)
			all = append(all, ids...)
			if _, err := e.eng.Process(ctx, e.scope, ids); err != nil {
				t.Fatal(err)
			}
		}
		// Redelivery of every event changes nothing.
		if _, err := e.eng.Process(ctx, e.scope, all); err != nil {
			t.Fatal(err)
		}
		list, _, err := e.inc.List(ctx, e.scope, incident.Query{}, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].AlertCount != 3 {
			t.Fatalf("want one incident with 3 alerts, got %d: %+v", len(list), list)
		}
		linked, _, err := e.inc.LinkedAlerts(ctx, e.scope, list[0].ID, nil, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range linked {
			ex := l.Provenance.Explanation
			if l.Provenance.Via != "correlate" || ex == nil || ex.Rule == "" || ex.RuleVersion != 1 {
				t.Fatalf("alert %s without explanation: %+v", l.Title, l.Provenance)
			}
			names := fmt.Sprint(ex.SharedEntities)
			if !strings.Contains(names, "alice") || !strings.Contains(names, "ws-7") || !strings.Contains(ex.Summary, ex.Rule) {
				t.Fatalf("explanation does not name the shared user and host: %+v", ex)
			}
		}
		// Why grouped, per alert.
		why, err := e.rules.Why(ctx, e.scope, all[2])
		if err != nil || len(why) == 0 || why[0].IncidentID == nil || *why[0].IncidentID != list[0].ID {
			t.Fatalf("why: %v %+v", err, why)
		}
		if _, err := e.rules.Why(ctx, e.scope, uuid.New()); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("why of a missing alert: %v", err)
		}
	})
}

// 10,000 alerts of one rule in one minute are one incident with a counter.
func TestStormOneIncident(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		base := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
		const n, batch = 10000, 500
		for i := 0; i < n; i += batch {
			as := make([]alert.Alert, batch)
			for j := range as {
				k := i + j
				as[j] = alert.Alert{Title: fmt.Sprintf("port scan %d", k), Severity: alert.SeverityLow, Source: alert.Source{Type: "suricata"},
					Rule: alert.Rule{ID: "ET SCAN 1"}, SourceRef: fmt.Sprintf("scan-%d", k), EventTime: base.Add(time.Duration(k) * 5 * time.Millisecond),
					Entities: []alert.Entity{{Type: alert.EntityIP, Value: fmt.Sprintf("10.%d.%d.%d", k/65536, (k/256)%256, k%256), Role: "src"}}}
			}
			if _, err := e.eng.Process(ctx, e.scope, e.ingestAlerts(as...)); err != nil {
				t.Fatal(err)
			}
		}
		list, _, err := e.inc.List(ctx, e.scope, incident.Query{}, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Fatalf("want one incident, got %d", len(list))
		}
		if list[0].AlertCount != correlate.StormLinkCap {
			t.Fatalf("linked %d, want the storm cap %d", list[0].AlertCount, correlate.StormLinkCap)
		}
	})
}

func TestRuleValidation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		r := correlate.CorrelationRule{Key: "my-rule", Name: "Mine", Kind: correlate.KindSharedEntities, GroupBy: []string{"user", "bogus"},
			WindowSeconds: 30, MinCount: 2, Outcome: correlate.OutcomeOpen, Condition: "alert.severity_id >= \n  alert.title +"}
		_, err := e.rules.Put(ctx, e.scope, r, true)
		ae := apperr.As(err)
		want := map[string]string{"body.group_by[1]": "", "body.window_seconds": "", "body.condition": "line 2"}
		for _, f := range ae.Fields {
			if w, ok := want[f.Location]; ok && strings.Contains(f.Message, w) {
				delete(want, f.Location)
			}
		}
		if len(want) > 0 {
			t.Fatalf("missing field errors %v in %+v", want, ae.Fields)
		}
		r.GroupBy, r.WindowSeconds, r.Condition = []string{"user"}, 600, "alert.severity_id >= 4"
		got, err := e.rules.Put(ctx, e.scope, r, true)
		if err != nil || got.Version != 1 {
			t.Fatalf("create: %v %+v", err, got)
		}
		r.Enabled = false
		if got, err = e.rules.Put(ctx, e.scope, r, false); err != nil || got.Version != 2 {
			t.Fatalf("tune: %v %+v", err, got)
		}
		// Disabling a shipped rule is the org's edit of it; deleting reverts.
		sh, err := e.rules.Get(ctx, e.scope, "rule-burst")
		if err != nil {
			t.Fatal(err)
		}
		sh.Enabled = false
		if got, err := e.rules.Put(ctx, e.scope, *sh, true); err != nil || got.Version != 2 || got.Enabled {
			t.Fatalf("disable shipped: %v %+v", err, got)
		}
		if err := e.rules.Delete(ctx, e.scope, "rule-burst"); err != nil {
			t.Fatal(err)
		}
		if sh, _ = e.rules.Get(ctx, e.scope, "rule-burst"); !sh.Enabled || sh.Version != 1 {
			t.Fatalf("revert: %+v", sh)
		}
		rules, _ := e.rules.List(ctx, e.scope)
		shipped := 0
		for _, x := range rules {
			if x.Shipped {
				shipped++
				if err := x.Validate(""); err != nil {
					t.Errorf("shipped rule %s invalid: %v", x.Key, err)
				}
			}
		}
		if shipped < 8 {
			t.Fatalf("%d shipped rules", shipped)
		}
	})
}

// A disabled rule groups nothing.
func TestDisabledRule(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		rules, _ := e.rules.List(ctx, e.scope)
		for _, r := range rules {
			r.Enabled = false
			if _, err := e.rules.Put(ctx, e.scope, r, true); err != nil {
				t.Fatal(err)
			}
		}
		ids := e.ingestAlerts(scenario(time.Now().UTC().Add(-time.Hour))...)
		if _, err := e.eng.Process(ctx, e.scope, ids); err != nil {
			t.Fatal(err)
		}
		if list, _, _ := e.inc.List(ctx, e.scope, incident.Query{}, "", 10); len(list) != 0 {
			t.Fatalf("disabled rules opened %d incidents", len(list))
		}
	})
}

// The explanation's shared entities are those on at least two of the
// grouped alerts, not every entity of the group.
func TestSharedEntitiesOnlyShared(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		e.onlyRule(correlate.CorrelationRule{Key: "user-host-ip", Name: "User, host or address", Kind: correlate.KindSharedEntities,
			GroupBy: []string{"user", "hostname", "ip"}, WindowSeconds: 86400, MinCount: 2, Outcome: correlate.OutcomeOpen})
		base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		mk := func(title string, t time.Time, ents ...alert.Entity) alert.Alert {
			return alert.Alert{Title: title, Severity: alert.SeverityMedium, Source: alert.Source{Type: "wazuh"}, EventTime: t, Entities: ents}
		}
		alice := alert.Entity{Type: alert.EntityUser, Value: "alice"}
		for _, a := range []alert.Alert{
			mk("a", base, alice, alert.Entity{Type: alert.EntityHostname, Value: "ws-7"}, alert.Entity{Type: alert.EntityIP, Value: "10.0.0.1"}),
			mk("b", base.Add(time.Minute), alice, alert.Entity{Type: alert.EntityHostname, Value: "ws-8"}),
			mk("c", base.Add(2*time.Minute), alice, alert.Entity{Type: alert.EntityHostname, Value: "ws-8"}, alert.Entity{Type: alert.EntityIP, Value: "10.0.0.2"}),
		} {
			if _, err := e.eng.Process(ctx, e.scope, e.ingestAlerts(a)); err != nil {
				t.Fatal(err)
			}
		}
		list, _, err := e.inc.List(ctx, e.scope, incident.Query{}, "", 10)
		if err != nil || len(list) != 1 || list[0].AlertCount != 3 {
			t.Fatalf("want one incident of 3: %v %+v", err, list)
		}
		linked, _, err := e.inc.LinkedAlerts(ctx, e.scope, list[0].ID, nil, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range linked {
			got := fmt.Sprint(l.Provenance.Explanation.SharedEntities)
			if got != "[{user alice } {hostname ws-8 }]" && got != "[{hostname ws-8 } {user alice }]" {
				t.Fatalf("%s: shared %s, want alice and ws-8 only", l.Title, got)
			}
		}
		// A one-alert group shares nothing.
		off := correlate.CorrelationRule{Key: "user-host-ip", Name: "User, host or address", Kind: correlate.KindSharedEntities,
			GroupBy: []string{"user", "hostname", "ip"}, WindowSeconds: 86400, MinCount: 2, Outcome: correlate.OutcomeOpen}
		if _, err := e.rules.Put(ctx, e.scope, off, false); err != nil {
			t.Fatal(err)
		}
		if _, err := e.rules.Put(ctx, e.scope, correlate.CorrelationRule{Key: "any-user", Name: "Any user", Kind: correlate.KindSharedEntities, Enabled: true,
			GroupBy: []string{"user", "hostname"}, WindowSeconds: 3600, MinCount: 1, Outcome: correlate.OutcomeOpen}, true); err != nil {
			t.Fatal(err)
		}
		ds, err := e.eng.Process(ctx, e.scope, e.ingestAlerts(mk("solo", base.Add(30*time.Minute), alert.Entity{Type: alert.EntityUser, Value: "bob"},
			alert.Entity{Type: alert.EntityHostname, Value: "ws-9"})))
		if err != nil || len(ds) != 1 || ds[0].Incident == nil {
			t.Fatalf("solo: %v %+v", err, ds)
		}
		linked, _, err = e.inc.LinkedAlerts(ctx, e.scope, *ds[0].Incident, nil, 10)
		if err != nil || len(linked) != 1 {
			t.Fatal(err)
		}
		if ex := linked[0].Provenance.Explanation; len(ex.SharedEntities) != 0 || strings.Contains(ex.Summary, "shared:") {
			t.Fatalf("a one-alert group names shared entities: %+v", ex)
		}
	})
}

// A late alert moves its group's first event back; a later alert of the
// same bucket, more than a window after that first event, still joins the
// group owning its key (it used to fail: "could not claim or find a group").
func TestLateAlertMovesGroupStart(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		e.onlyRule(correlate.CorrelationRule{Key: "same-user", Name: "Same user", Kind: correlate.KindSharedEntities,
			GroupBy: []string{"user"}, WindowSeconds: 3600, LatenessSeconds: 86400, MinCount: 2, Outcome: correlate.OutcomeOpen})
		bucket := time.Now().UTC().Add(-4*time.Hour).Unix() / 3600 * 3600
		at := func(min int) time.Time { return time.Unix(bucket+int64(min)*60, 0).UTC() }
		mk := func(title string, t time.Time) alert.Alert {
			return alert.Alert{Title: title, Severity: alert.SeverityMedium, Source: alert.Source{Type: "wazuh"}, Rule: alert.Rule{ID: "r-" + title},
				EventTime: t, Entities: []alert.Entity{{Type: alert.EntityUser, Value: "carol"}}}
		}
		for _, a := range []alert.Alert{mk("first", at(10)), mk("late", at(-40)), mk("next", at(30))} {
			if _, err := e.eng.Process(ctx, e.scope, e.ingestAlerts(a)); err != nil {
				t.Fatalf("%s: %v", a.Title, err)
			}
		}
		list, _, err := e.inc.List(ctx, e.scope, incident.Query{}, "", 10)
		if err != nil || len(list) != 1 || list[0].AlertCount != 3 {
			t.Fatalf("want one incident of 3: %v %+v", err, list)
		}
	})
}
