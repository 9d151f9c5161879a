package ingest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestSingleIngestAndDedup(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		org := uuid.New()
		body := `{"title":"Brute force","severity":"high","rule":"R1","src_ip":"10.0.0.1","host":"web-1","time":"2026-11-27T09:00:00Z"}`
		st, b := h.do("POST", "/api/v1/alerts", org, body, nil)
		if st != http.StatusCreated {
			t.Fatalf("first: %d %s", st, b)
		}
		first := decode[BatchSummary](t, b)
		if first.Accepted != 1 || first.Results[0].ID == nil || first.Results[0].Count != 1 {
			t.Fatalf("first summary %+v", first)
		}
		st, b = h.do("POST", "/api/v1/alerts", org, body, nil)
		if st != http.StatusOK {
			t.Fatalf("dup: %d %s", st, b)
		}
		dup := decode[BatchSummary](t, b)
		if dup.Duplicates != 1 || *dup.Results[0].ID != *first.Results[0].ID || dup.Results[0].Count != 2 {
			t.Fatalf("dup summary %+v", dup)
		}
		if n := countRows(t, d, org, `SELECT count(*) FROM alerts WHERE org_id = $1`); n != 1 {
			t.Fatalf("alerts = %d", n)
		}
		if n := countRows(t, d, org, `SELECT count(*) FROM entities WHERE org_id = $1`); n != 2 {
			t.Fatalf("entities = %d", n)
		}
		if n := countRows(t, d, org, `SELECT count(*) FROM alert_entities WHERE org_id = $1`); n != 2 {
			t.Fatalf("links = %d", n)
		}
		// Another org sees nothing and gets its own alert.
		other := uuid.New()
		if n := countRows(t, d, other, `SELECT count(*) FROM alerts WHERE org_id = $1 OR true`); d.Dialect == db.Postgres && n != 0 {
			t.Fatalf("RLS leak: other org sees %d alerts", n)
		}
		st, b = h.do("POST", "/api/v1/alerts", other, body, nil)
		if st != http.StatusCreated {
			t.Fatalf("other org: %d %s", st, b)
		}
	})
}

func TestSingleRejectNamesField(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		st, b := h.do("POST", "/api/v1/alerts", uuid.New(), `{"severity":"low"}`, nil)
		if st != http.StatusBadRequest {
			t.Fatalf("status %d %s", st, b)
		}
		p := decode[httpapi.Problem](t, b)
		if p.Code != "alert_rejected" || len(p.Errors) != 1 || p.Errors[0].Location != "body.title" {
			t.Fatalf("problem %s", b)
		}
		st, _ = h.do("POST", "/api/v1/alerts", uuid.Nil, `{"title":"x"}`, nil)
		if st != http.StatusUnauthorized {
			t.Fatalf("unauthenticated: %d", st)
		}
	})
}

