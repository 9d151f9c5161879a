package identity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
)

// Limits of the outbound requests SecureNexus makes to an org's identity
// provider (discovery, JWKS, token exchange). The issuer is chosen by an org
// admin and the requests are triggered by anonymous callers, so they are
// short, small, cached and never reach internal addresses.
const (
	oidcDialTimeout    = 3 * time.Second
	oidcRequestTimeout = 10 * time.Second
	oidcMaxBody        = 1 << 20 // discovery documents and key sets are a few KiB
	oidcMaxRedirects   = 3
	// oidcProviderTTL is how long a discovered provider is reused.
	oidcProviderTTL = time.Hour
	// oidcFailureTTL is how long a failed discovery is remembered, so
	// anonymous traffic cannot turn into outbound requests.
	oidcFailureTTL = time.Minute
)

var (
	errBlockedAddress = errors.New("identity provider address is loopback, private, link-local or otherwise internal")
	errOIDCBodyLimit  = fmt.Errorf("identity provider response exceeds %d bytes", oidcMaxBody)
)

// Address ranges an identity provider may not resolve to, beyond what
// netip.Addr classifies (loopback, private, link-local, multicast,
// unspecified).
var (
	blockedPrefixes = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
		netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
		netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
		netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
		netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
		netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
		netip.MustParsePrefix("2001::/32"),      // Teredo
		netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
		netip.MustParsePrefix("100::/64"),       // discard-only
	}
	nat64Prefix     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFourPrefix = netip.MustParsePrefix("2002::/16")
)

