// Package httpapi is the HTTP layer: the huma API under /api/v1 (typed,
// validated operations and a generated OpenAPI 3.1 document), RFC 9457
// problem errors for every failure, and the middleware every request passes:
// request id, access log and metrics, panic recovery, security headers,
// body limits and compression.
package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/klauspost/compress/gzhttp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/health"
	"github.com/securenexus/securenexus/internal/rbac"
)

// APIPrefix is the versioned API root.
const APIPrefix = "/api/v1"

// Deps are what the server needs from the rest of the process.
type Deps struct {
	Config   config.Config
	Logger   *slog.Logger
	Health   *health.Registry
	Metrics  *prometheus.Registry
	Version  string
	Frontend http.Handler // serves the web UI for non-API paths; may be nil
}

// Server is the HTTP server. Domain packages register their operations on
// API and, for the rare non-API route, on Root.
type Server struct {
	API  huma.API
	Root *http.ServeMux

	apiMux  *http.ServeMux
	deps    Deps
	guard   Guard
	metrics *metrics
	handler http.Handler
}

// New builds the server and its fixed routes (health, metrics, OpenAPI).
func New(deps Deps) *Server {
	s := &Server{Root: http.NewServeMux(), apiMux: http.NewServeMux(), deps: deps}
	if deps.Metrics == nil {
		deps.Metrics = prometheus.NewRegistry()
		s.deps.Metrics = deps.Metrics
	}
	s.metrics = newMetrics(deps.Metrics)

	cfg := huma.DefaultConfig("SecureNexus API", deps.Version)
	cfg.Info.Description = "Multi-tenant security operations platform: alert ingestion (API, signed webhooks, syslog) with normalization, deduplication and threat-intel matching; correlation rules; incidents with tasks, notes and evidence (chain of custody, signed manifests); a live event stream; identity (SSO, MFA, API keys, roles) and a hash-chained audit log. Every error is an RFC 9457 problem with a stable `code`."
	cfg.OpenAPIPath = APIPrefix + "/openapi"
	cfg.DocsPath = "" // served by the web UI bundle, with no third-party CDN
	cfg.SchemasPath = APIPrefix + "/schemas"
	cfg.CreateHooks = nil // no $schema links in bodies
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		SchemeSession: {Type: "apiKey", In: "cookie", Name: "sn_session", Description: "Browser session cookie; state-changing requests must be same-origin (see docs/security.md)."},
		SchemeAPIKey:  {Type: "http", Scheme: "bearer", Description: "Org API key: `Authorization: Bearer snk_...`."},
	}
	s.API = humago.New(s.apiMux, cfg)
	// Authentication first (anonymous callers learn nothing about inputs),
	// then the text rule before any handler parses its input.
	s.API.UseMiddleware(s.guardMiddleware, s.textMiddleware)

	s.Root.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	s.Root.HandleFunc("GET /readyz", s.readyz)
	if deps.Config.MetricsAddr == "" {
		s.Root.Handle("GET /metrics", requireToken(deps.Config.MetricsToken, s.MetricsHandler()))
	}
	s.registerHealth()
	return s
}

