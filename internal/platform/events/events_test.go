package events_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/jobs"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

func newBus(t *testing.T, d *db.DB) (*events.Bus, *river.Workers) {
	t.Helper()
	w := river.NewWorkers()
	b, err := events.NewBus(d, events.Options{Metrics: prometheus.NewRegistry(), Workers: w})
	if err != nil {
		t.Fatal(err)
	}
	return b, w
}

func updated(id uuid.UUID) events.AlertUpdatedV1 {
	return events.AlertUpdatedV1{AlertID: id, Fields: []string{"status"}, Status: "triaged"}
}

func appendN(t *testing.T, d *db.DB, scope tenant.Scope, n int) []events.Event {
	t.Helper()
	var out []events.Event
	err := d.InOrg(context.Background(), scope, func(ctx context.Context, tx *db.Tx) error {
		for range n {
			id := uuid.New()
			e, err := events.Append(ctx, tx, scope, events.AlertUpdated, events.Subject("alert", id), updated(id))
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return out
}

func TestAppendSequencesPerOrgAndRollsBack(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := tenant.System(uuid.New(), "test")
		b := tenant.System(uuid.New(), "test")
		appendN(t, d, a, 2)
		appendN(t, d, b, 1)
		// A rolled-back change leaves no event and consumes no seq.
		boom := errors.New("boom")
		err := d.InOrg(ctx, a, func(ctx context.Context, tx *db.Tx) error {
			if _, err := events.Append(ctx, tx, a, events.AlertUpdated, "alert/x", updated(uuid.New())); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("rollback: %v", err)
		}
		appended := appendN(t, d, a, 1)

		got, err := events.Since(ctx, d, a, 0, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("org a has %d events, want 3", len(got))
		}
		for i, e := range got {
			if e.Seq != int64(i+1) || e.Org != a.Org() || e.Kind != events.AlertUpdated.Kind() || e.Actor != "system:test" {
				t.Fatalf("event %d: %+v", i, e)
			}
		}
		if got[2].ID != appended[0].ID {
			t.Fatalf("third event is %s, want %s", got[2].ID, appended[0].ID)
		}
		p, err := events.AlertUpdated.Decode(got[0])
		if err != nil || p.Status != "triaged" || len(p.Fields) != 1 {
			t.Fatalf("decode: %+v %v", p, err)
		}
		if _, err := events.AlertIngested.Decode(got[0]); err == nil {
			t.Fatal("decoding as another kind succeeded")
		}
		gotB, err := events.Since(ctx, d, b, 0, 0, 100)
		if err != nil || len(gotB) != 1 || gotB[0].Seq != 1 {
			t.Fatalf("org b: %+v %v", gotB, err)
		}
		w, err := events.Head(ctx, d, a)
		if err != nil || w.Last != 3 || w.Oldest != 1 {
			t.Fatalf("head: %+v %v", w, err)
		}
		if part, _ := events.Since(ctx, d, a, 1, 2, 100); len(part) != 1 || part[0].Seq != 2 {
			t.Fatalf("since 1 up to 2: %+v", part)
		}
	})
}

func TestRowLevelSecurityHidesOtherOrgs(t *testing.T) {
	d := testdb.Open(t, db.Postgres)
	a := tenant.System(uuid.New(), "test")
	b := tenant.System(uuid.New(), "test")
	appendN(t, d, a, 1)
	err := d.ReadInOrg(context.Background(), b, func(ctx context.Context, tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("org b sees %d events of org a", n)
		}
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM event_org_seq").Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAppendRefusesMisuse(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := tenant.System(uuid.New(), "test")
		b := tenant.System(uuid.New(), "test")
		cases := map[string]func() error{
			"other org": func() error {
				return d.InOrg(ctx, a, func(ctx context.Context, tx *db.Tx) error {
					_, err := events.Append(ctx, tx, b, events.AlertUpdated, "alert/1", updated(uuid.New()))
					return err
				})
			},
			"read only": func() error {
				return d.ReadInOrg(ctx, a, func(ctx context.Context, tx *db.Tx) error {
					_, err := events.Append(ctx, tx, a, events.AlertUpdated, "alert/1", updated(uuid.New()))
					return err
				})
			},
			"no scope": func() error {
				return d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
					_, err := events.Append(ctx, tx, tenant.Scope{}, events.AlertUpdated, "alert/1", updated(uuid.New()))
					return err
				})
			},
			"unregistered kind": func() error {
				return d.InOrg(ctx, a, func(ctx context.Context, tx *db.Tx) error {
					_, err := events.Append(ctx, tx, a, events.Def[events.AlertUpdatedV1]{}, "alert/1", updated(uuid.New()))
					return err
				})
			},
			"bad subject": func() error {
				return d.InOrg(ctx, a, func(ctx context.Context, tx *db.Tx) error {
					_, err := events.Append(ctx, tx, a, events.AlertUpdated, "alert/1\nid: 9", updated(uuid.New()))
					return err
				})
			},
		}
		for name, fn := range cases {
			if err := fn(); err == nil {
				t.Errorf("%s: append succeeded", name)
			}
		}
		if got, _ := events.Since(ctx, d, a, 0, 0, 10); len(got) != 0 {
			t.Fatalf("refused appends left %d events", len(got))
		}
	})
}

