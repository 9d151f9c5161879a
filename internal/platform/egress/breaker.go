package egress

import (
	"errors"
	"sync"
	"time"
)

// maxBreakers bounds how many destinations have a breaker; beyond it,
// healthy entries are dropped and, if none is, new destinations go
// unguarded rather than growing memory without limit.
const maxBreakers = 4096

var errOpen = errors.New("open")

// breaker is one destination's circuit: closed until threshold
// consecutive failures, then open for cooldown, then half-open (one probe
// at a time; success closes it, failure reopens it).
type breaker struct {
	threshold int
	cooldown  time.Duration

	mu        sync.Mutex
	failures  int
	openUntil time.Time
	probing   bool
}

func (b *breaker) allow(now time.Time) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openUntil.IsZero() {
		return nil
	}
	if now.Before(b.openUntil) || b.probing {
		return errOpen
	}
	b.probing = true
	return nil
}

// release ends an attempt that says nothing about the destination.
func (b *breaker) release() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.probing = false
	b.mu.Unlock()
}

func (b *breaker) record(ok bool, now time.Time) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if ok {
		b.failures, b.openUntil, b.probing = 0, time.Time{}, false
		return
	}
	b.failures++
	if b.probing || b.failures >= b.threshold {
		b.openUntil, b.probing = now.Add(b.cooldown), false
	}
}

func (b *breaker) idle() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failures == 0 && b.openUntil.IsZero() && !b.probing
}

type breakers struct {
	threshold int
	cooldown  time.Duration
	mu        sync.Mutex
	m         map[string]*breaker
}

func newBreakers(threshold int, cooldown time.Duration) *breakers {
	if threshold <= 0 {
		threshold = 5
	}
	if cooldown <= 0 {
		cooldown = 30 * time.Second
	}
	return &breakers{threshold: threshold, cooldown: cooldown, m: map[string]*breaker{}}
}

// get returns host's breaker, or nil when the table is full of unhealthy
// destinations.
func (bs *breakers) get(host string) *breaker {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if b, ok := bs.m[host]; ok {
		return b
	}
	if len(bs.m) >= maxBreakers {
		for h, b := range bs.m {
			if b.idle() {
				delete(bs.m, h)
			}
		}
		if len(bs.m) >= maxBreakers {
			return nil
		}
	}
	b := &breaker{threshold: bs.threshold, cooldown: bs.cooldown}
	bs.m[host] = b
	return b
}
