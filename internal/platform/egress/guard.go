package egress

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrBlocked is returned (wrapped) when a connection would reach an address
// the policy does not allow: loopback, private, link-local, cloud metadata,
// CGNAT, multicast, unspecified, reserved, or an IPv6 form embedding one.
var ErrBlocked = errors.New("egress: destination address is internal and not allowed")

// Address ranges refused beyond what netip.Addr classifies (loopback,
// private, link-local, multicast, unspecified).
var (
	blockedPrefixes = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
		netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
		netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
		netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
		netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
		netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
		netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
		netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
		netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
		netip.MustParsePrefix("2001::/32"),       // Teredo
		netip.MustParsePrefix("2001:db8::/32"),   // documentation
		netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
		netip.MustParsePrefix("100::/64"),        // discard-only
		netip.MustParsePrefix("fd00:ec2::/32"),   // AWS IMDS over IPv6 (also inside fc00::/7)
	}
	nat64Prefix     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFourPrefix = netip.MustParsePrefix("2002::/16")
)

// Internal reports whether a is an address outbound requests must not reach
// unless a policy allows it explicitly: loopback, link-local (169.254.0.0/16
// and fe80::/10, where cloud metadata services live), private (RFC 1918,
// fc00::/7, which holds fd00:ec2::254), CGNAT, multicast, unspecified,
// reserved and documentation ranges, IPv4-mapped forms of those, and
// NAT64 (64:ff9b::/96) or 6to4 (2002::/16) addresses whose embedded IPv4
// address is one of those.
func Internal(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	b := a.As16()
	switch {
	case nat64Prefix.Contains(a):
		return Internal(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFourPrefix.Contains(a):
		return Internal(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return false
}

// guard decides, per dialled address, whether a connection may be made.
type guard struct {
	allowed     []netip.Prefix
	development func() bool
}

// check refuses an internal address unless it is inside an allowed prefix
// or the development switch is on.
func (g guard) check(a netip.Addr) error {
	a = a.Unmap().WithZone("")
	if !Internal(a) {
		return nil
	}
	for _, p := range g.allowed {
		if p.Contains(a) {
			return nil
		}
	}
	if g.development != nil && g.development() {
		return nil
	}
	return fmt.Errorf("connect to %s: %w", a, ErrBlocked)
}

// checkDialAddress is the connect-time check on the "ip:port" the socket is
// about to connect to (net.Dialer Control), so a name that resolves, or
// re-resolves, to an internal address is refused as well.
func (g guard) checkDialAddress(network, address string) error {
	if network != "tcp4" && network != "tcp6" && network != "tcp" {
		return fmt.Errorf("egress: network %q refused", network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("egress: unparsable address %q: %w", address, err)
	}
	if err := g.check(ap.Addr()); err != nil {
		return fmt.Errorf("egress: %w", err)
	}
	return nil
}