// requireToken guards h with a bearer token (constant-time comparison);
// an empty token leaves h open (development: config refuses that in
// production).
func requireToken(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			WriteProblem(w, r, statusProblem(http.StatusUnauthorized, "metrics need Authorization: Bearer <SECURENEXUS_METRICS_TOKEN>"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// readyzRedacted replaces a failing check's error on the unauthenticated
// /readyz: errors carry internal details (database hosts, users, paths).
const readyzRedacted = "failing; the cause is in the server log and the deep health report"

// MetricsHandler serves the Prometheus registry.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.deps.Metrics, promhttp.HandlerOpts{})
}

// ServeMetrics serves /metrics on its own listener until ctx ends (used
// when SECURENEXUS_METRICS_ADDR keeps metrics off the public port).
func (s *Server) ServeMetrics(ctx context.Context) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.MetricsHandler())
	srv := &http.Server{
		Addr:              s.deps.Config.MetricsAddr,
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.deps.Logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", s.deps.Config.MetricsAddr)
	if err != nil {
		return fmt.Errorf("metrics: listen %s: %w", s.deps.Config.MetricsAddr, err)
	}
	s.deps.Logger.Info("metrics listening", slog.String("addr", ln.Addr().String()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("metrics: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("metrics: shutdown: %w", err)
	}
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	rep := s.deps.Health.Run(r.Context(), true)
	for i, c := range rep.Checks {
		if c.Error != "" {
			s.deps.Logger.WarnContext(r.Context(), "readiness check failing", slog.String("check", c.Name), slog.String("error", c.Error))
			rep.Checks[i].Error = readyzRedacted
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if rep.Status != "ok" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = writeJSON(w, rep)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	return enc.Encode(v)
}

// route dispatches /api/ paths to the API mux and the rest to Root (health,
// metrics, web UI). Unmatched requests get problem+json 404 or 405.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	mux := s.Root
	if strings.HasPrefix(r.URL.Path, "/api/") {
		mux = s.apiMux
	}
	h, pattern := mux.Handler(r)
	if pattern == "" && mux == s.Root && s.deps.Frontend != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		setRoute(r.Context(), "frontend")
		s.deps.Frontend.ServeHTTP(w, r)
		return
	}
	if pattern == "" {
		// Let the mux decide between 404 and 405 (and the Allow header),
		// then answer with a problem body.
		rec := &headerRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		status := rec.status
		if status >= 300 && status < 400 {
			// The mux redirects unclean paths (dot segments, double
			// slashes) to their clean form; let it.
			h.ServeHTTP(w, r)
			return
		}
		if status == 0 || status == http.StatusOK {
			status = http.StatusNotFound
		}
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		detail := "no route for " + r.URL.Path
		if status == http.StatusMethodNotAllowed {
			detail = fmt.Sprintf("method %s not allowed on %s", r.Method, r.URL.Path)
		}
		WriteProblem(w, r, statusProblem(status, detail))
		return
	}
	setRoute(r.Context(), pattern)
	mux.ServeHTTP(w, r)
}

// headerRecorder captures what the mux's fallback handler would send.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header         { return h.header }
func (h *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (h *headerRecorder) WriteHeader(code int)        { h.status = code }

// Handler is the complete middleware chain.
func (s *Server) Handler() http.Handler {
	if s.handler != nil {
		return s.handler
	}
	var h http.Handler = http.HandlerFunc(s.route)
	gz, err := gzhttp.NewWrapper(
		gzhttp.MinSize(max(s.deps.Config.GzipMinBytes, 1)),
		gzhttp.ExceptContentTypes([]string{"text/event-stream"}),
	)
	if err == nil {
		h = gz(h)
	}
	h = securityHeaders(s.deps.Config.TLS(), h)
	h = recoverPanics(s.deps.Logger, h)
	h = accessLog(s.deps.Logger, s.metrics, h)
	h = otelhttp.NewHandler(h, "http.server",
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))
	// Validated by config.Load; a Config built by hand with a bad value
	// trusts no proxy.
	trusted, _ := s.deps.Config.TrustedProxyPrefixes()
	h = withRequestID(trusted, h)
	s.handler = h
	return h
}

// Serve listens on the configured address until ctx is cancelled, then
// stops accepting, drains in-flight requests within the shutdown timeout
// and returns. ready, if not nil, receives the bound address.
func (s *Server) Serve(ctx context.Context, ready chan<- string) error {
	c := s.deps.Config
	srv := &http.Server{
		Addr:              c.HTTPAddr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: c.HTTPReadHeaderTimeout,
		ReadTimeout:       c.HTTPReadTimeout,
		WriteTimeout:      c.HTTPWriteTimeout,
		IdleTimeout:       c.HTTPIdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.deps.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ConnContext:       withConn,
	}
	ln, err := net.Listen("tcp", c.HTTPAddr)
	if err != nil {
		return fmt.Errorf("http: listen %s: %w", c.HTTPAddr, err)
	}
	s.deps.Logger.Info("http server listening", slog.String("addr", ln.Addr().String()), slog.Bool("tls", c.TLS()))
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() {
		if c.TLS() {
			errc <- srv.ServeTLS(ln, c.TLSCertFile, c.TLSKeyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("http: serve: %w", err)
	case <-ctx.Done():
	}
	s.deps.Logger.Info("http server draining", slog.Duration("timeout", c.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: serve: %w", err)
	}
	return nil
}

// HealthReport is the deep health response.
type HealthReport struct {
	Body health.Report
}

func (s *Server) registerHealth() {
	huma.Register(s.API, Protected(huma.Operation{
		OperationID: "get-deep-health",
		Method:      http.MethodGet,
		Path:        APIPrefix + "/ops/health/deep",
		Summary:     "Deep health of every subsystem",
		Tags:        []string{"Operations"},
	}, rbac.OpsRead), func(ctx context.Context, _ *struct{}) (*HealthReport, error) {
		return &HealthReport{Body: s.deps.Health.Run(ctx, false)}, nil
	})
}
