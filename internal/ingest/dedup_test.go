package ingest

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// TestConcurrentDuplicatesOneAlert: pipelines acting as separate replicas
// ingest the same payload at once; the UNIQUE (org_id, dedup_key)
// constraint leaves one alert whose count is the number of requests, and
// exactly one request sees it as new.
func TestConcurrentDuplicatesOneAlert(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		org := tenant.NewAuthenticated(uuid.New(), "apikey:test")
		payload := []byte(`{"title":"Brute force","rule":"R9","src_ip":"10.9.9.9","time":"2026-11-27T09:00:00Z"}`)
		const replicas = 8
		var wg sync.WaitGroup
		results := make([]*BatchSummary, replicas)
		errs := make([]error, replicas)
		start := make(chan struct{})
		for i := range replicas {
			p := &Pipeline{Store: NewStore(d, secrets.MustKeyring([]byte("k"))), Normalize: standInNormalize}
			wg.Go(func() {
				<-start
				results[i], errs[i] = p.Ingest(context.Background(), org, nil, "", "api", [][]byte{payload, payload})
			})
		}
		close(start)
		wg.Wait()
		accepted := 0
		var id uuid.UUID
		for i := range replicas {
			if errs[i] != nil {
				t.Fatalf("replica %d: %v", i, errs[i])
			}
			accepted += results[i].Accepted
			for _, r := range results[i].Results {
				if id == uuid.Nil {
					id = *r.ID
				}
				if *r.ID != id {
					t.Fatalf("two alerts for one fingerprint: %s and %s", id, *r.ID)
				}
			}
		}
		if accepted != 1 {
			t.Fatalf("%d requests saw the alert as new, want 1", accepted)
		}
		if n := countRows(t, d, org.Org(), `SELECT count(*) FROM alerts WHERE org_id = $1`); n != 1 {
			t.Fatalf("%d alerts", n)
		}
		if n := countRows(t, d, org.Org(), `SELECT max(count) FROM alerts WHERE org_id = $1`); n != 2*replicas {
			t.Fatalf("count %d, want %d", n, 2*replicas)
		}
		// Outside the window the same alert is new again.
		late := []byte(`{"title":"Brute force","rule":"R9","src_ip":"10.9.9.9","time":"2026-11-27T11:30:00Z"}`)
		p := &Pipeline{Store: NewStore(d, secrets.MustKeyring([]byte("k"))), Normalize: standInNormalize}
		s, err := p.Ingest(context.Background(), org, nil, "", "api", [][]byte{late})
		if err != nil || s.Accepted != 1 {
			t.Fatalf("outside the window: %v %+v", err, s)
		}
	})
}

// TestSourceDedupKeys: a source's own keys and window decide what counts
// as the same alert.
func TestSourceDedupKeys(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		org := uuid.New()
		scope := tenant.NewAuthenticated(org, "user:test")
		src, _, err := h.store.CreateSource(context.Background(), scope, SourceConfigInput{Name: "by rule", Kind: KindAPI, DedupKeys: []string{"source_type", "rule_id"}, DedupWindow: 86400})
		if err != nil {
			t.Fatal(err)
		}
		a := `{"title":"Scan","rule":"S1","src_ip":"10.0.0.1","time":"2026-11-27T01:00:00Z"}`
		b := `{"title":"Scan","rule":"S1","src_ip":"10.0.0.2","time":"2026-11-27T20:00:00Z"}`
		// Default keys (entities, 1 h window): two alerts.
		if st, body := h.do("POST", "/api/v1/alerts/batch", org, "["+a+","+b+"]", nil); st != 200 || decode[BatchSummary](t, body).Accepted != 2 {
			t.Fatalf("default keys: %d %s", st, body)
		}
		// The source's keys (rule only, 1 day window): one alert, count 2.
		st, body := h.do("POST", "/api/v1/alerts/batch?source_id="+src.ID.String(), org, "["+a+","+b+"]", nil)
		s := decode[BatchSummary](t, body)
		if st != 200 || s.Accepted != 1 || s.Duplicates != 1 || s.Results[1].Count != 2 {
			t.Fatalf("source keys: %d %s", st, body)
		}
		if _, _, err := h.store.CreateSource(context.Background(), scope, SourceConfigInput{Name: "bad", Kind: KindAPI, DedupKeys: []string{"nope"}}); err == nil {
			t.Fatal("unknown dedup key accepted")
		}
		if st, _ := h.do("POST", "/api/v1/alerts?source_id="+uuid.NewString(), org, a, nil); st != 422 {
			t.Fatalf("unknown source id: %d", st)
		}
	})
}
