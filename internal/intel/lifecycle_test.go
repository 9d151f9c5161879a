package intel

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestDecayModel(t *testing.T) {
	m := DefaultDecay()
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	ind := Indicator{Type: TypeIPv4, Confidence: 80, LastSeen: now}
	if s := m.Score(&ind, now); s != 80 {
		t.Fatalf("fresh score %d", s)
	}
	if s := m.Score(&ind, now.Add(15*24*time.Hour)); s != 40 {
		t.Fatalf("half-life score %d", s)
	}
	if s := m.Score(&ind, now.Add(31*24*time.Hour)); s != 0 {
		t.Fatalf("past lifetime %d", s)
	}
	// 80·(1 − t/30d) = 20 ⇒ t = 22.5 days.
	if exp := m.ExpiresAt(&ind); !exp.Equal(now.Add(22*24*time.Hour + 12*time.Hour)) {
		t.Fatalf("expires %v", exp)
	}
	ind.Sightings = 5
	if s := m.Score(&ind, now); s != 90 {
		t.Fatalf("sightings score %d", s)
	}
	ind.FalsePositives = 5
	if exp := m.ExpiresAt(&ind); !exp.Equal(now) {
		t.Fatalf("false positives: expires %v", exp)
	}
	if err := m.ParseLifetimes("ipv4=14d,domain=2h"); err != nil || m.Lifetime[TypeIPv4] != 14*24*time.Hour || m.Lifetime[TypeDomain] != 2*time.Hour {
		t.Fatalf("lifetimes %v, %v", m.Lifetime, err)
	}
	if err := m.ParseLifetimes("nope=1d"); err == nil {
		t.Fatal("unknown type accepted")
	}
}

