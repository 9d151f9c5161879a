package intel

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"runtime"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

// benchIndex builds an index of n indicators: 40% IPv4, 5% CIDR, 25%
// domains, 20% SHA-256, 10% URLs.
func benchIndex(n int) *Index {
	x := NewIndex()
	feed := uuid.New()
	var b [32]byte
	for i := range n {
		ind := Indicator{ID: uuid.New(), FeedID: feed, Detect: true, Confidence: 70}
		binary.BigEndian.PutUint32(b[:], uint32(i)*2654435761)
		switch i % 20 {
		case 0, 1, 2, 3, 4, 5, 6, 7:
			ind.Type, ind.Value = TypeIPv4, netip.AddrFrom4([4]byte{b[0] | 1, b[1], b[2], b[3]}).String()
		case 8:
			ind.Type, ind.Value = TypeCIDR, netip.PrefixFrom(netip.AddrFrom4([4]byte{b[0] | 1, b[1], b[2], 0}), 24).String()
		case 9, 10, 11, 12, 13:
			ind.Type, ind.Value = TypeDomain, fmt.Sprintf("h%d.bad%d.example", i, i%1000)
		case 14, 15, 16, 17:
			binary.BigEndian.PutUint64(b[8:], uint64(i))
			ind.Type, ind.Value = TypeSHA256, fmt.Sprintf("%x", b)
		default:
			ind.Type, ind.Value = TypeURL, fmt.Sprintf("http://bad%d.example/p/%d", i%5000, i)
		}
		x.Put(&ind)
	}
	return x
}

// benchAlert has the entities of a typical alert: two IPs, a hostname, a
// URL with its host, a hash.
var benchAlert = alert.Alert{Entities: []alert.Entity{
	{Type: alert.EntityIP, Value: "10.1.2.3", Role: "src"},
	{Type: alert.EntityIP, Value: "198.18.7.9", Role: "dst"},
	{Type: alert.EntityHostname, Value: "ws-042.corp.example", Role: "host"},
	{Type: alert.EntityURL, Value: "http://cdn.example.org/x.js", Role: "related"},
	{Type: alert.EntityDomain, Value: "cdn.example.org", Role: "related"},
	{Type: alert.EntitySHA256, Value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Role: "file"},
}}

// BenchmarkMatchAlert is the match cost of one alert (all its entities)
// against an org index of one million indicators.
func BenchmarkMatchAlert(b *testing.B) {
	org := uuid.New()
	m := NewMatcher(&Store{}, Policy{}, nil)
	st := &orgState{ready: make(chan struct{}), index: benchIndex(1_000_000)}
	close(st.ready)
	m.orgs[org] = st
	hits := make([]Hit, 0, 8)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		hits = m.Match(org, &benchAlert, hits[:0])
	}
}

// TestIndexMemory reports the heap an index of one million indicators
// holds (run with -v; no pass/fail on the figure).
func TestIndexMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1M-indicator index")
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	x := benchIndex(1_000_000)
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("index of %d indicators: %.1f MB heap", x.Len(), float64(after.HeapAlloc-before.HeapAlloc)/1e6)
	if x.Len() != 1_000_000 {
		t.Fatalf("index holds %d", x.Len())
	}
	runtime.KeepAlive(x)
}

// BenchmarkParseSTIX is the STIX parse rate (indicators per second).
func BenchmarkParseSTIX(b *testing.B) {
	raw := []byte(`{"type":"bundle","id":"bundle--1","objects":[`)
	for i := range 10000 {
		if i > 0 {
			raw = append(raw, ',')
		}
		raw = fmt.Appendf(raw, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-0000-4000-8000-000000000000","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '198.51.%d.%d']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","confidence":70}`, i, i/256%256, i%256)
	}
	raw = append(raw, "]}"...)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		inds, _, err := ParseSTIX(raw)
		if err != nil || len(inds) != 10000 {
			b.Fatalf("%d, %v", len(inds), err)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "indicators/s")
}

// BenchmarkImport is the store's import rate (parse excluded) on each
// backend: 5,000 new indicators per transaction.
func BenchmarkImport(b *testing.B) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			d := testdb.Open(b, dialect)
			s := &Store{DB: d}
			scope := newScope()
			n := 0
			for b.Loop() {
				inds := make([]Indicator, 5000)
				for i := range inds {
					inds[i] = Indicator{Type: TypeIPv4, Value: netip.AddrFrom4([4]byte{11, byte(n >> 16), byte(n >> 8), byte(n)}).String(), Detect: true}
					n++
				}
				res, err := s.Import(context.Background(), scope, nil, inds, nil)
				if err != nil || res.Created != 5000 {
					b.Fatalf("%+v, %v", res, err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "indicators/s")
		})
	}
}
