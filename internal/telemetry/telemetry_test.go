package telemetry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestSpansCarryNoQueryString guards that server spans never record the
// query string (OAuth codes, state), should an upgrade of otelhttp start to.
func TestSpansCarryNoQueryString(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	h := otelhttp.NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), "test", otelhttp.WithTracerProvider(tp))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/v1/auth/oidc/callback?code=SECRETCODE&state=SECRETSTATE", nil))
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("want 1 span, got %d", len(spans))
	}
	sawPath := false
	for _, kv := range spans[0].Attributes() {
		v := kv.Value.String()
		if kv.Key == "url.path" {
			sawPath = true
		}
		if contains(v, "SECRETCODE") || contains(v, "SECRETSTATE") {
			t.Fatalf("attribute %s leaks the query: %s", kv.Key, v)
		}
	}
	if !sawPath {
		t.Fatalf("expected url.path attribute, got %v", spans[0].Attributes())
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
