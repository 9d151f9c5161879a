package identity

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/securenexus/securenexus/internal/platform/egress"
)

func testEgress(t *testing.T) *egress.Client {
	t.Helper()
	eg, err := egress.New(egress.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return eg
}

// OIDC traffic goes through egress (the address classes are tested there).
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
	cl := newOIDCClient(testEgress(t), allow.Load)
	resp, err := cl.Get(srv.URL)
	if err == nil {
		_ = resp.Body.Close()
	}
	if !errors.Is(err, egress.ErrBlocked) || hits.Load() != 0 {
		t.Fatalf("guarded client reached 127.0.0.1: err %v, hits %d", err, hits.Load())
	}
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]:9/"} {
		resp, err := cl.Get(u)
		if err == nil {
			_ = resp.Body.Close()
		}
		if !errors.Is(err, egress.ErrBlocked) {
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
	cl := newOIDCClient(testEgress(t), func() bool { return true })

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
		if _, err := get(path); !errors.Is(err, egress.ErrBodyTooLarge) {
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
