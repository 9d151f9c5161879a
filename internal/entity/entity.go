// Package entity extracts, canonicalizes and deduplicates the observables of
// an alert: IP addresses, domains, URLs, hostnames, users, e-mail addresses,
// file hashes, processes, files and cloud resource ids. Normalizers pass
// known vendor fields with a role (Set.Add); free text is scanned with
// Set.Scan. The package also parses STIX 2.1 bundles and MISP events into
// indicators (see intel.go) for threat-intelligence matching.
package entity

import (
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"

	"github.com/securenexus/securenexus/internal/alert"
)

// Extra entity types used by threat-intel indicators. They are not produced
// by alert normalizers.
const (
	// TypeCIDR is an IP network in canonical prefix form (netip.Prefix).
	TypeCIDR alert.EntityType = "cidr"
	// TypeRegistryKey is a Windows registry key path.
	TypeRegistryKey alert.EntityType = "registry_key"
	// TypeSTIXPattern is a STIX pattern with no concrete value to match
	// (MATCHES/LIKE comparisons, unsupported object types).
	TypeSTIXPattern alert.EntityType = "stix_pattern"
)

// Entity roles.
const (
	RoleSrc      = "src"
	RoleDst      = "dst"
	RoleActor    = "actor"
	RoleTarget   = "target"
	RoleHost     = "host"
	RoleFile     = "file"
	RoleProcess  = "process"
	RoleResource = "resource"
	RoleRelated  = "related"
)

// maxValueLen bounds an entity value; longer values are dropped.
const maxValueLen = 2048

// Set collects canonical, deduplicated entities. The zero value is ready to
// use. Entities are deduplicated on (type, value, role); a free-text
// ("related") entity is not added when the same type and value is already
// present under any role.
type Set struct {
	list []alert.Entity
}

// Entities returns the collected entities in insertion order (nil if none).
func (s *Set) Entities() []alert.Entity { return s.list }

// Len is the number of collected entities.
func (s *Set) Len() int { return len(s.list) }

// Has reports whether an entity of type t is present.
func (s *Set) Has(t alert.EntityType) bool {
	for _, e := range s.list {
		if e.Type == t {
			return true
		}
	}
	return false
}

// Add canonicalizes value as type t and adds it with role. It reports
// whether the value was valid. A hostname that is an IP literal is stored as
// an IP; a URL also adds its host (domain or IP) with role "related".
func (s *Set) Add(t alert.EntityType, value, role string) bool {
	if t == alert.EntityHostname {
		if ip, ok := canonicalIP(value); ok {
			s.add(alert.EntityIP, ip, role)
			return true
		}
	}
	v, ok := Canonical(t, value)
	if !ok {
		return false
	}
	s.add(t, v, role)
	if t == alert.EntityURL {
		s.addURLHost(v)
	}
	return true
}

// AddAll adds each value as type t with role.
func (s *Set) AddAll(t alert.EntityType, values []string, role string) {
	for _, v := range values {
		s.Add(t, v, role)
	}
}

// AddHash adds a hex hash, picking MD5, SHA-1 or SHA-256 from its length.
func (s *Set) AddHash(value, role string) bool {
	switch len(strings.TrimSpace(value)) {
	case 32:
		return s.Add(alert.EntityMD5, value, role)
	case 40:
		return s.Add(alert.EntitySHA1, value, role)
	case 64:
		return s.Add(alert.EntitySHA256, value, role)
	}
	return false
}