func TestLifecycle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		e.store.FanOutLimit = 2
		e.store.OnAllowChange = e.matcher.ReloadAllow
		org, other := newScope(), newScope()
		res, err := e.store.Import(ctx, org, nil, []Indicator{
			{Type: TypeIPv4, Value: "203.0.113.70", Detect: true, Confidence: 80},
			{Type: TypeIPv4, Value: "203.0.113.71", Detect: true, Confidence: 80},
			{Type: TypeDomain, Value: "corp.example.net", Subdomains: true, Detect: true, Confidence: 80},
		}, nil)
		if err != nil || res.Created != 3 {
			t.Fatalf("import: %+v, %v", res, err)
		}
		// An indicator imported 60 days ago (and not seen since) has
		// decayed: it does not match and the expiry job marks it expired.
		e.store.Now = func() time.Time { return time.Now().Add(-60 * 24 * time.Hour) }
		if _, err := e.store.Import(ctx, org, nil, []Indicator{{Type: TypeIPv4, Value: "203.0.113.72", Detect: true, Confidence: 80}}, nil); err != nil {
			t.Fatal(err)
		}
		e.store.Now = nil
		list, _, err := e.store.List(ctx, org, Query{Value: "203.0.113.70"}, nil, 1)
		if err != nil || len(list) != 1 || list[0].Score != 80 || list[0].ExpiresAt == nil {
			t.Fatalf("score: %+v, %v", list, err)
		}

		stale := e.ingest(t, org, `{"title":"stale","src_ip":"203.0.113.72","severity":1}`)
		if tags, _ := alertTagsSeverity(t, d, org, stale); slices.Contains(tags, MatchTag) {
			t.Fatalf("decayed indicator matched: %v", tags)
		}
		if n, err := e.store.Expire(ctx); err != nil || n < 1 {
			t.Fatalf("expire: %d, %v", n, err)
		}
		if l, _, _ := e.store.List(ctx, org, Query{Expired: true}, nil, 10); len(l) != 1 || l[0].Value != "203.0.113.72" || !l[0].Expired {
			t.Fatalf("expired list: %+v", l)
		}

		// Allowlist: the org's own domain never matches, another org's
		// allowlist is its own.
		entry, err := e.store.AddAllow(ctx, org, AllowInput{Type: TypeDomain, Value: "Corp.Example.NET", Subdomains: true, Comment: "ours"})
		if err != nil || entry.Value != "corp.example.net" {
			t.Fatalf("allow: %+v, %v", entry, err)
		}
		if _, err := e.store.AddAllow(ctx, org, AllowInput{Type: TypeDomain, Value: "corp.example.net"}); !apperr.Is(err, apperr.KindConflict) {
			t.Fatalf("duplicate allow: %v", err)
		}
		if _, err := e.store.AddAllow(ctx, org, AllowInput{Type: TypeCIDR, Value: "not a net"}); !apperr.Is(err, apperr.KindValidation) {
			t.Fatalf("bad allow: %v", err)
		}
		a := e.ingest(t, org, `{"title":"own host","host":"mail.corp.example.net","severity":1}`)
		if tags, _ := alertTagsSeverity(t, d, org, a); slices.Contains(tags, MatchTag) {
			t.Fatalf("allowlisted value matched: %v", tags)
		}
		if l, _, _ := e.store.Allowlist(ctx, other, "", nil, 10); len(l) != 0 {
			t.Fatalf("other org sees the allowlist: %+v", l)
		}
		if err := e.store.DeleteAllow(ctx, other, entry.ID); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("other org deletes the entry: %v", err)
		}
		if err := e.store.DeleteAllow(ctx, org, entry.ID); err != nil {
			t.Fatal(err)
		}
		b := e.ingest(t, org, `{"title":"own host again","host":"mail.corp.example.net","severity":1}`)
		if tags, _ := alertTagsSeverity(t, d, org, b); !slices.Contains(tags, MatchTag) {
			t.Fatalf("removed allowlist entry still applies: %v", tags)
		}

		// Fan-out guardrail: the third new match in the hour flags and
		// throttles the indicator; its matches are stored, events stop.
		before := len(matchedEvents(t, d, org))
		for i := range 4 {
			e.ingest(t, org, `{"title":"fan `+itoa(i)+`","src_ip":"203.0.113.71","severity":1}`)
		}
		if got := len(matchedEvents(t, d, org)) - before; got != 2 {
			t.Fatalf("events past the fan-out limit: %d, want 2", got)
		}
		flagged, _, err := e.store.List(ctx, org, Query{Flagged: true}, nil, 10)
		if err != nil || len(flagged) != 1 || flagged[0].Value != "203.0.113.71" || flagged[0].ThrottledUntil == nil || flagged[0].Sightings != 4 {
			t.Fatalf("flagged: %+v, %v", flagged, err)
		}
		ms, _, _ := e.store.Matches(ctx, org, MatchQuery{IndicatorID: &flagged[0].ID}, nil, 10)
		if len(ms) != 4 {
			t.Fatalf("throttled matches stored: %d", len(ms))
		}

		// A false positive lowers the score and records the verdict.
		hit := ms[0]
		before70, _ := e.store.Get(ctx, org, hit.IndicatorID)
		if _, err := e.store.MarkFalsePositive(ctx, org, hit.ID, true); err != nil {
			t.Fatal(err)
		}
		after, _ := e.store.Get(ctx, org, hit.IndicatorID)
		if after.Score >= before70.Score || after.FalsePositives != 1 || !after.ExpiresAt.Before(*before70.ExpiresAt) {
			t.Fatalf("false positive: before %+v after %+v", before70, after)
		}
		ctxs, err := e.store.AlertMatches(ctx, org, hit.AlertID)
		if err != nil || len(ctxs) != 1 || ctxs[0].Indicator == nil || ctxs[0].FeedName != "manual" || !ctxs[0].FalsePositive {
			t.Fatalf("alert matches: %+v, %v", ctxs, err)
		}
		if _, err := e.store.AlertMatches(ctx, other, hit.AlertID); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("other org reads the alert's matches: %v", err)
		}
	})
}