func TestBatchArrayAndNDJSON(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		org := uuid.New()
		arr := `[{"title":"A","rule":"1","src_ip":"10.0.0.1"},{"severity":"low"},{"title":"A","rule":"1","src_ip":"10.0.0.1"},7,{"title":"B","rule":"2","host":"h1"}]`
		st, b := h.do("POST", "/api/v1/alerts/batch", org, arr, nil)
		if st != http.StatusOK {
			t.Fatalf("array: %d %s", st, b)
		}
		s := decode[BatchSummary](t, b)
		if s.Accepted != 2 || s.Duplicates != 1 || s.Rejected != 2 || len(s.Results) != 5 {
			t.Fatalf("array summary %+v", s)
		}
		want := []string{StatusAccepted, StatusRejected, StatusDuplicate, StatusRejected, StatusAccepted}
		for i, r := range s.Results {
			if r.Index != i || r.Status != want[i] {
				t.Fatalf("result %d = %+v, want %s", i, r, want[i])
			}
		}
		if s.Results[1].Field != "title" || s.Results[3].Field != "body[3]" {
			t.Fatalf("rejection fields %+v %+v", s.Results[1], s.Results[3])
		}
		if *s.Results[2].ID != *s.Results[0].ID || s.Results[2].Count != 2 {
			t.Fatalf("in-batch duplicate %+v vs %+v", s.Results[2], s.Results[0])
		}

		nd := "{\"title\":\"A\",\"rule\":\"1\",\"src_ip\":\"10.0.0.1\"}\n\nnot json\n{\"title\":\"C\",\"rule\":\"3\"}\n"
		st, b = h.do("POST", "/api/v1/alerts/batch", org, nd, map[string]string{"Content-Type": "application/x-ndjson"})
		if st != http.StatusOK {
			t.Fatalf("ndjson: %d %s", st, b)
		}
		s = decode[BatchSummary](t, b)
		if s.Accepted != 1 || s.Duplicates != 1 || s.Rejected != 1 || s.Results[0].Count != 3 {
			t.Fatalf("ndjson summary %+v", s)
		}
		// Nothing usable: 400 naming each record.
		st, b = h.do("POST", "/api/v1/alerts/batch", org, `[{"x":1},{"title":""}]`, nil)
		if st != http.StatusBadRequest || !strings.Contains(string(b), "body[1].title") {
			t.Fatalf("all rejected: %d %s", st, b)
		}
		st, b = h.do("POST", "/api/v1/alerts/batch", org, `   `, nil)
		if st != http.StatusBadRequest {
			t.Fatalf("empty: %d %s", st, b)
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		org := uuid.New()
		body := `[{"title":"A","rule":"1"},{"title":"B","rule":"2"}]`
		hdr := map[string]string{"Idempotency-Key": "k-1"}
		var wg sync.WaitGroup
		codes := make([]int, 4)
		bodies := make([]BatchSummary, 4)
		for i := range codes {
			wg.Go(func() {
				st, b := h.do("POST", "/api/v1/alerts/batch", org, body, hdr)
				codes[i], bodies[i] = st, decode[BatchSummary](t, b)
			})
		}
		wg.Wait()
		replays := 0
		for i := range codes {
			if codes[i] != http.StatusOK || bodies[i].Accepted != 2 {
				t.Fatalf("request %d: %d %+v", i, codes[i], bodies[i])
			}
			if bodies[i].Replayed {
				replays++
			}
		}
		if replays != 3 {
			t.Fatalf("replays = %d, want 3", replays)
		}
		if n := countRows(t, d, org, `SELECT coalesce(sum(count), 0) FROM alerts WHERE org_id = $1`); n != 2 {
			t.Fatalf("occurrences = %d, want 2 (retries must not count)", n)
		}
		st, b := h.do("POST", "/api/v1/alerts/batch", org, `[{"title":"C"}]`, hdr)
		if st != http.StatusUnprocessableEntity || !strings.Contains(string(b), "idempotency_key_reused") {
			t.Fatalf("reuse with other body: %d %s", st, b)
		}
	})
}

func TestBatchLimits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.pipeline.Quota = nil
		var sb strings.Builder
		for i := range DefaultLimits.MaxRecords + 1 {
			fmt.Fprintf(&sb, "{\"title\":\"t%d\"}\n", i)
		}
		st, b := h.do("POST", "/api/v1/alerts/batch", uuid.New(), sb.String(), nil)
		if st != http.StatusRequestEntityTooLarge {
			t.Fatalf("too many: %d %s", st, b)
		}
	})
}

func TestIdempotencyKeyExpires(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		org := uuid.New()
		hdr := map[string]string{"Idempotency-Key": "k-exp"}
		if st, b := h.do("POST", "/api/v1/alerts/batch", org, `[{"title":"A"}]`, hdr); st != http.StatusOK {
			t.Fatalf("first: %d %s", st, b)
		}
		// Expire the record without pruning it: the key is free again.
		if err := d.InOrg(context.Background(), tenant.NewAuthenticated(org, "test"), func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE ingest_idempotency SET expires_at = $2 WHERE org_id = $1`, org.String(), time.Now().Add(-time.Hour).UTC())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		st, b := h.do("POST", "/api/v1/alerts/batch", org, `[{"title":"B"}]`, hdr)
		s := decode[BatchSummary](t, b)
		if st != http.StatusOK || s.Replayed || s.Accepted != 1 {
			t.Fatalf("after expiry: %d %s", st, b)
		}
		n, err := IdempotencyPruner().Prune(context.Background(), d, time.Now().Add(48*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("pruned %d: %v", n, err)
		}
	})
}

// TestIdempotencyPrunerWithUnprivilegedOwner: the PostgreSQL pruner is a
// SECURITY DEFINER function; with forced row-level security it must still
// see and delete expired keys when the schema owner is not a superuser.
func TestIdempotencyPrunerWithUnprivilegedOwner(t *testing.T) {
	d, _ := testdb.UnprivilegedOwner(t)
	org := uuid.New()
	scope := tenant.NewAuthenticated(org, "test")
	past := time.Now().Add(-time.Hour).UTC()
	if err := d.InOrg(context.Background(), scope, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ingest_idempotency (org_id, key, request_hash, status, response, created_at, expires_at)
			VALUES ($1, 'k1', 'h', 200, '{}', $2, $2)`, org.String(), past)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	n, err := IdempotencyPruner().Prune(context.Background(), d, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, want 1: %v", n, err)
	}
}
