package ingest

import (
	"net/url"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

// Hostile parameters (NUL, invalid UTF-8) are client errors, never 500s.
func TestHostileIntakeParamsAreNot500(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		org := uuid.New()
		body := `{"title":"t","rule":"R1"}`
		for _, hdr := range []map[string]string{
			{"Idempotency-Key": "k\xff\xfe"},
		} {
			for _, path := range []string{"/api/v1/alerts", "/api/v1/alerts/batch"} {
				st, b := h.do("POST", path, org, body, hdr)
				if st >= 500 {
					t.Errorf("POST %s %q: %d %s", path, hdr, st, b)
				}
			}
		}
		for _, q := range []string{"source_type=" + url.QueryEscape("x\x00"), "source_type=%ff"} {
			for _, path := range []string{"/api/v1/alerts", "/api/v1/alerts/batch"} {
				st, b := h.do("POST", path+"?"+q, org, body, nil)
				if st >= 500 {
					t.Errorf("POST %s?%s: %d %s", path, q, st, b)
				}
			}
		}
		for _, src := range []string{
			`{"name":"a\u0000","kind":"api"}`,
			`{"name":"b","kind":"api","source_type":"x\u0000"}`,
		} {
			st, b := h.do("POST", "/api/v1/alert-sources", org, src, nil)
			if st >= 500 {
				t.Errorf("create source %s: %d %s", src, st, b)
			}
		}
	})
}

// A rejection's source_type label is bounded to the known types: any other
// value from the request would be a new metric series.
func TestRejectedLabelIsBounded(t *testing.T) {
	for in, want := range map[string]string{"": "auto", "cef": "cef", "x-random-1": "unknown", "\xff": "unknown"} {
		if got := rejectedLabel(in); got != want {
			t.Errorf("rejectedLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
