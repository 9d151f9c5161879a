package intel

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

// TestPlatformFanOutAndClearFlag checks the fan-out guardrail on a
// platform feed's indicator: each subscribing org has its own counter
// (one org's flood throttles it for that org only), the flag shows in
// that org's flagged list, and clearing it (own and platform indicators)
// lets events flow again.
func TestPlatformFanOutAndClearFlag(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		e.store.FanOutLimit = 2
		noisy, quiet := newScope(), newScope()
		feed, err := e.store.CreatePlatformFeed(ctx, FeedInput{Name: "platform-" + uuid.NewString(), Kind: FeedSTIX, Confidence: 70})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.ImportPlatform(ctx, feed.ID, []Indicator{{Type: TypeIPv4, Value: "203.0.113.150", Detect: true}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Subscribe(ctx, noisy, feed.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Subscribe(ctx, quiet, feed.ID, true); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			e.ingest(t, noisy, `{"title":"fan `+itoa(i)+`","src_ip":"203.0.113.150","severity":1}`)
		}
		e.ingest(t, quiet, `{"title":"once","src_ip":"203.0.113.150","severity":1}`)
		if got := len(matchedEvents(t, d, noisy)); got != 2 {
			t.Fatalf("noisy org's events: %d, want 2 (limit)", got)
		}
		if got := len(matchedEvents(t, d, quiet)); got != 1 {
			t.Fatalf("quiet org's events: %d, want 1", got)
		}
		flagged, _, err := e.store.List(ctx, noisy, Query{Flagged: true, Platform: true}, nil, 10)
		if err != nil || len(flagged) != 1 || flagged[0].OrgID != nil || !flagged[0].Flagged || flagged[0].ThrottledUntil == nil {
			t.Fatalf("noisy org's flagged list: %+v, %v", flagged, err)
		}
		if l, _, _ := e.store.List(ctx, quiet, Query{Flagged: true, Platform: true}, nil, 10); len(l) != 0 {
			t.Fatalf("quiet org sees the noisy org's flag: %+v", l)
		}
		if got, _ := e.store.Get(ctx, quiet, flagged[0].ID); got.Flagged {
			t.Fatalf("platform indicator flagged for the quiet org: %+v", got)
		}

		// Clearing the flag: this org only; events flow again.
		if _, err := e.store.ClearFlag(ctx, newScope(), flagged[0].ID); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("a non-subscriber clears the flag: %v", err)
		}
		cleared, err := e.store.ClearFlag(ctx, noisy, flagged[0].ID)
		if err != nil || cleared.Flagged || cleared.ThrottledUntil != nil {
			t.Fatalf("clear: %+v, %v", cleared, err)
		}
		if l, _, _ := e.store.List(ctx, noisy, Query{Flagged: true, Platform: true}, nil, 10); len(l) != 0 {
			t.Fatalf("still flagged: %+v", l)
		}
		e.ingest(t, noisy, `{"title":"after clear","src_ip":"203.0.113.150","severity":1}`)
		if got := len(matchedEvents(t, d, noisy)); got != 3 {
			t.Fatalf("events after clearing: %d, want 3", got)
		}

		// An own indicator: flagged past the limit, cleared.
		if _, err := e.store.Import(ctx, noisy, nil, []Indicator{{Type: TypeIPv4, Value: "203.0.113.151", Detect: true}}, nil); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			e.ingest(t, noisy, `{"title":"own `+itoa(i)+`","src_ip":"203.0.113.151","severity":1}`)
		}
		own, _, _ := e.store.List(ctx, noisy, Query{Flagged: true}, nil, 10)
		if len(own) != 1 || own[0].OrgID == nil {
			t.Fatalf("own flagged: %+v", own)
		}
		if c, err := e.store.ClearFlag(ctx, noisy, own[0].ID); err != nil || c.Flagged {
			t.Fatalf("clear own: %+v, %v", c, err)
		}
		if got, _ := e.store.Get(ctx, noisy, own[0].ID); got.Flagged || got.ThrottledUntil != nil {
			t.Fatalf("own after clear: %+v", got)
		}
	})
}
