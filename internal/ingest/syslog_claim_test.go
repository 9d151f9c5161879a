package ingest

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

// The syslog listener routes a sender to the most specific matching
// network. An org must not be able to claim (a part of) a network another
// org already sends syslog from: the more specific prefix would divert the
// victim's messages into the attacker's org.
func TestSyslogNetworksCannotOverlapAnotherOrg(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		victim, attacker := uuid.New(), uuid.New()
		create := func(org uuid.UUID, name, cidrs string) (int, []byte) {
			return h.do("POST", "/api/v1/alert-sources", org, `{"name":"`+name+`","kind":"syslog","allowed_cidrs":`+cidrs+`}`, nil)
		}
		if st, b := create(victim, "fw", `["10.1.2.0/24"]`); st != http.StatusCreated {
			t.Fatalf("victim source: %d %s", st, b)
		}
		for i, cidrs := range []string{`["10.1.2.7/32"]`, `["10.1.0.0/16"]`, `["192.0.2.0/24","10.1.2.128/25"]`} {
			if st, b := create(attacker, fmt.Sprintf("grab-%d", i), cidrs); st != http.StatusConflict || !strings.Contains(string(b), "syslog_network_taken") {
				t.Errorf("attacker claims %s: %d %s", cidrs, st, b)
			}
		}
		st, b := create(attacker, "own", `["10.9.0.0/16"]`)
		if st != http.StatusCreated {
			t.Fatalf("attacker's own network: %d %s", st, b)
		}
		own := decode[SourceConfig](t, b).ID
		if st, b := h.do("PUT", "/api/v1/alert-sources/"+own.String(), attacker, `{"name":"own","kind":"syslog","allowed_cidrs":["10.9.0.0/16","10.1.2.9/32"]}`, nil); st != http.StatusConflict {
			t.Errorf("attacker widens by update: %d %s", st, b)
		}
		// The same org may split its own network across sources.
		if st, b := create(victim, "fw-core", `["10.1.2.7/32"]`); st != http.StatusCreated {
			t.Errorf("victim's own more specific source: %d %s", st, b)
		}
		routes, err := h.store.SyslogRoutes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range routes {
			for _, p := range r.AllowedCIDRs {
				if r.OrgID == attacker && p.Overlaps(netip.MustParsePrefix("10.1.2.0/24")) {
					t.Errorf("attacker route %s", p)
				}
			}
		}
	})
}

// An update keeps the source's kind, and is validated as that kind: a
// syslog source cannot lose its sender networks by claiming another kind
// in the body.
func TestUpdateValidatesTheStoredKind(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		org := uuid.New()
		st, b := h.do("POST", "/api/v1/alert-sources", org, `{"name":"fw","kind":"syslog","allowed_cidrs":["10.1.2.0/24"]}`, nil)
		if st != http.StatusCreated {
			t.Fatalf("create: %d %s", st, b)
		}
		id := decode[SourceConfig](t, b).ID
		st, b = h.do("PUT", "/api/v1/alert-sources/"+id.String(), org, `{"name":"fw","kind":"api"}`, nil)
		if st != http.StatusUnprocessableEntity || !strings.Contains(string(b), "body.allowed_cidrs") {
			t.Fatalf("update dropping the networks: %d %s", st, b)
		}
	})
}

// A claim is exclusive, so it must be narrow: no org may claim the whole
// internet or a whole private block and lock every other tenant out.
func TestSyslogNetworksMustBeNarrow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		org := uuid.New()
		for _, cidr := range []string{"0.0.0.0/0", "10.0.0.0/8", "::/0"} {
			st, b := h.do("POST", "/api/v1/alert-sources", org, `{"name":"wide","kind":"syslog","allowed_cidrs":["192.0.2.0/24","`+cidr+`"]}`, nil)
			if st != http.StatusUnprocessableEntity || !strings.Contains(string(b), "body.allowed_cidrs[1]") {
				t.Errorf("claim %s: %d %s", cidr, st, b)
			}
		}
	})
}
