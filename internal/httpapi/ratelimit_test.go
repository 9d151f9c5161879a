package httpapi

import (
	"strconv"
	"testing"
	"time"
)

func TestRateLimiterBucketsAreIndependent(t *testing.T) {
	l := NewRateLimiter(1, 2, 100)
	now := time.Unix(1_700_000_000, 0)
	for i := range 2 {
		if ok, _ := l.Allow("a", now); !ok {
			t.Fatalf("a request %d refused within burst", i)
		}
	}
	ok, wait := l.Allow("a", now)
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("a over burst: ok=%v wait=%v, want refused with 0 < wait <= 1s", ok, wait)
	}
	if ok, _ := l.Allow("b", now); !ok {
		t.Fatal("b refused because of a")
	}
	if ok, _ := l.Allow("a", now.Add(time.Second)); !ok {
		t.Fatal("a refused after a token refilled")
	}
}

func TestRateLimiterEvictionBound(t *testing.T) {
	l := NewRateLimiter(1, 5, 100)
	now := time.Unix(1_700_000_000, 0)
	for i := range 10_000 {
		l.Allow("key-"+strconv.Itoa(i), now)
		if n := l.Len(); n > 100 {
			t.Fatalf("after %d keys the limiter holds %d buckets, bound 100", i+1, n)
		}
	}
	// Idle buckets go once they have refilled (burst/rate = 5 s).
	l.Allow("fresh", now.Add(5*time.Second))
	if n := l.Len(); n != 1 {
		t.Fatalf("after the refill time %d buckets remain, want 1", n)
	}
	// A bucket still recovering is kept.
	for range 5 {
		l.Allow("hot", now.Add(5*time.Second))
	}
	l.Allow("other", now.Add(7*time.Second))
	if ok, _ := l.Allow("hot", now.Add(7*time.Second)); !ok {
		t.Fatal("hot should have two tokens back after 2 s")
	}
	if ok, _ := l.Allow("hot", now.Add(7*time.Second)); !ok {
		t.Fatal("hot should have a second token")
	}
	if ok, _ := l.Allow("hot", now.Add(7*time.Second)); ok {
		t.Fatal("hot was forgotten while recovering: its bucket was evicted early")
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9": "2001:db8:1:2::/64",
		"not-an-ip":            "not-an-ip",
	} {
		if got := ClientKey(in); got != want {
			t.Errorf("ClientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