func (s *Set) addURLHost(u string) {
	// u is canonical: scheme://host[:port]/...
	rest := u[strings.Index(u, "://")+3:]
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	host := rest
	if strings.HasPrefix(host, "[") {
		if j := strings.IndexByte(host, ']'); j > 0 {
			host = host[1:j]
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if ip, ok := canonicalIP(host); ok {
		s.addRelated(alert.EntityIP, ip)
		return
	}
	if d, ok := canonicalDomain(host); ok {
		s.addRelated(alert.EntityDomain, d)
	}
}

func (s *Set) add(t alert.EntityType, v, role string) {
	if role == RoleRelated || role == "" {
		s.addRelated(t, v)
		return
	}
	for i, e := range s.list {
		if e.Type == t && e.Value == v {
			if e.Role == role {
				return
			}
			if e.Role == RoleRelated {
				s.list[i].Role = role
				return
			}
		}
	}
	s.list = append(s.list, alert.Entity{Type: t, Value: v, Role: role})
}

func (s *Set) addRelated(t alert.EntityType, v string) {
	for _, e := range s.list {
		if e.Value == v && (e.Type == t || t == alert.EntityDomain && e.Type == alert.EntityHostname) {
			return
		}
	}
	s.list = append(s.list, alert.Entity{Type: t, Value: v, Role: RoleRelated})
}

// Canonical validates value as type t and returns its canonical form: IPs
// in net/netip form (IPv4-mapped IPv6 unmapped; unspecified and loopback
// addresses rejected), domains, hostnames, hashes
// and e-mail addresses lower-cased, URLs with lower-case scheme and host,
// Azure resource ids lower-cased. Placeholders ("", "-", "null", "n/a",
// "unknown", ...) and all-zero hashes are rejected.
func Canonical(t alert.EntityType, value string) (string, bool) {
	v := strings.TrimSpace(value)
	if isPlaceholder(v) || len(v) > maxValueLen || !utf8.ValidString(v) {
		return "", false
	}
	switch t {
	case alert.EntityIP:
		return canonicalIP(v)
	case alert.EntityDomain:
		return canonicalDomain(v)
	case alert.EntityHostname:
		return canonicalHostname(v)
	case alert.EntityURL:
		return canonicalURL(v)
	case alert.EntityEmail:
		return canonicalEmail(v)
	case alert.EntityMD5:
		return canonicalHex(v, 32)
	case alert.EntitySHA1:
		return canonicalHex(v, 40)
	case alert.EntitySHA256:
		return canonicalHex(v, 64)
	case alert.EntityCloudID:
		if strings.HasPrefix(strings.ToLower(v), "/subscriptions/") {
			return strings.ToLower(v), true
		}
		return v, true
	case TypeCIDR:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return "", false
		}
		return p.Masked().String(), true
	case alert.EntityUser, alert.EntityProcess, alert.EntityFile, TypeRegistryKey:
		return v, true
	}
	return "", false
}

func isPlaceholder(v string) bool {
	if len(v) > 9 {
		return false
	}
	switch strings.ToLower(v) {
	case "", "-", "--", "null", "nil", "none", "n/a", "na", "unknown", "undefined", "(null)", "<nil>":
		return true
	}
	return false
}

func canonicalIP(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false
	}
	if !ipLike(v) {
		// Most candidates (host names, words) are not addresses: refuse
		// them before netip, whose failures allocate an error each.
		return "", false
	}
	if v[0] == '[' && v[len(v)-1] == ']' {
		v = v[1 : len(v)-1]
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		// Only "ip:port" and "[ipv6]:port" can still be an address.
		if v[0] != '[' && strings.Count(v, ":") != 1 {
			return "", false
		}
		ap, err2 := netip.ParseAddrPort(v)
		if err2 != nil {
			return "", false
		}
		a = ap.Addr()
	}
	a = a.Unmap()
	// Unspecified and loopback addresses identify nothing across hosts:
	// as entities they would only create false correlations.
	if a.IsUnspecified() || a.IsLoopback() {
		return "", false
	}
	return a.String(), true
}

// ipLike reports whether v is made only of what an IP address (with an
// optional port, brackets or zone) is written with, and has a '.' or ':'.
func ipLike(v string) bool {
	sep := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '%':
			return sep // a zone may hold any characters
		case c == '.' || c == ':':
			sep = true
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F', c == '[', c == ']':
		default:
			return false
		}
	}
	return sep
}

func canonicalHex(v string, n int) (string, bool) {
	if len(v) != n {
		return "", false
	}
	zero := true
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '0':
		case c >= '1' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			zero = false
		default:
			return "", false
		}
	}
	if zero {
		return "", false
	}
	return strings.ToLower(v), true
}

// validLabels reports whether d is dot-separated labels of letters, digits,
// hyphens (and underscores when allowUnderscore), none empty or over 63.
func validLabels(d string, allowUnderscore bool) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	n := 0
	for i := 0; i < len(d); i++ {
		c := d[i]
		switch {
		case c == '.':
			if n == 0 {
				return false
			}
			n = 0
			continue
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-':
			if n == 0 {
				return false
			}
		case c == '_' && allowUnderscore:
		default:
			return false
		}
		n++
		if n > 63 {
			return false
		}
	}
	return n > 0
}

func canonicalDomain(v string) (string, bool) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(v)), ".")
	d = strings.TrimPrefix(d, "*.")
	if !strings.Contains(d, ".") || !validLabels(d, true) {
		return "", false
	}
	tld := d[strings.LastIndexByte(d, '.')+1:]
	for i := 0; i < len(tld); i++ {
		if tld[i] < 'a' || tld[i] > 'z' {
			return "", false
		}
	}
	ps, icann := publicsuffix.PublicSuffix(d)
	if !icann && !strings.Contains(ps, ".") {
		return "", false
	}
	if _, err := publicsuffix.EffectiveTLDPlusOne(d); err != nil {
		return "", false
	}
	return d, true
}

func canonicalHostname(v string) (string, bool) {
	h := strings.TrimSuffix(strings.ToLower(v), ".")
	if !validLabels(h, true) {
		return "", false
	}
	return h, true
}

func canonicalEmail(v string) (string, bool) {
	v = strings.ToLower(strings.TrimPrefix(v, "mailto:"))
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at > 64 {
		return "", false
	}
	local, dom := v[:at], v[at+1:]
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),:;<>@[\\]", c) >= 0 {
			return "", false
		}
	}
	d, ok := canonicalDomain(dom)
	if !ok {
		return "", false
	}
	return local + "@" + d, true
}

func canonicalURL(v string) (string, bool) {
	i := strings.Index(v, "://")
	if i <= 0 {
		return "", false
	}
	scheme := strings.ToLower(v[:i])
	switch scheme {
	case "http", "https", "ftp", "ftps", "ws", "wss", "hxxp", "hxxps":
	default:
		return "", false
	}
	u, err := url.Parse(scheme + v[i:])
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return "", false
	}
	host := strings.ToLower(u.Host)
	if _, ok := canonicalIP(u.Hostname()); !ok && !validLabels(strings.ToLower(u.Hostname()), true) {
		return "", false
	}
	rest := v[i+3:]
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		rest = rest[j:]
	} else {
		rest = ""
	}
	return scheme + "://" + host + rest, true
}
