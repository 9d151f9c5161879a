package intel

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

// TestBulkUpsertSemantics checks that the multi-row upsert keeps the
// one-by-one semantics: repeats in one call merge (last record's fields,
// first first_seen), existing rows are refreshed (first_seen, sightings
// and false positives kept, last_seen only forward, tombstones revived),
// rejects are reported with their index, and chunks larger than one
// statement are all written.
func TestBulkUpsertSemantics(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		s := &Store{DB: d, Now: func() time.Time { return now }}
		scope := newScope()
		res, err := s.Import(ctx, scope, nil, []Indicator{
			{Type: TypeIPv4, Value: "203.0.113.5", Confidence: 40, Tags: []string{"a"}, Detect: true},
			{Type: TypeDomain, Value: "Bad.Example.NET", Detect: true},
		}, nil)
		if err != nil || res.Created != 2 {
			t.Fatalf("first import: %+v, %v", res, err)
		}
		list, _, err := s.List(ctx, scope, Query{Type: TypeIPv4}, nil, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %v %v", list, err)
		}
		ip := list[0]
		if err := s.Delete(ctx, scope, ip.ID); err != nil {
			t.Fatal(err)
		}
		later := now.Add(time.Hour)
		s.Now = func() time.Time { return later }
		firstSeen := now.Add(-48 * time.Hour)
		res, err = s.Import(ctx, scope, nil, []Indicator{
			{Type: TypeIPv4, Value: "203.0.113.5", Confidence: 60, Tags: []string{"b"}, Detect: true}, // revives the tombstone
			{Type: TypeIPv4, Value: "8.8.8.8", Detect: true},                                          // allowlisted
			{Type: TypeURL, Value: "http://x.example.org/p", FirstSeen: firstSeen, Confidence: 30, Detect: true},
			{Type: TypeURL, Value: "HTTP://X.example.org/p", Confidence: 90, Tags: []string{"last"}, Detect: true}, // repeat: merged
			{Type: TypeSHA256, Value: "zz", Detect: true},                                                          // invalid
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 1 || res.Updated != 2 || res.Rejected != 2 || res.ByType["ipv4"] != 1 || res.ByType["url"] != 2 {
			t.Fatalf("second import: %+v", res)
		}
		if len(res.Errors) != 2 || res.Errors[0].Index != 1 || res.Errors[1].Index != 4 {
			t.Fatalf("errors: %+v", res.Errors)
		}
		got, err := s.Get(ctx, scope, ip.ID)
		if err != nil {
			t.Fatalf("revived indicator keeps its id: %v", err)
		}
		if got.Confidence != 60 || !slices.Equal(got.Tags, []string{"b"}) || !got.FirstSeen.Equal(ip.FirstSeen) || !got.LastSeen.Equal(later) {
			t.Fatalf("refreshed: %+v", got)
		}
		urls, _, err := s.List(ctx, scope, Query{Type: TypeURL}, nil, 10)
		if err != nil || len(urls) != 1 {
			t.Fatalf("urls: %v %v", urls, err)
		}
		u := urls[0]
		if u.Confidence != 90 || !slices.Equal(u.Tags, []string{"last"}) || !u.FirstSeen.Equal(firstSeen) {
			t.Fatalf("merged repeat: %+v", u)
		}
		// More than one statement's worth, with a repeat across chunks.
		n := upsertChunkPG + 17
		inds := make([]Indicator, n)
		for i := range inds {
			inds[i] = Indicator{Type: TypeIPv4, Value: netip.AddrFrom4([4]byte{11, 0, byte(i >> 8), byte(i)}).String(), Detect: true}
		}
		inds = append(inds, inds[3])
		res, err = s.Import(ctx, scope, nil, inds, nil)
		if err != nil || res.Created != n || res.Updated != 1 {
			t.Fatalf("large import: %+v, %v", res, err)
		}
		var count int
		if err := d.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count(*) FROM intel_indicators WHERE org_id = $1 AND type = 'ipv4'`, scope.Org().String()).Scan(&count)
		}); err != nil {
			t.Fatal(err)
		}
		if count != n+1 {
			t.Fatalf("%d rows, want %d", count, n+1)
		}
	})
}
