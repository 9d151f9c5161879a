// Package intel is threat intelligence: indicators (per org, plus platform
// feeds that orgs subscribe to), their import from STIX 2.1 bundles and
// MISP events, the in-memory match index every ingested alert is matched
// against, the matches, and retro-hunts of new indicators over stored
// alerts. docs/intel.md describes the design.
package intel

import (
	"encoding/hex"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// Type is the kind of value an indicator holds.
type Type string

// Indicator types.
const (
	TypeIPv4   Type = "ipv4"
	TypeIPv6   Type = "ipv6"
	TypeCIDR   Type = "cidr"
	TypeDomain Type = "domain"
	TypeURL    Type = "url"
	TypeMD5    Type = "md5"
	TypeSHA1   Type = "sha1"
	TypeSHA256 Type = "sha256"
	TypeEmail  Type = "email"
	TypeFile   Type = "file"
	TypeJA3    Type = "ja3"
	TypeJA4    Type = "ja4"
)

// Types is every indicator type, in documentation order.
var Types = []Type{TypeIPv4, TypeIPv6, TypeCIDR, TypeDomain, TypeURL, TypeMD5, TypeSHA1, TypeSHA256, TypeEmail, TypeFile, TypeJA3, TypeJA4}

// Valid reports whether t is a known indicator type.
func (t Type) Valid() bool {
	for _, x := range Types {
		if x == t {
			return true
		}
	}
	return false
}

// TLP markings (FIRST TLP 2.0) and PAP levels share the colour names.
var markings = []string{"clear", "green", "amber", "amber+strict", "red"}

// ValidMarking reports whether m is a TLP 2.0 / PAP colour.
func ValidMarking(m string) bool {
	for _, x := range markings {
		if x == m {
			return true
		}
	}
	return false
}

// Indicator is one threat-intel value with its context.
type Indicator struct {
	ID     uuid.UUID  `json:"id"`
	OrgID  *uuid.UUID `json:"org_id,omitempty" doc:"Absent for indicators of a platform feed"`
	FeedID uuid.UUID  `json:"feed_id"`
	Type   Type       `json:"type" enum:"ipv4,ipv6,cidr,domain,url,md5,sha1,sha256,email,file,ja3,ja4"`
	// Value is canonical (see Canonicalize).
	Value string `json:"value"`
	// Subdomains makes a domain indicator match every subdomain too.
	Subdomains bool `json:"subdomains"`
	// Detect is false for context-only values (MISP attributes without
	// to_ids): they are stored but never matched.
	Detect      bool       `json:"detect"`
	Confidence  int        `json:"confidence" minimum:"0" maximum:"100"`
	TLP         string     `json:"tlp" enum:"clear,green,amber,amber+strict,red"`
	PAP         string     `json:"pap" enum:"clear,green,amber,amber+strict,red"`
	FirstSeen   time.Time  `json:"first_seen"`
	LastSeen    time.Time  `json:"last_seen"`
	ValidUntil  *time.Time `json:"valid_until,omitempty"`
	Tags        []string   `json:"tags"`
	Attack      []string   `json:"attack" doc:"ATT&CK technique ids"`
	Description string     `json:"description"`
	STIXID      string     `json:"stix_id,omitempty" doc:"Original STIX object id (or MISP attribute uuid)"`
	Sightings   int        `json:"sightings"`
	// FalsePositives counts matches analysts marked false positive.
	FalsePositives int `json:"false_positives"`
	// Score is the decay score at read time (docs/intel.md, "Decay").
	Score int `json:"score" minimum:"0" maximum:"100"`
	// ExpiresAt is when the score falls below the threshold (or validity
	// ends): the indicator stops matching then.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Expired is set by the expiry job; the row stays as context.
	Expired bool `json:"expired"`
	// Flagged: the fan-out guardrail saw it match more alerts in an hour
	// than the limit; while ThrottledUntil is ahead its matches are stored
	// but emit no intel.matched.v1 events.
	Flagged        bool       `json:"flagged"`
	ThrottledUntil *time.Time `json:"throttled_until,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`

	// deleted marks a tombstone (index refresh removes it).
	deleted bool
}

// matchable reports whether ind belongs in a match index.
func (ind *Indicator) matchable() bool { return ind.Detect && !ind.deleted && !ind.Expired }

var (
	ja3Re = regexp.MustCompile(`^[0-9a-f]{32}$`)
	// JA4 TLS client fingerprint: a_b_c, e.g. t13d1516h2_8daaf6152771_e5627efa2ab1.
	ja4Re    = regexp.MustCompile(`^[tqd][0-9a-z]{2}[di][0-9]{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$`)
	hexBytes = map[Type]int{TypeMD5: 16, TypeSHA1: 20, TypeSHA256: 32}
)

// Canonicalize returns the canonical form of value as type t, the form
// stored and matched: IPs in netip form (IPv4-mapped IPv6 unmapped; an IPv4
// value typed ipv6 or the reverse is refused), CIDRs masked, domains lower
// case without a trailing dot (IDNs as A-labels), URLs canonical as the
// entity package writes them, hashes and JA3 lower-case hex, e-mail with a
// lower-case domain.
func Canonicalize(t Type, value string) (string, bool) {
	v := strings.TrimSpace(value)
	if v == "" || len(v) > 2048 {
		return "", false
	}
	switch t {
	case TypeIPv4, TypeIPv6:
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" {
			return "", false
		}
		a = a.Unmap()
		if (t == TypeIPv4) != a.Is4() {
			return "", false
		}
		return a.String(), true
	case TypeCIDR:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return "", false
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			if !p.IsValid() {
				return "", false
			}
		}
		return p.Masked().String(), true
	case TypeDomain:
		return entity.Canonical(alert.EntityDomain, v)
	case TypeURL:
		return entity.Canonical(alert.EntityURL, v)
	case TypeEmail:
		return entity.Canonical(alert.EntityEmail, v)
	case TypeMD5, TypeSHA1, TypeSHA256:
		v = strings.ToLower(v)
		if b, err := hex.DecodeString(v); err != nil || len(b) != hexBytes[t] {
			return "", false
		}
		return v, true
	case TypeJA3:
		v = strings.ToLower(v)
		return v, ja3Re.MatchString(v)
	case TypeJA4:
		v = strings.ToLower(v)
		return v, ja4Re.MatchString(v)
	case TypeFile:
		if strings.ContainsAny(v, "\x00\n\r") || len(v) > 512 {
			return "", false
		}
		return v, true
	}
	return "", false
}

// ipType is the indicator type of a canonical IP literal.
func ipType(v string) Type {
	if strings.Contains(v, ":") {
		return TypeIPv6
	}
	return TypeIPv4
}

// FromEntityType maps an entity type of the entity package (what the STIX
// and MISP parsers produce) to an indicator type; value decides IPv4/IPv6.
func FromEntityType(t alert.EntityType, value string) (Type, bool) {
	switch t {
	case alert.EntityIP:
		return ipType(value), true
	case entity.TypeCIDR:
		return TypeCIDR, true
	case alert.EntityDomain, alert.EntityHostname:
		return TypeDomain, true
	case alert.EntityURL:
		return TypeURL, true
	case alert.EntityEmail:
		return TypeEmail, true
	case alert.EntityMD5:
		return TypeMD5, true
	case alert.EntitySHA1:
		return TypeSHA1, true
	case alert.EntitySHA256:
		return TypeSHA256, true
	case alert.EntityFile:
		return TypeFile, true
	}
	return "", false
}
