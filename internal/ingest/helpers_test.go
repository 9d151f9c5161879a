package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/health"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
)

// testPayload is the stand-in source format of these tests.
type testPayload struct {
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	SrcIP    string `json:"src_ip"`
	Host     string `json:"host"`
	Time     string `json:"time"`
}

// standInNormalize is a tiny stand-in for internal/normalize used by these
// tests only: it maps testPayload and rejects a missing title.
func standInNormalize(sourceType string, raw []byte) ([]alert.Alert, error) {
	var p testPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, apperr.Validation("malformed JSON", apperr.Field("body", err.Error()))
	}
	if p.Title == "" {
		return nil, apperr.Validation("missing field", apperr.Field("title", "required"))
	}
	sev, _ := alert.ParseSeverity(p.Severity)
	a := alert.Alert{Title: p.Title, Severity: sev, Source: alert.Source{Type: "test", Vendor: "Acme", Product: "Sensor"}, Rule: alert.Rule{ID: p.Rule}}
	if sourceType != "" {
		a.Source.Type = sourceType
	}
	if p.Time != "" {
		t, err := time.Parse(time.RFC3339, p.Time)
		if err != nil {
			return nil, apperr.Validation("bad time", apperr.Field("time", "not RFC 3339"))
		}
		a.EventTime = t
	}
	if p.SrcIP != "" {
		a.Entities = append(a.Entities, alert.Entity{Type: alert.EntityIP, Value: p.SrcIP, Role: "src"})
	}
	if p.Host != "" {
		a.Entities = append(a.Entities, alert.Entity{Type: alert.EntityHostname, Value: p.Host, Role: "host"})
	}
	return []alert.Alert{a}, nil
}

const testOrgHeader = "X-Test-Org"

// testGuard authenticates every request as the org named in X-Test-Org.
func testGuard(ctx huma.Context, _ *huma.Operation) (context.Context, error) {
	org, err := uuid.Parse(ctx.Header(testOrgHeader))
	if err != nil {
		return nil, apperr.Unauthorized("missing test org")
	}
	return tenant.WithScope(ctx.Context(), tenant.NewAuthenticated(org, "apikey:test")), nil
}

type harness struct {
	t        *testing.T
	d        *db.DB
	srv      *httptest.Server
	pipeline *Pipeline
	store    *Store
}

func newHarness(t *testing.T, d *db.DB) *harness {
	t.Helper()
	s := httpapi.New(httpapi.Deps{Config: config.Config{}, Logger: slog.New(slog.DiscardHandler), Health: &health.Registry{}})
	s.SetGuard(testGuard)
	store := NewStore(d, secrets.MustKeyring([]byte("test-secret-test-secret-test-secret")))
	p := &Pipeline{Store: store, Normalize: standInNormalize, Metrics: NewMetrics(nil)}
	api := &API{Pipeline: p}
	api.Register(s.API)
	api.RegisterSources(s.API, "https://sn.example")
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &harness{t: t, d: d, srv: ts, pipeline: p, store: store}
}

func (h *harness) do(method, path string, org uuid.UUID, body string, hdr map[string]string) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if org != uuid.Nil {
		req.Header.Set(testOrgHeader, org.String())
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return res.StatusCode, b
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&v); err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func countRows(t *testing.T, d *db.DB, org uuid.UUID, q string, args ...any) int {
	t.Helper()
	var n int
	err := d.ReadInOrg(context.Background(), tenant.NewAuthenticated(org, "test"), func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, q, append([]any{org.String()}, args...)...).Scan(&n)
	})
	if err != nil {
		t.Fatalf("count %q: %v", q, err)
	}
	return n
}
