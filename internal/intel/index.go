package intel

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gaissmai/bart"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
)

// ref is one indicator in an Index. Refs with the same key form a chain
// through next (an org may hold the same value in several feeds).
type ref struct {
	id         uuid.UUID
	feed       uuid.UUID
	expires    int64 // unix seconds; 0 = never
	next       int32 // next ref with the same key; -1 ends the chain
	confidence uint8
	subdomains bool
}

const noRef int32 = -1

// Index is the in-memory match structure of one org's indicators or of one
// platform feed: hash maps keyed by the binary value (hashes, IPs), a map
// of strings (domains, URLs, e-mail, file names, JA3/JA4) and a prefix
// table for CIDRs. Lookups take a read lock and allocate nothing unless
// they hit; it is safe for concurrent use.
type Index struct {
	mu     sync.RWMutex
	refs   []ref
	free   []int32
	ips    map[[16]byte]int32
	md5    map[[16]byte]int32
	sha1   map[[20]byte]int32
	sha256 map[[32]byte]int32
	strs   map[string]int32 // type letter + value
	cidrs  *bart.Table[int32]
	// subdomains counts domain refs that also match subdomains; while
	// zero, a domain lookup is one map probe.
	subdomains int
	size       int
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{
		ips: map[[16]byte]int32{}, md5: map[[16]byte]int32{}, sha1: map[[20]byte]int32{},
		sha256: map[[32]byte]int32{}, strs: map[string]int32{}, cidrs: &bart.Table[int32]{},
	}
}

// Len is the number of indicators in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.size
}

// strKey prefixes v with a letter per type so that one map holds them all.
func strKey(t Type, v string) string {
	var p byte
	switch t {
	case TypeDomain:
		p = 'd'
	case TypeURL:
		p = 'u'
	case TypeEmail:
		p = 'e'
	case TypeFile:
		p = 'f'
	case TypeJA3:
		p = '3'
	case TypeJA4:
		p = '4'
	default:
		return ""
	}
	return string(p) + v
}

// Put adds or replaces the indicator (matched by id under its key). Only
// detectable, non-deleted indicators belong in an index: callers Remove
// the others.
func (x *Index) Put(ind *Indicator) {
	r := ref{id: ind.ID, feed: ind.FeedID, confidence: uint8(min(max(ind.Confidence, 0), 100)), subdomains: ind.Subdomains && ind.Type == TypeDomain, next: noRef}
	if ind.ValidUntil != nil {
		r.expires = ind.ValidUntil.Unix()
	}
	if ind.ExpiresAt != nil && (r.expires == 0 || ind.ExpiresAt.Unix() < r.expires) {
		r.expires = ind.ExpiresAt.Unix()
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	head, ok := x.head(ind.Type, ind.Value)
	if !ok {
		return
	}
	for i := head; i != noRef; i = x.refs[i].next {
		if x.refs[i].id == r.id {
			if x.refs[i].subdomains != r.subdomains {
				x.subdomains += b2i(r.subdomains) - b2i(x.refs[i].subdomains)
			}
			r.next = x.refs[i].next
			x.refs[i] = r
			return
		}
	}
	r.next = head
	var slot int32
	if n := len(x.free); n > 0 {
		slot = x.free[n-1]
		x.free = x.free[:n-1]
		x.refs[slot] = r
	} else {
		slot = int32(len(x.refs))
		x.refs = append(x.refs, r)
	}
	x.setHead(ind.Type, ind.Value, slot)
	x.subdomains += b2i(r.subdomains)
	x.size++
}

// Remove drops the indicator id stored under (t, v), if present.
func (x *Index) Remove(t Type, v string, id uuid.UUID) {
	x.mu.Lock()
	defer x.mu.Unlock()
	head, ok := x.head(t, v)
	if !ok {
		return
	}
	prev := noRef
	for i := head; i != noRef; prev, i = i, x.refs[i].next {
		if x.refs[i].id != id {
			continue
		}
		next := x.refs[i].next
		if prev == noRef {
			x.setHead(t, v, next)
		} else {
			x.refs[prev].next = next
		}
		x.subdomains -= b2i(x.refs[i].subdomains)
		x.refs[i] = ref{next: noRef}
		x.free = append(x.free, i)
		x.size--
		return
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// head returns the first ref stored under (t, v) (noRef if none) and
// whether the key is valid.
func (x *Index) head(t Type, v string) (int32, bool) {
	look := func(i int32, ok bool) (int32, bool) {
		if !ok {
			return noRef, true
		}
		return i, true
	}
	switch t {
	case TypeIPv4, TypeIPv6:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return noRef, false
		}
		i, ok := x.ips[a.Unmap().As16()]
		return look(i, ok)
	case TypeCIDR:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return noRef, false
		}
		i, ok := x.cidrs.Get(p.Masked())
		return look(i, ok)
	case TypeMD5:
		var k [16]byte
		if !decodeHex(k[:], v) {
			return noRef, false
		}
		i, ok := x.md5[k]
		return look(i, ok)
	case TypeSHA1:
		var k [20]byte
		if !decodeHex(k[:], v) {
			return noRef, false
		}
		i, ok := x.sha1[k]
		return look(i, ok)
	case TypeSHA256:
		var k [32]byte
		if !decodeHex(k[:], v) {
			return noRef, false
		}
		i, ok := x.sha256[k]
		return look(i, ok)
	}
	k := strKey(t, v)
	if k == "" {
		return noRef, false
	}
	i, ok := x.strs[k]
	return look(i, ok)
}

// setHead stores i as the first ref under (t, v); noRef deletes the key.
// (t, v) was validated by head.
func (x *Index) setHead(t Type, v string, i int32) {
	switch t {
	case TypeIPv4, TypeIPv6:
		a := netip.MustParseAddr(v).Unmap().As16()
		setOrDelete(x.ips, a, i)
	case TypeCIDR:
		p := netip.MustParsePrefix(v).Masked()
		if i == noRef {
			x.cidrs.Delete(p)
		} else {
			x.cidrs.Insert(p, i)
		}
	case TypeMD5:
		var k [16]byte
		decodeHex(k[:], v)
		setOrDelete(x.md5, k, i)
	case TypeSHA1:
		var k [20]byte
		decodeHex(k[:], v)
		setOrDelete(x.sha1, k, i)
	case TypeSHA256:
		var k [32]byte
		decodeHex(k[:], v)
		setOrDelete(x.sha256, k, i)
	default:
		setOrDelete(x.strs, strKey(t, v), i)
	}
}

func setOrDelete[K comparable](m map[K]int32, k K, i int32) {
	if i == noRef {
		delete(m, k)
		return
	}
	m[k] = i
}

func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	_, err := hex.Decode(dst, []byte(s))
	return err == nil
}

