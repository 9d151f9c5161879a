package correlate_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/testdb"
)

// mixedAlerts is a batch touching most shipped rules: users and hosts
// shared across alerts, a detection bursting (rule-burst), critical
// alerts, credential access, an address against many hosts (ip-fanout),
// kill-chain progressions; event times out of order.
func mixedAlerts(base time.Time) []alert.Alert {
	tactics := []string{"initial-access", "execution", "credential-access", "lateral-movement", "exfiltration"}
	var out []alert.Alert
	for k := range 90 {
		a := alert.Alert{Title: fmt.Sprintf("mixed %d", k), Severity: alert.Severity(1 + k%5), Source: alert.Source{Type: []string{"wazuh", "defender", "crowdstrike"}[k%3]},
			Rule: alert.Rule{ID: fmt.Sprintf("r%d", k%3)}, SourceRef: fmt.Sprintf("m-%d", k),
			EventTime: base.Add(time.Duration((k*37)%90) * 10 * time.Second),
			Tactics:   []string{tactics[k%len(tactics)]},
			Entities: []alert.Entity{{Type: alert.EntityUser, Value: fmt.Sprintf("u%d", k%11)}, {Type: alert.EntityHostname, Value: fmt.Sprintf("h%d", k%13)},
				{Type: alert.EntityIP, Value: fmt.Sprintf("10.9.0.%d", k%4)},
				// Unique per alert, so intake folds none into another.
				{Type: alert.EntityFile, Value: fmt.Sprintf("/tmp/m%d", k)}, {Type: alert.EntitySHA256, Value: fmt.Sprintf("%064x", k+1)}}}
		out = append(out, a)
	}
	return out
}

// outcome is what correlation left, independent of ids: per alert (by
// title) its groupings (rule, key, count, whether it has an incident), and
// the incidents as sets of alert titles.
func outcome(t *testing.T, e *env, ids []uuid.UUID) (map[string][]string, []string) {
	t.Helper()
	ctx := context.Background()
	title := map[uuid.UUID]string{}
	per := map[string][]string{}
	sums, err := e.inc.Alerts.Summaries(ctx, e.scope, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range sums {
		title[a.ID] = a.Title
	}
	for _, id := range ids {
		why, err := e.rules.Why(ctx, e.scope, id)
		if err != nil {
			t.Fatal(err)
		}
		var gs []string
		for _, g := range why {
			gs = append(gs, fmt.Sprintf("%s|%s|%d|%v", g.Rule, g.GroupKey, g.Alerts, g.IncidentID != nil))
		}
		sort.Strings(gs)
		per[title[id]] = gs
	}
	list, _, err := e.inc.List(ctx, e.scope, incident.Query{}, "", 200)
	if err != nil {
		t.Fatal(err)
	}
	var incs []string
	for _, in := range list {
		linked, _, err := e.inc.LinkedAlerts(ctx, e.scope, in.ID, nil, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var ts []string
		for _, l := range linked {
			ts = append(ts, l.Title)
		}
		sort.Strings(ts)
		incs = append(incs, in.Title+": "+strings.Join(ts, ","))
	}
	sort.Strings(incs)
	return per, incs
}

// A batch is grouped exactly as its alerts one by one in event-time order:
// same groups and counts per alert, the same alerts in incidents, and no
// incident of one-by-one split (both backends).
func TestBatchEqualsPerAlert(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		base := time.Now().UTC().Add(-30 * time.Minute).Truncate(time.Second)
		as := mixedAlerts(base)
		one, batch := newEnv(t, d), newEnv(t, d)
		oneIDs := one.ingestAlerts(as...)
		order := slices.Clone(oneIDs)
		sort.SliceStable(order, func(i, j int) bool {
			return as[slices.Index(oneIDs, order[i])].EventTime.Before(as[slices.Index(oneIDs, order[j])].EventTime)
		})
		for _, id := range order {
			if _, err := one.eng.Process(ctx, one.scope, []uuid.UUID{id}); err != nil {
				t.Fatal(err)
			}
		}
		batchIDs := batch.ingestAlerts(as...)
		if _, err := batch.eng.Process(ctx, batch.scope, batchIDs); err != nil {
			t.Fatal(err)
		}
		// Redelivery of the batch changes nothing.
		if _, err := batch.eng.Process(ctx, batch.scope, batchIDs); err != nil {
			t.Fatal(err)
		}
		perOne, incOne := outcome(t, one, oneIDs)
		perBatch, incBatch := outcome(t, batch, batchIDs)
		if len(incOne) == 0 {
			t.Fatal("the mixed alerts opened no incident: the test data is wrong")
		}
		for title, want := range perOne {
			if got := perBatch[title]; !slices.Equal(got, want) {
				t.Errorf("%s grouped\n  one by one: %v\n  in a batch: %v", title, want, got)
			}
		}
		// The same alerts are in incidents. A pass decides each group once,
		// after all its alerts: a group adopts the incident that another
		// group of the batch opened for shared alerts, where one by one it
		// may have opened its own first. So each one-by-one incident lies
		// within one incident of the batch (never split).
		held := func(incs []string) map[string]int {
			out := map[string]int{}
			for i, in := range incs {
				for _, a := range strings.Split(in[strings.LastIndex(in, ": ")+2:], ",") {
					out[a] = i
				}
			}
			return out
		}
		hOne, hBatch := held(incOne), held(incBatch)
		if len(hOne) != len(hBatch) {
			t.Errorf("%d alerts in incidents one by one, %d in a batch\n  one by one: %v\n  in a batch: %v", len(hOne), len(hBatch), incOne, incBatch)
		}
		into := map[int]int{}
		for a, i := range hOne {
			j, ok := hBatch[a]
			if !ok {
				t.Errorf("%s is in an incident one by one, in none in a batch", a)
				continue
			}
			if prev, ok := into[i]; ok && prev != j {
				t.Errorf("one-by-one incident %q is split in the batch: %v", incOne[i], incBatch)
			}
			into[i] = j
		}
	})
}