// An unarmed transaction (global tables) may append an org's event; on
// PostgreSQL it is armed for the statements that write it.
func TestAppendInUnarmedTransaction(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := tenant.System(uuid.New(), "test")
		err := d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
			_, err := events.Append(ctx, tx, a, events.MemberAdded, "member/1", events.MemberV1{UserID: uuid.New(), Role: "viewer"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := events.Since(ctx, d, a, 0, 0, 10); len(got) != 1 || got[0].Kind != events.MemberAdded.Kind() {
			t.Fatalf("events: %+v", got)
		}
	})
}

func TestHubSeesEventsOnlyAfterCommit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		bus, _ := newBus(t, d)
		a := tenant.System(uuid.New(), "test")
		sub := bus.Hub().Subscribe(a.Org(), 10)
		defer sub.Close()
		other := bus.Hub().Subscribe(uuid.New(), 10)
		defer other.Close()
		err := d.InOrg(context.Background(), a, func(ctx context.Context, tx *db.Tx) error {
			if _, err := events.Append(ctx, tx, a, events.AlertUpdated, "alert/1", updated(uuid.New())); err != nil {
				return err
			}
			select {
			case e := <-sub.C():
				t.Errorf("event %d published before commit", e.Seq)
			default:
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-sub.C():
			if e.Seq != 1 || e.Org != a.Org() {
				t.Fatalf("published %+v", e)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event after commit")
		}
		select {
		case e := <-other.C():
			t.Fatalf("another org's subscriber got %+v", e)
		default:
		}
		// Rolled back: never published.
		_ = d.InOrg(context.Background(), a, func(ctx context.Context, tx *db.Tx) error {
			_, _ = events.Append(ctx, tx, a, events.AlertUpdated, "alert/1", updated(uuid.New()))
			return errors.New("rollback")
		})
		select {
		case e := <-sub.C():
			t.Fatalf("rolled-back event published: %+v", e)
		case <-time.After(50 * time.Millisecond):
		}
	})
}

