package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/testdb"
)

func testConfig(t *testing.T, dialect db.Dialect) config.Config {
	t.Helper()
	c, err := config.Load(config.Source{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	c.HTTPAddr = "127.0.0.1:0"
	c.DataDir = t.TempDir()
	c.ShutdownTimeout = 10 * time.Second
	if dialect == db.Postgres {
		c.DatabaseURL = testdb.NewPostgresURL(t)
		c.MigrateOnStart = true
	}
	return c
}

type slowOutput struct {
	Body struct {
		Done bool `json:"done"`
	}
}

// TestServeLifecycle boots the real process wiring on each backend, checks
// readiness and the maintenance job, then shuts down while a request is in
// flight: the request must complete and Run must return cleanly.
func TestServeLifecycle(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			c := testConfig(t, dialect)
			logs := &bytes.Buffer{}
			a, err := app.Build(context.Background(), c, slog.New(slog.NewJSONHandler(logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			started := make(chan struct{})
			huma.Register(a.Server.API, httpapi.Public(huma.Operation{
				OperationID: "test-slow", Method: http.MethodGet, Path: "/api/v1/test/slow",
			}), func(context.Context, *struct{}) (*slowOutput, error) {
				close(started)
				time.Sleep(300 * time.Millisecond)
				out := &slowOutput{}
				out.Body.Done = true
				return out, nil
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ready := make(chan string, 1)
			runErr := make(chan error, 1)
			go func() { runErr <- a.Run(ctx, ready) }()
			var addr string
			select {
			case addr = <-ready:
			case err := <-runErr:
				t.Fatalf("run ended early: %v", err)
			case <-time.After(20 * time.Second):
				t.Fatal("server did not start")
			}
			base := "http://" + addr
			for _, path := range []string{"/livez", "/readyz"} {
				resp, err := http.Get(base + path)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("%s = %d: %s", path, resp.StatusCode, body)
				}
			}
			// The periodic maintenance job runs on start.
			deadline := time.Now().Add(20 * time.Second)
			for {
				var n int
				if err := a.DB.Reader.QueryRow("SELECT count(*) FROM maintenance_runs").Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("maintenance job never ran")
				}
				time.Sleep(100 * time.Millisecond)
			}
			inflight := make(chan int, 1)
			go func() {
				resp, err := http.Get(base + "/api/v1/test/slow")
				if err != nil {
					inflight <- -1
					return
				}
				_ = resp.Body.Close()
				inflight <- resp.StatusCode
			}()
			<-started
			cancel()
			if code := <-inflight; code != 200 {
				t.Fatalf("in-flight request was not drained: %d", code)
			}
			select {
			case err := <-runErr:
				if err != nil {
					t.Fatalf("run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("shutdown hung")
			}
			if _, err := http.Get(base + "/livez"); err == nil {
				t.Fatal("server still accepting after shutdown")
			}
		})
	}
}

func TestPostgresRefusesOutdatedSchema(t *testing.T) {
	c := testConfig(t, db.Postgres)
	c.MigrateOnStart = false
	_, err := app.Build(context.Background(), c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		t.Fatal("serve must refuse an unmigrated PostgreSQL schema")
	}
}

func TestGeneratedSecretIsPersisted(t *testing.T) {
	c := testConfig(t, db.SQLite)
	build := func() []byte {
		a, err := app.Build(context.Background(), c, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = a.Close(context.Background()) }()
		return a.Secret
	}
	first, second := build(), build()
	if len(first) < config.MinSecretLen || !bytes.Equal(first, second) {
		t.Fatalf("secret not stable: %q vs %q", first, second)
	}
	st, err := os.Stat(filepath.Join(c.DataDir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v, want 0600", st.Mode().Perm())
	}
}

// TestOpenAPIFileIsCurrent fails when api/openapi.yaml differs from the
// document the code generates. Regenerate with `make openapi`.
func TestOpenAPIFileIsCurrent(t *testing.T) {
	got, err := app.OpenAPIYAML(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("api/openapi.yaml is stale: run `make openapi` and commit it")
	}
}

func TestEveryOperationDeclaresAccess(t *testing.T) {
	c := testConfig(t, db.SQLite)
	a, err := app.Build(context.Background(), c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Close(context.Background()) }()
	if undeclared := httpapi.UndeclaredOperations(a.Server.API); len(undeclared) > 0 {
		t.Fatalf("operations without an access rule: %v", undeclared)
	}
}
