package intel

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

// TestRetroHuntEventTimeOrder: a hunt records its matches (and so the
// sightings, fan-out counts and events) in the alerts' event-time order,
// not in the order they were received or the queries returned them.
func TestRetroHuntEventTimeOrder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		org := newScope()
		// Received in the order 3, 1, 4, 2; event times 1..4 hours.
		var byHour [5]string
		for _, h := range []int{3, 1, 4, 2} {
			id := e.ingest(t, org, fmt.Sprintf(`{"title":"beacon %d","src_ip":"203.0.113.60","host":"c2.hunt.example.net","severity":1,"time":"2026-12-01T0%d:00:00Z"}`, h, h))
			byHour[h] = id.String()
		}
		res, err := e.store.Import(ctx, org, nil, []Indicator{
			{Type: TypeIPv4, Value: "203.0.113.60", Detect: true, Confidence: 60},
			{Type: TypeDomain, Value: "hunt.example.net", Subdomains: true, Detect: true, Confidence: 60},
		}, e.hunter)
		if err != nil || res.HuntID == nil {
			t.Fatalf("import: %+v, %v", res, err)
		}
		if err := e.hunter.RunPending(ctx); err != nil {
			t.Fatal(err)
		}
		h, err := e.store.Hunt(ctx, org, *res.HuntID)
		if err != nil || h.Status != "done" || h.Matched != 8 || h.Scanned != 8 {
			t.Fatalf("hunt: %+v, %v", h, err)
		}
		evs := matchedEvents(t, d, org)
		if len(evs) != 8 {
			t.Fatalf("events: %d", len(evs))
		}
		var got []string
		for _, ev := range evs {
			if len(got) == 0 || got[len(got)-1] != ev.AlertID.String() {
				got = append(got, ev.AlertID.String())
			}
		}
		if want := byHour[1:]; !slices.Equal(got, want) {
			t.Fatalf("events by alert %v, want event-time order %v", got, want)
		}
		// Match ids (time-ordered) follow the same order.
		ms, _, err := e.store.Matches(ctx, org, MatchQuery{}, nil, 20)
		if err != nil || len(ms) != 8 {
			t.Fatalf("matches: %d, %v", len(ms), err)
		}
		slices.Reverse(ms) // newest first
		for i := 0; i < len(ms); i += 2 {
			if ms[i].AlertID.String() != byHour[1+i/2] || ms[i+1].AlertID != ms[i].AlertID {
				t.Fatalf("match %d is of alert %s, want %s", i, ms[i].AlertID, byHour[1+i/2])
			}
		}
		for _, ev := range evs {
			ind, err := e.store.Get(ctx, org, ev.IndicatorID)
			if err != nil || ind.Sightings != 4 {
				t.Fatalf("sightings of %s: %+v, %v", ev.IndicatorID, ind, err)
			}
		}
		// A second run of the same hunt records nothing new.
		if err := e.hunter.Run(ctx, HuntArgs{HuntID: *res.HuntID, OrgID: org.Org(), Since: h.Since}); err != nil {
			t.Fatal(err)
		}
		if h, _ = e.store.Hunt(ctx, org, *res.HuntID); h.Matched != 0 || h.Scanned != 8 {
			t.Fatalf("second run: %+v", h)
		}
	})
}

// TestImportAllowlist: values on the org's allowlist (exact, inside an
// allowlisted network, under a domain with subdomains) are not imported
// and are counted; another org's allowlist does not apply.
func TestImportAllowlist(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		org, other := newScope(), newScope()
		for _, a := range []AllowInput{
			{Type: TypeIPv4, Value: "203.0.113.70"},
			{Type: TypeCIDR, Value: "198.51.100.0/24"},
			{Type: TypeDomain, Value: "corp.example.net", Subdomains: true},
			{Type: TypeSHA256, Value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		} {
			if _, err := e.store.AddAllow(ctx, org, a); err != nil {
				t.Fatal(err)
			}
		}
		inds := []Indicator{
			{Type: TypeIPv4, Value: "203.0.113.70", Detect: true},           // exact
			{Type: TypeIPv4, Value: "198.51.100.9", Detect: true},           // in the network
			{Type: TypeCIDR, Value: "198.51.100.128/25", Detect: true},      // inside the network
			{Type: TypeDomain, Value: "VPN.corp.example.net", Detect: true}, // subdomain
			{Type: TypeSHA256, Value: "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", Detect: true},
			{Type: TypeIPv4, Value: "203.0.113.71", Detect: true},  // not allowlisted
			{Type: TypeCIDR, Value: "198.51.0.0/16", Detect: true}, // broader than the entry
			{Type: TypeDomain, Value: "example.net.evil.example.org", Detect: true},
		}
		res, err := e.store.Import(ctx, org, nil, inds, e.hunter)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 3 || res.Rejected != 5 || res.Allowlisted != 5 || len(res.Errors) != 5 {
			t.Fatalf("import: %+v", res)
		}
		for i, re := range res.Errors {
			if re.Index != i || re.Field != "value" || re.Reason != "on the org's allowlist" {
				t.Fatalf("error %d: %+v", i, re)
			}
		}
		for _, v := range []string{"203.0.113.70", "198.51.100.9"} {
			if got, _, err := e.store.List(ctx, org, Query{Value: v}, nil, 10); err != nil || len(got) != 0 {
				t.Fatalf("allowlisted %s stored: %+v, %v", v, got, err)
			}
		}
		// The other org has no allowlist: everything imports.
		if res, err := e.store.Import(ctx, other, nil, inds, e.hunter); err != nil || res.Created != 8 || res.Allowlisted != 0 {
			t.Fatalf("other org: %+v, %v", res, err)
		}
	})
}

