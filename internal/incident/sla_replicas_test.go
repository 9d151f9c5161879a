package incident_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

const slaReplicaSecret = "sla-replica-test-secret-0123456789ab"

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}

// serveReplica starts the real binary and waits until it is ready; it
// returns the base URL.
func serveReplica(t *testing.T, bin string, settings []string) string {
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
				return "http://" + addr
			}
		}
	}
	t.Fatalf("server not ready: %s", logs)
	return ""
}

func call(t *testing.T, token, method, url, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, url, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
}

// TestSLABreachAcrossReplicas runs two `serve` processes on one PostgreSQL
// (each scanning every 200ms) plus two scanners in this process: the SLA
// warning and breach of each incident are raised exactly once (one event,
// one notification for the assignee), and a paused SLA never breaches.
func TestSLABreachAcrossReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "securenexus")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/securenexus/securenexus/cmd/securenexus").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	ctx := context.Background()
	cfg := config.Config{DataDir: dir, SecretKey: slaReplicaSecret, DBMaxConns: 4, DatabaseURL: testdb.NewPostgresURL(t)}
	d, err := app.OpenDB(ctx, cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	if err := app.Migrate(ctx, d); err != nil {
		t.Fatal(err)
	}
	st, err := identity.NewStore(d, secrets.MustKeyring([]byte(slaReplicaSecret)))
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, "sla-replicas@example.test", "S", "")
	if err != nil {
		t.Fatal(err)
	}
	org, err := st.CreateOrg(ctx, "SLA replicas", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := st.CreateAPIKey(ctx, tenant.System(org.ID, "test"), identity.NewAPIKey{Name: "k",
		Permissions: []string{string(rbac.IncidentsRead), string(rbac.IncidentsManage)}, CreatedBy: u.ID, Grantor: rbac.NewSet(rbac.All...)})
	if err != nil {
		t.Fatal(err)
	}
	common := []string{"SECURENEXUS_DATABASE_URL=" + cfg.DatabaseURL, "SECURENEXUS_SECRET_KEY=" + slaReplicaSecret,
		"SECURENEXUS_LOG_LEVEL=warn", "SECURENEXUS_DB_APP_ROLE=securenexus_app", "SECURENEXUS_RATE_LIMIT_ENABLED=false",
		"SECURENEXUS_DATA_DIR=" + dir, "SECURENEXUS_SLA_SCAN_INTERVAL=200ms"}
	a, b := serveReplica(t, bin, common), serveReplica(t, bin, common)

	// Critical incidents: acknowledge within one minute, warn at half.
	var policies struct {
		Items []incident.SLAPolicy `json:"items"`
	}
	call(t, token, http.MethodGet, a+"/api/v1/incident-sla-policies", "", &policies)
	for _, p := range policies.Items {
		if p.Severity == "critical" && p.Type == "" {
			call(t, token, http.MethodPatch, b+"/api/v1/incident-sla-policies/"+p.ID.String(), `{"ack_minutes":1,"resolve_minutes":60,"warn_percent":50}`, nil)
		}
	}
	var ids []uuid.UUID
	for i := range 8 {
		var inc incident.Incident
		via := []string{a, b}[i%2]
		call(t, token, http.MethodPost, via+"/api/v1/incidents", fmt.Sprintf(`{"title":"replica %d","severity":"critical","assignee":"%s"}`, i, u.ID), &inc)
		ids = append(ids, inc.ID)
	}
	paused := ids[0]
	call(t, token, http.MethodPost, b+"/api/v1/incidents/"+paused.String()+"/sla/pause", `{"reason":"waiting for the provider"}`, nil)

	// Two more scanners in this process, as a third and fourth replica.
	scanner := &incident.Store{DB: d}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(150 * time.Millisecond):
				}
				if _, err := scanner.ScanSLA(ctx, time.Now()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	count := func(q string, args ...any) int {
		var n int
		if err := d.Read(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.QueryRowContext(ctx, q, args...).Scan(&n) }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(90 * time.Second)
	for count(`SELECT count(*) FROM events WHERE kind = 'incident.sla_breached.v1'`) < len(ids)-1 && time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
	}
	// Let every scanner have a few more passes over the same clocks.
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	for _, id := range ids {
		want := 1
		if id == paused {
			want = 0
		}
		subject := "incident/" + id.String()
		for _, kind := range []string{"incident.sla_warning.v1", "incident.sla_breached.v1"} {
			if n := count(`SELECT count(*) FROM events WHERE kind = $1 AND subject = $2`, kind, subject); n != want {
				t.Errorf("incident %s: %d %s events, want %d", id, n, kind, want)
			}
		}
		for _, kind := range []string{"sla_warning", "sla_breach"} {
			if n := count(`SELECT count(*) FROM incident_notifications WHERE incident_id = $1 AND kind = $2 AND user_id = $3`, id.String(), kind, u.ID.String()); n != want {
				t.Errorf("incident %s: %d %s notifications, want %d", id, n, kind, want)
			}
		}
	}
	var got incident.Incident
	call(t, token, http.MethodGet, a+"/api/v1/incidents/"+ids[1].String(), "", &got)
	if got.SLA == nil || got.SLA.State != incident.SLABreached || got.SLA.Acknowledge.BreachedAt == nil {
		t.Fatalf("breached incident: %+v", got.SLA)
	}
	call(t, token, http.MethodGet, b+"/api/v1/incidents/"+paused.String(), "", &got)
	if got.SLA == nil || got.SLA.State != incident.SLAPaused || got.SLA.PauseReason != "waiting for the provider" {
		t.Fatalf("paused incident: %+v", got.SLA)
	}
	var list struct {
		Items []incident.Incident `json:"items"`
	}
	call(t, token, http.MethodGet, b+"/api/v1/incidents?sla=breached", "", &list)
	if len(list.Items) != len(ids)-1 {
		t.Fatalf("sla=breached lists %d incidents, want %d", len(list.Items), len(ids)-1)
	}
}
