package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestRedaction(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, Options{Level: "debug"})
	ctx := With(context.Background(), slog.String("request_id", "req-1"))
	log.InfoContext(ctx, "login",
		slog.String("Authorization", "Bearer abc"),
		slog.String("Cookie", "sn_session=s3cr3t"),
		slog.String("Set-Cookie", "sn_session=s3cr3t"),
		slog.String("password", "hunter2"),
		slog.String("client_secret", "cs"),
		slog.String("refresh_token", "rt"),
		slog.String("X-Api-Key", "snk_live"),
		slog.String("aws_credentials", "AKIA"),
		slog.Group("headers", slog.String("authorization", "Basic Zm9v")),
		slog.String("user", "alice"),
	)
	out := buf.String()
	for _, leak := range []string{"Bearer abc", "s3cr3t", "hunter2", "\"cs\"", "\"rt\"", "snk_live", "AKIA", "Zm9v"} {
		if strings.Contains(out, leak) {
			t.Errorf("secret %q leaked: %s", leak, out)
		}
	}
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["user"] != "alice" || rec["request_id"] != "req-1" || rec["password"] != Redacted {
		t.Fatalf("unexpected record %v", rec)
	}
}

func TestIsSensitiveKey(t *testing.T) {
	for _, k := range []string{"api_key", "apiKey", "X-API-KEY", "sessionId", "totp_code"} {
		if !IsSensitiveKey(k) {
			t.Errorf("%s should be sensitive", k)
		}
	}
	for _, k := range []string{"user", "org_id", "status", "title"} {
		if IsSensitiveKey(k) {
			t.Errorf("%s should not be sensitive", k)
		}
	}
}
