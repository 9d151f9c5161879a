package alerts_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

// "Select all matching": the count takes the list's filters; the bulk change
// by filter changes exactly the matched alerts in one transaction, refuses
// when the match changed since the analyst confirmed its count, and names a
// bad filter parameter.
func TestSelectAllMatching(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := triageFixture(t, d)
		count := func(q string) (int, bool) {
			t.Helper()
			st, b := c.do("GET", "/api/v1/alerts/matching?"+q, "", nil)
			var m struct {
				Count  int
				Capped bool
				Max    int
			}
			if err := json.Unmarshal(b, &m); err != nil || st != http.StatusOK || m.Max != 5000 {
				t.Fatalf("count %s: %d %s", q, st, b)
			}
			return m.Count, m.Capped
		}
		if n, capped := count("severity=critical&severity=high"); n != 4 || capped {
			t.Fatalf("critical+high: %d capped=%v, want 4", n, capped)
		}
		if n, _ := count("q=10.1.2.54"); n != 1 {
			t.Fatalf("entity text search: %d, want 1", n)
		}
		if n, _ := count(""); n != 5 {
			t.Fatalf("no filter: %d, want 5", n)
		}
		if st, b := c.do("GET", "/api/v1/alerts/matching?severity=critical,high", "", nil); st != http.StatusUnprocessableEntity || !strings.Contains(string(b), "query.severity") {
			t.Fatalf("comma form: %d %s", st, b)
		}

		// The analyst confirmed 4, but 5 match now: nothing changes.
		if st, b := c.do("POST", "/api/v1/alerts/matching/bulk-update", `{"change":{"status":"triaged"},"expected_count":4}`, nil); st != http.StatusConflict || !strings.Contains(string(b), "matching_changed") {
			t.Fatalf("stale count: %d %s", st, b)
		}
		if n, _ := count("status=triaged"); n != 0 {
			t.Fatalf("a refused bulk change changed %d alerts", n)
		}
		if st, b := c.do("POST", "/api/v1/alerts/matching/bulk-update?severity=critical&severity=high", `{"change":{"status":"resolved"}}`, nil); st != http.StatusUnprocessableEntity || !strings.Contains(string(b), "body.change.reason") {
			t.Fatalf("resolve without reason: %d %s", st, b)
		}
		st, b := c.do("POST", "/api/v1/alerts/matching/bulk-update?severity=critical&severity=high", `{"change":{"status":"triaged","tags":["campaign-7"]},"expected_count":4}`, nil)
		if st != http.StatusOK || !strings.Contains(string(b), `"updated":4`) {
			t.Fatalf("bulk by filter: %d %s", st, b)
		}
		if n, _ := count("status=triaged&tag=campaign-7"); n != 4 {
			t.Fatalf("triaged and tagged: %d, want 4", n)
		}
		if n, _ := count("status=new"); n != 1 {
			t.Fatalf("untouched: %d, want 1 (the low alert)", n)
		}
	})
}

// Select-all-matching never reaches another org: org A's count and bulk
// change by an empty filter see and change org A's alerts only.
func TestSelectAllMatchingStaysInTheOrg(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		cs := triageOrgs(t, d, "A", "B")
		a, b := cs[0], cs[1]
		st, body := a.do("POST", "/api/v1/alerts/matching/bulk-update?q=10.1.2.54", `{"change":{"status":"triaged"},"expected_count":1}`, nil)
		if st != http.StatusOK || !strings.Contains(string(body), `"updated":1`) {
			t.Fatalf("org A bulk by filter: %d %s", st, body)
		}
		st, body = a.do("POST", "/api/v1/alerts/matching/bulk-update", `{"change":{"add_tags":["org-a-only"]}}`, nil)
		if st != http.StatusOK || !strings.Contains(string(body), `"updated":5`) {
			t.Fatalf("org A bulk, no filter: %d %s", st, body)
		}
		for _, q := range []string{"status=triaged", "tag=org-a-only"} {
			st, body := b.do("GET", "/api/v1/alerts/matching?"+q, "", nil)
			if st != http.StatusOK || !strings.Contains(string(body), `"count":0`) {
				t.Fatalf("org B after org A's bulk change, %s: %d %s", q, st, body)
			}
		}
	})
}