// blockedAddr reports whether a is an address an identity provider must not
// be reached at: loopback, link-local (169.254.0.0/16, fe80::/10, where
// cloud metadata services live), private (RFC 1918, fc00::/7), CGNAT,
// multicast, unspecified, reserved, or an IPv6 form embedding one of those.
func blockedAddr(a netip.Addr) bool {
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
		return blockedAddr(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFourPrefix.Contains(a):
		return blockedAddr(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return false
}

// checkDialAddress is the connect-time guard: address is the resolved
// "ip:port" the dialer is about to connect to, so a host name that resolves
// (or later re-resolves) to an internal address is refused too.
func checkDialAddress(network, address string) error {
	if network != "tcp4" && network != "tcp6" && network != "tcp" {
		return fmt.Errorf("identity provider: network %q refused", network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("identity provider: unparsable address %q: %w", address, err)
	}
	if blockedAddr(ap.Addr()) {
		return fmt.Errorf("identity provider: connect to %s: %w", ap.Addr(), errBlockedAddress)
	}
	return nil
}

// newOIDCClient returns the HTTP client for all OIDC traffic. allowPrivate
// is consulted at every connection; while it reports false, connections to
// internal addresses are refused.
func newOIDCClient(allowPrivate func() bool) *http.Client {
	dialer := &net.Dialer{Timeout: oidcDialTimeout, Control: func(network, address string, _ syscall.RawConn) error {
		if allowPrivate() {
			return nil
		}
		return checkDialAddress(network, address)
	}}
	transport := &http.Transport{
		// No proxy: the guard must see the identity provider's own address.
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    oidcDialTimeout,
		ResponseHeaderTimeout:  oidcRequestTimeout,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConns:           32,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        90 * time.Second,
	}
	return &http.Client{Timeout: oidcRequestTimeout, Transport: limitedTransport{base: transport, max: oidcMaxBody}, CheckRedirect: sameHostRedirect}
}

// sameHostRedirect follows at most oidcMaxRedirects redirects, only to the
// same host and never from https to http.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= oidcMaxRedirects {
		return errors.New("identity provider: too many redirects")
	}
	first := via[0].URL
	if !strings.EqualFold(req.URL.Host, first.Host) || (first.Scheme == "https" && req.URL.Scheme != "https") {
		return fmt.Errorf("identity provider: redirect to another host or scheme (%s) refused", req.URL.Redacted())
	}
	return nil
}

// limitedTransport fails responses whose body exceeds max bytes.
type limitedTransport struct {
	base http.RoundTripper
	max  int64
}

func (t limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		_ = resp.Body.Close()
		return nil, errOIDCBodyLimit
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var probe [1]byte
		n, err := b.rc.Read(probe[:])
		if n > 0 {
			return 0, errOIDCBodyLimit
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// providerKey identifies one discovery: the org, its issuer and the
// version (last update) of its OIDC configuration. A changed configuration
// is a different key on every replica, even without invalidation.
type providerKey struct {
	org     uuid.UUID
	issuer  string
	version int64
}

// providerEntry is one discovery, in flight or done. done is closed once
// prov/err/expires are set.
type providerEntry struct {
	key     providerKey
	done    chan struct{}
	prov    *oidc.Provider
	err     error
	expires time.Time
}

func (e *providerEntry) fresh(now time.Time) bool {
	select {
	case <-e.done:
		return now.Before(e.expires)
	default:
		return true // in flight: join it
	}
}

// oidcProviders caches discovered providers, one entry per org, with
// single flight: concurrent requests for the same key share one fetch.
// Its zero value is ready to use.
type oidcProviders struct {
	once   sync.Once
	client *http.Client

	mu      sync.Mutex
	entries map[uuid.UUID]*providerEntry
}

// oidcClient is the guarded HTTP client for OIDC traffic.
func (svc *Service) oidcClient() *http.Client {
	svc.providers.once.Do(func() { svc.providers.client = newOIDCClient(svc.allowPrivateIssuers) })
	return svc.providers.client
}

// allowPrivateIssuers reports whether issuers may be internal addresses:
// only outside production, and only when AllowPrivateIssuers is set.
func (svc *Service) allowPrivateIssuers() bool {
	return svc.AllowPrivateIssuers && !svc.Config.Production()
}

// provider returns the discovered provider for c, from the cache when it
// is fresh. A failed discovery is remembered for oidcFailureTTL.
func (svc *Service) provider(ctx context.Context, c OIDCConfig) (*oidc.Provider, error) {
	client := svc.oidcClient()
	key := providerKey{org: c.OrgID, issuer: c.Issuer, version: c.UpdatedAt.UnixNano()}
	now := svc.Store.now()
	m := &svc.providers
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[uuid.UUID]*providerEntry{}
	}
	e := m.entries[c.OrgID]
	if e == nil || e.key != key || !e.fresh(now) {
		e = &providerEntry{key: key, done: make(chan struct{})}
		m.entries[c.OrgID] = e
		// The fetch does not belong to the request that happened to start
		// it (others wait for it too): it keeps the request's values but
		// not its cancellation.
		go svc.discover(context.WithoutCancel(ctx), e, client)
	}
	m.mu.Unlock()
	select {
	case <-e.done:
		return e.prov, e.err
	case <-ctx.Done():
		return nil, fmt.Errorf("identity: oidc discovery: %w", ctx.Err())
	}
}

func (svc *Service) discover(ctx context.Context, e *providerEntry, client *http.Client) {
	defer close(e.done)
	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, client), oidcRequestTimeout)
	defer cancel()
	prov, err := oidc.NewProvider(ctx, e.key.issuer)
	if err != nil {
		if svc.Logger != nil {
			svc.Logger.Warn("oidc discovery failed", "org_id", e.key.org.String(), "issuer", e.key.issuer, "err", err)
		}
		e.err = apperr.Upstream("the org's identity provider could not be reached", err).WithCode("oidc_provider_unavailable")
		e.expires = svc.Store.now().Add(oidcFailureTTL)
		return
	}
	e.prov, e.expires = prov, svc.Store.now().Add(oidcProviderTTL)
}

// forgetProvider drops the cached discovery of org (its configuration
// changed).
func (svc *Service) forgetProvider(org uuid.UUID) {
	svc.providers.mu.Lock()
	delete(svc.providers.entries, org)
	svc.providers.mu.Unlock()
}
