package alerts

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// seed ingests n alerts through the real pipeline with a stand-in
// normalizer that derives every field from the record number.
func seed(t *testing.T, d *db.DB, scope tenant.Scope, n int) {
	t.Helper()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	norm := func(_ string, raw []byte) ([]alert.Alert, error) {
		var i int
		if _, err := fmt.Sscanf(string(raw), "%d", &i); err != nil {
			return nil, err
		}
		a := alert.Alert{
			Title:     fmt.Sprintf("alert %d %s", i, []string{"powershell", "ssh brute force", "malware beacon"}[i%3]),
			Severity:  alert.Severity(1 + i%5),
			Source:    alert.Source{Type: []string{"suricata", "guardduty"}[i%2]},
			Rule:      alert.Rule{ID: fmt.Sprintf("r%d", i)},
			EventTime: base.Add(time.Duration(i) * time.Minute),
			Entities:  []alert.Entity{{Type: alert.EntityIP, Value: fmt.Sprintf("10.0.0.%d", i%4), Role: "src"}},
		}
		if i%2 == 0 {
			a.Techniques = []string{"T1059.001"}
		}
		return []alert.Alert{a}, nil
	}
	p := &ingest.Pipeline{Store: ingest.NewStore(d, secrets.MustKeyring([]byte("k"))), Normalize: norm}
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = fmt.Appendf(nil, "%d", i)
	}
	sum, err := p.Ingest(context.Background(), scope, nil, "", "test", recs)
	if err != nil || sum.Accepted != n {
		t.Fatalf("seed: %v %+v", err, sum)
	}
}

func TestListFiltersAndPagination(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := tenant.NewAuthenticated(uuid.New(), "user:"+uuid.NewString())
		seed(t, d, org, 37)
		s := &Store{DB: d}
		for _, sort := range []string{SortReceived, SortEvent, SortSeverity} {
			for _, asc := range []bool{false, true} {
				seen := map[uuid.UUID]bool{}
				cur := ""
				pages := 0
				for {
					items, next, err := s.List(ctx, org, AlertQuery{Sort: sort, Ascending: asc}, cur, 10)
					if err != nil {
						t.Fatal(err)
					}
					pages++
					for _, a := range items {
						if seen[a.ID] {
							t.Fatalf("%s asc=%v: duplicate %s across pages", sort, asc, a.ID)
						}
						seen[a.ID] = true
					}
					if next == "" {
						break
					}
					cur = next
				}
				if len(seen) != 37 || pages != 4 {
					t.Fatalf("%s asc=%v: %d alerts in %d pages", sort, asc, len(seen), pages)
				}
			}
		}
		count := func(f AlertQuery) int {
			items, _, err := s.List(ctx, org, f, "", 500)
			if err != nil {
				t.Fatal(err)
			}
			return len(items)
		}
		cases := []struct {
			name string
			f    AlertQuery
			want int
		}{
			{"severity", AlertQuery{Severities: []alert.Severity{alert.SeverityHigh}}, 7},
			{"source type", AlertQuery{SourceTypes: []string{"guardduty"}}, 18},
			{"entity", AlertQuery{EntityType: "ip", EntityValue: "10.0.0.1"}, 9},
			{"technique", AlertQuery{Technique: "T1059.001"}, 19},
			{"text", AlertQuery{Text: "beacon"}, 12},
			{"status", AlertQuery{Statuses: []alert.Status{alert.StatusNew}}, 37},
			{"unassigned", AlertQuery{Assignee: "none"}, 37},
			{"event time range", AlertQuery{Sort: SortEvent, From: ptr(time.Date(2026, 11, 1, 0, 10, 0, 0, time.UTC)), To: ptr(time.Date(2026, 11, 1, 0, 20, 0, 0, time.UTC))}, 10},
		}
		for _, c := range cases {
			if got := count(c.f); got != c.want {
				t.Errorf("%s: %d alerts, want %d", c.name, got, c.want)
			}
		}
		// Another org sees none of them.
		other := tenant.NewAuthenticated(uuid.New(), "user:x")
		if got, _, _ := s.List(ctx, other, AlertQuery{}, "", 500); len(got) != 0 {
			t.Fatalf("cross-tenant list returned %d", len(got))
		}
		// A cursor from another sort is refused.
		_, next, _ := s.List(ctx, org, AlertQuery{}, "", 5)
		if _, _, err := s.List(ctx, org, AlertQuery{Sort: SortSeverity}, next, 5); !apperr.Is(err, apperr.KindValidation) {
			t.Fatalf("cursor with other sort: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestUpdateAndBulk(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := tenant.NewAuthenticated(uuid.New(), "user:"+uuid.NewString())
		seed(t, d, org, 5)
		s := &Store{DB: d}
		items, _, err := s.List(ctx, org, AlertQuery{}, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		st := alert.StatusTriaged
		user := uuid.NewString()
		a, err := s.Update(ctx, org, items[0].ID, AlertChange{Status: &st, Assignee: &user, AddTags: []string{"vip", "phish"}})
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != st || a.Assignee == nil || a.Assignee.String() != user || len(a.Tags) != 2 {
			t.Fatalf("updated %+v", a)
		}
		got, err := s.Get(ctx, org, items[0].ID)
		if err != nil || got.Status != st || len(got.Entities) != 1 || len(got.Raw) == 0 {
			t.Fatalf("get after update: %v %+v", err, got)
		}
		if n := len(must(s.List(ctx, org, AlertQuery{Tag: "vip", Assignee: user}, "", 10))); n != 1 {
			t.Fatalf("tag+assignee filter: %d", n)
		}
		// Cross-tenant get and update are not found.
		other := tenant.NewAuthenticated(uuid.New(), "user:x")
		if _, err := s.Get(ctx, other, items[0].ID); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("cross-tenant get: %v", err)
		}
		if _, err := s.Update(ctx, other, items[0].ID, AlertChange{Status: &st}); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("cross-tenant update: %v", err)
		}
		// Bulk: an unknown id fails everything.
		res := alert.StatusResolved
		ids := []uuid.UUID{items[1].ID, items[2].ID, uuid.New()}
		if _, err := s.BulkUpdate(ctx, org, ids, AlertChange{Status: &res}); !apperr.Is(err, apperr.KindValidation) {
			t.Fatalf("bulk with unknown id: %v", err)
		}
		if n := len(must(s.List(ctx, org, AlertQuery{Statuses: []alert.Status{res}}, "", 10))); n != 0 {
			t.Fatalf("failed bulk changed %d alerts", n)
		}
		n, err := s.BulkUpdate(ctx, org, ids[:2], AlertChange{Status: &res, RemoveTags: []string{"x"}, Reason: "benign scanner"})
		if err != nil || n != 2 {
			t.Fatalf("bulk: %d %v", n, err)
		}
		if n := len(must(s.List(ctx, org, AlertQuery{Statuses: []alert.Status{res}}, "", 10))); n != 2 {
			t.Fatalf("bulk resolved %d alerts", n)
		}
		if err := (&AlertChange{}).Validate("body."); !apperr.Is(err, apperr.KindValidation) {
			t.Fatalf("empty change accepted")
		}
	})
}

