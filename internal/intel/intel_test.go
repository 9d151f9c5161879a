package intel

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// testBundle is a STIX 2.1 bundle written for these tests: two IP
// patterns in one indicator, a domain, a SHA-256, a regex pattern (no
// value), a revoked indicator, a URL observable and a TLP marking.
const testBundle = `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
 {"type":"marking-definition","spec_version":"2.1","id":"marking-definition--00000000-0000-4000-8000-000000000001","created":"2024-01-01T00:00:00Z","name":"TLP:RED","definition_type":"tlp","definition":{"tlp":"red"}},
 {"type":"indicator","spec_version":"2.1","id":"indicator--11111111-1111-4111-8111-111111111111","created":"2024-03-01T10:00:00Z","modified":"2024-03-02T10:00:00Z",
  "name":"C2 servers","description":"Known command and control","indicator_types":["malicious-activity"],"confidence":85,
  "pattern":"[ipv4-addr:value = '203.0.113.7'] OR [ipv4-addr:value = '198.51.100.0/24']","pattern_type":"stix","valid_from":"2024-03-01T10:00:00Z",
  "object_marking_refs":["marking-definition--00000000-0000-4000-8000-000000000001"],
  "external_references":[{"source_name":"mitre-attack","external_id":"T1071"}]},
 {"type":"indicator","spec_version":"2.1","id":"indicator--22222222-2222-4222-8222-222222222222","created":"2024-03-01T10:00:00Z","modified":"2024-03-01T10:00:00Z",
  "pattern":"[domain-name:value = 'Bad.Example.NET.']","pattern_type":"stix","valid_from":"2024-03-01T10:00:00Z",
  "object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]},
 {"type":"indicator","spec_version":"2.1","id":"indicator--33333333-3333-4333-8333-333333333333","created":"2024-03-01T10:00:00Z","modified":"2024-03-01T10:00:00Z",
  "pattern":"[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']","pattern_type":"stix","valid_from":"2024-03-01T10:00:00Z"},
 {"type":"indicator","spec_version":"2.1","id":"indicator--44444444-4444-4444-8444-444444444444","created":"2024-03-01T10:00:00Z","modified":"2024-03-01T10:00:00Z",
  "pattern":"[url:value MATCHES '^https?://x']","pattern_type":"stix","valid_from":"2024-03-01T10:00:00Z"},
 {"type":"indicator","spec_version":"2.1","id":"indicator--55555555-5555-4555-8555-555555555555","created":"2024-03-01T10:00:00Z","modified":"2024-03-01T10:00:00Z",
  "pattern":"[ipv4-addr:value = '192.0.2.99']","pattern_type":"stix","valid_from":"2024-03-01T10:00:00Z","revoked":true},
 {"type":"url","spec_version":"2.1","id":"url--66666666-6666-4666-8666-666666666666","value":"HTTP://Evil.Example.org:80/a/../b"}
]}`

func TestParseSTIX(t *testing.T) {
	inds, st, err := ParseSTIX([]byte(testBundle))
	if err != nil {
		t.Fatal(err)
	}
	if st.Objects != 6 || st.Skipped != 2 {
		t.Fatalf("stats %+v, want 6 objects, 2 skipped (regex, revoked)", st)
	}
	byType := map[Type][]Indicator{}
	for _, ind := range inds {
		byType[ind.Type] = append(byType[ind.Type], ind)
	}
	if len(byType[TypeIPv4]) != 1 || len(byType[TypeCIDR]) != 1 || len(byType[TypeDomain]) != 1 || len(byType[TypeSHA256]) != 1 || len(byType[TypeURL]) != 1 {
		t.Fatalf("by type: %+v", byType)
	}
	ip := byType[TypeIPv4][0]
	if ip.Value != "203.0.113.7" || ip.Confidence != 85 || ip.TLP != "red" || ip.STIXID != "indicator--11111111-1111-4111-8111-111111111111" ||
		!slices.Equal(ip.Attack, []string{"T1071"}) || !slices.Equal(ip.Tags, []string{"malicious-activity"}) || ip.Description != "Known command and control" {
		t.Fatalf("ip context: %+v", ip)
	}
	if d := byType[TypeDomain][0]; d.Value != "bad.example.net" || d.TLP != "amber" {
		t.Fatalf("domain: %+v", d)
	}
	if _, _, err := ParseSTIX([]byte(`{"type":"bundle","objects":[1]}`)); !apperr.Is(err, apperr.KindValidation) {
		t.Fatalf("bad object: %v", err)
	}
}

