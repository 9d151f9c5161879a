package ingest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

func foldingStore(d *db.DB) *Store {
	s := NewStore(d, secrets.MustKeyring([]byte("k")))
	s.FoldBoundaries = true
	return s
}

func boundaryPayload(rule, at string) []byte {
	return fmt.Appendf(nil, `{"title":"Beacon","rule":%q,"src_ip":"10.1.1.1","time":%q}`, rule, at)
}

// TestDedupAcrossBucketBoundary: occurrences closer than the window on
// either side of a bucket boundary make one alert, whether they arrive in
// separate batches, in order or not, or in one batch; occurrences further
// apart than the window stay separate.
func TestDedupAcrossBucketBoundary(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		p := &Pipeline{Store: foldingStore(d), Normalize: standInNormalize}
		org := tenant.NewAuthenticated(uuid.New(), "apikey:test")
		ingest := func(payloads ...[]byte) *BatchSummary {
			t.Helper()
			s, err := p.Ingest(context.Background(), org, nil, "", "api", payloads)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		alerts := func(rule string) int {
			return countRows(t, d, org.Org(), `SELECT count(*) FROM alerts WHERE org_id = $1 AND rule_id = $2`, rule)
		}
		total := func(rule string) int {
			return countRows(t, d, org.Org(), `SELECT coalesce(sum(count), 0) FROM alerts WHERE org_id = $1 AND rule_id = $2`, rule)
		}

		// Separate batches, in order: 09:59:30 then 10:00:30 (1 h window).
		a := ingest(boundaryPayload("B1", "2026-11-27T09:59:30Z"))
		b := ingest(boundaryPayload("B1", "2026-11-27T10:00:30Z"))
		if b.Duplicates != 1 || *b.Results[0].ID != *a.Results[0].ID || b.Results[0].Count != 2 {
			t.Fatalf("next bucket did not join: %+v", b.Results)
		}
		// A third occurrence in bucket 10 still joins (the alert's latest
		// event moved to 10:00:30), and one at 10:59 is within the window
		// of that latest event.
		ingest(boundaryPayload("B1", "2026-11-27T10:20:00Z"), boundaryPayload("B1", "2026-11-27T10:59:00Z"))
		if n, c := alerts("B1"), total("B1"); n != 1 || c != 4 {
			t.Fatalf("B1: %d alerts, total count %d; want 1 and 4", n, c)
		}

		// Late arrival: the later bucket's alert exists first.
		ingest(boundaryPayload("B2", "2026-11-27T12:00:10Z"))
		late := ingest(boundaryPayload("B2", "2026-11-27T11:59:50Z"))
		if late.Duplicates != 1 || alerts("B2") != 1 {
			t.Fatalf("late occurrence in the previous bucket did not join: %+v, %d alerts", late, alerts("B2"))
		}

		// Both sides in one batch.
		s := ingest(boundaryPayload("B3", "2026-11-27T14:00:05Z"), boundaryPayload("B3", "2026-11-27T13:59:55Z"))
		if s.Accepted != 1 || s.Duplicates != 1 || alerts("B3") != 1 {
			t.Fatalf("one batch across the boundary: %+v, %d alerts", s, alerts("B3"))
		}

		// Further apart than the window: two alerts, even in adjacent buckets.
		ingest(boundaryPayload("B4", "2026-11-27T15:00:00Z"))
		ingest(boundaryPayload("B4", "2026-11-27T16:30:00Z"))
		if alerts("B4") != 2 {
			t.Fatalf("B4: %d alerts, want 2", alerts("B4"))
		}
	})
}

// TestBoundaryFoldConcurrentReplicas: replicas receiving the occurrence
// after a boundary at once all join the previous bucket's alert; replicas
// receiving a new fingerprint at once still make exactly one alert (the
// UNIQUE key holds).
func TestBoundaryFoldConcurrentReplicas(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		org := tenant.NewAuthenticated(uuid.New(), "apikey:test")
		first := &Pipeline{Store: foldingStore(d), Normalize: standInNormalize}
		if _, err := first.Ingest(context.Background(), org, nil, "", "api", [][]byte{boundaryPayload("C1", "2026-11-27T09:59:59Z")}); err != nil {
			t.Fatal(err)
		}
		const replicas = 6
		var wg sync.WaitGroup
		errs := make([]error, replicas)
		start := make(chan struct{})
		for i := range replicas {
			p := &Pipeline{Store: foldingStore(d), Normalize: standInNormalize}
			wg.Go(func() {
				<-start
				_, errs[i] = p.Ingest(context.Background(), org, nil, "", "api", [][]byte{
					boundaryPayload("C1", "2026-11-27T10:00:01Z"), boundaryPayload("C2", "2026-11-27T10:00:01Z")})
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("replica %d: %v", i, err)
			}
		}
		for rule, want := range map[string]int{"C1": replicas + 1, "C2": replicas} {
			n := countRows(t, d, org.Org(), `SELECT count(*) FROM alerts WHERE org_id = $1 AND rule_id = $2`, rule)
			c := countRows(t, d, org.Org(), `SELECT coalesce(sum(count), 0) FROM alerts WHERE org_id = $1 AND rule_id = $2`, rule)
			if n != 1 || c != want {
				t.Fatalf("%s: %d alerts, total count %d; want 1 and %d", rule, n, c, want)
			}
		}
	})
}

// TestBoundaryFoldOff: without FoldBoundaries (the default) the bucket
// boundary splits alerts as before.
func TestBoundaryFoldOff(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		p := &Pipeline{Store: NewStore(d, secrets.MustKeyring([]byte("k"))), Normalize: standInNormalize}
		org := tenant.NewAuthenticated(uuid.New(), "apikey:test")
		s, err := p.Ingest(context.Background(), org, nil, "", "api", [][]byte{
			boundaryPayload("D1", "2026-11-27T09:59:59Z"), boundaryPayload("D1", "2026-11-27T10:00:01Z")})
		if err != nil || s.Accepted != 2 {
			t.Fatalf("%v %+v", err, s)
		}
	})
}
