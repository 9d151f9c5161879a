package identity

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCheckDialAddressRefusesInternalAddresses(t *testing.T) {
	refused := []string{
		"127.0.0.1:80", "127.1.2.3:443", "169.254.169.254:80", "169.254.0.1:443", "10.0.0.1:443", "172.16.5.4:443", "172.31.255.255:443",
		"192.168.1.1:443", "100.64.0.1:443", "100.127.255.254:443", "0.0.0.0:443", "0.1.2.3:443", "224.0.0.1:443", "239.255.255.250:1900",
		"255.255.255.255:443", "240.0.0.1:443", "198.18.0.1:443", "192.0.0.170:443",
		"[::1]:443", "[::]:443", "[fe80::1]:443", "[fe80::1%eth0]:443", "[fc00::1]:443", "[fd12:3456::1]:443", "[ff02::1]:443",
		"[::ffff:127.0.0.1]:443", "[::ffff:169.254.169.254]:80", "[::ffff:10.0.0.1]:443",
		"[64:ff9b::a9fe:a9fe]:80", // NAT64 of 169.254.169.254
		"[2002:7f00:1::1]:443",    // 6to4 of 127.0.0.1
		"[fec0::1]:443",
	}
	for _, a := range refused {
		if err := checkDialAddress("tcp", a); !errors.Is(err, errBlockedAddress) {
			t.Errorf("%s: got %v, want refused", a, err)
		}
	}
	allowed := []string{"93.184.216.34:443", "8.8.8.8:443", "172.32.0.1:443", "100.128.0.1:443", "[2606:4700:4700::1111]:443",
		"[64:ff9b::808:808]:443", "[2002:808:808::1]:443"}
	for _, a := range allowed {
		for _, network := range []string{"tcp", "tcp4", "tcp6"} {
			if err := checkDialAddress(network, a); err != nil {
				t.Errorf("%s %s: %v", network, a, err)
			}
		}
	}
	if err := checkDialAddress("udp", "8.8.8.8:53"); err == nil {
		t.Error("udp allowed")
	}
	if err := checkDialAddress("tcp", "idp.example.com:443"); err == nil {
		t.Error("an unresolved host name was allowed")
	}
}

// The guard sits in the client's dialer: a request to 127.0.0.1 never
// reaches the server unless private issuers are allowed.
func TestOIDCClientGuardsConnections(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	var allow atomic.Bool
	cl := newOIDCClient(allow.Load)
	resp, err := cl.Get(srv.URL)
	if err == nil {
		_ = resp.Body.Close()
	}
	if !errors.Is(err, errBlockedAddress) || hits.Load() != 0 {
		t.Fatalf("guarded client reached 127.0.0.1: err %v, hits %d", err, hits.Load())
	}
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]:9/"} {
		resp, err := cl.Get(u)
		if err == nil {
			_ = resp.Body.Close()
		}
		if !errors.Is(err, errBlockedAddress) {
			t.Fatalf("%s: got %v, want refused at connect", u, err)
		}
	}
	allow.Store(true)
	resp, err = cl.Get(srv.URL)
	if err != nil {
		t.Fatalf("allowed: %v", err)
	}
	_ = resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("hits %d", hits.Load())
	}
}

func TestOIDCClientLimitsBodiesAndRedirects(t *testing.T) {
	big := strings.Repeat("x", oidcMaxBody+1)
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(big)) })
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i < len(big); i += 64 << 10 {
			_, _ = w.Write([]byte(big[i:min(i+64<<10, len(big))]))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/exact", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(big[:oidcMaxBody])) })
	var other *httptest.Server
	mux.HandleFunc("/same", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/exact", http.StatusFound) })
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, other.URL+"/", http.StatusFound) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	var otherHits atomic.Int64
	other = httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { otherHits.Add(1) }))
	t.Cleanup(other.Close)
	cl := newOIDCClient(func() bool { return true })

	get := func(path string) (int, error) {
		t.Helper()
		resp, err := cl.Get(srv.URL + path)
		if err != nil {
			return 0, err
		}
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(resp.Body)
		return len(b), err
	}
	for _, path := range []string{"/big", "/chunked"} {
		if _, err := get(path); !errors.Is(err, errOIDCBodyLimit) {
			t.Errorf("%s: got %v, want the body limit", path, err)
		}
	}
	if n, err := get("/exact"); err != nil || n != oidcMaxBody {
		t.Errorf("a body of exactly the limit: %d %v", n, err)
	}
	if n, err := get("/same"); err != nil || n != oidcMaxBody {
		t.Errorf("same-host redirect: %d %v", n, err)
	}
	if _, err := get("/away"); err == nil || otherHits.Load() != 0 {
		t.Errorf("redirect to another host followed: %v, hits %d", err, otherHits.Load())
	}
	if _, err := get("/loop"); err == nil {
		t.Error("redirect loop followed")
	}
}

// FuzzBlockedAddr: every IPv6 form that embeds an IPv4 address
// (IPv4-mapped, NAT64, 6to4) is judged like the IPv4 address itself.
func FuzzBlockedAddr(f *testing.F) {
	for _, seed := range [][4]byte{{127, 0, 0, 1}, {169, 254, 169, 254}, {10, 0, 0, 1}, {8, 8, 8, 8}, {100, 64, 0, 1}, {0, 0, 0, 0}, {255, 255, 255, 255}} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, a, b, c, d byte) {
		v4 := netip.AddrFrom4([4]byte{a, b, c, d})
		want := blockedAddr(v4)
		mapped := netip.AddrFrom16(v4.As16())
		nat64 := netip.AddrFrom16([16]byte{0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, a, b, c, d})
		sixToFour := netip.AddrFrom16([16]byte{0x20, 0x02, a, b, c, d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
		for _, x := range []netip.Addr{mapped, nat64, sixToFour} {
			if blockedAddr(x) != want {
				t.Fatalf("%s is blocked=%v but %s is blocked=%v", v4, want, x, !want)
			}
		}
		if v4.IsLoopback() || v4.IsPrivate() || v4.IsLinkLocalUnicast() {
			if !want {
				t.Fatalf("%s allowed", v4)
			}
		}
	})
}
