package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Every address class the guard must refuse, checked on the dialled
// "ip:port" as the dialer's Control sees it.
func TestGuardRefusesEveryAddressClass(t *testing.T) {
	refused := map[string][]string{
		"loopback":          {"127.0.0.1:80", "127.1.2.3:443", "[::1]:443"},
		"private":           {"10.0.0.1:443", "172.16.5.4:443", "172.31.255.255:443", "192.168.1.1:443", "[fc00::1]:443", "[fd12:3456::1]:443"},
		"link-local":        {"169.254.0.1:443", "[fe80::1]:443", "[fe80::1%eth0]:443"},
		"cloud metadata":    {"169.254.169.254:80", "[fd00:ec2::254]:80"},
		"CGNAT":             {"100.64.0.1:443", "100.127.255.254:443"},
		"NAT64 of internal": {"[64:ff9b::a9fe:a9fe]:80", "[64:ff9b::7f00:1]:80", "[64:ff9b::a00:1]:80", "[64:ff9b:1::1]:80"},
		"6to4 of internal":  {"[2002:7f00:1::1]:443", "[2002:a9fe:a9fe::1]:80", "[2002:c0a8:101::1]:443"},
		"multicast":         {"224.0.0.1:443", "239.255.255.250:1900", "[ff02::1]:443", "[ff05::2]:443"},
		"unspecified":       {"0.0.0.0:443", "[::]:443", "0.1.2.3:443"},
		"IPv4-mapped IPv6":  {"[::ffff:127.0.0.1]:443", "[::ffff:169.254.169.254]:80", "[::ffff:10.0.0.1]:443", "[::ffff:100.64.0.1]:443"},
		"reserved":          {"255.255.255.255:443", "240.0.0.1:443", "198.18.0.1:443", "192.0.0.170:443", "[fec0::1]:443", "[2001::1]:443", "[100::1]:443"},
		"documentation":     {"192.0.2.1:443", "198.51.100.7:443", "203.0.113.9:443", "[2001:db8::1]:443"},
	}
	g := guard{}
	for class, addrs := range refused {
		for _, a := range addrs {
			if err := g.checkDialAddress("tcp", a); !errors.Is(err, ErrBlocked) {
				t.Errorf("%s %s: got %v, want refused", class, a, err)
			}
		}
	}
	allowed := []string{"93.184.216.34:443", "8.8.8.8:443", "172.32.0.1:443", "100.128.0.1:443", "[2606:4700:4700::1111]:443",
		"[64:ff9b::808:808]:443", "[2002:808:808::1]:443", "[::ffff:8.8.8.8]:443"}
	for _, a := range allowed {
		for _, network := range []string{"tcp", "tcp4", "tcp6"} {
			if err := g.checkDialAddress(network, a); err != nil {
				t.Errorf("%s %s: %v", network, a, err)
			}
		}
	}
	if err := g.checkDialAddress("udp", "8.8.8.8:53"); err == nil {
		t.Error("udp allowed")
	}
	if err := g.checkDialAddress("tcp", "idp.example.com:443"); err == nil {
		t.Error("an unresolved host name was allowed")
	}

	// An org admin's allowed range opens exactly that range.
	onPrem := guard{allowed: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")}}
	if err := onPrem.checkDialAddress("tcp", "10.20.3.4:443"); err != nil {
		t.Errorf("allowed on-premises range refused: %v", err)
	}
	if err := onPrem.checkDialAddress("tcp", "[::ffff:10.20.3.4]:443"); err != nil {
		t.Errorf("mapped form of an allowed address refused: %v", err)
	}
	for _, a := range []string{"10.21.0.1:443", "127.0.0.1:443", "169.254.169.254:80"} {
		if err := onPrem.checkDialAddress("tcp", a); !errors.Is(err, ErrBlocked) {
			t.Errorf("on-premises policy let %s through: %v", a, err)
		}
	}
	var dev atomic.Bool
	devGuard := guard{development: dev.Load}
	if err := devGuard.checkDialAddress("tcp", "127.0.0.1:80"); !errors.Is(err, ErrBlocked) {
		t.Errorf("development switch off but loopback allowed: %v", err)
	}
	dev.Store(true)
	if err := devGuard.checkDialAddress("tcp", "127.0.0.1:80"); err != nil {
		t.Errorf("development switch on but loopback refused: %v", err)
	}
}

// Every IPv6 form embedding an IPv4 address is classified like the IPv4
// address itself.
func TestEmbeddedIPv4ClassifiedLikeIPv4(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "10.1.2.3", "169.254.169.254", "100.64.1.1", "8.8.8.8", "93.184.216.34", "224.0.0.1", "0.0.0.0"} {
		v4 := netip.MustParseAddr(s)
		b := v4.As4()
		nat64 := netip.AddrFrom16([16]byte{0, 0x64, 0xff, 0x9b, 10: 0, 11: 0, 12: b[0], 13: b[1], 14: b[2], 15: b[3]})
		six := netip.AddrFrom16([16]byte{0x20, 0x02, b[0], b[1], b[2], b[3], 15: 1})
		for _, x := range []netip.Addr{netip.AddrFrom16(v4.As16()), nat64, six} {
			if Internal(x) != Internal(v4) {
				t.Errorf("%s (%s): %v, IPv4 form %v", x, s, Internal(x), Internal(v4))
			}
		}
	}
}

