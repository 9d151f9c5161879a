package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/health"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/logging"
)

type echoInput struct {
	Body struct {
		Name     string `json:"name" minLength:"1" maxLength:"20"`
		Severity string `json:"severity" enum:"low,medium,high"`
	}
}

type echoOutput struct {
	Body struct {
		Name string `json:"name"`
	}
}

type harness struct {
	srv  *httpapi.Server
	logs *bytes.Buffer
	h    http.Handler
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	cfg, err := config.Load(config.Source{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	cfg.GzipMinBytes = 512
	logs := &bytes.Buffer{}
	log := logging.New(logs, logging.Options{Level: "debug"})
	srv := httpapi.New(httpapi.Deps{Config: cfg, Logger: log, Health: &health.Registry{}, Version: "test"})
	huma.Register(srv.API, httpapi.Public(huma.Operation{
		OperationID: "echo", Method: http.MethodPost, Path: "/api/v1/echo", MaxBodyBytes: 256,
	}), func(_ context.Context, in *echoInput) (*echoOutput, error) {
		out := &echoOutput{}
		out.Body.Name = in.Body.Name
		return out, nil
	})
	huma.Register(srv.API, httpapi.Public(huma.Operation{
		OperationID: "panic", Method: http.MethodGet, Path: "/api/v1/panic",
	}), func(_ context.Context, _ *struct{}) (*echoOutput, error) {
		panic("boom with Authorization: Bearer snk_secret_value")
	})
	huma.Register(srv.API, httpapi.Public(huma.Operation{
		OperationID: "typed-error", Method: http.MethodGet, Path: "/api/v1/typed",
	}), func(_ context.Context, _ *struct{}) (*echoOutput, error) {
		return nil, apperr.RateLimited("slow down", 3e9)
	})
	huma.Register(srv.API, httpapi.Public(huma.Operation{
		OperationID: "internal-error", Method: http.MethodGet, Path: "/api/v1/internal",
	}), func(_ context.Context, _ *struct{}) (*echoOutput, error) {
		return nil, io.ErrUnexpectedEOF
	})
	huma.Register(srv.API, httpapi.Public(huma.Operation{
		OperationID: "gone-client", Method: http.MethodGet, Path: "/api/v1/gone",
	}), func(ctx context.Context, _ *struct{}) (*echoOutput, error) {
		<-ctx.Done()
		return nil, fmt.Errorf("waiting: %w", ctx.Err())
	})
	huma.Register(srv.API, huma.Operation{
		OperationID: "undeclared", Method: http.MethodGet, Path: "/api/v1/undeclared",
	}, func(_ context.Context, _ *struct{}) (*echoOutput, error) {
		return &echoOutput{}, nil
	})
	huma.Register(srv.API, huma.Operation{
		OperationID: "undeclared-options", Method: http.MethodOptions, Path: "/api/v1/undeclared",
	}, func(_ context.Context, _ *struct{}) (*echoOutput, error) {
		return &echoOutput{}, nil
	})
	huma.Register(srv.API, httpapi.Public(huma.Operation{
		OperationID: "big", Method: http.MethodGet, Path: "/api/v1/big",
	}), func(_ context.Context, _ *struct{}) (*echoOutput, error) {
		out := &echoOutput{}
		out.Body.Name = strings.Repeat("x", 4096)
		return out, nil
	})
	return &harness{srv: srv, logs: logs, h: srv.Handler()}
}

func (h *harness) do(t testing.TB, method, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return rec
}

func problemOf(t *testing.T, rec *httptest.ResponseRecorder) httpapi.Problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != httpapi.ProblemContentType {
		t.Fatalf("content type %q, want problem+json; body %s", ct, rec.Body.String())
	}
	var p httpapi.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("decode problem: %v: %s", err, rec.Body.String())
	}
	if p.Status != rec.Code || p.Code == "" || p.RequestID == "" || p.RequestID != rec.Header().Get("X-Request-ID") {
		t.Fatalf("incomplete problem %+v (status %d)", p, rec.Code)
	}
	return p
}

