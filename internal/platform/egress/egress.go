// Package egress is the only way SecureNexus makes outbound HTTP requests.
// Every client it builds refuses, at connect time, addresses inside the
// network the server runs in (loopback, private, link-local and cloud
// metadata, CGNAT, NAT64/6to4 forms of those, multicast, unspecified); the
// check runs on the address actually dialled, so redirects and DNS
// rebinding are covered. A Policy per use sets the timeout, body cap,
// redirects, retries of idempotent calls (honouring Retry-After) and the
// private ranges an org admin allowed for on-premises targets. Requests are
// traced (OpenTelemetry), counted per destination with bounded label
// cardinality, and cut off by a circuit breaker per destination host.
package egress

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// Defaults applied to zero Policy fields.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultDialTimeout  = 5 * time.Second
	DefaultMaxBody      = 10 << 20
	DefaultRetryBackoff = 250 * time.Millisecond
	DefaultMaxRetryWait = 30 * time.Second
	// DefaultMaxDestinations is how many distinct destination hosts get
	// their own metric label; the rest are counted as "other".
	DefaultMaxDestinations = 64
)

// Errors callers may test with errors.Is (they arrive wrapped, often in a
// *url.Error).
var (
	ErrBodyTooLarge      = errors.New("egress: response body exceeds the policy's limit")
	ErrTooManyRedirects  = errors.New("egress: too many redirects")
	ErrRedirectRefused   = errors.New("egress: redirect refused by policy")
	ErrCircuitOpen       = errors.New("egress: destination is failing, circuit open")
	errUnsupportedScheme = errors.New("egress: only http and https are allowed")
)

// Resolver resolves host names; *net.Resolver satisfies it. Tests inject
// one to return chosen addresses.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configure a Client.
type Options struct {
	// Production ignores every Policy.Development switch.
	Production bool
	// Metrics receives the egress metrics; nil disables them.
	Metrics prometheus.Registerer
	// Resolver resolves host names; nil uses net.DefaultResolver.
	Resolver Resolver
	// MaxDestinations bounds the destination label values
	// (DefaultMaxDestinations when 0).
	MaxDestinations int
	// BreakerFailures consecutive failures (connection errors or 5xx) open
	// a destination's circuit (5 when 0); it stays open BreakerCooldown
	// (30s when 0), then one probe request decides.
	BreakerFailures int
	BreakerCooldown time.Duration
}

// Policy is how one use (OIDC, a threat-intel feed, a webhook notifier)
// talks to the outside. Zero fields take the defaults above; the zero
// Policy follows no redirect and never retries.
type Policy struct {
	// Name labels spans and metrics. It must be a fixed purpose name
	// ("oidc", "intel_feed"), never user input.
	Name string
	// Timeout bounds a whole call: redirects, retries and reading the body.
	Timeout     time.Duration
	DialTimeout time.Duration
	// MaxBody is the largest response body accepted; a longer one fails
	// with ErrBodyTooLarge.
	MaxBody int64
	// MaxRedirects is how many redirects are followed; 0 returns the 3xx
	// response to the caller. A redirect from https to http is refused.
	MaxRedirects int
	// SameHostRedirects refuses redirects to another host.
	SameHostRedirects bool
	// AllowedPrefixes are internal ranges an org admin allowed (on-premises
	// targets). Everything else internal stays refused.
	AllowedPrefixes []netip.Prefix
	// RootCAs, when set, replaces the system trust roots for TLS (an
	// on-premises service signed by a private CA, e.g. a MinIO endpoint).
	RootCAs *x509.CertPool
	// Development, consulted at every connection, allows every internal
	// address while it reports true (a local identity provider or test
	// server). Ignored when the Client runs in production.
	Development func() bool
	// Retries is how many times an idempotent request (GET, HEAD, OPTIONS,
	// TRACE, PUT, DELETE, or any request with an Idempotency-Key header) is
	// retried after a connection error, 429, 502, 503 or 504. Waits grow
	// exponentially from RetryBackoff with jitter; a Retry-After header is
	// honoured up to MaxRetryWait (a longer one ends the retries).
	Retries      int
	RetryBackoff time.Duration
	MaxRetryWait time.Duration
}

func (p Policy) withDefaults() Policy {
	if p.Name == "" {
		p.Name = "default"
	}
	if p.Timeout <= 0 {
		p.Timeout = DefaultTimeout
	}
	if p.DialTimeout <= 0 {
		p.DialTimeout = DefaultDialTimeout
	}
	if p.MaxBody <= 0 {
		p.MaxBody = DefaultMaxBody
	}
	if p.RetryBackoff <= 0 {
		p.RetryBackoff = DefaultRetryBackoff
	}
	if p.MaxRetryWait <= 0 {
		p.MaxRetryWait = DefaultMaxRetryWait
	}
	return p
}

// Client builds guarded HTTP clients. One Client serves the process; it
// holds the metrics and the circuit breakers shared by every policy.
type Client struct {
	production bool
	resolver   Resolver
	metrics    *metrics
	breakers   *breakers
	// connect opens the socket once the guard accepted the address (a
	// test hook; net.Dialer.DialContext otherwise).
	connect func(ctx context.Context, d *net.Dialer, network, address string) (net.Conn, error)
}