// resolverFunc is an injected resolver.
type resolverFunc func(host string) ([]netip.Addr, error)

func (f resolverFunc) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	return f(host)
}

// publicAddr stands for an Internet address; fakeInternet routes
// connections to it to a local test server, so tests can reach "the
// Internet" without a network. Only addresses the guard accepted reach
// connect.
const publicAddr = "93.184.216.34"

type fakeInternet struct {
	target string // host:port of the test server
	mu     sync.Mutex
	dialed []string
}

func (f *fakeInternet) connect(ctx context.Context, d *net.Dialer, network, address string) (net.Conn, error) {
	f.mu.Lock()
	f.dialed = append(f.dialed, address)
	f.mu.Unlock()
	if strings.HasPrefix(address, publicAddr+":") {
		// The guard (pre-check) accepted the public address; the socket
		// goes to the local test server, which the production Control
		// would refuse, so it is dialled without it.
		return (&net.Dialer{Timeout: d.Timeout}).DialContext(ctx, network, f.target)
	}
	return d.DialContext(ctx, network, address)
}

func (f *fakeInternet) dials() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.dialed...)
}

func newTestClient(t *testing.T, o Options, srv *httptest.Server) (*Client, *fakeInternet) {
	t.Helper()
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeInternet{}
	if srv != nil {
		f.target = srv.Listener.Addr().String()
	}
	c.connect = f.connect
	return c, f
}

func get(t *testing.T, cl *http.Client, url string) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Close = true // every request dials: the guard sees each connection
	resp, err := cl.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

func portOf(srv *httptest.Server) string {
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return port
}

// The guard sits in the client's dialer: a request to a local server
// never reaches it, by literal address or by a name resolving to it, unless
// the policy allows that range or (outside production) development is on.
func TestClientRefusesInternalDestinations(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	res := resolverFunc(func(host string) ([]netip.Addr, error) {
		if host == "internal.example" {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}
		return nil, fmt.Errorf("no such host %s", host)
	})
	c, _ := newTestClient(t, Options{Resolver: res}, nil)
	cl := c.HTTPClient(Policy{Name: "test"})
	for _, u := range []string{srv.URL, "http://internal.example:" + portOf(srv) + "/", "http://169.254.169.254/latest/meta-data/",
		"http://[::1]:" + portOf(srv) + "/", "http://[::ffff:127.0.0.1]:" + portOf(srv) + "/", "http://10.0.0.1/"} {
		if _, _, err := get(t, cl, u); !errors.Is(err, ErrBlocked) {
			t.Errorf("%s: got %v, want refused", u, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the guard let %d requests through", hits.Load())
	}

	allowed := c.HTTPClient(Policy{Name: "onprem", AllowedPrefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if _, body, err := get(t, allowed, "http://internal.example:"+portOf(srv)+"/"); err != nil || body != "ok" {
		t.Fatalf("allowed range: %q %v", body, err)
	}

	var dev atomic.Bool
	devClient := c.HTTPClient(Policy{Name: "dev", Development: dev.Load})
	if _, _, err := get(t, devClient, srv.URL); !errors.Is(err, ErrBlocked) {
		t.Fatalf("development off: %v", err)
	}
	dev.Store(true)
	if _, _, err := get(t, devClient, srv.URL); err != nil {
		t.Fatalf("development on: %v", err)
	}

	prod, _ := newTestClient(t, Options{Production: true}, nil)
	if _, _, err := get(t, prod.HTTPClient(Policy{Name: "dev", Development: func() bool { return true }}), srv.URL); !errors.Is(err, ErrBlocked) {
		t.Fatalf("production honoured the development switch: %v", err)
	}
	if hits.Load() != 2 {
		t.Fatalf("hits %d, want 2", hits.Load())
	}
}

// DNS rebinding: a name that resolves to a public address first and to an
// internal one the next time is refused on the second connection, because
// the check runs on the address being dialled, not on an earlier lookup.
func TestDNSRebindingRefusedAtConnect(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, "public")
	}))
	t.Cleanup(srv.Close)
	for _, internal := range []string{"127.0.0.1", "169.254.169.254", "10.0.0.7", "fd00:ec2::254", "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe"} {
		t.Run(internal, func(t *testing.T) {
			hits.Store(0)
			var lookups atomic.Int64
			res := resolverFunc(func(string) ([]netip.Addr, error) {
				if lookups.Add(1) == 1 {
					return []netip.Addr{netip.MustParseAddr(publicAddr)}, nil
				}
				return []netip.Addr{netip.MustParseAddr(internal)}, nil
			})
			c, f := newTestClient(t, Options{Resolver: res}, srv)
			cl := c.HTTPClient(Policy{Name: "test"})
			u := "http://rebind.example:" + portOf(srv) + "/"
			if _, body, err := get(t, cl, u); err != nil || body != "public" {
				t.Fatalf("first (public) resolution: %q %v", body, err)
			}
			if _, _, err := get(t, cl, u); !errors.Is(err, ErrBlocked) {
				t.Fatalf("second (internal) resolution: got %v, want refused", err)
			}
			if d := f.dials(); len(d) != 1 || !strings.HasPrefix(d[0], publicAddr+":") {
				t.Fatalf("dialled %v, want only the public address", d)
			}
			if hits.Load() != 1 || lookups.Load() != 2 {
				t.Fatalf("hits %d lookups %d", hits.Load(), lookups.Load())
			}
		})
	}
	// A name resolving to a mix is served by its public addresses only.
	res := resolverFunc(func(string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr(publicAddr)}, nil
	})
	c, f := newTestClient(t, Options{Resolver: res}, srv)
	if _, _, err := get(t, c.HTTPClient(Policy{Name: "test"}), "http://mixed.example:"+portOf(srv)+"/"); err != nil {
		t.Fatalf("mixed: %v", err)
	}
	if d := f.dials(); len(d) != 1 || !strings.HasPrefix(d[0], publicAddr) {
		t.Fatalf("mixed: dialled %v", d)
	}
}

