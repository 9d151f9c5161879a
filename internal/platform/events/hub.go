package events

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

// HubOptions tunes the hub.
type HubOptions struct {
	// Shards splits subscribers by org over this many locks (default 32).
	Shards int
	// Buffer is a subscriber's queue length when Subscribe gets 0
	// (default 256).
	Buffer int
}

// Hub fans committed events out to in-process subscribers of their org.
// Publish never blocks: each subscriber has a bounded queue, and a
// subscriber whose queue is full is dropped (its Dropped channel closes)
// and counted in securenexus_events_hub_dropped_total. Subscribers are
// sharded by org so publishers of different orgs do not contend.
type Hub struct {
	shards  []hubShard
	seed    maphash.Seed
	buffer  int
	dropped prometheus.Counter
	pubs    prometheus.Counter
	subs    prometheus.Gauge
}

type hubShard struct {
	mu   sync.RWMutex
	orgs map[uuid.UUID]*orgSubs
}

type orgSubs struct {
	subs map[*Subscription]struct{}
	// last is the highest seq published for the org in this process.
	last atomic.Int64
}

// Subscription receives the events of one org.
type Subscription struct {
	hub     *Hub
	org     uuid.UUID
	ch      chan Event
	dropped chan struct{}
	gone    atomic.Bool
	once    sync.Once
	// accept, when set, admits the events queued on ch; the seqs of the
	// others are kept in skipped so the subscriber can tell a filtered
	// seq from one not yet arrived without reading the table.
	accept func(Event) bool
	mu     sync.Mutex
	// skipped holds disjoint, ascending [from, to] seq ranges the hub
	// filtered out and the subscriber has not consumed yet.
	skipped [][2]int64
}

// maxSkipped bounds a subscription's filtered-seq ranges. Past it the
// oldest ranges are forgotten: the subscriber then reads those seqs from
// the table, which is slower but still exact.
const maxSkipped = 1024

// NewHub builds a hub registering its metrics on reg.
func NewHub(opts HubOptions, reg prometheus.Registerer) (*Hub, error) {
	if opts.Shards <= 0 {
		opts.Shards = 32
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 256
	}
	h := &Hub{
		shards: make([]hubShard, opts.Shards),
		seed:   maphash.MakeSeed(),
		buffer: opts.Buffer,
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "securenexus_events_hub_dropped_total",
			Help: "Live subscribers dropped because their queue was full (slow consumers)."}),
		pubs: prometheus.NewCounter(prometheus.CounterOpts{Name: "securenexus_events_hub_published_total",
			Help: "Events published to the in-process hub."}),
		subs: prometheus.NewGauge(prometheus.GaugeOpts{Name: "securenexus_events_hub_subscribers",
			Help: "Live subscribers connected to this process."}),
	}
	for i := range h.shards {
		h.shards[i].orgs = map[uuid.UUID]*orgSubs{}
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{h.dropped, h.pubs, h.subs} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("events: register hub metrics: %w", err)
			}
		}
	}
	return h, nil
}

func (h *Hub) shard(org uuid.UUID) *hubShard {
	return &h.shards[maphash.Bytes(h.seed, org[:])%uint64(len(h.shards))]
}

// Subscribe registers a subscriber for org's events with a queue of buffer
// events (0: the hub's default). Close it when done.
func (h *Hub) Subscribe(org uuid.UUID, buffer int) *Subscription {
	return h.SubscribeFiltered(org, buffer, nil)
}

// SubscribeFiltered is Subscribe with accept deciding, in the publisher's
// goroutine, which events enter the queue (nil: all). Only accepted
// events use queue space, so a burst of events the subscriber does not
// want never drops it. accept must be fast and must not block. The seqs
// of filtered events are recorded (Skipped) so the subscriber can close
// the gaps they leave without reading the table.
func (h *Hub) SubscribeFiltered(org uuid.UUID, buffer int, accept func(Event) bool) *Subscription {
	if buffer <= 0 {
		buffer = h.buffer
	}
	s := &Subscription{hub: h, org: org, ch: make(chan Event, buffer), dropped: make(chan struct{}), accept: accept}
	sh := h.shard(org)
	sh.mu.Lock()
	o := sh.orgs[org]
	if o == nil {
		o = &orgSubs{subs: map[*Subscription]struct{}{}}
		sh.orgs[org] = o
	}
	o.subs[s] = struct{}{}
	sh.mu.Unlock()
	h.subs.Inc()
	return s
}

