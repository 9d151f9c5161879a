// Package logging builds the process logger: log/slog with JSON output,
// central redaction of secrets, and request correlation fields taken from the
// context.
package logging

import (
	"context"
	"io"
	"log/slog"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// Redacted replaces the value of every sensitive attribute.
const Redacted = "[REDACTED]"

// sensitive lists substrings that mark an attribute key as secret. Matching is
// case-insensitive and ignores '-' and '_' so "X-Api-Key", "api_key" and
// "apiKey" are all caught.
var sensitive = []string{
	"authorization", "cookie", "password", "passwd", "secret", "token",
	"apikey", "credential", "privatekey", "sessionid", "otp", "totp",
}

// IsSensitiveKey reports whether an attribute or header name holds a secret.
func IsSensitiveKey(key string) bool {
	k := strings.ToLower(strings.NewReplacer("-", "", "_", "", ".", "").Replace(key))
	for _, s := range sensitive {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// Options configures New.
type Options struct {
	Level  string // debug, info, warn, error
	Format string // json or text
}

// New returns a logger writing to w with redaction and context correlation.
func New(w io.Writer, opts Options) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(opts.Level)); err != nil {
		level = slog.LevelInfo
	}
	ho := &slog.HandlerOptions{Level: level, ReplaceAttr: redact}
	var h slog.Handler
	if opts.Format == "text" {
		h = slog.NewTextHandler(w, ho)
	} else {
		h = slog.NewJSONHandler(w, ho)
	}
	return slog.New(contextHandler{h})
}

// redact is the ReplaceAttr hook: it blanks sensitive keys at any depth.
func redact(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindGroup && IsSensitiveKey(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	return a
}

type ctxKey int

const fieldsKey ctxKey = 0

// With returns a context whose log lines carry the given attributes (for
// example request_id, org_id, user_id, job_id).
func With(ctx context.Context, attrs ...slog.Attr) context.Context {
	prev, _ := ctx.Value(fieldsKey).([]slog.Attr)
	merged := make([]slog.Attr, 0, len(prev)+len(attrs))
	merged = append(merged, prev...)
	merged = append(merged, attrs...)
	return context.WithValue(ctx, fieldsKey, merged)
}

// contextHandler adds the attributes stored by With to every record.
type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if attrs, ok := ctx.Value(fieldsKey).([]slog.Attr); ok {
		r.AddAttrs(attrs...)
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