func publicResolver() Resolver {
	return resolverFunc(func(string) ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr(publicAddr)}, nil })
}

// Every redirect hop passes the guard again, and the policy's redirect
// rules hold.
func TestRedirectsRechecked(t *testing.T) {
	var srv *httptest.Server
	var finalHits atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/to-internal", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:"+portOf(srv)+"/final", http.StatusFound)
	})
	mux.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/to-other-host", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://other.example:"+portOf(srv)+"/final", http.StatusFound)
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/to-final", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/final", http.StatusFound) })
	mux.HandleFunc("/final", func(w http.ResponseWriter, _ *http.Request) { finalHits.Add(1); _, _ = io.WriteString(w, "final") })
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, Options{Resolver: publicResolver()}, srv)
	base := "http://public.example:" + portOf(srv)
	cl := c.HTTPClient(Policy{Name: "test", MaxRedirects: 3, SameHostRedirects: true})
	for path, want := range map[string]error{"/to-internal": ErrRedirectRefused, "/to-metadata": ErrRedirectRefused,
		"/to-other-host": ErrRedirectRefused, "/to-file": ErrRedirectRefused, "/loop": ErrTooManyRedirects} {
		if _, _, err := get(t, cl, base+path); !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", path, err, want)
		}
	}
	// Without the same-host rule, an internal redirect target is still
	// refused, by the dialer.
	open := c.HTTPClient(Policy{Name: "test", MaxRedirects: 3})
	for _, path := range []string{"/to-internal", "/to-metadata"} {
		if _, _, err := get(t, open, base+path); !errors.Is(err, ErrBlocked) {
			t.Errorf("%s without same-host rule: got %v, want refused at connect", path, err)
		}
	}
	if finalHits.Load() != 0 {
		t.Fatalf("an internal redirect target was reached")
	}
	if _, body, err := get(t, cl, base+"/to-final"); err != nil || body != "final" {
		t.Fatalf("same-host redirect: %q %v", body, err)
	}
	// MaxRedirects 0 hands the 3xx to the caller.
	resp, _, err := get(t, c.HTTPClient(Policy{Name: "test"}), base+"/to-final")
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("no-redirect policy: %v %v", resp, err)
	}
}

