// Package web serves the SecureNexus web UI: the Vite build of web/ embedded
// at compile time (built by `make web`, committed under dist/ so that
// `go build` needs no Node toolchain).
//
// Hashed files under /assets/ are cached for a year as immutable; index.html
// is revalidated on every load; any other GET/HEAD path that is not a file
// is a client-side route and gets index.html.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/httpapi"
)

//go:embed all:dist
var dist embed.FS

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	assetsPrefix    = "/assets/"
)

// file is one embedded file, read once at start-up.
type file struct {
	name string
	data []byte
	etag string
}

// entityPrefix is the client route of entity pages (/entities/<type>/<value>).
const entityPrefix = "/entities/"

// Handler serves the embedded bundle.
func Handler() http.Handler {
	h, err := newHandler(dist)
	if err != nil {
		// The bundle is compiled in: a broken one is a build defect.
		panic(err)
	}
	return h
}

type handler struct {
	files map[string]*file // keyed by URL path, e.g. "/assets/index-abc.js"
	index *file
}

func newHandler(fsys fs.FS) (*handler, error) {
	sub, err := fs.Sub(fsys, "dist")
	if err != nil {
		return nil, fmt.Errorf("web: bundle: %w", err)
	}
	h := &handler{files: map[string]*file{}}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(sub, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		sum := sha256.Sum256(data)
		h.files["/"+p] = &file{name: path.Base(p), data: data, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: bundle: %w", err)
	}
	h.index = h.files["/index.html"]
	if h.index == nil {
		return nil, fmt.Errorf("web: bundle has no index.html (run `make web`)")
	}
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpapi.WriteProblem(w, r, &httpapi.Problem{
			Type:   "https://securenexus.dev/problems/method_not_allowed",
			Title:  http.StatusText(http.StatusMethodNotAllowed),
			Status: http.StatusMethodNotAllowed,
			Code:   "method_not_allowed",
			Detail: "method " + r.Method + " not allowed on " + r.URL.Path,
		})
		return
	}
	p := path.Clean("/" + r.URL.Path)
	if f, ok := h.files[p]; ok && p != "/index.html" {
		if strings.HasPrefix(p, assetsPrefix) {
			w.Header().Set("Cache-Control", cacheImmutable)
		} else {
			w.Header().Set("Cache-Control", cacheRevalidate)
		}
		serve(w, r, f)
		return
	}
	// A missing hashed asset (an old tab after a deploy, a typo) or any
	// other missing file-like path must not turn into index.html: the
	// browser would try to run HTML as a script.
	if p == "/index.html" {
		w.Header().Set("Cache-Control", cacheRevalidate)
		serve(w, r, h.index)
		return
	}
	// Entity pages carry the entity's value in the path (an IP, a domain,
	// a file name): dots there are data, not a file extension.
	if strings.HasPrefix(p, entityPrefix) {
		w.Header().Set("Cache-Control", cacheRevalidate)
		serve(w, r, h.index)
		return
	}
	if p+"/" == assetsPrefix || strings.HasPrefix(p, assetsPrefix) || path.Ext(p) != "" {
		httpapi.WriteProblem(w, r, apperr.NotFound("file "+p))
		return
	}
	w.Header().Set("Cache-Control", cacheRevalidate)
	serve(w, r, h.index)
}

func serve(w http.ResponseWriter, r *http.Request, f *file) {
	w.Header().Set("ETag", f.etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.data))
}