// TestRecordBatch: one intake batch of many alerts on the same indicators
// counts every match as a sighting, emits one event per match, and the
// fan-out guardrail throttles exactly the matches past the limit.
func TestRecordBatch(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		e.store.FanOutLimit = 5
		org := newScope()
		res, err := e.store.Import(ctx, org, nil, []Indicator{
			{Type: TypeIPv4, Value: "203.0.113.80", Detect: true, Confidence: 70},
			{Type: TypeDomain, Value: "batch.example.net", Detect: true, Confidence: 70},
		}, nil)
		if err != nil || res.Created != 2 {
			t.Fatalf("import: %+v, %v", res, err)
		}
		var payloads [][]byte
		for i := range 8 {
			host := ""
			if i%2 == 0 {
				host = `,"host":"batch.example.net"`
			}
			payloads = append(payloads, fmt.Appendf(nil, `{"title":"batch %d","src_ip":"203.0.113.80"%s,"severity":1}`, i, host))
		}
		sum, err := e.pipeline.Ingest(ctx, org, nil, "test", "api", payloads)
		if err != nil || sum.Accepted != 8 {
			t.Fatalf("ingest: %+v, %v", sum, err)
		}
		ms, _, err := e.store.Matches(ctx, org, MatchQuery{}, nil, 100)
		if err != nil || len(ms) != 12 {
			t.Fatalf("matches: %d, %v", len(ms), err)
		}
		ip, _, _ := e.store.List(ctx, org, Query{Value: "203.0.113.80", Flagged: true}, nil, 1)
		dom, _, _ := e.store.List(ctx, org, Query{Value: "batch.example.net"}, nil, 1)
		if len(ip) != 1 || ip[0].Sightings != 8 || !ip[0].Flagged || ip[0].ThrottledUntil == nil {
			t.Fatalf("ip indicator: %+v", ip)
		}
		if len(dom) != 1 || dom[0].Sightings != 4 || dom[0].Flagged {
			t.Fatalf("domain indicator: %+v", dom)
		}
		// 5 events for the IP (the rest throttled), 4 for the domain.
		n := map[string]int{}
		for _, ev := range matchedEvents(t, d, org) {
			n[ev.Value]++
		}
		if n["203.0.113.80"] != 5 || n["batch.example.net"] != 4 {
			t.Fatalf("events by value: %v", n)
		}
	})
}

// TestListTLPAndSearch: the list filters on TLP and on a value substring,
// within the org only.
func TestListTLPAndSearch(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		org, other := newScope(), newScope()
		inds := []Indicator{
			{Type: TypeDomain, Value: "Alpha.search.example.net", TLP: "red", Detect: true},
			{Type: TypeDomain, Value: "beta.search.example.net", TLP: "green", Detect: true},
			{Type: TypeURL, Value: "http://x.example.org/a_b", TLP: "green", Detect: true},
		}
		if _, err := e.store.Import(ctx, org, nil, inds, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Import(ctx, other, nil, inds, nil); err != nil {
			t.Fatal(err)
		}
		count := func(q Query) int {
			t.Helper()
			got, _, err := e.store.List(ctx, org, q, nil, 50)
			if err != nil {
				t.Fatal(err)
			}
			return len(got)
		}
		if n := count(Query{TLP: "red"}); n != 1 {
			t.Fatalf("tlp=red: %d", n)
		}
		if n := count(Query{Search: "search.example"}); n != 2 {
			t.Fatalf("q: %d", n)
		}
		if n := count(Query{Search: "alpha", TLP: "green"}); n != 0 {
			t.Fatalf("q+tlp: %d", n)
		}
		if n := count(Query{Search: "a_b"}); n != 1 {
			t.Fatalf("q with underscore: %d", n)
		}
		if n := count(Query{Search: "x_e"}); n != 0 { // LIKE wildcards are literal
			t.Fatalf("q with a wildcard: %d", n)
		}
	})
}