// Hit is one indicator an alert entity matched.
type Hit struct {
	IndicatorID uuid.UUID
	FeedID      uuid.UUID
	// Type is the indicator's type; Value is the entity value that matched
	// it (for a CIDR or a subdomain indicator, the alert's value).
	Type       Type
	Value      string
	Role       string
	Confidence int
}

// Match appends to hits the indicators entity e matches at now (unix
// seconds); expired indicators never match.
func (x *Index) Match(e alert.Entity, now int64, hits []Hit) []Hit {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.size == 0 {
		return hits
	}
	one := func(r *ref, t Type) {
		if r.expires != 0 && r.expires <= now {
			return
		}
		hits = append(hits, Hit{IndicatorID: r.id, FeedID: r.feed, Type: t, Value: e.Value, Role: e.Role, Confidence: int(r.confidence)})
	}
	emit := func(i int32, t Type) {
		for ; i != noRef; i = x.refs[i].next {
			one(&x.refs[i], t)
		}
	}
	switch e.Type {
	case alert.EntityIP:
		a, err := netip.ParseAddr(e.Value)
		if err != nil {
			return hits
		}
		a = a.Unmap()
		if i, ok := x.ips[a.As16()]; ok {
			emit(i, ipType(e.Value))
		}
		if x.cidrs.Size() > 0 {
			for _, i := range x.cidrs.Supernets(netip.PrefixFrom(a, a.BitLen())) {
				emit(i, TypeCIDR)
			}
		}
	case alert.EntityMD5:
		var k [16]byte
		if decodeHex(k[:], e.Value) {
			if i, ok := x.md5[k]; ok {
				emit(i, TypeMD5)
			}
		}
	case alert.EntitySHA1:
		var k [20]byte
		if decodeHex(k[:], e.Value) {
			if i, ok := x.sha1[k]; ok {
				emit(i, TypeSHA1)
			}
		}
	case alert.EntitySHA256:
		var k [32]byte
		if decodeHex(k[:], e.Value) {
			if i, ok := x.sha256[k]; ok {
				emit(i, TypeSHA256)
			}
		}
	case alert.EntityDomain, alert.EntityHostname:
		x.matchDomain(e.Value, emit, one)
	case alert.EntityURL:
		x.matchString(TypeURL, e.Value, emit)
	case alert.EntityEmail:
		x.matchString(TypeEmail, e.Value, emit)
	case alert.EntityFile:
		x.matchString(TypeFile, e.Value, emit)
	case alert.EntityType(TypeJA3):
		x.matchString(TypeJA3, e.Value, emit)
	case alert.EntityType(TypeJA4):
		x.matchString(TypeJA4, e.Value, emit)
	}
	return hits
}

// matchString probes the string map without building the prefixed key on
// the heap (the compiler elides the allocation of a map index by a
// concatenation of at most a few parts).
func (x *Index) matchString(t Type, v string, emit func(int32, Type)) {
	var p string
	switch t {
	case TypeURL:
		p = "u"
	case TypeEmail:
		p = "e"
	case TypeFile:
		p = "f"
	case TypeJA3:
		p = "3"
	case TypeJA4:
		p = "4"
	}
	if i, ok := x.strs[p+v]; ok {
		emit(i, t)
	}
}

// matchDomain matches the exact domain, then (when the index holds any)
// the subdomain indicators of each parent domain.
func (x *Index) matchDomain(v string, emit func(int32, Type), one func(*ref, Type)) {
	if i, ok := x.strs["d"+v]; ok {
		emit(i, TypeDomain)
	}
	if x.subdomains == 0 {
		return
	}
	for d := v; ; {
		dot := strings.IndexByte(d, '.')
		if dot < 0 || dot == len(d)-1 {
			return
		}
		d = d[dot+1:]
		if !strings.Contains(d, ".") {
			return // never a bare TLD
		}
		i, ok := x.strs["d"+d]
		for ; ok && i != noRef; i = x.refs[i].next {
			if x.refs[i].subdomains {
				one(&x.refs[i], TypeDomain)
			}
		}
	}
}

// nowUnix is the clock of matching (seconds are enough for expiry).
func nowUnix() int64 { return time.Now().Unix() }
