package intel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/egress"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// taxiiServer is a TAXII 2.1 server for tests: discovery, one API root,
// one collection whose objects carry a date added; the objects endpoint
// honours added_after, limit and next, and sets the X-TAXII-Date-Added-*
// headers. It requires basic auth.
type taxiiServer struct {
	mu      sync.Mutex
	objects []taxiiObj
	served  int // objects returned since the last reset
	queries []string
	srv     *httptest.Server
}

type taxiiObj struct {
	added time.Time
	raw   json.RawMessage
}

func (s *taxiiServer) add(ip string, added time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := "indicator--" + uuid.NewString()
	raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z",
"pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","confidence":80}`, id, ip)
	s.objects = append(s.objects, taxiiObj{added: added, raw: json.RawMessage(raw)})
}

func newTAXIIServer(t *testing.T) *taxiiServer {
	s := &taxiiServer{}
	mux := http.NewServeMux()
	write := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", TAXIIMediaType)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("/taxii2/", func(w http.ResponseWriter, r *http.Request) {
		write(w, map[string]any{"title": "test", "default": "/api1/", "api_roots": []string{"/api1/"}})
	})
	mux.HandleFunc("/api1/collections/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api1/collections/" {
			http.NotFound(w, r)
			return
		}
		write(w, map[string]any{"collections": []map[string]any{
			{"id": "no-read", "title": "write only", "can_read": false, "can_write": true},
			{"id": "c1", "title": "C2", "can_read": true, "can_write": false},
		}})
	})
	mux.HandleFunc("/api1/collections/c1/objects/", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Accept"), "application/taxii+json") {
			http.Error(w, "accept", http.StatusNotAcceptable)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		q := r.URL.Query()
		s.queries = append(s.queries, r.URL.RawQuery)
		var after time.Time
		if v := q.Get("added_after"); v != "" {
			var err error
			if after, err = time.Parse(time.RFC3339Nano, v); err != nil {
				http.Error(w, "added_after", http.StatusBadRequest)
				return
			}
		}
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit <= 0 {
			limit = 100
		}
		var match []taxiiObj
		for _, o := range s.objects {
			if o.added.After(after) {
				match = append(match, o)
			}
		}
		start, _ := strconv.Atoi(q.Get("next"))
		start = min(start, len(match))
		end := min(start+limit, len(match))
		page := match[start:end]
		env := map[string]any{"more": end < len(match)}
		if end < len(match) {
			env["next"] = strconv.Itoa(end)
		}
		objs := make([]json.RawMessage, len(page))
		for i, o := range page {
			objs[i] = o.raw
		}
		if len(objs) > 0 {
			env["objects"] = objs
			w.Header().Set(headerDateAddedFirst, page[0].added.Format(time.RFC3339Nano))
			w.Header().Set(headerDateAddedLast, page[len(page)-1].added.Format(time.RFC3339Nano))
		}
		s.served += len(page)
		write(w, env)
	})
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "taxii" || p != "s3cret" {
			http.Error(w, "auth", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *taxiiServer) reset() (served int, queries []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	served, queries = s.served, s.queries
	s.served, s.queries = 0, nil
	return served, queries
}

// testEgress is an egress client whose feed policy may reach the test
// servers on loopback (the development switch, as other egress users'
// tests do).
func testEgress(t *testing.T, allowPrivate bool) *http.Client {
	t.Helper()
	eg, err := egress.New(egress.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return eg.HTTPClient(feedPolicy(allowPrivate))
}

var testKeyring = secrets.MustKeyring([]byte("0123456789abcdef0123456789abcdef"))

func TestTAXIIIncrementalSync(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		e.store.Keyring = testKeyring
		org := newScope()
		ts := newTAXIIServer(t)
		base := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		ts.add("198.51.100.1", base.Add(100*time.Millisecond))
		ts.add("198.51.100.2", base.Add(2*time.Second))
		ts.add("198.51.100.3", base.Add(3*time.Second+500*time.Millisecond))

		feed, err := e.store.CreateFeed(ctx, org, FeedInput{Name: "taxii", Kind: FeedTAXII, URL: ts.srv.URL + "/taxii2/", Confidence: 60,
			Credentials: &Credentials{Auth: AuthBasic, Username: "taxii", Password: "s3cret"}})
		if err != nil {
			t.Fatal(err)
		}
		if !feed.HasCredentials || feed.Health != HealthNever {
			t.Fatalf("feed: %+v", feed)
		}
		if b, _ := json.Marshal(feed); strings.Contains(string(b), "s3cret") {
			t.Fatalf("credentials in the feed JSON: %s", b)
		}
		var sealed string
		if err := d.ReadInOrg(ctx, org, func(ctx context.Context, tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT credentials FROM intel_feeds WHERE id = $1`, feed.ID.String()).Scan(&sealed)
		}); err != nil || !secrets.IsSealed(sealed) || strings.Contains(sealed, "s3cret") {
			t.Fatalf("stored credentials %q, %v", sealed, err)
		}

		orgID := org.Org()
		// Egress refuses the loopback test server by default.
		blocked := &Refresher{Store: e.store, HTTP: testEgress(t, false)}
		if run, err := blocked.Refresh(ctx, &orgID, feed.ID); !errors.Is(err, egress.ErrBlocked) || run.Status != "failed" {
			t.Fatalf("loopback refresh: %+v, %v", run, err)
		}
		if f, _ := e.store.Feed(ctx, org, feed.ID); f.Health != HealthFailing || f.ConsecutiveErrors != 1 || f.LastError == "" {
			t.Fatalf("failing health: %+v", f)
		}
		ts.reset()

		r := &Refresher{Store: e.store, HTTP: testEgress(t, true), Hunter: e.hunter, PageSize: 2}
		run, err := r.Refresh(ctx, &orgID, feed.ID)
		if err != nil {
			t.Fatal(err)
		}
		served, queries := ts.reset()
		if run.Status != "ok" || run.Fetched != 3 || run.Created != 3 || served != 3 || len(queries) != 2 || run.Requests != 4 {
			t.Fatalf("first run: %+v, served %d, queries %v", run, served, queries)
		}
		if strings.Contains(queries[0], "added_after") || !strings.Contains(queries[1], "next=2") {
			t.Fatalf("first run queries: %v", queries)
		}
		wantCursor := base.Add(3*time.Second + 500*time.Millisecond).Format(time.RFC3339Nano)
		if run.Cursor != wantCursor {
			t.Fatalf("cursor %q, want %q", run.Cursor, wantCursor)
		}

		// Two objects added later: the second run asks for what was added
		// after the cursor and fetches only those.
		ts.add("198.51.100.4", base.Add(time.Minute))
		ts.add("198.51.100.5", base.Add(2*time.Minute))
		run, err = r.Refresh(ctx, &orgID, feed.ID)
		if err != nil {
			t.Fatal(err)
		}
		served, queries = ts.reset()
		if run.Fetched != 2 || run.Created != 2 || run.Updated != 0 || served != 2 || len(queries) != 1 ||
			!strings.Contains(queries[0], "added_after="+strings.ReplaceAll(wantCursor, ":", "%3A")) {
			t.Fatalf("second run: %+v, served %d, queries %v", run, served, queries)
		}
		// Nothing new: nothing fetched.
		if run, err = r.Refresh(ctx, &orgID, feed.ID); err != nil || run.Fetched != 0 || run.Created != 0 {
			t.Fatalf("third run: %+v, %v", run, err)
		}
		if served, _ := ts.reset(); served != 0 {
			t.Fatalf("third run served %d", served)
		}

		f, err := e.store.Feed(ctx, org, feed.ID)
		if err != nil || f.Health != HealthOK || f.ConsecutiveErrors != 0 || f.LastSuccessAt == nil || f.NextRunAt == nil ||
			f.Cursor != base.Add(2*time.Minute).Format(time.RFC3339Nano) {
			t.Fatalf("feed health: %+v, %v", f, err)
		}
		runs, _, err := e.store.FeedRuns(ctx, org, feed.ID, nil, 10)
		if err != nil || len(runs) != 4 || runs[0].Status != "ok" || runs[3].Status != "failed" || runs[1].Created != 2 {
			t.Fatalf("runs: %+v, %v", runs, err)
		}
		// Another org sees neither the feed nor its runs.
		if _, _, err := e.store.FeedRuns(ctx, newScope(), feed.ID, nil, 10); err == nil {
			t.Fatal("another org listed the feed's runs")
		}
		// The pulled indicators match at ingest.
		hit := e.ingest(t, org, `{"title":"c2","src_ip":"198.51.100.5","severity":1}`)
		if ms, _, err := e.store.Matches(ctx, org, MatchQuery{AlertID: &hit}, nil, 10); err != nil || len(ms) != 1 || ms[0].FeedID != feed.ID {
			t.Fatalf("matches of a TAXII indicator: %+v, %v", ms, err)
		}
		// The feed is due (next_run_at) only after its interval.
		due, err := e.store.DueFeeds(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range due {
			if a.FeedID == feed.ID {
				t.Fatal("a feed refreshed just now is due")
			}
		}
	})
}

