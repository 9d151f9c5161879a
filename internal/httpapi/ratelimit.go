package httpapi

import (
	"container/list"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimiter is a set of token buckets keyed by string (a principal, a
// client IP), held in memory: limits apply per replica. It keeps at most
// maxKeys buckets. A bucket idle long enough to have refilled completely is
// dropped (dropping it loses nothing: a new bucket starts full); when the
// map is full anyway, the least recently used bucket is dropped, and that
// key starts again with a full bucket.
type RateLimiter struct {
	limit   rate.Limit
	burst   int
	maxKeys int
	refill  time.Duration // time for an empty bucket to refill

	mu      sync.Mutex
	buckets map[string]*list.Element
	lru     *list.List // of *bucket, most recently used first
}

type bucket struct {
	key  string
	lim  *rate.Limiter
	seen time.Time
}

// NewRateLimiter returns a limiter allowing perSecond requests per key on
// average and burst at once, keeping at most maxKeys buckets (at least 1).
func NewRateLimiter(perSecond float64, burst, maxKeys int) *RateLimiter {
	burst, maxKeys = max(burst, 1), max(maxKeys, 1)
	refill := time.Hour
	if perSecond > 0 {
		refill = time.Duration(float64(burst) / perSecond * float64(time.Second))
	}
	return &RateLimiter{
		limit: rate.Limit(perSecond), burst: burst, maxKeys: maxKeys, refill: refill,
		buckets: map[string]*list.Element{}, lru: list.New(),
	}
}

// Allow takes one token from key's bucket at now. When the bucket is empty
// it takes nothing and returns false with the wait until a token is
// available.
func (l *RateLimiter) Allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evictIdle(now)
	var b *bucket
	if e, ok := l.buckets[key]; ok {
		b = e.Value.(*bucket)
		l.lru.MoveToFront(e)
	} else {
		for l.lru.Len() >= l.maxKeys {
			l.remove(l.lru.Back())
		}
		b = &bucket{key: key, lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = l.lru.PushFront(b)
	}
	if now.After(b.seen) {
		b.seen = now
	}
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, l.refill
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Len is the number of buckets held.
func (l *RateLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// evictIdle drops buckets unused for the refill time, least recent first.
func (l *RateLimiter) evictIdle(now time.Time) {
	for e := l.lru.Back(); e != nil; e = l.lru.Back() {
		if now.Sub(e.Value.(*bucket).seen) < l.refill {
			return
		}
		l.remove(e)
	}
}

func (l *RateLimiter) remove(e *list.Element) {
	delete(l.buckets, e.Value.(*bucket).key)
	l.lru.Remove(e)
}

// ClientKey is the rate-limit key of a client IP: the address itself for
// IPv4, its /64 for IPv6 (one subscriber usually holds a whole /64).
// Unparsable input is returned unchanged.
func ClientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.String()
		}
	}
	return addr.String()
}