// Concurrent passes over overlapping group keys (replicas, or several
// consumer workers) claim keys in one order: none deadlocks or fails, every
// alert is counted once in one group per rule, and alerts sharing one user
// are one incident (PostgreSQL; SQLite has one writer).
func TestConcurrentPassesClaimInOrder(t *testing.T) {
	d := testdb.Open(t, db.Postgres)
	e := newEnv(t, d)
	ctx := context.Background()
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	const n = 240
	as := make([]alert.Alert, n)
	for k := range as {
		ents := []alert.Entity{{Type: alert.EntityHostname, Value: fmt.Sprintf("h%d", k%7)}, {Type: alert.EntityFile, Value: fmt.Sprintf("/tmp/c%d", k)}}
		if k%2 == 0 {
			// Half the alerts: one user for all (one incident).
			ents = append(ents, alert.Entity{Type: alert.EntityUser, Value: "alice"})
		} else {
			// The others: two users each, pairs in both orders across
			// batches, so passes lock overlapping key sets.
			a, b := (k/2)%6, (k/2+1+k%3)%6
			ents = append(ents, alert.Entity{Type: alert.EntityUser, Value: fmt.Sprintf("v%d", a)}, alert.Entity{Type: alert.EntityUser, Value: fmt.Sprintf("v%d", b)},
				alert.Entity{Type: alert.EntityHostname, Value: fmt.Sprintf("x%d", k%5)})
		}
		as[k] = alert.Alert{Title: fmt.Sprintf("c %d", k), Severity: alert.SeverityMedium, Source: alert.Source{Type: "wazuh"},
			Rule: alert.Rule{ID: fmt.Sprintf("r%d", k%40)}, SourceRef: fmt.Sprintf("c-%d", k), EventTime: base.Add(time.Duration(k) * time.Second), Entities: ents}
	}
	ids := e.ingestAlerts(as...)
	const workers, batch = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []uuid.UUID
			for i := w; i < n; i += workers {
				mine = append(mine, ids[i])
			}
			for chunk := range slices.Chunk(mine, batch) {
				if _, err := e.eng.Process(ctx, e.scope, chunk); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent pass: %v", err)
	}
	err := d.ReadInOrg(ctx, e.scope, func(ctx context.Context, tx *db.Tx) error {
		var bad int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM correlation_groups g WHERE g.alert_count <>
(SELECT count(*) FROM correlation_group_alerts m WHERE m.org_id = g.org_id AND m.group_id = g.id)`).Scan(&bad); err != nil {
			return err
		}
		if bad != 0 {
			t.Errorf("%d groups whose count differs from their memberships", bad)
		}
		var alerts, twice int
		if err := tx.QueryRowContext(ctx, `SELECT count(DISTINCT m.alert_id), count(*) - count(DISTINCT m.alert_id) FROM correlation_group_alerts m
JOIN correlation_groups g ON g.id = m.group_id AND g.org_id = m.org_id WHERE g.rule_key = 'shared-user-host'`).Scan(&alerts, &twice); err != nil {
			return err
		}
		if alerts != n || twice != 0 {
			t.Errorf("shared-user-host holds %d of %d alerts, %d more than once", alerts, n, twice)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Alice's alerts (and whatever shares their hosts) are one incident.
	alice := ids[0]
	why, err := e.rules.Why(ctx, e.scope, alice)
	if err != nil {
		t.Fatal(err)
	}
	var inc *uuid.UUID
	for _, g := range why {
		if g.Rule == "shared-user-host" {
			inc = g.IncidentID
		}
	}
	if inc == nil {
		t.Fatalf("alice's alerts opened no incident: %+v", why)
	}
	linked, _, err := e.inc.LinkedAlerts(ctx, e.scope, *inc, nil, 1000)
	if err != nil {
		t.Fatal(err)
	}
	in := map[uuid.UUID]bool{}
	for _, l := range linked {
		in[l.AlertID] = true
	}
	for k := 0; k < n; k += 2 {
		if !in[ids[k]] {
			t.Fatalf("alice's alert %d is not in her incident (%d linked)", k, len(linked))
		}
	}
	list, _, err := e.inc.List(ctx, e.scope, incident.Query{}, "", 200)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uuid.UUID]uuid.UUID{}
	for _, x := range list {
		linked, _, err := e.inc.LinkedAlerts(ctx, e.scope, x.ID, nil, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range linked {
			if prev, ok := seen[l.AlertID]; ok {
				t.Fatalf("alert %s in incidents %s and %s", l.AlertID, prev, x.ID)
			}
			seen[l.AlertID] = x.ID
		}
	}
}