func TestMalformedJSONIs400Problem(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, http.MethodPost, "/api/v1/echo", `{"name": "x",`, nil)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	p := problemOf(t, rec)
	if p.Code != "malformed_body" || !strings.Contains(p.Detail, "unexpected end of JSON input") {
		t.Fatalf("problem should name the JSON problem: %+v", p)
	}
}

func TestValidationNamesTheField(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, http.MethodPost, "/api/v1/echo", `{"name": "x", "severity": "urgent"}`, nil)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	p := problemOf(t, rec)
	if p.Code != "validation_failed" || len(p.Errors) != 1 || p.Errors[0].Location != "body.severity" {
		t.Fatalf("want field error at body.severity, got %+v", p)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, http.MethodGet, "/api/v1/nothing-here", "", nil)
	if rec.Code != http.StatusNotFound || problemOf(t, rec).Code != "not_found" {
		t.Fatalf("want 404 problem, got %d %s", rec.Code, rec.Body.String())
	}
	rec = h.do(t, http.MethodDelete, "/api/v1/echo", "", nil)
	if rec.Code != http.StatusMethodNotAllowed || problemOf(t, rec).Code != "method_not_allowed" {
		t.Fatalf("want 405 problem, got %d %s", rec.Code, rec.Body.String())
	}
	if rec.Header().Get("Allow") == "" {
		t.Fatal("405 must carry Allow")
	}
	rec = h.do(t, http.MethodGet, "/not-api", "", nil)
	if rec.Code != http.StatusNotFound || problemOf(t, rec).Code != "not_found" {
		t.Fatalf("want 404 problem outside the API, got %d", rec.Code)
	}
}

func TestBodyTooLarge(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, http.MethodPost, "/api/v1/echo", `{"name":"`+strings.Repeat("a", 1000)+`"}`, nil)
	if rec.Code != http.StatusRequestEntityTooLarge || problemOf(t, rec).Code != "body_too_large" {
		t.Fatalf("want 413 problem, got %d %s", rec.Code, rec.Body.String())
	}
}

func TestPanicIs500ProblemAndLoggedWithoutSecret(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, http.MethodGet, "/api/v1/panic", "", map[string]string{
		"X-Request-ID":  "req-panic-1",
		"Authorization": "Bearer snk_header_secret",
	})
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", rec.Code)
	}
	p := problemOf(t, rec)
	if p.Code != "internal" || p.RequestID != "req-panic-1" || strings.Contains(rec.Body.String(), "boom") {
		t.Fatalf("panic detail must not leak: %+v", p)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `"msg":"panic in handler"`) || !strings.Contains(logs, `"request_id":"req-panic-1"`) {
		t.Fatalf("panic not logged with request id: %s", logs)
	}
	if strings.Contains(logs, "snk_header_secret") {
		t.Fatalf("request secret leaked into logs: %s", logs)
	}
}

// A client that goes away is no server fault: 499, logged at info, no
// 500 in the metrics or the error log.
func TestClientClosedRequestIsNot500(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/v1/gone", nil)
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	if rec.Code != httpapi.StatusClientClosedRequest {
		t.Fatalf("status %d, want 499: %s", rec.Code, rec.Body.String())
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `"status":499`) || strings.Contains(logs, `"level":"ERROR"`) {
		t.Fatalf("a closed request must be logged at info with 499: %s", logs)
	}
}

func TestTypedErrors(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, http.MethodGet, "/api/v1/typed", "", nil)
	p := problemOf(t, rec)
	if rec.Code != http.StatusTooManyRequests || p.Code != "rate_limited" || !p.Retryable || rec.Header().Get("Retry-After") != "3" {
		t.Fatalf("rate limit problem wrong: %d %+v %v", rec.Code, p, rec.Header())
	}
	rec = h.do(t, http.MethodGet, "/api/v1/internal", "", nil)
	p = problemOf(t, rec)
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "unexpected EOF") {
		t.Fatalf("internal cause must be hidden: %s", rec.Body.String())
	}
	if !strings.Contains(h.logs.String(), "unexpected EOF") {
		t.Fatal("internal cause must be logged")
	}
}

