package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func testHandler(t *testing.T) http.Handler {
	t.Helper()
	h, err := newHandler(fstest.MapFS{
		"dist/index.html":            {Data: []byte(`<!doctype html><script type="module" src="/assets/app-abc123.js"></script>`)},
		"dist/assets/app-abc123.js":  {Data: []byte(`console.log("app")`)},
		"dist/assets/app-abc123.css": {Data: []byte(`body{}`)},
		"dist/favicon.svg":           {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func do(h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHashedAssetIsImmutable(t *testing.T) {
	w := do(testHandler(t), http.MethodGet, "/assets/app-abc123.js", nil)
	if w.Code != http.StatusOK || w.Body.String() != `console.log("app")` {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
	if got := w.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q", got)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("Content-Type = %q", ct)
	}
	css := do(testHandler(t), http.MethodGet, "/assets/app-abc123.css", nil)
	if ct := css.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("css Content-Type = %q", ct)
	}
}

func TestClientRoutesGetIndexWithoutCaching(t *testing.T) {
	h := testHandler(t)
	for _, p := range []string{"/", "/index.html", "/alerts", "/alerts/0190b7c2-aaaa-7bbb-8ccc-000000000001", "/settings/api-keys", "/docs/api", "/entities/ip/10.0.0.1", "/entities/file/setup.exe", "/entities/url/https:/x.example/a.js"} {
		w := do(h, http.MethodGet, p, nil)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "/assets/app-abc123.js") {
			t.Errorf("%s: got %d %q", p, w.Code, w.Body.String())
		}
		if got := w.Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("%s: Cache-Control = %q", p, got)
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type = %q", p, ct)
		}
	}
}

func TestMissingFilesAreProblems(t *testing.T) {
	h := testHandler(t)
	for _, p := range []string{"/assets/app-old999.js", "/assets/", "/assets/nested/x", "/robots.txt", "/alerts/x.map"} {
		w := do(h, http.MethodGet, p, nil)
		if w.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, w.Code)
			continue
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s: Content-Type = %q", p, ct)
		}
		var body struct {
			Code   string `json:"code"`
			Status int    `json:"status"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Code != "not_found" || body.Status != 404 {
			t.Errorf("%s: body %q (%v)", p, w.Body.String(), err)
		}
	}
}

func TestOnlyGetAndHead(t *testing.T) {
	h := testHandler(t)
	w := do(h, http.MethodPost, "/alerts", nil)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST: %d Allow=%q", w.Code, w.Header().Get("Allow"))
	}
	head := do(h, http.MethodHead, "/alerts", nil)
	if head.Code != http.StatusOK || head.Body.Len() != 0 {
		t.Fatalf("HEAD: %d body %d bytes", head.Code, head.Body.Len())
	}
}

func TestRevalidationWithETag(t *testing.T) {
	h := testHandler(t)
	first := do(h, http.MethodGet, "/alerts", nil)
	etag := first.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on index.html")
	}
	second := do(h, http.MethodGet, "/", map[string]string{"If-None-Match": etag})
	if second.Code != http.StatusNotModified {
		t.Fatalf("conditional GET: %d, want 304", second.Code)
	}
}

func TestNonHashedRootFileRevalidates(t *testing.T) {
	w := do(testHandler(t), http.MethodGet, "/favicon.svg", nil)
	if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("got %d Cache-Control=%q", w.Code, w.Header().Get("Cache-Control"))
	}
}

// TestEmbeddedBundleFitsCSP checks the committed build: index.html loads
// only same-origin files that exist, with no inline script or style.
func TestEmbeddedBundleFitsCSP(t *testing.T) {
	h, err := newHandler(dist)
	if err != nil {
		t.Fatal(err)
	}
	html := string(h.index.data)
	if regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).MatchString(html) {
		t.Error("index.html has an inline script")
	}
	if strings.Contains(html, "<style") || regexp.MustCompile(`\sstyle=`).MatchString(html) {
		t.Error("index.html has inline styles")
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(html, -1)
	var scripts int
	for _, m := range refs {
		ref := m[1]
		if strings.Contains(ref, "//") {
			t.Errorf("index.html references another origin: %s", ref)
			continue
		}
		if _, ok := h.files[ref]; !ok {
			t.Errorf("index.html references %s, which is not in the bundle", ref)
		}
		if strings.HasSuffix(ref, ".js") {
			scripts++
		}
	}
	if scripts == 0 {
		t.Error("index.html loads no script")
	}
	// The real handler must serve the same bundle.
	w := do(Handler(), http.MethodGet, "/", nil)
	if w.Code != http.StatusOK || w.Body.String() != html {
		t.Errorf("Handler() / = %d", w.Code)
	}
}
