package stream_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

const replicaSecret = "replica-test-secret-0123456789abcdef"

type bearer string

func (b bearer) Apply(r *http.Request) { r.Header.Set("Authorization", "Bearer "+string(b)) }

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}

// serve starts the real binary and waits until it is ready.
func serve(t *testing.T, bin string, settings []string) *env {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(append(os.Environ(), settings...), "SECURENEXUS_HTTP_ADDR="+addr)
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return &env{url: "http://" + addr}
			}
		}
	}
	t.Fatalf("server not ready: %s", logs)
	return nil
}

// TestStreamAcrossReplicas runs two `serve` processes on one PostgreSQL: a
// client streaming from B sees A's change within a second, and after a
// reconnect with Last-Event-ID it receives exactly the events it missed,
// whichever replica committed them, none twice.
func TestStreamAcrossReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "securenexus")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/securenexus/securenexus/cmd/securenexus").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	ctx := context.Background()
	cfg := config.Config{DataDir: dir, SecretKey: replicaSecret, DBMaxConns: 4, DatabaseURL: testdb.NewPostgresURL(t)}
	d, err := app.OpenDB(ctx, cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Migrate(ctx, d); err != nil {
		t.Fatal(err)
	}
	st, err := identity.NewStore(d, secrets.MustKeyring([]byte(replicaSecret)))
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, "replicas@example.test", "R", "")
	if err != nil {
		t.Fatal(err)
	}
	org, err := st.CreateOrg(ctx, "Replicas", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := st.CreateAPIKey(ctx, tenant.System(org.ID, "test"), identity.NewAPIKey{Name: "k",
		Permissions: []string{string(rbac.AlertsIngest), string(rbac.AlertsRead), string(rbac.AlertsWrite)}, CreatedBy: u.ID, Grantor: rbac.NewSet(rbac.All...)})
	if err != nil {
		t.Fatal(err)
	}
	_ = d.Close()
	common := []string{"SECURENEXUS_DATABASE_URL=" + cfg.DatabaseURL, "SECURENEXUS_SECRET_KEY=" + replicaSecret,
		"SECURENEXUS_LOG_LEVEL=warn", "SECURENEXUS_DB_APP_ROLE=securenexus_app", "SECURENEXUS_RATE_LIMIT_ENABLED=false",
		"SECURENEXUS_DATA_DIR=" + dir}
	a, b := serve(t, bin, common), serve(t, bin, common)
	key := bearer(token)
	id := a.ingest(t, key)

	live := open(t, b, key, "?kind=alert.updated.v1", "", nil)
	start := time.Now()
	a.patch(t, key, id, "triaged")
	m, err := live.next(t, time.Second)
	if err != nil {
		t.Fatalf("B's stream did not see A's update within a second: %v", err)
	}
	if m.Event != "alert.updated.v1" {
		t.Fatalf("got %s: %s", m.Event, m.Data)
	}
	t.Logf("A's PATCH reached B's stream in %s", time.Since(start).Round(time.Millisecond))
	// Interleaved changes through both replicas arrive on B in order, once.
	last, _ := strconv.ParseInt(m.ID, 10, 64)
	for i, via := range []*env{a, b, a, b} {
		via.patch(t, key, id, []string{"in_progress", "resolved", "new", "triaged"}[i])
	}
	for i := range 4 {
		m, err := live.next(t, 5*time.Second)
		if err != nil {
			t.Fatalf("live event %d: %v", i, err)
		}
		if n, _ := strconv.ParseInt(m.ID, 10, 64); n != last+int64(i)+1 {
			t.Fatalf("live event %d has id %s, want %d", i, m.ID, last+int64(i)+1)
		}
	}
	live.quiet(t, 300*time.Millisecond)
	live.close()
	last += 4

	// Missed while disconnected, committed through both replicas.
	for i, via := range []*env{a, a, b} {
		via.patch(t, key, id, []string{"in_progress", "resolved", "new"}[i])
	}
	for _, via := range []*env{b, a} {
		r := open(t, via, key, "?follow=false", strconv.FormatInt(last, 10), nil)
		var got []string
		for {
			m, err := r.next(t, 5*time.Second)
			if err != nil {
				break
			}
			got = append(got, m.ID)
		}
		want := []string{strconv.FormatInt(last+1, 10), strconv.FormatInt(last+2, 10), strconv.FormatInt(last+3, 10)}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("resumed on %s: ids %v, want %v", via.url, got, want)
		}
	}
	// A resumed stream that follows continues live across replicas.
	f := open(t, b, key, "", strconv.FormatInt(last+3, 10), nil)
	a.patch(t, key, id, "triaged")
	if m, err := f.next(t, 5*time.Second); err != nil || m.ID != strconv.FormatInt(last+4, 10) {
		t.Fatalf("after resume: %+v %v", m, err)
	}
}