func must[T any](v T, _ string, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestSavedFiltersPerUser(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orgID := uuid.New()
		alice := tenant.NewAuthenticated(orgID, "user:alice")
		bob := tenant.NewAuthenticated(orgID, "user:bob")
		s := &Store{DB: d}
		f, err := s.CreateFilter(ctx, alice, SavedAlertFilterInput{Name: "crit", Query: AlertQuery{Severities: []alert.Severity{alert.SeverityCritical}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateFilter(ctx, alice, SavedAlertFilterInput{Name: "crit"}); !apperr.Is(err, apperr.KindConflict) {
			t.Fatalf("duplicate name: %v", err)
		}
		if l, _ := s.ListFilters(ctx, bob); len(l) != 0 {
			t.Fatalf("bob sees alice's filters")
		}
		if _, err := s.UpdateFilter(ctx, bob, f.ID, SavedAlertFilterInput{Name: "mine"}); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("bob updated alice's filter: %v", err)
		}
		up, err := s.UpdateFilter(ctx, alice, f.ID, SavedAlertFilterInput{Name: "critical", Query: AlertQuery{Tag: "vip"}})
		if err != nil || up.Name != "critical" || up.Query.Tag != "vip" {
			t.Fatalf("update: %v %+v", err, up)
		}
		if err := s.DeleteFilter(ctx, bob, f.ID); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("bob deleted: %v", err)
		}
		if err := s.DeleteFilter(ctx, alice, f.ID); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.ListFilters(ctx, alice); len(l) != 0 {
			t.Fatalf("left %d", len(l))
		}
	})
}