func TestSTIXFeedConditional(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		org := newScope()
		var gets, notModified int
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gets++
			if r.Header.Get("If-None-Match") == `"v1"` {
				notModified++
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT")
			_, _ = w.Write([]byte(testBundle))
		}))
		defer srv.Close()
		feed, err := e.store.CreateFeed(ctx, org, FeedInput{Name: "bundle", Kind: FeedSTIX, URL: srv.URL + "/bundle.json"})
		if err != nil {
			t.Fatal(err)
		}
		orgID := org.Org()
		r := &Refresher{Store: e.store, HTTP: testEgress(t, true)}
		run, err := r.Refresh(ctx, &orgID, feed.ID)
		if err != nil || run.Status != "ok" || run.Created != 5 {
			t.Fatalf("first run: %+v, %v", run, err)
		}
		run, err = r.Refresh(ctx, &orgID, feed.ID)
		if err != nil || run.Status != "not_modified" || run.Fetched != 0 || gets != 2 || notModified != 1 {
			t.Fatalf("second run: %+v, %v (gets %d, 304s %d)", run, err, gets, notModified)
		}
		if f, _ := e.store.Feed(ctx, org, feed.ID); f.Health != HealthOK || f.LastCount != 0 {
			t.Fatalf("health after 304: %+v", f)
		}
	})
}

