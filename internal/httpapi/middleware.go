package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/logging"
)

// RequestIDHeader carries the request id in both directions.
const RequestIDHeader = "X-Request-ID"

// reqInfo is per-request state shared between middleware layers.
type reqInfo struct {
	id       string
	ip       string
	ua       string
	mu       sync.Mutex
	route    string
	internal []error
}

type reqInfoKey struct{}

func info(ctx context.Context) *reqInfo {
	ri, _ := ctx.Value(reqInfoKey{}).(*reqInfo)
	return ri
}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// ClientIP returns the caller's IP address: the TCP peer, or, when the
// peer is a configured trusted proxy, the nearest X-Forwarded-For address
// that is not a trusted proxy.
func ClientIP(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		return ri.ip
	}
	return ""
}

// UserAgent returns the caller's User-Agent.
func UserAgent(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		return ri.ua
	}
	return ""
}

// Route returns the matched route pattern, once routing happened.
func Route(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		ri.mu.Lock()
		defer ri.mu.Unlock()
		return ri.route
	}
	return ""
}

func setRoute(ctx context.Context, route string) {
	if ri := info(ctx); ri != nil {
		ri.mu.Lock()
		ri.route = route
		ri.mu.Unlock()
	}
}

// markInternal records a hidden internal cause so the access log shows it.
func markInternal(ctx context.Context, err error) {
	if ri := info(ctx); ri != nil && err != nil {
		ri.mu.Lock()
		ri.internal = append(ri.internal, err)
		ri.mu.Unlock()
	}
}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// clientIP is the TCP peer of r unless the peer is a trusted proxy; then
// X-Forwarded-For is read from the right (nearest hop) and the first
// address that is not a trusted proxy is the client. Addresses a client
// wrote further left are never believed over a nearer untrusted one.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	peer, err := netip.ParseAddr(ip)
	if err != nil || len(trusted) == 0 || !isTrusted(peer) {
		return ip
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: believe nothing further left
		}
		if !isTrusted(a) {
			return a.Unmap().String()
		}
		ip = a.Unmap().String()
	}
	return ip
}

// withRequestID accepts a well-formed X-Request-ID or generates one, echoes
// it, and puts it, the client IP and user agent into the context and the
// request id into every log line.
func withRequestID(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID.MatchString(id) {
			id = uuid.Must(uuid.NewV7()).String()
		}
		w.Header().Set(RequestIDHeader, id)
		ip := clientIP(r, trusted)
		ctx := context.WithValue(r.Context(), reqInfoKey{}, &reqInfo{id: id, ip: ip, ua: r.UserAgent()})
		ctx = logging.With(ctx, slog.String("request_id", id))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog writes one structured line per request (never the query string,
// which may carry tokens) and records metrics.
func accessLog(log *slog.Logger, m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		dur := time.Since(start)
		route := Route(r.Context())
		if route == "" {
			route = "unmatched"
		}
		m.observe(r.Method, route, sw.status, dur)
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", route),
			slog.Int("status", sw.status),
			slog.Int64("bytes", sw.bytes),
			slog.Float64("duration_ms", float64(dur.Microseconds())/1000),
			slog.String("remote", r.RemoteAddr),
		}
		level := slog.LevelInfo
		if ri := info(r.Context()); ri != nil && len(ri.internal) > 0 {
			level = slog.LevelError
			attrs = append(attrs, slog.String("error", errors.Join(ri.internal...).Error()))
		} else if sw.status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(r.Context(), level, "http request", attrs...)
	})
}

// recoverPanics turns a handler panic into a 500 problem and an error log
// line carrying the request id and stack.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if err, ok := rec.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(rec)
			}
			log.ErrorContext(r.Context(), "panic in handler",
				slog.String("panic", fmt.Sprint(rec)),
				slog.String("stack", string(debug.Stack())))
			WriteProblem(w, r, statusProblem(http.StatusInternalServerError, "internal error"))
		}()
		next.ServeHTTP(w, r)
	})
}

// ContentSecurityPolicy is strict: only same-origin scripts, styles and
// connections; no framing, plugins or base-tag tricks.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// securityHeaders sets the browser hardening headers on every response.
func securityHeaders(tls bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if tls || r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}