func TestBodyCap(t *testing.T) {
	const limit = 1000
	big := strings.Repeat("x", limit+1)
	mux := http.NewServeMux()
	mux.HandleFunc("/declared", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, big) })
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, _ *http.Request) {
		for i := range big {
			_, _ = io.WriteString(w, big[i:i+1])
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/exact", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, big[:limit]) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, Options{Resolver: publicResolver()}, srv)
	cl := c.HTTPClient(Policy{Name: "test", MaxBody: limit})
	base := "http://public.example:" + portOf(srv)
	for _, p := range []string{"/declared", "/chunked"} {
		if _, _, err := get(t, cl, base+p); !errors.Is(err, ErrBodyTooLarge) {
			t.Errorf("%s: got %v, want body limit", p, err)
		}
	}
	if _, body, err := get(t, cl, base+"/exact"); err != nil || len(body) != limit {
		t.Fatalf("exact: %d %v", len(body), err)
	}
}

func TestRetriesIdempotentOnlyHonouringRetryAfter(t *testing.T) {
	var hits atomic.Int64
	var failFirst atomic.Int64
	var retryAfterValue atomic.Value
	retryAfterValue.Store("0")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if failFirst.Add(-1) >= 0 {
			w.Header().Set("Retry-After", retryAfterValue.Load().(string))
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, Options{Resolver: publicResolver(), BreakerFailures: 100}, srv)
	cl := c.HTTPClient(Policy{Name: "test", Retries: 3, RetryBackoff: time.Millisecond})
	u := "http://public.example:" + portOf(srv) + "/"

	do := func(method string, idemKey bool) int {
		t.Helper()
		hits.Store(0)
		failFirst.Store(2)
		req, _ := http.NewRequestWithContext(context.Background(), method, u, strings.NewReader("payload"))
		if idemKey {
			req.Header.Set("Idempotency-Key", "k1")
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode == 200 && string(b) != "payload" {
			t.Fatalf("%s: body %q not replayed", method, b)
		}
		return resp.StatusCode
	}
	if code := do(http.MethodPut, false); code != 200 || hits.Load() != 3 {
		t.Fatalf("PUT: %d after %d attempts, want 200 after 3", code, hits.Load())
	}
	if code := do(http.MethodPost, false); code != 503 || hits.Load() != 1 {
		t.Fatalf("POST: %d after %d attempts, want 503 after 1 (not idempotent)", code, hits.Load())
	}
	if code := do(http.MethodPost, true); code != 200 || hits.Load() != 3 {
		t.Fatalf("POST with Idempotency-Key: %d after %d attempts", code, hits.Load())
	}
	// A Retry-After longer than the policy may wait ends the retries.
	retryAfterValue.Store("3600")
	if code := do(http.MethodGet, false); code != 503 || hits.Load() != 1 {
		t.Fatalf("long Retry-After: %d after %d attempts", code, hits.Load())
	}
	// A short Retry-After is waited for.
	retryAfterValue.Store("1")
	start := time.Now()
	hits.Store(0)
	failFirst.Store(1)
	if resp, _, err := get(t, cl, u); err != nil || resp.StatusCode != 200 || hits.Load() != 2 {
		t.Fatalf("Retry-After 1: %v %v hits %d", resp, err, hits.Load())
	}
	if time.Since(start) < time.Second {
		t.Fatalf("Retry-After 1 not honoured")
	}
	// Refused addresses are never retried.
	if _, _, err := get(t, cl, "http://127.0.0.1:"+portOf(srv)+"/"); !errors.Is(err, ErrBlocked) {
		t.Fatalf("blocked: %v", err)
	}
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for v, want := range map[string]time.Duration{"0": 0, "7": 7 * time.Second, " 12 ": 12 * time.Second,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second, now.Add(-time.Hour).Format(http.TimeFormat): 0} {
		if got, ok := retryAfter(v, now); !ok || got != want {
			t.Errorf("%q: %v %v, want %v", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "-1", "soon", "1.5"} {
		if _, ok := retryAfter(v, now); ok {
			t.Errorf("%q parsed", v)
		}
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "Wed, 21 Oct 2015 07:28:00 GMT", "-5", "x"} {
		f.Add(s)
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, v string) {
		if d, ok := retryAfter(v, now); ok && d < 0 {
			t.Fatalf("%q: negative wait %v", v, d)
		}
	})
}

// After BreakerFailures consecutive failures a destination's circuit opens:
// calls fail fast without reaching it, other destinations are unaffected;
// after the cooldown one probe closes it again.
func TestCircuitBreakerPerDestination(t *testing.T) {
	var hits atomic.Int64
	var healthy atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		if !healthy.Load() {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, Options{Resolver: publicResolver(), BreakerFailures: 3, BreakerCooldown: 200 * time.Millisecond}, srv)
	cl := c.HTTPClient(Policy{Name: "test"})
	bad := "http://bad.example:" + portOf(srv) + "/"
	for i := range 3 {
		if resp, _, err := get(t, cl, bad); err != nil || resp.StatusCode != 500 {
			t.Fatalf("attempt %d: %v %v", i, resp, err)
		}
	}
	if _, _, err := get(t, cl, bad); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("open circuit: %v", err)
	}
	if hits.Load() != 3 {
		t.Fatalf("open circuit reached the destination: %d hits", hits.Load())
	}
	healthy.Store(true)
	if resp, _, err := get(t, cl, "http://good.example:"+portOf(srv)+"/"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("another destination: %v %v", resp, err)
	}
	time.Sleep(250 * time.Millisecond)
	if resp, _, err := get(t, cl, bad); err != nil || resp.StatusCode != 200 {
		t.Fatalf("probe after cooldown: %v %v", resp, err)
	}
	if resp, _, err := get(t, cl, bad); err != nil || resp.StatusCode != 200 {
		t.Fatalf("closed again: %v %v", resp, err)
	}
}

func TestBreakerHalfOpenAdmitsOneProbe(t *testing.T) {
	b := &breaker{threshold: 1, cooldown: time.Minute}
	t0 := time.Now()
	b.record(false, t0)
	if b.allow(t0.Add(time.Second)) == nil {
		t.Fatal("open breaker admitted a call")
	}
	if b.allow(t0.Add(2*time.Minute)) != nil {
		t.Fatal("half-open breaker refused the probe")
	}
	if b.allow(t0.Add(2*time.Minute)) == nil {
		t.Fatal("half-open breaker admitted a second concurrent probe")
	}
	b.record(false, t0.Add(2*time.Minute))
	if b.allow(t0.Add(2*time.Minute+time.Second)) == nil {
		t.Fatal("failed probe did not reopen")
	}
}

// The destination label is capped: beyond MaxDestinations distinct hosts,
// requests count as "other".
func TestMetricsDestinationCardinalityCapped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	reg := prometheus.NewRegistry()
	c, _ := newTestClient(t, Options{Resolver: publicResolver(), Metrics: reg, MaxDestinations: 2}, srv)
	cl := c.HTTPClient(Policy{Name: "test"})
	for i := range 5 {
		if _, _, err := get(t, cl, fmt.Sprintf("http://h%d.example:%s/", i, portOf(srv))); err != nil {
			t.Fatal(err)
		}
	}
	_, _, _ = get(t, cl, "http://127.0.0.1:"+portOf(srv)+"/")
	if n := testutil.CollectAndCount(c.metrics.requests); n != 4 {
		t.Fatalf("%d request series, want 4 (h0, h1, other, blocked loopback as other)", n)
	}
	if v := testutil.ToFloat64(c.metrics.requests.WithLabelValues("test", otherDestination, "2xx")); v != 3 {
		t.Fatalf("other: %v, want 3", v)
	}
	if v := testutil.ToFloat64(c.metrics.requests.WithLabelValues("test", otherDestination, "blocked")); v != 1 {
		t.Fatalf("blocked: %v, want 1", v)
	}
	// A second Client on the same registry shares the series.
	if _, err := New(Options{Metrics: reg}); err != nil {
		t.Fatalf("second client: %v", err)
	}
}

// FuzzInternal: every IPv6 form that embeds an IPv4 address (IPv4-mapped,
// NAT64, 6to4) is judged like the IPv4 address itself.
func FuzzInternal(f *testing.F) {
	for _, seed := range [][4]byte{{127, 0, 0, 1}, {169, 254, 169, 254}, {10, 0, 0, 1}, {8, 8, 8, 8}, {100, 64, 0, 1}, {0, 0, 0, 0}, {255, 255, 255, 255}} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, a, b, c, d byte) {
		v4 := netip.AddrFrom4([4]byte{a, b, c, d})
		want := Internal(v4)
		mapped := netip.AddrFrom16(v4.As16())
		nat64 := netip.AddrFrom16([16]byte{0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, a, b, c, d})
		sixToFour := netip.AddrFrom16([16]byte{0x20, 0x02, a, b, c, d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
		for _, x := range []netip.Addr{mapped, nat64, sixToFour} {
			if Internal(x) != want {
				t.Fatalf("%s is internal=%v but %s is internal=%v", v4, want, x, !want)
			}
		}
		if (v4.IsLoopback() || v4.IsPrivate() || v4.IsLinkLocalUnicast()) && !want {
			t.Fatalf("%s allowed", v4)
		}
	})
}