func TestCSVAndMISPFeeds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		org := newScope()
		mux := http.NewServeMux()
		mux.HandleFunc("/list.txt", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("# blocklist\n203.0.113.10\nbad-host.example.net\n198.51.100.0/24\n\n8.8.8.8\n"))
		})
		mux.HandleFunc("/iocs.csv", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("type;value;score;tags\nip-dst;203.0.113.11;90;c2|apt\nsha256;" + strings.Repeat("ab12", 16) + ";70;\nbogus;x;1;\n"))
		})
		mux.HandleFunc("/misp/manifest.json", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"5f1c0c4e-aaaa-4bbb-8ccc-000000000001":{"info":"ev","timestamp":"1764000000"}}`))
		})
		mux.HandleFunc("/misp/5f1c0c4e-aaaa-4bbb-8ccc-000000000001.json", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"Event":{"info":"ev","Attribute":[{"uuid":"u1","type":"ip-dst","value":"203.0.113.12","to_ids":true}]}}`))
		})
		mux.HandleFunc("/mispapi/attributes/restSearch", func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || r.Header.Get("Authorization") != "apikey-1" {
				http.Error(w, "no", http.StatusForbidden)
				return
			}
			var q map[string]any
			_ = json.NewDecoder(r.Body).Decode(&q)
			if q["to_ids"] != true {
				http.Error(w, "to_ids", http.StatusBadRequest)
				return
			}
			_, _ = w.Write([]byte(`{"response":{"Attribute":[{"uuid":"u2","type":"domain","value":"api.bad.example.org","to_ids":true,"timestamp":"1764000100"}]}}`))
		})
		srv := httptest.NewServer(mux)
		defer srv.Close()
		e.store.Keyring = testKeyring
		orgID := org.Org()
		r := &Refresher{Store: e.store, HTTP: testEgress(t, true)}
		for _, c := range []struct {
			in      FeedInput
			created int
			bad     int
		}{
			{FeedInput{Name: "list", Kind: FeedCSV, URL: srv.URL + "/list.txt"}, 3, 1},
			{FeedInput{Name: "csv", Kind: FeedCSV, URL: srv.URL + "/iocs.csv", Config: &FeedConfig{CSV: &CSVConfig{
				Delimiter: ";", Header: true, ValueColumn: 1, TypeColumn: 0, ConfidenceColumn: 2, TagsColumn: 3, DescriptionColumn: -1}}}, 2, 1},
			{FeedInput{Name: "misp-feed", Kind: FeedMISP, URL: srv.URL + "/misp/", Config: &FeedConfig{MISP: &MISPConfig{Mode: MISPModeFeed}}}, 1, 0},
			{FeedInput{Name: "misp-api", Kind: FeedMISP, URL: srv.URL + "/mispapi", Config: &FeedConfig{MISP: &MISPConfig{Mode: MISPModeAPI, ToIDsOnly: true}},
				Credentials: &Credentials{Auth: AuthHeader, Header: "Authorization", Token: "apikey-1"}}, 1, 0},
		} {
			f, err := e.store.CreateFeed(ctx, org, c.in)
			if err != nil {
				t.Fatal(err)
			}
			run, err := r.Refresh(ctx, &orgID, f.ID)
			if err != nil || run.Created != c.created || run.Rejected != c.bad {
				t.Fatalf("%s: %+v, %v", c.in.Name, run, err)
			}
		}
		list, _, err := e.store.List(ctx, org, Query{Value: "203.0.113.11"}, nil, 10)
		if err != nil || len(list) != 1 || list[0].Confidence != 90 || len(list[0].Tags) != 2 {
			t.Fatalf("csv columns: %+v, %v", list, err)
		}
		if f, _ := e.store.Feeds(ctx, org); len(f) != 4 || f[2].Cursor != "1764000000" && f[3].Cursor != "1764000000" {
			t.Fatalf("misp feed cursor: %+v", f)
		}
	})
}

func TestParseCSV(t *testing.T) {
	inds, bad, err := ParseCSV([]byte("1.2.3.4\n2001:db8::1\nhttp://x.example/a\n"+strings.Repeat("a", 64)+"\nuser@example.net\n\"unterminated\n"), defaultCSV())
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ind := range inds {
		types = append(types, string(ind.Type))
	}
	if got := strings.Join(types, ","); !strings.HasPrefix(got, "ipv4,ipv6,url,sha256,email") {
		t.Fatalf("types %s (bad %d)", got, bad)
	}
	_ = tenant.Scope{}
}
