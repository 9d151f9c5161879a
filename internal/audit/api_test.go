package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/health"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// testServer serves the audit operations behind a test guard that takes
// the org from the X-Test-Org header (the identity guard's stand-in).
func testServer(t *testing.T, d *db.DB) *httptest.Server {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httpapi.New(httpapi.Deps{Logger: logger, Health: &health.Registry{}})
	srv.SetGuard(func(ctx huma.Context, _ *huma.Operation) (context.Context, error) {
		org, err := uuid.Parse(ctx.Header("X-Test-Org"))
		if err != nil {
			return nil, apperr.Unauthorized("no test org")
		}
		return tenant.WithScope(ctx.Context(), tenant.NewAuthenticated(org, "user:test")), nil
	})
	if err := Register(context.Background(), &platform.Platform{DB: d, Logger: logger, Server: srv}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, ts *httptest.Server, org uuid.UUID, path string, q url.Values) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+path+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Test-Org", org.String())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

type listBody struct {
	Items      []LogEntry `json:"items"`
	NextCursor string     `json:"next_cursor"`
}

func list(t *testing.T, ts *httptest.Server, org uuid.UUID, q url.Values) listBody {
	t.Helper()
	res, b := get(t, ts, org, "/api/v1/audit", q)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /audit?%s: %d %s", q.Encode(), res.StatusCode, b)
	}
	var lb listBody
	if err := json.Unmarshal(b, &lb); err != nil {
		t.Fatal(err)
	}
	return lb
}

// listAll follows the cursor and returns every item's seq.
func listAll(t *testing.T, ts *httptest.Server, org uuid.UUID, q url.Values) []int64 {
	t.Helper()
	var seqs []int64
	for range 100 {
		lb := list(t, ts, org, q)
		for _, it := range lb.Items {
			if it.OrgID != org.String() {
				t.Fatalf("item of org %s listed for %s", it.OrgID, org)
			}
			seqs = append(seqs, it.Seq)
		}
		if lb.NextCursor == "" {
			return seqs
		}
		q.Set("cursor", lb.NextCursor)
	}
	t.Fatal("cursor never ended")
	return nil
}

func TestAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		fakeClock(t, t0, time.Minute) // entry i (seq i+1) at t0 + i minutes
		a, b := newOrg(), newOrg()
		const n = 120
		for i := range n {
			record(t, d, entry(a, i))
		}
		for i := range 5 {
			record(t, d, entry(b, i))
		}
		ts := testServer(t, d)

		// Default page 50, newest first, cursor through everything.
		first := list(t, ts, a, url.Values{})
		if len(first.Items) != DefaultLimit || first.Items[0].Seq != n || first.NextCursor == "" {
			t.Fatalf("first page: %d items, first seq %d, cursor %q", len(first.Items), first.Items[0].Seq, first.NextCursor)
		}
		all := listAll(t, ts, a, url.Values{})
		if len(all) != n {
			t.Fatalf("paged %d entries, want %d", len(all), n)
		}
		for i, s := range all {
			if s != int64(n-i) {
				t.Fatalf("position %d: seq %d, want %d (newest first, no gaps or repeats)", i, s, n-i)
			}
		}
		if got := listAll(t, ts, a, url.Values{"limit": {"500"}}); len(got) != n {
			t.Fatalf("limit 500: %d", len(got))
		}
		// Empty parameters (as a form sends them) do not filter.
		if got := listAll(t, ts, a, url.Values{"outcome": {""}, "action": {""}, "since": {""}, "cursor": {""}}); len(got) != n {
			t.Fatalf("empty parameters: %d entries", len(got))
		}
		if got := list(t, ts, a, url.Values{"limit": {"7"}}); len(got.Items) != 7 {
			t.Fatalf("limit 7: %d", len(got.Items))
		}

		// Filters, checked against the same predicate in Go.
		count := func(pred func(i int) bool) int {
			c := 0
			for i := range n {
				if pred(i) {
					c++
				}
			}
			return c
		}
		for _, tc := range []struct {
			q    url.Values
			pred func(i int) bool
		}{
			{url.Values{"actor": {"user:1"}}, func(i int) bool { return i%3 == 1 }},
			{url.Values{"action": {"alert."}}, func(i int) bool { return i%4 < 2 }},
			{url.Values{"action": {"alert.update"}}, func(i int) bool { return i%4 == 0 }},
			{url.Values{"action": {"ALERT."}}, func(int) bool { return false }},
			{url.Values{"action": {"alert.%"}}, func(int) bool { return false }},
			{url.Values{"target_type": {"apikey"}}, func(i int) bool { return i%4 == 2 }},
			{url.Values{"target_id": {"t-17"}}, func(i int) bool { return i == 17 }},
			{url.Values{"outcome": {"denied"}}, func(i int) bool { return i%4 == 3 }},
			{url.Values{"outcome": {"success"}, "actor": {"user:0"}}, func(i int) bool { return i%4 < 2 && i%3 == 0 }},
			{url.Values{"since": {t0.Add(100 * time.Minute).Format(time.RFC3339)}}, func(i int) bool { return i >= 100 }},
			{url.Values{"until": {t0.Add(10 * time.Minute).Format(time.RFC3339)}}, func(i int) bool { return i < 10 }},
			{url.Values{
				"since": {t0.Add(10*time.Minute + time.Microsecond).Format(time.RFC3339Nano)},
				"until": {t0.Add(20 * time.Minute).Format(time.RFC3339Nano)},
			}, func(i int) bool { return i > 10 && i < 20 }},
		} {
			q := tc.q
			q.Set("limit", "13") // force paging through filtered results
			if got, want := len(listAll(t, ts, a, q)), count(tc.pred); got != want {
				t.Errorf("filter %s: %d entries, want %d", tc.q.Encode(), got, want)
			}
		}

		// Org B sees only its own five.
		if got := listAll(t, ts, b, url.Values{}); len(got) != 5 {
			t.Fatalf("org B lists %d entries, want 5", len(got))
		}
		// A cursor is only a position: org A's cursor used by org B still
		// shows org B's entries only.
		if lb := list(t, ts, b, url.Values{"cursor": {first.NextCursor}}); len(lb.Items) != 5 {
			t.Fatalf("org B with org A's cursor: %d items", len(lb.Items))
		}

		// Bad input: 4xx problems naming the field.
		for q, field := range map[string]string{
			"limit=501":       "query.limit",
			"limit=0":         "query.limit",
			"cursor=%21%21":   "query.cursor",
			"cursor=YTE6LTE":  "query.cursor", // "a1:-1"
			"outcome=maybe":   "query.outcome",
			"since=yesterday": "query.since",
			"since=2026-05-02T00:00:00Z&until=2026-05-01T00:00:00Z": "query.until",
		} {
			vals, _ := url.ParseQuery(q)
			res, body := get(t, ts, a, "/api/v1/audit", vals)
			if res.StatusCode/100 != 4 || !strings.Contains(string(body), field) {
				t.Errorf("%s: %d %s (want 4xx naming %s)", q, res.StatusCode, body, field)
			}
		}
	})
}