// Publish delivers events to their org's subscribers without blocking.
func (h *Hub) Publish(evs ...Event) {
	for _, e := range evs {
		h.pubs.Inc()
		if e.encoded == nil {
			// Subscribers only read it; a failure leaves each to encode.
			e.encoded, _ = json.Marshal(e)
		}
		sh := h.shard(e.Org)
		sh.mu.RLock()
		o := sh.orgs[e.Org]
		if o == nil {
			sh.mu.RUnlock()
			continue
		}
		for s := range o.subs {
			if s.gone.Load() {
				continue
			}
			if s.accept != nil && !s.accept(e) {
				s.skip(e.Seq)
				continue
			}
			select {
			case s.ch <- e:
			default:
				s.drop()
			}
		}
		for {
			cur := o.last.Load()
			if e.Seq <= cur || o.last.CompareAndSwap(cur, e.Seq) {
				break
			}
		}
		sh.mu.RUnlock()
	}
}

// LastSeq returns the highest seq published for org in this process and
// whether org has subscribers here.
func (h *Hub) LastSeq(org uuid.UUID) (int64, bool) {
	sh := h.shard(org)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	o := sh.orgs[org]
	if o == nil {
		return 0, false
	}
	return o.last.Load(), true
}

// Orgs returns the orgs that have subscribers in this process.
func (h *Hub) Orgs() []uuid.UUID {
	var out []uuid.UUID
	for i := range h.shards {
		sh := &h.shards[i]
		sh.mu.RLock()
		for org := range sh.orgs {
			out = append(out, org)
		}
		sh.mu.RUnlock()
	}
	return out
}

// skip records that seq was filtered out.
func (s *Subscription) skip(seq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.skipped)
	// Events mostly arrive in seq order: extend the last range.
	if n > 0 && s.skipped[n-1][1]+1 == seq {
		s.skipped[n-1][1] = seq
		return
	}
	if n > 0 && seq <= s.skipped[n-1][1] {
		// Out of order: insert or merge in place.
		i := sort.Search(n, func(i int) bool { return s.skipped[i][1] >= seq-1 })
		switch {
		case s.skipped[i][0] <= seq && seq <= s.skipped[i][1]:
			return
		case s.skipped[i][1] == seq-1:
			s.skipped[i][1] = seq
			if i+1 < n && s.skipped[i+1][0] == seq+1 {
				s.skipped[i][1] = s.skipped[i+1][1]
				s.skipped = append(s.skipped[:i+1], s.skipped[i+2:]...)
			}
			return
		case s.skipped[i][0] == seq+1:
			s.skipped[i][0] = seq
			return
		}
		s.skipped = append(s.skipped, [2]int64{})
		copy(s.skipped[i+1:], s.skipped[i:])
		s.skipped[i] = [2]int64{seq, seq}
	} else {
		s.skipped = append(s.skipped, [2]int64{seq, seq})
	}
	if len(s.skipped) > maxSkipped {
		s.skipped = append(s.skipped[:0], s.skipped[len(s.skipped)-maxSkipped:]...)
	}
}

// Skipped advances last over the seqs right after it that the hub
// filtered out and returns the new value; ranges at or below it are
// forgotten. A subscriber whose next event is last+1 after this call, or
// that has nothing queued, has no gap to read from the table.
func (s *Subscription) Skipped(last int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := 0
	for ; i < len(s.skipped); i++ {
		r := s.skipped[i]
		if r[0] > last+1 {
			break
		}
		if r[1] > last {
			last = r[1]
		}
	}
	s.skipped = append(s.skipped[:0], s.skipped[i:]...)
	return last
}

func (s *Subscription) drop() {
	s.once.Do(func() {
		s.gone.Store(true)
		close(s.dropped)
		s.hub.dropped.Inc()
	})
}

// C delivers the org's events in publication order. Publication order is
// commit order within one transaction, and nearly so across transactions:
// a subscriber that needs every seq exactly once fills gaps from the table
// (Since) and skips seqs it already has.
func (s *Subscription) C() <-chan Event { return s.ch }

// Dropped is closed when the hub dropped the subscriber because its queue
// was full; nothing more arrives on C.
func (s *Subscription) Dropped() <-chan struct{} { return s.dropped }

// Close unsubscribes. It is safe to call more than once.
func (s *Subscription) Close() {
	sh := s.hub.shard(s.org)
	sh.mu.Lock()
	if o := sh.orgs[s.org]; o != nil {
		if _, ok := o.subs[s]; ok {
			delete(o.subs, s)
			s.hub.subs.Dec()
		}
		if len(o.subs) == 0 {
			delete(sh.orgs, s.org)
		}
	}
	sh.mu.Unlock()
	s.gone.Store(true)
}