// New builds a Client.
func New(o Options) (*Client, error) {
	c := &Client{production: o.Production, resolver: o.Resolver,
		breakers: newBreakers(o.BreakerFailures, o.BreakerCooldown)}
	if c.resolver == nil {
		c.resolver = net.DefaultResolver
	}
	m, err := newMetrics(o.Metrics, o.MaxDestinations)
	if err != nil {
		return nil, err
	}
	c.metrics = m
	c.connect = func(ctx context.Context, d *net.Dialer, network, address string) (net.Conn, error) {
		return d.DialContext(ctx, network, address)
	}
	return c, nil
}

// HTTPClient returns an *http.Client that applies p. Build it once per
// policy and reuse it: it owns a connection pool, and a pooled connection
// was checked against this policy's address rules when it was dialled.
func (c *Client) HTTPClient(p Policy) *http.Client {
	p = p.withDefaults()
	g := guard{allowed: append([]netip.Prefix(nil), p.AllowedPrefixes...)}
	if !c.production {
		g.development = p.Development
	}
	transport := &http.Transport{
		// No proxy: the guard must see the destination's own address.
		Proxy:                  nil,
		DialContext:            c.dialContext(p, g),
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    p.DialTimeout,
		ResponseHeaderTimeout:  p.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
	}
	if p.RootCAs != nil {
		transport.TLSClientConfig = &tls.Config{RootCAs: p.RootCAs, MinVersion: tls.VersionTLS12}
	}
	var rt http.RoundTripper = limitTransport{base: transport, max: p.MaxBody}
	name := p.Name
	rt = otelhttp.NewTransport(rt, otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		return "egress " + name + " " + r.Method
	}))
	rt = &attemptTransport{base: rt, c: c, policy: name}
	rt = &retryTransport{base: rt, p: p, c: c}
	return &http.Client{Timeout: p.Timeout, Transport: rt, CheckRedirect: checkRedirect(p)}
}

// dialContext resolves the host itself and dials each address the guard
// accepts; the dialer's Control checks the socket address once more.
func (c *Client) dialContext(p Policy, g guard) func(ctx context.Context, network, address string) (net.Conn, error) {
	d := &net.Dialer{Timeout: p.DialTimeout, Control: func(network, address string, _ syscall.RawConn) error {
		return g.checkDialAddress(network, address)
	}}
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		host, portStr, err := net.SplitHostPort(address)
		if err != nil {
			return nil, fmt.Errorf("egress: dial address %q: %w", address, err)
		}
		port, err := net.LookupPort(network, portStr)
		if err != nil {
			return nil, fmt.Errorf("egress: port of %q: %w", address, err)
		}
		var addrs []netip.Addr
		if a, perr := netip.ParseAddr(host); perr == nil {
			addrs = []netip.Addr{a}
		} else {
			ipNet := "ip"
			switch network {
			case "tcp4":
				ipNet = "ip4"
			case "tcp6":
				ipNet = "ip6"
			}
			if addrs, err = c.resolver.LookupNetIP(ctx, ipNet, host); err != nil {
				return nil, fmt.Errorf("egress: resolve %s: %w", host, err)
			}
			if len(addrs) == 0 {
				return nil, fmt.Errorf("egress: resolve %s: no addresses", host)
			}
		}
		var errs []error
		for _, a := range addrs {
			if err := g.check(a); err != nil {
				errs = append(errs, fmt.Errorf("egress: %s: %w", host, err))
				continue
			}
			conn, err := c.connect(ctx, d, network, netip.AddrPortFrom(a, uint16(port)).String())
			if err == nil {
				return conn, nil
			}
			errs = append(errs, err)
		}
		if len(errs) == 1 {
			return nil, errs[0]
		}
		return nil, errors.Join(errs...)
	}
}

// checkRedirect follows at most p.MaxRedirects redirects, never from https
// to http, only to http(s) URLs and, with SameHostRedirects, only to the
// first request's host. Each hop's connection passes the guard again.
func checkRedirect(p Policy) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if p.MaxRedirects == 0 {
			return http.ErrUseLastResponse
		}
		if len(via) > p.MaxRedirects {
			return fmt.Errorf("%w (%d)", ErrTooManyRedirects, p.MaxRedirects)
		}
		prev, first := via[len(via)-1].URL, via[0].URL
		if req.URL.Scheme != "https" && req.URL.Scheme != "http" {
			return fmt.Errorf("%w: %w", ErrRedirectRefused, errUnsupportedScheme)
		}
		if prev.Scheme == "https" && req.URL.Scheme != "https" {
			return fmt.Errorf("%w: https to http", ErrRedirectRefused)
		}
		if p.SameHostRedirects && !strings.EqualFold(req.URL.Host, first.Host) {
			return fmt.Errorf("%w: to another host (%s)", ErrRedirectRefused, req.URL.Hostname())
		}
		return nil
	}
}