func TestUndeclaredOperationFailsClosed(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, http.MethodGet, "/api/v1/undeclared", "", nil)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("undeclared op must be unreachable, got %d", rec.Code)
	}
	if got := httpapi.UndeclaredOperations(h.srv.API); len(got) != 2 || got[0] != "GET /api/v1/undeclared" || got[1] != "OPTIONS /api/v1/undeclared" {
		t.Fatalf("UndeclaredOperations = %v (every method counts)", got)
	}
	rec = h.do(t, http.MethodOptions, "/api/v1/undeclared", "", nil)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("undeclared OPTIONS op must be unreachable, got %d", rec.Code)
	}
	// Protected operations without a guard are 401.
	rec = h.do(t, http.MethodGet, "/api/v1/ops/health/deep", "", nil)
	if rec.Code != http.StatusUnauthorized || problemOf(t, rec).Code != "unauthorized" {
		t.Fatalf("want 401, got %d", rec.Code)
	}
}

func TestRequestIDAndSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, http.MethodGet, "/livez", "", map[string]string{"X-Request-ID": "abc-123"})
	if rec.Header().Get("X-Request-ID") != "abc-123" {
		t.Fatal("valid request id must be echoed")
	}
	rec = h.do(t, http.MethodGet, "/livez", "", map[string]string{"X-Request-ID": "bad id\nwith newline"})
	if id := rec.Header().Get("X-Request-ID"); id == "" || strings.Contains(id, " ") {
		t.Fatalf("invalid request id must be replaced, got %q", id)
	}
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
	} {
		if rec.Header().Get(k) != want {
			t.Errorf("%s = %q", k, rec.Header().Get(k))
		}
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP not strict: %s", csp)
	}
	if rec.Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS must only be sent over TLS")
	}
}

func TestGzipOverThreshold(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, http.MethodGet, "/api/v1/big", "", map[string]string{"Accept-Encoding": "gzip"})
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("large response not compressed: %v", rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil || !bytes.Contains(b, []byte(strings.Repeat("x", 100))) {
		t.Fatalf("bad gzip body: %v", err)
	}
	rec = h.do(t, http.MethodGet, "/livez", "", map[string]string{"Accept-Encoding": "gzip"})
	if rec.Header().Get("Content-Encoding") == "gzip" {
		t.Fatal("tiny response should not be compressed")
	}
}

func TestOpenAPIServed(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, http.MethodGet, "/api/v1/openapi.json", "", nil)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("want OpenAPI 3.1, got %q %v", doc.OpenAPI, err)
	}
}

func TestMetricsOnSeparateListener(t *testing.T) {
	h := newHarness(t)
	if rec := h.do(t, http.MethodGet, "/metrics", "", nil); rec.Code != http.StatusOK {
		t.Fatalf("without a metrics address /metrics is on the main listener, got %d", rec.Code)
	}
	cfg, err := config.Load(config.Source{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	cfg.MetricsAddr = "127.0.0.1:0"
	srv := httpapi.New(httpapi.Deps{Config: cfg, Logger: logging.New(io.Discard, logging.Options{}), Health: &health.Registry{}, Version: "test"})
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("with a metrics address the public port must not serve /metrics, got %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "securenexus_http_requests_total") {
		t.Fatalf("metrics handler: %d %s", rec.Code, rec.Body.String())
	}
}

// With a metrics token, /metrics on the main listener needs it.
func TestMetricsTokenOnMainListener(t *testing.T) {
	cfg, err := config.Load(config.Source{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	const token = "Zx81kLmQ02vBn7TyUe4rWo9PaS6dFgHj"
	cfg.MetricsToken = token
	srv := httpapi.New(httpapi.Deps{Config: cfg, Logger: logging.New(io.Discard, logging.Options{}), Health: &health.Registry{}, Version: "test"})
	for auth, want := range map[string]int{"": 401, "Bearer wrong": 401, "Basic " + token: 401, "Bearer " + token: 200} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Authorization %q: %d, want %d", auth, rec.Code, want)
		}
	}
}
