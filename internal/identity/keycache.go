package identity

import (
	"sync"
	"time"
)

// APIKeyCacheTTL is how long a verified API key is trusted without reading
// it again (docs/security.md): a revocation, a narrowed creator role or an
// org policy change made on another replica is honoured within this time;
// on the replica that made it, at once (the cache is cleared).
const APIKeyCacheTTL = 5 * time.Second

// maxCachedKeys bounds the cache; when full it starts over.
const maxCachedKeys = 10000

// verifiedKeys is the process's cache of verified API keys.
var verifiedKeys keyCache

// keyCache remembers verified API keys by the SHA-256 of their token (the
// tokens themselves are never kept).
type keyCache struct {
	mu      sync.Mutex
	entries map[string]cachedKey
}

type cachedKey struct {
	key APIKey
	org Org
	at  time.Time
}

func (c *keyCache) get(hash string, now time.Time) (cachedKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || now.Sub(e.at) >= APIKeyCacheTTL || now.Before(e.at) {
		return cachedKey{}, false
	}
	if e.key.ExpiresAt.Valid && !now.Before(e.key.ExpiresAt.Time) {
		delete(c.entries, hash)
		return cachedKey{}, false
	}
	return e, true
}

func (c *keyCache) put(hash string, e cachedKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedKeys {
		c.entries = make(map[string]cachedKey)
	}
	c.entries[hash] = e
}

// clear forgets every key (after a revocation or a membership or role
// change in this replica).
func (c *keyCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}
