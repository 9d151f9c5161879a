package events

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
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
}

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
	if buffer <= 0 {
		buffer = h.buffer
	}
	s := &Subscription{hub: h, org: org, ch: make(chan Event, buffer), dropped: make(chan struct{})}
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