func TestAPIExport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		a, b := newOrg(), newOrg()
		const n = exportBatch + 7 // crosses a batch boundary
		for i := range n {
			record(t, d, entry(a, i))
		}
		record(t, d, entry(b, 0))
		ts := testServer(t, d)
		res, body := get(t, ts, a, "/api/v1/audit/export", nil)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/x-ndjson") {
			t.Fatalf("export: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		sc := bufio.NewScanner(strings.NewReader(string(body)))
		sc.Buffer(make([]byte, 0, 1<<20), 1<<20)
		prev := GenesisHash
		var lines int64
		for sc.Scan() {
			var it LogEntry
			if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
				t.Fatalf("line %d: %v", lines+1, err)
			}
			lines++
			// Offline verification from the export alone.
			s := Stored{Seq: it.Seq, OccurredAt: it.OccurredAt, PrevHash: it.PrevHash, Hash: it.Hash, Entry: Entry{
				OrgID: uuid.MustParse(it.OrgID), Actor: it.Actor, Action: it.Action, TargetType: it.TargetType,
				TargetID: it.TargetID, Outcome: Outcome(it.Outcome), RequestID: it.RequestID, IP: it.IP,
				UserAgent: it.UserAgent, Details: it.Details,
			}}
			if it.OrgID != a.String() || it.Seq != lines || it.PrevHash != prev || s.fields().ComputeHash() != it.Hash {
				t.Fatalf("line %d does not verify: %+v", lines, it)
			}
			prev = it.Hash
		}
		// n entries plus the audit.export entry written before streaming.
		if lines != n+1 {
			t.Fatalf("exported %d lines, want %d", lines, n+1)
		}
		rep, err := VerifyNDJSON(strings.NewReader(string(body)), nil)
		if err != nil || !rep.OK() || len(rep.Chains) != 1 || rep.Chains[0].Entries != n+1 {
			t.Fatalf("VerifyNDJSON of the export: %v %+v", err, rep)
		}
		// Tampering with the file is caught offline, naming the entry.
		tampered := strings.Replace(string(body), `"target_id":"t-41"`, `"target_id":"t-14"`, 1)
		rep, err = VerifyNDJSON(strings.NewReader(tampered), nil)
		if err != nil || rep.OK() || rep.Chains[0].Break.Seq != 42 {
			t.Fatalf("tampered export: %v %+v", err, rep.Chains[0].Break)
		}
		// Dropping the last line is caught with the head as anchor.
		full, _ := VerifyNDJSON(strings.NewReader(string(body)), nil)
		cut := string(body)[:strings.LastIndex(strings.TrimSuffix(string(body), "\n"), "\n")+1]
		rep, err = VerifyNDJSON(strings.NewReader(cut), []Anchor{full.Chains[0].Head})
		if err != nil || rep.OK() || !strings.Contains(rep.Chains[0].Break.Problem, "anchored entry is missing") {
			t.Fatalf("truncated export with anchor: %v %+v", err, rep)
		}
		lb := list(t, ts, a, url.Values{"limit": {"1"}})
		if lb.Items[0].Action != "audit.export" || lb.Items[0].Actor != "user:test" {
			t.Fatalf("export not audited: %+v", lb.Items[0])
		}
		if lb.Items[0].RequestID == "" || lb.Items[0].IP == "" {
			t.Fatalf("export audit entry lacks request id or IP: %+v", lb.Items[0])
		}
	})
}

// Entries are identified by chain and seq: the platform-wide row id is not
// exposed (it would tell an org how much the whole platform audits).
func TestAPIHidesPlatformRowIDs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		a, b := newOrg(), newOrg()
		for i := range 5 {
			record(t, d, entry(b, i)) // other orgs' volume
		}
		record(t, d, entry(a, 0))
		ts := testServer(t, d)
		for _, path := range []string{"/api/v1/audit", "/api/v1/audit/export"} {
			res, body := get(t, ts, a, path, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", path, res.StatusCode, body)
			}
			if strings.Contains(string(body), `"id":`) {
				t.Fatalf("%s exposes a row id: %s", path, body)
			}
			if !strings.Contains(string(body), `"seq":1`) {
				t.Fatalf("%s lacks the per-chain seq: %s", path, body)
			}
		}
	})
}
