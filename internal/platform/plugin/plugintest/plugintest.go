// Package plugintest is the contract suite every plugin family reuses: each
// implementation's test calls Run with its family's checks. Run verifies
// the metadata, runs the family checks with a capturing logger, and fails
// when a planted secret appears in any error or log line.
package plugintest

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/securenexus/securenexus/internal/platform/plugin"
)

// Env is what a family's checks receive.
type Env struct {
	// Logger writes to a buffer Run scans for secrets; give it to the plugin.
	Logger *slog.Logger
	// Secrets are the values the checks plant (credentials in configuration,
	// tokens in payloads); none may appear in an error or a log line.
	Secrets []string

	mu   sync.Mutex
	errs []error
}

// Error records an error the plugin returned, for the secret check. It
// returns err so calls can be chained.
func (e *Env) Error(err error) error {
	if err != nil {
		e.mu.Lock()
		e.errs = append(e.errs, err)
		e.mu.Unlock()
	}
	return err
}

// Family is one plugin family's contract.
type Family[T any] struct {
	// Secrets are planted by Checks; see Env.Secrets.
	Secrets []string
	// Checks runs the family's behavioural contract on one implementation,
	// reporting failures on t and every error the plugin returns with env.Error.
	Checks func(t testing.TB, env *Env, meta plugin.Meta, impl T)
}

// Run runs the contract on the plugin registered as name in r.
func Run[T any](t testing.TB, r *plugin.Registry[T], name string, f Family[T]) {
	t.Helper()
	meta, ok := r.Meta(name)
	if !ok {
		t.Fatalf("%s plugin %q is not registered", r.Kind(), name)
	}
	impl, _ := r.Get(name)
	if err := meta.Validate(r.Kind()); err != nil {
		t.Errorf("metadata: %v", err)
	}
	if meta.Name != name {
		t.Errorf("metadata name %q registered as %q", meta.Name, name)
	}
	var logs syncBuffer
	env := &Env{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Secrets: f.Secrets}
	if f.Checks != nil {
		f.Checks(t, env, meta, impl)
	}
	for _, s := range f.Secrets {
		if s == "" {
			continue
		}
		for _, err := range env.errs {
			if strings.Contains(err.Error(), s) {
				t.Errorf("secret %q appears in an error: %v", redact(s), err)
			}
		}
		if bytes.Contains(logs.Bytes(), []byte(s)) {
			t.Errorf("secret %q appears in the log", redact(s))
		}
	}
}

// redact shows enough of a planted secret to identify it in a failure.
func redact(s string) string {
	if len(s) <= 4 {
		return "****"
	}
	return s[:4] + "…"
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}
