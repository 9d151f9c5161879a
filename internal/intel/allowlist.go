package intel

import (
	"math"
	"net/netip"
	"strings"
)

// The built-in allowlist: values that are never stored as indicators
// because matching them would flag half of all traffic (MISP's warning
// lists have the same purpose). Public resolvers, unroutable and
// documentation-free special ranges, top domains, and low-entropy values.
var (
	publicResolvers = map[string]bool{
		"8.8.8.8": true, "8.8.4.4": true, "1.1.1.1": true, "1.0.0.1": true, "9.9.9.9": true, "149.112.112.112": true,
		"208.67.222.222": true, "208.67.220.220": true, "2001:4860:4860::8888": true, "2001:4860:4860::8844": true,
		"2606:4700:4700::1111": true, "2606:4700:4700::1001": true, "2620:fe::fe": true,
	}
	topDomains = map[string]bool{
		"google.com": true, "www.google.com": true, "microsoft.com": true, "www.microsoft.com": true, "windowsupdate.com": true,
		"apple.com": true, "amazon.com": true, "amazonaws.com": true, "cloudflare.com": true, "facebook.com": true,
		"github.com": true, "office.com": true, "office365.com": true, "live.com": true, "outlook.com": true,
		"akamaihd.net": true, "googleapis.com": true, "gstatic.com": true, "youtube.com": true, "wikipedia.org": true,
		"localhost": true, "example.com": true, "example.org": true, "example.net": true,
	}
)

// allowlisted returns why a canonical value is never an indicator ("" if
// it may be one).
func allowlisted(t Type, v string) string {
	switch t {
	case TypeIPv4, TypeIPv6:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return "not an address"
		}
		if publicResolvers[v] {
			return "allowlisted: public DNS resolver"
		}
		if a.IsUnspecified() || a.IsLoopback() || a.IsMulticast() || a.IsLinkLocalUnicast() || a.IsInterfaceLocalMulticast() {
			return "allowlisted: special-purpose address"
		}
	case TypeCIDR:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return "not a network"
		}
		if (p.Addr().Is4() && p.Bits() < 8) || (p.Addr().Is6() && p.Bits() < 16) {
			return "allowlisted: network too broad to be an indicator"
		}
	case TypeDomain:
		if topDomains[v] {
			return "allowlisted: top domain"
		}
		if !strings.Contains(v, ".") {
			return "allowlisted: not a registrable domain"
		}
	case TypeMD5, TypeSHA1, TypeSHA256, TypeJA3:
		if lowEntropy(v) {
			return "allowlisted: low-entropy value"
		}
	}
	return ""
}

// lowEntropy reports whether a hex value is degenerate (all zeros, a
// repeated short pattern): Shannon entropy under 2 bits per character,
// where a random hex string has close to 4.
func lowEntropy(v string) bool {
	var counts [256]int
	for i := 0; i < len(v); i++ {
		counts[v[i]]++
	}
	h := 0.0
	for _, c := range counts {
		if c == 0 {
			continue
		}
		p := float64(c) / float64(len(v))
		h -= p * math.Log2(p)
	}
	return h < 2
}
