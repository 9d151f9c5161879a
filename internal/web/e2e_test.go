package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/evidence"
)

// webDir is the web/ source tree of this checkout.
func webDir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "web")
}

// nodeTooling returns node and checks web/node_modules; both are required:
// a missing toolchain fails the test (it never skips).
func nodeTooling(t *testing.T, dir string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: the web UI tests need Node 20+ (and `npm ci` in web/); `make test` installs web/node_modules")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err != nil {
		t.Fatalf("web/node_modules is missing: run `cd web && npm ci` (make test does it): %v", err)
	}
	return node
}

func runNode(t *testing.T, dir string, timeout time.Duration, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeTooling(t, dir), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %v: %v\n%s", args, err, out.String())
	}
	return out.String()
}

// TestUnitSuite runs the vitest suite of web/ (API client, problem
// parsing, filters, OpenAPI helpers).
func TestUnitSuite(t *testing.T) {
	dir := webDir(t)
	out := runNode(t, dir, 3*time.Minute, filepath.Join("node_modules", "vitest", "vitest.mjs"), "run", "--reporter=dot")
	t.Log(out)
}

// TestBrowserE2E serves the whole application with demo data and drives
// the UI in headless Chromium: sign in as the demo analyst, list alerts,
// open one, change its status, work incidents (correlated by the job
// workers); no CSP violation or console error allowed.
func TestBrowserE2E(t *testing.T) {
	dir := webDir(t)
	nodeTooling(t, dir)
	chromium := os.Getenv("SECURENEXUS_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("chromium not found at %s (apt-get install -y chromium, or set SECURENEXUS_CHROMIUM): %v", chromium, err)
	}

	ctx := context.Background()
	c, err := config.Load(config.Source{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	c.DataDir = t.TempDir()
	// The scripted users click far faster than people and keep several
	// war-room pages live at once under the same demo principals; the
	// default per-user read budget (60 burst, 20/s) then answers 429 on a
	// quiet machine. The limiter has its own tests (internal/httpapi).
	c.RateLimitReadBurst, c.RateLimitReadRPS = 600, 200
	a, err := app.Build(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	if err := a.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	// The job workers run correlation over the demo alerts (alert.ingested
	// events), so the incident pages have correlated incidents to show.
	if err := a.Jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Jobs.Stop(stop)
	})
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)

	// Screenshots are kept as test artifacts in web/e2e/out (gitignored;
	// CI keeps the folder), or where SECURENEXUS_E2E_OUT says.
	shots := os.Getenv("SECURENEXUS_E2E_OUT")
	if shots == "" {
		shots = filepath.Join(dir, "e2e", "out")
	}
	// The war room's tamper test changes a stored evidence file in the
	// local blob directory; it saves the signed manifest it exports (and
	// the org's signing key) for verification here.
	t.Setenv("SECURENEXUS_E2E_BLOB_DIR", c.BlobDirectory())
	manifest := filepath.Join(t.TempDir(), "warroom-manifest.json")
	t.Setenv("SECURENEXUS_E2E_MANIFEST", manifest)
	cmd := []string{filepath.Join("e2e", "run.mjs"), srv.URL, shots}
	t.Log(runNode(t, dir, 12*time.Minute, cmd...))
	verifyWarroomManifest(t, manifest)
}

// verifyWarroomManifest checks the manifest the browser exported after the
// tamper test offline (evidence.VerifyManifest, as `securenexus evidence
// verify-manifest --public-key` does): signed by the org's key, custody
// chains intact, the tampered artifact listed as failed and the other ok.
func verifyWarroomManifest(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the war room test saved no manifest: %v", err)
	}
	key, err := os.ReadFile(path + ".key.json")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := evidence.ParsePublicKey(string(key))
	if err != nil {
		t.Fatal(err)
	}
	r, err := evidence.VerifyManifest(data, pub)
	if err != nil {
		t.Fatalf("exported manifest does not verify: %v", err)
	}
	got := map[string]string{}
	for _, a := range r.Manifest.Artifacts {
		got[a.Name] = a.Integrity
	}
	if got["tamper-me.txt"] != "failed" || got["live-header.txt"] != "ok" {
		t.Fatalf("manifest integrity by artifact = %v, want tamper-me.txt failed and live-header.txt ok", got)
	}
	t.Logf("signed manifest of incident %s verified with key %s (pinned): %d artifacts, integrity %v", r.Manifest.IncidentID, r.KeyID, len(r.Manifest.Artifacts), got)
}