// Consumers are River jobs enqueued in the appending transaction; a
// delivery runs the handler once even when the job runs again.
func TestConsumersRunOnceThroughRiver(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		bus, workers := newBus(t, d)
		var mu sync.Mutex
		seen := map[uuid.UUID]int{}
		done := make(chan struct{}, 10)
		err := bus.Consume("test.counter", []events.Kind{events.AlertUpdated.Kind()}, func(ctx context.Context, tx *db.Tx, e events.Event) error {
			// The handler's transaction is armed for the event's org.
			if tx.Scope.Org() != e.Org {
				t.Errorf("handler tx for %s, event of %s", tx.Scope.Org(), e.Org)
			}
			mu.Lock()
			seen[e.ID]++
			mu.Unlock()
			done <- struct{}{}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := bus.Consume("test.counter", []events.Kind{events.AlertUpdated.Kind()}, nil); err == nil {
			t.Fatal("duplicate consumer accepted")
		}
		client, err := jobs.New(d, jobs.Options{Workers: 2, WorkerBundle: workers})
		if err != nil {
			t.Fatal(err)
		}
		bus.SetJobs(client)
		a := tenant.System(uuid.New(), "test")
		// Not of the consumer's kinds: no job.
		err = d.InOrg(ctx, a, func(ctx context.Context, tx *db.Tx) error {
			_, err := events.Append(ctx, tx, a, events.MemberAdded, "member/1", events.MemberV1{UserID: uuid.New()})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// Rolled back: no job.
		_ = d.InOrg(ctx, a, func(ctx context.Context, tx *db.Tx) error {
			_, _ = events.Append(ctx, tx, a, events.AlertUpdated, "alert/1", updated(uuid.New()))
			return errors.New("rollback")
		})
		evs := appendN(t, d, a, 2)
		var jobsQueued int
		if err := d.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT count(*) FROM river_job WHERE kind = 'event_delivery'").Scan(&jobsQueued)
		}); err != nil {
			t.Fatal(err)
		}
		if jobsQueued != 2 {
			t.Fatalf("%d delivery jobs queued, want 2", jobsQueued)
		}
		if err := client.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = client.Stop(context.Background()) }()
		for range 2 {
			select {
			case <-done:
			case <-ctx.Done():
				t.Fatal("consumer not called")
			}
		}
		// Redelivery (a retried job) is a no-op.
		if err := bus.Deliver(ctx, "test.counter", a.Org(), evs[0].ID); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, e := range evs {
			if seen[e.ID] != 1 {
				t.Fatalf("event %s handled %d times", e.ID, seen[e.ID])
			}
		}
	})
}

func TestConsumerErrorRollsBackDelivery(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		bus, _ := newBus(t, d)
		calls := 0
		if err := bus.Consume("test.flaky", []events.Kind{events.AlertUpdated.Kind()}, func(context.Context, *db.Tx, events.Event) error {
			calls++
			if calls == 1 {
				return errors.New("transient")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		a := tenant.System(uuid.New(), "test")
		// Without a job client the appending transaction must fail rather
		// than lose the delivery.
		err := d.InOrg(ctx, a, func(ctx context.Context, tx *db.Tx) error {
			_, err := events.Append(ctx, tx, a, events.AlertUpdated, "alert/1", updated(uuid.New()))
			return err
		})
		if err == nil {
			t.Fatal("append with consumers and no job client committed")
		}
		client, err := jobs.New(d, jobs.Options{InsertOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		bus.SetJobs(client)
		evs := appendN(t, d, a, 1)
		if err := bus.Deliver(ctx, "test.flaky", a.Org(), evs[0].ID); err == nil {
			t.Fatal("failing handler reported success")
		}
		if err := bus.Deliver(ctx, "test.flaky", a.Org(), evs[0].ID); err != nil {
			t.Fatalf("retry: %v", err)
		}
		if err := bus.Deliver(ctx, "test.flaky", a.Org(), evs[0].ID); err != nil || calls != 2 {
			t.Fatalf("third delivery: calls %d, %v", calls, err)
		}
	})
}

func TestPrunerKeepsRetentionWindow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := tenant.System(uuid.New(), "test")
		appendN(t, d, a, 3)
		p := events.Pruner(time.Hour)
		if n, err := p.Prune(ctx, d, time.Now()); err != nil || n != 0 {
			t.Fatalf("prune fresh: %d %v", n, err)
		}
		w, _ := events.Head(ctx, d, a)
		if !w.Covers(0) || !w.Covers(3) || w.Covers(4) {
			t.Fatalf("window %+v", w)
		}
		if n, err := p.Prune(ctx, d, time.Now().Add(2*time.Hour)); err != nil || n != 3 {
			t.Fatalf("prune old: %d %v", n, err)
		}
		w, err := events.Head(ctx, d, a)
		if err != nil || w.Last != 3 || w.Oldest != 0 {
			t.Fatalf("head after prune: %+v %v", w, err)
		}
		if w.Covers(1) || !w.Covers(3) {
			t.Fatalf("window after prune %+v", w)
		}
		appendN(t, d, a, 1)
		if got, _ := events.Since(ctx, d, a, 0, 0, 10); len(got) != 1 || got[0].Seq != 4 {
			t.Fatalf("after prune: %+v", got)
		}
	})
}