func TestParseMISP(t *testing.T) {
	raw := `{"Event":{"info":"Phishing wave","Tag":[{"name":"tlp:green"}],"Attribute":[
 {"uuid":"a1","type":"ip-dst","value":"203.0.113.9","to_ids":true},
 {"uuid":"a2","type":"domain|ip","value":"phish.example.net|198.51.100.20","to_ids":true},
 {"uuid":"a3","type":"md5","value":"0123456789abcdef0123456789abcdef","to_ids":false},
 {"uuid":"a4","type":"comment","value":"free text","to_ids":false}],
 "Object":[{"Attribute":[{"uuid":"a5","type":"sha1","value":"0123456789abcdef0123456789abcdef01234567","to_ids":"1"}]}]}}`
	inds, _, err := ParseMISP([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	got := map[Type]int{}
	for _, ind := range inds {
		got[ind.Type]++
		if ind.TLP != "green" {
			t.Fatalf("tlp from tag: %+v", ind)
		}
		if ind.Type == TypeMD5 && ind.Detect {
			t.Fatal("to_ids false must not detect")
		}
	}
	want := map[Type]int{TypeIPv4: 2, TypeDomain: 1, TypeMD5: 1, TypeSHA1: 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("by type %v, want %v", got, want)
	}
}

func TestCanonicalize(t *testing.T) {
	for _, c := range []struct {
		t       Type
		in, out string
		ok      bool
	}{
		{TypeIPv4, " 203.0.113.7 ", "203.0.113.7", true},
		{TypeIPv4, "::ffff:203.0.113.7", "203.0.113.7", true},
		{TypeIPv6, "2001:DB8::1", "2001:db8::1", true},
		{TypeIPv6, "203.0.113.7", "", false},
		{TypeCIDR, "198.51.100.77/24", "198.51.100.0/24", true},
		{TypeDomain, "Bad.Example.NET.", "bad.example.net", true},
		{TypeMD5, "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdef", true},
		{TypeMD5, "0123", "", false},
		{TypeJA4, "t13d1516h2_8daaf6152771_e5627efa2ab1", "t13d1516h2_8daaf6152771_e5627efa2ab1", true},
		{TypeJA3, "zz", "", false},
	} {
		got, ok := Canonicalize(c.t, c.in)
		if ok != c.ok || (ok && got != c.out) {
			t.Errorf("Canonicalize(%s, %q) = %q, %v; want %q, %v", c.t, c.in, got, ok, c.out, c.ok)
		}
	}
}

func TestIndex(t *testing.T) {
	x := NewIndex()
	past := time.Now().Add(-time.Hour)
	inds := []Indicator{
		{ID: uuid.New(), Type: TypeIPv4, Value: "203.0.113.7", Detect: true, Confidence: 80},
		{ID: uuid.New(), Type: TypeCIDR, Value: "198.51.100.0/24", Detect: true},
		{ID: uuid.New(), Type: TypeCIDR, Value: "198.51.0.0/16", Detect: true},
		{ID: uuid.New(), Type: TypeDomain, Value: "example.net", Subdomains: true, Detect: true},
		{ID: uuid.New(), Type: TypeDomain, Value: "exact.example.org", Detect: true},
		{ID: uuid.New(), Type: TypeSHA256, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Detect: true},
		{ID: uuid.New(), Type: TypeIPv4, Value: "192.0.2.1", Detect: true, ValidUntil: &past},
	}
	for i := range inds {
		x.Put(&inds[i])
	}
	match := func(e alert.Entity) int { return len(x.Match(e, nowUnix(), nil)) }
	for _, c := range []struct {
		e    alert.Entity
		want int
	}{
		{alert.Entity{Type: alert.EntityIP, Value: "203.0.113.7"}, 1},
		{alert.Entity{Type: alert.EntityIP, Value: "198.51.100.9"}, 2},
		{alert.Entity{Type: alert.EntityIP, Value: "198.51.200.9"}, 1},
		{alert.Entity{Type: alert.EntityIP, Value: "203.0.113.8"}, 0},
		{alert.Entity{Type: alert.EntityHostname, Value: "a.b.example.net"}, 1},
		{alert.Entity{Type: alert.EntityDomain, Value: "example.net"}, 1},
		{alert.Entity{Type: alert.EntityDomain, Value: "sub.exact.example.org"}, 0},
		{alert.Entity{Type: alert.EntityDomain, Value: "exact.example.org"}, 1},
		{alert.Entity{Type: alert.EntitySHA256, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, 1},
		{alert.Entity{Type: alert.EntityIP, Value: "192.0.2.1"}, 0}, // expired
	} {
		if got := match(c.e); got != c.want {
			t.Errorf("%+v: %d hits, want %d", c.e, got, c.want)
		}
	}
	x.Remove(TypeCIDR, "198.51.100.0/24", inds[1].ID)
	x.Remove(TypeDomain, "example.net", inds[3].ID)
	if got := match(alert.Entity{Type: alert.EntityIP, Value: "198.51.100.9"}); got != 1 {
		t.Fatalf("after remove: %d", got)
	}
	if got := match(alert.Entity{Type: alert.EntityHostname, Value: "a.b.example.net"}); got != 0 || x.subdomains != 0 {
		t.Fatalf("subdomain after remove: %d (%d)", got, x.subdomains)
	}
	if x.Len() != 5 {
		t.Fatalf("len %d", x.Len())
	}
}

// env is a store, matcher, hunter and ingest pipeline on one database.
type env struct {
	store    *Store
	matcher  *Matcher
	hunter   *Hunter
	pipeline *ingest.Pipeline
}

func newEnv(d *db.DB) *env {
	s := &Store{DB: d}
	m := NewMatcher(s, Policy{RaiseTo: alert.SeverityHigh, MinConfidence: 50}, nil)
	s.OnChange = m.Apply
	h := &Hunter{Store: s, Days: 30, Policy: m}
	p := &ingest.Pipeline{Store: ingest.NewStore(d, secrets.MustKeyring([]byte("0123456789abcdef0123456789abcdef"))), Normalize: testNormalize,
		Quota: &ingest.Quota{Default: ingest.PlanRates["standard"], MinBurst: 1000}, Enrich: m}
	return &env{store: s, matcher: m, hunter: h, pipeline: p}
}

// testNormalize maps {"title","src_ip","host","severity"} to an alert.
func testNormalize(_ string, raw []byte) ([]alert.Alert, error) {
	var p struct {
		Title    string `json:"title"`
		SrcIP    string `json:"src_ip"`
		Host     string `json:"host"`
		Severity int    `json:"severity"`
		// Time is the event time (default: the pipeline's).
		Time time.Time `json:"time"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, apperr.Validation("malformed", apperr.Field("body", err.Error()))
	}
	a := alert.Alert{Title: p.Title, Severity: alert.Severity(p.Severity), Source: alert.Source{Type: "test"}, EventTime: p.Time}
	if p.SrcIP != "" {
		a.Entities = append(a.Entities, alert.Entity{Type: alert.EntityIP, Value: p.SrcIP, Role: "src"})
	}
	if p.Host != "" {
		a.Entities = append(a.Entities, alert.Entity{Type: alert.EntityHostname, Value: p.Host, Role: "host"})
	}
	return []alert.Alert{a}, nil
}

func (e *env) ingest(t *testing.T, scope tenant.Scope, payload string) uuid.UUID {
	t.Helper()
	sum, err := e.pipeline.Ingest(context.Background(), scope, nil, "test", "api", [][]byte{[]byte(payload)})
	if err != nil || len(sum.Results) != 1 || sum.Results[0].ID == nil {
		t.Fatalf("ingest: %+v, %v", sum, err)
	}
	return *sum.Results[0].ID
}

func alertTagsSeverity(t *testing.T, d *db.DB, scope tenant.Scope, id uuid.UUID) ([]string, alert.Severity) {
	t.Helper()
	var tags string
	var sev int
	err := d.ReadInOrg(context.Background(), scope, func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT tags, severity_id FROM alerts WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()).Scan(&tags, &sev)
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if err := json.Unmarshal([]byte(tags), &out); err != nil {
		t.Fatal(err)
	}
	return out, alert.Severity(sev)
}

// matchedEvents returns the org's intel.matched.v1 payloads in seq order.
func matchedEvents(t *testing.T, d *db.DB, scope tenant.Scope) []MatchedV1 {
	t.Helper()
	evs, err := events.Since(context.Background(), d, scope, 0, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []MatchedV1
	for _, e := range evs {
		if e.Kind != EventMatched.Kind() {
			continue
		}
		p, err := EventMatched.Decode(e)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func newScope() tenant.Scope { return tenant.NewAuthenticated(uuid.Must(uuid.NewV7()), "user:test") }

func TestImportMatchAtIngest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		orgA, orgB := newScope(), newScope()
		inds, _, err := ParseSTIX([]byte(testBundle))
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.store.Import(ctx, orgA, nil, inds, e.hunter)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 5 || res.Rejected != 0 || res.ByType["ipv4"] != 1 || res.ByType["cidr"] != 1 || res.ByType["url"] != 1 {
			t.Fatalf("import: %+v", res)
		}
		// Re-import refreshes instead of duplicating.
		if res, err = e.store.Import(ctx, orgA, nil, inds, e.hunter); err != nil || res.Created != 0 || res.Updated != 5 {
			t.Fatalf("re-import: %+v, %v", res, err)
		}

		hit := e.ingest(t, orgA, `{"title":"beacon","src_ip":"203.0.113.7","severity":2}`)
		miss := e.ingest(t, orgA, `{"title":"benign","src_ip":"203.0.113.8","severity":2}`)
		cidr := e.ingest(t, orgA, `{"title":"scan","src_ip":"198.51.100.44","severity":1}`)
		other := e.ingest(t, orgB, `{"title":"beacon elsewhere","src_ip":"203.0.113.7","severity":2}`)

		tags, sev := alertTagsSeverity(t, d, orgA, hit)
		if !slices.Contains(tags, MatchTag) || !slices.Contains(tags, "intel:ipv4") || sev != alert.SeverityHigh {
			t.Fatalf("matched alert: tags %v severity %v", tags, sev)
		}
		if tags, sev := alertTagsSeverity(t, d, orgA, miss); len(tags) != 0 || sev != alert.SeverityLow {
			t.Fatalf("unmatched alert changed: %v %v", tags, sev)
		}
		if tags, _ := alertTagsSeverity(t, d, orgA, cidr); !slices.Contains(tags, "intel:cidr") {
			t.Fatalf("cidr alert: %v", tags)
		}
		// Org A's private indicator never matches org B's alert.
		if tags, sev := alertTagsSeverity(t, d, orgB, other); len(tags) != 0 || sev != alert.SeverityLow {
			t.Fatalf("org B's alert matched org A's indicator: %v %v", tags, sev)
		}
		ms, _, err := e.store.Matches(ctx, orgA, MatchQuery{AlertID: &hit}, nil, 10)
		if err != nil || len(ms) != 1 || ms[0].Value != "203.0.113.7" || ms[0].Role != "src" || ms[0].Source != SourceIngest || ms[0].Type != TypeIPv4 {
			t.Fatalf("matches: %+v, %v", ms, err)
		}
		if ms, _, err := e.store.Matches(ctx, orgB, MatchQuery{}, nil, 10); err != nil || len(ms) != 0 {
			t.Fatalf("org B matches: %+v, %v", ms, err)
		}
		// The match emitted intel.matched.v1 in the intake transaction;
		// org B's alert emitted none.
		evs := matchedEvents(t, d, orgA)
		if len(evs) != 2 {
			t.Fatalf("org A intel.matched.v1 events: %+v", evs)
		}
		if ev := evs[0]; ev.AlertID != hit || ev.MatchID != ms[0].ID || ev.IndicatorID != ms[0].IndicatorID || ev.Value != "203.0.113.7" ||
			ev.Role != "src" || ev.Type != TypeIPv4 || ev.Source != SourceIngest || ev.Confidence != 85 {
			t.Fatalf("event payload: %+v (match %+v)", ev, ms[0])
		}
		if evs := matchedEvents(t, d, orgB); len(evs) != 0 {
			t.Fatalf("org B intel.matched.v1 events: %+v", evs)
		}
		ind, err := e.store.Get(ctx, orgA, ms[0].IndicatorID)
		if err != nil || ind.Sightings != 1 {
			t.Fatalf("sighting: %+v, %v", ind, err)
		}
		if _, err := e.store.Get(ctx, orgB, ms[0].IndicatorID); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("org B reads org A's indicator: %v", err)
		}
		// False positive verdict counts against the indicator.
		if m, err := e.store.MarkFalsePositive(ctx, orgA, ms[0].ID, true); err != nil || !m.FalsePositive {
			t.Fatalf("verdict: %+v, %v", m, err)
		}
		if ind, _ = e.store.Get(ctx, orgA, ms[0].IndicatorID); ind.FalsePositives != 1 {
			t.Fatalf("false positives %d", ind.FalsePositives)
		}
		if _, err := e.store.MarkFalsePositive(ctx, orgB, ms[0].ID, true); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("org B marks org A's match: %v", err)
		}
		// Deleting the indicator stops matching at once.
		if err := e.store.Delete(ctx, orgA, ind.ID); err != nil {
			t.Fatal(err)
		}
		again := e.ingest(t, orgA, `{"title":"beacon 2","src_ip":"203.0.113.7","severity":2}`)
		if tags, _ := alertTagsSeverity(t, d, orgA, again); slices.Contains(tags, "intel:ipv4") {
			t.Fatalf("deleted indicator still matches: %v", tags)
		}
	})
}

func TestRetroHunt(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		org, other := newScope(), newScope()
		before := e.ingest(t, org, `{"title":"old beacon","src_ip":"203.0.113.50","host":"cdn.evil.example.net","severity":1}`)
		unrelated := e.ingest(t, org, `{"title":"old noise","src_ip":"203.0.113.51","severity":1}`)
		otherOrg := e.ingest(t, other, `{"title":"other org","src_ip":"203.0.113.50","severity":1}`)
		res, err := e.store.Import(ctx, org, nil, []Indicator{
			{Type: TypeIPv4, Value: "203.0.113.50", Detect: true, Confidence: 90},
			{Type: TypeDomain, Value: "evil.example.net", Subdomains: true, Detect: true, Confidence: 30},
			{Type: TypeIPv4, Value: "8.8.8.8", Detect: true},
		}, e.hunter)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 2 || res.Rejected != 1 || res.Errors[0].Field != "value" || res.HuntID == nil {
			t.Fatalf("import: %+v", res)
		}
		if err := e.hunter.RunPending(ctx); err != nil {
			t.Fatal(err)
		}
		h, err := e.store.Hunt(ctx, org, *res.HuntID)
		if err != nil || h.Status != "done" || h.Matched != 2 || h.Indicators != 2 {
			t.Fatalf("hunt: %+v, %v", h, err)
		}
		tags, sev := alertTagsSeverity(t, d, org, before)
		if !slices.Contains(tags, MatchTag) || !slices.Contains(tags, "intel:domain") || sev != alert.SeverityHigh {
			t.Fatalf("retro-matched alert: %v %v", tags, sev)
		}
		if tags, _ := alertTagsSeverity(t, d, org, unrelated); len(tags) != 0 {
			t.Fatalf("unrelated alert tagged: %v", tags)
		}
		if tags, _ := alertTagsSeverity(t, d, other, otherOrg); len(tags) != 0 {
			t.Fatalf("other org's alert hunted: %v", tags)
		}
		ms, _, err := e.store.Matches(ctx, org, MatchQuery{AlertID: &before}, nil, 10)
		if err != nil || len(ms) != 2 || ms[0].Source != SourceRetroHunt {
			t.Fatalf("matches: %+v, %v", ms, err)
		}
		if evs := matchedEvents(t, d, org); len(evs) != 2 || evs[0].Source != SourceRetroHunt || evs[0].AlertID != before {
			t.Fatalf("retro-hunt events: %+v", evs)
		}
		if _, err := e.store.Hunt(ctx, other, *res.HuntID); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("other org reads the hunt: %v", err)
		}
	})
}

func TestPlatformFeed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		sub, notSub := newScope(), newScope()
		feed, err := e.store.CreatePlatformFeed(ctx, FeedInput{Name: "platform-" + uuid.NewString(), Kind: FeedSTIX, Confidence: 70})
		if err != nil {
			t.Fatal(err)
		}
		if res, err := e.store.ImportPlatform(ctx, feed.ID, []Indicator{{Type: TypeIPv4, Value: "203.0.113.99", Detect: true}}); err != nil || res.Created != 1 {
			t.Fatalf("platform import: %+v, %v", res, err)
		}
		// An org can neither import into nor delete a platform feed.
		if _, err := e.store.Import(ctx, sub, &feed.ID, []Indicator{{Type: TypeIPv4, Value: "203.0.113.98", Detect: true}}, nil); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("org import into platform feed: %v", err)
		}
		if err := e.store.DeleteFeed(ctx, sub, feed.ID); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("org deletes platform feed: %v", err)
		}
		if _, err := e.store.Subscribe(ctx, sub, feed.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := e.matcher.Resubscribe(ctx, sub.Org()); err != nil {
			t.Fatal(err)
		}
		a := e.ingest(t, sub, `{"title":"x","src_ip":"203.0.113.99","severity":1}`)
		b := e.ingest(t, notSub, `{"title":"x","src_ip":"203.0.113.99","severity":1}`)
		if tags, _ := alertTagsSeverity(t, d, sub, a); !slices.Contains(tags, MatchTag) {
			t.Fatalf("subscriber not matched: %v", tags)
		}
		if tags, _ := alertTagsSeverity(t, d, notSub, b); len(tags) != 0 {
			t.Fatalf("non-subscriber matched: %v", tags)
		}
		list, _, err := e.store.List(ctx, sub, Query{Platform: true}, nil, 10)
		if err != nil || len(list) != 1 || list[0].OrgID != nil {
			t.Fatalf("subscriber list: %+v, %v", list, err)
		}
		if list, _, err := e.store.List(ctx, notSub, Query{Platform: true}, nil, 10); err != nil || len(list) != 0 {
			t.Fatalf("non-subscriber list: %+v, %v", list, err)
		}
		// A platform indicator changed by another replica reaches this
		// one's index through Refresh.
		other := &Store{DB: d}
		if _, err := other.ImportPlatform(ctx, feed.ID, []Indicator{{Type: TypeIPv4, Value: "203.0.113.97", Detect: true}}); err != nil {
			t.Fatal(err)
		}
		if err := e.matcher.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		c := e.ingest(t, sub, `{"title":"y","src_ip":"203.0.113.97","severity":1}`)
		if tags, _ := alertTagsSeverity(t, d, sub, c); !slices.Contains(tags, MatchTag) {
			t.Fatalf("refresh missed a change: %v", tags)
		}
	})
}

func TestPlatformRowsNotWritableByOrg(t *testing.T) {
	app, owner := testdb.UnprivilegedOwner(t)
	_ = owner
	ctx := context.Background()
	s := &Store{DB: app}
	feed, err := s.CreatePlatformFeed(ctx, FeedInput{Name: "p-" + uuid.NewString(), Kind: FeedSTIX})
	if err != nil {
		t.Fatal(err)
	}
	org := newScope()
	err = app.InOrg(ctx, org, func(ctx context.Context, tx *db.Tx) error {
		// Even with the platform flag set, an org-armed transaction cannot
		// write platform rows.
		if _, err := tx.ExecContext(ctx, `SELECT set_config('app.intel_platform', 'on', true)`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO intel_indicators (id, org_id, feed_id, type, value, first_seen, last_seen, created_at, updated_at)
VALUES ($1, NULL, $2, 'ipv4', '203.0.113.1', now(), now(), now(), now())`, uuid.NewString(), feed.ID.String())
		return err
	})
	if err == nil {
		t.Fatal("org-armed transaction inserted a platform indicator")
	}
	err = app.InOrg(ctx, org, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE intel_feeds SET name = 'hijacked' WHERE id = $1`, feed.ID.String())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 0 {
			return fmt.Errorf("updated %d platform feeds", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
