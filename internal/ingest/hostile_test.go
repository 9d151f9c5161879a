package ingest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

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

// Malformed, stale or forged webhook deliveries are all the same 401, and
// a disabled source's valid signature is refused too.
func TestWebhookRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		org := uuid.New()
		st, b := h.do("POST", "/api/v1/alert-sources", org, `{"name":"hook","kind":"webhook"}`, nil)
		if st != http.StatusCreated {
			t.Fatalf("create: %d %s", st, b)
		}
		created := decode[struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		}](t, b)
		body := `{"title":"hook alert","rule":"W1"}`
		now := time.Now().Unix()
		good := Sign([]byte(created.Secret), now, []byte(body))
		for _, hdr := range []map[string]string{
			{HeaderTimestamp: "9223372036854775807", HeaderSignature: good},
			{HeaderTimestamp: "-9223372036854775808", HeaderSignature: good},
			{HeaderTimestamp: strconv.FormatInt(now-3600, 10), HeaderSignature: Sign([]byte(created.Secret), now-3600, []byte(body))},
			{HeaderTimestamp: strconv.FormatInt(now, 10), HeaderSignature: "v1=" + strings.Repeat("zz", 32)},
			{HeaderTimestamp: strconv.FormatInt(now, 10), HeaderSignature: strings.Repeat("v1=00,", 1000)},
			{HeaderTimestamp: strconv.FormatInt(now, 10), HeaderSignature: "v0=" + good[3:]},
			{HeaderTimestamp: strconv.FormatInt(now, 10), HeaderSignature: Sign([]byte("wrong"), now, []byte(body))},
		} {
			if st, b := h.do("POST", "/api/v1/webhooks/"+created.ID, uuid.Nil, body, hdr); st != http.StatusUnauthorized {
				t.Errorf("%v: %d %s", hdr, st, b)
			}
		}
		ok := map[string]string{HeaderTimestamp: strconv.FormatInt(now, 10), HeaderSignature: good}
		if st, b := h.do("POST", "/api/v1/webhooks/"+created.ID, uuid.Nil, body, ok); st != http.StatusOK {
			t.Fatalf("valid delivery: %d %s", st, b)
		}
		if st, b := h.do("PUT", "/api/v1/alert-sources/"+created.ID, org, `{"name":"hook","kind":"webhook","enabled":false}`, nil); st != http.StatusOK {
			t.Fatalf("disable: %d %s", st, b)
		}
		if st, b := h.do("POST", "/api/v1/webhooks/"+created.ID, uuid.Nil, body, ok); st != http.StatusUnauthorized {
			t.Errorf("disabled source accepted a delivery: %d %s", st, b)
		}
		if st, b := h.do("POST", "/api/v1/webhooks/not-a-uuid", uuid.Nil, body, ok); st != http.StatusUnauthorized && st != http.StatusUnprocessableEntity {
			t.Errorf("bad source id: %d %s", st, b)
		}
	})
}
