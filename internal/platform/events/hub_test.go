package events_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/securenexus/securenexus/internal/platform/events"
)

func newHub(t testing.TB, buffer int) (*events.Hub, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	h, err := events.NewHub(events.HubOptions{Buffer: buffer, Shards: 4}, reg)
	if err != nil {
		t.Fatal(err)
	}
	return h, reg
}

// A subscriber that does not drain its queue is dropped (and counted);
// publishing never blocks and the others receive everything.
func TestHubDropsSlowSubscriber(t *testing.T) {
	h, reg := newHub(t, 4)
	org := uuid.New()
	slow := h.Subscribe(org, 0)
	defer slow.Close()
	fast := h.Subscribe(org, 100)
	defer fast.Close()
	done := make(chan struct{})
	go func() {
		for seq := int64(1); seq <= 10; seq++ {
			h.Publish(events.Event{Org: org, Seq: seq})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked on a full subscriber")
	}
	select {
	case <-slow.Dropped():
	default:
		t.Fatal("slow subscriber not dropped")
	}
	if n := len(slow.C()); n != 4 {
		t.Fatalf("slow subscriber holds %d events, want its buffer of 4", n)
	}
	if n := len(fast.C()); n != 10 {
		t.Fatalf("fast subscriber got %d of 10", n)
	}
	for i := int64(1); i <= 10; i++ {
		if e := <-fast.C(); e.Seq != i {
			t.Fatalf("fast subscriber got seq %d at %d", e.Seq, i)
		}
	}
	if got := counter(t, reg, "securenexus_events_hub_dropped_total"); got != 1 {
		t.Fatalf("dropped metric %v, want 1", got)
	}
	if last, ok := h.LastSeq(org); !ok || last != 10 {
		t.Fatalf("last seq %d %v", last, ok)
	}
	slow.Close()
	fast.Close()
	if _, ok := h.LastSeq(org); ok {
		t.Fatal("org still has subscribers after both closed")
	}
	if len(h.Orgs()) != 0 {
		t.Fatalf("orgs %v", h.Orgs())
	}
}

func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

// BenchmarkHubPublish is one event fanned out to 1,000 subscribers of one
// org (each drained by its own goroutine).
func BenchmarkHubPublish(b *testing.B) {
	h, _ := newHub(b, 1024)
	org := uuid.New()
	const subscribers = 1000
	for range subscribers {
		s := h.Subscribe(org, 0)
		b.Cleanup(s.Close)
		go func() {
			for range s.C() {
			}
		}()
	}
	// Another org's subscribers share shards but get nothing.
	for range 100 {
		s := h.Subscribe(uuid.New(), 0)
		b.Cleanup(s.Close)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		h.Publish(events.Event{Org: org, Seq: int64(i + 1)})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/subscribers, "ns/delivery")
}

// A filtered subscription queues only what it accepts, so a burst of
// other events never drops it; the filtered seqs are reported (Skipped)
// as ranges, in or out of order, so the subscriber sees no gap.
func TestHubFilteredSubscription(t *testing.T) {
	h, reg := newHub(t, 4)
	org := uuid.New()
	want := events.Kind("x.wanted.v1")
	sub := h.SubscribeFiltered(org, 2, func(e events.Event) bool { return e.Kind == want })
	defer sub.Close()
	var burst []events.Event
	for seq := int64(1); seq <= 500; seq++ {
		burst = append(burst, events.Event{Org: org, Seq: seq, Kind: "x.other.v1"})
	}
	h.Publish(burst...)
	h.Publish(events.Event{Org: org, Seq: 501, Kind: want})
	// Out of order: 505 and 503 before 502 and 504.
	for _, seq := range []int64{505, 503, 502, 504} {
		h.Publish(events.Event{Org: org, Seq: seq, Kind: "x.other.v1"})
	}
	h.Publish(events.Event{Org: org, Seq: 506, Kind: want})
	select {
	case <-sub.Dropped():
		t.Fatal("filtered subscriber dropped by events it does not accept")
	default:
	}
	if got := counter(t, reg, "securenexus_events_hub_dropped_total"); got != 0 {
		t.Fatalf("dropped metric %v", got)
	}
	if e := <-sub.C(); e.Seq != 501 {
		t.Fatalf("first event seq %d, want 501", e.Seq)
	}
	if last := sub.Skipped(0); last != 500 {
		t.Fatalf("skipped through %d, want 500", last)
	}
	if e := <-sub.C(); e.Seq != 506 {
		t.Fatalf("second event seq %d, want 506", e.Seq)
	}
	if last := sub.Skipped(501); last != 505 {
		t.Fatalf("skipped through %d after 501, want 505 (ranges merged out of order)", last)
	}
	if last := sub.Skipped(506); last != 506 {
		t.Fatalf("nothing left to skip, got %d", last)
	}
}