func TestAssigneeMustBeOrgMember(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orgA := identitytest.NewOrg(t, d, "Assign A")
		orgB := identitytest.NewOrg(t, d, "Assign B")
		memberA := identitytest.NewMember(t, d, orgA, "analyst")
		memberB := identitytest.NewMember(t, d, orgB, "analyst")
		scope := tenant.NewAuthenticated(orgA, "user:"+memberA.UserID.String())
		seed(t, d, scope, 2)
		ids := identitytest.Store(t, d)
		s := &Store{DB: d, Assignable: func(ctx context.Context, sc tenant.Scope, u uuid.UUID) error {
			_, err := ids.Member(ctx, sc, u)
			return err
		}}
		items := must(s.List(ctx, scope, AlertQuery{}, "", 10))
		ok := memberA.UserID.String()
		if _, err := s.Update(ctx, scope, items[0].ID, AlertChange{Assignee: &ok}); err != nil {
			t.Fatalf("assigning a member: %v", err)
		}
		foreign := memberB.UserID.String()
		_, err := s.Update(ctx, scope, items[0].ID, AlertChange{Assignee: &foreign})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind != apperr.KindValidation || len(ae.Fields) != 1 || ae.Fields[0].Location != "body.assignee" {
			t.Fatalf("assigning another org's user must be rejected naming body.assignee, got %v", err)
		}
		if _, err := s.BulkUpdate(ctx, scope, []uuid.UUID{items[0].ID, items[1].ID}, AlertChange{Assignee: &foreign}); !apperr.Is(err, apperr.KindValidation) {
			t.Fatalf("bulk assigning another org's user: %v", err)
		}
		got, err := s.Get(ctx, scope, items[0].ID)
		if err != nil || got.Assignee == nil || got.Assignee.String() != ok {
			t.Fatalf("rejected change must not apply: %v %+v", err, got.Assignee)
		}
	})
}

// TestDedupKeepsEventAndReceiveTimes: occurrences of one alert keep the
// first and latest event times (what happened) apart from the first and
// latest receive times (when intake saw them), out-of-order arrivals
// included.
func TestDedupKeepsEventAndReceiveTimes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := tenant.NewAuthenticated(uuid.New(), "user:"+uuid.NewString())
		base := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		norm := func(_ string, raw []byte) ([]alert.Alert, error) {
			var minute int
			if _, err := fmt.Sscanf(string(raw), "%d", &minute); err != nil {
				return nil, err
			}
			return []alert.Alert{{
				Title: "ssh brute force", Severity: alert.SeverityHigh, Source: alert.Source{Type: "suricata"},
				Rule: alert.Rule{ID: "ssh-bf"}, EventTime: base.Add(time.Duration(minute) * time.Minute),
				Entities: []alert.Entity{{Type: alert.EntityIP, Value: "10.1.2.3", Role: "src"}},
			}}, nil
		}
		p := &ingest.Pipeline{Store: ingest.NewStore(d, secrets.MustKeyring([]byte("k"))), Normalize: norm}
		// Minute 5 arrives before minute 1 and minute 9 (same dedup bucket).
		for _, minute := range []string{"5", "1", "9", "3"} {
			if _, err := p.Ingest(ctx, org, nil, "", "test", [][]byte{[]byte(minute)}); err != nil {
				t.Fatal(err)
			}
		}
		s := &Store{DB: d}
		items, _, err := s.List(ctx, org, AlertQuery{}, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 || items[0].Count != 4 {
			t.Fatalf("want one alert seen 4 times, got %d alerts %+v", len(items), items)
		}
		a := items[0]
		if want := base.Add(9 * time.Minute); !a.LastEventTime.Equal(want) {
			t.Errorf("last event time %s, want %s", a.LastEventTime, want)
		}
		if want := base.Add(5 * time.Minute); !a.EventTime.Equal(want) {
			t.Errorf("event time %s, want the first received occurrence's %s", a.EventTime, want)
		}
		if a.FirstSeen.Before(a.LastEventTime) || a.LastSeen.Before(a.FirstSeen) {
			t.Errorf("receive times first %s last %s should be intake's clock (after the 2026-11-01 event times)", a.FirstSeen, a.LastSeen)
		}
		got, err := s.Get(ctx, org, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.LastEventTime.Equal(a.LastEventTime) {
			t.Errorf("detail last event time %s, list %s", got.LastEventTime, a.LastEventTime)
		}
	})
}
