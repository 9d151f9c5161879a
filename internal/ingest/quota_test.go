package ingest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestQuotaTokenBucket(t *testing.T) {
	q := &Quota{Default: 10, MinBurst: 20}
	org := uuid.New()
	if err := q.Take(org, 20); err != nil {
		t.Fatalf("full burst refused: %v", err)
	}
	err := q.Take(org, 5)
	if !apperr.Is(err, apperr.KindRateLimited) {
		t.Fatalf("over quota: %v", err)
	}
	ae := apperr.As(err)
	if ae.RetryAfter <= 0 || ae.RetryAfter > time.Second {
		t.Fatalf("retry after %s, want about 0.5s", ae.RetryAfter)
	}
	if err := q.Take(uuid.New(), 20); err != nil {
		t.Fatalf("another org shares the bucket: %v", err)
	}
	if err := q.Take(org, 21); !apperr.Is(err, apperr.KindRateLimited) {
		t.Fatalf("batch over burst: %v", err)
	}
	plan := &Quota{Default: 1, Plan: func(uuid.UUID) string { return "enterprise" }}
	if err := plan.Take(org, 1000); err != nil {
		t.Fatalf("enterprise plan: %v", err)
	}
}

func TestQuotaAnswers429(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.pipeline.Quota = &Quota{Default: 0.01, MinBurst: 2}
		org := uuid.New()
		st, b := h.do("POST", "/api/v1/alerts/batch", org, `[{"title":"a"},{"title":"b"}]`, nil)
		if st != http.StatusOK {
			t.Fatalf("within burst: %d %s", st, b)
		}
		st, b = h.do("POST", "/api/v1/alerts", org, `{"title":"c"}`, nil)
		if st != http.StatusTooManyRequests {
			t.Fatalf("over quota: %d %s", st, b)
		}
		res, err := http.DefaultClient.Do(mustReq(t, h, org, `{"title":"d"}`))
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
			t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
		}
		if n := countRows(t, d, org, `SELECT count(*) FROM alerts WHERE org_id = $1`); n != 2 {
			t.Fatalf("throttled requests stored alerts: %d", n)
		}
	})
}

func mustReq(t *testing.T, h *harness, org uuid.UUID, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", h.srv.URL+"/api/v1/alerts", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(testOrgHeader, org.String())
	req.Header.Set("Content-Type", "application/json")
	return req
}

// TestReplayDoesNotSpendQuota: a client retrying an answered request (same
// Idempotency-Key and body) gets the stored answer even when its org's
// quota is exhausted.
func TestReplayDoesNotSpendQuota(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.pipeline.Quota = &Quota{Default: 0.01, MinBurst: 2}
		org := uuid.New()
		hdr := map[string]string{"Idempotency-Key": "retry-1"}
		body := `[{"title":"a"},{"title":"b"}]`
		if st, b := h.do("POST", "/api/v1/alerts/batch", org, body, hdr); st != http.StatusOK {
			t.Fatalf("first: %d %s", st, b)
		}
		for i := range 3 {
			st, b := h.do("POST", "/api/v1/alerts/batch", org, body, hdr)
			if st != http.StatusOK || !strings.Contains(string(b), `"replayed":true`) {
				t.Fatalf("retry %d: %d %s", i, st, b)
			}
		}
		if st, _ := h.do("POST", "/api/v1/alerts", org, `{"title":"new"}`, nil); st != http.StatusTooManyRequests {
			t.Fatalf("new work is still throttled: %d", st)
		}
	})
}
